import * as pulumi from "@pulumi/pulumi";
import { buildLokiConfig, LOKI_DATA_DIR, LOKI_GRPC_PORT, LOKI_HTTP_PORT } from "../configs/loki";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import {
  clusterService,
  CommonArgs,
  configFiles,
  containerResources,
  httpProbes,
  labels,
  persistentVolumeClaim,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  singleReplicaDeployment,
  serviceUrl,
} from "./kube";

const CONFIG_DIR = "/etc/loki";

export interface LokiArgs extends CommonArgs {
  settings: StackSettings;
}

/** Loki as one process (monolithic mode) with filesystem storage on a PVC and retention by the compactor. */
export class Loki extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:Loki", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels("loki", "logs");

    // Loki cannot reload its config: an auto-named ConfigMap makes every change roll the pod.
    const config = configFiles(`${name}-config`, { namespace, labels: meta, renderDir: "loki", data: { "loki.yaml": toYaml(buildLokiConfig(settings)) } }, parent);
    const pvc = persistentVolumeClaim("loki", { namespace, storageGi: settings.loki.storageGi, settings, labels: meta }, parent);

    singleReplicaDeployment(
      "loki",
      {
        namespace,
        labels: meta,
        podSpec: {
          securityContext: restrictedPodSecurity(10001),
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: "loki",
              image: settings.images.loki,
              args: [`-config.file=${CONFIG_DIR}/loki.yaml`, "-target=all"],
              ports: [
                { name: "http", containerPort: LOKI_HTTP_PORT },
                { name: "grpc", containerPort: LOKI_GRPC_PORT },
              ],
              volumeMounts: [
                { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                { name: "data", mountPath: LOKI_DATA_DIR },
                { name: "tmp", mountPath: "/tmp" },
              ],
              resources: containerResources(settings.loki.resources),
              securityContext: restrictedContainerSecurity(),
              // /ready only turns true once the ring is joined, which takes a little while after start.
              ...httpProbes("/ready", "/ready", "http"),
            },
          ],
          volumes: [
            { name: "config", configMap: { name: config.metadata.name } },
            { name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
      parent,
    );

    const { address } = clusterService(
      "loki",
      { namespace, labels: meta, ports: [{ name: "http", port: LOKI_HTTP_PORT }, { name: "grpc", port: LOKI_GRPC_PORT }] },
      parent,
    );
    this.address = address;
    this.url = serviceUrl(address);
    this.registerOutputs({ url: this.url });
  }
}
