import { BLACKBOX_PROBE_PATH, PROBE_LABEL } from "./blackbox-exporter";
import { CADVISOR_METRICS_PATH, KUBELET_JOB, SCRAPE_JOBS, STATIC_APP_JOB_SUFFIX } from "./scrape-jobs";
import { hostPort, ServiceAddress } from "./service-address";
import { Probe, StackSettings } from "./settings";

/** The subset of prometheus.yml this stack writes, field names as in the upstream reference. */
export interface PrometheusConfig {
  global: {
    scrape_interval: string;
    evaluation_interval: string;
    external_labels: Record<string, string>;
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

export interface ScrapeConfig {
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
  tls_config?: { ca_file?: string; insecure_skip_verify?: boolean };
}

export interface AlertmanagerEndpoint {
  api_version: "v2";
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

/** Pods that opt in with `prometheus.io/scrape: "true"`; `prometheus.io/port`, `/path` and `/scheme` override the defaults. */
function annotatedPodsDiscovery(namespaces: string[]): Pick<ScrapeConfig, "kubernetes_sd_configs" | "relabel_configs"> {
  const annotation = (name: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${name}`;
  return {
    kubernetes_sd_configs: [{ role: "pod", ...(namespaces.length > 0 ? { namespaces: { names: namespaces } } : {}) }],
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

  const appJob: ScrapeConfig = {
    job_name: app.job,
    scrape_interval: app.scrapeInterval,
    metrics_path: app.metricsPath,
    ...(inputs.discoverAppPods ? annotatedPodsDiscovery(app.namespaces) : {}),
  };
  // Outside the cluster, so in a scrape config of their own: the pod job's relabelling keeps only
  // annotated pods and would drop them. The `job` label is the app's, so rules and dashboards see one job.
  const staticAppJob: ScrapeConfig = {
    job_name: `${app.job}${STATIC_APP_JOB_SUFFIX}`,
    scrape_interval: app.scrapeInterval,
    metrics_path: app.metricsPath,
    static_configs: [{ targets: app.staticTargets, labels: { job: app.job } }],
  };

  const serviceJobs: [string, ServiceAddress | undefined][] = [
    [SCRAPE_JOBS.nodeExporter, targets.nodeExporter],
    [SCRAPE_JOBS.alertmanager, targets.alertmanager],
    [SCRAPE_JOBS.grafana, targets.grafana],
    [SCRAPE_JOBS.loki, targets.loki],
    [SCRAPE_JOBS.promtail, targets.promtail],
    [SCRAPE_JOBS.alloy, targets.alloy],
    [SCRAPE_JOBS.kubeStateMetricsTelemetry, targets.kubeStateMetricsTelemetry],
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
    },
    ...(targets.alertmanager
      ? {
          alerting: {
            ...(prometheus.replicas > 1 ? { alert_relabel_configs: [{ regex: PROMETHEUS_REPLICA_LABEL, action: "labeldrop" as const }] } : {}),
            alertmanagers: [{ api_version: "v2" as const, ...serviceDiscovery(targets.alertmanager) }],
          },
        }
      : {}),
    rule_files: [`${RULES_DIR}/*.yml`],
    ...(prometheus.remoteWrite
      ? {
          remote_write: [
            {
              url: prometheus.remoteWrite.url,
              basic_auth: { username: prometheus.remoteWrite.username, password_file: `${PROMETHEUS_SECRETS_DIR}/${REMOTE_WRITE_PASSWORD_FILE}` },
            },
          ],
        }
      : {}),
    scrape_configs: [
      { job_name: SCRAPE_JOBS.prometheus, static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }] },
      ...(appJob.kubernetes_sd_configs ? [appJob] : []),
      ...(app.staticTargets.length > 0 ? [staticAppJob] : []),
      ...serviceJobs.flatMap(([job, address]) => (address ? [{ job_name: job, ...serviceDiscovery(address) }] : [])),
      ...(targets.kubeStateMetrics ? [kubeStateMetricsJob(targets.kubeStateMetrics)] : []),
      ...exporterJobs.flatMap(([job, target]) => (target ? [{ job_name: job, static_configs: [{ targets: [target] }] }] : [])),
      ...(inputs.discoverAppPods ? [kubeletVolumeStatsJob(), cadvisorJob()] : []),
      ...(targets.blackboxExporter && settings.probes.length > 0 ? [blackboxProbeJob(settings.probes, settings.blackboxExporter.interval, targets.blackboxExporter)] : []),
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
