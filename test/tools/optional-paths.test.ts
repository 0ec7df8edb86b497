/**
 * The optional paths, rendered: every optional component off, and every kind of destination and
 * value the settings accept at their edges (addresses by IPv4, IPv6, Service and absolute name, a
 * webhook on its own port, `HTTPS://`, a quoted mail display name, `$` in values Grafana expands).
 * Each render passes the pinned promtool (check config, check rules), amtool check-config, the
 * Kubernetes schema, and reads back unchanged under its consumers' expansion (test/consumers).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { GRAFANA_SECRETS_DIR } from "../../configs/grafana";
import { LOKI_S3_SECRET_ENV } from "../../configs/loki";
import { binary, run, withBinaries, withPinnedBinaries } from "../helpers/binaries";
import { askConsumers } from "../helpers/consumers";
import { schemaProblems } from "../helpers/kubernetes-schema";
import { copyPrometheusFiles, withCredentialFilesIn } from "../helpers/prometheus-files";
import { render, RenderResult } from "../helpers/render";

const EVERYTHING_OFF = [
  'alertmanager={"enabled":false}',
  'grafana={"enabled":false}',
  'loki={"enabled":false}',
  "logAgent=none",
  'nodeExporter={"enabled":false}',
  'kubeStateMetrics={"enabled":false}',
  'mailCatcher={"enabled":false}',
];

const EVERY_DESTINATION = {
  set: [
    `app={"namespaces":["trading"],"staticTargets":["203.0.113.5:9100","[fd00::5]:9100","metrics.example.com.:9200"],"metricsPath":"/api/metrics;v=1"}`,
    `exporters={"redis":"redis-exporter.db:9121","postgres":"pg.data.svc.cluster.local:9187"}`,
    `alertmanager={"smtp":{"smarthost":"192.0.2.25:2525","from":"\\"Acme, Inc.\\" <alerts@example.com>"},"slack":{"enabled":true},"discord":{"enabled":true}}`,
    "mailCatcher.enabled=false",
    `prometheus={"remoteWrite":{"url":"https://push.example.com:9443/api/v1/write?tenant=a","username":"$user"}}`,
    `externalLoki={"url":"https://logs.example.com:3443/$x/loki/api/v1/push","username":"$__file{/etc/passwd}"}`,
    "loki.enabled=true",
    "loki.replicas=3",
    `loki.objectStorage={"endpoint":"10.30.0.7:9000","bucket":"loki","accessKeyId":"loki","insecure":true}`,
    `grafana={"rootUrl":"HTTPS://Grafana.Example.com/","plugins":["grafana-clock-panel@2.1.8"]}`,
  ],
  setSecret: [
    "slackWebhookUrl=https://hooks.example.com:8443/services/T/B/X",
    "discordWebhookUrl=https://192.0.2.10/api/webhooks/1/x",
    "remoteWritePassword=pw",
    "externalLokiPassword=pw",
    "lokiObjectStorageSecretKey=s3$key",
  ],
};

const variants: [string, { set: string[]; setSecret?: string[] }][] = [
  ["every optional component off", { set: EVERYTHING_OFF }],
  ["every kind of destination and value at its edge", EVERY_DESTINATION],
];

/** Every string of a parsed YAML document. */
const strings = (value: unknown): string[] =>
  typeof value === "string" ? [value] : Array.isArray(value) ? value.flatMap(strings) : value !== null && typeof value === "object" ? Object.values(value).flatMap(strings) : [];

describe.each(variants)("%s", (_, options) => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await render({ stack: "prod", ...options });
  }, 120_000);

  test("every Kubernetes object is valid against the Kubernetes schema", () => {
    expect(r.manifests.flatMap(schemaProblems)).toEqual([]);
  });

  test("every file a program expands reads back as written, but the expansions we mean", () => {
    const grafanaFiles = Object.entries(r.files).filter(([name]) => name.startsWith("grafana/provisioning/"));
    const leaves = grafanaFiles.flatMap(([, text]) => strings(parse(text)));
    const grafana = askConsumers(leaves.map((value) => ({ op: "grafanaProvisioning" as const, value })));
    const meant = `$__file{${GRAFANA_SECRETS_DIR}/`;
    expect(leaves.filter((leaf, i) => !leaf.startsWith(meant) && grafana[i].value !== leaf.replace(/\$\$/g, "$"))).toEqual([]);
    const lokiFiles = Object.entries(r.files).filter(([name]) => name.startsWith("loki/"));
    const loki = askConsumers(lokiFiles.map(([, value]) => ({ op: "lokiExpandEnv" as const, value, env: { [LOKI_S3_SECRET_ENV]: "k" } })));
    expect(lokiFiles.filter(([, text], i) => loki[i].value !== text.split(`\${${LOKI_S3_SECRET_ENV}}`).join("k")).map(([name]) => name)).toEqual([]);
  });

  withPinnedBinaries("Kubernetes service discovery, which Debian's 2.42 is built without", "promtool")("promtool check config and check rules", () => {
    const dir = copyPrometheusFiles(r, withCredentialFilesIn);
    try {
      const checked = run(binary("promtool")!, ["check", "config", "prometheus.yml"], dir);
      expect(checked.output).toContain("SUCCESS");
      expect(checked.code).toBe(0);
      const rules = run(binary("promtool")!, ["check", "rules", ...fs.readdirSync(path.join(dir, "rules")).map((f) => `rules/${f}`)], dir);
      expect(rules.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(rules.code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  withBinaries("amtool")("amtool check-config (when Alertmanager runs)", () => {
    const file = path.join(r.dir, "files/alertmanager/alertmanager.yml");
    if (!fs.existsSync(file)) return expect(r.manifests.some((m) => m.metadata?.name === "alertmanager")).toBe(false);
    const result = run(binary("amtool")!, ["check-config", file]);
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });
});
