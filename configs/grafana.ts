import { AlertmanagerClientFiles } from "./grafana-alerting";
import { fileExpansion, literalProvisioning } from "./grafana-provisioning";
import { httpUrl, ServiceAddress } from "./service-address";
import { grafanaRootUrl, LOKI_PUSH_PATH, OidcSettings, StackSettings } from "./settings";

export { grafanaRootUrl };

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
/** `observability:grafanaOidcClientSecret` in Grafana's Secret, read by grafana.ini with `$__file{}`. */
export const OIDC_CLIENT_SECRET_FILE = "oidc-client-secret";
/** Where the Alertmanager's client credentials (Secret keys `username`, `password`) are mounted, when it asks for them. */
export const ALERTMANAGER_CLIENT_DIR = "/etc/grafana/alertmanager-client";
export const ALERTMANAGER_CLIENT_FILES: AlertmanagerClientFiles = { usernameFile: `${ALERTMANAGER_CLIENT_DIR}/username`, passwordFile: `${ALERTMANAGER_CLIENT_DIR}/password` };
/** The path the provider sends the browser back to, under Grafana's root URL (generic OAuth). */
export const OIDC_CALLBACK_PATH = "login/generic_oauth";

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
  /** The Alertmanager's basic-auth client credentials, when its API asks for them. */
  alertmanagerClient?: AlertmanagerClientFiles;
}

/** `https://host/prefix/loki/api/v1/push` → `https://host/prefix`: the datasource URL, to which Grafana appends the query API's paths. */
export function lokiReadUrl(pushUrl: string): string {
  if (!pushUrl.endsWith(LOKI_PUSH_PATH)) throw new Error(`${pushUrl}: a Loki push URL ends in ${LOKI_PUSH_PATH} (settings/loki.ts checks this first)`);
  return pushUrl.slice(0, -LOKI_PUSH_PATH.length);
}

function lokiConnection(loki: ServiceAddress | ExternalLokiSource): Pick<Datasource, "url" | "basicAuth" | "basicAuthUser" | "secureJsonData"> {
  if (loki.kind !== "external") return { url: httpUrl(loki) };
  return {
    url: lokiReadUrl(loki.pushUrl),
    basicAuth: true,
    basicAuthUser: loki.username,
    // Grafana reads the password from the mounted Secret when it provisions.
    secureJsonData: { basicAuthPassword: fileExpansion(`${GRAFANA_SECRETS_DIR}/${EXTERNAL_LOKI_PASSWORD_FILE}`) },
  };
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
      ...(inputs.alertmanagerClient
        ? {
            basicAuth: true,
            basicAuthUser: fileExpansion(inputs.alertmanagerClient.usernameFile),
            secureJsonData: { basicAuthPassword: fileExpansion(inputs.alertmanagerClient.passwordFile) },
          }
        : {}),
      // For silences and the alert list. Grafana-managed alerts reach this Alertmanager through the
      // provisioned contact point (grafana-alerting.ts); true here would send each of them twice.
      jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
    });
  }
  return literalProvisioning({ apiVersion: 1 as const, datasources });
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
  return literalProvisioning({ apiVersion: 1 as const, providers: [provider("observability", GRAFANA_DASHBOARDS_DIR), ...(options.community ? [provider("community", GRAFANA_COMMUNITY_DASHBOARDS_DIR)] : [])] });
}

/** grafana.ini as sections of keys. Holds no secret: the admin password is read from a mounted file. */
export type GrafanaIni = Record<string, Record<string, string | number | boolean>>;


/** The exact redirect URI to register with the identity provider. */
export function oidcCallbackUrl(grafana: Pick<StackSettings["grafana"], "ingress" | "rootUrl">): string {
  return new URL(OIDC_CALLBACK_PATH, grafanaRootUrl(grafana).replace(/\/?$/, "/")).href;
}

/**
 * `[auth.generic_oauth]` (Grafana 13.2 "Configure Generic OAuth authentication"): the client secret
 * is read from the mounted Secret. The JMESPath goes between triple quotes, which go-ini reads
 * verbatim (quotes, `;` and `#` included).
 */
function genericOauthSection(oidc: OidcSettings): Record<string, string | boolean> {
  return {
    enabled: true,
    name: oidc.name,
    client_id: oidc.clientId,
    client_secret: `$__file{${GRAFANA_SECRETS_DIR}/${OIDC_CLIENT_SECRET_FILE}}`,
    scopes: oidc.scopes.join(" "),
    auth_url: oidc.authUrl,
    token_url: oidc.tokenUrl,
    api_url: oidc.apiUrl,
    ...(oidc.allowedDomains.length > 0 ? { allowed_domains: oidc.allowedDomains.join(" ") } : {}),
    ...(oidc.roleAttributePath ? { role_attribute_path: `"""${oidc.roleAttributePath}"""` } : {}),
    allow_sign_up: oidc.allowSignUp,
    auto_login: oidc.autoLogin,
    // The authorization code is bound to this login attempt (RFC 7636); every provider in the README supports it.
    use_pkce: true,
  };
}

export function buildGrafanaIni(settings: Pick<StackSettings, "grafana">): GrafanaIni {
  const grafana = settings.grafana;
  const rootUrl = grafanaRootUrl(grafana);
  const { oidc, disableLoginForm } = grafana.auth;
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
    ...(oidc ? { "auth.generic_oauth": genericOauthSection(oidc) } : {}),
    // Once SSO works the form and basic auth can go; the admin password stays valid for the CLI.
    ...(disableLoginForm ? { auth: { disable_login_form: true }, "auth.basic": { enabled: false } } : {}),
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
