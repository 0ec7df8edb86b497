/**
 * The scrape jobs the stack writes itself, by name. The Prometheus config builder names its jobs from
 * this list and the settings refuse these names for the app's job, so the two cannot drift apart.
 */
import { KSM_JOB, KSM_TELEMETRY_JOB } from "./kube-state-metrics";

/** Both kubelet scrapes are job `kubelet`, told apart by `metrics_path` (as the kubernetes-mixin expects). */
export const KUBELET_JOB = "kubelet";
export const CADVISOR_METRICS_PATH = "/metrics/cadvisor";

/** Each built-in job's name, in the order prometheus.yml lists them. */
export const SCRAPE_JOBS = {
  prometheus: "prometheus",
  nodeExporter: "node-exporter",
  alertmanager: "alertmanager",
  grafana: "grafana",
  loki: "loki",
  promtail: "promtail",
  alloy: "alloy",
  kubeStateMetricsTelemetry: KSM_TELEMETRY_JOB,
  kubeStateMetrics: KSM_JOB,
  redis: "redis",
  postgres: "postgresql",
  kubelet: KUBELET_JOB,
  cadvisor: "kubelet-cadvisor",
  /** Every probe of `observability:probes`, run through blackbox-exporter. */
  blackbox: "blackbox",
} as const;

/**
 * Every built-in job name, whether its service is on or not: turning a service on must never clash
 * with the app's job, and kube-state-metrics' alerts select on its name even before its job exists.
 */
export const BUILT_IN_JOB_NAMES: readonly string[] = Object.values(SCRAPE_JOBS);

/** Scrape config name of `app.staticTargets` (job names must be unique; their `job` label is still `app.job`). */
export const STATIC_APP_JOB_SUFFIX = "-static";
