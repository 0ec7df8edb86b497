import { parse } from "yaml";
import { allowed, Connection, Endpoint } from "../helpers/network-policy";
import { restrictedViolations } from "../helpers/pod-security";
import { containersOf, find, render, RenderResult, WORKLOAD_KINDS } from "../helpers/render";

const workloadsIn = (r: RenderResult, namespace: string) => r.manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind) && m.metadata.namespace === namespace);
const podTemplate = (r: RenderResult, name: string) => r.manifests.find((m) => WORKLOAD_KINDS.includes(m.kind) && m.metadata.name === name)!.spec.template;

describe("pod security by namespace (prod)", () => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await render({ stack: "prod" });
  });

  test("the servers' namespace enforces restricted; the agents' namespace is privileged, warned and audited at baseline", () => {
    expect(find(r, "Namespace", "monitoring").metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
    });
    expect(find(r, "Namespace", "monitoring-agents").metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/warn": "baseline",
      "pod-security.kubernetes.io/audit": "baseline",
    });
  });

  test("every pod of the servers' namespace meets the restricted profile", () => {
    const servers = workloadsIn(r, "monitoring");
    expect(servers.map((w) => w.metadata.name).sort()).toEqual(["alertmanager", "grafana", "loki", "prometheus"]);
    for (const w of servers) expect([w.metadata.name, restrictedViolations(w.spec.template.spec)]).toEqual([w.metadata.name, []]);
  });

  test("the checker catches what the agents do, so the test above can fail", () => {
    expect(restrictedViolations(podTemplate(r, "node-exporter").spec)).toEqual(
      expect.arrayContaining(["spec.hostNetwork is true", "spec.hostPID is true", "volume proc is hostPath", "container node-exporter: hostPort 9100"]),
    );
    expect(restrictedViolations(podTemplate(r, "promtail").spec)).toEqual(
      expect.arrayContaining(["spec.securityContext.runAsUser is 0", "container promtail: adds capability DAC_READ_SEARCH"]),
    );
  });

  test("the agents run in their own namespace, hardened as far as they allow, and still reach Loki by Service DNS", () => {
    for (const name of ["promtail", "node-exporter"]) {
      const w = r.manifests.find((m) => m.kind === "DaemonSet" && m.metadata.name === name)!;
      expect(w.metadata.namespace).toBe("monitoring-agents");
      for (const c of containersOf(w)) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        for (const mount of c.volumeMounts.filter((m: any) => w.spec.template.spec.volumes.find((v: any) => v.name === m.name).hostPath)) {
          if (mount.name !== "state") expect([name, mount.name, mount.readOnly]).toEqual([name, mount.name, true]);
        }
      }
    }
    expect(parse(r.files["promtail/promtail.yaml"]).clients[0].url).toBe("http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push");
    const jobs = parse(r.files["prometheus/prometheus.yml"]).scrape_configs;
    expect(jobs.find((j: any) => j.job_name === "node-exporter").kubernetes_sd_configs).toEqual([{ role: "endpoints", namespaces: { names: ["monitoring-agents"] } }]);
  });
});

