import * as ipaddr from "ipaddr.js";
import { ALERTMANAGER_MESH_PORT, ALERTMANAGER_PORT } from "./alertmanager";
import { ALLOY_HTTP_PORT } from "./alloy";
import { BLACKBOX_NAME, BLACKBOX_PORT } from "./blackbox-exporter";
import { GRAFANA_PORT } from "./grafana";
import { KSM_METRICS_PORT, KSM_TELEMETRY_PORT } from "./kube-state-metrics";
import { isLokiHa, LOKI_GRPC_PORT, LOKI_HTTP_PORT, LOKI_MEMBERLIST_PORT } from "./loki";
import { MAIL_CATCHER_SMTP_PORT } from "./mail-catcher";
import { NODE_EXPORTER_PORT, PROMETHEUS_PORT } from "./prometheus";
import { PROMTAIL_HTTP_PORT } from "./promtail";
import { addressDestination, Destination, hostPortDestination, probeDestination, urlDestination } from "./network-destinations";
import { StackSettings, WebhookKey } from "./settings";

/** The subset of networking.k8s.io/v1 NetworkPolicy this stack writes. */
export interface NetworkPolicyPort {
  port?: number;
  protocol: "TCP" | "UDP";
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
export interface NetworkPolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes: ("Ingress" | "Egress")[];
  ingress?: { from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
  egress?: { to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
}
export interface NamedNetworkPolicy {
  name: string;
  /** The stack namespace it goes to: the servers' (the default) or the agents'. */
  namespace?: "servers" | "agents";
  spec: NetworkPolicySpec;
}

export const PORTS = {
  prometheus: PROMETHEUS_PORT,
  alertmanager: ALERTMANAGER_PORT,
  alertmanagerMesh: ALERTMANAGER_MESH_PORT,
  grafana: GRAFANA_PORT,
  loki: LOKI_HTTP_PORT,
  lokiGrpc: LOKI_GRPC_PORT,
  lokiMemberlist: LOKI_MEMBERLIST_PORT,
  nodeExporter: NODE_EXPORTER_PORT,
  kubelet: 10250,
  promtail: PROMTAIL_HTTP_PORT,
  alloy: ALLOY_HTTP_PORT,
  kubeStateMetrics: KSM_METRICS_PORT,
  kubeStateMetricsTelemetry: KSM_TELEMETRY_PORT,
  mailCatcherSmtp: MAIL_CATCHER_SMTP_PORT,
  blackboxExporter: BLACKBOX_PORT,
} as const;

const tcp = (port: number): NetworkPolicyPort => ({ port, protocol: "TCP" });
const pod = (name: string): NetworkPolicyPeer => ({ podSelector: { matchLabels: { "app.kubernetes.io/name": name } } });
/** The label the API server sets on every namespace to its name. */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
const namespace = (name: string): NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } } });
const podIn = (ns: string, name: string): NetworkPolicyPeer => ({ ...namespace(ns), ...pod(name) });
/**
 * Any address outside the cluster, IPv4 and IPv6: the pod and Service ranges are cut out, so a rule
 * for an SMTP relay or a webhook never opens a path to the cluster's own pods or Services.
 */
export function internet(np: Pick<StackSettings["networkPolicies"], "podCidrs" | "serviceCidrs">): NetworkPolicyPeer[] {
  const cluster = [...np.podCidrs, ...np.serviceCidrs];
  const block = (cidr: string, except: string[]): NetworkPolicyPeer => ({ ipBlock: { cidr, ...(except.length > 0 ? { except } : {}) } });
  return [block("0.0.0.0/0", cluster.filter((c) => !c.includes(":"))), block("::/0", cluster.filter((c) => c.includes(":")))];
}
/** DNS, to the cluster DNS pods only. */
function dnsPolicy(np: StackSettings["networkPolicies"], namespace: NamedNetworkPolicy["namespace"]): NamedNetworkPolicy {
  const dnsPods: NetworkPolicyPeer = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": np.dns.namespace } }, podSelector: { matchLabels: np.dns.podLabels } };
  return { name: "allow-dns", namespace, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [dnsPods], ports: [{ port: 53, protocol: "UDP" }, tcp(53)] }] } };
}
/** Whether `range` holds the whole of `inner` (both CIDRs, one family). */
function cidrContains(range: string, inner: string): boolean {
  const [outer, outerBits] = ipaddr.parseCIDR(range);
  const [address, bits] = ipaddr.parseCIDR(inner);
  return outer.kind() === address.kind() && bits >= outerBits && address.match(outer, outerBits);
}

