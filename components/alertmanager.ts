import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ALERTMANAGER_SECRETS_DIR, buildAlertmanagerConfig, SECRET_FILES } from "../configs/alertmanager";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import {
  clusterService,
  CommonArgs,
  configFiles,
  configReloaderContainer,
  containerResources,
  httpProbes,
  labels,
  persistentVolumeClaim,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  secretFiles,
  selectorLabels,
  serviceUrl,
} from "./kube";

export const ALERTMANAGER_PORT = 9093;
const CONFIG_DIR = "/etc/alertmanager/config";
const DATA_DIR = "/alertmanager";

export interface AlertmanagerArgs extends CommonArgs {
  settings: StackSettings;
  /** Receiver secrets from `config.getSecret`; only the ones set. They go into a Secret, never the config. */
  secrets: Partial<Record<keyof typeof SECRET_FILES, pulumi.Output<string>>>;
}

/** Alertmanager with the guide's routes and receivers; silences and the notification log on a PVC. */
export class Alertmanager extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:Alertmanager", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels("alertmanager", "alerting");

    const configYaml = toYaml(buildAlertmanagerConfig({ settings }));
    const config = configFiles(
      `${name}-config`,
      { namespace, labels: meta, stableName: "alertmanager-config", renderDir: "alertmanager", data: { "alertmanager.yml": configYaml } },
      parent,
    );

    const secretEntries = (Object.keys(SECRET_FILES) as (keyof typeof SECRET_FILES)[]).flatMap((key) => {
      const value = args.secrets[key];
      return value ? [[SECRET_FILES[key], value] as const] : [];
    });
    const secret = secretFiles(`${name}-receivers`, { namespace, labels: meta, stringData: Object.fromEntries(secretEntries) }, parent);

    const pvc = persistentVolumeClaim("alertmanager", { namespace, storageGi: settings.alertmanager.storageGi, storageClass: settings.storageClass, labels: meta }, parent);
    const configMount = { name: "config", mountPath: CONFIG_DIR, readOnly: true };

    new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: "alertmanager", namespace, labels: meta },
        spec: {
          replicas: 1,
          strategy: { type: "Recreate" },
          selector: { matchLabels: selectorLabels("alertmanager") },
          template: {
            metadata: { labels: meta },
            spec: {
              securityContext: restrictedPodSecurity(65534),
              containers: [
                {
                  name: "alertmanager",
                  image: settings.images.alertmanager,
                  args: [
                    `--config.file=${CONFIG_DIR}/alertmanager.yml`,
                    `--storage.path=${DATA_DIR}`,
                    `--web.listen-address=:${ALERTMANAGER_PORT}`,
                    // A single instance: no gossip peers to find.
                    "--cluster.listen-address=",
                  ],
                  ports: [{ name: "http", containerPort: ALERTMANAGER_PORT }],
                  volumeMounts: [
                    configMount,
                    { name: "secrets", mountPath: ALERTMANAGER_SECRETS_DIR, readOnly: true },
                    { name: "data", mountPath: DATA_DIR },
                  ],
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
                { name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } },
              ],
            },
          },
        },
      },
      parent,
    );

    const { address } = clusterService("alertmanager", { namespace, labels: meta, ports: [{ name: "http", port: ALERTMANAGER_PORT }] }, parent);
    this.address = address;
    this.url = serviceUrl(address);
    this.registerOutputs({ url: this.url });
  }
}
