/**
 * The Watchdog route and the heartbeat receiver in the rendered alertmanager.yml of both stacks, with
 * and without `observability:heartbeatUrl`, checked by the pinned amtool (`check-config`, `config
 * routes test`) and a running Alertmanager; the render's notice; the NetworkPolicy egress.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { AlertmanagerConfig, buildAlertmanagerConfig, SECRET_FILES } from "../../configs/alertmanager";
import { buildAlertRules } from "../../configs/alert-rules";
import { HEARTBEAT_RECEIVER, NULL_RECEIVER, WATCHDOG_ALERT } from "../../configs/dead-mans-switch";
import { buildNetworkPolicies } from "../../configs/network-policies";
import { parseSettings } from "../../configs/settings";
import { binary, run, withPinnedBinaries } from "../helpers/binaries";
import { getAlerts, postAlerts, startAlertmanager } from "../helpers/monitoring-processes";
import { allowed, Endpoint } from "../helpers/network-policy";
import { freePort, ProcessGroup, tempDir, waitFor } from "../helpers/processes";
import { find, loadRender, RenderResult, runRenderCommand } from "../helpers/render";
import { rawStackSettings, stackSettings } from "../helpers/stack-settings";

const ALERTMANAGER_FILE = "alertmanager/alertmanager.yml";
const HEARTBEAT_URL = "https://hc-ping.com/0b3c4e3a-5b53-4c6e-9f6b-2a3b4c5d6e7f";
const WHY_PINNED = "the heartbeat webhook's url_file, which Alertmanager reads since 0.26";

const scratch = tempDir("dead-mans-switch");
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Variant {
  stack: "dev" | "prod";
  heartbeat: boolean;
}
const VARIANTS: Variant[] = [
  { stack: "dev", heartbeat: false },
  { stack: "dev", heartbeat: true },
  { stack: "prod", heartbeat: false },
  { stack: "prod", heartbeat: true },
];
const label = (v: Variant) => `${v.stack}, ${v.heartbeat ? "with" : "without"} heartbeatUrl`;

/** The render of each variant and what it printed on stderr, as `npm run render` runs it. */
const renders = new Map<string, Promise<{ result: RenderResult; stderr: string }>>();
function rendered(variant: Variant) {
  const key = label(variant);
  if (!renders.has(key)) {
    renders.set(
      key,
      (async () => {
        const out = path.join(scratch, `${variant.stack}-${variant.heartbeat}`);
        const args = ["--stack", variant.stack, "--out", out, ...(variant.heartbeat ? ["--set-secret", `heartbeatUrl=${HEARTBEAT_URL}`] : [])];
        const command = await runRenderCommand(args);
        if (command.code !== 0) throw new Error(`render ${args.join(" ")} failed:\n${command.stderr}`);
        return { result: loadRender(out), stderr: command.stderr };
      })(),
    );
  }
  return renders.get(key)!;
}
beforeAll(() => Promise.all(VARIANTS.map(rendered)), 120_000);

/** amtool reads url_file only when it sends; the files exist anyway, as in the pod. */
function configFileOf(result: RenderResult): string {
  return path.join(result.dir, "files", ALERTMANAGER_FILE);
}

