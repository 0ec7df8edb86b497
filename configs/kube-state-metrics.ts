/**
 * What kube-state-metrics collects and the permissions that takes, from one list: `--resources` and
 * the ClusterRole cannot drift apart. Only the objects the Kubernetes alerts, recording rules and
 * dashboards read: no secrets, no configmaps (least privilege over KSM's default list).
 */

/** The metrics port (`/metrics`, `/livez`) and the telemetry port (KSM's own metrics, `/readyz`): KSM's defaults. */
export const KSM_METRICS_PORT = 8080;
export const KSM_TELEMETRY_PORT = 8081;

/** The Service's port names, which Prometheus' endpoint discovery keeps targets by. */
export const KSM_METRICS_PORT_NAME = "http-metrics";
export const KSM_TELEMETRY_PORT_NAME = "telemetry";

/** Scrape jobs: the mixin's name for the object metrics, so its runbooks and queries carry over. */
export const KSM_JOB = "kube-state-metrics";
export const KSM_TELEMETRY_JOB = "kube-state-metrics-telemetry";

/**
 * Each collected resource (KSM's plural name, as `--resources` takes it) and its API group, with
 * what reads it.
 */
export const KSM_RESOURCES = {
  // kube_pod_*: restarts, waiting and terminated reasons, phase, owner, requests and limits, labels.
  pods: "",
  // kube_node_status_condition and allocatable: KubeNodeNotReady, the Nodes dashboard.
  nodes: "",
  // kube_persistentvolumeclaim_*: the volumes dashboard; kube_persistentvolume_*: KubePersistentVolumeErrors.
  persistentvolumeclaims: "",
  persistentvolumes: "",
  deployments: "apps",
  // kube_replicaset_owner: which Deployment a pod's ReplicaSet belongs to (namespace_workload_pod:kube_pod_owner:relabel).
  replicasets: "apps",
  statefulsets: "apps",
  daemonsets: "apps",
  jobs: "batch",
} as const satisfies Record<string, string>;

export type KsmResource = keyof typeof KSM_RESOURCES;

/** Pod labels copied onto kube_pod_labels (as `label_app_kubernetes_io_name`, `label_app`), so dashboards group by app. */
export const KSM_POD_LABELS = ["app.kubernetes.io/name", "app"];

export function kubeStateMetricsArgs(): string[] {
  return [
    `--port=${KSM_METRICS_PORT}`,
    `--telemetry-port=${KSM_TELEMETRY_PORT}`,
    `--resources=${Object.keys(KSM_RESOURCES).join(",")}`,
    `--metric-labels-allowlist=pods=[${KSM_POD_LABELS.join(",")}]`,
  ];
}

/** The subset of rbac.authorization.k8s.io/v1 PolicyRule this writes. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** `list` and `watch` (all KSM's informers do) on exactly the collected resources, one rule per API group. */
export function kubeStateMetricsRules(): PolicyRule[] {
  const byGroup = new Map<string, string[]>();
  for (const [resource, group] of Object.entries(KSM_RESOURCES)) byGroup.set(group, [...(byGroup.get(group) ?? []), resource]);
  return [...byGroup.entries()].map(([group, resources]) => ({ apiGroups: [group], resources, verbs: ["list", "watch"] }));
}
