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
  "grafanaOidcClientSecret",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** What a secret's program reads it as: a webhook is an https URL; anything else is a non-empty value. The message never holds the value. */
export function secretValueProblem(key: SecretKey, value: string): string | undefined {
  if (value.trim() === "") return "must not be empty";
  if (key.endsWith("WebhookUrl")) return urlProblem(value, ["https"], "https://hooks.example.com/services/… (the webhook carries its own credentials)");
  return undefined;
}
