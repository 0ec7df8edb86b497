import * as pulumi from "@pulumi/pulumi";
import { buildAlertRules } from "../configs/alert-rules";
import { METRICS_READER_RULE } from "../configs/kube-rbac-proxy";
import { buildKubernetesRecordingRules, KUBERNETES_RECORDING_RULES_FILE } from "../configs/kubernetes-rules";
import {
  ALERTMANAGER_WEB_PASSWORD_FILE,
  buildPrometheusConfig,
  PROMETHEUS_PORT,
  PROMETHEUS_WEB_PASSWORD_FILE,
  prometheusReloadAndScrapeFlags,
  PROMETHEUS_REPLICA_ENV,
  PROMETHEUS_SECRETS_DIR,
  PrometheusInputs,
  REMOTE_WRITE_PASSWORD_FILE,
  prometheusSettingsFlags,
  commandLineFlags,
  RULES_DIR,
} from "../configs/prometheus";
import { ServiceAddress } from "../configs/service-address";
import { settingKey, StackSettings } from "../configs/settings";
import { clientConfig, CLIENT_SECRET_KEYS, PROBE_CLIENT_FILE, promtoolCheckArgs, WEB_CONFIG_FILE } from "../configs/web-auth";
import { toYaml } from "../configs/yaml";
import { dataClaim, persistentVolumeClaim } from "./data-claims";
import {
  assertFitsConfigMap,
  CommonArgs,
  configFiles,
  containerResources,
  discoveryAccount,
  disruptionBudget,
  execProbes,
  labels,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  secretFiles,
  singleReplicaDeployment,
  spreadAcrossNodes,
  clusterService,
  serviceUrl,
} from "./kube";
import { DataArgs } from "./volume-ledger";

const CONFIG_DIR = "/etc/prometheus";
const WEB_CONFIG_DIR = "/etc/prometheus-web";
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
  /** The Secret holding Prometheus' web config (basic auth) and the client Secrets of Prometheus and, when it runs, Alertmanager. */
  webAuth: { webConfigSecret: pulumi.Output<string>; prometheusClientSecret: pulumi.Output<string>; alertmanagerClientSecret?: pulumi.Output<string> };
}

/** prometheus.yml, within the size of the ConfigMap that carries it (thousands of static targets could pass it). */
export function prometheusConfigFile(inputs: PrometheusInputs): string {
  const yaml = toYaml(buildPrometheusConfig(inputs));
  assertFitsConfigMap("prometheus-config", { "prometheus.yml": yaml }, "scrape configuration", "scrape fewer static targets (observability:app.staticTargets), or discover them instead");
  return yaml;
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
        return prometheusConfigFile({ settings, targets, discoverAppPods: true });
      });
    // Every rule's PromQL is parsed here, so a bad expression stops `pulumi preview` naming the rule.
    const rulesYaml = toYaml(buildAlertRules({ settings }));

    // Prometheus re-reads prometheus.yml and the rule files itself (--config.auto-reload), so both keep
    // stable names: a change reaches the running process without a restart.
    const probeClient = toYaml(clientConfig(`${PROMETHEUS_SECRETS_DIR}/${PROMETHEUS_WEB_PASSWORD_FILE}`));
    const config = configFiles(
      `${name}-config`,
      { namespace, labels: meta, stableName: "prometheus-config", renderDir: "prometheus", data: { "prometheus.yml": configYaml, [PROBE_CLIENT_FILE]: probeClient } },
      parent,
    );
    const rulesData = { [RULES_FILE]: rulesYaml, [KUBERNETES_RECORDING_RULES_FILE]: toYaml(buildKubernetesRecordingRules(settings)) };
    assertFitsConfigMap("prometheus-rules", rulesData, "alert rules", "move some rules to a second rule file");
    const rules = configFiles(`${name}-rules`, { namespace, labels: meta, stableName: "prometheus-rules", renderDir: `prometheus/${RULES_DIR}`, data: rulesData }, parent);

    const account = discoveryAccount(
      "prometheus",
      // /metrics: node-exporter's kube-rbac-proxy serves it to this account only.
      { namespace, labels: meta, resources: ["pods", "services", "nodes", "nodes/metrics"], discoveryResources: ["endpointslices"], nonResourceUrls: METRICS_READER_RULE.nonResourceURLs },
      parent,
    );
    const remoteWriteSecret = args.remoteWritePassword
      ? secretFiles(`${name}-remote-write`, { namespace, labels: meta, stringData: { [REMOTE_WRITE_PASSWORD_FILE]: args.remoteWritePassword } }, parent)
      : undefined;
    // Every password Prometheus sends, as files in one folder: its own (self-scrape, probes),
    // Alertmanager's (alerts, scrapes) and the remote store's. Updated Secrets update these files.
    const passwordOf = (secretName: pulumi.Output<string>, file: string) => ({ secret: { name: secretName, items: [{ key: CLIENT_SECRET_KEYS.password, path: file }] } });
    const secretSources = [
      passwordOf(args.webAuth.prometheusClientSecret, PROMETHEUS_WEB_PASSWORD_FILE),
      ...(args.webAuth.alertmanagerClientSecret ? [passwordOf(args.webAuth.alertmanagerClientSecret, ALERTMANAGER_WEB_PASSWORD_FILE)] : []),
      ...(remoteWriteSecret ? [{ secret: { name: remoteWriteSecret.metadata.name } }] : []),
    ];
    const promtool = (check: "healthy" | "ready") => ["/bin/promtool", ...promtoolCheckArgs(check, `http://127.0.0.1:${PROMETHEUS_PORT}`, `${CONFIG_DIR}/${PROBE_CLIENT_FILE}`)];

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
                // The retention size follows the claim's size, which stays as it is when its class refuses a growth (volume-ledger.ts).
                args: pvc.spec.apply((spec) => [
                  `--config.file=${CONFIG_DIR}/prometheus.yml`,
                  `--storage.tsdb.path=${DATA_DIR}`,
                  ...commandLineFlags(prometheusSettingsFlags({ prometheus: { ...settings.prometheus, storageGi: Number.parseInt(spec.resources.requests.storage, 10) } })),
                  // No --web.enable-lifecycle: nothing needs /-/reload, and /-/quit would let one request stop Prometheus.
                  ...prometheusReloadAndScrapeFlags(),
                  `--web.config.file=${WEB_CONFIG_DIR}/${WEB_CONFIG_FILE}`,
                  `--web.listen-address=:${PROMETHEUS_PORT}`,
                ]),
                // Prometheus 3 expands ${PROMETHEUS_REPLICA} in the external labels (configs/prometheus.ts).
                ...(replicas > 1 ? { env: [{ name: PROMETHEUS_REPLICA_ENV, value: replicaName }] } : {}),
                ports: [{ name: "http", containerPort: PROMETHEUS_PORT }],
                volumeMounts: [
                  ...configMounts,
                  { name: "web-config", mountPath: WEB_CONFIG_DIR, readOnly: true },
                  { name: "data", mountPath: DATA_DIR },
                  { name: "secrets", mountPath: PROMETHEUS_SECRETS_DIR, readOnly: true },
                ],
                resources: containerResources(settings.prometheus.resources),
                securityContext: restrictedContainerSecurity(),
                ...execProbes(promtool("healthy"), promtool("ready")),
              },
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
              { name: "web-config", secret: { secretName: args.webAuth.webConfigSecret, defaultMode: 0o440 } },
              { name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } },
              { name: "secrets", projected: { sources: secretSources, defaultMode: 0o440 } },
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
