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
  "prometheusWebPassword",
  "alertmanagerWebPassword",
  "grafanaSecretKey",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * Passwords of the stack's own HTTP APIs: bcrypt reads at most 72 bytes (a longer one would be cut
 * without a word), and clients read their password file with its surrounding space trimmed
 * (Prometheus' password_file, Grafana's $__file{}), so the hash must be of exactly what they send.
 */
const WEB_PASSWORDS: readonly SecretKey[] = ["prometheusWebPassword", "alertmanagerWebPassword"];
const BCRYPT_MAX_BYTES = 72;

/** What a secret's program reads it as: a webhook is an https URL; anything else is a non-empty value. The message never holds the value. */
export function secretValueProblem(key: SecretKey, value: string): string | undefined {
  if (value.trim() === "") return "must not be empty";
  if (key.endsWith("WebhookUrl")) return urlProblem(value, ["https"], "https://hooks.example.com/services/… (the webhook carries its own credentials)");
  if (WEB_PASSWORDS.includes(key)) {
    if (value !== value.trim()) return "must not start or end with spaces or line breaks (clients trim them from the password file, bcrypt would not)";
    if (Buffer.byteLength(value) > BCRYPT_MAX_BYTES) return `must be at most ${BCRYPT_MAX_BYTES} bytes (bcrypt ignores anything after that)`;
    if (/[\u0000-\u001f\u007f]/.test(value)) return "must be one line without control characters";
  }
  return undefined;
}
