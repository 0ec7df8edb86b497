/**
 * Is the config a server reports the one we rendered? Prometheus answers /api/v1/status/config with
 * its loaded config marshalled again: every default filled in, durations in their shortest form
 * (`60s` reads `1m`), file paths made absolute against the config's folder, `${VAR}` in external
 * labels expanded; Alertmanager's /api/v2/status likewise, with matchers sorted. So the rendered file
 * must be contained in the report: every value we set is there
 * and equal, once those normalisations are applied; what Prometheus adds is ignored.
 */
import { durationToMs } from "../../configs/settings";

export interface CompareOptions {
  /** The folder of the config file the server loaded: relative paths are resolved against it. */
  configDir: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
const isDuration = (value: string) => /^(\d+(ms|s|m|h|d|w|y))+$/.test(value) && !Number.isNaN(durationToMs(value));
const ENV_REFERENCE = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

function scalarsMatch(expected: unknown, reported: unknown, key: string, options: CompareOptions): boolean {
  if (expected === reported) return true;
  if (typeof expected === "string" && typeof reported === "string") {
    if (isDuration(expected) && isDuration(reported)) return durationToMs(expected) === durationToMs(reported);
    // Environment references are expanded at load: any value fills their place.
    if (ENV_REFERENCE.test(expected)) {
      const pattern = new RegExp(`^${expected.split(ENV_REFERENCE).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
      return pattern.test(reported);
    }
    if ((key.endsWith("_file") || key === "rule_files" || key.endsWith("_files")) && !expected.startsWith("/")) {
      return reported === `${options.configDir.replace(/\/$/, "")}/${expected}`;
    }
  }
  return false;
}

/** Paths (`scrape_configs[3].job_name`) where the report lacks or differs from what was rendered; empty when it holds all of it. */
export function configDifferences(expected: unknown, reported: unknown, options: CompareOptions, at = "", key = ""): string[] {
  if (isObject(expected)) {
    if (!isObject(reported)) return [`${at || "(root)"}: missing`];
    return Object.entries(expected).flatMap(([k, v]) => configDifferences(v, reported[k], options, at ? `${at}.${k}` : k, k));
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(reported)) return [`${at}: missing`];
    if (reported.length !== expected.length) return [`${at}: ${reported.length} entries loaded, ${expected.length} rendered`];
    // Alertmanager keeps a route's or inhibit rule's matchers sorted: their order means nothing.
    if (key.endsWith("matchers")) return configDifferences([...expected].sort(), [...reported].sort(), options, at, "");
    return expected.flatMap((v, i) => configDifferences(v, reported[i], options, `${at}[${i}]`, key));
  }
  if (reported === undefined) return [`${at}: missing`];
  return scalarsMatch(expected, reported, key, options) ? [] : [`${at}: ${JSON.stringify(reported)} loaded, ${JSON.stringify(expected)} rendered`];
}
