/**
 * One case per class of bad value the issue found: each is refused with its key and what is allowed,
 * and the valid values next to each edge are accepted.
 */
import { buildPrometheusConfig, PrometheusInputs } from "../../configs/prometheus";
import { ServiceAddress } from "../../configs/service-address";
import { BUILT_IN_JOB_NAMES, STATIC_APP_JOB_SUFFIX } from "../../configs/scrape-jobs";
import { parseSettings, RawSettings, SettingsError } from "../../configs/settings";
import { exportersSchema } from "../../configs/settings/exporters";
import { unwrap } from "../../configs/pulumi-values";

const parse = (values: Record<string, unknown>, secrets: RawSettings["secrets"] = {}) => parseSettings({ values, secrets });

function problems(values: Record<string, unknown>, secrets: RawSettings["secrets"] = {}): string[] {
  try {
    parse(values, secrets);
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).problems;
  }
  throw new Error(`expected a SettingsError for ${JSON.stringify(values)}`);
}

const long = (n: number) => "a".repeat(n);

describe("every value is checked against the grammar of the program that reads it", () => {
  test.each<[string, Record<string, unknown>, string, RegExp]>([
    // Job names: a PromQL matcher, a relabel regex and a label value.
    ["job name with regex characters", { app: { job: "fast(api" } }, "app.job", /must be a job name of letters, digits/],
    ["job name with a space", { app: { job: "fast api" } }, "app.job", /must be a job name/],
    ["job name of a built-in job", { app: { job: "prometheus" } }, "app.job", /built-in scrape job/],
    ["job name of the kubelet job", { app: { job: "kubelet" } }, "app.job", /built-in scrape job/],
    ["job name of kube-state-metrics", { app: { job: "kube-state-metrics" } }, "app.job", /built-in scrape job/],
    // Durations within Prometheus' int64 nanoseconds.
    ["duration far out of range", { prometheus: { retention: "9999999999y" } }, "prometheus.retention", /must be a duration/],
    ["duration just out of range", { loki: { retention: "293y" } }, "loki.retention", /at most 292y/],
    ["duration with a unit twice", { alertmanager: { repeatInterval: "1h1h" } }, "alertmanager.repeatInterval", /must be a duration/],
    ["zero duration", { prometheus: { scrapeInterval: "0s" } }, "prometheus.scrapeInterval", /above 0/],
    // Go templates and PromQL.
    ["runbooks URL with a template action", { alerts: { runbooksUrl: "https://git.example.com/{{.Labels}}" } }, "alerts.runbooksUrl", /\{\{ or \}\}/],
    ["runbooks URL with a script scheme", { alerts: { runbooksUrl: "javascript:alert(1)" } }, "alerts.runbooksUrl", /http\(s\) URL/],
    ["infinite threshold", { alerts: { highResponseTime: { critical: Infinity } } }, "alerts.highResponseTime.critical", /finite/],
    ["share of 1", { alerts: { highCpuUsage: { critical: 1 } } }, "alerts.highCpuUsage.critical", /below 1/],
    ["rate window under two scrape intervals", { app: { scrapeInterval: "30s" }, alerts: { rateWindow: "45s" } }, "alerts.rateWindow", /twice the slowest scrape interval it covers \(30s\)/],
    // Sizes and quantities.
    ["tiny volume", { prometheus: { storageGi: 1e-9 } }, "prometheus.storageGi", /whole number of GiB/],
    ["huge volume", { loki: { storageGi: 1e21 } }, "loki.storageGi", /whole number of GiB/],
    ["volume that rounds the size retention to 0MB", { prometheus: { storageGi: 0.001 } }, "prometheus.storageGi", /whole number of GiB/],
    ["memory in millibytes", { grafana: { resources: { memory: "512m" } } }, "grafana.resources.memory", /memory quantity/],
    ["memory request above its limit", { loki: { resources: { memory: "4Gi", memoryLimit: "2Gi" } } }, "loki.resources.memory", /at most memoryLimit \(2Gi\)/],
    ["CPU of zero", { prometheus: { resources: { cpu: "0" } } }, "prometheus.resources.cpu", /CPU quantity/],
    ["quantity with a space", { prometheus: { resources: { cpu: "1 core" } } }, "prometheus.resources.cpu", /CPU quantity/],
    // Network.
    ["port 0", { exporters: { redis: "redis-exporter.db:0" } }, "exporters.redis", /port between 1 and 65535/],
    ["port above 65535", { alertmanager: { smtp: { smarthost: "smtp.example.com:70000" } } }, "alertmanager.smtp.smarthost", /port between 1 and 65535/],
    ["API server port 0", { networkPolicies: { apiServerPorts: [0] } }, "networkPolicies.apiServerPorts[0]", /port between 1 and 65535/],
    ["CIDR prefix too long", { networkPolicies: { nodeCidrs: ["10.0.0.0/33"] } }, "networkPolicies.nodeCidrs[0]", /must be a CIDR/],
    ["CIDR with host bits", { networkPolicies: { apiServerCidrs: ["10.0.0.1/8"] } }, "networkPolicies.apiServerCidrs[0]", /here 10\.0\.0\.0\/8/],
    ["CIDR with an octet above 255", { networkPolicies: { nodeCidrs: ["300.0.0.0/8"] } }, "networkPolicies.nodeCidrs[0]", /must be a CIDR/],
    ["ingress host with an empty label", { grafana: { ingress: { host: "a..b" } } }, "grafana.ingress.host", /host name/],
    // Images.
    ["image with a space", { images: { grafana: "grafana/grafana:13 .2" } }, "images.grafana", /image reference/],
    ["image with a short digest", { images: { loki: "grafana/loki@sha256:abc123" } }, "images.loki", /image reference/],
    // Kubernetes names.
    ["namespace over 63 characters", { namespace: long(64) }, "namespace", /DNS label/],
    ["namespace whose derived agents namespace is too long", { namespace: long(60) }, "namespace", /too long for the agents' namespace derived from it/],
    ["kube-system as the namespace", { namespace: "kube-system" }, "namespace", /namespace the cluster owns/],
    ["default as the namespace", { namespace: "default" }, "namespace", /namespace the cluster owns/],
    ["kube-public as the agents' namespace", { agentsNamespace: "kube-public" }, "agentsNamespace", /namespace the cluster owns/],
    // grafana.ini.
    ["admin user with a newline and a section", { grafana: { adminUser: "admin\n[auth.proxy]\nenabled = true" } }, "grafana.adminUser", /login/],
    ["root URL with a newline and a section", { grafana: { rootUrl: "https://g.example.com/\n[auth.proxy]" } }, "grafana.rootUrl", /without control characters/],
    ["root URL with a script scheme", { grafana: { rootUrl: "javascript:alert(1)" } }, "grafana.rootUrl", /https:\/\/ or http:\/\/ URL/],
    ["root URL with an ini expansion", { grafana: { rootUrl: "https://g.example.com/$__file{/etc/passwd}" } }, "grafana.rootUrl", /grafana\.ini/],
    // URLs landing in a ConfigMap.
    ["remote write URL with credentials", { prometheus: { remoteWrite: { url: "https://user:pw@prom.example.com/push", username: "1" } } }, "prometheus.remoteWrite.url", /without user:password@/],
    ["external Loki over http", { externalLoki: { url: "http://logs.example.com/loki/api/v1/push", username: "1" } }, "externalLoki.url", /https:\/\//],
    // Mail.
    ["from without a domain", { alertmanager: { smtp: { from: "alerts" } } }, "alertmanager.smtp.from", /email address/],
  ])("%s is refused", (_, values, key, message) => {
    const found = problems(values, { remoteWritePassword: { secure: true }, externalLokiPassword: { secure: true } });
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^observability:${key.replace(/[.[\]]/g, "\\$&")}: `))]));
    expect(found.find((p) => p.startsWith(`observability:${key}: `))).toMatch(message);
  });

  test.each<[string, Record<string, unknown>]>([
    ["a StorageClass with dots", { storageClass: "ebs.csi.gp3" }],
    ["a number-like cluster name", { cluster: "2024" }],
    ["a boolean-like environment", { environment: "true", app: { namespaces: "all" } }],
    ["an SMTP from with a display name", { alertmanager: { smtp: { from: "Alerts <alerts@example.com>" } } }],
    // With a load the volume holds that long: capacity refuses a retention the volume cannot hold.
    ["the longest duration Prometheus reads", { prometheus: { retention: "292y" }, capacity: { activeSeries: 1 } }],
    ["a rate window of exactly two scrape intervals", { app: { scrapeInterval: "30s" }, alerts: { rateWindow: "1m" } }],
    ["a share just below 1", { alerts: { highDiskUsage: { warning: 0.98, critical: 0.999 } } }],
    ["the smallest CPU and memory", { grafana: { resources: { cpu: "1m", memory: "4Mi", memoryLimit: "4Mi" } } }],
    ["a request equal to its limit", { loki: { resources: { memory: "2Gi", memoryLimit: "2048Mi" } } }],
    ["an IPv6 CIDR and port 65535", { networkPolicies: { nodeCidrs: ["fd00::/8"], apiServerPorts: [65535] } }],
    ["an exporter by IP and port", { exporters: { redis: "10.0.0.5:9121", postgres: "[fd00::5]:9187" } }],
    ["an image by digest", { images: { loki: `registry.example.com:5000/grafana/loki@sha256:${"a".repeat(64)}` } }],
    ["a 56-character namespace (agents namespace 63)", { namespace: long(56) }],
    ["a job name with _ and -", { app: { job: "shop_api-v2" } }],
  ])("%s is accepted", (_, values) => {
    expect(() => parse(values)).not.toThrow();
  });

  test("the built-in job names are the jobs the Prometheus config builder writes with every service and exporter on, in its order", () => {
    // Every target the builder asks for exists, so a service added to it later without a name in the list fails here.
    const address: ServiceAddress = { kind: "static", targets: ["reserved.invalid:1"] };
    const everyService = new Proxy({}, { get: () => address }) as PrometheusInputs["targets"];
    const exporterKeys = Object.keys((unwrap(exportersSchema) as typeof exportersSchema._def.innerType).shape);
    const settings = parse({
      app: { staticTargets: ["app.invalid:1"] },
      exporters: Object.fromEntries(exporterKeys.map((key) => [key, "exporter.invalid:1"])),
      probes: [{ name: "site", url: "https://site.invalid/" }],
    });
    const jobs = buildPrometheusConfig({ settings, targets: everyService, discoverAppPods: true }).scrape_configs.map((job) => job.job_name);
    const appJobs = [settings.app.job, `${settings.app.job}${STATIC_APP_JOB_SUFFIX}`];
    expect(jobs).toEqual(expect.arrayContaining(appJobs));
    expect(jobs.filter((name) => !appJobs.includes(name))).toEqual([...BUILT_IN_JOB_NAMES]);
    expect(BUILT_IN_JOB_NAMES).toEqual(expect.arrayContaining(["prometheus", "node-exporter", "kubelet", "kube-state-metrics", "redis", "postgresql"]));
  });

  test("the app's job for static targets can never take a built-in job's name", () => {
    expect(BUILT_IN_JOB_NAMES.filter((name) => name.endsWith(STATIC_APP_JOB_SUFFIX))).toEqual([]);
  });
});
