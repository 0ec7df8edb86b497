import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatasourceName, ProvisionedDashboard } from "../configs/dashboards";
import { provisionedDatasources } from "../configs/dashboards/datasources";
import { buildCommunityDashboardsScript, CommunityDashboard } from "../configs/dashboards/community";
import { ALERTING_PROVISIONING_SUBDIR, buildAlertingProvisioning } from "../configs/grafana-alerting";
import {
  ADMIN_PASSWORD_FILE,
  ALERTMANAGER_CLIENT,
  ALERTMANAGER_WEB_PASSWORD_FILE,
  buildDashboardProviders,
  buildDatasources,
  buildGrafanaIni,
  EXTERNAL_LOKI_PASSWORD_FILE,
  GRAFANA_COMMUNITY_DASHBOARDS_DIR,
  GRAFANA_DASHBOARDS_DIR,
  GRAFANA_DATA_DIR,
  GRAFANA_PORT,
  GRAFANA_PROVISIONING_DIR,
  GRAFANA_SECRETS_DIR,
  GrafanaInputs,
  OIDC_CLIENT_SECRET_FILE,
  PROMETHEUS_WEB_PASSWORD_FILE,
  SECRET_KEY_FILE,
  toIni,
} from "../configs/grafana";
import { httpUrl } from "../configs/service-address";
import { buildAdminPasswordSyncScript } from "../configs/grafana-admin-password";
import { ServiceAddress } from "../configs/service-address";
import { settingKey, StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import { persistentVolumeClaim } from "./data-claims";
import {
  assertFitsConfigMap,
  clusterService,
  CommonArgs,
  configFiles,
  containerResources,
  httpProbes,
  labels,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  secretFiles,
  singleReplicaDeployment,
  serviceUrl,
} from "./kube";
import { DataArgs } from "./volume-ledger";

const CONFIG_DIR = "/etc/grafana";
const COMMUNITY_VOLUME = "community-dashboards";
/** Grafana's user in its image; the curl init container runs as the same so the files are Grafana's. */
const GRAFANA_UID = 472;
const SERVICE_NAME = "grafana";
const SERVICE_PORT = { name: "http", port: GRAFANA_PORT };

/**
 * Grafana's address before its Service exists: Prometheus (created first, since Grafana needs its
 * address) scrapes Grafana, and this is the one place both take the name and port from.
 */
export function grafanaServiceAddress(namespace: string): ServiceAddress {
  return { kind: "kubernetes", service: SERVICE_NAME, namespace, port: SERVICE_PORT.port, portName: SERVICE_PORT.name };
}

export interface GrafanaArgs extends CommonArgs, DataArgs {
  settings: StackSettings;
  datasources: { prometheus: pulumi.Output<GrafanaInputs["prometheus"]>; loki?: pulumi.Output<NonNullable<GrafanaInputs["loki"]>>; alertmanager?: pulumi.Output<NonNullable<GrafanaInputs["alertmanager"]>> };
  /** `observability:grafanaAdminPassword`; when unset a random one is generated and kept in state, encrypted. */
  adminPassword?: pulumi.Output<string>;
  /** `observability:externalLokiPassword`, when the Loki datasource is an external Loki. */
  externalLokiPassword?: pulumi.Output<string>;
  /** `observability:grafanaOidcClientSecret`, when grafana.auth.oidc is set. */
  oidcClientSecret?: pulumi.Output<string>;
  /** `observability:grafanaSecretKey`; when unset a random one is generated and kept in state, encrypted. */
  secretKey?: pulumi.Output<string>;
  /** The stack user's passwords to Prometheus and (when it runs) Alertmanager, for the datasources. */
  webPasswords: { prometheus: pulumi.Output<string>; alertmanager?: pulumi.Output<string> };
  /** Built and checked by configs/dashboards buildDashboards; one ConfigMap per folder. */
  dashboards: ProvisionedDashboard[];
}

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
    const community = settings.grafana.communityDashboards;

    this.adminPassword = pulumi.secret(
      args.adminPassword ?? new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, parent).result,
    );
    // Kept in state like the admin password: a new key would leave what Grafana encrypted with the old one unreadable.
    const secretKey = pulumi.secret(args.secretKey ?? new random.RandomPassword(`${name}-secret-key`, { length: 40, special: false }, parent).result);
    // Auto-named and immutable: a new password or key rolls the pod, which reads them at start.
    const adminSecret = secretFiles(
      `${name}-admin`,
      {
        namespace,
        labels: meta,
        stringData: {
          [ADMIN_PASSWORD_FILE]: this.adminPassword,
          [SECRET_KEY_FILE]: secretKey,
          [PROMETHEUS_WEB_PASSWORD_FILE]: args.webPasswords.prometheus,
          ...(args.webPasswords.alertmanager ? { [ALERTMANAGER_WEB_PASSWORD_FILE]: args.webPasswords.alertmanager } : {}),
          // The Loki datasource reads it with $__file{}: the datasources ConfigMap holds only the path.
          ...(args.externalLokiPassword ? { [EXTERNAL_LOKI_PASSWORD_FILE]: args.externalLokiPassword } : {}),
          // grafana.ini reads it with $__file{}: the ini ConfigMap holds only the path.
          ...(args.oidcClientSecret ? { [OIDC_CLIENT_SECRET_FILE]: args.oidcClientSecret } : {}),
        },
      },
      parent,
    );

    // Server settings and datasources are read once at start: auto-named ConfigMaps roll the pod on change.
    const ini = configFiles(`${name}-ini`, { namespace, labels: meta, renderDir: "grafana", data: { "grafana.ini": toIni(buildGrafanaIni(settings)) } }, parent);
    const datasourcesYaml = pulumi
      .all([args.datasources.prometheus, args.datasources.loki, args.datasources.alertmanager])
      .apply(([prometheus, loki, alertmanager]) => toYaml(buildDatasources({ prometheus, loki, alertmanager })));
    const datasources = configFiles(`${name}-datasources`, { namespace, labels: meta, renderDir: "grafana/provisioning/datasources", data: { "datasources.yaml": datasourcesYaml } }, parent);
    // Alerts made in Grafana go to the stack's Alertmanager (configs/grafana-alerting.ts); read at start, like the datasources.
    const alerting = args.datasources.alertmanager
      ? configFiles(
          `${name}-alerting`,
          {
            namespace,
            labels: meta,
            renderDir: `grafana/provisioning/${ALERTING_PROVISIONING_SUBDIR}`,
            data: { "alerting.yaml": args.datasources.alertmanager.apply((address) => toYaml(buildAlertingProvisioning(httpUrl(address), ALERTMANAGER_CLIENT))) },
          },
          parent,
        )
      : undefined;
    const providers = configFiles(`${name}-providers`, { namespace, labels: meta, renderDir: "grafana/provisioning/dashboards", data: { "providers.yaml": toYaml(buildDashboardProviders({ community: community.length > 0 })) } }, parent);

    // Dashboards keep stable names: the provider re-reads the files, no restart.
    const dashboardMaps = dashboardsByFolder(args.dashboards).map(([folder, dashboards]) => {
      const mapName = `grafana-dashboards-${folderSlug(folder)}`;
      const data = Object.fromEntries(dashboards.map((d) => [`${d.json.uid}.json`, JSON.stringify(d.json, null, 2)]));
      assertFitsConfigMap(mapName, data, "dashboards", "split the folder or shrink the dashboards");
      const map = configFiles(
        `${name}-dashboards-${folderSlug(folder)}`,
        { namespace, labels: meta, stableName: mapName, renderDir: `grafana/dashboards/${folder}`, data },
        parent,
      );
      return { folder, map, volume: `dashboards-${folderSlug(folder)}` };
    });

    const pvc = persistentVolumeClaim(
      "grafana",
      { namespace, storageGi: settings.grafana.storageGi, setting: settingKey(["grafana", "storageGi"]), settings, labels: meta, volumes: args.volumes },
      parent,
    );
    const mounts = [
      { name: "ini", mountPath: CONFIG_DIR, readOnly: true },
      { name: "provisioning", mountPath: GRAFANA_PROVISIONING_DIR, readOnly: true },
      { name: "admin", mountPath: GRAFANA_SECRETS_DIR, readOnly: true },
      { name: "data", mountPath: GRAFANA_DATA_DIR },
      // One volume per folder, not one projected volume: the kubelet makes a projected volume's
      // sub-directories symlinks, which Grafana's provider does not walk into; and a dashboard added
      // to a folder then changes only the ConfigMap, not the pod template.
      ...dashboardMaps.map(({ folder, volume }) => ({ name: volume, mountPath: `${GRAFANA_DASHBOARDS_DIR}/${folder}`, readOnly: true })),
      ...(community.length > 0 ? [{ name: COMMUNITY_VOLUME, mountPath: GRAFANA_COMMUNITY_DASHBOARDS_DIR, readOnly: true }] : []),
      { name: "tmp", mountPath: "/tmp" },
    ];
    const grafanaEnv = [{ name: "GF_PATHS_CONFIG", value: `${CONFIG_DIR}/grafana.ini` }];

    singleReplicaDeployment(
      "grafana",
      {
        namespace,
        labels: meta,
        podSpec: {
          // Grafana reads its datasources and dashboards from files, never the Kubernetes API.
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurity(GRAFANA_UID),
          // Grafana takes the admin password from its config only when it creates the database.
          // The Secret is auto-named, so a new password rolls the pod and this resets it in the database.
          initContainers: [
            {
              name: "sync-admin-password",
              image: settings.images.grafana,
              command: ["sh", "-c"],
              // The password goes in on stdin, never in argv (configs/grafana-admin-password.ts).
              args: [
                buildAdminPasswordSyncScript({
                  databaseFile: `${GRAFANA_DATA_DIR}/grafana.db`,
                  passwordFile: `${GRAFANA_SECRETS_DIR}/${ADMIN_PASSWORD_FILE}`,
                  homePath: "/usr/share/grafana",
                  configFile: `${CONFIG_DIR}/grafana.ini`,
                }),
              ],
              env: grafanaEnv,
              volumeMounts: mounts.filter((m) => ["ini", "admin", "data", "tmp"].includes(m.name)),
              resources: containerResources(settings.grafana.resources),
              securityContext: restrictedContainerSecurity(),
            },
            ...(community.length > 0
              ? [communityDashboardsInitContainer(community, settings.images.curl, provisionedDatasources({ loki: args.datasources.loki !== undefined, alertmanager: args.datasources.alertmanager !== undefined }))]
              : []),
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
                  ...(alerting ? [{ configMap: { name: alerting.metadata.name, items: [{ key: "alerting.yaml", path: `${ALERTING_PROVISIONING_SUBDIR}/alerting.yaml` }] } }] : []),
                ],
              },
            },
            { name: "admin", secret: { secretName: adminSecret.metadata.name, defaultMode: 0o440 } },
            { name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } },
            ...dashboardMaps.map(({ map, volume }) => ({ name: volume, configMap: { name: map.metadata.name } })),
            ...(community.length > 0 ? [{ name: COMMUNITY_VOLUME, emptyDir: {} }] : []),
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
      parent,
    );

    const { service, address } = clusterService(SERVICE_NAME, { namespace, labels: meta, ports: [SERVICE_PORT] }, parent);
    const ingress = settings.grafana.ingress;
    if (ingress) {
      new k8s.networking.v1.Ingress(
        name,
        {
          metadata: { name: SERVICE_NAME, namespace, labels: meta },
          spec: {
            ingressClassName: ingress.className,
            // Without a certificate only when the stack says so (grafana.ingress.allowPlainHttp; settings refuse it otherwise).
            tls: ingress.tlsSecretName ? [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] : undefined,
            rules: [
              {
                host: ingress.host,
                http: {
                  paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service.metadata.name, port: { name: SERVICE_PORT.name } } } }],
                },
              },
            ],
          },
        },
        parent,
      );
    }
    this.address = address;
    this.url = serviceUrl(address);
    this.registerOutputs({ url: this.url, adminPassword: this.adminPassword });
  }
}

