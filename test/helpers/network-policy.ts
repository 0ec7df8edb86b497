/**
 * Evaluates Kubernetes NetworkPolicies the way the API defines them: a pod selected by no policy of
 * a direction is open in that direction; a selected pod allows what any of its policies' rules allow;
 * a connection needs both the source's egress and the destination's ingress.
 */
import * as ipaddr from "ipaddr.js";

export type Endpoint = { kind: "pod"; name: string; namespace: string; labels: Record<string, string> } | { kind: "ip"; name: string; ip: string };

export interface Connection {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol: "TCP" | "UDP";
}

type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[] };

/** A label selector as metav1.LabelSelector defines it: every matchLabels entry and every expression must hold. */
const matchLabels = (selector: LabelSelector | undefined, labels: Record<string, string>) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const has = key in labels;
    if (operator === "In") return has && values.includes(labels[key]);
    if (operator === "NotIn") return !has || !values.includes(labels[key]);
    if (operator === "Exists") return has;
    return !has;
  });

/** IPv4 or IPv6; an address never lies in a range of the other family. */
function ipInCidr(ip: string, cidr: string): boolean {
  const address = ipaddr.parse(ip);
  const range = ipaddr.parseCIDR(cidr);
  return address.kind() === range[0].kind() && address.match(range);
}

/** An ipBlock matches an address in its cidr and in none of its `except` ranges. */
function peerMatches(peer: any, endpoint: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    return endpoint.kind === "ip" && ipInCidr(endpoint.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((cidr: string) => ipInCidr(endpoint.ip, cidr));
  }
  if (endpoint.kind !== "pod") return false;
  const nsLabels = { "kubernetes.io/metadata.name": endpoint.namespace };
  const nsOk = peer.namespaceSelector ? matchLabels(peer.namespaceSelector, nsLabels) : endpoint.namespace === policyNamespace;
  return nsOk && (peer.podSelector ? matchLabels(peer.podSelector, endpoint.labels) : true);
}

const portMatches = (ports: any[] | undefined, port: number, protocol: string) =>
  !ports || ports.some((p) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || p.port === port));

function directionAllows(policies: any[], self: Endpoint, other: Endpoint, port: number, protocol: string, direction: "Ingress" | "Egress"): boolean {
  if (self.kind !== "pod") return true;
  const selecting = policies.filter(
    (p) => p.metadata.namespace === self.namespace && matchLabels(p.spec.podSelector, self.labels) && (p.spec.policyTypes ?? ["Ingress"]).includes(direction),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) => {
    const rules: any[] = (direction === "Ingress" ? p.spec.ingress : p.spec.egress) ?? [];
    return rules.some((rule) => {
      const peers: any[] | undefined = direction === "Ingress" ? rule.from : rule.to;
      return portMatches(rule.ports, port, protocol) && (peers === undefined || peers.some((peer) => peerMatches(peer, other, p.metadata.namespace)));
    });
  });
}

export function allowed(policies: any[], c: Connection): boolean {
  return directionAllows(policies, c.from, c.to, c.port, c.protocol, "Egress") && directionAllows(policies, c.to, c.from, c.port, c.protocol, "Ingress");
}
