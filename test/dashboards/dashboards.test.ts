import { EVERY_COMPONENT } from "../../configs/dashboards/definition";
import { buildDashboards, DASHBOARDS, provisionedDatasources, ProvisionedDashboard } from "../../configs/dashboards";
import { EXPORTER_JOBS } from "../../configs/dashboards/database-cache";
import { NODE_EXPORTER_JOB } from "../../configs/dashboards/infrastructure";
import { interpolate } from "../../configs/dashboards/validate";
import { buildDatasources, DATASOURCE_UIDS } from "../../configs/grafana";
import { checkLogQL, selectorAccepts, streamSelectors } from "../../configs/logql";
import { SYSTEM_LOGS } from "../../configs/pod-log-discovery";
import { buildPrometheusConfig } from "../../configs/prometheus";
import { findPromQLError } from "../../configs/promql";
import { parseSettings } from "../../configs/settings";
import { ServiceAddress } from "../../configs/service-address";

const everything = provisionedDatasources({ loki: true, alertmanager: true });
const all = buildDashboards({ appJob: "fastapi", components: EVERY_COMPONENT, datasources: everything });

/** Every non-row panel with its dashboard, for table-driven tests. */
const panels = all.flatMap((d) => d.json.panels.filter((p) => p.type !== "row").map((panel) => ({ dashboard: d.json, panel: panel as any })));
const targets = panels.flatMap(({ dashboard, panel }) => (panel.targets as any[]).map((target) => ({ dashboard, panel, target })));
const label = (d: ProvisionedDashboard["json"], p: { title: string }, t?: { refId: string }) => `${d.title} / ${p.title}${t ? ` / ${t.refId}` : ""}`;

