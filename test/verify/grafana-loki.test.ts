/**
 * verify's Grafana, Loki and log agent checks against local servers that answer the documented
 * endpoints (documented-servers.ts): a healthy stack passes, and each way of breaking it fails the
 * check that covers it, naming what broke.
 */
import { DATASOURCE_UIDS } from "../../configs/grafana";
import { StackSettings } from "../../configs/settings";
import { DirectTransport } from "../../scripts/verify/direct-transport";
import { checkGrafana, DASHBOARD_MAPS_PREFIX } from "../../scripts/verify/grafana-checks";
import { checkLogAgent } from "../../scripts/verify/log-agent-checks";
import { CANARY_JOB, CANARY_LABEL, checkLoki } from "../../scripts/verify/loki-checks";
import { CheckResult, VerifyContext } from "../../scripts/verify/model";
import { stackSettings } from "../helpers/stack-settings";
import { FakeCluster } from "./fake-cluster";
import { AgentMetrics, DocumentedGrafana, DocumentedLoki } from "./documented-servers";

const ADMIN_PASSWORD = "Verify-Test-Admin-Passw0rd";
const NS = "monitoring";
const AGENTS_NS = "monitoring-agents";

describe("verify: Grafana, Loki and the log agent against their documented APIs", () => {
  const settings: StackSettings = stackSettings("prod");
  const grafana = new DocumentedGrafana(`${settings.grafana.adminUser}:${ADMIN_PASSWORD}`);
  const loki = new DocumentedLoki("30d");
  const agents = [new AgentMetrics(), new AgentMetrics()];
  const urls = new Map<string, string>();
  let cluster: FakeCluster;
  let ctx: VerifyContext;
  const progress: string[] = [];

  const dashboards = { "application-overview": "Application", "trading-overview": "Trading" };

  beforeAll(async () => {
    urls.set("grafana-abc", await grafana.listen());
    urls.set("loki-0", await loki.listen());
    urls.set("promtail-a", await agents[0].listen());
    urls.set("promtail-b", await agents[1].listen());
  });
  afterAll(() => Promise.all([grafana.close(), loki.close(), ...agents.map((a) => a.close())]));

  beforeEach(() => {
    cluster = new FakeCluster()
      .addPod(NS, "grafana-abc", "grafana")
      .addPod(NS, "loki-0", "loki")
      .addPod(AGENTS_NS, "promtail-a", "promtail", true, "node-1")
      .addPod(AGENTS_NS, "promtail-b", "promtail", true, "node-2");
    cluster.secrets.set(`${NS}/grafana-admin-1a2b3c`, { labels: { "app.kubernetes.io/name": "grafana" }, data: { "admin-password": ADMIN_PASSWORD } });
    cluster.configMaps.set(`${NS}/${DASHBOARD_MAPS_PREFIX}application`, { "application-overview.json": JSON.stringify({ uid: "application-overview", title: "Application" }) });
    cluster.configMaps.set(`${NS}/${DASHBOARD_MAPS_PREFIX}trading`, { "trading-overview.json": JSON.stringify({ uid: "trading-overview", title: "Trading" }) });
    cluster.daemonSets.set(`${AGENTS_NS}/promtail`, { desired: 2, ready: 2, available: 2 });
    grafana.datasourceErrors.clear();
    grafana.dashboards.clear();
    for (const [uid, folder] of Object.entries(dashboards)) grafana.dashboards.set(uid, { title: uid, folderTitle: folder });
    loki.losesLines = false;
    loki.retentionEnabled = true;
    for (const agent of agents) agent.dropped = 0;
    ctx = {
      settings,
      namespace: NS,
      agentsNamespace: AGENTS_NS,
      cluster,
      transport: new DirectTransport((target) => urls.get(target.pod), 2000),
      deadlineMs: 3000,
      progress: (message) => progress.push(message),
      runId: `run-${Date.now()}`,
    };
  });

  const byCheck = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [`${r.service}/${r.check}`, r]));

  test("a healthy stack: every check passes; the canary line carries verify's labels and is read back", async () => {
    const results = [...(await checkGrafana(ctx)), ...(await checkLoki(ctx)), ...(await checkLogAgent(ctx))];
    expect(results.filter((r) => r.status !== "pass")).toEqual([]);
    expect(Object.keys(byCheck(results))).toEqual([
      "grafana/health",
      "grafana/datasources",
      "grafana/dashboards",
      "loki/pods",
      "loki/ready (loki-0)",
      "loki/round trip",
      "loki/retention",
      "log agent/pods",
      "log agent/sending",
    ]);
    // Every provisioned datasource was asked by uid, with the admin login from Grafana's Secret.
    const healthCalls = grafana.requests.filter((r) => r.path.endsWith("/health") && r.path.startsWith("/api/datasources/"));
    expect(healthCalls.map((r) => r.path).sort()).toEqual(Object.values(DATASOURCE_UIDS).map((uid) => `/api/datasources/uid/${uid}/health`).sort());
    expect(new Set(healthCalls.map((r) => r.authorization))).toEqual(new Set([`Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString("base64")}`]));
    const canary = loki.lines.find((l) => l.labels[CANARY_LABEL] === ctx.runId)!;
    expect(canary.labels.job).toBe(CANARY_JOB);
    expect(canary.line).toContain("written by npm run verify");
  });

  test("a datasource failing Grafana's health check, and a provisioned dashboard missing: both named", async () => {
    grafana.datasourceErrors.set("loki", "Unable to connect with Loki. Please check the server logs for more details.");
    grafana.dashboards.delete("trading-overview");
    const results = byCheck(await checkGrafana(ctx));
    expect(results["grafana/datasources"]).toMatchObject({ status: "fail", detail: "loki: Unable to connect with Loki. Please check the server logs for more details." });
    expect(results["grafana/dashboards"]).toMatchObject({ status: "fail" });
    expect(results["grafana/dashboards"].detail).toContain("Trading (trading-overview): HTTP 404");
    expect(results["grafana/health"].status).toBe("pass");
  });

  test("without Grafana's admin Secret the login check fails and says where the password comes from", async () => {
    cluster.secrets.clear();
    expect(byCheck(await checkGrafana(ctx))["grafana/login"]).toMatchObject({ status: "fail", detail: "Grafana's admin Secret was not found" });
  });

  test("Loki accepts the canary but never returns it: the round trip fails within the deadline", async () => {
    loki.losesLines = true;
    const started = Date.now();
    const results = byCheck(await checkLoki(ctx));
    expect(results["loki/round trip"]).toMatchObject({ status: "fail", detail: "the canary line was accepted but not returned within 3s" });
    expect(Date.now() - started).toBeLessThan(8000);
  });

  test("retention off in the running config, or another period than the settings: the retention check says which", async () => {
    loki.retentionEnabled = false;
    expect(byCheck(await checkLoki(ctx))["loki/retention"]).toMatchObject({ status: "fail", detail: "compactor retention is off" });
    loki.retentionEnabled = true;
    const otherPeriod = { ...ctx, settings: stackSettings("prod", { loki: { retention: "168h" } }) };
    expect(byCheck(await checkLoki(otherPeriod))["loki/retention"]).toMatchObject({ status: "fail", detail: "retention_period 30d, settings say 168h" });
  });

  test("an agent that dropped lines, and a node whose agent is not ready: each named", async () => {
    agents[1].dropped = 17;
    agents[1].failedPushes = 3;
    cluster.daemonSets.set(`${AGENTS_NS}/promtail`, { desired: 3, ready: 2, available: 2 });
    cluster.addPod(AGENTS_NS, "promtail-c", "promtail", false, "node-3");
    const results = byCheck(await checkLogAgent(ctx));
    expect(results["log agent/pods"]).toMatchObject({ status: "fail", detail: "promtail: 2 of 3 nodes ready (not ready: promtail-c on node-3)" });
    expect(results["log agent/sending"]).toMatchObject({ status: "fail", detail: "promtail-b dropped 17 lines; 3 pushes failed and were retried" });
  });

  test("an unreachable pod fails its check with the transport's error, within the timeout, and the others still run", async () => {
    const lokiUrl = urls.get("loki-0")!;
    urls.delete("loki-0");
    try {
      const results = byCheck(await checkLoki(ctx));
      expect(results["loki/ready (loki-0)"]).toMatchObject({ status: "fail", detail: "HTTP 0: no route to monitoring/loki-0:3100" });
      expect(results["loki/round trip"].status).toBe("fail");
    } finally {
      urls.set("loki-0", lokiUrl);
    }
  });
});