/** What a NetworkPolicy peer list selects for a destination. */
function peersOf(where: Destination["where"], np: StackSettings["networkPolicies"]): NetworkPolicyPeer[] {
  if (where.kind === "ip") return [{ ipBlock: { cidr: where.cidr } }];
  if (where.kind === "namespace") return [namespace(where.namespace)];
  if (where.kind === "namespaceOrInternet") return [namespace(where.namespace), ...internet(np)];
  return internet(np);
}

/**
 * One egress rule per destination, for its own port and nothing wider; destinations alike (two
 * settings naming one relay) share their rule, so exactly one rule allows each.
 */
function egressToDestinations(destinations: Destination[], np: StackSettings["networkPolicies"]): NonNullable<NetworkPolicySpec["egress"]> {
  const unique = new Map(destinations.map((d) => [JSON.stringify(d), d]));
  // A rule without ports (an ICMP probe's address) allows every protocol: how a NetworkPolicy lets ICMP through.
  return [...unique.values()].map((d) => egressTo(peersOf(d.where, np), d.port === undefined ? undefined : [tcp(d.port)]));
}

/** grafana.com, where Grafana downloads plugins and community dashboards. */
const GRAFANA_COM: Destination = { where: { kind: "internet" }, port: 443 };

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
 * Default deny in and out for both namespaces, DNS to the cluster DNS pods only, then one policy per
 * workload opening exactly the paths the stack uses: to add a workload or a path, add its entry.
 * node-exporter runs on the host network, where NetworkPolicies do not apply (its pods have the
 * node's address); Prometheus reaches it through the node CIDRs.
 */
export function buildNetworkPolicies(settings: StackSettings): NamedNetworkPolicy[] {
  const np = settings.networkPolicies;
  const agents = settings.agentsNamespace;
  const logAgent = settings.logAgent === "none" ? undefined : settings.logAgent;
  const servers = settings.namespace;
  const grafanaNeedsInternet = settings.grafana.plugins.length > 0 || settings.grafana.communityDashboards.length > 0;
  const probes = settings.prometheus.enabled && settings.probes.length > 0;
  // Grafana itself calls the provider's token and UserInfo endpoints; the browser alone visits authUrl.
  const oidc = settings.grafana.auth.oidc;
  const oidcDestinations = oidc ? [urlDestination(oidc.tokenUrl, servers), urlDestination(oidc.apiUrl, servers)] : [];
  // "all": every namespace but the stack's own, so an annotated pod's port (or a redirect) never
  // opens a path to Loki, Grafana or the agents on ports Prometheus does not otherwise use.
  const appPeers: NetworkPolicyPeer[] =
    settings.app.namespaces === "all"
      ? [{ namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "NotIn", values: [settings.namespace, agents] } ] } }]
      : settings.app.namespaces.map(namespace);
  // Each target on its port, unless the app's rule (its namespaces, any port) or the nodes' rule
  // (node-exporter's and the kubelet's ports on the node ranges) lets Prometheus reach it already.
  const appNamespaces = settings.app.namespaces;
  const appNamespace = (ns: string) => (appNamespaces === "all" ? ![servers, agents].includes(ns) : appNamespaces.includes(ns));
  const inAppNamespaces = (d: Destination) => d.where.kind === "namespace" && appNamespace(d.where.namespace);
  // `svc.ns` in an app namespace: the app's rule reaches the Service; only the outside name is left.
  const outsideHalf = (d: Destination): Destination => (d.where.kind === "namespaceOrInternet" && appNamespace(d.where.namespace) ? { ...d, where: { kind: "internet" } } : d);
  const onNodePorts = (d: Destination) =>
    d.where.kind === "ip" && [PORTS.nodeExporter, PORTS.kubelet].includes(d.port as 9100) && np.nodeCidrs.some((cidr) => cidrContains(cidr, (d.where as { cidr: string }).cidr));
  const scrapeDestinations = [...settings.app.staticTargets, ...Object.values(settings.exporters).filter((t): t is string => t !== undefined)]
    .map((target) => outsideHalf(hostPortDestination(target, servers)))
    .filter((d) => !inAppNamespaces(d) && !onNodePorts(d));

  const policies: NamedNetworkPolicy[] = [{ name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, dnsPolicy(np, "servers")];

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
          ...(settings.kubeStateMetrics.enabled ? [egressTo([pod("kube-state-metrics")], [tcp(PORTS.kubeStateMetrics), tcp(PORTS.kubeStateMetricsTelemetry)])] : []),
          ...(probes ? [egressTo([pod(BLACKBOX_NAME)], [tcp(PORTS.blackboxExporter)])] : []),
          ...egressToDestinations([...scrapeDestinations, ...(settings.prometheus.remoteWrite ? [urlDestination(settings.prometheus.remoteWrite.url, servers)] : [])], np),
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
          // Email goes to the mail catcher when it runs, else to the SMTP relay; chat and the heartbeat to each webhook's host and port.
          ...(settings.mailCatcher.enabled ? [egressTo([pod("mailpit")], [tcp(PORTS.mailCatcherSmtp)])] : []),
          ...egressToDestinations(
            [
              ...(settings.mailCatcher.enabled ? [] : [hostPortDestination(settings.alertmanager.smtp.smarthost, servers)]),
              ...(["slack", "discord"] as const).filter((chat) => settings.alertmanager[chat].enabled).map((chat) => webhookDestination(settings, chat === "slack" ? "slackWebhookUrl" : "discordWebhookUrl", 443)),
              ...heartbeatDestinations(settings),
            ],
            np,
          ),
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
          ...(settings.loki.enabled && !settings.externalLoki ? [egressTo([pod("loki")], [tcp(PORTS.loki)])] : []),
          ...(settings.alertmanager.enabled ? [egressTo([pod("alertmanager")], [tcp(PORTS.alertmanager)])] : []),
          // The Loki datasource reads from the external Loki when there is one; plugins (and
          // community dashboards) are downloaded from grafana.com at start; SSO's token and user-info endpoints.
          ...egressToDestinations([...(settings.externalLoki ? [urlDestination(settings.externalLoki.url, servers)] : []), ...(grafanaNeedsInternet ? [GRAFANA_COM] : []), ...oidcDestinations], np),
        ],
      ),
    );
  }
  if (settings.mailCatcher.enabled) {
    // Only Alertmanager mails it; `kubectl port-forward` to its inbox enters through the pod's own
    // network namespace, which NetworkPolicies do not filter (as for Grafana's port-forward).
    policies.push(forPod("mailpit", settings.alertmanager.enabled ? [ingressFrom([pod("alertmanager")], [tcp(PORTS.mailCatcherSmtp)])] : [], []));
  }
  if (settings.loki.enabled) {
    // HA: the instances gossip (memberlist) and call each other over gRPC (pushes replicated to
    // three ingesters, queries of recent data, the main compactor); chunks and index go to the bucket.
    const lokiPeers = [tcp(PORTS.lokiMemberlist), { port: PORTS.lokiMemberlist, protocol: "UDP" as const }, tcp(PORTS.lokiGrpc)];
    const objectStorage = isLokiHa(settings.loki) ? settings.loki.objectStorage : undefined;
    const bucket = objectStorage ? hostPortDestination(objectStorage.endpoint, servers) : undefined;
    policies.push(
      forPod(
        "loki",
        [
          ingressFrom([pod("grafana"), pod("prometheus"), ...(logAgent ? [podIn(agents, logAgent)] : [])], [tcp(PORTS.loki)]),
          ...(objectStorage ? [ingressFrom([pod("loki")], lokiPeers)] : []),
        ],
        [
          ...(objectStorage ? [egressTo([pod("loki")], lokiPeers)] : []),
          ...(objectStorage && bucket
            ? objectStorage.egressCidrs
              ? [egressTo(objectStorage.egressCidrs.map((cidr) => ({ ipBlock: { cidr } })), [tcp(bucket.port)])]
              : egressToDestinations([bucket], np)
            : []),
        ],
      ),
    );
  }
  if (settings.kubeStateMetrics.enabled) {
    policies.push(
      forPod(
        "kube-state-metrics",
        [...(settings.prometheus.enabled ? [ingressFrom([pod("prometheus")], [tcp(PORTS.kubeStateMetrics), tcp(PORTS.kubeStateMetricsTelemetry)])] : [])],
        // It lists and watches the cluster's objects through the API server, nothing else.
        [egressTo(np.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), np.apiServerPorts.map(tcp))],
      ),
    );
  }
  if (probes) {
    // Only Prometheus asks for probes; the exporter reaches exactly the probed hosts' ports.
    policies.push(forPod(BLACKBOX_NAME, [ingressFrom([pod("prometheus")], [tcp(PORTS.blackboxExporter)])], egressToDestinations(settings.probes.map((probe) => probeDestination(probe, settings.namespace)), np)));
  }
  policies.push(...agentPolicies(settings));
  return policies;
}

