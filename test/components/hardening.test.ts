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
    // blackbox-exporter runs because prod lists probes.
    expect(servers.map((w) => w.metadata.name).sort()).toEqual(["alertmanager", "blackbox-exporter", "grafana", "kube-state-metrics", "loki", "prometheus"]);
    for (const w of servers) expect([w.metadata.name, restrictedViolations(w.spec.template.spec)]).toEqual([w.metadata.name, []]);
  });

  test("the checker catches what the agents do, so the test above can fail", () => {
    expect(restrictedViolations(podTemplate(r, "node-exporter").spec)).toEqual(
      expect.arrayContaining(["spec.hostNetwork is true", "spec.hostPID is true", "volume proc is hostPath", "container kube-rbac-proxy: hostPort 9100"]),
    );
    expect(restrictedViolations(podTemplate(r, "promtail").spec)).toEqual(expect.arrayContaining(["spec.securityContext.runAsUser is 0", "volume pod-logs is hostPath"]));
  });

  test("a container of a hostPID pod shares its user and group with no other container of the stack", () => {
    // With the host's PID namespace a process reaches every process of its own user through
    // /proc/<pid>/root: their service account tokens and mounted secrets.
    const containers = r.manifests
      .filter((m) => WORKLOAD_KINDS.includes(m.kind))
      .flatMap((w) => {
        const pod = w.spec.template.spec;
        return containersOf(w).map((c) => ({
          where: `${w.metadata.name}/${c.name}`,
          hostPID: pod.hostPID === true,
          uid: c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser,
          gid: c.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup,
        }));
      });
    const agents = containers.filter((c) => c.hostPID);
    expect(agents.map((c) => c.where)).toEqual(["node-exporter/node-exporter", "node-exporter/kube-rbac-proxy"]);
    for (const agent of agents) {
      expect([agent.where, agent.uid, agent.gid].map((v) => v === undefined)).toEqual([false, false, false]);
      const sharing = containers.filter((c) => c !== agent && (c.uid === agent.uid || c.gid === agent.gid)).map((c) => c.where);
      expect([agent.where, sharing]).toEqual([agent.where, []]);
    }
  });

  test("node-exporter answers on the node's loopback only; Prometheus reaches it through kube-rbac-proxy with its token", () => {
    const pod = podTemplate(r, "node-exporter").spec;
    const [exporter, proxy] = pod.containers;
    expect(exporter.args).toContain("--web.listen-address=127.0.0.1:9100");
    expect(exporter.ports ?? []).toEqual([]);
    expect(proxy.args).toEqual(expect.arrayContaining(["--secure-listen-address=[$(NODE_IP)]:9100", "--upstream=http://127.0.0.1:9100/", "--allow-paths=/metrics"]));
    // Only the proxy holds a token (to ask the API server about each caller's).
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(exporter.volumeMounts.map((m: any) => m.name)).not.toContain("proxy-token");
    const job = parse(r.files["prometheus/prometheus.yml"]).scrape_configs.find((j: any) => j.job_name === "node-exporter");
    expect(job).toMatchObject({ scheme: "https", authorization: { credentials_file: "/var/run/secrets/kubernetes.io/serviceaccount/token" } });
    expect(find(r, "ClusterRole", "monitoring-prometheus").rules).toContainEqual({ nonResourceURLs: ["/metrics"], verbs: ["get"] });
  });

  test("Grafana logs in to Prometheus and Alertmanager with the passwords of its own mounted Secret", () => {
    const datasources = parse(r.files["grafana/provisioning/datasources/datasources.yaml"]).datasources;
    const grafana = podTemplate(r, "grafana").spec;
    const secretDir = grafana.containers[0].volumeMounts.find((m: any) => m.name === "admin").mountPath;
    const secret = find(r, "Secret", grafana.volumes.find((v: any) => v.name === "admin").secret.secretName);
    for (const uid of ["prometheus", "alertmanager"]) {
      const ds = datasources.find((d: any) => d.uid === uid);
      expect(ds).toMatchObject({ basicAuth: true, basicAuthUser: "observability", secureJsonData: { basicAuthPassword: `$__file{${secretDir}/${uid}-web-password}` } });
      expect(Object.keys(secret.stringData)).toContain(`${uid}-web-password`);
    }
    expect(r.files["grafana/grafana.ini"]).toContain(`secret_key = $__file{${secretDir}/secret-key}`);
  });

  test("the log agent reads /var/log through the adm group (GID 4), not a capability", () => {
    expect(podTemplate(r, "promtail").spec.securityContext).toMatchObject({ runAsUser: 0, supplementalGroups: [4] });
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
    expect(jobs.find((j: any) => j.job_name === "node-exporter").kubernetes_sd_configs).toEqual([{ role: "endpointslice", namespaces: { names: ["monitoring-agents"] } }]);
  });
});

