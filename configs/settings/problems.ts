/** How a problem with the settings reaches the user: one line per problem, naming its `observability:` key. */
import { z } from "zod";
import { unwrap } from "../pulumi-values";
import { SECRET_KEYS } from "./secrets";

/** The config namespace: every stack setting is `observability:<key>`. */
export const CONFIG_NAMESPACE = "observability";

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/** `observability:prometheus.storageGi`: the key as the user wrote it in the stack file. */
export function settingKey(path: (string | number)[]): string {
  const [top, ...rest] = path;
  return `${CONFIG_NAMESPACE}:${top}${rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
}

function allowedKeysAt(settingsSchema: z.AnyZodObject, path: (string | number)[]): string[] {
  let schema: z.ZodTypeAny = settingsSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = schema.shape[segment];
    else if (schema instanceof z.ZodArray) schema = schema.element;
    if (!schema) return [];
  }
  schema = unwrap(schema);
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  return path.length === 0 ? [...keys, ...SECRET_KEYS] : keys;
}

/** A zod issue of `settingsSchema` as the user reads it: the key, then what is allowed there. */
export function describeIssue(settingsSchema: z.AnyZodObject, issue: z.ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(settingsSchema, issue.path);
    return issue.keys.map((key) => `${settingKey([...issue.path, key])}: unknown setting; allowed here: ${allowed.join(", ")}`);
  }
  if (issue.code === "invalid_type" && issue.received === "undefined") {
    return [`${settingKey(issue.path)}: is required`];
  }
  // `.int("...")` reports a float as invalid_type: its own message says what is allowed.
  if (issue.code === "invalid_type" && !(issue.expected === "integer" && !issue.message.startsWith("Expected "))) {
    return [`${settingKey(issue.path)}: must be ${issue.expected}, got ${issue.received}`];
  }
  return [`${settingKey(issue.path)}: ${issue.message}`];
}

/** One problem per key: a value out of several bounds at once reads best as the one rule it breaks. */
export function firstPerKey(problems: string[]): string[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = problem.slice(0, problem.indexOf(": "));
    if (seen.has(key) && !problem.includes("unknown setting")) return false;
    seen.add(key);
    return true;
  });
}
