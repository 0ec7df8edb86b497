/** `observability:kubeStateMetrics`: the cluster's objects (pods, workloads, nodes, volumes) as metrics, for the Kubernetes alerts and dashboards. */
import { agentSchema } from "./value-schemas";

export const kubeStateMetricsSchema = agentSchema("10m", "190Mi", "250Mi").describe(
  "kube-state-metrics (enabled: true): the state of pods, workloads, nodes and volumes, for the Kubernetes alerts and dashboards; resources: {cpu, memory, memoryLimit}.",
);
