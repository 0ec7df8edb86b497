/**
 * The grammars of the programs that read our settings. Each check names the upstream rule it
 * mirrors; where a maintained parser exists (image references, CIDRs, mail addresses, URLs) it is
 * used instead of a hand-written pattern. Every function is pure and returns a problem text (what is
 * allowed) or undefined.
 */
import { parseAll as parseImageReference } from "@swimlane/docker-reference";
import { parseOneAddress } from "email-addresses";
import * as ipaddr from "ipaddr.js";

// ---------------------------------------------------------------------------------------------
// Prometheus durations: prometheus/common model/time.go ParseDuration. Units y w d h m s ms, each at
// most once, largest first; the total, in nanoseconds, must fit an int64 (Prometheus, Alertmanager
// and Loki all read durations with this parser, and refuse to start on an overflow).
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_NS = [365n * 86400n, 7n * 86400n, 86400n, 3600n, 60n, 1n].map((s) => s * 1_000_000_000n).concat([1_000_000n]);
const MAX_INT64 = 2n ** 63n - 1n;

/** Nanoseconds of a Prometheus duration, or undefined when Prometheus would refuse it. */
export function prometheusDurationNs(text: string): bigint | undefined {
  if (text === "0") return 0n;
  const match = text === "" ? null : DURATION.exec(text);
  if (!match) return undefined;
  let total = 0n;
  for (let i = 0; i < UNIT_NS.length; i++) {
    if (match[i + 1] !== undefined) total += BigInt(match[i + 1]) * UNIT_NS[i];
    if (total > MAX_INT64) return undefined;
  }
  return total;
}

export const DURATION_RULE = "must be a duration like 15s, 5m, 12h, 30d (units ms s m h d w y, largest first, each once, above 0 and at most 292y)";

// ---------------------------------------------------------------------------------------------
// Kubernetes quantities: k8s.io/apimachinery pkg/api/resource/quantity.go, the grammar
//   <quantity> ::= <signedNumber><suffix>; <number> ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//   <suffix> ::= Ki|Mi|Gi|Ti|Pi|Ei | m|""|k|M|G|T|P|E (and n, u) | e<signedNumber> | E<signedNumber>
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E)?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A quantity's value in base units (cores, bytes), or undefined when the API server would refuse it. */
export function quantityValue(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, sign, digits, suffix = ""] = match;
  const number = Number(`${sign}${digits}`);
  const multiplier = BINARY[suffix] ?? DECIMAL[suffix] ?? 10 ** Number(suffix.slice(1));
  const value = number * multiplier;
  return Number.isFinite(value) ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes names: k8s.io/apimachinery pkg/util/validation (IsDNS1123Label, IsDNS1123Subdomain,
// IsValidLabelValue).
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    return "must be a DNS label (RFC 1123): lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
  }
  return undefined;
}

export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253 || !value.split(".").every((label) => DNS1123_SUBDOMAIN_LABEL.test(label) && label.length <= 63)) {
    return "must be a DNS name (RFC 1123 subdomain): dot-separated labels of lowercase letters, digits and '-', at most 253 characters, e.g. ebs.csi.gp3";
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value) || value === "") {
    return "must be a Kubernetes label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters";
  }
  return undefined;
}

