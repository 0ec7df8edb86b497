import { BLACKBOX_PROBE_PATH, PROBE_LABEL } from "./blackbox-exporter";
import { KEEP_DROPPED_TARGETS, ScrapeLimitFields, scrapeLimits } from "./scrape-limits";
import { CADVISOR_METRICS_PATH, KUBELET_JOB, SCRAPE_JOBS, STATIC_APP_JOB_SUFFIX } from "./scrape-jobs";
import { hostPort, ServiceAddress } from "./service-address";
import { Probe, StackSettings } from "./settings";
import { clientConfig, HttpClientConfig } from "./web-auth";

/** The subset of prometheus.yml this stack writes, field names as in the upstream reference. */
export interface PrometheusConfig {
  global: {
    scrape_interval: string;
    evaluation_interval: string;
    external_labels: Record<string, string>;
    keep_dropped_targets: number;
  };
  alerting?: { alert_relabel_configs?: RelabelConfig[]; alertmanagers: AlertmanagerEndpoint[] };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
  remote_write?: RemoteWriteConfig[];
}

export interface RemoteWriteConfig {
  url: string;
  basic_auth: { username: string; password_file: string };
}

/** Where the Prometheus pod mounts its Secret; the config names the file, never the password. */
export const PROMETHEUS_SECRETS_DIR = "/etc/prometheus-secrets";
export const REMOTE_WRITE_PASSWORD_FILE = "remote-write-password";
/** The stack user's passwords to Prometheus' own API (self-scrape, the probes) and to Alertmanager's. */
export const PROMETHEUS_WEB_PASSWORD_FILE = "prometheus-web-password";
export const ALERTMANAGER_WEB_PASSWORD_FILE = "alertmanager-web-password";

export interface StaticConfig {
  targets: string[];
  labels?: Record<string, string>;
}

export interface KubernetesSdConfig {
  role: "pod" | "endpoints" | "endpointslice" | "service" | "node";
  namespaces?: { names: string[] };
}

export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: "replace" | "keep" | "drop" | "labelmap" | "labeldrop" | "labelkeep";
}

export interface ScrapeConfig extends Partial<ScrapeLimitFields> {
  job_name: string;
  /** Keep the scraped series' own labels over the target's where they clash (an exporter describing other objects). */
  honor_labels?: boolean;
  scrape_interval?: string;
  metrics_path?: string;
  scheme?: "http" | "https";
  static_configs?: StaticConfig[];
  kubernetes_sd_configs?: KubernetesSdConfig[];
  relabel_configs?: RelabelConfig[];
  metric_relabel_configs?: RelabelConfig[];
  authorization?: { credentials_file: string };
  basic_auth?: HttpClientConfig["basic_auth"];
  tls_config?: { ca_file?: string; server_name?: string; insecure_skip_verify?: boolean };
  /** A target's redirect is followed unless false: a tenant's 302 would send Prometheus anywhere it can reach. */
  follow_redirects?: boolean;
}

export interface AlertmanagerEndpoint {
  api_version: "v2";
  basic_auth?: HttpClientConfig["basic_auth"];
  static_configs?: StaticConfig[];
  kubernetes_sd_configs?: KubernetesSdConfig[];
  relabel_configs?: RelabelConfig[];
}

/** The pod's ServiceAccount token, which the kubelet accepts for /metrics given `get` on nodes/metrics. */
export const SERVICE_ACCOUNT_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * Each node's kubelet, for `kubelet_volume_stats_*` (how full each PVC is). Scraped directly on the
 * node, not through the API server's node proxy, whose permission would also open the kubelet's
 * exec endpoints. Kubelet serving certificates are usually self-signed, hence no CA check.
 */
function kubeletVolumeStatsJob(): ScrapeConfig {
  return {
    job_name: SCRAPE_JOBS.kubelet,
    scheme: "https",
    authorization: { credentials_file: SERVICE_ACCOUNT_TOKEN_FILE },
    tls_config: { insecure_skip_verify: true },
    kubernetes_sd_configs: [{ role: "node" }],
    // The node role's address is already the kubelet's own port (10250 unless the cluster changed it).
    relabel_configs: kubeletTargetLabels(),
    // Only what the alert rules use: the kubelet exports thousands of other series.
    metric_relabel_configs: [{ source_labels: ["__name__"], regex: "kubelet_volume_stats_.+", action: "keep" }],
  };
}