/** A webhook's host and port when the program could read the secret, else any address outside the cluster on `fallbackPort`. */
function webhookDestination(settings: StackSettings, key: WebhookKey, fallbackPort: number): Destination {
  const address = settings.webhookAddresses[key];
  return address ? addressDestination(address, settings.namespace) : { where: { kind: "internet" }, port: fallbackPort };
}

/** The heartbeat service (observability:heartbeatUrl): the ranges alertmanager.heartbeat.egressCidrs names, else where its URL points. */
function heartbeatDestinations(settings: StackSettings): Destination[] {
  if (!settings.secretsSet.heartbeatUrl) return [];
  const { egressCidrs, egressPort } = settings.alertmanager.heartbeat;
  if (egressCidrs) return egressCidrs.map((cidr): Destination => ({ where: { kind: "ip", cidr }, port: egressPort }));
  return [webhookDestination(settings, "heartbeatUrl", egressPort)];
}

/** The agents' namespace, when the stack has one (as components/observability-stack.ts decides). */
function agentPolicies(settings: StackSettings): NamedNetworkPolicy[] {
  const logAgent = settings.logAgent === "none" ? undefined : settings.logAgent;
  if (!logAgent && !settings.nodeExporter.enabled) return [];
  const np = settings.networkPolicies;
  const server = (name: string) => podIn(settings.namespace, name);
  const policies: NamedNetworkPolicy[] = [{ name: "default-deny", namespace: "agents", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, dnsPolicy(np, "agents")];
  if (logAgent) {
    const externalLoki = settings.externalLoki ? urlDestination(settings.externalLoki.url, settings.agentsNamespace) : undefined;
    policies.push({
      ...forPod(
        logAgent,
        [...(settings.prometheus.enabled ? [ingressFrom([server("prometheus")], [tcp(PORTS[logAgent])])] : [])],
        [
          // Pod discovery through the API server.
          egressTo(np.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), np.apiServerPorts.map(tcp)),
          // Every log line goes to Loki: the in-cluster one, or the external one on its port.
          ...(externalLoki ? egressToDestinations([externalLoki], np) : [egressTo([server("loki")], [tcp(PORTS.loki)])]),
        ],
      ),
      namespace: "agents",
    });
  }
  return policies;
}