/** Namespaces the cluster owns: a stack that deploys into one of them shares and may delete cluster state. */
export const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export function namespaceProblem(value: string): string | undefined {
  const label = dns1123LabelProblem(value);
  if (label) return label;
  if (RESERVED_NAMESPACES.includes(value) || value.startsWith("kube-")) {
    return `must not be a namespace the cluster owns (${RESERVED_NAMESPACES.join(", ")} or any kube-*)`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Host names and ports: RFC 1123 host names (what Ingress hosts and Go's net.Dial accept), IP
// addresses through ipaddr.js, ports 1-65535.
export function hostnameProblem(value: string): string | undefined {
  const lower = value.toLowerCase();
  if (lower.length > 253 || !lower.split(".").every((label) => label.length <= 63 && DNS1123_SUBDOMAIN_LABEL.test(label))) {
    return "must be a host name like grafana.example.com (dot-separated labels of letters, digits and '-')";
  }
  return undefined;
}

export function portProblem(text: string): string | undefined {
  return /^[1-9]\d{0,4}$/.test(text) && Number(text) <= 65535 ? undefined : "must be a port between 1 and 65535";
}

/** `host:port` as Go's net.SplitHostPort reads it; IPv6 addresses in brackets. */
export function hostPortProblem(value: string): string | undefined {
  const rule = "must be host:port with a port between 1 and 65535, e.g. redis-exporter.db:9121 or [fd00::1]:9121";
  const match = /^(\[([^\]]+)\]|[^:[\]]+):([^:]+)$/.exec(value);
  if (!match) return rule;
  const [, host, bracketed, port] = match;
  if (portProblem(port)) return rule;
  if (bracketed !== undefined) return ipaddr.IPv6.isValid(bracketed) && !bracketed.includes("%") ? undefined : rule;
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return undefined;
  return hostnameProblem(host) ? rule : undefined;
}

// ---------------------------------------------------------------------------------------------
// CIDRs: what Kubernetes' NetworkPolicy ipBlock accepts (Go net.ParseCIDR: dotted-quad IPv4 without
// leading zeros, or IPv6), parsed with ipaddr.js; the address must be the network's own.
export function cidrProblem(value: string): string | undefined {
  const rule = "must be a CIDR like 10.0.0.0/8 or fd00::/8, with the network's first address";
  const slash = value.indexOf("/");
  if (slash < 0 || !/^\d{1,3}$/.test(value.slice(slash + 1))) return rule;
  const address = value.slice(0, slash);
  const v4 = ipaddr.IPv4.isValidFourPartDecimal(address) && !/(^|\.)0\d/.test(address);
  const v6 = !v4 && address.includes(":") && !address.includes("%") && ipaddr.IPv6.isValid(address);
  if (!v4 && !v6) return rule;
  try {
    const [ip, bits] = ipaddr.parseCIDR(value);
    const network = ip.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(value) : ipaddr.IPv6.networkAddressFromCIDR(value);
    if (network.toString() !== ip.toString()) return `${rule} (here ${network.toString()}/${bits})`;
  } catch {
    return rule;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Image references: distribution/reference's grammar (ported by @swimlane/docker-reference), pinned:
// a tag other than latest, or a digest.
export function imageReferenceProblem(value: string): string | undefined {
  const rule = "must be an image reference pinned to a version tag or a sha256 digest (never latest), e.g. registry.example.com/grafana/grafana:13.2.0";
  if (value.length > 255 + 128 + 80) return rule;
  let reference: { tag?: string; digest?: string };
  try {
    reference = parseImageReference(value);
  } catch {
    return rule;
  }
  // The grammar allows any digest algorithm and length; the registries and the kubelet need a whole sha256 (or sha512).
  const digest = reference.digest;
  if (digest !== undefined) return /^sha256:[a-f0-9]{64}$/.test(digest) || /^sha512:[a-f0-9]{128}$/.test(digest) ? undefined : rule;
  return reference.tag !== undefined && reference.tag !== "latest" ? undefined : rule;
}

// ---------------------------------------------------------------------------------------------
// URLs, through the WHATWG URL parser (Node's URL).
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;

/** An absolute URL with one of `schemes`, a host, and no `user:password@` (it would land in a ConfigMap). */
export function urlProblem(value: string, schemes: ("https" | "http")[], example: string): string | undefined {
  const rule = `must be a ${schemes.map((s) => `${s}://`).join(" or ")} URL like ${example}`;
  if (CONTROL_OR_SPACE.test(value)) return `${rule}, without spaces or control characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return rule;
  }
  if (!schemes.some((s) => url.protocol === `${s}:`) || url.hostname === "") return rule;
  if (url.username !== "" || url.password !== "") return `${rule}, without user:password@ (it would be stored in plain text); credentials are separate settings`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Mail addresses: RFC 5322 mailboxes as Go's net/mail.ParseAddress reads them (Alertmanager parses
// `from` and `to` with it), so a display name is allowed: `Alerts <alerts@example.com>`.
export function mailboxProblem(value: string): string | undefined {
  const rule = "must be an email address like team@example.com or Alerts <alerts@example.com>";
  if (/[\u0000-\u001f\u007f]/.test(value)) return rule;
  const parsed = parseOneAddress({ input: value, rfc6532: true }) as { type?: string; domain?: string; local?: string } | null;
  if (!parsed || parsed.type !== "mailbox" || !parsed.domain || !parsed.local) return rule;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Values that reach grafana.ini (go-ini as Grafana loads it): a newline starts a new key or section,
// `;`/`#` may start a comment, `$__env{}`/`$__file{}` and `${}` are expanded, `%(key)s` interpolates.
export function iniValueProblem(value: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(value)) return "must be one line without control characters (the value is written to grafana.ini)";
  if (/[;#$`"]|%\(/.test(value)) return "must not contain ; # $ ` \" or %( (grafana.ini reads them as comments, expansions or quotes)";
  return undefined;
}

/** Text inside a Go template (alert annotations are templates): `{{` and `}}` would start or end an action. */
export function goTemplateLiteralProblem(value: string): string | undefined {
  return value.includes("{{") || value.includes("}}") ? "must not contain {{ or }} (alert annotations are Go templates)" : undefined;
}

// ---------------------------------------------------------------------------------------------
// URLs a Go program reads (blackbox-exporter's probe target, Grafana's OAuth endpoints): Go's
// net/url.Parse refuses a `%` not followed by two hex digits, which the WHATWG parser lets through,
// and reads a URL as written where the WHATWG parser rewrites it (case, IDNA, default port, dot
// segments). Asking for the canonical form, which both read the same, closes that gap.
export function canonicalUrlProblem(value: string, schemes: ("https" | "http")[], example: string): string | undefined {
  const problem = urlProblem(value, schemes, example);
  if (problem) return problem;
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) return `must be a URL like ${example} whose every % starts an escape of two hex digits (Go's net/url refuses it otherwise)`;
  const href = new URL(value).href;
  if (value !== href && `${value}/` !== href) return `must be written in its canonical form, ${href} (Go's net/url reads the URL as written; the two must agree)`;
  return undefined;
}

/** An IPv4 (dotted quad, no leading zeros: Go's net.ParseIP) or IPv6 address. */
export function ipAddressProblem(value: string): string | undefined {
  const v4 = ipaddr.IPv4.isValidFourPartDecimal(value) && !/(^|\.)0\d/.test(value);
  const v6 = !v4 && value.includes(":") && !value.includes("%") && ipaddr.IPv6.isValid(value);
  return v4 || v6 ? undefined : "must be an IPv4 or IPv6 address like 203.0.113.10 or 2001:db8::10";
}