describe("network policies (prod)", () => {
  let policies: any[];
  const pod = (name: string, namespace = "monitoring", labels: Record<string, string> = { "app.kubernetes.io/name": name }): Endpoint => ({ kind: "pod", name, namespace, labels });
  const servers = ["prometheus", "alertmanager", "grafana", "loki"].map((n) => pod(n));
  const outside: Endpoint[] = [
    pod("promtail", "monitoring-agents"),
    pod("ingress-controller", "ingress-nginx", { app: "ingress-nginx" }),
    pod("app", "trading", { app: "crypto-orchestrator" }),
    pod("kube-dns", "kube-system", { "k8s-app": "kube-dns" }),
    { kind: "ip", name: "node", ip: "10.0.0.5" },
    { kind: "ip", name: "internet", ip: "203.0.113.10" },
  ];
  const ports: [number, "TCP" | "UDP"][] = [
    [53, "UDP"], [53, "TCP"], [443, "TCP"], [587, "TCP"], [3000, "TCP"], [3100, "TCP"], [3101, "TCP"], [6443, "TCP"], [8000, "TCP"], [9090, "TCP"], [9093, "TCP"], [9094, "TCP"], [9094, "UDP"], [9100, "TCP"], [10250, "TCP"],
  ];
  const describeConnection = (c: Connection) => `${c.from.name} → ${c.to.name}:${c.port}/${c.protocol}`;

  /** Every path the stack needs, and nothing else. */
  const EXPECTED = new Set([
    "grafana → prometheus:9090/TCP",
    "grafana → loki:3100/TCP",
    "grafana → alertmanager:9093/TCP",
    // Plugins from grafana.com. Egress to "anywhere" includes private addresses, hence the node too.
    "grafana → internet:443/TCP",
    "grafana → node:443/TCP",
    "promtail → loki:3100/TCP",
    "ingress-controller → grafana:3000/TCP",
    "prometheus → grafana:3000/TCP",
    "prometheus → loki:3100/TCP",
    "prometheus → alertmanager:9093/TCP",
    "prometheus → node:9100/TCP",
    "prometheus → node:10250/TCP", // the kubelet, for volume usage
    "prometheus → node:443/TCP", // the API server, for discovery
    "prometheus → node:6443/TCP",
    "alertmanager → alertmanager:9094/TCP",
    "alertmanager → alertmanager:9094/UDP",
    "alertmanager → internet:587/TCP", // the SMTP relay, wherever it is
    "alertmanager → node:587/TCP",
  ]);
  const expectedOpen = (c: Connection) =>
    EXPECTED.has(describeConnection(c)) ||
    // DNS from every server; Prometheus to any pod outside the servers' namespace (annotated app pods pick their ports).
    (c.port === 53 && c.to.kind === "pod" && c.to.namespace !== "monitoring") ||
    (c.port === 53 && c.to.kind === "ip") ||
    (c.from.name === "prometheus" && c.to.kind === "pod" && c.to.namespace !== "monitoring");

  beforeAll(async () => {
    const r = await render({ stack: "prod" });
    policies = r.manifests.filter((m) => m.kind === "NetworkPolicy");
  });

  test("default deny in and out for the servers' namespace, DNS allowed", () => {
    const deny = policies.find((p) => p.metadata.name === "default-deny");
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(policies.every((p) => p.metadata.namespace === "monitoring")).toBe(true);
  });

  test("exactly the stack's paths are open between the servers and everything else", () => {
    const unexpected: string[] = [];
    const missing: string[] = [];
    for (const from of [...servers, ...outside]) {
      for (const to of [...servers, ...outside]) {
        if (!servers.includes(from) && !servers.includes(to)) continue; // no policy applies to either end
        for (const [port, protocol] of ports) {
          const c: Connection = { from, to, port, protocol };
          const isOpen = allowed(policies, c);
          if (isOpen && !expectedOpen(c)) unexpected.push(describeConnection(c));
          if (!isOpen && expectedOpen(c)) missing.push(describeConnection(c));
        }
      }
    }
    expect({ unexpected, missing }).toEqual({ unexpected: [], missing: [] });
  });

  test("dev renders no NetworkPolicy unless asked", async () => {
    const dev = await render({ stack: "dev" });
    expect(dev.manifests.filter((m) => m.kind === "NetworkPolicy")).toEqual([]);
  });
});

