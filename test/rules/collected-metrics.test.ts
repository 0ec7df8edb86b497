/**
 * Every metric a rule or a dashboard reads is one the stack collects: for both stacks and every
 * optional path, each selector of each rule and panel must match a series some enabled scrape job
 * produces (configs/metric-catalogue/, through the job's target labels and relabelling) or a rule
 * records, with the labels it uses; log queries likewise against the agents' stream labels.
 */
import { defaultImages } from "../../configs/images";
import { CATALOGUES, exposedSeries } from "../../configs/metric-catalogue";
import { catalogueOfJob, describeUnread, dashboardReaders, logStreams, ruleReaders, renderedStackReaders, ruleSeries, scrapedSeries, targetLabels, unreadMetrics, unreadSelectors } from "../../configs/metric-check";
import { SecretKey } from "../../configs/settings";
import { releaseOf } from "../../scripts/upstream-tools-plan";
import { render } from "../helpers/render";
import { stackReaders } from "../helpers/stack-readers";
import { stackSettings } from "../helpers/stack-settings";

const EXTERNAL_LOKI = { externalLoki: { url: "https://logs.example.net/loki/api/v1/push", username: "1" } };
const PATHS: [string, Record<string, unknown>, SecretKey[]][] = [
  ["as it is", {}, []],
  ["without node-exporter", { nodeExporter: { enabled: false } }, []],
  ["without a log agent", { logAgent: "none" }, []],
  ["with Alloy", { logAgent: "alloy" }, []],
  ["without kube-state-metrics", { kubeStateMetrics: { enabled: false } }, []],
  ["without Loki", { loki: { enabled: false }, logAgent: "none" }, []],
  ["with an external Loki", EXTERNAL_LOKI, ["externalLokiPassword"]],
  ["with an external Loki and Alloy", { ...EXTERNAL_LOKI, logAgent: "alloy" }, ["externalLokiPassword"]],
  ["without Alertmanager", { alertmanager: { enabled: false } }, []],
  ["with the databases' exporters", { exporters: { postgres: "postgres-exporter.db:9187", redis: "redis-exporter.db:9121" } }, []],
  ["with static app targets and an app job of its own name", { app: { job: "shop", staticTargets: ["10.0.0.5:8000"] } }, []],
];

describe("every metric a rule or dashboard reads is one the stack collects", () => {
  test.each(["dev", "prod"].flatMap((stack) => PATHS.map(([name, overrides, secrets]) => [stack, name, overrides, secrets] as const)))("%s stack %s", (stack, _, overrides, secrets) => {
    const settings = stackSettings(stack, overrides, secrets as SecretKey[]);
    expect(unreadMetrics(stackReaders(settings)).map(describeUnread)).toEqual([]);
  });

  test("every catalogue is recorded for the release the stack deploys", () => {
    const release = releaseOf;
    expect(CATALOGUES.prometheus.version).toBe(release(defaultImages.prometheus));
    expect(CATALOGUES.alertmanager.version).toBe(release(defaultImages.alertmanager));
    expect(CATALOGUES["node-exporter"].version).toBe(release(defaultImages.nodeExporter));
    expect(CATALOGUES["kube-state-metrics"].version).toBe(release(defaultImages.kubeStateMetrics));
    expect(CATALOGUES.loki.version).toBe(release(defaultImages.loki));
    expect(CATALOGUES.promtail.version).toBe(release(defaultImages.promtail));
    expect(CATALOGUES.alloy.version).toBe(release(defaultImages.alloy));
    for (const [name, catalogue] of Object.entries(CATALOGUES)) {
      expect({ name, source: catalogue.source.length > 20, metrics: catalogue.metrics.length > 0 }).toEqual({ name, source: true, metrics: true });
    }
  });

  test("every scrape job of the stack reads a catalogue", () => {
    const settings = stackSettings("prod", { exporters: { postgres: "pg:9187", redis: "redis:9121" }, app: { staticTargets: ["10.0.0.5:8000"] } });
    const jobs = stackReaders(settings).scrapeConfigs.map((job) => job.job_name);
    expect(jobs.filter((job) => catalogueOfJob(job, settings.app.job) === undefined)).toEqual([]);
  });
});