/** Keycloak in the cluster, for SSO and probes that stay inside it. */
const KEYCLOAK = "http://keycloak.auth.svc.cluster.local:8080/realms/ops/protocol/openid-connect";
const withSso = (oidc: Record<string, unknown>) =>
  `grafana=${JSON.stringify({ storageGi: 10, ingress: { host: "grafana.example.com", tlsSecretName: "grafana-tls" }, auth: { oidc: { clientId: "grafana", ...oidc } } })}`;
/**
 * Each variant: the stack, what it sets on top of its file, and the paths it opens besides its
 * stack's own. An icmp probe's rule has no port (a NetworkPolicy has no ICMP port), so it opens
 * every port of that one address.
 */
const VARIANTS: [string, { stack: string; set?: string[]; setSecret?: string[] }, (c: string) => boolean][] = [
  ["prod", { stack: "prod" }, () => false],
  ["dev", { stack: "dev" }, () => false],
  [
    "dev with ICMP, TCP and in-cluster probes, and SSO through Keycloak in the cluster",
    {
      stack: "dev",
      set: [
        `probes=${JSON.stringify([
          { name: "edge-router", url: "203.0.113.10", module: "icmp" },
          { name: "node-exporter", url: "10.0.0.5:9100", module: "tcp_connect" },
          { name: "keycloak", url: "http://keycloak.auth.svc.cluster.local:8080/health/ready" },
        ])}`,
        'blackboxExporter={"allowIcmp":true}',
        withSso({ authUrl: "https://sso.example.com/realms/ops/protocol/openid-connect/auth", tokenUrl: `${KEYCLOAK}/token`, apiUrl: `${KEYCLOAK}/userinfo` }),
      ],
      setSecret: ["grafanaOidcClientSecret=not-a-real-secret"],
    },
    (c) =>
      ["prometheus → blackbox-exporter:9115/TCP", "blackbox-exporter → node:9100/TCP", "blackbox-exporter → keycloak:8080/TCP", "grafana → keycloak:8080/TCP"].includes(c) ||
      c.startsWith("blackbox-exporter → internet:"),
  ],
  [
    "prod with SSO through Google",
    {
      stack: "prod",
      set: [withSso({ authUrl: "https://accounts.google.com/o/oauth2/v2/auth", tokenUrl: "https://oauth2.googleapis.com/token", apiUrl: "https://openidconnect.googleapis.com/v1/userinfo" })],
      setSecret: ["grafanaOidcClientSecret=not-a-real-secret"],
    },
    (c) => ["grafana → internet:443/TCP", "grafana → internet-v6:443/TCP"].includes(c),
  ],
];

