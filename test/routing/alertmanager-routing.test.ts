import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { AlertmanagerConfig, buildAlertmanagerConfig, SECRET_FILES } from "../../configs/alertmanager";
import { toYaml } from "../../configs/yaml";
import { binary, binaryVersion, run, versionOlderThan, withBinaries } from "../helpers/binaries";
import { freePort, ProcessGroup, tempDir, waitFor } from "../helpers/processes";
import { GettableAlert, getAlerts, postAlerts, startAlertmanager } from "../helpers/monitoring-processes";
import { render, RenderResult, runRenderCommand } from "../helpers/render";
import { deepMerge, rawStackSettings, stackSettings } from "../helpers/stack-settings";

const ALERTMANAGER_FILE = "alertmanager/alertmanager.yml";
const RULES_FILE = "prometheus/rules/alerts.yml";

/** `--set alertmanager=…` replaces the whole key, so merge the change into prod's own value. */
const prodAlertmanagerWith = (change: Record<string, unknown>) =>
  `alertmanager=${JSON.stringify(deepMerge(rawStackSettings("prod").values.alertmanager as Record<string, unknown>, change))}`;

/** Files this test writes itself; removed at the end. */
const scratch = tempDir("routing");
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

let written = 0;
const writeConfig = (config: AlertmanagerConfig) => {
  const file = path.join(scratch, `alertmanager-${++written}.yml`);
  fs.writeFileSync(file, toYaml(config));
  return file;
};

