/**
 * Addresses as the Go programs that use them read them: host names and IP addresses as Go's net
 * package (net.ParseIP, the resolver's name check), `host:port` as net.SplitHostPort, URLs as
 * net/url.Parse, mail addresses as net/mail. Each grammar accepts a value only where the Go parser
 * reads it unchanged and the program can use it; where it is narrower than Go (no IPv6 zones, no
 * leading zeros in ports, no obsolete mail syntax) the comment says so. test/consumers/ compares
 * every function here with the Go parsers on generated inputs.
 */
import * as ipaddr from "ipaddr.js";

// ---------------------------------------------------------------------------------------------
// Hosts.

/** net.ParseIP's IPv4: four decimal octets 0-255 without leading zeros (Go refuses 010.0.0.1). */
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const isIPv4 = (host: string): boolean => IPV4.test(host);

/** net.ParseIP's IPv6 (no zone: `%eth0` is not an address Go's dialer takes from a config). */
export function isIPv6(host: string): boolean {
  if (!host.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(host)) return false;
  // Each group at most 4 hex digits, an embedded IPv4 only last and in Go's form.
  const lastColon = host.lastIndexOf(":");
  const tail = host.slice(lastColon + 1);
  if (tail.includes(".") && !isIPv4(tail)) return false;
  if (host.slice(0, lastColon + 1).includes(".")) return false;
  if (host.split(":").some((group) => !group.includes(".") && group.length > 4)) return false;
  return ipaddr.IPv6.isValid(host);
}

/**
 * The name check Go's resolver makes before a lookup (net.isDomainName): labels of letters, digits,
 * '_' and '-' (not first), at most 63 bytes each and 253 in all, an optional final dot (an absolute
 * name), and not all digits and dots (that would be an IPv4 address, which ParseIP refused).
 */
export function isGoDomainName(s: string): boolean {
  if (s === "." || s.length === 0 || s.length > 254 || (s.length === 254 && !s.endsWith("."))) return false;
  let last = ".";
  let nonNumeric = false;
  let partLength = 0;
  for (const c of s) {
    if (/[A-Za-z_]/.test(c)) {
      nonNumeric = true;
      partLength++;
    } else if (/[0-9]/.test(c)) {
      partLength++;
    } else if (c === "-") {
      if (last === ".") return false;
      nonNumeric = true;
      partLength++;
    } else if (c === ".") {
      if (last === "." || last === "-" || partLength > 63 || partLength === 0) return false;
      partLength = 0;
    } else {
      return false;
    }
    last = c;
  }
  return last !== "-" && partLength <= 63 && nonNumeric;
}

/** A host as Go dials it: an IPv4 address, a DNS name, or (inside brackets in host:port and URLs) an IPv6 address. */
export type HostKind = "ipv4" | "ipv6" | "name";

/** `host` outside brackets: an IPv4 address or a name; undefined when Go would not dial it. */
function hostKind(host: string, bracketed: boolean): HostKind | undefined {
  if (bracketed) return isIPv6(host) ? "ipv6" : undefined;
  if (isIPv4(host)) return "ipv4";
  return isGoDomainName(host) ? "name" : undefined;
}

// ---------------------------------------------------------------------------------------------
// Ports: 1-65535 written the way every program reads back (no sign, no leading zero).
export function portProblem(text: string): string | undefined {
  return /^[1-9]\d{0,4}$/.test(text) && Number(text) <= 65535 ? undefined : "must be a port between 1 and 65535";
}

export interface HostPort {
  host: string;
  kind: HostKind;
  port: number;
}

/**
 * `host:port` as net.SplitHostPort splits it, the host an IPv4 address, a DNS name (an absolute one
 * may end in a dot) or an IPv6 address in brackets; undefined otherwise.
 */
export function parseHostPort(value: string): HostPort | undefined {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:[\]]*)$/.exec(value);
  if (!match) return undefined;
  const [, bracketed, plain, port] = match;
  const host = bracketed ?? plain;
  const kind = hostKind(host, bracketed !== undefined);
  if (!kind || portProblem(port)) return undefined;
  return { host, kind, port: Number(port) };
}

export const HOST_PORT_RULE =
  "must be host:port, the host a DNS name (letters, digits, '-' and '_' in dot-separated labels; a final dot for an absolute name), an IPv4 address or an IPv6 address in brackets, the port between 1 and 65535, e.g. redis-exporter.db:9121, smtp.example.com.:587 or [fd00::1]:9121";

/** `host:port` as Go's net.SplitHostPort and dialer read it. */
export function hostPortProblem(value: string): string | undefined {
  return parseHostPort(value) ? undefined : HOST_PORT_RULE;
}

// ---------------------------------------------------------------------------------------------
// URLs.

