/**
 * NetworkPolicies follow the settings: every destination a setting names (static targets, exporters,
 * remote write, the SMTP relay, chat webhooks, an external Loki, the object store) is allowed by
 * exactly one egress rule of the pod that connects, on its own port, and that rule lets nothing
 * wider through: not the next port, not the next address, not another namespace, not the cluster's
 * own pods. Each optional path is rendered by the same builder the component uses.
 */
import { buildNetworkPolicies } from "../../configs/network-policies";
import { parseSettings, RawSettings, SettingsError, StackSettings } from "../../configs/settings";
import { allowed, Connection, Endpoint } from "../helpers/network-policy";

/** `neighbour`: the nearest address the rule must refuse (the next one, unless the setting named a whole range). */
type Target = { kind: "ip"; ip: string; neighbour?: string } | { kind: "namespace"; namespace: string } | { kind: "internet" } | { kind: "namespaceOrInternet"; namespace: string };
interface Expected {
  what: string;
  from: string;
  to: Target;
  port: number;
  /** Allowed by a rule another path needs (the nodes', the app's): only that it is one rule is checked. */
  shared?: boolean;
}

/** An address outside the cluster (TEST-NET-2) and one inside its pod range. */
const INTERNET_IP = "198.51.100.7";
const POD_IP = "10.244.1.9";

function manifests(settings: StackSettings) {
  return buildNetworkPolicies(settings).map((p) => ({
    metadata: { name: p.name, namespace: p.namespace === "agents" ? settings.agentsNamespace : settings.namespace },
    spec: p.spec,
  }));
}

function source(settings: StackSettings, name: string): Endpoint {
  const agent = ["promtail", "alloy"].includes(name);
  return { kind: "pod", name, namespace: agent ? settings.agentsNamespace : settings.namespace, labels: { "app.kubernetes.io/name": name } };
}

function endpoint(to: Target): Endpoint {
  if (to.kind === "ip") return { kind: "ip", name: to.ip, ip: to.ip };
  if (to.kind === "internet") return { kind: "ip", name: "internet", ip: INTERNET_IP };
  return { kind: "pod", name: "target", namespace: to.namespace, labels: { app: "target" } };
}

/** Every place the rule for `to` must reach: a two-label name both as a Service and outside. */
function endpoints(to: Target): Endpoint[] {
  return to.kind === "namespaceOrInternet" ? [endpoint(to), endpoint({ kind: "internet" })] : [endpoint(to)];
}

/** Each egress rule of each policy, as a policy of its own: which of them allow the connection. */
function rulesAllowing(policies: ReturnType<typeof manifests>, connection: Connection) {
  const from = connection.from as Extract<Endpoint, { kind: "pod" }>;
  const selecting = policies.filter(
    (p) => p.metadata.namespace === from.namespace && Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => from.labels[k] === v),
  );
  return selecting.flatMap((policy) =>
    (policy.spec.egress ?? []).map((rule, i) => ({ policy: policy.metadata.name, rule: i, alone: [{ ...policy, spec: { ...policy.spec, policyTypes: ["Egress"], ingress: undefined, egress: [rule] } }] })),
  ).filter(({ alone }) => allowed(alone, connection));
}

/** What a rule for `to` must not also let through. */
function wider(to: Target, port: number): { to: Endpoint; port: number }[] {
  const samePlace = endpoint(to);
  const next = [{ to: samePlace, port: port + 1 }];
  if (to.kind === "ip") {
    const neighbour =
      to.neighbour ?? (to.ip.includes(":") ? to.ip.replace(/[0-9a-f]+$/, (g) => (parseInt(g, 16) ^ 1).toString(16)) : to.ip.replace(/\d+$/, (o) => String(Number(o) ^ 1)));
    return [...next, { to: { kind: "ip", name: "neighbour", ip: neighbour }, port }];
  }
  const otherNamespace = { to: { kind: "pod" as const, name: "other", namespace: "unrelated", labels: {} }, port };
  if (to.kind === "namespace") return [...next, otherNamespace];
  if (to.kind === "namespaceOrInternet") return [...next, otherNamespace, { to: { kind: "ip", name: "pod", ip: POD_IP }, port }];
  return [...next, { to: { kind: "ip", name: "pod", ip: POD_IP }, port }];
}