describe.each(VARIANTS)("network policies (%s)", (_, options, alsoOpen) => {
  const stack = options.stack;
  let policies: any[];
  const pod = (name: string, namespace = "monitoring", labels: Record<string, string> = { "app.kubernetes.io/name": name }): Endpoint => ({ kind: "pod", name, namespace, labels });
  const ip = (name: string, address: string): Endpoint => ({ kind: "ip", name, ip: address });
  const servers = ["prometheus", "alertmanager", "grafana", "loki", "kube-state-metrics", "mailpit", "blackbox-exporter"].map((n) => pod(n));
  // node-exporter runs on the host network: NetworkPolicies never apply to it; it is the "node" address.
  const agents = [pod("promtail", "monitoring-agents")];
  const policed = [...servers, ...agents];
  const outside: Endpoint[] = [
    pod("ingress-controller", "ingress-nginx", { app: "ingress-nginx" }),
    pod("app", "trading", { app: "crypto-orchestrator" }),
    pod("kube-dns", "kube-system", { "k8s-app": "kube-dns" }),
    pod("kube-proxy", "kube-system", { "k8s-app": "kube-proxy" }),
    pod("keycloak", "auth", { app: "keycloak" }),
    ip("node", "10.0.0.5"),
    ip("pod-ip", "10.244.1.7"),
    ip("service-ip", "10.96.0.10"),
    ip("internet", "203.0.113.10"),
    ip("internet-v6", "2001:db8::10"),
  ];
  const ports: [number, "TCP" | "UDP"][] = [
    [53, "UDP"], [53, "TCP"], [443, "TCP"], [587, "TCP"], [1025, "TCP"], [3000, "TCP"], [3100, "TCP"], [3101, "TCP"], [6443, "TCP"], [8000, "TCP"], [8080, "TCP"], [8081, "TCP"], [9090, "TCP"], [9093, "TCP"], [9094, "TCP"], [9094, "UDP"], [9100, "TCP"], [10250, "TCP"],
  ];
  const describeConnection = (c: Connection) => `${c.from.name} → ${c.to.name}:${c.port}/${c.protocol}`;

  /** Every path both stacks need. */
  const COMMON = [
    "grafana → prometheus:9090/TCP",
    "grafana → loki:3100/TCP",
    "grafana → alertmanager:9093/TCP",
    "promtail → loki:3100/TCP",
    "ingress-controller → grafana:3000/TCP",
    "prometheus → grafana:3000/TCP",
    "prometheus → loki:3100/TCP",
    "prometheus → alertmanager:9093/TCP",
    "prometheus → promtail:3101/TCP",
    // kube-state-metrics: its object metrics and its own (list/watch errors); it reads the API server.
    "prometheus → kube-state-metrics:8080/TCP",
    "prometheus → kube-state-metrics:8081/TCP",
  ];
  /** Per stack: prod's Alertmanager gossips and mails the relay on the internet; dev's mails its catcher. */
  const BY_STACK: Record<string, string[]> = {
    prod: [
      "alertmanager → alertmanager:9094/TCP",
      "alertmanager → alertmanager:9094/UDP",
      // The SMTP relay on the internet, IPv4 or IPv6; never the node, a pod or a Service address.
      "alertmanager → internet:587/TCP",
      "alertmanager → internet-v6:587/TCP",
      // Prod's probes (Pulumi.prod.yaml): two public https sites and the backend's Service in trading.
      "prometheus → blackbox-exporter:9115/TCP",
      "blackbox-exporter → internet:443/TCP",
      "blackbox-exporter → internet-v6:443/TCP",
      "blackbox-exporter → app:8000/TCP",
    ],
    dev: ["alertmanager → mailpit:1025/TCP"],
  };
  /** The private ranges the node and API server settings default to (nodeCidrs, apiServerCidrs). */
  const privateAddress = (e: Endpoint) => e.kind === "ip" && ["node", "pod-ip", "service-ip"].includes(e.name);
  const expectedOpen = (c: Connection) =>
    [...COMMON, ...BY_STACK[stack]].includes(describeConnection(c)) ||
    alsoOpen(describeConnection(c)) ||
    // DNS from every pod of both namespaces, to the cluster DNS pods only.
    (c.port === 53 && c.to.name === "kube-dns" && policed.includes(c.from)) ||
    // Prometheus to the app's namespaces only (annotated app pods pick their ports): prod lists
    // trading; dev takes "all", every namespace but the stack's own.
    (c.from.name === "prometheus" && c.to.kind === "pod" && (stack === "prod" ? c.to.namespace === "trading" : !["monitoring", "monitoring-agents"].includes(c.to.namespace))) ||
    // Node exporters and kubelets; the API server for discovery (Prometheus, kube-state-metrics, the log agent).
    (c.from.name === "prometheus" && privateAddress(c.to) && [9100, 10250].includes(c.port)) ||
    (["prometheus", "kube-state-metrics", "promtail"].includes(c.from.name) && privateAddress(c.to) && [443, 6443].includes(c.port));

  beforeAll(async () => {
    const r = await render(options);
    policies = r.manifests.filter((m) => m.kind === "NetworkPolicy");
  });

  test("default deny in and out for both namespaces; DNS only to the cluster DNS pods", () => {
    for (const namespace of ["monitoring", "monitoring-agents"]) {
      const deny = policies.find((p) => p.metadata.name === "default-deny" && p.metadata.namespace === namespace);
      expect([namespace, deny?.spec]).toEqual([namespace, { podSelector: {}, policyTypes: ["Ingress", "Egress"] }]);
      const dns = policies.find((p) => p.metadata.name === "allow-dns" && p.metadata.namespace === namespace);
      expect(dns.spec.egress[0].to).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }]);
    }
    expect([...new Set(policies.map((p) => p.metadata.namespace))].sort()).toEqual(["monitoring", "monitoring-agents"]);
  });

  test("exactly the stack's paths are open between both namespaces and everything else", () => {
    const unexpected: string[] = [];
    const missing: string[] = [];
    for (const from of [...policed, ...outside]) {
      for (const to of [...policed, ...outside]) {
        if (!policed.includes(from) && !policed.includes(to)) continue; // no policy applies to either end
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
});

describe("blackbox-exporter allowed to ping", () => {
  let r: RenderResult;
  beforeAll(async () => {
    // The network policies' variant with an icmp probe: the same options, so the same (cached) render.
    r = await render(VARIANTS.find(([, options]) => options.set?.includes('blackboxExporter={"allowIcmp":true}'))![1]);
  });

  test("pings through unprivileged ICMP sockets: the namespaced sysctl for its own group, no capability, still restricted", () => {
    const spec = podTemplate(r, "blackbox-exporter").spec;
    expect(spec.securityContext.sysctls).toEqual([{ name: "net.ipv4.ping_group_range", value: `${spec.securityContext.runAsGroup} ${spec.securityContext.runAsGroup}` }]);
    expect(spec.containers[0].securityContext.capabilities).toEqual({ drop: ["ALL"] });
    expect(restrictedViolations(spec)).toEqual([]);
    expect(parse(r.files["blackbox-exporter/blackbox.yml"]).modules.icmp).toMatchObject({ prober: "icmp" });
  });

  test("the checker refuses a sysctl outside the safe set, so the test above can fail", () => {
    const spec = { ...podTemplate(r, "blackbox-exporter").spec };
    spec.securityContext = { ...spec.securityContext, sysctls: [{ name: "net.core.somaxconn", value: "1024" }] };
    expect(restrictedViolations(spec)).toEqual(["spec.securityContext.sysctls: net.core.somaxconn is not a safe sysctl"]);
  });

  test("without allowIcmp the exporter has no icmp module and no sysctl", async () => {
    const prod = await render({ stack: "prod" });
    expect(parse(prod.files["blackbox-exporter/blackbox.yml"]).modules).not.toHaveProperty("icmp");
    expect(podTemplate(prod, "blackbox-exporter").spec.securityContext).not.toHaveProperty("sysctls");
  });
});

describe("internet egress leaves out the cluster's own addresses", () => {
  test("Grafana with a plugin reaches grafana.com over IPv4 and IPv6, never a pod, Service or node address", async () => {
    const r = await render({ stack: "prod", set: ['grafana={"storageGi":10,"rootUrl":"https://grafana.cryptoorchestrator.com","plugins":["grafana-clock-panel@2.1.8"]}'] });
    const policies = r.manifests.filter((m) => m.kind === "NetworkPolicy");
    const grafana: Endpoint = { kind: "pod", name: "grafana", namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } };
    const to = (name: string, address: string) => allowed(policies, { from: grafana, to: { kind: "ip", name, ip: address }, port: 443, protocol: "TCP" });
    expect([to("internet", "203.0.113.10"), to("internet-v6", "2001:db8::10")]).toEqual([true, true]);
    expect([to("node", "10.0.0.5"), to("pod", "10.244.1.7"), to("service", "10.96.0.10"), to("ula", "fd00::1")]).toEqual([false, false, false, false]);
    const rule = find(r, "NetworkPolicy", "grafana").spec.egress.find((e: any) => e.to.some((peer: any) => peer.ipBlock));
    expect(rule.to).toEqual([
      { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "10.96.0.0/12"] } },
      { ipBlock: { cidr: "::/0", except: ["fc00::/7"] } },
    ]);
  });
});

