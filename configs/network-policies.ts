import { ALERTMANAGER_MESH_PORT, ALERTMANAGER_PORT } from "./alertmanager";
import { ALLOY_HTTP_PORT } from "./alloy";
import { GRAFANA_PORT } from "./grafana";
import { LOKI_HTTP_PORT } from "./loki";
import { NODE_EXPORTER_PORT, PROMETHEUS_PORT } from "./prometheus";
import { PROMTAIL_HTTP_PORT } from "./promtail";
import { StackSettings } from "./settings";

/** The subset of networking.k8s.io/v1 NetworkPolicy this stack writes. */
export interface NetworkPolicyPort {
  port?: number;
  protocol: "TCP" | "UDP";
}
export interface NetworkPolicyPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}
export interface NetworkPolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes: ("Ingress" | "Egress")[];
  ingress?: { from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
  egress?: { to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
}
export interface NamedNetworkPolicy {
  name: string;
  spec: NetworkPolicySpec;
}

export const PORTS = {
  prometheus: PROMETHEUS_PORT,
  alertmanager: ALERTMANAGER_PORT,
  alertmanagerMesh: ALERTMANAGER_MESH_PORT,
  grafana: GRAFANA_PORT,
  loki: LOKI_HTTP_PORT,
  nodeExporter: NODE_EXPORTER_PORT,
  kubelet: 10250,
  promtail: PROMTAIL_HTTP_PORT,
  alloy: ALLOY_HTTP_PORT,
} as const;

const tcp = (port: number): NetworkPolicyPort => ({ port, protocol: "TCP" });
const pod = (name: string): NetworkPolicyPeer => ({ podSelector: { matchLabels: { "app.kubernetes.io/name": name } } });
const namespace = (name: string): NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const podIn = (ns: string, name: string): NetworkPolicyPeer => ({ ...namespace(ns), ...pod(name) });
const anywhere: NetworkPolicyPeer = { ipBlock: { cidr: "0.0.0.0/0" } };
const ingressFrom = (peers: NetworkPolicyPeer[], ports: NetworkPolicyPort[]) => ({ from: peers, ports });
const egressTo = (peers: NetworkPolicyPeer[], ports?: NetworkPolicyPort[]) => ({ to: peers, ...(ports ? { ports } : {}) });

function forPod(name: string, ingress: NetworkPolicySpec["ingress"], egress: NetworkPolicySpec["egress"]): NamedNetworkPolicy {
  const policyTypes: NetworkPolicySpec["policyTypes"] = [];
  if (ingress && ingress.length > 0) policyTypes.push("Ingress");
  if (egress && egress.length > 0) policyTypes.push("Egress");
  return {
    name,
    spec: {
      podSelector: pod(name).podSelector!,
      policyTypes,
      ...(ingress && ingress.length > 0 ? { ingress } : {}),
      ...(egress && egress.length > 0 ? { egress } : {}),
    },
  };
}

/**
 * Default deny in and out for the servers' namespace, then one policy per server opening exactly
 * the paths the stack uses. The agents' namespace has none: the agents run on the host network
 * (node-exporter) or need only egress to Loki.
 */
export function buildNetworkPolicies(settings: StackSettings): NamedNetworkPolicy[] {
  const np = settings.networkPolicies;
  const agents = settings.agentsNamespace;
  const logAgent = settings.logAgent === "none" ? undefined : settings.logAgent;
  const smtpPort = Number(settings.alertmanager.smtp.smarthost.split(":").pop());
  const chatEnabled = settings.alertmanager.slack.enabled || settings.alertmanager.discord.enabled;
  const grafanaNeedsInternet = settings.grafana.plugins.length > 0 || settings.grafana.communityDashboards.length > 0;
  const appPeers: NetworkPolicyPeer[] =
    settings.app.namespaces.length > 0 ? settings.app.namespaces.map(namespace) : [{ namespaceSelector: {} }];

  const policies: NamedNetworkPolicy[] = [
    { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
    { name: "allow-dns", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: 53, protocol: "UDP" }, tcp(53)] }] } },
  ];

  if (settings.prometheus.enabled) {
    policies.push(
      forPod(
        "prometheus",
        [...(settings.grafana.enabled ? [ingressFrom([pod("grafana")], [tcp(PORTS.prometheus)])] : [])],
        [
          // Annotated app pods choose their own ports.
          egressTo(appPeers),
          egressTo(np.nodeCidrs.map((cidr) => ({ ipBlock: { cidr } })), [tcp(PORTS.nodeExporter), tcp(PORTS.kubelet)]),
          egressTo(np.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), np.apiServerPorts.map(tcp)),
          ...(settings.alertmanager.enabled ? [egressTo([pod("alertmanager")], [tcp(PORTS.alertmanager)])] : []),
          ...(settings.grafana.enabled ? [egressTo([pod("grafana")], [tcp(PORTS.grafana)])] : []),
          ...(settings.loki.enabled ? [egressTo([pod("loki")], [tcp(PORTS.loki)])] : []),
          ...(logAgent ? [egressTo([podIn(agents, logAgent)], [tcp(PORTS[logAgent])])] : []),
          ...(settings.prometheus.remoteWrite ? [egressTo([anywhere], [tcp(443)])] : []),
        ],
      ),
    );
  }
  if (settings.alertmanager.enabled) {
    const mesh = [tcp(PORTS.alertmanagerMesh), { port: PORTS.alertmanagerMesh, protocol: "UDP" as const }];
    policies.push(
      forPod(
        "alertmanager",
        [
          ingressFrom([pod("prometheus"), pod("grafana")], [tcp(PORTS.alertmanager)]),
          ...(settings.alertmanager.replicas > 1 ? [ingressFrom([pod("alertmanager")], mesh)] : []),
        ],
        [
          ...(settings.alertmanager.replicas > 1 ? [egressTo([pod("alertmanager")], mesh)] : []),
          egressTo([anywhere], [tcp(smtpPort)]),
          ...(chatEnabled ? [egressTo([anywhere], [tcp(443)])] : []),
        ],
      ),
    );
  }
  if (settings.grafana.enabled) {
    policies.push(
      forPod(
        "grafana",
        [ingressFrom([namespace(np.ingressNamespace)], [tcp(PORTS.grafana)]), ingressFrom([pod("prometheus")], [tcp(PORTS.grafana)])],
        [
          egressTo([pod("prometheus")], [tcp(PORTS.prometheus)]),
          ...(settings.loki.enabled ? [egressTo([pod("loki")], [tcp(PORTS.loki)])] : []),
          ...(settings.alertmanager.enabled ? [egressTo([pod("alertmanager")], [tcp(PORTS.alertmanager)])] : []),
          // Plugins (and community dashboards) are downloaded from grafana.com at start.
          ...(grafanaNeedsInternet ? [egressTo([anywhere], [tcp(443)])] : []),
        ],
      ),
    );
  }
  if (settings.loki.enabled) {
    policies.push(
      forPod(
        "loki",
        [
          ingressFrom([pod("grafana"), pod("prometheus"), ...(logAgent ? [podIn(agents, logAgent)] : [])], [tcp(PORTS.loki)]),
        ],
        [],
      ),
    );
  }
  return policies;
}
