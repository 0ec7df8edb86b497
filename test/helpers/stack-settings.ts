import { parseSettings, RawSettings, SecretKey, SettingsError, StackSettings } from "../../configs/settings";
import { rawSettingsFromStackFile } from "../../scripts/offline";

type Values = Record<string, unknown>;

const isObject = (value: unknown): value is Values => value !== null && typeof value === "object" && !Array.isArray(value);

/** `override` on top of `base`, objects merged key by key, anything else replaced. */
export function deepMerge(base: Values, override: Values): Values {
  const merged: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = isObject(value) && isObject(base[key]) ? deepMerge(base[key] as Values, value) : value;
  }
  return merged;
}

/** A stack file's settings as the program reads them (structured values JSON-decoded, secrets only as "set"). */
export const rawStackSettings = rawSettingsFromStackFile;

/**
 * A stack's settings with `overrides` merged in, validated by the same parseSettings as the program:
 * tests change a deployed stack only through settings it could set itself.
 */
export function stackSettings(stack: string, overrides: Values = {}, extraSecrets: SecretKey[] = []): StackSettings {
  const raw = rawStackSettings(stack);
  for (const key of extraSecrets) raw.secrets[key] = { secure: true };
  return parseSettings({ values: deepMerge(raw.values, overrides), secrets: raw.secrets });
}

/** The problems parseSettings reports for these values; none when it accepts them. */
export function settingsProblems(values: Values, secrets: RawSettings["secrets"] = {}): string[] {
  try {
    parseSettings({ values, secrets });
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    return err.problems;
  }
  return [];
}
