/**
 * PromQL shapes the Kubernetes dashboards share: the series of kube-state-metrics and of the
 * kubelet's cAdvisor as configs/prometheus.ts labels them, the recording rules of
 * configs/kubernetes-rules.ts, and the join that puts each pod's workload on a per-pod series.
 */
import { KSM_JOB, KSM_TELEMETRY_JOB } from "../kube-state-metrics";
import { CADVISOR_METRICS_PATH, KUBELET_JOB } from "../scrape-jobs";
import { and } from "./queries";

export const KSM = `job=${JSON.stringify(KSM_JOB)}`;
/** kube-state-metrics' own metrics: its list and watch requests against the API server. */
export const KSM_TELEMETRY = `job=${JSON.stringify(KSM_TELEMETRY_JOB)}`;
export const CADVISOR = `job=${JSON.stringify(KUBELET_JOB)}, metrics_path=${JSON.stringify(CADVISOR_METRICS_PATH)}`;
export const KUBELET = `job=${JSON.stringify(KUBELET_JOB)}, metrics_path="/metrics"`;

/** The recording rules' names (configs/kubernetes-rules.ts). */
export const RECORDED = {
  cpuUsage: "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m",
  memoryWorkingSet: "node_namespace_pod_container:container_memory_working_set_bytes",
  workloadPods: "namespace_workload_pod:kube_pod_owner:relabel",
  requests: (resource: "cpu" | "memory") => `cluster:namespace:pod_${resource}:active:kube_pod_container_resource_requests`,
  limits: (resource: "cpu" | "memory") => `cluster:namespace:pod_${resource}:active:kube_pod_container_resource_limits`,
};

/** The pods the Workloads dashboard's `namespace`, `workload` and `pod` variables select. */
export const SELECTED_PODS = `namespace=~"$namespace", workload=~"$workload", pod=~"$pod"`;

/**
 * A per-pod expression restricted to the selected workloads' pods, with the pod's `workload` label
 * added (each pod has one owner, so the join is many-to-one).
 */
export function inSelectedWorkloads(expr: string): string {
  return `(${expr}) * on (namespace, pod) group_left (workload) ${RECORDED.workloadPods}{${SELECTED_PODS}}`;
}

/** A per-pod expression summed per workload over the selected ones. */
export function sumByWorkload(expr: string): string {
  return `sum by (workload) (${inSelectedWorkloads(expr)})`;
}

/** The selected namespaces, for the series' own `namespace` matcher (a cheaper first cut than the join). */
export const NAMESPACES = `namespace=~"$namespace"`;

/** kube-state-metrics series in the selected namespaces. */
export const ksmIn = (...matchers: string[]) => and(KSM, NAMESPACES, ...matchers);