function kubeletTargetLabels(): RelabelConfig[] {
  return [
    { source_labels: ["__meta_kubernetes_node_name"], target_label: "node" },
    { source_labels: ["__metrics_path__"], target_label: "metrics_path" },
    { target_label: "job", replacement: KUBELET_JOB },
  ];
}

/**
 * cAdvisor inside each kubelet: per-container CPU, memory, throttling and network. A job of its own
 * (job names are unique), labelled `job="kubelet"` like the kubelet's `/metrics`, with the same
 * token and permission (`nodes/metrics`). Drops the series nothing here reads, as kube-prometheus
 * does: they are most of cAdvisor's volume.
 */
function cadvisorJob(): ScrapeConfig {
  return {
    job_name: SCRAPE_JOBS.cadvisor,
    metrics_path: CADVISOR_METRICS_PATH,
    scheme: "https",
    authorization: { credentials_file: SERVICE_ACCOUNT_TOKEN_FILE },
    tls_config: { insecure_skip_verify: true },
    kubernetes_sd_configs: [{ role: "node" }],
    relabel_configs: kubeletTargetLabels(),
    metric_relabel_configs: [
      {
        source_labels: ["__name__"],
        // container_cpu_cfs_* stay: CPUThrottlingHigh reads them.
        regex:
          "container_cpu_(load_average_10s|system_seconds_total|user_seconds_total)|container_fs_(io_current|io_time_seconds_total|io_time_weighted_seconds_total|reads_merged_total|sector_reads_total|sector_writes_total|writes_merged_total)|container_memory_(mapped_file|swap)|container_(file_descriptors|tasks_state|threads_max)|container_spec.*",
        action: "drop",
      },
      // The host-side ends of pod networks; each pod's own eth0 stays.
      { source_labels: ["__name__", "interface"], regex: "container_network_.+;(veth|cali|cilium|lxc|tunl|flannel|cni|docker|vxlan|genev|kube-ipvs).*", action: "drop" },
      // Cgroups of no pod (system slices, the node itself): node-exporter reports the node.
      { source_labels: ["id", "pod"], regex: ".+;", action: "drop" },
    ],
  };
}

/**
 * node-exporter answers only through kube-rbac-proxy: https (its own self-signed certificate, as
 * kube-prometheus runs it), and only for a token the API server says may GET `/metrics`: Prometheus'.
 */
function nodeExporterAccess(): Pick<ScrapeConfig, "scheme" | "authorization" | "tls_config"> {
  return { scheme: "https", authorization: { credentials_file: SERVICE_ACCOUNT_TOKEN_FILE }, tls_config: { insecure_skip_verify: true } };
}

/**
 * kube-state-metrics' series describe other objects and carry their `namespace`, `pod`, `node`:
 * honour those, and add none of KSM's own pod (a node's metrics would otherwise look like they
 * belong to the monitoring namespace).
 */
function kubeStateMetricsJob(address: ServiceAddress): ScrapeConfig {
  const discovery = serviceDiscovery(address);
  return {
    job_name: SCRAPE_JOBS.kubeStateMetrics,
    honor_labels: true,
    ...discovery,
    ...(discovery.relabel_configs ? { relabel_configs: [...discovery.relabel_configs, { regex: "pod|node|namespace", action: "labeldrop" }] } : {}),
  };
}

export const PROMETHEUS_PORT = 9090;

/**
 * With `prometheus.replicas: 2`, the external label naming the replica: each replica's series and
 * alerts stay apart (remote write, federation), and the label is dropped from alerts so
 * Alertmanager sees the two replicas' copies as one alert and notifies once.
 */
export const PROMETHEUS_REPLICA_LABEL = "prometheus_replica";
/** Environment variable holding the replica's name; Prometheus 3 expands `${VAR}` in external labels. */
export const PROMETHEUS_REPLICA_ENV = "PROMETHEUS_REPLICA";
/** node-exporter's port on each node (it runs on the host network); Prometheus scrapes it there. */
export const NODE_EXPORTER_PORT = 9100;

/** Where the rule files sit relative to prometheus.yml; Prometheus resolves the glob against the config's folder. */
export const RULES_DIR = "rules";

