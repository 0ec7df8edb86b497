import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DashboardJson } from "../configs/dashboards/stack-overview";
import {
  ADMIN_PASSWORD_FILE,
  buildDashboardProviders,
  buildDatasources,
  buildGrafanaIni,
  GRAFANA_DASHBOARDS_DIR,
  GRAFANA_DATA_DIR,
  GRAFANA_PORT,
  GRAFANA_PROVISIONING_DIR,
  GRAFANA_SECRETS_DIR,
  GrafanaInputs,
  toIni,
} from "../configs/grafana";
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
  secretFiles,
  selectorLabels,
  serviceUrl,
} from "./kube";

const CONFIG_DIR = "/etc/grafana";
const SERVICE_NAME = "grafana";
const SERVICE_PORT = { name: "http", port: GRAFANA_PORT };

/**
 * Grafana's address before its Service exists: Prometheus (created first, since Grafana needs its
 * address) scrapes Grafana, and this is the one place both take the name and port from.
 */
export function grafanaServiceAddress(namespace: string): ServiceAddress {
  return { kind: "kubernetes", service: SERVICE_NAME, namespace, port: SERVICE_PORT.port, portName: SERVICE_PORT.name };
}

export interface GrafanaArgs extends CommonArgs {
  settings: StackSettings;
  datasources: { prometheus: pulumi.Output<GrafanaInputs["prometheus"]>; loki?: pulumi.Output<NonNullable<GrafanaInputs["loki"]>>; alertmanager?: pulumi.Output<NonNullable<GrafanaInputs["alertmanager"]>> };
  /** `observability:grafanaAdminPassword`; when unset a random one is generated and kept in state, encrypted. */
  adminPassword?: pulumi.Output<string>;
  dashboards: DashboardJson[];
}

/** Kubernetes' limit on one object; a dashboards ConfigMap above it would fail at apply time. */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

