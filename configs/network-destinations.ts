/**
 * Where a destination a setting names (a static target, an exporter, the SMTP relay, a webhook, the
 * object store, an external Loki or remote-write endpoint) lies, as a NetworkPolicy can select it:
 * an IP address as itself (/32 or /128), a cluster Service name as its namespace, any other name as
 * the internet (the cluster's pod and Service ranges cut out), since a policy cannot name a host.
 */
import { HostPort, parseHostPort, parseHttpUrl } from "./settings/addresses";

export interface Destination {
  /** What the egress rule selects. */
  where: { kind: "ip"; cidr: string } | { kind: "namespace"; namespace: string } | { kind: "internet" };
  port: number;
}

/**
 * The namespace a cluster DNS name points into, or undefined for a name outside the cluster:
 * `svc`, `svc.ns`, `svc.ns.svc` and `svc.ns.svc.cluster.local` (each pod's DNS search path makes the
 * short forms Service names first). `ownNamespace` is the namespace of the pod that connects. A name
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
export function addressDestination(address: Pick<HostPort, "host" | "kind" | "port">, ownNamespace: string): Destination {
  if (address.kind === "ipv4") return { where: { kind: "ip", cidr: `${address.host}/32` }, port: address.port };
  if (address.kind === "ipv6") return { where: { kind: "ip", cidr: `${address.host}/128` }, port: address.port };
  const namespace = clusterNamespaceOf(address.host, ownNamespace);
  return { where: namespace ? { kind: "namespace", namespace } : { kind: "internet" }, port: address.port };
}

/** A `host:port` setting (the settings checked its grammar). */
export function hostPortDestination(value: string, ownNamespace: string): Destination {
  const address = parseHostPort(value);
  if (!address) throw new Error(`${value}: not host:port (the settings check this first)`);
  return addressDestination(address, ownNamespace);
}

/** An http(s) URL setting (the settings checked its grammar). */
export function urlDestination(value: string, ownNamespace: string): Destination {
  const url = parseHttpUrl(value, { query: true });
  if (typeof url === "string") throw new Error(`${value}: not an http(s) URL (the settings check this first)`);
  return addressDestination(url, ownNamespace);
}
