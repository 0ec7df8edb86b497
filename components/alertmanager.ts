import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { noHeartbeatNotice } from "../configs/dead-mans-switch";
import { ALERTMANAGER_FLAGS, ALERTMANAGER_MESH_PORT, ALERTMANAGER_PORT, ALERTMANAGER_SECRETS_DIR, buildAlertmanagerConfig, SECRET_FILES } from "../configs/alertmanager";
import { ServiceAddress } from "../configs/service-address";
import { settingKey, StackSettings } from "../configs/settings";
import { amtoolStatusArgs, CLIENT_SECRET_KEYS, clientConfig, PROBE_CLIENT_FILE, WEB_CONFIG_FILE } from "../configs/web-auth";
import { toYaml } from "../configs/yaml";
import {
  clusterService,
  CommonArgs,
  configFiles,
  containerResources,
  disruptionBudget,
  execProbes,
  labels,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  secretFiles,
  serviceUrl,
  spreadAcrossNodes,
} from "./kube";
import { statefulWorkload } from "./stateful-workload";
import { DataArgs } from "./volume-ledger";

const NAME = "alertmanager";
/** Headless Service giving each replica a stable DNS name for gossip. */
const PEERS_SERVICE = "alertmanager-cluster";
const CONFIG_DIR = "/etc/alertmanager/config";
const WEB_CONFIG_DIR = "/etc/alertmanager/web";
/** The stack user's password, for the probes (amtool logs in like any client). */
const CLIENT_PASSWORD_DIR = "/etc/alertmanager/web-client";
const DATA_DIR = "/alertmanager";

export interface AlertmanagerArgs extends CommonArgs, DataArgs {
  settings: StackSettings;
  /** Receiver secrets from `config.getSecret`; only the ones set. They go into a Secret, never the config. */
  secrets: Partial<Record<keyof typeof SECRET_FILES, pulumi.Output<string>>>;
  /** The mail catcher's SMTP address when it runs: it replaces the smarthost. */
  mailCatcher?: pulumi.Output<ServiceAddress>;
  /** The Secrets of Alertmanager's web config (basic auth) and of its clients' credentials. */
  webAuth: { webConfigSecret: pulumi.Output<string>; clientSecret: pulumi.Output<string> };
}

/**
 * Alertmanager with the guide's routes and receivers; silences and the notification log on a volume.
 * A StatefulSet at every replica count, one volume per replica (stateful-workload.ts), so changing
 * the count only scales; several replicas form a gossip cluster, so a restart or a node loss
 * neither drops nor repeats a notification.
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
    const notice = noHeartbeatNotice(settings);
    if (notice) pulumi.log.warn(notice, this);

    // Auto-named: a changed config rolls the replicas one by one (silences and the notification log
    // stay on their volumes and in the gossip). A reloader would need the stack user's password on its
    // command line, where any process of the node could read it; Alertmanager 0.34 cannot reload by itself.
    const config = configFiles(
      `${name}-config`,
      {
        namespace,
        labels: meta,
        renderDir: "alertmanager",
        data: {
          "alertmanager.yml": pulumi.output(args.mailCatcher).apply((mailCatcher) => toYaml(buildAlertmanagerConfig({ settings, mailCatcher }))),
          [PROBE_CLIENT_FILE]: toYaml(clientConfig(`${CLIENT_PASSWORD_DIR}/${CLIENT_SECRET_KEYS.password}`)),
        },
      },
      parent,
    );
    const amtool = ["/bin/amtool", ...amtoolStatusArgs(`http://127.0.0.1:${ALERTMANAGER_PORT}`, `${CONFIG_DIR}/${PROBE_CLIENT_FILE}`)];
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

    // The data volume comes from the StatefulSet's claims (stateful-workload.ts), not from `volumes`.
    const podSpec: k8s.types.input.core.v1.PodSpec = {
      // Alertmanager finds its peers through DNS, never the Kubernetes API.
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurity(65534),
      affinity: replicas > 1 ? spreadAcrossNodes(NAME) : undefined,
      containers: [
        {
          name: "alertmanager",
          image: settings.images.alertmanager,
          args: [
            `--config.file=${CONFIG_DIR}/alertmanager.yml`,
            `--storage.path=${DATA_DIR}`,
            `--web.config.file=${WEB_CONFIG_DIR}/${WEB_CONFIG_FILE}`,
            `--web.listen-address=:${ALERTMANAGER_PORT}`,
            ...ALERTMANAGER_FLAGS,
            ...clusterArgs,
          ],
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
          volumeMounts: [
            configMount,
            { name: "secrets", mountPath: ALERTMANAGER_SECRETS_DIR, readOnly: true },
            { name: "web-config", mountPath: WEB_CONFIG_DIR, readOnly: true },
            { name: "web-client", mountPath: CLIENT_PASSWORD_DIR, readOnly: true },
            { name: "data", mountPath: DATA_DIR },
          ],
          resources: containerResources(settings.alertmanager.resources),
          securityContext: restrictedContainerSecurity(),
          ...execProbes(amtool, amtool),
        },
      ],
      volumes: [
        { name: "config", configMap: { name: config.metadata.name } },
        { name: "secrets", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
        { name: "web-config", secret: { secretName: args.webAuth.webConfigSecret, defaultMode: 0o440 } },
        { name: "web-client", secret: { secretName: args.webAuth.clientSecret, items: [{ key: CLIENT_SECRET_KEYS.password, path: CLIENT_SECRET_KEYS.password }], defaultMode: 0o440 } },
      ],
    };

    // One code path at every replica count: a replica change scales the set, it never swaps the workload.
    statefulWorkload(
      name,
      {
        name: NAME,
        namespace,
        labels: meta,
        replicas,
        peers: {
          resourceName: `${name}-cluster`,
          name: PEERS_SERVICE,
          ports: [
            { name: "mesh-tcp", port: ALERTMANAGER_MESH_PORT, protocol: "TCP" },
            { name: "mesh-udp", port: ALERTMANAGER_MESH_PORT, protocol: "UDP" },
          ],
        },
        podSpec,
        volume: { name: "data", storageGi: settings.alertmanager.storageGi, setting: settingKey(["alertmanager", "storageGi"]) },
        volumes: args.volumes,
        settings,
      },
      parent,
    );
    if (replicas > 1) disruptionBudget(NAME, { namespace, labels: meta }, parent);

    const { address } = clusterService(NAME, { namespace, labels: meta, ports: [{ name: "http", port: ALERTMANAGER_PORT }] }, parent);
    this.address = address;
    this.url = serviceUrl(address);
    this.registerOutputs({ url: this.url });
  }
}
