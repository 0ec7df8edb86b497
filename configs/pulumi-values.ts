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
