/**
 * Where a destination a setting names (a static target, an exporter, the SMTP relay, a webhook, the
 * object store, an external Loki or remote-write endpoint) lies, as a NetworkPolicy can select it:
 * an IP address as itself (/32 or /128), a cluster Service name as its namespace, any other name as
 * the internet (the cluster's pod and Service ranges cut out), since a policy cannot name a host.
 */
import type { Probe } from "./settings";
import { HostPort, parseHostPort, parseHttpUrl } from "./settings/addresses";

export interface Destination {
  /** What the egress rule selects. */
  where:
    | { kind: "ip"; cidr: string }
    | { kind: "namespace"; namespace: string }
    | { kind: "internet" }
    /** `name.word`: the resolver tries the Service `name` in namespace `word` first, then the outside name (discord.com, github.com). */
    | { kind: "namespaceOrInternet"; namespace: string };
  /** Unset: every port and protocol (ICMP has no port). */
  port?: number;
}

/** A destination on one TCP port: everything but an ICMP probe. */
export type PortDestination = Destination & { port: number };

/**
 * The namespace a cluster DNS name points into, or undefined for a name outside the cluster:
 * `svc`, `svc.ns`, `svc.ns.svc` and `svc.ns.svc.cluster.local` (each pod's DNS search path makes the
 * short forms Service names first; `svc.ns` is also an outside name when no such Service exists). `ownNamespace` is the namespace of the pod that connects. A name
 * of three or more labels, or any name ending in a dot (absolute), is outside.
 */
export function clusterNamespaceOf(host: string, ownNamespace: string): string | undefined {
  const labels = host.toLowerCase().replace(/\.$/, "").split(".");
  const svcAt = labels.lastIndexOf("svc");
  if (svcAt >= 2 && (svcAt === labels.length - 1 || labels.slice(svcAt + 1).join(".") === "cluster.local")) return labels[svcAt - 1];
  if (host.endsWith(".")) return undefined;
  if (labels.length === 1) return ownNamespace;
  if (labels.length === 2) return labels[1];
  return undefined;
}

/** A host (an address, a cluster Service name, another name) and port. */
export function addressDestination(address: Pick<HostPort, "host" | "kind" | "port">, ownNamespace: string): PortDestination {
  if (address.kind === "ipv4") return { where: { kind: "ip", cidr: `${address.host}/32` }, port: address.port };
  if (address.kind === "ipv6") return { where: { kind: "ip", cidr: `${address.host}/128` }, port: address.port };
  const namespace = clusterNamespaceOf(address.host, ownNamespace);
  if (!namespace) return { where: { kind: "internet" }, port: address.port };
  const ambiguous = !address.host.endsWith(".") && address.host.split(".").length === 2;
  return { where: ambiguous ? { kind: "namespaceOrInternet", namespace } : { kind: "namespace", namespace }, port: address.port };
}

/** A `host:port` setting (the settings checked its grammar). */
export function hostPortDestination(value: string, ownNamespace: string): PortDestination {
  const address = parseHostPort(value);
  if (!address) throw new Error(`${value}: not host:port (the settings check this first)`);
  return addressDestination(address, ownNamespace);
}

/** An http(s) URL setting (the settings checked its grammar). */
export function urlDestination(value: string, ownNamespace: string): PortDestination {
  const url = parseHttpUrl(value, { query: true });
  if (typeof url === "string") throw new Error(`${value}: not an http(s) URL (the settings check this first)`);
  return addressDestination(url, ownNamespace);
}

/** Where a probe connects, its target read as its module reads it: icmp pings an IP address (no port), tcp_connect dials host:port, the http modules fetch a URL. */
export function probeDestination(probe: Pick<Probe, "module" | "url">, ownNamespace: string): Destination {
  if (probe.module === "icmp") {
    const cidr = `${probe.url}/${probe.url.includes(":") ? 128 : 32}`;
    return { where: { kind: "ip", cidr } };
  }
  return probe.module === "tcp_connect" ? hostPortDestination(probe.url, ownNamespace) : urlDestination(probe.url, ownNamespace);
}