export interface PrometheusInputs {
  settings: Pick<StackSettings, "cluster" | "environment" | "prometheus" | "app" | "exporters" | "probes" | "blackboxExporter">;
  /** How Prometheus reaches each other service; a missing entry means that service is off. */
  targets: Partial<
    Record<"alertmanager" | "nodeExporter" | "grafana" | "loki" | "promtail" | "alloy" | "kubeStateMetrics" | "kubeStateMetricsTelemetry" | "blackboxExporter", ServiceAddress>
  >;
  /** Find the app's pods and the kubelets through the Kubernetes API (off only in tests that run outside a cluster). */
  discoverAppPods: boolean;
  /** Folder of the password files; the pod's mount path unless a test runs Prometheus elsewhere. */
  secretsDir?: string;
}

/**
 * Every endpoint behind a Service, so each replica is scraped (or alerted) on its own,
 * with the instance named after the pod. Read from EndpointSlices: the core/v1 Endpoints API is
 * deprecated since Kubernetes 1.33.
 */
function serviceDiscovery(address: ServiceAddress): Pick<ScrapeConfig, "static_configs" | "kubernetes_sd_configs" | "relabel_configs"> {
  if (address.kind === "static") return { static_configs: [{ targets: address.targets }] };
  return {
    kubernetes_sd_configs: [{ role: "endpointslice", namespaces: { names: [address.namespace] } }],
    relabel_configs: [
      {
        source_labels: ["__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port_name"],
        regex: `${address.service};${address.portName}`,
        action: "keep",
      },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
    ],
  };
}

/**
 * Labels a scraped series may not bring in: `cluster`, `env` and `prometheus_replica` are external
 * labels Prometheus adds only where a series lacks them, `severity` and `alertname` steer routing and
 * inhibition, and a `service` or `up` of its own would let a pod speak for another. Our own target
 * labels (job, instance, namespace, pod, app, service) already win over the scraped ones, which
 * Prometheus keeps as `exported_<name>`.
 */
export const FORGEABLE_LABELS = ["cluster", "env", "severity", "alertname", "prometheus_replica", "exported_service"];

/**
 * Series names Prometheus writes itself: a target's `up` and `scrape_*` (added after the scrape, so
 * they stay) and the rules' `ALERTS`. Scraped from a tenant they would fake an outage, a limit hit or
 * a firing alert on the dashboards.
 */
export const SYNTHETIC_SERIES = "up|scrape_.+|ALERTS|ALERTS_FOR_STATE";

/** What the app's jobs keep of a scrape: none of Prometheus' own series names, none of the labels above. Any pod of the app's namespaces is a tenant. */
function tenantMetricRelabelling(alsoDrop: string[] = []): RelabelConfig[] {
  return [
    { source_labels: ["__name__"], regex: SYNTHETIC_SERIES, action: "drop" },
    { regex: [...FORGEABLE_LABELS, ...alsoDrop].join("|"), action: "labeldrop" },
  ];
}

/**
 * Pods that opt in with `prometheus.io/scrape: "true"`; `prometheus.io/port`, `/path` and `/scheme`
 * override the defaults. `service` is always ours: the pod's `app` label, else its
 * `app.kubernetes.io/name`, else the pod's own name, so a pod without labels is still one service
 * (alerts are grouped and inhibited by it) and never takes the name a scraped series offers.
 */