describe.each([
  ["dev", []],
  ["prod", []],
  ["prod with Alloy", ["logAgent=alloy"]],
  ["dev with Alloy", ["logAgent=alloy"]],
])("least privilege at run time (%s)", (label, set) => {
  const stack = label.split(" ")[0];
  const password = "Rotated-Admin-Passw0rd-for-the-test";
  let r: RenderResult;
  beforeAll(async () => {
    r = await render({ stack, set: set as string[], setSecret: [`grafanaAdminPassword=${password}`] });
  });
  const workloads = () => r.manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind));

  test("no container adds a capability, and every one drops ALL", () => {
    const adding = workloads().flatMap((w) => containersOf(w).filter((c) => (c.securityContext?.capabilities?.add ?? []).length > 0).map((c) => `${w.metadata.name}/${c.name}`));
    expect(adding).toEqual([]);
    for (const w of workloads()) for (const c of containersOf(w)) expect([w.metadata.name, c.name, c.securityContext?.capabilities?.drop]).toEqual([w.metadata.name, c.name, ["ALL"]]);
  });

  test("only the pods that call the Kubernetes API mount a service account token", () => {
    const mounting = workloads().filter((w) => w.spec.template.spec.automountServiceAccountToken !== false).map((w) => w.metadata.name);
    const callers = ["prometheus", label.includes("Alloy") ? "alloy" : "promtail", "kube-state-metrics"];
    expect(mounting.sort()).toEqual(callers.filter((name) => workloads().some((w) => w.metadata.name === name)).sort());
    expect(mounting).toContain("prometheus");
  });

  test("the Grafana admin password is in no container's command or args", () => {
    const commandLines = JSON.stringify(workloads().flatMap((w) => containersOf(w).map((c) => [c.command, c.args])));
    expect(commandLines).not.toContain(password);
    const sync = containersOf(find(r, "Deployment", "grafana")).find((c) => c.name === "sync-admin-password")!;
    expect(sync.args.join(" ")).toContain("--password-from-stdin");
  });

  test("Alertmanager is a StatefulSet", () => {
    expect(find(r, "StatefulSet", "alertmanager").spec.replicas).toBe(stack === "prod" ? 3 : 1);
  });
});