describe("the stack's dashboards", () => {
  test("the seven dashboards of issue 4 build, each in a Grafana folder", () => {
    expect(all.map((d) => [d.folder, d.json.title])).toEqual([
      ["Application", "Application"],
      ["Application", "Trading"],
      ["Application", "ML"],
      ["Infrastructure", "Infrastructure"],
      ["Infrastructure", "Database and cache"],
      ["Kubernetes", "Workloads"],
      ["Kubernetes", "Nodes and volumes"],
      ["Observability", "Logs"],
      ["Observability", "Stack health"],
    ]);
  });

  test("uids are fixed, unique and valid Grafana uids", () => {
    const uids = all.map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid).toMatch(/^observability-[a-z-]{1,26}$/);
    // Rebuilding gives the same uids: links and bookmarks survive a deploy.
    expect(buildDashboards({ appJob: "other", components: EVERY_COMPONENT, datasources: everything }).map((d) => d.json.uid)).toEqual(uids);
  });

  test.each(all.map((d) => [d.json.title, d]))("%s has tags, a description and a time range", (_title, d) => {
    expect(d.json.tags).toEqual(expect.arrayContaining(["observability"]));
    expect(d.json.tags!.length).toBeGreaterThan(1);
    expect(d.json.description).toBeTruthy();
    expect(d.json.time).toEqual({ from: "now-6h", to: "now" });
  });

  test("every panel has a title, a description, at least one query and a unique id", () => {
    for (const { dashboard, panel } of panels) {
      const where = label(dashboard, panel);
      expect([where, panel.title?.length > 0, panel.description?.length > 0, panel.targets?.length > 0]).toEqual([where, true, true, true]);
    }
    for (const d of all) {
      const ids = d.json.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  test("every query's datasource uid is one the provisioning defines, with the matching type", () => {
    const provisioned = buildDatasources({
      prometheus: { kind: "static", targets: ["p:9090"] } as ServiceAddress,
      loki: { kind: "static", targets: ["l:3100"] } as ServiceAddress,
      alertmanager: { kind: "static", targets: ["a:9093"] } as ServiceAddress,
    }).datasources.map((d) => `${d.type}/${d.uid}`);
    const refs = [
      ...panels.map(({ panel }) => panel.datasource),
      ...targets.map(({ target }) => target.datasource),
      ...all.flatMap((d) => (d.json.templating.list ?? []).filter((v) => v.datasource).map((v) => v.datasource!)),
    ];
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of refs) expect(provisioned).toContain(`${ref.type}/${ref.uid}`);
  });

  test("every PromQL query parses with the alert rules' validator, every LogQL query as selector and pipeline", () => {
    let promql = 0;
    let logql = 0;
    for (const { dashboard, panel, target } of targets) {
      const where = label(dashboard, panel, target);
      const { expr, unknown } = interpolate(target.expr, dashboard.templating.list ?? []);
      expect([where, unknown]).toEqual([where, []]);
      if (target.datasource.type === "prometheus") {
        promql++;
        expect([where, findPromQLError(expr)]).toEqual([where, undefined]);
      } else {
        logql++;
        expect([where, checkLogQL(expr)]).toEqual([where, { kind: panel.type === "logs" ? "log" : "metric" }]);
      }
    }
    expect(promql).toBeGreaterThan(90);
    expect(logql).toBe(7);
  });

  test("the application dashboards use $__rate_interval, never a fixed rate window", () => {
    const rates = targets.filter(({ target }) => target.datasource.type === "prometheus" && /\b(rate|increase)\(/.test(target.expr));
    expect(rates.length).toBeGreaterThan(50);
    for (const { dashboard, panel, target } of rates) expect([label(dashboard, panel, target), target.expr]).toEqual([label(dashboard, panel, target), expect.stringContaining("[$__rate_interval]")]);
  });

  test("users get the filters they expect: namespace, job, instance, endpoint, probe", () => {
    const variables = (uid: string) => (all.find((d) => d.json.uid === uid)!.json.templating.list ?? []).map((v) => v.name);
    expect(variables("observability-application")).toEqual(["job", "namespace", "instance", "endpoint", "probe"]);
    expect(variables("observability-trading")).toEqual(["job", "namespace", "exchange", "symbol"]);
    expect(variables("observability-infrastructure")).toEqual(["job", "instance"]);
    expect(variables("observability-logs")).toEqual(["job", "namespace", "app", "level", "search"]);
  });

  test("the job variable defaults to the stack's app job", () => {
    const custom = buildDashboards({ appJob: "backend", components: EVERY_COMPONENT, datasources: everything });
    const job = custom.find((d) => d.json.uid === "observability-application")!.json.templating.list!.find((v) => v.name === "job")!;
    expect(job.current).toEqual({ text: "backend", value: "backend" });
  });

  test("units and thresholds: the guide's error share and latency limits", () => {
    const panel = (uid: string, title: string) => all.find((d) => d.json.uid === uid)!.json.panels.find((p) => p.title === title) as any;
    const errorRate = panel("observability-application", "Error rate (5xx share)");
    expect(errorRate.fieldConfig.defaults.unit).toBe("percentunit");
    expect(errorRate.fieldConfig.defaults.thresholds.steps).toEqual([
      { value: null, color: "green" },
      { value: 0.01, color: "orange" },
      { value: 0.05, color: "red" },
    ]);
    const latency = panel("observability-application", "Latency percentiles");
    expect(latency.fieldConfig.defaults.unit).toBe("s");
    expect(latency.targets.map((t: any) => t.legendFormat)).toEqual(["p50", "p95", "p99"]);
    expect(latency.options.legend).toMatchObject({ displayMode: "table", calcs: ["mean", "max", "lastNotNull"] });
    expect(panel("observability-infrastructure", "CPU busy by node").fieldConfig.defaults.thresholds.steps.map((s: any) => s.value)).toEqual([null, 0.7, 0.9]);
  });

  test("Loki variables' All value keeps every selector acceptable to Loki", () => {
    const logs = all.find((d) => d.json.uid === "observability-logs")!.json;
    expect(Object.fromEntries(logs.templating.list!.map((v) => [v.name, v.allValue]))).toEqual({ job: ".+", namespace: ".*", app: ".*", level: ".*", search: undefined });
  });

  test("under All, every Logs panel shows the nodes' system logs (job varlogs) as well as pods' logs", () => {
    const logs = all.find((d) => d.json.uid === "observability-logs")!.json;
    const streams = {
      system: { job: SYSTEM_LOGS.job, filename: "/var/log/syslog" },
      pod: { job: "shop/api", namespace: "shop", app: "api", pod: "api-0", container: "api", level: "ERROR" },
    };
    const logPanels = logs.panels.filter((p) => p.type !== "row") as any[];
    expect(logPanels.length).toBeGreaterThan(5);
    for (const panel of logPanels) {
      for (const target of panel.targets) {
        // "search" stays empty by default: |= "" keeps every line.
        const selectors = streamSelectors(interpolate(target.expr, logs.templating.list!).expr);
        expect([panel.title, selectors.length]).toEqual([panel.title, 1]);
        for (const [name, labels] of Object.entries(streams)) expect([panel.title, name, selectorAccepts(selectors[0], labels)]).toEqual([panel.title, name, true]);
      }
    }
  });
});

describe("which dashboards a stack gets", () => {
  test("without Loki there is no Logs dashboard, and the others still validate", () => {
    const withoutLoki = buildDashboards({ appJob: "fastapi", components: EVERY_COMPONENT, datasources: provisionedDatasources({ loki: false, alertmanager: true }) });
    expect(withoutLoki.map((d) => d.json.title)).not.toContain("Logs");
    expect(withoutLoki).toHaveLength(DASHBOARDS.length - 1);
  });

  test("provisionedDatasources agrees with what buildDatasources provisions", () => {
    const address = { kind: "static", targets: ["x:1"] } as ServiceAddress;
    for (const [loki, alertmanager] of [[true, true], [false, true], [true, false], [false, false]]) {
      const uids = buildDatasources({ prometheus: address, loki: loki ? address : undefined, alertmanager: alertmanager ? address : undefined }).datasources.map((d) => d.uid);
      expect(provisionedDatasources({ loki, alertmanager }).map((name) => DATASOURCE_UIDS[name])).toEqual(uids);
    }
  });

  test("the exporter and node-exporter jobs the dashboards select are the ones Prometheus scrapes", () => {
    const settings = parseSettings({ values: { exporters: { redis: "redis-exporter.db:9121", postgres: "postgres-exporter.db:9187" } }, secrets: {} });
    const nodeExporter: ServiceAddress = { kind: "kubernetes", service: "node-exporter", namespace: "m", port: 9100, portName: "metrics" };
    const jobs = buildPrometheusConfig({ settings, targets: { nodeExporter }, discoverAppPods: true }).scrape_configs.map((c) => c.job_name);
    expect(jobs).toEqual(expect.arrayContaining([EXPORTER_JOBS.postgres, EXPORTER_JOBS.redis, NODE_EXPORTER_JOB, settings.app.job]));
  });
});