/** The receivers an alert with these labels reaches, as the real routing code resolves them. */
function receiversOf(configFile: string, labels: Record<string, string>): string[] {
  const result = run(binary("amtool")!, ["config", "routes", "test", `--config.file=${configFile}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  if (result.code !== 0) throw new Error(`amtool config routes test failed:\n${result.output}`);
  return result.output.trim().split(",");
}

const ON_CALL_AND_TEAM = ["critical", "email"];

describe("the prod stack's rendered alertmanager.yml, routed by amtool", () => {
  let prod: RenderResult;
  let configFile: string;
  beforeAll(async () => {
    prod = await render({ stack: "prod" });
    configFile = path.join(prod.dir, "files", ALERTMANAGER_FILE);
  });

  withBinaries("amtool")("every alert of the rendered rules reaches the receivers of its severity", () => {
    const rules = parse(prod.files[RULES_FILE]).groups.flatMap((g: any) => g.rules);
    // The Watchdog goes to its own receiver (dead-mans-switch.test.ts); without the heartbeat secret, to none.
    const expected: Record<string, string[]> = { critical: ON_CALL_AND_TEAM, warning: ["warning"], none: ["null"] };
    for (const rule of rules) {
      const labels = { alertname: rule.alert, severity: rule.labels.severity, cluster: "crypto-orchestrator" };
      expect({ ...labels, receivers: receiversOf(configFile, labels) }).toEqual({ ...labels, receivers: expected[rule.labels.severity] });
    }
  });

  withBinaries("amtool")("critical reaches on-call and, through the explicit catch-all after it, the team", () => {
    expect(receiversOf(configFile, { alertname: "ApplicationDown", severity: "critical" })).toEqual(ON_CALL_AND_TEAM);
    const config = parse(prod.files[ALERTMANAGER_FILE]) as AlertmanagerConfig;
    const receiverOf = Object.fromEntries(config.receivers.map((r) => [r.name, r.email_configs?.map((e) => e.to)]));
    expect(receiverOf.critical).toEqual(["oncall@cryptoorchestrator.com"]);
    expect(receiverOf.email).toEqual(["team@cryptoorchestrator.com"]);
  });

  withBinaries("amtool")("without the catch-all route, `continue: true` alone would never reach the team's email receiver", () => {
    // The guide's tree: continue only moves on to later siblings, never back to the parent's receiver.
    const config = parse(prod.files[ALERTMANAGER_FILE]) as AlertmanagerConfig;
    const routes = config.route.routes!.filter((r) => !(r.receiver === "email" && r.matchers?.includes('severity="critical"')));
    const guideTree = writeConfig({ ...config, route: { ...config.route, routes } });
    expect(receiversOf(guideTree, { alertname: "ApplicationDown", severity: "critical" })).toEqual(["critical"]);
  });

  withBinaries("amtool")("warning reaches the warning receiver only; anything else the team's default", () => {
    expect(receiversOf(configFile, { alertname: "HighCpuUsage", severity: "warning" })).toEqual(["warning"]);
    expect(receiversOf(configFile, { alertname: "InfoOnly", severity: "info" })).toEqual(["email"]);
    expect(receiversOf(configFile, { alertname: "Unlabelled" })).toEqual(["email"]);
  });

  test("without chat secrets there are no chat receivers", () => {
    const config = parse(prod.files[ALERTMANAGER_FILE]) as AlertmanagerConfig;
    expect(config.receivers.map((r) => r.name)).toEqual(["email", "critical", "warning", "null"]);
  });
});

describe("chat receivers exist only when their secrets are set", () => {
  let slack: RenderResult;
  let discord: RenderResult;
  beforeAll(async () => {
    [slack, discord] = await Promise.all([
      render({ stack: "prod", set: [prodAlertmanagerWith({ slack: { enabled: true } })], setSecret: ["slackWebhookUrl=https://hooks.slack.com/services/T0/B0/x"] }),
      render({ stack: "prod", set: [prodAlertmanagerWith({ discord: { enabled: true } })], setSecret: ["discordWebhookUrl=https://discord.com/api/webhooks/0/x"] }),
    ]);
  });

  test.each([
    ["slack", "slackWebhookUrl"],
    ["discord", "discordWebhookUrl"],
  ])("enabling %s without its secret stops the program, naming the secret", async (receiver, secret) => {
    const result = await runRenderCommand(["--stack", "prod", "--out", path.join(scratch, `render-${receiver}`), "--set", prodAlertmanagerWith({ [receiver]: { enabled: true } })]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`observability:${secret}: is required because observability:alertmanager.${receiver}.enabled is true`);
  });

  withBinaries("amtool")("with the Slack secret: critical also reaches Slack, warning does not", () => {
    const file = path.join(slack.dir, "files", ALERTMANAGER_FILE);
    expect(receiversOf(file, { alertname: "HighErrorRate", severity: "critical" })).toEqual(["slack", ...ON_CALL_AND_TEAM]);
    expect(receiversOf(file, { alertname: "HighErrorRate", severity: "warning" })).toEqual(["warning"]);
  });

  withBinaries("amtool")("with the Discord secret: critical also reaches Discord, warning does not", () => {
    let file = path.join(discord.dir, "files", ALERTMANAGER_FILE);
    if (versionOlderThan(binaryVersion("amtool")!, "0.28.0")) {
      // An amtool before 0.28 (Debian's 0.25) refuses Discord's webhook_url_file, which the deployed
      // 0.34 reads. Routing never reads a receiver's settings, so this copy swaps that one field for a URL.
      const config = parse(discord.files[ALERTMANAGER_FILE]) as AlertmanagerConfig;
      const receivers = config.receivers.map((r) =>
        r.discord_configs ? { ...r, discord_configs: r.discord_configs.map(({ webhook_url_file: _file, ...rest }) => ({ ...rest, webhook_url: "http://127.0.0.1:9/" })) } : r,
      );
      file = writeConfig({ ...config, receivers } as AlertmanagerConfig);
    }
    expect(receiversOf(file, { alertname: "HighErrorRate", severity: "critical" })).toEqual(["discord", ...ON_CALL_AND_TEAM]);
    expect(receiversOf(file, { alertname: "HighErrorRate", severity: "warning" })).toEqual(["warning"]);
  });
});

/** How long Alertmanager may take to apply a change it accepted; it usually needs milliseconds. */
const SETTLE_MS = 15_000;

describe("the inhibit rule, in a running Alertmanager", () => {
  const processes = new ProcessGroup();
  afterAll(() => processes.stopAll());

  withBinaries("alertmanager")("a critical silences the warning of the same alertname, cluster, service and namespace, and only that", async () => {
    const secretsDir = processes.tempDir("alertmanager-secrets");
    fs.writeFileSync(path.join(secretsDir, SECRET_FILES.smtpPassword), "not-used");
    // prod's config; only the SMTP relay moves to a closed local port, so no mail leaves this machine.
    const settings = stackSettings("prod", { alertmanager: { smtp: { smarthost: `127.0.0.1:${await freePort()}`, requireTls: false } } });
    try {
      const alertmanager = await startAlertmanager(processes, buildAlertmanagerConfig({ settings, secretsDir }));
      const group = { alertname: "HighErrorRate", cluster: "crypto-orchestrator", service: "crypto-orchestrator", job: "fastapi", namespace: "trading" };
      const critical = { ...group, severity: "critical" };
      const warning = { ...group, severity: "warning" };
      const otherService = { ...warning, service: "payments" };
      const otherAlert = { ...warning, alertname: "HighResponseTime" };
      // A tenant's namespace raising the same critical must not mute the app's warning.
      const otherNamespace = { ...warning, namespace: "tenant" };
      const otherNamespaceCritical = { ...critical, namespace: "tenant" };
      await postAlerts(alertmanager.url, [critical, warning, otherService, otherAlert, otherNamespace, otherNamespaceCritical].map((labels) => ({ labels })));

      // The inhibitor learns of the critical asynchronously after the POST: wait until it has muted
      // the warning (or the deadline passes), then check the whole picture once it has settled.
      const key = (labels: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(labels).sort()));
      const settled = (ready: (alerts: GettableAlert[]) => boolean, what: string) =>
        waitFor(what, async () => {
          const alerts = await getAlerts(alertmanager.url);
          return alerts.every((a) => a.status.state !== "unprocessed") && ready(alerts) ? alerts : undefined;
        }, SETTLE_MS, () => processes.logs());
      const alerts = await settled(
        (all) =>
          all.length === 6 &&
          all.some((a) => key(a.labels) === key(warning) && a.status.state === "suppressed") &&
          all.some((a) => key(a.labels) === key(otherNamespace) && a.status.state === "suppressed"),
        "Alertmanager to hold the six alerts and inhibit both warnings",
      );
      const find = (labels: Record<string, string>) => alerts.find((a) => key(a.labels) === key(labels))!;
      const criticalAlert = find(critical);
      expect(criticalAlert.status).toMatchObject({ state: "active", inhibitedBy: [] });
      expect(criticalAlert.receivers.map((r) => r.name).sort()).toEqual(ON_CALL_AND_TEAM);
      expect(find(warning).status).toMatchObject({ state: "suppressed", inhibitedBy: [criticalAlert.fingerprint] });
      expect(find(otherService).status).toMatchObject({ state: "active", inhibitedBy: [] });
      expect(find(otherAlert).status).toMatchObject({ state: "active", inhibitedBy: [] });
      // Each namespace's warning is muted by its own critical only.
      expect(find(otherNamespace).status).toMatchObject({ state: "suppressed", inhibitedBy: [find(otherNamespaceCritical).fingerprint] });
      const notInhibited = await getAlerts(alertmanager.url, { inhibited: "false" });
      expect(notInhibited.map((a) => `${a.labels.severity}/${a.labels.alertname}/${a.labels.service}/${a.labels.namespace}`).sort()).toEqual([
        "critical/HighErrorRate/crypto-orchestrator/tenant",
        "critical/HighErrorRate/crypto-orchestrator/trading",
        "warning/HighErrorRate/payments/trading",
        "warning/HighResponseTime/crypto-orchestrator/trading",
      ]);

      // Once the critical resolves, the warning speaks again (as soon as the inhibitor sees it resolved).
      await postAlerts(alertmanager.url, [{ labels: critical, endsAt: new Date().toISOString() }]);
      const warningFingerprint = find(warning).fingerprint;
      // A resolved alert leaves the API's list at once; the inhibitor's cache follows on its own time.
      const afterResolve = await settled((all) => all.some((a) => a.fingerprint === warningFingerprint && a.status.state === "active"), "the warning to be released");
      expect(afterResolve.map((a) => a.fingerprint)).not.toContain(criticalAlert.fingerprint);
      expect(afterResolve.find((a) => a.fingerprint === warningFingerprint)!.status).toMatchObject({ state: "active", inhibitedBy: [] });
    } finally {
      await processes.stopAll();
    }
  });
});
