import * as fs from "fs";
import * as path from "path";
import { allRules as alertingRules } from "./promtool-test-file";
import { buildAlertRules } from "../../configs/alert-rules";
import { RecordingRuleFile } from "../../configs/rule-builder";
import { buildKubernetesRecordingRules, kubernetesAlertNamespaces, namespaceMatcher } from "../../configs/kubernetes-rules";
import { toYaml } from "../../configs/yaml";
import { binary, run, withBinaries } from "../helpers/binaries";
import { tempDir } from "../helpers/processes";
import { stackSettings } from "../helpers/stack-settings";

const seriesText = (metric: string, labels: Record<string, string>) =>
  `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",")}}`;

interface Sample {
  labels: string;
  value: number;
}

/** Runs `promtool test rules` on one rule file and one test group; returns promtool's verdict. */
function promtoolTest(ruleFile: object, group: Record<string, unknown>): { code: number; output: string } {
  const dir = tempDir("k8s-rules");
  try {
    fs.writeFileSync(path.join(dir, "rules.yml"), toYaml(ruleFile));
    fs.writeFileSync(path.join(dir, "tests.yml"), toYaml({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests: [{ interval: "1m", ...group }] }));
    return run(binary("promtool")!, ["test", "rules", "tests.yml"], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const cadvisor = { job: "kubelet", metrics_path: "/metrics/cadvisor", instance: "10.0.0.5:10250", node: "worker-1" };
const ksm = { job: "kube-state-metrics", instance: "10.0.1.2:8080" };

describe("the Kubernetes recording rules, under the real promtool", () => {
  const rules: RecordingRuleFile = buildKubernetesRecordingRules(stackSettings("prod"));

  /**
   * Two pods on one node. `api-1` runs where the runtime labels each container (container and image
   * set; its pod-level cgroup has them empty); `batch-1` where it does not (CRI-O, some containerd
   * setups): only its pod-level cgroup has the pod, with container and image empty.
   */
  const labelled = { ...cadvisor, namespace: "trading", pod: "api-1" };
  const unlabelled = { ...cadvisor, namespace: "trading", pod: "batch-1" };
  const input = [
    // 0.5 and 0.25 cores in two containers; the pod cgroup holds both (and some overhead), never counted.
    { series: seriesText("container_cpu_usage_seconds_total", { ...labelled, container: "api", image: "app:1", id: "/kubepods/pod1/c1" }), values: "0+30x20" },
    { series: seriesText("container_cpu_usage_seconds_total", { ...labelled, container: "sidecar", image: "proxy:2", id: "/kubepods/pod1/c2" }), values: "0+15x20" },
    { series: seriesText("container_cpu_usage_seconds_total", { ...labelled, id: "/kubepods/pod1" }), values: "0+48x20" },
    { series: seriesText("container_cpu_usage_seconds_total", { ...unlabelled, id: "/kubepods/pod2" }), values: "0+6x20" },
    { series: seriesText("container_memory_working_set_bytes", { ...labelled, container: "api", image: "app:1", id: "/kubepods/pod1/c1" }), values: "300+0x20" },
    { series: seriesText("container_memory_working_set_bytes", { ...labelled, container: "sidecar", image: "proxy:2", id: "/kubepods/pod1/c2" }), values: "100+0x20" },
    { series: seriesText("container_memory_working_set_bytes", { ...labelled, id: "/kubepods/pod1" }), values: "450+0x20" },
    { series: seriesText("container_memory_working_set_bytes", { ...unlabelled, id: "/kubepods/pod2" }), values: "200+0x20" },
  ];
  const expr = (record: string, samples: Sample[]) => ({ expr: record, eval_time: "10m", exp_samples: samples });

  withBinaries("promtool")("usage per container where the runtime labels containers, per pod where it does not: never both, never nothing", () => {
    const cpu = "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m";
    const memory = "node_namespace_pod_container:container_memory_working_set_bytes";
    const at = (labels: Record<string, string>) => seriesText("", labels);
    const result = promtoolTest(rules, {
      name: "both label shapes",
      input_series: input,
      promql_expr_test: [
        expr(cpu, [
          { labels: seriesText(cpu, { node: "worker-1", namespace: "trading", pod: "api-1", container: "api" }), value: 0.5 },
          { labels: seriesText(cpu, { node: "worker-1", namespace: "trading", pod: "api-1", container: "sidecar" }), value: 0.25 },
          { labels: seriesText(cpu, { node: "worker-1", namespace: "trading", pod: "batch-1" }), value: 0.1 },
        ]),
        expr(memory, [
          { labels: seriesText(memory, { node: "worker-1", namespace: "trading", pod: "api-1", container: "api" }), value: 300 },
          { labels: seriesText(memory, { node: "worker-1", namespace: "trading", pod: "api-1", container: "sidecar" }), value: 100 },
          { labels: seriesText(memory, { node: "worker-1", namespace: "trading", pod: "batch-1" }), value: 200 },
        ]),
        // What a dashboard sums per pod: the labelled pod once (not its cgroup on top), the other one at all.
        expr(`sum by (pod) (${memory})`, [
          { labels: at({ pod: "api-1" }), value: 400 },
          { labels: at({ pod: "batch-1" }), value: 200 },
        ]),
      ],
    });
    expect(result.output).toContain("SUCCESS");
  });

  withBinaries("promtool")("requests and limits count Pending and Running pods only; every pod gets its workload", () => {
    const pod = (name: string, phase: string) => [
      ...["Pending", "Running", "Succeeded"].map((p) => ({ series: seriesText("kube_pod_status_phase", { ...ksm, namespace: "trading", pod: name, uid: name, phase: p }), values: `${p === phase ? 1 : 0}+0x20` })),
    ];
    const resource = (metric: string, name: string, container: string, resourceName: string, unit: string, value: number) => ({
      series: seriesText(metric, { ...ksm, namespace: "trading", pod: name, uid: name, container, node: "worker-1", resource: resourceName, unit }),
      values: `${value}+0x20`,
    });
    const owner = (name: string, kind: string, ownerName: string) => ({
      series: seriesText("kube_pod_owner", { ...ksm, namespace: "trading", pod: name, uid: name, owner_kind: kind, owner_name: ownerName, owner_is_controller: "true" }),
      values: "1+0x20",
    });
    const result = promtoolTest(rules, {
      name: "requests, limits and owners",
      input_series: [
        ...pod("api-7d9f8-x2x4z", "Running"),
        ...pod("report-28419-abcde", "Succeeded"),
        ...pod("postgres-0", "Pending"),
        resource("kube_pod_container_resource_requests", "api-7d9f8-x2x4z", "api", "cpu", "core", 0.25),
        resource("kube_pod_container_resource_requests", "report-28419-abcde", "report", "cpu", "core", 2),
        resource("kube_pod_container_resource_requests", "postgres-0", "postgres", "cpu", "core", 0.5),
        resource("kube_pod_container_resource_limits", "api-7d9f8-x2x4z", "api", "memory", "byte", 536870912),
        owner("api-7d9f8-x2x4z", "ReplicaSet", "api-7d9f8"),
        { series: seriesText("kube_replicaset_owner", { ...ksm, namespace: "trading", replicaset: "api-7d9f8", owner_kind: "Deployment", owner_name: "api", owner_is_controller: "true" }), values: "1+0x20" },
        owner("postgres-0", "StatefulSet", "postgres"),
        owner("report-28419-abcde", "Job", "report-28419"),
      ],
      promql_expr_test: [
        expr("namespace_cpu:kube_pod_container_resource_requests:sum", [{ labels: seriesText("namespace_cpu:kube_pod_container_resource_requests:sum", { namespace: "trading" }), value: 0.75 }]),
        expr("namespace_memory:kube_pod_container_resource_limits:sum", [{ labels: seriesText("namespace_memory:kube_pod_container_resource_limits:sum", { namespace: "trading" }), value: 536870912 }]),
        expr("cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests", [
          { labels: seriesText("cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests", { namespace: "trading", pod: "api-7d9f8-x2x4z", container: "api", node: "worker-1" }), value: 0.25 },
          { labels: seriesText("cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests", { namespace: "trading", pod: "postgres-0", container: "postgres", node: "worker-1" }), value: 0.5 },
        ]),
        expr("namespace_workload_pod:kube_pod_owner:relabel", [
          { labels: seriesText("namespace_workload_pod:kube_pod_owner:relabel", { namespace: "trading", pod: "api-7d9f8-x2x4z", workload: "api", workload_type: "deployment" }), value: 1 },
          { labels: seriesText("namespace_workload_pod:kube_pod_owner:relabel", { namespace: "trading", pod: "postgres-0", workload: "postgres", workload_type: "statefulset" }), value: 1 },
          { labels: seriesText("namespace_workload_pod:kube_pod_owner:relabel", { namespace: "trading", pod: "report-28419-abcde", workload: "report-28419", workload_type: "job" }), value: 1 },
        ]),
      ],
    });
    expect(result.output).toContain("SUCCESS");
  });

  withBinaries("promtool")("promtool check rules accepts the rendered recording rules", () => {
    const dir = tempDir("k8s-check");
    try {
      fs.writeFileSync(path.join(dir, "rules.yml"), toYaml(rules));
      const result = run(binary("promtool")!, ["check", "rules", "rules.yml"], dir);
      expect([result.code, result.output]).toEqual([0, expect.stringContaining("SUCCESS: 14 rules found")]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("which namespaces the Kubernetes alerts watch", () => {
  test("by default the app's namespaces and the stack's own; every namespace while the app is discovered everywhere; or exactly the setting", () => {
    expect(kubernetesAlertNamespaces(stackSettings("prod", { app: { namespaces: ["trading"] } }))).toEqual(["trading", "monitoring", "monitoring-agents"]);
    expect(kubernetesAlertNamespaces(stackSettings("prod", { app: { namespaces: "all" } }))).toEqual([]);
    expect(kubernetesAlertNamespaces(stackSettings("prod", { alerts: { kubernetes: { namespaces: ["payments", "trading"] } } }))).toEqual(["payments", "trading"]);
    expect(namespaceMatcher(["trading", "monitoring"])).toBe('namespace=~"trading|monitoring"');
    expect(namespaceMatcher([])).toBe("");
  });

  test("a namespace that is not a DNS label is refused, naming the key", () => {
    expect(() => stackSettings("prod", { alerts: { kubernetes: { namespaces: ["Trading|.*"] } } })).toThrow(/observability:alerts\.kubernetes\.namespaces\[0\]: must be a DNS label/);
  });

  withBinaries("promtool")("another team's crash-looping pod does not page the team; its own does", () => {
    const settings = stackSettings("prod", { app: { namespaces: ["trading"] } });
    const crashLooping = (namespace: string) => [
      // A restart every 2 minutes (at even minutes): 2 in the 5m before minute 17, however the window's edges fall.
      { series: seriesText("kube_pod_container_status_restarts_total", { ...ksm, namespace, pod: "api-1", container: "api", uid: namespace }), values: Array.from({ length: 31 }, (_, m) => Math.floor(m / 2)).join(" ") },
      { series: seriesText("kube_pod_container_status_waiting_reason", { ...ksm, namespace, pod: "api-1", container: "api", uid: namespace, reason: "CrashLoopBackOff" }), values: "1+0x30" },
    ];
    const rules = buildAlertRules({ settings });
    const crashLoopRule = alertingRules(rules).find((r) => r.alert === "KubePodCrashLooping")!;
    expect(crashLoopRule.expr).toContain('namespace=~"trading|monitoring|monitoring-agents"');
    const result = promtoolTest(rules, {
      name: "scoped",
      input_series: [...crashLooping("trading"), ...crashLooping("payments")],
      alert_rule_test: [
        {
          alertname: "KubePodCrashLooping",
          eval_time: "17m",
          exp_alerts: [
            {
              exp_labels: { severity: "warning", namespace: "trading", pod: "api-1", container: "api", service: "trading/api-1" },
              exp_annotations: {
                summary: "Container api of trading/api-1 is crash looping",
                description: "Container api of trading/api-1 keeps crashing and waits in CrashLoopBackOff; it restarted 2 times over the last 5m.",
                runbook_url: "docs/runbooks.md#kubepodcrashlooping",
              },
            },
          ],
        },
      ],
    });
    expect(result.output).toContain("SUCCESS");
  });

  test("with kube-state-metrics off, no rule reads it; cAdvisor, kubelet and node rules stay", () => {
    const settings = stackSettings("prod", { kubeStateMetrics: { enabled: false } });
    const names = alertingRules(buildAlertRules({ settings })).map((r) => r.alert);
    expect(names).toEqual(expect.arrayContaining(["CPUThrottlingHigh", "KubeletDown", "KubePersistentVolumeFillingUp", "NodeFilesystemSpaceFillingUp"]));
    for (const rule of alertingRules(buildAlertRules({ settings }))) expect([rule.alert, rule.expr]).not.toEqual([rule.alert, expect.stringContaining("kube_")]);
    const recording = buildKubernetesRecordingRules(settings).groups.flatMap((g) => g.rules);
    expect(recording.map((r) => r.record)).toEqual([
      "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m",
      "node_namespace_pod_container:container_memory_working_set_bytes",
    ]);
  });
});
