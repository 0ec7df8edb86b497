/** The secret settings: read with `config.getSecret` only, never part of the settings object. */
import { urlProblem } from "./grammars";

/**
 * Settings read with `config.getSecret` only. They never enter the settings object: parseSettings
 * sees just whether each is set, to check that what needs it has it.
 */
export const SECRET_KEYS = [
  "smtpPassword",
  "slackWebhookUrl",
  "discordWebhookUrl",
  "grafanaAdminPassword",
  "remoteWritePassword",
  "externalLokiPassword",
  "lokiObjectStorageSecretKey",
  "heartbeatUrl",
  "grafanaOidcClientSecret",
  "prometheusWebPassword",
  "alertmanagerWebPassword",
  "grafanaSecretKey",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * Secrets the program generates when they are not set (`@pulumi/random`, kept in the state,
 * encrypted): Grafana's admin password and secret key, the web passwords of Prometheus and
 * Alertmanager. Setting them all means the random provider's plugin is never needed (the tests'
 * real engine has none: README "Tested against a real control plane").
 */
export const GENERATED_SECRETS: readonly SecretKey[] = ["grafanaAdminPassword", "grafanaSecretKey", "prometheusWebPassword", "alertmanagerWebPassword"];

/** Secrets that are https URLs the stack sends to as they are (the URL carries its own token), with an example each. */
export const URL_SECRETS: Partial<Record<SecretKey, string>> = {
  slackWebhookUrl: "https://hooks.example.com/services/… (the webhook carries its own credentials)",
  discordWebhookUrl: "https://hooks.example.com/services/… (the webhook carries its own credentials)",
  heartbeatUrl: "https://hc-ping.com/<uuid> (the URL carries its own token)",
};

/**
 * Passwords of the stack's own HTTP APIs: bcrypt reads at most 72 bytes (a longer one would be cut
 * without a word), and clients read their password file with its surrounding space trimmed
 * (Prometheus' password_file, Grafana's $__file{}), so the hash must be of exactly what they send.
 */
const WEB_PASSWORDS: readonly SecretKey[] = ["prometheusWebPassword", "alertmanagerWebPassword"];
const BCRYPT_MAX_BYTES = 72;

/**
 * What a secret's program reads it as: one line (Loki reads its key inside YAML, the others are files
 * whose programs trim them: a leading or trailing space would be lost); a webhook or heartbeat is an https URL.
 * The message never holds the value.
 */
export function secretValueProblem(key: SecretKey, value: string): string | undefined {
  if (value.trim() === "") return "must not be empty";
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(value)) return "must be one line without control characters (line breaks, tabs, NEL, U+2028/U+2029)";
  if (value.trim() !== value) return "must not begin or end with whitespace (Prometheus, Alertmanager and Grafana trim the file they read it from)";
  const example = URL_SECRETS[key];
  if (example) return urlProblem(value, ["https"], example, { query: true });
  if (WEB_PASSWORDS.includes(key) && Buffer.byteLength(value) > BCRYPT_MAX_BYTES) return `must be at most ${BCRYPT_MAX_BYTES} bytes (bcrypt ignores anything after that)`;
  return undefined;
}