describe("data that survives", () => {
  test("prod protects and retains its PVCs and namespaces; Prometheus gets time to close its WAL", async () => {
    const r = await render({ stack: "prod" });
    const kept = r.resources.filter((x) => x.protect && x.retainOnDelete).map((x) => `${x.type.split(":").pop()} ${x.name}`);
    expect(kept.sort()).toEqual(
      [
        "Namespace observability-agents-namespace",
        "Namespace observability-namespace",
        "PersistentVolumeClaim grafana-data",
        "PersistentVolumeClaim loki-data",
        "PersistentVolumeClaim prometheus-data",
        // Alertmanager's per-replica claims are the program's own (components/stateful-workload.ts).
        "PersistentVolumeClaim data-alertmanager-0",
        "PersistentVolumeClaim data-alertmanager-1",
        "PersistentVolumeClaim data-alertmanager-2",
      ].sort(),
    );
    // Should a claim be missing, the StatefulSet's own would outlive it too.
    expect(find(r, "StatefulSet", "alertmanager").spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(podTemplate(r, "prometheus").spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(300);
  });

  test("dev protects nothing, so it tears down completely", async () => {
    const r = await render({ stack: "dev" });
    expect(r.resources.filter((x) => x.protect)).toEqual([]);
    // Alertmanager's claim is retained so a scale-down never deletes it; its namespace is not, so a destroy takes it along.
    expect(r.resources.filter((x) => x.retainOnDelete).map((x) => x.name)).toEqual(["data-alertmanager-0"]);
    expect(r.resources.find((x) => x.type === "kubernetes:core/v1:Namespace" && x.name === "observability-namespace")!.retainOnDelete).toBe(false);
  });
});

describe("config changes reach the pods", () => {
  // Dev's own loki settings, with one value changed.
  const devLoki = { storageGi: 5, retention: "72h" };
  const rulesOf = (r: RenderResult) => parse(r.files["prometheus/rules/alerts.yml"]).groups.flatMap((g: any) => g.rules);

  test("a change to one alert rule leaves Prometheus' pod template alone (Prometheus reloads it itself); a Loki change rolls Loki", async () => {
    const [base, oneRule, loki] = await Promise.all([
      render({ stack: "dev" }),
      render({ stack: "dev", set: ['alerts={"highDatabaseConnections":{"threshold":120}}'] }),
      render({ stack: "dev", set: [`loki=${JSON.stringify({ ...devLoki, retention: "96h" })}`] }),
    ]);
    const changed = rulesOf(oneRule).filter((rule: any, i: number) => JSON.stringify(rule) !== JSON.stringify(rulesOf(base)[i]));
    expect(changed.map((rule: any) => rule.alert)).toEqual(["HighDatabaseConnections"]);
    expect(podTemplate(oneRule, "prometheus")).toEqual(podTemplate(base, "prometheus"));
    // No sidecar and no lifecycle API: --config.auto-reload re-reads the files (test/e2e/tenant-isolation proves it).
    expect(podTemplate(oneRule, "prometheus").spec.containers.map((c: any) => c.name)).toEqual(["prometheus"]);
    expect(podTemplate(oneRule, "prometheus").spec.containers[0].args).toEqual(expect.arrayContaining(["--config.auto-reload", "--config.auto-reload-interval=30s", "--enable-feature=extra-scrape-metrics"]));

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

  test("a changed Alertmanager config rolls its pods (a reloader would need the password on its command line); its own settings alone do not", async () => {
    const [base, changed] = await Promise.all([render({ stack: "dev" }), render({ stack: "dev", set: ['alertmanager={"storageGi":1,"repeatInterval":"6h"}'] })]);
    expect(podTemplate(base, "alertmanager").spec.containers.map((c: any) => c.name)).toEqual(["alertmanager"]);
    expect(changed.files["alertmanager/alertmanager.yml"]).toContain("repeat_interval: 6h");
    const configMapOf = (r: RenderResult) => podTemplate(r, "alertmanager").spec.volumes.find((v: any) => v.name === "config").configMap.name;
    expect(configMapOf(changed)).not.toEqual(configMapOf(base));
    expect(find(changed, "ConfigMap", configMapOf(changed)).immutable).toBe(true);
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

  test("dev stays one replica each, with no PDB; Alertmanager is the same StatefulSet at one replica", async () => {
    const r = await render({ stack: "dev" });
    expect(r.manifests.filter((m) => m.kind === "PodDisruptionBudget")).toEqual([]);
    expect(r.manifests.filter((m) => m.kind === "StatefulSet").map((m) => [m.metadata.name, m.spec.replicas])).toEqual([["alertmanager", 1]]);
    for (const d of r.manifests.filter((m) => m.kind === "Deployment")) expect(d.spec.replicas).toBe(1);
  });
});
