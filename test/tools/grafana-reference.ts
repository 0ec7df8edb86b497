/**
 * The keys Grafana 13.2 reads, for the blocks this program writes: grafana.ini sections (Grafana's
 * configuration reference and conf/defaults.ini; [auth.generic_oauth] from "Configure Generic OAuth
 * authentication", its configuration options table) and the provisioning files (datasources,
 * dashboard providers, alerting: "Provision Grafana" and "Create and manage alerting resources using
 * file provisioning"). Only the blocks we use are listed, each with the keys the reference gives it
 * that we might plausibly set, so a misspelt key or a new block fails the test until someone checks
 * it against the reference and adds it.
 *
 * A stand-in for running Grafana on the files: Grafana is AGPL-licensed and is not built or
 * downloaded here. Grafana ignores an unknown grafana.ini key silently, which is why this check exists.
 */
import { FREE_MAP, Shape, VALUE } from "./loki-promtail-reference";

const listOf = (shape: Shape) => ({ listOf: shape });
const values = (...keys: string[]): Shape => Object.fromEntries(keys.map((k) => [k, VALUE]));

/** grafana.ini: section → keys. */
export const GRAFANA_INI: Shape = {
  server: values("protocol", "http_addr", "http_port", "domain", "enforce_domain", "root_url", "serve_from_sub_path", "router_logging", "enable_gzip", "read_timeout"),
  paths: values("data", "temp_data_lifetime", "logs", "plugins", "provisioning"),
  security: values(
    "disable_initial_admin_creation",
    "admin_user",
    "admin_password",
    "admin_email",
    "secret_key",
    "disable_gravatar",
    "disable_brute_force_login_protection",
    "cookie_secure",
    "cookie_samesite",
    "allow_embedding",
    "strict_transport_security",
    "strict_transport_security_max_age_seconds",
    "strict_transport_security_preload",
    "strict_transport_security_subdomains",
  ),
  "auth.anonymous": values("enabled", "org_name", "org_role", "hide_version"),
  users: values("allow_sign_up", "allow_org_create", "auto_assign_org", "auto_assign_org_id", "auto_assign_org_role"),
  analytics: values("reporting_enabled", "check_for_updates", "check_for_plugin_updates"),
  plugins: values("allow_loading_unsigned_plugins", "preinstall", "preinstall_async", "preinstall_disabled", "preinstall_auto_update"),
  log: values("mode", "level"),
  news: values("news_feed_enabled"),
  snapshots: values("enabled", "external_enabled", "external_snapshot_url", "external_snapshot_name", "public_mode"),
  public_dashboards: values("enabled"),
  auth: values("login_cookie_name", "disable_login_form", "disable_signout_menu", "signout_redirect_url", "oauth_auto_login"),
  "auth.basic": values("enabled"),
  "auth.generic_oauth": values(
    "enabled",
    "name",
    "icon",
    "client_id",
    "client_secret",
    "auth_url",
    "token_url",
    "api_url",
    "auth_style",
    "scopes",
    "empty_scopes",
    "allow_sign_up",
    "auto_login",
    "login_prompt",
    "id_token_attribute_name",
    "login_attribute_path",
    "name_attribute_path",
    "email_attribute_path",
    "email_attribute_name",
    "role_attribute_path",
    "role_attribute_strict",
    "skip_org_role_sync",
    "org_attribute_path",
    "org_mapping",
    "allow_assign_grafana_admin",
    "groups_attribute_path",
    "allowed_groups",
    "allowed_organizations",
    "allowed_domains",
    "team_ids",
    "team_ids_attribute_path",
    "teams_url",
    "tls_skip_verify_insecure",
    "tls_client_cert",
    "tls_client_key",
    "tls_client_ca",
    "use_pkce",
    "use_refresh_token",
    "signout_redirect_url",
  ),
};

/** provisioning/datasources/*.yaml (apiVersion 1). */
export const DATASOURCES_FILE: Shape = {
  apiVersion: VALUE,
  deleteDatasources: listOf(values("name", "orgId")),
  datasources: listOf({
    ...values("name", "type", "access", "orgId", "uid", "url", "user", "database", "basicAuth", "basicAuthUser", "withCredentials", "isDefault", "version", "editable"),
    jsonData: FREE_MAP,
    secureJsonData: FREE_MAP,
  }),
};

/** provisioning/dashboards/*.yaml (apiVersion 1). */
export const DASHBOARD_PROVIDERS_FILE: Shape = {
  apiVersion: VALUE,
  providers: listOf({ ...values("name", "orgId", "folder", "folderUid", "type", "disableDeletion", "updateIntervalSeconds", "allowUiUpdates"), options: values("path", "foldersFromFilesStructure") }),
};

const policy: Shape = {
  ...values("orgId", "receiver", "group_by", "matchers", "object_matchers", "mute_time_intervals", "active_time_intervals", "continue", "group_wait", "group_interval", "repeat_interval"),
};

/** provisioning/alerting/*.yaml (apiVersion 1): contact points and the notification policy tree. */
export const ALERTING_FILE: Shape = {
  apiVersion: VALUE,
  contactPoints: listOf({
    ...values("orgId", "name"),
    // The Alertmanager integration's settings, as the file provisioning page lists them.
    receivers: listOf({ ...values("uid", "type", "disableResolveMessage"), settings: values("url", "basicAuthUser", "basicAuthPassword") }),
  }),
  deleteContactPoints: listOf(values("orgId", "uid")),
  policies: listOf({ ...policy, routes: listOf(policy) }),
  resetPolicies: VALUE,
};

/** grafana.ini as go-ini reads what toIni writes: `[section]` lines, then `key = value` lines. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of text.split("\n")) {
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) sections[section[1]] = current = {};
    else if (line.trim() !== "") {
      const eq = line.indexOf(" = ");
      if (!current || eq < 0) throw new Error(`grafana.ini: a line outside a section or without " = ": ${line}`);
      current[line.slice(0, eq)] = line.slice(eq + 3);
    }
  }
  return sections;
}
