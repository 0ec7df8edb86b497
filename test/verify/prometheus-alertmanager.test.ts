/**
 * verify's Prometheus, Alertmanager and test-alert checks against the pinned Prometheus 3.14 and
 * Alertmanager 0.34 on 127.0.0.1, running the configs the builders render (addresses on loopback),
 * with what the cluster would hold (ConfigMaps, pods) in a FakeCluster and requests sent straight
 * to the processes. A healthy stack passes every check; a second stack is broken on purpose, once per
 * check: a down target, a rule that fails to evaluate, a second Alertmanager that never joins the
 * first, a heartbeat webhook that fails, a receiver whose webhook fails.
 */
import * as fs from "fs";
import * as path from "path";
import { AlertmanagerConfig, buildAlertmanagerConfig, SECRET_FILES } from "../../configs/alertmanager";
import { buildAlertRules } from "../../configs/alert-rules";
import { buildPrometheusConfig, commandLineFlags, PrometheusConfig, prometheusSettingsFlags, RULES_DIR } from "../../configs/prometheus";
import { RuleFile } from "../../configs/rule-builder";
import { StackSettings } from "../../configs/settings";
import { CLIENT_SECRET_KEYS, STACK_WEB_USER } from "../../configs/web-auth";
import { toYaml } from "../../configs/yaml";
import { ALERTMANAGER_CONFIG_MAP_PREFIX, AlertmanagerStatus, deployedAlertmanagerConfig, evaluateConfig } from "../../scripts/verify/alertmanager-checks";
import { WEB_CLIENT_SECRETS } from "../../scripts/verify/credentials";
import { DirectTransport } from "../../scripts/verify/direct-transport";
import { CheckResult, VerifyContext } from "../../scripts/verify/model";
import { evaluateLoadedConfig, evaluateRetention, PROMETHEUS_CONFIG_MAP, PROMETHEUS_RULES_MAP } from "../../scripts/verify/prometheus-checks";
import { passed, runChecks } from "../../scripts/verify/run";
import { HeartbeatSink, SlackSink, SmtpSink } from "../e2e/notification-sinks";
import { binary, describeWithPinnedBinaries } from "../helpers/binaries";
import { clientPasswordsDir, STACK_USER_AUTH, startAlertmanagerCluster, StartedAlertmanager, TEST_WEB_PASSWORD, writeWebConfig } from "../helpers/monitoring-processes";
import { freePort, ProcessGroup, waitFor } from "../helpers/processes";
import { stackSettings } from "../helpers/stack-settings";
import { FakeCluster } from "./fake-cluster";

const NS = "monitoring";
const SMTP_PASSWORD = "verify-smtp-password";

/** A webhook that answers 500, like a revoked URL or a service that is down. */
class FailingSlack extends SlackSink {
  protected readonly okStatus: number = 500;
  protected readonly okBody: string = "internal_error";
}

interface World {
  settings: StackSettings;
  cluster: FakeCluster;
  urls: Map<string, string>;
  prometheusConfig: PrometheusConfig;
  prometheusUrl: string;
  alertmanagers: StartedAlertmanager[];
  heartbeat: HeartbeatSink;
}

/**
 * One stack on loopback: Prometheus scraping itself and the Alertmanagers and sending them alerts;
 * the ConfigMaps the deploy would hold; a pod name for each process.
 */
