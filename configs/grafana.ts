import { httpUrl, ServiceAddress } from "./service-address";
import { StackSettings } from "./settings";

/** Datasource uids are fixed so dashboards can name them. */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", alertmanager: "alertmanager" } as const;

export const GRAFANA_PORT = 3000;
export const GRAFANA_DATA_DIR = "/var/lib/grafana";
export const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";
export const GRAFANA_DASHBOARDS_DIR = "/var/lib/grafana/dashboards";
/** Where the init container writes grafana.com dashboards: a writable emptyDir, filled at each pod start. */
export const GRAFANA_COMMUNITY_DASHBOARDS_DIR = "/var/lib/grafana/community-dashboards";
export const GRAFANA_SECRETS_DIR = "/etc/grafana/secrets";
export const ADMIN_PASSWORD_FILE = "admin-password";

/** Grafana's datasource provisioning file (apiVersion 1). */
export interface DatasourcesFile {
  apiVersion: 1;
  deleteDatasources?: { name: string; orgId: number }[];
  datasources: Datasource[];
}

export interface Datasource {
  name: string;
  uid: string;
  type: "prometheus" | "loki" | "alertmanager";
  access: "proxy";
  url: string;
  isDefault: boolean;
  editable: boolean;
  jsonData?: Record<string, unknown>;
}

/** Grafana's dashboard provider file (apiVersion 1). */
export interface DashboardProvidersFile {
  apiVersion: 1;
  providers: {
    name: string;
    orgId: number;
    type: "file";
    disableDeletion: boolean;
    allowUiUpdates: boolean;
    updateIntervalSeconds: number;
    options: { path: string; foldersFromFilesStructure: boolean };
  }[];
}

export interface GrafanaInputs {
  prometheus: ServiceAddress;
  loki?: ServiceAddress;
  alertmanager?: ServiceAddress;
}

export function buildDatasources(inputs: GrafanaInputs): DatasourcesFile {
  const datasources: Datasource[] = [
    {
      name: "Prometheus",
      uid: DATASOURCE_UIDS.prometheus,
      type: "prometheus",
      access: "proxy",
      url: httpUrl(inputs.prometheus),
      isDefault: true,
      editable: false,
      jsonData: { httpMethod: "POST", timeInterval: "15s" },
    },
  ];
  if (inputs.loki) {
    datasources.push({
      name: "Loki",
      uid: DATASOURCE_UIDS.loki,
      type: "loki",
      access: "proxy",
      url: httpUrl(inputs.loki),
      isDefault: false,
      editable: false,
      jsonData: { maxLines: 1000 },
    });
  }
  if (inputs.alertmanager) {
    datasources.push({
      name: "Alertmanager",
      uid: DATASOURCE_UIDS.alertmanager,
      type: "alertmanager",
      access: "proxy",
      url: httpUrl(inputs.alertmanager),
      isDefault: false,
      editable: false,
      jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
    });
  }
  return { apiVersion: 1, datasources };
}

/**
 * Dashboards are files under one folder per Grafana folder; the provider re-reads them, so a change
 * needs no restart. With `community`, a second provider reads the grafana.com dashboards the init
 * container fetched, folder by folder the same way.
 */
export function buildDashboardProviders(options: { community: boolean } = { community: false }): DashboardProvidersFile {
  const provider = (name: string, path: string): DashboardProvidersFile["providers"][number] => ({
    name,
    orgId: 1,
    type: "file",
    // Code is the only source: a dashboard removed from the program is removed from Grafana.
    disableDeletion: false,
    allowUiUpdates: false,
    updateIntervalSeconds: 30,
    options: { path, foldersFromFilesStructure: true },
  });
  return {
    apiVersion: 1,
    providers: [provider("observability", GRAFANA_DASHBOARDS_DIR), ...(options.community ? [provider("community", GRAFANA_COMMUNITY_DASHBOARDS_DIR)] : [])],
  };
}

/** grafana.ini as sections of keys. Holds no secret: the admin password is read from a mounted file. */
export type GrafanaIni = Record<string, Record<string, string | number | boolean>>;

/** The URL users reach Grafana at: the Ingress host when there is one, otherwise the rootUrl setting. */
export function grafanaRootUrl(grafana: StackSettings["grafana"]): string {
  if (!grafana.ingress) return grafana.rootUrl;
  return `${grafana.ingress.tlsSecretName ? "https" : "http"}://${grafana.ingress.host}/`;
}

export function buildGrafanaIni(settings: Pick<StackSettings, "grafana">): GrafanaIni {
  const grafana = settings.grafana;
  const rootUrl = grafanaRootUrl(grafana);
  return {
    server: { http_port: GRAFANA_PORT, root_url: rootUrl },
    paths: { data: GRAFANA_DATA_DIR, provisioning: GRAFANA_PROVISIONING_DIR },
    security: {
      admin_user: grafana.adminUser,
      admin_password: `$__file{${GRAFANA_SECRETS_DIR}/${ADMIN_PASSWORD_FILE}}`,
      disable_gravatar: true,
      cookie_secure: rootUrl.startsWith("https://"),
    },
    "auth.anonymous": { enabled: false },
    users: { allow_sign_up: false },
    analytics: { reporting_enabled: false, check_for_updates: false },
    ...(grafana.plugins.length > 0 ? { plugins: { preinstall: grafana.plugins.join(",") } } : {}),
    log: { mode: "console" },
  };
}

export function toIni(ini: GrafanaIni): string {
  return Object.entries(ini)
    .map(([section, keys]) => [`[${section}]`, ...Object.entries(keys).map(([k, v]) => `${k} = ${v}`)].join("\n"))
    .join("\n\n")
    .concat("\n");
}
