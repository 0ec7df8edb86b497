/**
 * Basic auth in front of Prometheus' and Alertmanager's HTTP APIs (`--web.config.file`, the
 * exporter-toolkit web configuration), and how the stack's own clients find their credentials. Without
 * it any pod that can reach either server could silence every alert, delete series or read everything.
 */
import { hashSync, encodeBase64 } from "bcryptjs";
import { createHmac } from "crypto";

/** The one user the stack's own components (Grafana, Prometheus, the probes, `npm run verify`) log in as. */
export const STACK_WEB_USER = "observability";

/** The servers that answer only with basic auth, and the Secrets (in the servers' namespace) their clients read. */
export const WEB_AUTH_SERVERS = {
  prometheus: { clientSecret: "prometheus-web-client", webConfigSecret: "prometheus-web-config", passwordKey: "prometheusWebPassword" },
  alertmanager: { clientSecret: "alertmanager-web-client", webConfigSecret: "alertmanager-web-config", passwordKey: "alertmanagerWebPassword" },
} as const;
export type WebAuthServer = keyof typeof WEB_AUTH_SERVERS;

/** Keys of each client Secret: the contract `npm run verify`, Grafana and Alertmanager's clients read. */
export const CLIENT_SECRET_KEYS = { username: "username", password: "password" } as const;

/** The web config file's name inside its Secret, and where the server pod mounts it. */
export const WEB_CONFIG_FILE = "web.yml";

/** exporter-toolkit's web configuration (docs/web-configuration.md), the part this stack writes. */
export interface WebConfig {
  basic_auth_users: Record<string, string>;
}

/** Prometheus' HTTP client configuration (common/config HTTPClientConfig), as promtool and amtool read `--http.config.file`. */
export interface HttpClientConfig {
  basic_auth: { username: string; password_file: string };
}

/**
 * bcrypt's cost: exporter-toolkit checks a password once and caches the result, so each client pays
 * it once per connection pattern, not per request (about 70 ms at 10, upstream's example).
 */
const BCRYPT_COST = 10;
const BCRYPT_SALT_BYTES = 16;

/**
 * A bcrypt hash of `password` whose salt is derived from the password and `context` (the stack and the
 * server it protects) instead of drawn at random: every `pulumi up` computes the same hash, so the Secret
 * holding it changes only when the password does (a random salt would replace it on every run), and no
 * state or provider is needed to keep a salt. The context keeps two stacks, or the two servers, from
 * sharing a hash for the same password.
 */
export function bcryptHash(password: string, context: string): string {
  const saltBytes = createHmac("sha256", context).update(password).digest().subarray(0, BCRYPT_SALT_BYTES);
  const salt = `$2b$${String(BCRYPT_COST).padStart(2, "0")}$${encodeBase64(Array.from(saltBytes), BCRYPT_SALT_BYTES)}`;
  return hashSync(password, salt);
}

export function buildWebConfig(passwordHash: string): WebConfig {
  return { basic_auth_users: { [STACK_WEB_USER]: passwordHash } };
}

/** What promtool, amtool and Prometheus' own scrapes of itself send: the stack user and its password file. */
export function clientConfig(passwordFile: string): HttpClientConfig {
  return { basic_auth: { username: STACK_WEB_USER, password_file: passwordFile } };
}

/** The salt context of a server's hash: the stack's cluster label and namespace, and the server. */
export function hashContext(settings: { cluster: string; namespace: string }, server: WebAuthServer): string {
  return `${settings.cluster}/${settings.namespace}/${server}`;
}

/** The client config the probes read (no secret in it: it names the password file), beside each server's config. */
export const PROBE_CLIENT_FILE = "probe-client.yml";

/**
 * promtool's check of Prometheus' own `/-/healthy` or `/-/ready` (exit 0 only on 200), logged in as the
 * stack user: what the kubelet runs as Prometheus' liveness and readiness probes.
 */
export function promtoolCheckArgs(check: "healthy" | "ready", url: string, clientFile: string): string[] {
  return ["check", check, `--url=${url}`, `--http.config.file=${clientFile}`];
}

/**
 * amtool's `cluster show`: a GET of Alertmanager's `/api/v2/status`, which answers once the API is up
 * and the config is loaded (its `/-/healthy` and `/-/ready` say no more, and amtool cannot call them).
 */
export function amtoolStatusArgs(url: string, clientFile: string): string[] {
  return [`--alertmanager.url=${url}`, `--http.config.file=${clientFile}`, "cluster", "show"];
}
