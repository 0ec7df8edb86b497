import { parse } from "yaml";
import { KSM_RESOURCES } from "../../configs/kube-state-metrics";
import { restrictedViolations } from "../helpers/pod-security";
import { find, render, RenderResult } from "../helpers/render";

const jobsOf = (r: RenderResult) => parse(r.files["prometheus/prometheus.yml"]).scrape_configs as any[];

describe.each(["dev", "prod"])("kube-state-metrics in the %s stack", (stack) => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await render({ stack });
  }, 180_000);

  test("a Deployment in the servers' namespace, pinned, restricted, with its API token, probes and resources", () => {
    const deployment = find(r, "Deployment", "kube-state-metrics");
    expect(deployment.metadata.namespace).toBe("monitoring");
    const pod = deployment.spec.template.spec;
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.serviceAccountName).toBe("kube-state-metrics");
    const [container] = pod.containers;
    expect(container.image).toBe("registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0");
    expect(container.resources).toEqual({ requests: { cpu: "10m", memory: "190Mi" }, limits: { memory: "250Mi" } });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/livez", port: "http-metrics" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "telemetry" });
    expect(container.ports).toEqual([
      { name: "http-metrics", containerPort: 8080 },
      { name: "telemetry", containerPort: 8081 },
    ]);
    expect(container.args).toContain("--metric-labels-allowlist=pods=[app.kubernetes.io/name,app]");
    expect(find(r, "Service", "kube-state-metrics").spec.ports.map((p: any) => `${p.name}:${p.port}`)).toEqual(["http-metrics:8080", "telemetry:8081"]);
  });

  test("its ClusterRole lists and watches exactly what --resources collects: no secrets, no wildcard, no nodes/proxy", () => {
    const args: string[] = find(r, "Deployment", "kube-state-metrics").spec.template.spec.containers[0].args;
    const collected = args.find((a) => a.startsWith("--resources="))!.slice("--resources=".length).split(",");
    const role = find(r, "ClusterRole", "monitoring-kube-state-metrics");
    const granted = role.rules.flatMap((rule: any) => rule.resources.map((resource: string) => `${rule.apiGroups.join(",")}/${resource}:${rule.verbs.join(",")}`));
    expect(granted.sort()).toEqual(collected.map((resource) => `${KSM_RESOURCES[resource as keyof typeof KSM_RESOURCES]}/${resource}:list,watch`).sort());
    expect(collected).not.toEqual(expect.arrayContaining(["secrets"]));
    expect(collected).not.toEqual(expect.arrayContaining(["configmaps"]));
    for (const rule of role.rules) {
      expect(rule.resources).not.toContain("*");
      expect(rule.resources).not.toContain("nodes/proxy");
      expect(rule.apiGroups).not.toContain("*");
      expect(rule.verbs).toEqual(["list", "watch"]);
    }
    const binding = find(r, "ClusterRoleBinding", "monitoring-kube-state-metrics");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "kube-state-metrics", namespace: "monitoring" }]);
  });

  test("Prometheus scrapes it with honor_labels as job kube-state-metrics, found through its Service, and adds none of KSM's own pod labels", () => {
    const job = jobsOf(r).find((j) => j.job_name === "kube-state-metrics");
    expect(job.honor_labels).toBe(true);
    expect(job.kubernetes_sd_configs[0].namespaces).toEqual({ names: ["monitoring"] });
    expect(job.relabel_configs[0]).toMatchObject({ regex: "kube-state-metrics;http-metrics", action: "keep" });
    expect(job.relabel_configs.at(-1)).toEqual({ regex: "pod|node|namespace", action: "labeldrop" });
    const telemetry = jobsOf(r).find((j) => j.job_name === "kube-state-metrics-telemetry");
    expect(telemetry.relabel_configs[0]).toMatchObject({ regex: "kube-state-metrics;telemetry", action: "keep" });
  });

  test("the Kubernetes recording rules sit beside the alerts in Prometheus' rules folder", () => {
    const recording = parse(r.files["prometheus/rules/kubernetes-recording.yml"]);
    expect(recording.groups.flatMap((g: any) => g.rules.map((rule: any) => rule.record))).toEqual(
      expect.arrayContaining(["node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m", "namespace_workload_pod:kube_pod_owner:relabel"]),
    );
    const volume = find(r, "Deployment", "prometheus").spec.template.spec.volumes.find((v: any) => v.name === "config");
    const items = volume.projected.sources.flatMap((s: any) => s.configMap?.items ?? []);
    expect(items.map((i: any) => i.path)).toEqual(["rules/alerts.yml", "rules/kubernetes-recording.yml"]);
  });
});

describe("the kubelet's cAdvisor", () => {
  let jobs: any[];
  beforeAll(async () => {
    jobs = jobsOf(await render({ stack: "prod" }));
  }, 180_000);

  test("is scraped next to the kubelet's /metrics, both as job kubelet told apart by metrics_path, with the token and no node proxy", () => {
    const kubelet = jobs.find((j) => j.job_name === "kubelet");
    const cadvisor = jobs.find((j) => j.job_name === "kubelet-cadvisor");
    expect(cadvisor).toMatchObject({ metrics_path: "/metrics/cadvisor", scheme: "https", kubernetes_sd_configs: [{ role: "node" }], authorization: kubelet.authorization });
    for (const job of [kubelet, cadvisor]) {
      expect(job.relabel_configs).toEqual(
        expect.arrayContaining([
          { source_labels: ["__metrics_path__"], target_label: "metrics_path" },
          { target_label: "job", replacement: "kubelet" },
        ]),
      );
      // Straight to each node's kubelet, never through the API server's node proxy.
      expect(JSON.stringify(job)).not.toContain("proxy");
    }
  });

  test("keeps what the rules and dashboards read, drops the high-cardinality series, and the volume-stats keep filter stays on its own job", () => {
    const cadvisor = jobs.find((j) => j.job_name === "kubelet-cadvisor");
    const [names, network, podless] = cadvisor.metric_relabel_configs;
    const dropped = new RegExp(`^(?:${names.regex})$`);
    for (const kept of ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_cpu_cfs_periods_total", "container_cpu_cfs_throttled_periods_total", "container_network_receive_bytes_total"]) {
      expect([kept, dropped.test(kept)]).toEqual([kept, false]);
    }
    for (const gone of ["container_cpu_load_average_10s", "container_fs_io_time_seconds_total", "container_memory_swap", "container_tasks_state", "container_spec_memory_limit_bytes"]) {
      expect([gone, dropped.test(gone)]).toEqual([gone, true]);
    }
    expect(network).toMatchObject({ source_labels: ["__name__", "interface"], action: "drop" });
    expect(podless).toEqual({ source_labels: ["id", "pod"], regex: ".+;", action: "drop" });
    expect(cadvisor.metric_relabel_configs.some((r: any) => r.action === "keep")).toBe(false);
  });
});

describe("kubeStateMetrics.enabled: false", () => {
  test("renders no kube-state-metrics, no scrape job for it and no network path to it", async () => {
    const r = await render({ stack: "prod", set: ['kubeStateMetrics={"enabled":false}'] });
    expect(r.manifests.filter((m) => m.metadata?.name?.includes("kube-state-metrics"))).toEqual([]);
    expect(jobsOf(r).map((j) => j.job_name)).not.toEqual(expect.arrayContaining(["kube-state-metrics"]));
    expect(JSON.stringify(r.manifests.filter((m) => m.kind === "NetworkPolicy"))).not.toContain("kube-state-metrics");
    expect(jobsOf(r).map((j) => j.job_name)).toContain("kubelet-cadvisor");
  }, 180_000);
});
