import * as pulumi from "@pulumi/pulumi";
// Exported by the runtime but missing from its type declarations.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };
import { CONFIG_NAMESPACE, parseSettings, RawSettings, SECRET_KEYS, SecretKey, StackSettings } from "../configs/settings";
import { StackSecrets } from "./observability-stack";

/** Every `observability:*` key of the stack, values JSON-decoded where Pulumi stored structured config. */
export function readRawSettings(): RawSettings {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const secretKeys = new Set<string>(SECRET_KEYS);
  const raw: RawSettings = { values: {}, secrets: {} };
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (secretKeys.has(key)) {
      raw.secrets[key as SecretKey] = { secure: isConfigSecret(fullKey) };
    } else {
      raw.values[key] = decode(value);
    }
  }
  return raw;
}

function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function readStackSettings(): StackSettings {
  return parseSettings(readRawSettings());
}

/** Secrets only ever as secret Outputs (`getSecret`), so their values stay encrypted in state. */
export function readStackSecrets(settings: StackSettings): StackSecrets {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const read = (key: SecretKey) => (settings.secretsSet[key] ? config.requireSecret(key) : undefined);
  return Object.fromEntries(SECRET_KEYS.map((key) => [key, read(key)]));
}
