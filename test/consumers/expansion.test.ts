/**
 * Files their programs expand before reading them: Grafana's provisioning files ($NAME, ${NAME},
 * $__env{}, $__file{}, $$), grafana.ini ($__env{}, $__file{}, ${NAME}), Loki's config under
 * -config.expand-env (drone/envsubst: ${NAME}, $$) and Prometheus' external labels (os.Expand).
 * Rendered with values full of `$`, each file read with its consumer's expansion (test/consumers)
 * holds exactly what the settings say, plus only the expansions we write on purpose.
 */
import { parse } from "yaml";
import { GRAFANA_SECRETS_DIR } from "../../configs/grafana";
import { LOKI_S3_SECRET_ENV } from "../../configs/loki";
import { askConsumers, ConsumerOp } from "../helpers/consumers";
import { render, RenderResult } from "../helpers/render";

/** Settings that reach the files: every one that may hold a `$` does. */
const SNEAKY_USERNAME = "$__file{/etc/grafana/secrets/admin-password}${HOME}$USER$$x$";
const SNEAKY_PATH = "/$HOME/$x$$/loki/api/v1/push";
const ENV = { HOME: "/root", USER: "grafana", x: "expanded", [LOKI_S3_SECRET_ENV]: "s3-secret-marker" };

/** Every string leaf of a parsed YAML document, with its path. */
function strings(value: unknown, path: string[] = []): { path: string; value: string }[] {
  if (typeof value === "string") return [{ path: path.join("."), value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, String(i)]));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, [...path, k]));
  return [];
}

/** Each string as the consumer reads it. */
function expandAll(op: ConsumerOp, leaves: { path: string; value: string }[]): Map<string, string> {
  const answers = askConsumers(leaves.map((leaf) => ({ op, value: leaf.value, env: ENV })));
  return new Map(leaves.map((leaf, i) => [leaf.path, answers[i].ok ? answers[i].value : `<refused: ${answers[i].error}>`]));
}

describe("Grafana's provisioning files read back exactly what the settings say", () => {
  let result: RenderResult;
  beforeAll(async () => {
    result = await render({
      stack: "dev",
      set: [`externalLoki={"url":"https://logs.example.com${SNEAKY_PATH}","username":${JSON.stringify(SNEAKY_USERNAME)}}`],
      setSecret: ["externalLokiPassword=pw-1234"],
    });
  }, 120_000);

  test("externalLoki.username full of expansions stays text: Grafana sends that username, not the admin password", () => {
    const file = parse(result.files["grafana/provisioning/datasources/datasources.yaml"]);
    const leaves = strings(file);
    const read = expandAll("grafanaProvisioning", leaves);
    const loki = file.datasources.findIndex((d: { type: string }) => d.type === "loki");
    expect(read.get(`datasources.${loki}.basicAuthUser`)).toBe(SNEAKY_USERNAME);
    expect(read.get(`datasources.${loki}.url`)).toBe(`https://logs.example.com${SNEAKY_PATH.slice(0, -"/loki/api/v1/push".length)}`);
    // The one expansion we mean: the password from the mounted Secret.
    expect(read.get(`datasources.${loki}.secureJsonData.basicAuthPassword`)).toBe(`<contents of ${GRAFANA_SECRETS_DIR}/external-loki-password>`);
    const changed = leaves.filter((leaf) => !leaf.path.endsWith("secureJsonData.basicAuthPassword") && read.get(leaf.path) !== leaf.value.replace(/\$\$/g, "$"));
    expect(changed).toEqual([]);
  });

  test("the dashboard providers file holds no expansion", () => {
    const leaves = strings(parse(result.files["grafana/provisioning/dashboards/providers.yaml"]));
    const read = expandAll("grafanaProvisioning", leaves);
    expect(leaves.filter((leaf) => read.get(leaf.path) !== leaf.value)).toEqual([]);
  });

  test("grafana.ini holds no expansion but the files of the admin password and the secret key", () => {
    // Grafana expands \$(|__\w+){…} in every ini value (pkg/setting/expanders.go).
    const expansions = result.files["grafana/grafana.ini"].split("\n").filter((line) => /\$(|__\w+)\{[^}]+\}/.test(line));
    expect(expansions).toEqual([
      `admin_password = $__file{${GRAFANA_SECRETS_DIR}/admin-password}`,
      `secret_key = $__file{${GRAFANA_SECRETS_DIR}/secret-key}`,
    ]);
  });
});

describe("Loki's config under -config.expand-env and Prometheus' external labels read back exactly what the settings say", () => {
  let result: RenderResult;
  beforeAll(async () => {
    result = await render({
      stack: "prod",
      set: [
        "loki.replicas=3",
        `loki.objectStorage={"endpoint":"minio.storage.svc.cluster.local.:9000","bucket":"loki-chunks.2026","region":"eu-west-1","accessKeyId":"AKIA+/=,.@_-x","insecure":true}`,
        "prometheus.replicas=2",
      ],
      setSecret: ["lokiObjectStorageSecretKey=s3cr3t$X${Y}$$"],
    });
  }, 120_000);

  test("every Loki config file expands to itself, the secret key's variable aside", () => {
    const files = Object.entries(result.files).filter(([name]) => name.startsWith("loki/"));
    expect(files.length).toBeGreaterThan(0);
    const answers = askConsumers(files.map(([, text]) => ({ op: "lokiExpandEnv" as const, value: text, env: ENV })));
    files.forEach(([name, text], i) => {
      expect({ name, ok: answers[i].ok }).toEqual({ name, ok: true });
      expect(answers[i].value).toBe(text.split(`\${${LOKI_S3_SECRET_ENV}}`).join(ENV[LOKI_S3_SECRET_ENV]));
    });
  });

  test("Prometheus' external labels expand to the settings' values (the replica's name aside)", () => {
    const config = parse(result.files["prometheus/prometheus.yml"]);
    const labels: Record<string, string> = config.global.external_labels;
    const answers = askConsumers(Object.values(labels).map((value) => ({ op: "prometheusExternalLabel" as const, value, env: { PROMETHEUS_REPLICA: "prometheus-0" } })));
    const read = Object.fromEntries(Object.keys(labels).map((name, i) => [name, answers[i].value]));
    expect(read).toEqual({ ...labels, prometheus_replica: "prometheus-0" });
  });
});