describe("data that survives", () => {
  test("prod protects and retains its PVCs and namespaces; Prometheus gets time to close its WAL", async () => {
    const r = await render({ stack: "prod" });
    const kept = r.resources.filter((x) => x.protect && x.retainOnDelete).map((x) => `${x.type.split(":").pop()} ${x.name}`);
    expect(kept.sort()).toEqual(
      ["Namespace observability-agents-namespace", "Namespace observability-namespace", "PersistentVolumeClaim grafana-data", "PersistentVolumeClaim loki-data", "PersistentVolumeClaim prometheus-data"].sort(),
    );
    // Alertmanager's volumes come from its StatefulSet's claim templates, which Kubernetes keeps when the set goes.
    expect(find(r, "StatefulSet", "alertmanager").spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(podTemplate(r, "prometheus").spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(300);
  });

  test("dev protects nothing, so it tears down completely", async () => {
    const r = await render({ stack: "dev" });
    expect(r.resources.filter((x) => x.protect || x.retainOnDelete)).toEqual([]);
  });
});

describe("config changes reach the pods", () => {
  // Dev's own loki settings, with one value changed.
  const devLoki = { storageGi: 5, retention: "72h" };
  const rulesOf = (r: RenderResult) => parse(r.files["prometheus/rules/alerts.yml"]).groups.flatMap((g: any) => g.rules);

  test("a change to one alert rule leaves Prometheus' pod template alone (the reloader applies it); a Loki change rolls Loki", async () => {
    const [base, oneRule, loki] = await Promise.all([
      render({ stack: "dev" }),
      render({ stack: "dev", set: ['alerts={"highDatabaseConnections":{"threshold":120}}'] }),
      render({ stack: "dev", set: [`loki=${JSON.stringify({ ...devLoki, retention: "96h" })}`] }),
    ]);
    const changed = rulesOf(oneRule).filter((rule: any, i: number) => JSON.stringify(rule) !== JSON.stringify(rulesOf(base)[i]));
    expect(changed.map((rule: any) => rule.alert)).toEqual(["HighDatabaseConnections"]);
    expect(podTemplate(oneRule, "prometheus")).toEqual(podTemplate(base, "prometheus"));
    expect(podTemplate(oneRule, "prometheus").spec.containers.map((c: any) => c.name)).toEqual(["prometheus", "config-reloader"]);

    expect(loki.files["loki/loki.yaml"]).not.toEqual(base.files["loki/loki.yaml"]);
    expect(podTemplate(loki, "loki")).not.toEqual(podTemplate(base, "loki"));
    expect(podTemplate(loki, "prometheus")).toEqual(podTemplate(base, "prometheus"));
  });

  test("a dashboard change leaves Grafana's pod template alone (the provider re-reads it); a server setting rolls Grafana", async () => {
    const [base, dashboards, server] = await Promise.all([
      render({ stack: "dev" }),
      render({ stack: "dev", set: ['app={"job":"trading-api"}'] }),
      render({ stack: "dev", set: ['grafana={"storageGi":1,"rootUrl":"http://grafana.localtest.me:3000"}'] }),
    ]);
    const application = (r: RenderResult) => r.files["grafana/dashboards/Application/observability-application.json"];
    expect(application(dashboards)).not.toEqual(application(base));
    expect(podTemplate(dashboards, "grafana")).toEqual(podTemplate(base, "grafana"));
    expect(server.files["grafana/grafana.ini"]).toContain("root_url = http://grafana.localtest.me:3000");
    expect(podTemplate(server, "grafana")).not.toEqual(podTemplate(base, "grafana"));
  });

  test("Alertmanager reloads its config through the same sidecar", async () => {
    const r = await render({ stack: "dev" });
    const reloader = podTemplate(r, "alertmanager").spec.containers.find((c: any) => c.name === "config-reloader");
    expect(reloader.args).toEqual(expect.arrayContaining(["--reload-url=http://127.0.0.1:9093/-/reload", "--watched-dir=/etc/alertmanager/config"]));
  });
});

describe("HA in prod", () => {
  test("Alertmanager: 3 gossiping replicas with their own volumes, a headless peer Service, a PDB and node spreading", async () => {
    const r = await render({ stack: "prod" });
    const set = find(r, "StatefulSet", "alertmanager");
    expect(set.spec.replicas).toBe(3);
    const args: string[] = set.spec.template.spec.containers[0].args;
    expect(args.filter((a) => a.startsWith("--cluster.peer="))).toEqual(
      [0, 1, 2].map((i) => `--cluster.peer=alertmanager-${i}.alertmanager-cluster.monitoring.svc.cluster.local:9094`),
    );
    const peers = find(r, "Service", "alertmanager-cluster");
    expect(peers.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
    expect(peers.spec.ports.map((p: any) => `${p.port}/${p.protocol}`)).toEqual(["9094/TCP", "9094/UDP"]);
    expect(set.spec.serviceName).toBe("alertmanager-cluster");
    expect(find(r, "PodDisruptionBudget", "alertmanager").spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: set.spec.selector.matchLabels } });
    expect(set.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
  });

  test("dev stays one replica each, with no PDB", async () => {
    const r = await render({ stack: "dev" });
    expect(r.manifests.filter((m) => m.kind === "StatefulSet" || m.kind === "PodDisruptionBudget")).toEqual([]);
    for (const d of r.manifests.filter((m) => m.kind === "Deployment")) expect(d.spec.replicas).toBe(1);
  });
});
