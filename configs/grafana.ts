import { httpUrl, ServiceAddress } from "./service-address";
import { LOKI_PUSH_PATH, StackSettings } from "./settings";

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
/** `observability:externalLokiPassword` in Grafana's Secret, for the Loki datasource's basic auth. */
export const EXTERNAL_LOKI_PASSWORD_FILE = "external-loki-password";

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
  basicAuth?: boolean;
  basicAuthUser?: string;
  jsonData?: Record<string, unknown>;
  /** Grafana expands `$__file{path}` here when it provisions, so the file's content never sits in this file. */
  secureJsonData?: Record<string, string>;
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

/** A Loki outside the cluster (`observability:externalLoki`), read with basic auth. */
export interface ExternalLokiSource {
  kind: "external";
  /** The push URL the agents use; Grafana reads from its base. */
  pushUrl: string;
  username: string;
}

export interface GrafanaInputs {
  prometheus: ServiceAddress;
  loki?: ServiceAddress | ExternalLokiSource;
  alertmanager?: ServiceAddress;
}

/** `https://host/prefix/loki/api/v1/push` → `https://host/prefix`: the datasource URL, to which Grafana appends the query API's paths. */
export function lokiReadUrl(pushUrl: string): string {
  if (!pushUrl.endsWith(LOKI_PUSH_PATH)) throw new Error(`${pushUrl}: a Loki push URL ends in ${LOKI_PUSH_PATH} (settings/loki.ts checks this first)`);
  return pushUrl.slice(0, -LOKI_PUSH_PATH.length);
}

/**
 * A value as Grafana's provisioning reads it back: Grafana expands `$NAME`, `${NAME}`, `$__env{…}` and
 * `$__file{…}` in every string of a provisioning file, and reads `$$` as one `$`. Doubling every `$`
 * keeps a value as it is (a username `$__file{/etc/grafana/secrets/admin-password}` stays text).
 */
export function provisioningLiteral(value: string): string {
  return value.replace(/\$/g, "$$$$");
}

/** Every string of a provisioning structure as a literal, except `expansions`: the values we mean Grafana to expand. */
function literalStrings<T>(value: T, expansions: ReadonlySet<unknown>): T {
  if (expansions.has(value)) return value;
  if (typeof value === "string") return provisioningLiteral(value) as T;
  if (Array.isArray(value)) return value.map((v) => literalStrings(v, expansions)) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literalStrings(v, expansions)])) as T;
  return value;
}

function lokiConnection(loki: ServiceAddress | ExternalLokiSource): Pick<Datasource, "url" | "basicAuth" | "basicAuthUser" | "secureJsonData"> {
  if (loki.kind !== "external") return { url: httpUrl(loki) };
  return {
    url: lokiReadUrl(loki.pushUrl),
    basicAuth: true,
    basicAuthUser: loki.username,
    secureJsonData: EXTERNAL_LOKI_PASSWORD_EXPANSION,
  };
}

/** Grafana reads the password from the mounted Secret when it provisions: the one expansion we write. */
const EXTERNAL_LOKI_PASSWORD_EXPANSION = { basicAuthPassword: `$__file{${GRAFANA_SECRETS_DIR}/${EXTERNAL_LOKI_PASSWORD_FILE}}` };

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
      ...lokiConnection(inputs.loki),
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
  return literalStrings({ apiVersion: 1 as const, datasources }, new Set([EXTERNAL_LOKI_PASSWORD_EXPANSION]));
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
  return literalStrings(
    { apiVersion: 1 as const, providers: [provider("observability", GRAFANA_DASHBOARDS_DIR), ...(options.community ? [provider("community", GRAFANA_COMMUNITY_DASHBOARDS_DIR)] : [])] },
    new Set(),
  );
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
      // Any case: Go reads HTTPS:// as https.
      cookie_secure: /^https:/i.test(rootUrl),
    },
    "auth.anonymous": { enabled: false },
    users: { allow_sign_up: false },
    analytics: { reporting_enabled: false, check_for_updates: false },
    plugins: grafanaPluginSettings(grafana.plugins),
    log: { mode: "console" },
  };
}

/**
 * Grafana (11.5+) also installs a built-in list of plugins at start (the drilldown apps and some
 * datasources) and updates them to their latest version, unless preinstall is disabled. So with no
 * plugin listed nothing is downloaded; with some, only the listed versions are pinned and nothing
 * is auto-updated.
 */
export function grafanaPluginSettings(plugins: string[]): Record<string, string | boolean> {
  if (plugins.length === 0) return { preinstall_disabled: true };
  return { preinstall: plugins.join(","), preinstall_auto_update: false };
}

export function toIni(ini: GrafanaIni): string {
  return Object.entries(ini)
    .map(([section, keys]) => [`[${section}]`, ...Object.entries(keys).map(([k, v]) => `${k} = ${v}`)].join("\n"))
    .join("\n\n")
    .concat("\n");
}
