import { parseDocument, visit } from "yaml";
import { z } from "zod";

/**
 * Pulumi hands a program every config value as text: a top-level value is always a string (`pulumi
 * config set cluster 2024` stores "2024"), a YAML mapping or list, or anything set with `--path`, is
 * JSON text. Inside such a structure `--path` stores "true"/"false" as booleans and integers as
 * numbers, everything else (`0.05`, `10d`) as a string (pulumi config set --help). So a value is
 * decoded only where the schema expects a structure, a number or a boolean; where it expects a
 * string, a string stays as typed and a number or boolean becomes its text (`cpu: 1`).
 *
 * Returns the value to validate, or a problem when the text is not what the schema needs (the zod
 * schema then reports the type as usual).
 */
export function decodeAsSchema(schema: z.ZodTypeAny, value: unknown): unknown {
  const target = unwrap(schema);
  if (target instanceof z.ZodObject) {
    const decoded = typeof value === "string" ? parseJson(value) : value;
    if (!isRecord(decoded)) return decoded;
    const shape = target.shape as Record<string, z.ZodTypeAny>;
    return Object.fromEntries(Object.entries(decoded).map(([key, v]) => [key, shape[key] ? decodeAsSchema(shape[key], v) : v]));
  }
  if (target instanceof z.ZodRecord) {
    const decoded = typeof value === "string" ? parseJson(value) : value;
    if (!isRecord(decoded)) return decoded;
    return Object.fromEntries(Object.entries(decoded).map(([key, v]) => [key, decodeAsSchema(target.valueSchema, v)]));
  }
  if (target instanceof z.ZodArray) {
    const decoded = typeof value === "string" ? parseJson(value) : value;
    return Array.isArray(decoded) ? decoded.map((v) => decodeAsSchema(target.element, v)) : decoded;
  }
  if (target instanceof z.ZodNumber) {
    return typeof value === "string" && JSON_NUMBER.test(value.trim()) ? Number(value.trim()) : value;
  }
  if (target instanceof z.ZodBoolean) {
    return value === "true" ? true : value === "false" ? false : value;
  }
  if (target instanceof z.ZodString || target instanceof z.ZodEnum) {
    return typeof value === "number" || typeof value === "boolean" ? String(value) : value;
  }
  return value;
}

/** JSON's number grammar: what YAML and `--path` produce; `1e400` parses to Infinity and is refused later as not finite. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** The schema under defaults, optionals and refinements. */
export function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodEffects) {
    schema = schema instanceof z.ZodEffects ? schema.innerType() : schema._def.innerType;
  }
  return schema;
}

/**
 * Keys of a stack file's `config:` that Pulumi reads as one: a key without a namespace belongs to the
 * project, so `namespace` and `observability:namespace` are the same key, and Pulumi silently keeps
 * one of them. Returns one problem per key set twice.
 */
export function duplicateConfigKeyProblems(keys: string[], project: string): string[] {
  const seen = new Map<string, string[]>();
  for (const key of keys) {
    const full = key.includes(":") ? key : `${project}:${key}`;
    seen.set(full, [...(seen.get(full) ?? []), key]);
  }
  return [...seen]
    .filter(([, spellings]) => spellings.length > 1)
    .map(([full, spellings]) => `${full}: is set ${spellings.length} times in the stack file (${spellings.join(", ")}: the same key to Pulumi); keep one`);
}

/**
 * A stack file's text as the Pulumi CLI reads it (Go's YAML decoder): anchors and aliases resolved,
 * merge keys `<<` merged (explicit keys win, then the first map merged), and a key written twice in
 * any mapping refused, as Pulumi refuses it. Returns the document, or the problem in one line.
 */