function check(settings: StackSettings, expected: Expected[]) {
  const policies = manifests(settings);
  for (const e of expected) {
    const connection: Connection = { from: source(settings, e.from), to: endpoint(e.to), port: e.port, protocol: "TCP" };
    for (const to of endpoints(e.to)) {
      expect({ what: e.what, to, rules: rulesAllowing(policies, { ...connection, to }).length }).toEqual({ what: e.what, to, rules: 1 });
    }
    const rules = rulesAllowing(policies, connection);
    if (e.shared) continue;
    for (const w of wider(e.to, e.port)) {
      const alsoExpected = expected.some((o) => o.from === e.from && o.port === w.port && JSON.stringify(endpoint(o.to)) === JSON.stringify(w.to));
      if (alsoExpected) continue;
      expect({ what: e.what, wider: w, allowed: allowed(rules[0].alone, { ...connection, to: w.to, port: w.port }) }).toEqual({ what: e.what, wider: w, allowed: false });
    }
  }
}

const parse = (values: Record<string, unknown>, secrets: RawSettings["secrets"] = {}) => parseSettings({ values, secrets });

describe("every destination a setting names gets exactly one egress rule, for its own port", () => {
  test("Prometheus: static targets and exporters by IPv4, IPv6, Service name, absolute and outside name; remote write on its port", () => {
    const settings = parse(
      {
        app: { namespaces: ["shop"], staticTargets: ["203.0.113.5:9100", "10.20.0.5:9104", "10.20.0.6:10250", "[fd00::5]:9100", "metrics.example.com:9200", "node.example.com.:9201", "api.shop:8000"] },
        exporters: { redis: "redis-exporter.db:9121", postgres: "pg-exporter.data.svc.cluster.local:9187" },
        prometheus: { remoteWrite: { url: "https://push.example.com:9443/api/v1/write", username: "1" } },
      },
      { remoteWritePassword: { secure: true } },
    );
    check(settings, [
      { what: "static target by IPv4", from: "prometheus", to: { kind: "ip", ip: "203.0.113.5" }, port: 9100 },
      { what: "static target by private IPv4", from: "prometheus", to: { kind: "ip", ip: "10.20.0.5" }, port: 9104 },
      { what: "static target on a node's address and kubelet port (the nodes' rule)", from: "prometheus", to: { kind: "ip", ip: "10.20.0.6" }, port: 10250, shared: true },
      { what: "static target by IPv6", from: "prometheus", to: { kind: "ip", ip: "fd00::5" }, port: 9100 },
      { what: "static target by outside name", from: "prometheus", to: { kind: "internet" }, port: 9200 },
      { what: "static target by absolute name", from: "prometheus", to: { kind: "internet" }, port: 9201 },
      { what: "static target in an app namespace (the app's rule)", from: "prometheus", to: { kind: "namespace", namespace: "shop" }, port: 8000, shared: true },
      { what: "redis exporter outside the app's namespaces (svc.ns: the Service, or the outside name db)", from: "prometheus", to: { kind: "namespaceOrInternet", namespace: "db" }, port: 9121 },
      { what: "postgres exporter by its full Service name", from: "prometheus", to: { kind: "namespace", namespace: "data" }, port: 9187 },
      { what: "remote write", from: "prometheus", to: { kind: "internet" }, port: 9443 },
    ]);
  });

  test("Alertmanager: the SMTP relay by address or Service name, each chat webhook on its own port", () => {
    const secrets: RawSettings["secrets"] = {
      slackWebhookUrl: { secure: true, value: "https://hooks.example.com:8443/services/T/B/X" },
      discordWebhookUrl: { secure: true, value: "https://192.0.2.10/api/webhooks/1/x" },
    };
    const byAddress = parse({ alertmanager: { smtp: { smarthost: "192.0.2.25:2525" }, slack: { enabled: true }, discord: { enabled: true } } }, secrets);
    check(byAddress, [
      { what: "SMTP relay by address", from: "alertmanager", to: { kind: "ip", ip: "192.0.2.25" }, port: 2525 },
      { what: "Slack webhook on 8443", from: "alertmanager", to: { kind: "internet" }, port: 8443 },
      { what: "Discord webhook by address", from: "alertmanager", to: { kind: "ip", ip: "192.0.2.10" }, port: 443 },
    ]);
    check(parse({ alertmanager: { smtp: { smarthost: "relay.mail:25" } } }), [{ what: "SMTP relay by svc.ns", from: "alertmanager", to: { kind: "namespaceOrInternet", namespace: "mail" }, port: 25 }]);
    check(parse({ alertmanager: { smtp: { smarthost: "relay.mail.svc:25" } } }), [{ what: "SMTP relay by its Service name", from: "alertmanager", to: { kind: "namespace", namespace: "mail" }, port: 25 }]);
    // discord.com is two labels, like svc.ns: the resolver tries a Service discord in namespace com first, then the outside name.
    const discord = parse({ alertmanager: { discord: { enabled: true } } }, { discordWebhookUrl: { secure: true, value: "https://discord.com/api/webhooks/1/x" } });
    check(discord, [{ what: "Discord webhook at discord.com", from: "alertmanager", to: { kind: "namespaceOrInternet", namespace: "com" }, port: 443 }]);
    // A webhook the program cannot read (a render's placeholder): anywhere outside the cluster on 443.
    check(parse({ alertmanager: { slack: { enabled: true } } }, { slackWebhookUrl: { secure: true } }), [
      { what: "SMTP relay outside", from: "alertmanager", to: { kind: "internet" }, port: 587 },
      { what: "Slack webhook unread", from: "alertmanager", to: { kind: "internet" }, port: 443 },
    ]);
  });

  test("Grafana and the log agent: an external Loki on its port; plugins on 443 share nothing wider", () => {
    const settings = parse(
      { externalLoki: { url: "https://logs.example.com:3443/loki/api/v1/push", username: "1" }, grafana: { plugins: ["grafana-clock-panel@2.1.8"] } },
      { externalLokiPassword: { secure: true } },
    );
    check(settings, [
      { what: "Grafana reads the external Loki", from: "grafana", to: { kind: "internet" }, port: 3443 },
      { what: "Grafana downloads plugins", from: "grafana", to: { kind: "internet" }, port: 443 },
      { what: "Promtail pushes to the external Loki", from: "promtail", to: { kind: "internet" }, port: 3443 },
    ]);
  });

  test("Loki: the object store by Service name, by address, or within its egressCidrs", () => {
    const ha = (objectStorage: Record<string, unknown>) => parse({ loki: { replicas: 3, objectStorage: { bucket: "loki", accessKeyId: "loki", ...objectStorage } } }, { lokiObjectStorageSecretKey: { secure: true } });
    check(ha({ endpoint: "minio.storage:9000" }), [{ what: "bucket by svc.ns", from: "loki", to: { kind: "namespaceOrInternet", namespace: "storage" }, port: 9000 }]);
    check(ha({ endpoint: "minio.storage.svc.cluster.local:9000" }), [{ what: "bucket by its full Service name", from: "loki", to: { kind: "namespace", namespace: "storage" }, port: 9000 }]);
    check(ha({ endpoint: "10.30.0.7:9000" }), [{ what: "bucket by address", from: "loki", to: { kind: "ip", ip: "10.30.0.7" }, port: 9000 }]);
    check(ha({ endpoint: "s3.eu-west-1.amazonaws.com:443", egressCidrs: ["52.92.0.0/17"] }), [{ what: "bucket within its CIDRs", from: "loki", to: { kind: "ip", ip: "52.92.1.1", neighbour: "52.92.128.1" }, port: 443 }]);
  });

  test("no egress rule ever has an empty `to:` (which opens every destination); egressCidrs: [] is refused", () => {
    expect(() => parse({ loki: { replicas: 3, objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", egressCidrs: [] } } }, { lokiObjectStorageSecretKey: { secure: true } })).toThrow(SettingsError);
    const everything = parse(
      {
        app: { staticTargets: ["10.20.0.5:9100"] },
        exporters: { redis: "redis-exporter.db:9121" },
        alertmanager: { slack: { enabled: true }, discord: { enabled: true }, replicas: 2 },
        grafana: { plugins: ["grafana-clock-panel@2.1.8"] },
        loki: { replicas: 3, objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki" } },
        prometheus: { remoteWrite: { url: "https://push.example.com/api/v1/write", username: "1" } },
      },
      { slackWebhookUrl: { secure: true }, discordWebhookUrl: { secure: true }, lokiObjectStorageSecretKey: { secure: true }, remoteWritePassword: { secure: true } },
    );
    const rules = buildNetworkPolicies(everything).flatMap((p) => [...(p.spec.egress ?? []).map((r) => r.to), ...(p.spec.ingress ?? []).map((r) => r.from)]);
    expect(rules.filter((peers) => peers !== undefined && peers.length === 0)).toEqual([]);
  });
});