function receiversOf(configFile: string, labels: Record<string, string>): string[] {
  const result = run(binary("amtool")!, ["config", "routes", "test", `--config.file=${configFile}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  if (result.code !== 0) throw new Error(`amtool config routes test failed:\n${result.output}`);
  return result.output.trim().split(",");
}

describe.each(VARIANTS)("the rendered Alertmanager config ($stack, heartbeat: $heartbeat)", (variant) => {
  let result: RenderResult;
  let config: AlertmanagerConfig;
  let stderr: string;
  beforeAll(async () => {
    ({ result, stderr } = await rendered(variant));
    config = parse(result.files[ALERTMANAGER_FILE]);
  });
  const expectedReceiver = variant.heartbeat ? HEARTBEAT_RECEIVER : NULL_RECEIVER;

  withPinnedBinaries(WHY_PINNED, "amtool")("amtool check-config accepts it", () => {
    const checked = run(binary("amtool")!, ["check-config", configFileOf(result)]);
    expect(checked.output).toContain("SUCCESS");
    expect(checked.code).toBe(0);
  });

  withPinnedBinaries(WHY_PINNED, "amtool")(`the Watchdog reaches ${expectedReceiver} only, whatever else it carries; every other alert its usual receivers`, () => {
    const file = configFileOf(result);
    expect(receiversOf(file, { alertname: WATCHDOG_ALERT, severity: "none", cluster: "crypto-orchestrator" })).toEqual([expectedReceiver]);
    // First in the tree, without continue: a Watchdog labelled critical still goes nowhere else.
    expect(receiversOf(file, { alertname: WATCHDOG_ALERT, severity: "critical" })).toEqual([expectedReceiver]);
    expect(receiversOf(file, { alertname: "ApplicationDown", severity: "critical" })).toEqual(["critical", "email"]);
    expect(receiversOf(file, { alertname: "HighCpuUsage", severity: "warning" })).toEqual(["warning"]);
  });

  test(`the Watchdog route repeats every heartbeat interval (5m), grouped by name alone; ${variant.heartbeat ? "the webhook never sends resolved" : "the null receiver has no integration"}`, () => {
    const route = config.route.routes![0];
    expect(route).toMatchObject({ matchers: [`alertname="${WATCHDOG_ALERT}"`], receiver: expectedReceiver, repeat_interval: "5m", group_by: ["alertname"], continue: false });
    const receiver = config.receivers.find((r) => r.name === expectedReceiver)!;
    if (variant.heartbeat) {
      expect(receiver.webhook_configs).toEqual([{ url_file: `/etc/alertmanager/secrets/${SECRET_FILES.heartbeatUrl}`, send_resolved: false, max_alerts: 1 }]);
    } else {
      expect(receiver).toEqual({ name: NULL_RECEIVER });
    }
    expect(config.receivers.filter((r) => r.name === HEARTBEAT_RECEIVER || r.name === NULL_RECEIVER)).toHaveLength(1);
  });

  test(variant.heartbeat ? "the URL is only in Alertmanager's Secret, never in a config file" : "the render says once, on stderr, that no one will hear if monitoring dies", () => {
    const notices = stderr.split("\n").filter((line) => line.includes("heartbeatUrl is not set"));
    if (variant.heartbeat) {
      expect(notices).toEqual([]);
      const secret = result.manifests.find((m) => m.kind === "Secret" && m.metadata.labels?.["app.kubernetes.io/name"] === "alertmanager")!;
      expect(Object.keys(secret.stringData)).toContain(SECRET_FILES.heartbeatUrl);
      expect(JSON.stringify(result.files)).not.toContain("hc-ping.com");
    } else {
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain("no one will hear if Prometheus or Alertmanager dies");
      expect(notices[0]).toContain("pulumi config set --secret observability:heartbeatUrl");
    }
  });

  test("the Watchdog rule always fires, in a group of its own, with a severity no receiver routes on", () => {
    const groups = parse(result.files["prometheus/rules/alerts.yml"]).groups;
    const group = groups.find((g: any) => g.rules.some((r: any) => r.alert === WATCHDOG_ALERT));
    expect(group.rules).toHaveLength(1);
    expect(group.rules[0]).toMatchObject({ expr: "vector(1)", labels: { severity: "none" } });
    expect(group.rules[0].for).toBeUndefined();
  });
});

describe("no inhibition mutes the Watchdog, in a running Alertmanager", () => {
  const processes = new ProcessGroup();
  afterAll(() => processes.stopAll());

  withPinnedBinaries(WHY_PINNED, "alertmanager")("a critical Watchdog copy does not mute a warning one; the same pair of another alert is muted", async () => {
    const settings = stackSettings("prod", { alertmanager: { smtp: { smarthost: `127.0.0.1:${await freePort()}`, requireTls: false } } }, ["heartbeatUrl"]);
    const secretsDir = processes.tempDir("alertmanager-secrets");
    fs.writeFileSync(path.join(secretsDir, SECRET_FILES.smtpPassword), "not-used");
    fs.writeFileSync(path.join(secretsDir, SECRET_FILES.heartbeatUrl), `http://127.0.0.1:${await freePort()}/closed`);
    try {
      const alertmanager = await startAlertmanager(processes, buildAlertmanagerConfig({ settings, secretsDir }));
      const group = { cluster: "crypto-orchestrator", service: "x" };
      const pair = (alertname: string) => [{ labels: { ...group, alertname, severity: "critical" } }, { labels: { ...group, alertname, severity: "warning" } }];
      await postAlerts(alertmanager.url, [...pair(WATCHDOG_ALERT), ...pair("HighErrorRate")]);
      const state = (alerts: Awaited<ReturnType<typeof getAlerts>>, alertname: string) => alerts.find((a) => a.labels.alertname === alertname && a.labels.severity === "warning")?.status.state;
      const alerts = await waitFor(
        "the HighErrorRate warning to be inhibited",
        async () => {
          const all = await getAlerts(alertmanager.url);
          return all.length === 4 && all.every((a) => a.status.state !== "unprocessed") && state(all, "HighErrorRate") === "suppressed" ? all : undefined;
        },
        15_000,
        () => processes.logs(),
      );
      expect(state(alerts, WATCHDOG_ALERT)).toBe("active");
    } finally {
      await processes.stopAll();
    }
  });
});

