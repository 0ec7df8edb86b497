import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  buildLokiConfig,
  buildLokiHaConfigFiles,
  isLokiHa,
  LOKI_CONFIG_FILE,
  LOKI_DATA_DIR,
  LOKI_GRPC_PORT,
  LOKI_HTTP_PORT,
  LOKI_MEMBERLIST_PORT,
  LOKI_PEERS_SERVICE,
  LOKI_S3_SECRET_ENV,
  lokiSecretForYaml,
} from "../configs/loki";
import { ServiceAddress } from "../configs/service-address";
import { settingKey, StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import { persistentVolumeClaim } from "./data-claims";
import {
  clusterService,
  CommonArgs,
  configFiles,
  containerResources,
  disruptionBudget,
  httpProbes,
  labels,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  secretFiles,
  singleReplicaDeployment,
  serviceUrl,
  spreadAcrossNodes,
} from "./kube";
import { statefulWorkload } from "./stateful-workload";
import { DataArgs } from "./volume-ledger";

const NAME = "loki";
const CONFIG_DIR = "/etc/loki";
/** Key of the object store's secret key in the Secret the HA pods read it from. */
const SECRET_KEY_FILE = "secret-access-key";

export interface LokiArgs extends CommonArgs, DataArgs {
  settings: StackSettings;
  /** `observability:lokiObjectStorageSecretKey`: required with 3 or more replicas (object storage). */
  objectStorageSecretKey?: pulumi.Output<string>;
}

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/**
 * Loki in monolithic mode. One replica: one process with filesystem storage on a PVC. Three or
 * more: HA monolithic, a StatefulSet whose instances share a memberlist ring, replicate every
 * stream to three of them and keep chunks and index in an S3-compatible bucket.
 * Either way, pushes and queries go to the Service `loki`, so agents and Grafana never change.
 */
export class Loki extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:Loki", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels(NAME, "logs");

    const container = (extra: { args: string[]; env?: Container["env"]; ports?: k8s.types.input.core.v1.ContainerPort[] }): Container => ({
      name: "loki",
      image: settings.images.loki,
      args: extra.args,
      env: extra.env,
      ports: [{ name: "http", containerPort: LOKI_HTTP_PORT }, { name: "grpc", containerPort: LOKI_GRPC_PORT }, ...(extra.ports ?? [])],
      volumeMounts: [
        { name: "config", mountPath: CONFIG_DIR, readOnly: true },
        { name: "data", mountPath: LOKI_DATA_DIR },
        { name: "tmp", mountPath: "/tmp" },
      ],
      resources: containerResources(settings.loki.resources),
      securityContext: restrictedContainerSecurity(),
      // /ready only turns true once the ring is joined, which takes a little while after start.
      ...httpProbes("/ready", "/ready", "http"),
    });
    const podSpec = (spec: Pick<PodSpec, "containers" | "volumes" | "terminationGracePeriodSeconds" | "affinity">): PodSpec => ({
      // Loki never calls the Kubernetes API.
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurity(10001),
      ...spec,
    });

    if (!isLokiHa(settings.loki)) {
      // Loki cannot reload its config: an auto-named ConfigMap makes every change roll the pod.
      const config = configFiles(`${name}-config`, { namespace, labels: meta, renderDir: "loki", data: { [LOKI_CONFIG_FILE]: toYaml(buildLokiConfig(settings)) } }, parent);
      const pvc = persistentVolumeClaim(
        NAME,
        { namespace, storageGi: settings.loki.storageGi, setting: settingKey(["loki", "storageGi"]), settings, labels: meta, volumes: args.volumes },
        parent,
      );
      singleReplicaDeployment(
        NAME,
        {
          namespace,
          labels: meta,
          podSpec: podSpec({
            terminationGracePeriodSeconds: 60,
            containers: [container({ args: [`-config.file=${CONFIG_DIR}/${LOKI_CONFIG_FILE}`, "-target=all"] })],
            volumes: [
              { name: "config", configMap: { name: config.metadata.name } },
              { name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } },
              { name: "tmp", emptyDir: {} },
            ],
          }),
        },
        parent,
      );
    } else {
      this.highAvailability(name, args, meta, container, podSpec);
    }

    const { address } = clusterService(
      NAME,
      { namespace, labels: meta, ports: [{ name: "http", port: LOKI_HTTP_PORT }, { name: "grpc", port: LOKI_GRPC_PORT }] },
      parent,
    );
    this.address = address;
    this.url = serviceUrl(address);
    this.registerOutputs({ url: this.url });
  }

  private highAvailability(
    name: string,
    args: LokiArgs,
    meta: Record<string, string>,
    container: (extra: { args: string[]; env?: Container["env"]; ports?: k8s.types.input.core.v1.ContainerPort[] }) => Container,
    podSpec: (spec: Pick<PodSpec, "containers" | "volumes" | "terminationGracePeriodSeconds" | "affinity">) => PodSpec,
  ): void {
    const parent = { parent: this };
    const { settings, namespace } = args;
    if (!args.objectStorageSecretKey) {
      throw new Error("observability:lokiObjectStorageSecretKey: is required because observability:loki.replicas is 3 or more");
    }
    const config = configFiles(`${name}-config`, { namespace, labels: meta, renderDir: "loki", data: buildLokiHaConfigFiles(settings) }, parent);
    // Loki's S3 client takes the key only inline: it reaches the config through the environment.
    const secret = secretFiles(
      `${name}-object-storage`,
      { namespace, labels: meta, stringData: { [SECRET_KEY_FILE]: args.objectStorageSecretKey.apply(lokiSecretForYaml) } },
      parent,
    );
    statefulWorkload(
      name,
      {
        name: NAME,
        namespace,
        labels: meta,
        replicas: settings.loki.replicas,
        // Instances gossip on the memberlist ring and reach the main compactor through it.
        peers: {
          resourceName: `${name}-memberlist`,
          name: LOKI_PEERS_SERVICE,
          ports: [
            { name: "memberlist", port: LOKI_MEMBERLIST_PORT, protocol: "TCP" },
            { name: "grpc", port: LOKI_GRPC_PORT, protocol: "TCP" },
          ],
        },
        settings,
        // WAL, index cache and the compactor's scratch space; chunks and index live in the bucket.
        volume: { name: "data", storageGi: settings.loki.storageGi, setting: settingKey(["loki", "storageGi"]) },
        volumes: args.volumes,
        podSpec: podSpec({
          affinity: spreadAcrossNodes(NAME),
          // Flushing the WAL's chunks to the bucket on shutdown can take a while.
          terminationGracePeriodSeconds: 300,
          containers: [
            container({
              args: [
                // Loki reads the first file that exists: loki-0 finds its own (the main compactor), the others loki.yaml.
                `-config.file=${CONFIG_DIR}/$(POD_NAME).yaml,${CONFIG_DIR}/${LOKI_CONFIG_FILE}`,
                "-config.expand-env=true",
                "-target=all",
              ],
              env: [
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                { name: LOKI_S3_SECRET_ENV, valueFrom: { secretKeyRef: { name: secret.metadata.name, key: SECRET_KEY_FILE } } },
              ],
              ports: [{ name: "memberlist", containerPort: LOKI_MEMBERLIST_PORT, protocol: "TCP" }],
            }),
          ],
          volumes: [
            { name: "config", configMap: { name: config.metadata.name } },
            { name: "tmp", emptyDir: {} },
          ],
        }),
      },
      parent,
    );
    disruptionBudget(NAME, { namespace, labels: meta }, parent);
  }
}
