import { stringify } from "yaml";

/** Serializes a typed config object the way the upstream tools read it: no folding, no undefined keys. */
export function toYaml(value: unknown): string {
  return stringify(dropUndefined(value), { lineWidth: 0, aliasDuplicateObjects: false });
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, dropUndefined(v)]),
    );
  }
  return value;
}