export interface HttpUrl {
  /** Lowercase: `HTTPS://` reads as https everywhere (Go lowercases the scheme). */
  scheme: "http" | "https";
  host: string;
  kind: HostKind;
  /** The port named, or the scheme's (80, 443). */
  port: number;
  path: string;
  query?: string;
}

/** RFC 3986 pchar: what Go's url.Parse keeps as it is in a path. */
const PATH = /^(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*$/;
const QUERY = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})+$/;

/**
 * An http(s) URL as Go's url.Parse reads it, unchanged: scheme, a host Go dials, an optional port,
 * a path of RFC 3986 characters and percent escapes, and a query only when `query` allows it. No
 * user:password@ (it would sit in a ConfigMap), no #fragment, no spaces, nothing outside ASCII.
 */
export function parseHttpUrl(value: string, options: { query?: boolean } = {}): HttpUrl | string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/s.exec(value);
  if (!match) return "syntax";
  const [, scheme, authority, path, query, fragment] = match;
  const lower = scheme.toLowerCase();
  if (lower !== "http" && lower !== "https") return "scheme";
  if (authority.includes("@")) return "credentials";
  if (fragment !== undefined) return "fragment";
  if (query !== undefined && (!options.query || !QUERY.test(query))) return "query";
  if (!PATH.test(path)) return "path";
  const hostMatch = /^(?:\[([^\]]*)\]|([^:[\]]*))(?::([^:[\]]*))?$/.exec(authority);
  if (!hostMatch) return "host";
  const [, bracketed, plain, port] = hostMatch;
  const host = bracketed ?? plain;
  const kind = hostKind(host, bracketed !== undefined);
  if (!kind) return "host";
  if (port !== undefined && portProblem(port)) return "port";
  return { scheme: lower, host, kind, port: port !== undefined ? Number(port) : lower === "https" ? 443 : 80, path, ...(query !== undefined ? { query } : {}) };
}

/**
 * An absolute URL with one of `schemes` (any case), as Go's url.Parse reads it unchanged. `query`:
 * whether the program uses the URL as it is (a query is kept) rather than appending paths to it.
 */
export function urlProblem(value: string, schemes: ("https" | "http")[], example: string, options: { query?: boolean } = {}): string | undefined {
  const rule =
    `must be a ${schemes.map((s) => `${s}://`).join(" or ")} URL like ${example}: a host name, IPv4 or [IPv6] address, ` +
    `an optional port (1-65535) and path${options.query ? " and query" : ""}, in ASCII without spaces or control characters, #fragment or percent signs other than %XX escapes`;
  const parsed = parseHttpUrl(value, options);
  if (typeof parsed === "string") {
    if (parsed === "credentials") return `${rule}; without user:password@ (it would be stored in plain text): credentials are separate settings`;
    if (parsed === "query") return `${rule}; without ?query (the program appends paths to it)`;
    return rule;
  }
  return schemes.includes(parsed.scheme) ? undefined : rule;
}

// ---------------------------------------------------------------------------------------------
// Mail addresses: the subset of RFC 5322 that Go's net/mail (Alertmanager's from and to) reads as
// one address, unchanged: `local@domain`, optionally `Display Name <local@domain>` or
// `"Quoted, Name" <local@domain>`. Narrower than Go: no comments, no obsolete syntax, no address
// lists, no domain literals, and no { } (Alertmanager executes the field as a Go template).

const LOCAL_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`|~-]+";
const LOCAL_PART = `${LOCAL_ATOM}(?:\\.${LOCAL_ATOM})*`;
const DOMAIN_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const ADDRESS = `(${LOCAL_PART})@(${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*)`;
const PHRASE_WORD = "[\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`|~-]+";
const DISPLAY_NAME = `(?:${PHRASE_WORD}(?: ${PHRASE_WORD})*|"[^"\\\\\\p{C}\\p{Zl}\\p{Zp}]*")`;
const MAILBOX = new RegExp(`^(?:${ADDRESS}|(?:${DISPLAY_NAME} ?)?<${ADDRESS}>)$`, "u");

/** The address of a mailbox (`alerts@example.com` of `Alerts <alerts@example.com>`), or undefined when it is not one we accept. */
export function mailboxAddress(value: string): string | undefined {
  const match = MAILBOX.exec(value);
  if (!match) return undefined;
  const [local, domain] = match[1] !== undefined ? [match[1], match[2]] : [match[3], match[4]];
  return local.length <= 64 && domain.length <= 253 ? `${local}@${domain}` : undefined;
}

export function mailboxProblem(value: string): string | undefined {
  return mailboxAddress(value) !== undefined
    ? undefined
    : "must be one email address as Alertmanager's Go mail parser reads it, like team@example.com, Alerts <alerts@example.com> or \"Acme, Inc.\" <alerts@example.com> (no { }, comments or lists)";
}