describe("the heartbeat's NetworkPolicy egress", () => {
  const alertmanager: Endpoint = { kind: "pod", name: "alertmanager", namespace: "monitoring", labels: { "app.kubernetes.io/name": "alertmanager" } };
  const ip = (address: string): Endpoint => ({ kind: "ip", name: address, ip: address });
  const reaches = (policies: any[], address: string, port: number) => allowed(policies, { from: alertmanager, to: ip(address), port, protocol: "TCP" });
  const outside = ["203.0.113.10", "2001:db8::10"];
  const cluster = ["10.0.0.5", "10.244.1.7", "10.96.0.10", "fd00::1"];

  test("prod with the secret: Alertmanager reaches the internet on 443 (IPv4 and IPv6), never a pod, Service or node address; without it, not at all", async () => {
    const [withHeartbeat, without] = await Promise.all([rendered({ stack: "prod", heartbeat: true }), rendered({ stack: "prod", heartbeat: false })]);
    const policiesOf = (r: RenderResult) => r.manifests.filter((m) => m.kind === "NetworkPolicy");
    expect(outside.map((a) => reaches(policiesOf(withHeartbeat.result), a, 443))).toEqual([true, true]);
    expect(cluster.map((a) => reaches(policiesOf(withHeartbeat.result), a, 443))).toEqual([false, false, false, false]);
    expect(outside.map((a) => reaches(policiesOf(without.result), a, 443))).toEqual([false, false]);
    // SMTP stays where it was: one more port, nothing else.
    expect(find(withHeartbeat.result, "NetworkPolicy", "alertmanager").spec.egress.length).toBe(find(without.result, "NetworkPolicy", "alertmanager").spec.egress.length + 1);
  });

  test("egressPort and egressCidrs narrow it to the service's port and addresses; Slack shares the 443 rule", () => {
    const wrap = (policies: ReturnType<typeof buildNetworkPolicies>) => policies.map((p) => ({ metadata: { name: p.name, namespace: p.namespace === "agents" ? "monitoring-agents" : "monitoring" }, spec: p.spec }));
    const narrowed = wrap(buildNetworkPolicies(stackSettings("prod", { alertmanager: { heartbeat: { egressPort: 8443, egressCidrs: ["198.51.100.0/24"] } } }, ["heartbeatUrl"])));
    expect([reaches(narrowed, "198.51.100.7", 8443), reaches(narrowed, "198.51.100.7", 443), reaches(narrowed, "203.0.113.10", 8443)]).toEqual([true, false, false]);
    const withSlack = buildNetworkPolicies(stackSettings("prod", { alertmanager: { slack: { enabled: true } } }, ["heartbeatUrl", "slackWebhookUrl"]));
    const egress = withSlack.find((p) => p.name === "alertmanager")!.spec.egress!;
    expect(egress.filter((rule) => rule.ports?.some((p) => p.port === 443))).toHaveLength(1);
  });

  test("a heartbeat URL on another port than egressPort stops the program, naming both keys", () => {
    expect(() => stackSettingsWithUrl("https://heartbeat.example.com:8443/ping")).toThrow(
      "observability:heartbeatUrl: names port 8443, but observability:alertmanager.heartbeat.egressPort is 443",
    );
    expect(() => stackSettingsWithUrl("https://heartbeat.example.com/ping")).not.toThrow();
  });
});

function stackSettingsWithUrl(url: string) {
  const raw = rawStackSettings("prod");
  return parseSettings({ ...raw, secrets: { ...raw.secrets, heartbeatUrl: { secure: true, value: url } } });
}

describe("the heartbeat interval's bounds", () => {
  test("with observability:heartbeatUrl: at least 4 × max(resend delay, evaluation interval), so heartbeats stop soon after Prometheus dies; at most 1h", () => {
    const withUrl = ["heartbeatUrl" as const];
    expect(() => stackSettings("prod", { alertmanager: { heartbeat: { interval: "3m" } } }, withUrl)).toThrow(
      "observability:alertmanager.heartbeat.interval: must be at least 240s, 4 times the longer of observability:prometheus.alertResendDelay and observability:prometheus.evaluationInterval",
    );
    expect(() => stackSettings("prod", { alertmanager: { heartbeat: { interval: "2h" } } }, withUrl)).toThrow("observability:alertmanager.heartbeat.interval: must be at most 1h");
    expect(stackSettings("prod", { prometheus: { alertResendDelay: "15s" }, alertmanager: { heartbeat: { interval: "1m" } } }, withUrl).alertmanager.heartbeat.interval).toBe("1m");
    // Without a heartbeat service nothing reads the interval.
    expect(stackSettings("prod", { alertmanager: { heartbeat: { interval: "3m" } } }).alertmanager.heartbeat.interval).toBe("3m");
    expect(buildAlertRules({ settings: stackSettings("prod") }).groups[0].rules.map((r) => r.alert)).toEqual([WATCHDOG_ALERT]);
  });
});