describe("the check itself", () => {
  const settings = stackSettings("dev");
  const scrapeConfigs = stackReaders(settings).scrapeConfigs;
  const catalogueOf = (job: string) => catalogueOfJob(job, settings.app.job);
  const scraped = scrapedSeries(scrapeConfigs, catalogueOf);
  const space = { series: scraped, streams: logStreams("promtail") };
  const check = (expr: string, language: "promql" | "logql" = "promql") => unreadSelectors([{ file: "f.yml", where: "rule R", language, expr }], space);

  test("a metric no enabled job produces fails naming the file, the rule and the metric", () => {
    expect(check('rate(no_such_metric_total{job="fastapi"}[5m])').map(describeUnread)).toEqual([
      'f.yml: rule R: no_such_metric_total{job="fastapi"} reads nothing: no enabled scrape job or rule produces no_such_metric_total',
    ]);
  });

  test("a label the producing job's series do not carry fails; one they carry passes", () => {
    expect(check('sum by (endpoint) (rate(http_requests_total{job="fastapi", endpoint="/x"}[5m]))')).toEqual([]);
    const [problem] = check('rate(http_requests_total{job="fastapi", exchange="binance"}[5m])');
    expect(problem.reason).toMatch(/exchange="binance" needs a label exchange it does not have/);
  });

  test("a job matcher that names another job fails; target labels from relabelling count", () => {
    expect(check('node_cpu_seconds_total{job="kube-state-metrics"}')[0].reason).toMatch(/job="kube-state-metrics" does not match its job "node-exporter"/);
    expect(check('container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", namespace="x"}')).toEqual([]);
    expect(check('container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics"}')).not.toEqual([]);
  });

  test("a metric the job's metric_relabel_configs drop reads nothing", () => {
    // The kubelet job keeps kubelet_volume_stats_* only; cAdvisor's job drops container_spec_*.
    expect(CATALOGUES.cadvisor.metrics.some((m) => m.name === "container_spec_cpu_period")).toBe(true);
    expect(check('container_spec_cpu_period{job="kubelet"}')).not.toEqual([]);
  });

  test("a matcher that accepts the empty value needs no label; one that does not, does", () => {
    expect(check('http_requests_total{namespace=~".*", no_such_label=""}')).toEqual([]);
    expect(check('http_requests_total{no_such_label=~".+"}')).not.toEqual([]);
  });

  test("recording rules count as produced metrics, with the labels their expression keeps", () => {
    const rules = [{ file: "r.yml", groups: [{ name: "g", rules: [{ record: "job:http_requests:rate5m", expr: 'sum by (job, endpoint) (rate(http_requests_total{job="fastapi"}[5m]))' }] }] }];
    const recorded = ruleSeries(rules, scraped);
    expect([...recorded[0].labels.keys()].sort()).toEqual(["endpoint", "job"]);
    const withRules = { series: [...scraped, ...recorded], streams: [] };
    expect(unreadSelectors([{ file: "f", where: "w", language: "promql", expr: 'job:http_requests:rate5m{endpoint="/a"}' }], withRules)).toEqual([]);
    expect(unreadSelectors([{ file: "f", where: "w", language: "promql", expr: 'job:http_requests:rate5m{status="500"}' }], withRules)).not.toEqual([]);
  });

  test("log selectors need the labels the agents give their streams", () => {
    expect(check('{namespace="shop", app=~".+", level="error"}', "logql")).toEqual([]);
    expect(check('{job="varlogs"}', "logql")).toEqual([]);
    expect(check('{container_name="x"}', "logql")[0].reason).toMatch(/container_name/);
    expect(unreadSelectors([{ file: "f", where: "w", language: "logql", expr: '{app=~".+"}' }], { series: [], streams: [] })[0].reason).toBe("no log agent pushes streams");
  });

  test("a label_values variable needs its label on what it selects", () => {
    const reader = { file: "d.json", where: 'variable "x"', language: "promql" as const, expr: "http_requests_total", label: "exchange" };
    expect(unreadSelectors([reader], space)[0].reason).toMatch(/carries the label exchange/);
    expect(unreadSelectors([{ ...reader, label: "endpoint" }], space)).toEqual([]);
  });

  test("a target label a job drops (labeldrop) is gone, and one relabelling sets is there", () => {
    const ksm = scrapeConfigs.find((job) => job.job_name === "kube-state-metrics")!;
    expect([...targetLabels(ksm).keys()]).not.toContain("pod");
    const cadvisor = scrapeConfigs.find((job) => job.job_name === "kubelet-cadvisor")!;
    expect(targetLabels(cadvisor).get("metrics_path")).toBe("/metrics/cadvisor");
    expect(targetLabels(cadvisor).get("job")).toBe("kubelet");
  });

  test("histograms expose _bucket (with le), _sum and _count", () => {
    expect(exposedSeries({ name: "h", type: "histogram", labels: ["a"] })).toEqual([
      { name: "h_bucket", labels: ["a", "le"] },
      { name: "h_sum", labels: ["a"] },
      { name: "h_count", labels: ["a"] },
    ]);
  });
});

describe("the readers are what the program deploys", () => {
  // Prod runs the optional paths dev does not (probes, HA): the helper must build what the program builds.
  test.each(["dev", "prod"])("the rendered %s stack holds the jobs, rules and dashboards the check reads, and passes it", async (stack) => {
    const rendered = await render({ stack });
    const settings = stackSettings(stack);
    const fromRender = renderedStackReaders(rendered.files, { appJob: settings.app.job, logAgent: settings.logAgent });
    const built = stackReaders(settings);
    expect(fromRender.scrapeConfigs.map((job) => job.job_name)).toEqual(built.scrapeConfigs.map((job) => job.job_name));
    expect(fromRender.ruleFiles.map((f) => f.file).sort()).toEqual(built.ruleFiles.map((f) => f.file).sort());
    expect(fromRender.dashboards.map((d) => `${d.folder}/${d.json.uid}`).sort()).toEqual(built.dashboards.map((d) => `${d.folder}/${d.json.uid}`).sort());
    expect(ruleReaders(fromRender.ruleFiles).length + dashboardReaders(fromRender.dashboards).length).toBeGreaterThan(100);
    expect(unreadMetrics(fromRender).map(describeUnread)).toEqual([]);
  });
});
