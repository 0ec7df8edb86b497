import * as pulumi from "@pulumi/pulumi";
import { buildAlertRules } from "../configs/alert-rules";
import { buildKubernetesRecordingRules, KUBERNETES_RECORDING_RULES_FILE } from "../configs/kubernetes-rules";
import {
  buildPrometheusConfig,
  PROMETHEUS_PORT,
  PROMETHEUS_REPLICA_ENV,
  PROMETHEUS_SECRETS_DIR,
  PrometheusInputs,
  REMOTE_WRITE_PASSWORD_FILE,
  retentionSize,
  RULES_DIR,
} from "../configs/prometheus";
import { ServiceAddress } from "../configs/service-address";
import { settingKey, StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import {
  assertFitsConfigMap,
  CommonArgs,
  configFiles,
  configReloaderContainer,
  containerResources,
  discoveryAccount,
  disruptionBudget,
  httpProbes,
  labels,
  persistentVolumeClaim,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  secretFiles,
  singleReplicaDeployment,
  spreadAcrossNodes,
  clusterService,
  serviceUrl,
} from "./kube";
import { dataClaim } from "./stateful-workload";
import { DataArgs } from "./volume-ledger";

const CONFIG_DIR = "/etc/prometheus";
const DATA_DIR = "/prometheus";
const RULES_FILE = "alerts.yml";
/** Every replica's pods (each replica's Deployment selects on its own instance label too). */
const PROMETHEUS_PODS = { "app.kubernetes.io/name": "prometheus" };

/** Replica 0 is `prometheus` (its name from before replicas existed), then `prometheus-1`. */
export function prometheusReplicaName(index: number): string {
  return index === 0 ? "prometheus" : `prometheus-${index}`;
}

export interface PrometheusArgs extends CommonArgs, DataArgs {
  settings: StackSettings;
  /** Addresses of the other services, each scraped; Alertmanager also receives alerts. Missing = off. */
  targets: { [K in keyof PrometheusInputs["targets"]]?: pulumi.Output<ServiceAddress> };
  /** `observability:remoteWritePassword`, when remote write is on. */
  remoteWritePassword?: pulumi.Output<string>;
}

/** Prometheus with its TSDB on a PVC, discovering the app's pods and scraping the stack itself. */
export class Prometheus extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:Prometheus", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels("prometheus", "metrics");
    const targetEntries = Object.entries(args.targets) as [keyof PrometheusInputs["targets"], pulumi.Output<ServiceAddress>][];

    const configYaml = pulumi
      .all(targetEntries.map(([, address]) => address))
      .apply((addresses) => {
        const targets = Object.fromEntries(targetEntries.map(([key], i) => [key, addresses[i]]));
        return toYaml(buildPrometheusConfig({ settings, targets, discoverAppPods: true }));
      });
    // Every rule's PromQL is parsed here, so a bad expression stops `pulumi preview` naming the rule.
    const rulesYaml = toYaml(buildAlertRules({ settings }));

    // Stable names: the reloader sidecar makes Prometheus re-read both without a restart.
    const config = configFiles(`${name}-config`, { namespace, labels: meta, stableName: "prometheus-config", renderDir: "prometheus", data: { "prometheus.yml": configYaml } }, parent);
    const rulesData = { [RULES_FILE]: rulesYaml, [KUBERNETES_RECORDING_RULES_FILE]: toYaml(buildKubernetesRecordingRules(settings)) };
    assertFitsConfigMap("prometheus-rules", rulesData, "alert rules", "move some rules to a second rule file");
    const rules = configFiles(`${name}-rules`, { namespace, labels: meta, stableName: "prometheus-rules", renderDir: `prometheus/${RULES_DIR}`, data: rulesData }, parent);

    const account = discoveryAccount(
      "prometheus",
      { namespace, labels: meta, resources: ["pods", "services", "nodes", "nodes/metrics"], discoveryResources: ["endpointslices"] },
      parent,
    );
    const remoteWriteSecret = args.remoteWritePassword
      ? secretFiles(`${name}-remote-write`, { namespace, labels: meta, stringData: { [REMOTE_WRITE_PASSWORD_FILE]: args.remoteWritePassword } }, parent)
      : undefined;

    // One projected volume lays the files out exactly as `render` writes them: prometheus.yml beside rules/.
    const configMounts = [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }];
    const { replicas, storageGi } = settings.prometheus;
    const storageSetting = settingKey(["prometheus", "storageGi"]);
    // Every replica is a single-replica Deployment with its own volume; replica 0 keeps the names
    // of a one-replica stack, so going from 1 to 2 replicas (and back) never touches its data.
    const replica = (index: number) => {
      const replicaName = prometheusReplicaName(index);
      const replicaLabels = { ...meta, "app.kubernetes.io/instance": replicaName };
      // Replica 0's claim is the one-replica stack's. A further replica's is treated like a
      // StatefulSet ordinal's (stateful-workload.ts): protected with protectData, so prod's 2 → 1
      // stops at the preview until it is unprotected, and always retainOnDelete, so Pulumi then
      // forgets it instead of deleting it.
      const pvc =
        index === 0
          ? persistentVolumeClaim(replicaName, { namespace, storageGi, setting: storageSetting, settings, labels: replicaLabels, volumes: args.volumes }, parent)
          : dataClaim(
              `${replicaName}-data`,
              { name: `${replicaName}-data`, namespace, labels: replicaLabels, storageGi, setting: storageSetting, volumes: args.volumes, storageClass: settings.storageClass },
              { ...parent, protect: settings.protectData, retainOnDelete: true },
            );
      singleReplicaDeployment(
        replicaName,
        {
          namespace,
          labels: replicaLabels,
          selector: { ...PROMETHEUS_PODS, "app.kubernetes.io/instance": replicaName },
          podSpec: {
            ...(replicas > 1 ? { affinity: spreadAcrossNodes("prometheus", PROMETHEUS_PODS) } : {}),
            serviceAccountName: account.metadata.name,
            securityContext: restrictedPodSecurity(65534),
            // Long enough to flush the head block and close the WAL cleanly.
            terminationGracePeriodSeconds: 300,
            containers: [
              {
                name: "prometheus",
                image: settings.images.prometheus,
                args: [
                  `--config.file=${CONFIG_DIR}/prometheus.yml`,
                  `--storage.tsdb.path=${DATA_DIR}`,
                  `--storage.tsdb.retention.time=${settings.prometheus.retention}`,
                  // From the claim's size, which stays as it is when its class refuses a growth (volume-ledger.ts).
                  pvc.spec.apply((spec) => `--storage.tsdb.retention.size=${retentionSize(Number.parseInt(spec.resources.requests.storage, 10), settings.prometheus.retentionSizeRatio)}`),
                  "--web.enable-lifecycle",
                  `--web.listen-address=:${PROMETHEUS_PORT}`,
                ],
                // Prometheus 3 expands ${PROMETHEUS_REPLICA} in the external labels (configs/prometheus.ts).
                ...(replicas > 1 ? { env: [{ name: PROMETHEUS_REPLICA_ENV, value: replicaName }] } : {}),
                ports: [{ name: "http", containerPort: PROMETHEUS_PORT }],
                volumeMounts: [
                  ...configMounts,
                  { name: "data", mountPath: DATA_DIR },
                  ...(remoteWriteSecret ? [{ name: "secrets", mountPath: PROMETHEUS_SECRETS_DIR, readOnly: true }] : []),
                ],
                resources: containerResources(settings.prometheus.resources),
                securityContext: restrictedContainerSecurity(),
                ...httpProbes("/-/healthy", "/-/ready", "http"),
              },
              configReloaderContainer({
                image: settings.images.configReloader,
                reloadUrl: `http://127.0.0.1:${PROMETHEUS_PORT}/-/reload`,
                watchedDirs: [CONFIG_DIR, `${CONFIG_DIR}/${RULES_DIR}`],
                volumeMounts: configMounts,
              }),
            ],
            volumes: [
              {
                name: "config",
                projected: {
                  sources: [
                    { configMap: { name: config.metadata.name } },
                    { configMap: { name: rules.metadata.name, items: Object.keys(rulesData).map((key) => ({ key, path: `${RULES_DIR}/${key}` })) } },
                  ],
                },
              },
              { name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } },
              ...(remoteWriteSecret ? [{ name: "secrets", secret: { secretName: remoteWriteSecret.metadata.name, defaultMode: 0o440 } }] : []),
            ],
          },
        },
        parent,
      );
    };
    for (let index = 0; index < replicas; index++) replica(index);
    if (replicas > 1) disruptionBudget("prometheus", { namespace, labels: meta, selector: PROMETHEUS_PODS }, parent);

    // Grafana queries whichever replica answers; both hold the same data, each with its own gaps.
    const { address } = clusterService(
      "prometheus",
      { namespace, labels: meta, ports: [{ name: "http", port: PROMETHEUS_PORT }], ...(replicas > 1 ? { selector: PROMETHEUS_PODS } : {}) },
      parent,
    );
    this.address = address;
    this.url = serviceUrl(address);
    this.registerOutputs({ url: this.url });
  }
}