async function startWorld(processes: ProcessGroup, options: { broken: boolean }): Promise<World> {
  const [smtpPort, slackPort, heartbeatPort, closedPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const settings = stackSettings(
    "prod",
    {
      prometheus: { scrapeInterval: "1s", evaluationInterval: "1s", alertResendDelay: "1s" },
      app: { scrapeInterval: "1s" },
      alertmanager: {
        replicas: 2,
        groupWait: "1s",
        groupInterval: "1s",
        heartbeat: { interval: "4s" },
        smtp: { smarthost: `127.0.0.1:${smtpPort}`, requireTls: false },
        slack: { enabled: true },
      },
      // A down target: a Redis exporter nobody runs.
      exporters: options.broken ? { redis: `127.0.0.1:${closedPort}` } : {},
      alerts: { rateWindow: "10s" },
      // A loopback stack: a few thousand series scraped every second, no probes of the internet.
      capacity: { activeSeries: 2000 },
      probes: [],
      grafana: { enabled: false },
      loki: { enabled: false },
      logAgent: "none",
    },
    ["heartbeatUrl", "slackWebhookUrl"],
  );
  const smtp = new SmtpSink({ username: settings.alertmanager.smtp.authUsername!, password: SMTP_PASSWORD });
  const slack = options.broken ? new FailingSlack() : new SlackSink();
  const heartbeat = new HeartbeatSink(options.broken);
  await Promise.all([smtp.listen(smtpPort), slack.listen(slackPort), heartbeat.listen(heartbeatPort)]);
  processes.onStop(() => Promise.allSettled([smtp.close(), slack.close(), heartbeat.close()]));

  const secretsDir = processes.tempDir("alertmanager-secrets");
  fs.writeFileSync(path.join(secretsDir, SECRET_FILES.smtpPassword), SMTP_PASSWORD);
  fs.writeFileSync(path.join(secretsDir, SECRET_FILES.slackWebhookUrl), `http://127.0.0.1:${slackPort}/services/T0/B0/verify`);
  fs.writeFileSync(path.join(secretsDir, SECRET_FILES.heartbeatUrl), `http://127.0.0.1:${heartbeatPort}/ping/verify`);
  const alertmanagerConfig: AlertmanagerConfig = buildAlertmanagerConfig({ settings, secretsDir });
  // Broken: the second replica is started alone, never told of the first.
  const alertmanagers = options.broken
    ? [...(await startAlertmanagerCluster(processes, alertmanagerConfig, 1)), ...(await startAlertmanagerCluster(processes, alertmanagerConfig, 1))]
    : await startAlertmanagerCluster(processes, alertmanagerConfig, 2);

  const prometheusPort = await freePort();
  const built = buildPrometheusConfig({
    settings,
    targets: { alertmanager: { kind: "static", targets: alertmanagers.map((a) => a.address) } },
    discoverAppPods: false,
    secretsDir: clientPasswordsDir(processes),
  });
  // Prometheus scrapes itself at localhost:9090 in the pod; here it listens elsewhere.
  const prometheusConfig: PrometheusConfig = {
    ...built,
    scrape_configs: built.scrape_configs.map((job) => (job.job_name === "prometheus" ? { ...job, static_configs: [{ targets: [`127.0.0.1:${prometheusPort}`] }] } : job)),
  };
  const rules: RuleFile = buildAlertRules({ settings });
  if (options.broken) {
    // Two series with one label set once the name is dropped: Prometheus refuses the alert's result.
    rules.groups.push({ name: "broken", interval: "1s", rules: [{ alert: "DuplicateLabelSets", expr: '{__name__=~"up|scrape_samples_scraped"} > -1', labels: { severity: "warning" }, annotations: { summary: "x", description: "x" } }] });
  }
  const dir = processes.tempDir("prometheus");
  fs.mkdirSync(path.join(dir, RULES_DIR));
  fs.writeFileSync(path.join(dir, "prometheus.yml"), toYaml(prometheusConfig));
  fs.writeFileSync(path.join(dir, RULES_DIR, "alerts.yml"), toYaml(rules));
  const prometheus = processes.start("prometheus", binary("prometheus")!, [
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${prometheusPort}`,
    `--web.config.file=${writeWebConfig(processes, "prometheus")}`,
    ...commandLineFlags(prometheusSettingsFlags(settings)),
  ]);
  const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
  await waitFor("Prometheus ready", async () => ((await fetch(`${prometheusUrl}/-/ready`, { headers: STACK_USER_AUTH }).catch(() => undefined))?.ok ? true : undefined), 30_000, () => prometheus.logs());

  const cluster = new FakeCluster().addPod(NS, "prometheus-7d9f", "prometheus");
  alertmanagers.forEach((_, i) => cluster.addPod(NS, `alertmanager-${i}`, "alertmanager"));
  // The client credentials the stack keeps for verify, as components/web-auth.ts writes them.
  for (const server of ["prometheus", "alertmanager"] as const) {
    cluster.secrets.set(`${NS}/${WEB_CLIENT_SECRETS[server]}`, { labels: {}, data: { [CLIENT_SECRET_KEYS.username]: STACK_WEB_USER, [CLIENT_SECRET_KEYS.password]: TEST_WEB_PASSWORD } });
  }
  cluster.configMaps.set(`${NS}/${PROMETHEUS_CONFIG_MAP}`, { "prometheus.yml": toYaml(prometheusConfig) });
  cluster.configMaps.set(`${NS}/${PROMETHEUS_RULES_MAP}`, { "alerts.yml": toYaml(rules) });
  // Auto-named by Pulumi, as components/alertmanager.ts deploys it.
  cluster.configMaps.set(`${NS}/${ALERTMANAGER_CONFIG_MAP_PREFIX}1f2e3d4c`, { "alertmanager.yml": toYaml(alertmanagerConfig) });
  const urls = new Map<string, string>([["prometheus-7d9f", prometheusUrl], ...alertmanagers.map((a, i) => [`alertmanager-${i}`, a.url] as [string, string])]);
  return { settings, cluster, urls, prometheusConfig, prometheusUrl, alertmanagers, heartbeat };
}

function contextFor(world: World, progress: string[]): VerifyContext {
  return {
    settings: world.settings,
    namespace: NS,
    agentsNamespace: `${NS}-agents`,
    cluster: world.cluster,
    transport: new DirectTransport((target) => world.urls.get(target.pod), 5000),
    deadlineMs: 30_000,
    progress: (message) => progress.push(message),
    runId: `run-${Date.now()}`,
  };
}

/** Once every rule group was evaluated and targets scraped, and a first heartbeat (or failed attempt) went out. */
async function settled(world: World, processes: ProcessGroup): Promise<void> {
  await waitFor(
    "every rule group evaluated and every target scraped",
    async () => {
      const rules = (await (await fetch(`${world.prometheusUrl}/api/v1/rules`, { headers: STACK_USER_AUTH })).json()) as { data: { groups: { lastEvaluation: string }[] } };
      const targets = (await (await fetch(`${world.prometheusUrl}/api/v1/targets`, { headers: STACK_USER_AUTH })).json()) as { data: { activeTargets: { health: string }[] } };
      return rules.data.groups.every((g) => !g.lastEvaluation.startsWith("0001")) && targets.data.activeTargets.every((t) => t.health !== "unknown") ? true : undefined;
    },
    30_000,
    () => processes.logs(),
  );
  await waitFor("the first heartbeat request", () => (world.heartbeat.messages.length > 0 ? true : undefined), 60_000, () => processes.logs());
}

/** Runs `setup`; if it throws, stops what it started before failing. */
async function stoppingOnFailure(processes: ProcessGroup, setup: () => Promise<void>): Promise<void> {
  try {
    await setup();
  } catch (err) {
    await processes.stopAll();
    throw err;
  }
}

const byCheck = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [`${r.service}/${r.check}`, r]));

describeWithPinnedBinaries("the deployed Prometheus 3.14 and Alertmanager 0.34 APIs and metrics", "prometheus", "alertmanager")("verify against the real Prometheus and Alertmanager", () => {
  describe("a healthy stack", () => {
    const processes = new ProcessGroup();
    let world: World;
    let results: CheckResult[];
    const progress: string[] = [];
    beforeAll(() =>
      stoppingOnFailure(processes, async () => {
        world = await startWorld(processes, { broken: false });
        await settled(world, processes);
        results = await runChecks(contextFor(world, progress), { sendTestAlert: true });
      }), 150_000);
    afterAll(() => processes.stopAll());

    test("every check passes, and each is one line naming its pod", () => {
      expect(results.filter((r) => r.status !== "pass")).toEqual([]);
      expect(passed(results)).toBe(true);
      expect(Object.keys(byCheck(results))).toEqual(
        expect.arrayContaining([
          "prometheus/pods",
          "prometheus/ready (prometheus-7d9f)",
          "prometheus/config (prometheus-7d9f)",
          "prometheus/targets (prometheus-7d9f)",
          "prometheus/rules (prometheus-7d9f)",
          "prometheus/alertmanagers (prometheus-7d9f)",
          "prometheus/retention (prometheus-7d9f)",
          "alertmanager/pods",
          "alertmanager/cluster (alertmanager-0)",
          "alertmanager/cluster (alertmanager-1)",
          "alertmanager/config (alertmanager-1)",
          "alertmanager/Watchdog (alertmanager-0)",
          "alertmanager/heartbeat",
          "test alert/email (email)",
          "test alert/critical (email)",
          "test alert/warning (email)",
          "test alert/slack (slack)",
        ]),
      );
      expect(progress.length).toBeGreaterThan(0);
    });

    test("the config check fails for a config Prometheus did not load, naming the difference", async () => {
      const loaded = ((await (await fetch(`${world.prometheusUrl}/api/v1/status/config`, { headers: STACK_USER_AUTH })).json()) as { data: { yaml: string } }).data.yaml;
      const flags = ((await (await fetch(`${world.prometheusUrl}/api/v1/status/flags`, { headers: STACK_USER_AUTH })).json()) as { data: Record<string, string> }).data;
      const deployed = toYaml({ ...world.prometheusConfig, global: { ...world.prometheusConfig.global, scrape_interval: "30s" } });
      expect(evaluateLoadedConfig("p", deployed, loaded, flags["config.file"])).toMatchObject({ status: "fail", detail: '1 differences: global.scrape_interval: "1s" loaded, "30s" rendered' });
      expect(evaluateLoadedConfig("p", toYaml(world.prometheusConfig), loaded, flags["config.file"]).status).toBe("pass");
    });

    test("the Alertmanager config check fails for a file it did not load, naming the difference", async () => {
      const status = (await (await fetch(`${world.alertmanagers[0].url}/api/v2/status`, { headers: STACK_USER_AUTH })).json()) as AlertmanagerStatus;
      const deployed = (await deployedAlertmanagerConfig(world.cluster, NS))!;
      expect(evaluateConfig("a", deployed, status).status).toBe("pass");
      const changed = deployed.replace("repeat_interval: 12h", "repeat_interval: 4h");
      expect(evaluateConfig("a", changed, status)).toMatchObject({ status: "fail", detail: '1 differences: route.repeat_interval: "12h" loaded, "4h" rendered' });
    });

    test("the retention check fails when the running flags are not the settings'", async () => {
      const flags = ((await (await fetch(`${world.prometheusUrl}/api/v1/status/flags`, { headers: STACK_USER_AUTH })).json()) as { data: Record<string, string> }).data;
      const runtime = ((await (await fetch(`${world.prometheusUrl}/api/v1/status/runtimeinfo`, { headers: STACK_USER_AUTH })).json()) as { data: { storageRetention: string } }).data;
      const other = stackSettings("prod", { prometheus: { retention: "90d", alertResendDelay: "1s", evaluationInterval: "1s" }, capacity: { activeSeries: 2000 } });
      const result = evaluateRetention("p", other, flags, runtime);
      expect(result.status).toBe("fail");
      expect(result.detail).toContain("--storage.tsdb.retention.time=30d, settings say 90d");
    });
  });

  describe("a stack broken on purpose, once per check", () => {
    const processes = new ProcessGroup();
    let world: World;
    let results: Record<string, CheckResult>;
    beforeAll(() =>
      stoppingOnFailure(processes, async () => {
        world = await startWorld(processes, { broken: true });
        await settled(world, processes);
        // A failed webhook notification is counted once Alertmanager gives up retrying (its 10s minimum timeout).
        await waitFor("a failed heartbeat", async () => ((await (await fetch(`${world.alertmanagers[0].url}/metrics`, { headers: STACK_USER_AUTH })).text()).match(/alertmanager_notifications_failed_total\{[^}]*integration="webhook"[^}]*\} [1-9]/) ? true : undefined), 60_000, () => processes.logs());
        results = byCheck(await runChecks(contextFor(world, []), { sendTestAlert: true }));
      }), 200_000);
    afterAll(() => processes.stopAll());

    test("a down target: the targets check names its job, address and error", () => {
      const targets = results["prometheus/targets (prometheus-7d9f)"];
      expect(targets.status).toBe("fail");
      expect(targets.detail).toMatch(/^redis http:\/\/127\.0\.0\.1:\d+\/metrics down: .*connection refused/);
    });

    test("a rule that fails to evaluate: the rules check names the group, the rule and Prometheus' error", () => {
      const rules = results["prometheus/rules (prometheus-7d9f)"];
      expect(rules.status).toBe("fail");
      expect(rules.detail).toContain("broken/DuplicateLabelSets: vector contains metrics with the same labelset after applying alert labels");
    });

    test("a second Alertmanager that never joins: each replica's cluster check fails with its peer count", () => {
      expect(results["alertmanager/cluster (alertmanager-0)"]).toMatchObject({ status: "fail" });
      expect(results["alertmanager/cluster (alertmanager-0)"].detail).toMatch(/^1 of 2 peers/);
      expect(results["alertmanager/cluster (alertmanager-1)"].detail).toMatch(/^1 of 2 peers/);
    });

    test("a heartbeat webhook that fails: the heartbeat check fails", () => {
      expect(results["alertmanager/heartbeat"]).toMatchObject({ status: "fail" });
      expect(results["alertmanager/heartbeat"].detail).toMatch(/^\d+ of \d+ heartbeat requests failed, and none got through/);
    });

    test("a receiver whose webhook fails: the test alert to Slack fails, email still delivers", () => {
      expect(results["test alert/slack (slack)"]).toMatchObject({ status: "fail" });
      expect(results["test alert/email (email)"]).toMatchObject({ status: "pass", detail: "delivered" });
    });

    test("what was not broken still passes", () => {
      for (const check of ["prometheus/config (prometheus-7d9f)", "prometheus/retention (prometheus-7d9f)", "alertmanager/config (alertmanager-0)", "alertmanager/Watchdog (alertmanager-1)", "prometheus/alertmanagers (prometheus-7d9f)"]) {
        expect([check, results[check]?.status]).toEqual([check, "pass"]);
      }
    });
  });
});