function annotatedPodsDiscovery(namespaces: "all" | string[]): Pick<ScrapeConfig, "kubernetes_sd_configs" | "relabel_configs"> {
  const annotation = (name: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${name}`;
  return {
    kubernetes_sd_configs: [{ role: "pod", ...(namespaces === "all" ? {} : { namespaces: { names: namespaces } }) }],
    relabel_configs: [
      { source_labels: [annotation("scrape")], regex: "true", action: "keep" },
      { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Pending|Succeeded|Failed", action: "drop" },
      { source_labels: [annotation("path")], regex: "(.+)", target_label: "__metrics_path__" },
      { source_labels: [annotation("scheme")], regex: "(https?)", target_label: "__scheme__" },
      {
        source_labels: ["__address__", annotation("port")],
        regex: "([^:]+)(?::\\d+)?;(\\d+)",
        replacement: "$1:$2",
        target_label: "__address__",
      },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      { source_labels: ["__meta_kubernetes_pod_label_app"], target_label: "app" },
      { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: "(.+)", target_label: "app" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "service" },
      { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: "(.+)", target_label: "service" },
      { source_labels: ["__meta_kubernetes_pod_label_app"], regex: "(.+)", target_label: "service" },
    ],
  };
}

/**
 * Every probe in one job, the multi-target way: each target is the probed URL, labelled with its
 * module and name; the relabeling moves it to `?target=`, keeps it as `instance`, and sends the
 * scrape to the exporter, which answers with that one probe's result.
 */
export function blackboxProbeJob(probes: Probe[], interval: string, exporter: ServiceAddress): ScrapeConfig {
  return {
    job_name: SCRAPE_JOBS.blackbox,
    scrape_interval: interval,
    metrics_path: BLACKBOX_PROBE_PATH,
    // The module travels as `__param_module`, the `module` query parameter of that target's scrapes.
    static_configs: probes.map((p) => ({ targets: [p.url], labels: { __param_module: p.module, [PROBE_LABEL]: p.name } })),
    relabel_configs: [
      { source_labels: ["__address__"], target_label: "__param_target" },
      { source_labels: ["__param_target"], target_label: "instance" },
      { target_label: "__address__", replacement: hostPort(exporter) },
    ],
  };
}

export function buildPrometheusConfig(inputs: PrometheusInputs): PrometheusConfig {
  const { settings, targets } = inputs;
  const { app, exporters, prometheus } = settings;
  const secretsDir = inputs.secretsDir ?? PROMETHEUS_SECRETS_DIR;
  const basicAuth = (file: string) => clientConfig(`${secretsDir}/${file}`).basic_auth;
  /** Every job carries its limits; the app's (annotated pods and static targets) share the app job's. */
  const limited = (job: ScrapeConfig, jobLabel = job.job_name): ScrapeConfig => ({ ...job, ...scrapeLimits(jobLabel, settings) });

  const appJob: ScrapeConfig = {
    job_name: app.job,
    scrape_interval: app.scrapeInterval,
    metrics_path: app.metricsPath,
    follow_redirects: false,
    ...(inputs.discoverAppPods ? annotatedPodsDiscovery(app.namespaces) : {}),
    metric_relabel_configs: tenantMetricRelabelling(),
  };
  // Outside the cluster, so in a scrape config of their own: the pod job's relabelling keeps only
  // annotated pods and would drop them. The `job` label is the app's, so rules and dashboards see one job.
  const staticAppJob: ScrapeConfig = {
    job_name: `${app.job}${STATIC_APP_JOB_SUFFIX}`,
    scrape_interval: app.scrapeInterval,
    metrics_path: app.metricsPath,
    follow_redirects: false,
    static_configs: [{ targets: app.staticTargets, labels: { job: app.job, service: app.job } }],
    // No namespace or pod of ours to win over a scraped one here: drop those too, so no static target
    // passes for a pod of the app's namespaces.
    metric_relabel_configs: tenantMetricRelabelling(["namespace", "pod"]),
  };

  const serviceJobs: [string, ServiceAddress | undefined, Pick<ScrapeConfig, "basic_auth" | "scheme" | "authorization" | "tls_config">][] = [
    [SCRAPE_JOBS.nodeExporter, targets.nodeExporter, nodeExporterAccess()],
    [SCRAPE_JOBS.alertmanager, targets.alertmanager, { basic_auth: basicAuth(ALERTMANAGER_WEB_PASSWORD_FILE) }],
    [SCRAPE_JOBS.grafana, targets.grafana, {}],
    [SCRAPE_JOBS.loki, targets.loki, {}],
    [SCRAPE_JOBS.promtail, targets.promtail, {}],
    [SCRAPE_JOBS.alloy, targets.alloy, {}],
    [SCRAPE_JOBS.kubeStateMetricsTelemetry, targets.kubeStateMetricsTelemetry, {}],
  ];
  const exporterJobs: [string, string | undefined][] = [
    [SCRAPE_JOBS.redis, exporters.redis],
    [SCRAPE_JOBS.postgres, exporters.postgres],
  ];

  return {
    global: {
      scrape_interval: prometheus.scrapeInterval,
      evaluation_interval: prometheus.evaluationInterval,
      external_labels: {
        cluster: settings.cluster,
        env: settings.environment,
        ...(prometheus.replicas > 1 ? { [PROMETHEUS_REPLICA_LABEL]: `\${${PROMETHEUS_REPLICA_ENV}}` } : {}),
      },
      keep_dropped_targets: KEEP_DROPPED_TARGETS,
    },
    ...(targets.alertmanager
      ? {
          alerting: {
            ...(prometheus.replicas > 1 ? { alert_relabel_configs: [{ regex: PROMETHEUS_REPLICA_LABEL, action: "labeldrop" as const }] } : {}),
            alertmanagers: [{ api_version: "v2" as const, basic_auth: basicAuth(ALERTMANAGER_WEB_PASSWORD_FILE), ...serviceDiscovery(targets.alertmanager) }],
          },
        }
      : {}),
    rule_files: [`${RULES_DIR}/*.yml`],
    ...(prometheus.remoteWrite
      ? {
          remote_write: [
            {
              url: prometheus.remoteWrite.url,
              basic_auth: { username: prometheus.remoteWrite.username, password_file: `${secretsDir}/${REMOTE_WRITE_PASSWORD_FILE}` },
            },
          ],
        }
      : {}),
    scrape_configs: [
      limited({ job_name: SCRAPE_JOBS.prometheus, basic_auth: basicAuth(PROMETHEUS_WEB_PASSWORD_FILE), static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }] }),
      ...(appJob.kubernetes_sd_configs ? [limited(appJob)] : []),
      ...(app.staticTargets.length > 0 ? [limited(staticAppJob, app.job)] : []),
      ...serviceJobs.flatMap(([job, address, auth]) => (address ? [limited({ job_name: job, ...auth, ...serviceDiscovery(address) })] : [])),
      ...(targets.kubeStateMetrics ? [limited(kubeStateMetricsJob(targets.kubeStateMetrics))] : []),
      ...exporterJobs.flatMap(([job, target]) => (target ? [limited({ job_name: job, static_configs: [{ targets: [target] }] })] : [])),
      ...(inputs.discoverAppPods ? [limited(kubeletVolumeStatsJob()), limited(cadvisorJob())] : []),
      ...(targets.blackboxExporter && settings.probes.length > 0 ? [limited(blackboxProbeJob(settings.probes, settings.blackboxExporter.interval, targets.blackboxExporter))] : []),
    ],
  };
}

/**
 * The command-line flags that settings decide, by name without the leading `--`: the pods pass them,
 * the tests start Prometheus with them, and `npm run verify` compares them with /api/v1/status/flags.
 */
export function prometheusSettingsFlags(settings: Pick<StackSettings, "prometheus">): Record<string, string> {
  const { prometheus } = settings;
  return {
    "storage.tsdb.retention.time": prometheus.retention,
    "storage.tsdb.retention.size": retentionSize(prometheus.storageGi, prometheus.retentionSizeRatio),
    // With the evaluation interval, how long Alertmanager outlives this Prometheus' alerts (the heartbeat's bound).
    "rules.alert.resend-delay": prometheus.alertResendDelay,
  };
}

export const commandLineFlags = (flags: Record<string, string>) => Object.entries(flags).map(([name, value]) => `--${name}=${value}`);

/** `--storage.tsdb.retention.size`: a share of the volume, in whole MiB, so the disk never fills. */
export function retentionSize(storageGi: number, ratio: number): string {
  return `${Math.floor(storageGi * 1024 * ratio)}MB`;
}

/**
 * Flags every Prometheus of the stack runs with (the tests' too). --config.auto-reload: Prometheus
 * reloads prometheus.yml and its rule files when their content changes (checked every
 * `intervalSeconds`), so no sidecar needs the lifecycle API. extra-scrape-metrics: each target's
 * `scrape_sample_limit`, which ScrapeSampleLimitHit compares with what the target offered.
 * (Prometheus 3.14's --help; in 3.0 auto-reload was the feature flag auto-reload-config.)
 */
export function prometheusReloadAndScrapeFlags(intervalSeconds = 30): string[] {
  return ["--config.auto-reload", `--config.auto-reload-interval=${intervalSeconds}s`, "--enable-feature=extra-scrape-metrics"];
}
