/** Grafana's provisioning files expand `$NAME`, `${NAME}`, `$__env{…}` and `$__file{…}` in every string: writing text so it stays text. */

/**
 * A value as Grafana's provisioning reads it back: Grafana expands `$NAME`, `${NAME}`, `$__env{…}` and
 * `$__file{…}` in every string of a provisioning file, and reads `$$` as one `$`. Doubling every `$`
 * keeps a value as it is (a username `$__file{/etc/grafana/secrets/admin-password}` stays text).
 */
export function provisioningLiteral(value: string): string {
  return value.replace(/\$/g, "$$$$");
}

/**
 * The `$__file{…}` expansions we mean Grafana to make (a password or username read from a mounted
 * Secret), told apart from text by identity, not by value: a setting spelled exactly like one of
 * them is still text and gets its `$` doubled.
 */
const FILE_EXPANSIONS = new WeakSet<object>();

/** `$__file{path}` for a file of ours; only literalProvisioning keeps it unescaped. */
export function fileExpansion(path: string): string {
  const expansion = new String(`$__file{${path}}`);
  FILE_EXPANSIONS.add(expansion);
  return expansion as unknown as string;
}

/** Every string of a provisioning structure as a literal (provisioningLiteral), except the fileExpansion()s in it. */
export function literalProvisioning<T>(value: T): T {
  if (value instanceof String) return (FILE_EXPANSIONS.has(value) ? value.valueOf() : provisioningLiteral(value.valueOf())) as T;
  if (typeof value === "string") return provisioningLiteral(value) as T;
  if (Array.isArray(value)) return value.map((v) => literalProvisioning(v)) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literalProvisioning(v)])) as T;
  return value;
}