export function parseStackFileText(text: string, file: string): { config?: Record<string, unknown> } | string {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const message = doc.errors[0].message.split("\n")[0].replace(/:$/, "");
    return `${file}: ${message.replace(/^Map keys must be unique/, "a key is written twice in one mapping, which pulumi refuses")}; keep one`;
  }
  let nonFinite: string | undefined;
  visit(doc, {
    Scalar(_, node) {
      if (node.type !== "PLAIN" || typeof node.source !== "string" || typeof node.value === "symbol") return;
      node.value = resolveLikeYamlV3(node.source);
      if (typeof node.value === "number" && !Number.isFinite(node.value)) nonFinite = node.source;
    },
  });
  if (nonFinite !== undefined) return `${file}: ${nonFinite} is not a number pulumi can store (it keeps config as JSON); quote it or write a finite number`;
  return (doc.toJS() ?? {}) as { config?: Record<string, unknown> };
}

/**
 * A plain scalar as yaml.v3 resolves it when decoding into an untyped value (its resolve.go): null,
 * the YAML 1.2 booleans, integers as Go's strconv reads them with base prefixes (0x, 0o, 0b, and a
 * leading 0 for octal) after dropping every '_', floats, and anything else (timestamps included) as text.
 */
function resolveLikeYamlV3(text: string): unknown {
  if (["", "~", "null", "Null", "NULL"].includes(text)) return null;
  if (["true", "True", "TRUE"].includes(text)) return true;
  if (["false", "False", "FALSE"].includes(text)) return false;
  if ([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].includes(text)) return Infinity;
  if (["-.inf", "-.Inf", "-.INF"].includes(text)) return -Infinity;
  if ([".nan", ".NaN", ".NAN"].includes(text)) return NaN;
  const plain = text.replace(/_/g, "");
  const integer = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(plain);
  if (integer) {
    const [, sign, digits] = integer;
    const magnitude = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits.replace(/^0([oObBxX])/, (_, p: string) => `0${p.toLowerCase()}`));
    const value = sign === "-" ? -magnitude : magnitude;
    if (value >= -(2n ** 63n) && value < 2n ** 63n) return Number(value);
    if (sign === "" && value < 2n ** 64n) return Number(value);
  }
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return Number(plain);
  return timestampAsPulumiStores(text) ?? text;
}

/**
 * yaml.v3 reads `2001-01-01` (and `2001-01-01T10:00:00Z`) as a time, which Pulumi stores as Go's
 * time.String: `2001-01-01 10:00:00 +0000 UTC`. Other timestamp forms (offsets, fractions) are refused:
 * the program could not tell what Pulumi made of them.
 */
function timestampAsPulumiStores(text: string): string | undefined {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})Z)?$/.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = "0", minute = "0", second = "0"] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)} +0000 UTC`;
}

/** Keys JavaScript gives a meaning of their own: as a setting name at any depth they would change what an object is. */
const RESERVED_KEYS = ["__proto__", "constructor", "prototype"];

/** Every key named like an object's own machinery, at any depth, with where it is. */
export function reservedKeyProblems(value: unknown, path: (string | number)[], describe: (path: (string | number)[]) => string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => reservedKeyProblems(v, [...path, i], describe));
  if (!isRecord(value)) return [];
  return Object.keys(value).flatMap((key) =>
    RESERVED_KEYS.includes(key)
      ? [`${describe([...path, key])}: "${key}" is not a setting at any level (${RESERVED_KEYS.join(", ")} are refused everywhere); remove it`]
      : reservedKeyProblems(value[key], [...path, key], describe),
  );
}

/**
 * A config key whose namespace is a typo of ours (`observabilty:namespace`): Pulumi keeps it as the
 * setting of another program, and the stack silently falls back to a default. Within two edits.
 */
export function namespaceTypoProblems(keys: string[], namespace: string): string[] {
  return keys.flatMap((key) => {
    const colon = key.indexOf(":");
    const prefix = colon < 0 ? undefined : key.slice(0, colon);
    if (prefix === undefined || prefix === namespace || editDistance(prefix.toLowerCase(), namespace) > 2) return [];
    return [`${key}: unknown config namespace "${prefix}"; did you mean ${namespace}:${key.slice(colon + 1)}?`];
  });
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
