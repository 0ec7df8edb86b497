import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
// Exported by the runtime but missing from its type declarations.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };
import { duplicateConfigKeyProblems, namespaceTypoProblems, parseStackFileText } from "../configs/pulumi-values";
import { CONFIG_NAMESPACE, parseSettings, RawSettings, SECRET_KEYS, SecretKey, SettingsError, StackSettings } from "../configs/settings";
import { StackSecrets } from "./observability-stack";

/**
 * Every `observability:*` key of the stack exactly as Pulumi stores it: text, JSON text for
 * structures; parseSettings decodes by the schema. A key marked secret is never read as a plain
 * value: a secret setting is handed over only to be checked, any other secret key is refused (Pulumi
 * marks a whole top-level key secret when `--secret --path` encrypted one field inside it).
 */
export function readRawSettings(): RawSettings {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const secretKeys = new Set<string>(SECRET_KEYS);
  const raw: Required<RawSettings> = { values: {}, secrets: {}, securedValues: [] };
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    const secure = isConfigSecret(fullKey);
    if (secretKeys.has(key)) raw.secrets[key as SecretKey] = { secure, value };
    else if (secure) raw.securedValues.push(key);
    else raw.values[key] = value;
  }
  return raw;
}

/**
 * The program sees each key once, whichever spelling Pulumi kept; the stack file (next to the
 * program, where Pulumi runs it) shows whether both `namespace` and `observability:namespace` are set.
 */
function stackFileProblems(): string[] {
  const file = path.join(process.cwd(), `Pulumi.${pulumi.getStack()}.yaml`);
  if (!fs.existsSync(file)) return [];
  const doc = parseStackFileText(fs.readFileSync(file, "utf8"), path.basename(file));
  if (typeof doc === "string") return [doc];
  // The project is named after the config namespace (Pulumi.yaml), so bare keys are `observability:` keys.
  return duplicateConfigKeyProblems(Object.keys(doc.config ?? {}), CONFIG_NAMESPACE);
}

export function readStackSettings(): StackSettings {
  const problems = [...stackFileProblems(), ...namespaceTypoProblems(Object.keys(pulumi.runtime.allConfig()), CONFIG_NAMESPACE)];
  if (problems.length > 0) throw new SettingsError(problems);
  return parseSettings(readRawSettings());
}

/** Secrets only ever as secret Outputs (`getSecret`), so their values stay encrypted in state. */
export function readStackSecrets(settings: StackSettings): StackSecrets {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const read = (key: SecretKey) => (settings.secretsSet[key] ? config.requireSecret(key) : undefined);
  return Object.fromEntries(SECRET_KEYS.map((key) => [key, read(key)]));
}
