import { AlertmanagerClient } from "./grafana-alerting";
import { fileExpansion, literalProvisioning } from "./grafana-provisioning";
import { httpUrl, ServiceAddress } from "./service-address";
import { grafanaRootUrl, LOKI_PUSH_PATH, OidcSettings, StackSettings } from "./settings";
import { STACK_WEB_USER } from "./web-auth";

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
/** Grafana's `secret_key` (signs sessions, encrypts datasource secrets in its database), in the same Secret. */
export const SECRET_KEY_FILE = "secret-key";
/** The stack user's passwords to Prometheus and Alertmanager, for the datasources (and Grafana's contact points). */
export const PROMETHEUS_WEB_PASSWORD_FILE = "prometheus-web-password";
export const ALERTMANAGER_WEB_PASSWORD_FILE = "alertmanager-web-password";
/** `observability:externalLokiPassword` in Grafana's Secret, for the Loki datasource's basic auth. */
export const EXTERNAL_LOKI_PASSWORD_FILE = "external-loki-password";
/** `observability:grafanaOidcClientSecret` in Grafana's Secret, read by grafana.ini with `$__file{}`. */
export const OIDC_CLIENT_SECRET_FILE = "oidc-client-secret";
/** How Grafana's contact point logs in to the Alertmanager: the stack user, its password from Grafana's Secret. */
export const ALERTMANAGER_CLIENT: AlertmanagerClient = { user: STACK_WEB_USER, passwordFile: `${GRAFANA_SECRETS_DIR}/${ALERTMANAGER_WEB_PASSWORD_FILE}` };
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

/** Prometheus and Alertmanager answer only the stack user; Grafana reads its password from the mounted file. */
function stackUser(passwordFile: string): Pick<Datasource, "basicAuth" | "basicAuthUser" | "secureJsonData"> {
  return { basicAuth: true, basicAuthUser: STACK_WEB_USER, secureJsonData: { basicAuthPassword: fileExpansion(`${GRAFANA_SECRETS_DIR}/${passwordFile}`) } };
}

export function buildDatasources(inputs: GrafanaInputs): DatasourcesFile {
  const datasources: Datasource[] = [
    {
      name: "Prometheus",
      uid: DATASOURCE_UIDS.prometheus,
      type: "prometheus",
      access: "proxy",
      url: httpUrl(inputs.prometheus),
      ...stackUser(PROMETHEUS_WEB_PASSWORD_FILE),
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
      ...stackUser(ALERTMANAGER_WEB_PASSWORD_FILE),
      isDefault: false,
      editable: false,
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

/** How long browsers remember to reach Grafana over https only: a year, as HSTS preload lists ask. */
const HSTS_MAX_AGE_SECONDS = 31536000;

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
  // Any case: Go reads HTTPS:// as https.
  const https = /^https:/i.test(rootUrl);
  return {
    server: { http_port: GRAFANA_PORT, root_url: rootUrl },
    paths: { data: GRAFANA_DATA_DIR, provisioning: GRAFANA_PROVISIONING_DIR },
    security: {
      admin_user: grafana.adminUser,
      admin_password: `$__file{${GRAFANA_SECRETS_DIR}/${ADMIN_PASSWORD_FILE}}`,
      // Grafana's default key is public: anyone could forge its signatures and decrypt the secrets it stores.
      secret_key: `$__file{${GRAFANA_SECRETS_DIR}/${SECRET_KEY_FILE}}`,
      disable_gravatar: true,
      cookie_secure: https,
      // Behind https, browsers must never fall back to plain http for this host (HSTS).
      ...(https ? { strict_transport_security: true, strict_transport_security_max_age_seconds: HSTS_MAX_AGE_SECONDS } : {}),
    },
    "auth.anonymous": { enabled: false },
    ...(oidc ? { "auth.generic_oauth": genericOauthSection(oidc) } : {}),
    // Once SSO works the form and basic auth can go; the admin password stays valid for the CLI.
    ...(disableLoginForm ? { auth: { disable_login_form: true }, "auth.basic": { enabled: false } } : {}),
    users: { allow_sign_up: false },
    // A monitoring stack phones nowhere: no usage reports, no version or plugin checks, no news feed.
    analytics: { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false },
    news: { news_feed_enabled: false },
    // Snapshots to Grafana's public service and dashboards open to anyone with a link leave the cluster's access control.
    snapshots: { external_enabled: grafana.externalSnapshots },
    public_dashboards: { enabled: grafana.publicDashboards },
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
