import type { DashboardDefinition } from "./definition";
import { inSelectedWorkloads, ksmIn, NAMESPACES, RECORDED, sumByWorkload, CADVISOR } from "./kubernetes-queries";
import { buildDashboard, labelValuesVariable, promQuery, statPanel, Thresholds, timeSeriesPanel, units } from "./panels";
import { aggregate, and } from "./queries";

export const KUBERNETES_WORKLOADS_UID = "observability-kubernetes-workloads";

const NONE_EXPECTED: Thresholds = { base: "green", steps: [[1, "red"]] };
/** CPUThrottlingHigh's default threshold; ContainerMemoryNearLimit's. */
const THROTTLING: Thresholds = { base: "green", steps: [[0.25, "orange"]] };
const MEMORY_OF_LIMIT: Thresholds = { base: "green", steps: [[0.9, "red"]] };

const perPod = (aggregation: "sum" | "max", series: string) => aggregate(aggregation, series, ["namespace", "pod"]);
const restarts = `increase(kube_pod_container_status_restarts_total{${ksmIn()}}[$__rate_interval])`;
/** Restarts over the dashboard's whole time range: a count of whole restarts, not an extrapolated rate. */
const restartsInRange = `changes(kube_pod_container_status_restarts_total{${ksmIn()}}[$__range])`;
/** Restarts of containers whose last termination was an OOM kill, per container, over `window`. */
const oomKills = (window: string) =>
  `sum by (namespace, pod, container) (changes(kube_pod_container_status_restarts_total{${ksmIn()}}[${window}])) and on (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{${ksmIn('reason="OOMKilled"')}} == 1)`;
const throttledShare = (() => {
  const throttled = (metric: string) => aggregate("sum", `rate(${metric}{${and(CADVISOR, NAMESPACES, 'container!=""')}}[$__rate_interval])`, ["namespace", "pod", "container"]);
  return `${throttled("container_cpu_cfs_throttled_periods_total")} / ${throttled("container_cpu_cfs_periods_total")}`;
})();
const notReady = `max by (namespace, pod) (kube_pod_status_ready{${ksmIn('condition="false"')}})`;
const usageVsRequestsAndLimits = (resource: "cpu" | "memory", usage: string) => [
  promQuery(sumByWorkload(perPod("sum", `${usage}{${NAMESPACES}}`)), "{{workload}} used"),
  promQuery(sumByWorkload(perPod("sum", `${RECORDED.requests(resource)}{${NAMESPACES}}`)), "{{workload}} requested"),
  promQuery(sumByWorkload(perPod("sum", `${RECORDED.limits(resource)}{${NAMESPACES}}`)), "{{workload}} limit"),
];

