import * as pulumi from "@pulumi/pulumi";
import {
  KSM_METRICS_PORT,
  KSM_METRICS_PORT_NAME,
  KSM_TELEMETRY_PORT,
  KSM_TELEMETRY_PORT_NAME,
  kubeStateMetricsArgs,
  kubeStateMetricsRules,
} from "../configs/kube-state-metrics";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { accountWithClusterRole, clusterService, CommonArgs, containerResources, httpProbes, labels, restrictedContainerSecurity, restrictedPodSecurity, statelessDeployment } from "./kube";

export interface KubeStateMetricsArgs extends CommonArgs {
  settings: StackSettings;
}

const NAME = "kube-state-metrics";

/**
 * kube-state-metrics: the cluster's objects (pods, workloads, nodes, volumes) as metrics, read
 * through the API with a ClusterRole that lists and watches exactly what it collects. Stateless, so
 * a plain rolling Deployment.
 */
export class KubeStateMetrics extends pulumi.ComponentResource {
  /** The object metrics (port 8080), scraped with honor_labels. */
  public readonly address: pulumi.Output<ServiceAddress>;
  /** KSM's own metrics (port 8081): list and watch errors against the API. */
  public readonly telemetryAddress: pulumi.Output<ServiceAddress>;

  constructor(name: string, args: KubeStateMetricsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:KubeStateMetrics", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels(NAME, "cluster-metrics");

    // Cluster-scoped and shared by every stack in the cluster: the namespace keeps two stacks' names apart.
    const account = accountWithClusterRole(NAME, { namespace, labels: meta, rules: kubeStateMetricsRules() }, parent);

    statelessDeployment(
      NAME,
      {
        namespace,
        labels: meta,
        podSpec: {
          serviceAccountName: account.metadata.name,
          // It reads the API with this token: the one pod of the stack that needs it mounted.
          automountServiceAccountToken: true,
          securityContext: restrictedPodSecurity(65534),
          containers: [
            {
              name: NAME,
              image: settings.images.kubeStateMetrics,
              args: kubeStateMetricsArgs(),
              ports: [
                { name: KSM_METRICS_PORT_NAME, containerPort: KSM_METRICS_PORT },
                { name: KSM_TELEMETRY_PORT_NAME, containerPort: KSM_TELEMETRY_PORT },
              ],
              resources: containerResources(settings.kubeStateMetrics.resources),
              securityContext: restrictedContainerSecurity(),
              // Alive when the metrics server answers; ready once its informers have synced.
              livenessProbe: httpProbes("/livez", "/livez", KSM_METRICS_PORT_NAME).livenessProbe,
              readinessProbe: httpProbes("/readyz", "/readyz", KSM_TELEMETRY_PORT_NAME).readinessProbe,
            },
          ],
        },
      },
      parent,
    );

    const { address } = clusterService(
      NAME,
      {
        namespace,
        labels: meta,
        ports: [
          { name: KSM_METRICS_PORT_NAME, port: KSM_METRICS_PORT },
          { name: KSM_TELEMETRY_PORT_NAME, port: KSM_TELEMETRY_PORT },
        ],
      },
      parent,
    );
    this.address = address;
    this.telemetryAddress = address.apply((a): ServiceAddress => (a.kind === "kubernetes" ? { ...a, port: KSM_TELEMETRY_PORT, portName: KSM_TELEMETRY_PORT_NAME } : a));
    this.registerOutputs({});
  }
}
