/**
 * The grammars of the programs that read our settings. Each check names the upstream rule it
 * mirrors; where a maintained parser exists (image references, CIDRs, mail addresses, URLs) it is
 * used instead of a hand-written pattern. Every function is pure and returns a problem text (what is
 * allowed) or undefined.
 */
import { parseAll as parseImageReference } from "@swimlane/docker-reference";
import * as ipaddr from "ipaddr.js";
import { isVersionTag } from "../images";
import { isIPv4, urlProblem } from "./addresses";

export { hostPortProblem, mailboxProblem, portProblem, urlProblem } from "./addresses";

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

/**
 * A metrics path Prometheus sends as it is: each target's URL is url.URL{Path: metrics_path}, whose
 * EscapedPath percent-encodes everything else (`%` itself, spaces, non-ASCII, ! ' ( ) *).
 */
export function metricsPathProblem(value: string): string | undefined {
  return /^\/[A-Za-z0-9\-._~$&+,;=:@/]*$/.test(value)
    ? undefined
    : "must be a URL path starting with /, of letters, digits and - . _ ~ $ & + , ; = : @ / (Prometheus percent-encodes anything else, % included), like /metrics";
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

/** Object names (StorageClass, IngressClass, Secret): IsDNS1123Subdomain has no limit per label, only 253 in all. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253 || !value.split(".").every((label) => DNS1123_SUBDOMAIN_LABEL.test(label))) {
    return "must be a DNS name (RFC 1123 subdomain): dot-separated labels of lowercase letters, digits and '-', at most 253 characters, e.g. ebs.csi.gp3";
  }
  return undefined;
}

/**
 * A label key (IsQualifiedName): an optional prefix, a DNS subdomain of at most 253 characters, and
 * `/`, then a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.
 */
export function labelKeyProblem(value: string): string | undefined {
  const rule = "must be a Kubernetes label key like k8s-app or app.kubernetes.io/name: an optional DNS-name prefix (at most 253 characters) and '/', then a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  const parts = value.split("/");
  if (parts.length > 2) return rule;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && (parts[0] === "" || dns1123SubdomainProblem(parts[0]))) return rule;
  return name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name) ? undefined : rule;
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
// Host names that reach DNS as they are (an Ingress host): RFC 1123 labels of at most 63
// characters, never an IP address (the Ingress API refuses one: it matches the Host header).
export function ingressHostProblem(value: string): string | undefined {
  const rule = "must be a host name like grafana.example.com (lowercase dot-separated labels of letters, digits and '-', each at most 63 characters; not an IP address)";
  if (isIPv4(value) || value.includes(":")) return rule;
  if (value.length > 253 || !value.split(".").every((label) => label.length <= 63 && DNS1123_SUBDOMAIN_LABEL.test(label))) return rule;
  return undefined;
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
  const rule =
    "must be an image reference pinned to a release tag (a version of at least major.minor, like 13.2.0, v3.14.0 or 2.9.1-debian-12-r3) or a sha256 digest; moving tags (latest, main, stable, nightly, 11) are refused; e.g. registry.example.com/grafana/grafana:13.2.0";
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
  return reference.tag !== undefined && isVersionTag(reference.tag) ? undefined : rule;
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
// net/url.Parse (as urlProblem checks it) reads a URL as written where the WHATWG parser rewrites it (case, IDNA, default port, dot
// segments). Asking for the canonical form, which both read the same, closes that gap.
export function canonicalUrlProblem(value: string, schemes: ("https" | "http")[], example: string): string | undefined {
  const problem = urlProblem(value, schemes, example);
  if (problem) return problem;
  const href = URL.canParse(value) ? new URL(value).href : undefined;
  if (href === undefined) return `must be a URL like ${example} that browsers read too (the user's browser follows it)`;
  if (value !== href && `${value}/` !== href) return `must be written in its canonical form, ${href} (Go's net/url reads the URL as written; the two must agree)`;
  return undefined;
}

/** An IPv4 (dotted quad, no leading zeros: Go's net.ParseIP) or IPv6 address. */
export function ipAddressProblem(value: string): string | undefined {
  const v4 = ipaddr.IPv4.isValidFourPartDecimal(value) && !/(^|\.)0\d/.test(value);
  const v6 = !v4 && value.includes(":") && !value.includes("%") && ipaddr.IPv6.isValid(value);
  return v4 || v6 ? undefined : "must be an IPv4 or IPv6 address like 203.0.113.10 or 2001:db8::10";
}