export const kubernetesWorkloads: DashboardDefinition = {
  folder: "Kubernetes",
  datasources: ["prometheus"],
  // Every panel is per workload, and workloads come from kube-state-metrics' owners (namespace_workload_pod:kube_pod_owner:relabel).
  requires: (components) => components.kubeStateMetrics,
  build: () =>
    buildDashboard({
      uid: KUBERNETES_WORKLOADS_UID,
      title: "Workloads",
      description: "Per namespace and workload (Deployment, StatefulSet, DaemonSet, Job): CPU and memory against requests and limits, restarts, OOM kills, throttling, pods not ready.",
      tags: ["kubernetes", "workloads"],
      variables: [
        labelValuesVariable("namespace", { label: "Namespace", datasource: "prometheus", query: `label_values(${RECORDED.workloadPods}, namespace)` }),
        labelValuesVariable("workload", { label: "Workload", datasource: "prometheus", query: `label_values(${RECORDED.workloadPods}{namespace=~"$namespace"}, workload)` }),
        labelValuesVariable("pod", { label: "Pod", datasource: "prometheus", query: `label_values(${RECORDED.workloadPods}{namespace=~"$namespace", workload=~"$workload"}, pod)` }),
      ],
      sections: [
        {
          row: "Overview",
          panels: [
            statPanel({ title: "Pods not ready", description: "Pods of the selected workloads that are not ready now. KubePodNotReady fires after 15 minutes Pending.", thresholds: NONE_EXPECTED, width: 6, query: promQuery(`sum(${inSelectedWorkloads(notReady)}) or vector(0)`) }),
            statPanel({ title: "Restarts", description: "Container restarts in the selected workloads over the dashboard's time range.", thresholds: NONE_EXPECTED, decimals: 0, width: 6, query: promQuery(`sum(${inSelectedWorkloads(perPod("sum", restartsInRange))}) or vector(0)`) }),
            statPanel({ title: "OOM kills", description: "Restarts over the time range of containers whose last termination was an OOM kill (KubeContainerOOMKilled).", thresholds: NONE_EXPECTED, decimals: 0, width: 6, query: promQuery(`sum(${inSelectedWorkloads(oomKills("$__range"))}) or vector(0)`) }),
            statPanel({ title: "Throttled containers", description: "Containers throttled in more than 25% of their CPU periods (CPUThrottlingHigh's threshold).", thresholds: NONE_EXPECTED, width: 6, query: promQuery(`count(${inSelectedWorkloads(`${throttledShare} > 0.25`)}) or vector(0)`) }),
          ],
        },
        {
          row: "CPU",
          panels: [
            timeSeriesPanel({ title: "CPU: used, requested, limit by workload", description: "Cores used by each workload's containers (5m rate) against what its running pods request and their limits.", unit: units.Short, queries: usageVsRequestsAndLimits("cpu", RECORDED.cpuUsage) }),
            timeSeriesPanel({ title: "CPU used by pod", description: "Cores used per pod (5m rate).", unit: units.Short, queries: [promQuery(aggregate("sum", inSelectedWorkloads(perPod("sum", `${RECORDED.cpuUsage}{${NAMESPACES}}`)), ["pod"]), "{{pod}}")] }),
            timeSeriesPanel({ title: "CPU throttling by container", description: "Share of CFS periods in which each container was throttled by its CPU limit; dashed line at 25%.", unit: units.PercentUnit, min: 0, thresholds: THROTTLING, width: 24, queries: [promQuery(inSelectedWorkloads(throttledShare), "{{pod}} {{container}}")] }),
          ],
        },
        {
          row: "Memory",
          panels: [
            timeSeriesPanel({ title: "Memory: working set, requested, limit by workload", description: "Working set of each workload's containers against what its running pods request and their limits.", unit: units.BytesIEC, queries: usageVsRequestsAndLimits("memory", RECORDED.memoryWorkingSet) }),
            timeSeriesPanel({ title: "Memory working set by pod", description: "Working set per pod: what the kernel counts against the limit.", unit: units.BytesIEC, queries: [promQuery(aggregate("sum", inSelectedWorkloads(perPod("sum", `${RECORDED.memoryWorkingSet}{${NAMESPACES}}`)), ["pod"]), "{{pod}}")] }),
            timeSeriesPanel({
              title: "Memory working set of limit by container",
              description: "Each container's working set as a share of its memory limit; at 100% it is OOM killed. ContainerMemoryNearLimit fires above 90% for 15 minutes.",
              unit: units.PercentUnit,
              min: 0,
              thresholds: MEMORY_OF_LIMIT,
              width: 24,
              queries: [
                promQuery(
                  inSelectedWorkloads(
                    `max by (namespace, pod, container) (${RECORDED.memoryWorkingSet}{${NAMESPACES}}) / on (namespace, pod, container) max by (namespace, pod, container) (kube_pod_container_resource_limits{${ksmIn('resource="memory"')}} > 0)`,
                  ),
                  "{{pod}} {{container}}",
                ),
              ],
            }),
          ],
        },
        {
          row: "Restarts and readiness",
          panels: [
            timeSeriesPanel({ title: "Restarts by pod", description: "Container restarts per pod.", unit: units.Short, queries: [promQuery(aggregate("sum", inSelectedWorkloads(perPod("sum", restarts)), ["pod"]), "{{pod}}")] }),
            timeSeriesPanel({ title: "OOM kills by pod", description: "Restarts of containers whose last termination was an OOM kill, per pod.", unit: units.Short, thresholds: NONE_EXPECTED, queries: [promQuery(aggregate("sum", inSelectedWorkloads(oomKills("$__rate_interval")), ["pod"]), "{{pod}}")] }),
            timeSeriesPanel({ title: "Pods not ready by workload", description: "Pods of each workload that are not ready.", unit: units.Short, thresholds: NONE_EXPECTED, queries: [promQuery(sumByWorkload(notReady), "{{workload}}")] }),
            timeSeriesPanel({
              title: "Containers waiting by reason",
              description: "Containers that are not running yet, by reason (CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError…).",
              unit: units.Short,
              queries: [promQuery(aggregate("sum", inSelectedWorkloads(`max by (namespace, pod, container, reason) (kube_pod_container_status_waiting_reason{${ksmIn()}})`), ["reason"]), "{{reason}}")],
            }),
          ],
        },
      ],
    }),
};
