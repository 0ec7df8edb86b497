import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ALERTMANAGER_MESH_PORT, ALERTMANAGER_PORT, ALERTMANAGER_SECRETS_DIR, buildAlertmanagerConfig, SECRET_FILES } from "../configs/alertmanager";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import {
  clusterService,
  CommonArgs,
  configFiles,
  configReloaderContainer,
  containerResources,
  disruptionBudget,
  httpProbes,
  labels,
  persistentVolumeClaim,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  secretFiles,
  selectorLabels,
  serviceUrl,
  singleReplicaDeployment,
  spreadAcrossNodes,
} from "./kube";

const NAME = "alertmanager";
/** Headless Service giving each replica a stable DNS name for gossip. */
const PEERS_SERVICE = "alertmanager-cluster";
const CONFIG_DIR = "/etc/alertmanager/config";
const DATA_DIR = "/alertmanager";

export interface AlertmanagerArgs extends CommonArgs {
  settings: StackSettings;
  /** Receiver secrets from `config.getSecret`; only the ones set. They go into a Secret, never the config. */
  secrets: Partial<Record<keyof typeof SECRET_FILES, pulumi.Output<string>>>;
}

/**
 * Alertmanager with the guide's routes and receivers; silences and the notification log on a volume.
 * One replica is a Deployment; several form a gossip cluster as a StatefulSet, one volume each, so
 * a restart or a node loss neither drops nor repeats a notification.
 */
export class Alertmanager extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:Alertmanager", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const { replicas } = settings.alertmanager;
    const meta = labels(NAME, "alerting");

    const config = configFiles(
      `${name}-config`,
      { namespace, labels: meta, stableName: "alertmanager-config", renderDir: "alertmanager", data: { "alertmanager.yml": toYaml(buildAlertmanagerConfig({ settings })) } },
      parent,
    );
    const secretEntries = (Object.keys(SECRET_FILES) as (keyof typeof SECRET_FILES)[]).flatMap((key) => {
      const value = args.secrets[key];
      return value ? [[SECRET_FILES[key], value] as const] : [];
    });
    const secret = secretFiles(`${name}-receivers`, { namespace, labels: meta, stringData: Object.fromEntries(secretEntries) }, parent);

    const configMount = { name: "config", mountPath: CONFIG_DIR, readOnly: true };
    const peers = Array.from({ length: replicas }, (_, i) => `${NAME}-${i}.${PEERS_SERVICE}.${settings.namespace}.svc.cluster.local:${ALERTMANAGER_MESH_PORT}`);
    const clusterArgs =
      replicas > 1
        ? [`--cluster.listen-address=0.0.0.0:${ALERTMANAGER_MESH_PORT}`, `--cluster.advertise-address=$(POD_IP):${ALERTMANAGER_MESH_PORT}`, ...peers.map((p) => `--cluster.peer=${p}`)]
        : ["--cluster.listen-address="]; // a single instance has no peers to gossip with

    const podSpec = (dataVolumes: k8s.types.input.core.v1.Volume[]): k8s.types.input.core.v1.PodSpec => ({
      securityContext: restrictedPodSecurity(65534),
      affinity: replicas > 1 ? spreadAcrossNodes(NAME) : undefined,
      containers: [
        {
          name: "alertmanager",
          image: settings.images.alertmanager,
          args: [`--config.file=${CONFIG_DIR}/alertmanager.yml`, `--storage.path=${DATA_DIR}`, `--web.listen-address=:${ALERTMANAGER_PORT}`, ...clusterArgs],
          env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
          ports: [
            { name: "http", containerPort: ALERTMANAGER_PORT },
            ...(replicas > 1
              ? [
                  { name: "mesh-tcp", containerPort: ALERTMANAGER_MESH_PORT, protocol: "TCP" },
                  { name: "mesh-udp", containerPort: ALERTMANAGER_MESH_PORT, protocol: "UDP" },
                ]
              : []),
          ],
          volumeMounts: [configMount, { name: "secrets", mountPath: ALERTMANAGER_SECRETS_DIR, readOnly: true }, { name: "data", mountPath: DATA_DIR }],
          resources: containerResources(settings.alertmanager.resources),
          securityContext: restrictedContainerSecurity(),
          ...httpProbes("/-/healthy", "/-/ready", "http"),
        },
        configReloaderContainer({
          image: settings.images.configReloader,
          reloadUrl: `http://127.0.0.1:${ALERTMANAGER_PORT}/-/reload`,
          watchedDirs: [CONFIG_DIR],
          volumeMounts: [configMount],
        }),
      ],
      volumes: [
        { name: "config", configMap: { name: config.metadata.name } },
        { name: "secrets", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
        ...dataVolumes,
      ],
    });

    if (replicas === 1) {
      const pvc = persistentVolumeClaim(NAME, { namespace, storageGi: settings.alertmanager.storageGi, settings, labels: meta }, parent);
      singleReplicaDeployment(
        NAME,
        { namespace, labels: meta, podSpec: podSpec([{ name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } }]) },
        parent,
      );
    } else {
      const peersService = new k8s.core.v1.Service(
        `${name}-cluster`,
        {
          metadata: { name: PEERS_SERVICE, namespace, labels: meta },
          spec: {
            clusterIP: "None",
            // Peers must find each other before any is ready: readiness waits for the cluster to settle.
            publishNotReadyAddresses: true,
            selector: selectorLabels(NAME),
            ports: [
              { name: "mesh-tcp", port: ALERTMANAGER_MESH_PORT, targetPort: "mesh-tcp", protocol: "TCP" },
              { name: "mesh-udp", port: ALERTMANAGER_MESH_PORT, targetPort: "mesh-udp", protocol: "UDP" },
            ],
          },
        },
        parent,
      );
      new k8s.apps.v1.StatefulSet(
        name,
        {
          metadata: { name: NAME, namespace, labels: meta },
          spec: {
            replicas,
            serviceName: peersService.metadata.name,
            podManagementPolicy: "Parallel",
            selector: { matchLabels: selectorLabels(NAME) },
            template: { metadata: { labels: meta }, spec: podSpec([]) },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            volumeClaimTemplates: [
              {
                metadata: { name: "data", labels: meta },
                spec: {
                  accessModes: ["ReadWriteOnce"],
                  storageClassName: settings.storageClass,
                  resources: { requests: { storage: `${settings.alertmanager.storageGi}Gi` } },
                },
              },
            ],
          },
        },
        parent,
      );
      disruptionBudget(NAME, { namespace, labels: meta }, parent);
    }

    const { address } = clusterService(NAME, { namespace, labels: meta, ports: [{ name: "http", port: ALERTMANAGER_PORT }] }, parent);
    this.address = address;
    this.url = serviceUrl(address);
    this.registerOutputs({ url: this.url });
  }
}
