import type { DashboardDefinition } from "./definition";
import { KSM, KUBELET, RECORDED } from "./kubernetes-queries";
import { buildDashboard, higherIsWorse, labelValuesVariable, lowerIsWorse, promQuery, statPanel, Thresholds, timeSeriesPanel, units, when } from "./panels";
import { aggregate, and } from "./queries";

export const KUBERNETES_NODES_VOLUMES_UID = "observability-kubernetes-nodes-volumes";

const NODES = `node=~"$node"`;
const VOLUMES = and(KUBELET, `namespace=~"$namespace"`);
const NONE_EXPECTED: Thresholds = { base: "green", steps: [[1, "red"]] };
/** Requests near allocatable leave no room to schedule; a node lost then strands pods. */
const REQUESTED = higherIsWorse(0.8, 0.95);
/** KubePersistentVolumeFillingUp's defaults: 85% (warning, when filling) and 97% full. */
const VOLUME_USED = higherIsWorse(0.85, 0.97);
/** Its warning looks 4 days ahead; a week left is worth a look. */
const DAYS_LEFT = lowerIsWorse(7, 4);

const allocatable = (resource: "cpu" | "memory", labels: string[]) => aggregate("sum", `kube_node_status_allocatable{${and(KSM, NODES, `resource="${resource}"`)}}`, labels);
const requested = (resource: "cpu" | "memory", labels: string[]) => aggregate("sum", `${RECORDED.requests(resource)}{${NODES}}`, labels);
const used = (series: string) => aggregate("sum", `${series}{${NODES}}`, ["node"]);
const resourcePanel = (resource: "cpu" | "memory", usage: string, unit: string, what: string) =>
  timeSeriesPanel({
    title: `${what}: allocatable, requested, used by node`,
    description: `${what} each node offers to pods, what the pods on it request (the scheduler's view), and what their containers use.`,
    unit,
    queries: [
      promQuery(allocatable(resource, ["node"]), "{{node}} allocatable"),
      promQuery(requested(resource, ["node"]), "{{node}} requested"),
      promQuery(used(usage), "{{node}} used"),
    ],
  });
const volumeUsed = `1 - kubelet_volume_stats_available_bytes{${VOLUMES}} / kubelet_volume_stats_capacity_bytes{${VOLUMES}}`;
/** Days until empty at the last 6h's rate; volumes that are not filling have no line. */
const daysToFull = `kubelet_volume_stats_available_bytes{${VOLUMES}} / -deriv(kubelet_volume_stats_available_bytes{${VOLUMES}}[6h]) / 86400 > 0`;

export const kubernetesNodesAndVolumes: DashboardDefinition = {
  folder: "Kubernetes",
  datasources: ["prometheus"],
  // Without kube-state-metrics only the volumes (the kubelet's) remain: nodes, requests and claims are its.
  build: ({ components }) =>
    buildDashboard({
      uid: KUBERNETES_NODES_VOLUMES_UID,
      title: "Nodes and volumes",
      description: "Nodes as the scheduler sees them (allocatable against requested, and used) and every PVC's usage and days to full.",
      tags: ["kubernetes", "nodes", "volumes"],
      variables: [
        ...when(components.kubeStateMetrics, labelValuesVariable("node", { label: "Node", datasource: "prometheus", query: `label_values(kube_node_status_allocatable{${KSM}}, node)` })),
        labelValuesVariable("namespace", { label: "Namespace", datasource: "prometheus", query: `label_values(kubelet_volume_stats_capacity_bytes{${KUBELET}}, namespace)` }),
      ],
      sections: [
        ...when(components.kubeStateMetrics, {
          row: "Overview",
          panels: [
            statPanel({ title: "Nodes not ready", description: "Nodes not reporting Ready. KubeNodeNotReady fires after 15 minutes.", thresholds: NONE_EXPECTED, width: 6, query: promQuery(`count(kube_node_status_condition{${and(KSM, NODES, 'condition="Ready"', 'status="true"')}} == 0) or vector(0)`) }),
            statPanel({ title: "CPU requested", description: "CPU requested by running and pending pods, as a share of the selected nodes' allocatable CPU.", unit: units.PercentUnit, decimals: 1, thresholds: REQUESTED, width: 6, query: promQuery(`${requested("cpu", [])} / ${allocatable("cpu", [])}`) }),
            statPanel({ title: "Memory requested", description: "Memory requested by running and pending pods, as a share of the selected nodes' allocatable memory.", unit: units.PercentUnit, decimals: 1, thresholds: REQUESTED, width: 6, query: promQuery(`${requested("memory", [])} / ${allocatable("memory", [])}`) }),
            statPanel({
              title: "Claims not bound",
              description: "PersistentVolumeClaims in the selected namespaces that are not Bound: their pods cannot start.",
              thresholds: NONE_EXPECTED,
              width: 6,
              query: promQuery(`count(kube_persistentvolumeclaim_status_phase{${and(KSM, 'namespace=~"$namespace"', 'phase!="Bound"')}} == 1) or vector(0)`),
            }),
          ],
        }),
        ...when(components.kubeStateMetrics, {
          row: "Nodes",
          panels: [
            resourcePanel("cpu", RECORDED.cpuUsage, units.Short, "CPU cores"),
            resourcePanel("memory", RECORDED.memoryWorkingSet, units.BytesIEC, "Memory"),
            timeSeriesPanel({
              title: "Requested share of allocatable by node",
              description: "CPU and memory requested on each node as a share of what it offers; near 100% new pods stay Pending (KubePodNotReady).",
              unit: units.PercentUnit,
              min: 0,
              thresholds: REQUESTED,
              width: 24,
              queries: [
                promQuery(`${requested("cpu", ["node"])} / ${allocatable("cpu", ["node"])}`, "{{node}} cpu"),
                promQuery(`${requested("memory", ["node"])} / ${allocatable("memory", ["node"])}`, "{{node}} memory"),
              ],
            }),
          ],
        }),
        {
          row: "Volumes",
          panels: [
            timeSeriesPanel({ title: "Volume usage by PVC", description: "Share of each PVC in use (kubelet volume stats); dashed lines at 85% and 97%.", unit: units.PercentUnit, min: 0, max: 1, thresholds: VOLUME_USED, queries: [promQuery(volumeUsed, "{{namespace}}/{{persistentvolumeclaim}}")] }),
            timeSeriesPanel({ title: "Days until full", description: "When each filling PVC is full at the rate of the last 6 hours; KubePersistentVolumeFillingUp warns within 4 days.", unit: units.Days, min: 0, thresholds: DAYS_LEFT, queries: [promQuery(daysToFull, "{{namespace}}/{{persistentvolumeclaim}}")] }),
          ],
        },
      ],
    }),
};