function dashboardsByFolder(dashboards: ProvisionedDashboard[]): [string, ProvisionedDashboard[]][] {
  const folders = new Map<string, ProvisionedDashboard[]>();
  for (const d of dashboards) folders.set(d.folder, [...(folders.get(d.folder) ?? []), d]);
  return [...folders.entries()];
}

/**
 * Downloads `grafana.communityDashboards` from grafana.com into the emptyDir the community provider
 * reads, mapping their datasource inputs to our uids (configs/dashboards/community.ts). Needs egress
 * to grafana.com:443 at every pod start.
 */
export function communityDashboardsInitContainer(dashboards: CommunityDashboard[], image: string, provisioned: DatasourceName[]): k8s.types.input.core.v1.Container {
  return {
    name: "fetch-community-dashboards",
    image,
    command: ["sh", "-c"],
    args: [buildCommunityDashboardsScript(dashboards, provisioned)],
    volumeMounts: [{ name: COMMUNITY_VOLUME, mountPath: GRAFANA_COMMUNITY_DASHBOARDS_DIR }],
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
    // The curl image's own user is a name (curl_user); the kubelet can only prove a number non-root.
    securityContext: { ...restrictedContainerSecurity(), runAsNonRoot: true, runAsUser: GRAFANA_UID, runAsGroup: GRAFANA_UID },
  };
}

export function folderSlug(folder: string): string {
  return folder.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