/** Grafana with provisioned datasources and file-provided dashboards, its database on a PVC. */
export class Grafana extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;
  public readonly url: pulumi.Output<string>;
  public readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:Grafana", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels("grafana", "dashboards");

    this.adminPassword = pulumi.secret(
      args.adminPassword ?? new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, parent).result,
    );
    const adminSecret = secretFiles(`${name}-admin`, { namespace, labels: meta, stringData: { [ADMIN_PASSWORD_FILE]: this.adminPassword } }, parent);

    // Server settings and datasources are read once at start: auto-named ConfigMaps roll the pod on change.
    const ini = configFiles(`${name}-ini`, { namespace, labels: meta, renderDir: "grafana", data: { "grafana.ini": toIni(buildGrafanaIni(settings)) } }, parent);
    const datasourcesYaml = pulumi
      .all([args.datasources.prometheus, args.datasources.loki, args.datasources.alertmanager])
      .apply(([prometheus, loki, alertmanager]) => toYaml(buildDatasources({ prometheus, loki, alertmanager })));
    const datasources = configFiles(`${name}-datasources`, { namespace, labels: meta, renderDir: "grafana/provisioning/datasources", data: { "datasources.yaml": datasourcesYaml } }, parent);
    const providers = configFiles(`${name}-providers`, { namespace, labels: meta, renderDir: "grafana/provisioning/dashboards", data: { "providers.yaml": toYaml(buildDashboardProviders()) } }, parent);

    // Dashboards keep stable names: the provider re-reads the files, no restart.
    const dashboardMaps = dashboardsByFolder(args.dashboards).map(([folder, dashboards]) => {
      const data = Object.fromEntries(dashboards.map((d) => [`${d.uid}.json`, JSON.stringify(withoutFolder(d), null, 2)]));
      assertFitsConfigMap(`grafana-dashboards-${folderSlug(folder)}`, data);
      const map = configFiles(
        `${name}-dashboards-${folderSlug(folder)}`,
        { namespace, labels: meta, stableName: `grafana-dashboards-${folderSlug(folder)}`, renderDir: `grafana/dashboards/${folder}`, data },
        parent,
      );
      return { folder, map, files: Object.keys(data) };
    });

    const pvc = persistentVolumeClaim("grafana", { namespace, storageGi: settings.grafana.storageGi, storageClass: settings.storageClass, labels: meta }, parent);
    const mounts = [
      { name: "ini", mountPath: CONFIG_DIR, readOnly: true },
      { name: "provisioning", mountPath: GRAFANA_PROVISIONING_DIR, readOnly: true },
      { name: "admin", mountPath: GRAFANA_SECRETS_DIR, readOnly: true },
      { name: "data", mountPath: GRAFANA_DATA_DIR },
      { name: "dashboards", mountPath: GRAFANA_DASHBOARDS_DIR, readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ];
    const grafanaEnv = [{ name: "GF_PATHS_CONFIG", value: `${CONFIG_DIR}/grafana.ini` }];

    new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: "grafana", namespace, labels: meta },
        spec: {
          replicas: 1,
          // SQLite on a ReadWriteOnce volume: never two pods at once.
          strategy: { type: "Recreate" },
          selector: { matchLabels: selectorLabels("grafana") },
          template: {
            metadata: { labels: meta },
            spec: {
              securityContext: restrictedPodSecurity(472),
              // Grafana takes the admin password from its config only when it creates the database.
              // The Secret is auto-named, so a new password rolls the pod and this resets it in the database.
              initContainers: [
                {
                  name: "sync-admin-password",
                  image: settings.images.grafana,
                  command: ["sh", "-c"],
                  args: [
                    `grafana cli --homepath /usr/share/grafana --config ${CONFIG_DIR}/grafana.ini admin reset-admin-password "$(cat ${GRAFANA_SECRETS_DIR}/${ADMIN_PASSWORD_FILE})" >/dev/null 2>&1 ` +
                      `&& echo "admin password synchronised" || echo "no admin user yet: the server creates it from the Secret"`,
                  ],
                  env: grafanaEnv,
                  volumeMounts: mounts.filter((m) => ["ini", "admin", "data", "tmp"].includes(m.name)),
                  resources: containerResources(settings.grafana.resources),
                  securityContext: restrictedContainerSecurity(),
                },
              ],
              containers: [
                {
                  name: "grafana",
                  image: settings.images.grafana,
                  env: grafanaEnv,
                  ports: [{ name: "http", containerPort: GRAFANA_PORT }],
                  volumeMounts: mounts,
                  resources: containerResources(settings.grafana.resources),
                  securityContext: restrictedContainerSecurity(),
                  ...httpProbes("/api/health", "/api/health", "http"),
                },
              ],
              volumes: [
                { name: "ini", configMap: { name: ini.metadata.name } },
                {
                  name: "provisioning",
                  projected: {
                    sources: [
                      { configMap: { name: datasources.metadata.name, items: [{ key: "datasources.yaml", path: "datasources/datasources.yaml" }] } },
                      { configMap: { name: providers.metadata.name, items: [{ key: "providers.yaml", path: "dashboards/providers.yaml" }] } },
                    ],
                  },
                },
                { name: "admin", secret: { secretName: adminSecret.metadata.name, defaultMode: 0o440 } },
                { name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } },
                {
                  name: "dashboards",
                  projected: {
                    sources: dashboardMaps.map(({ folder, map, files }) => ({
                      configMap: { name: map.metadata.name, items: files.map((file) => ({ key: file, path: `${folder}/${file}` })) },
                    })),
                  },
                },
                { name: "tmp", emptyDir: {} },
              ],
            },
          },
        },
      },
      parent,
    );

    const { address } = clusterService(SERVICE_NAME, { namespace, labels: meta, ports: [SERVICE_PORT] }, parent);
    this.address = address;
    this.url = serviceUrl(address);
    this.registerOutputs({ url: this.url, adminPassword: this.adminPassword });
  }
}

function dashboardsByFolder(dashboards: DashboardJson[]): [string, DashboardJson[]][] {
  const folders = new Map<string, DashboardJson[]>();
  for (const d of dashboards) folders.set(d.folder, [...(folders.get(d.folder) ?? []), d]);
  return [...folders.entries()];
}

function withoutFolder(dashboard: DashboardJson): Omit<DashboardJson, "folder"> {
  const { folder: _folder, ...json } = dashboard;
  return json;
}

export function folderSlug(folder: string): string {
  return folder.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** Fails at preview time, naming the ConfigMap and its size, instead of at apply time. */
export function assertFitsConfigMap(name: string, data: Record<string, string>): void {
  const bytes = Object.entries(data).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > CONFIGMAP_LIMIT_BYTES) {
    throw new Error(`ConfigMap ${name} would hold ${bytes} bytes of dashboards, over Kubernetes' limit of ${CONFIGMAP_LIMIT_BYTES} bytes (1 MiB): split the folder or shrink the dashboards`);
  }
}
