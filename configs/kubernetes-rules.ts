/**
 * The cluster the app runs on: recording rules for per-container usage, requests, limits and
 * workloads, and the Kubernetes alerts under the kubernetes-mixin's names (so its runbooks and
 * habits carry over), with expressions written for this stack's scrape jobs and namespaces.
 */
import { KSM_JOB } from "./kube-state-metrics";
import { CADVISOR_METRICS_PATH, KUBELET_JOB } from "./scrape-jobs";
import { assertValidPromQL } from "./promql";
import { AlertingRule, AlertRuleInputs, percent, PSEUDO_FILESYSTEMS, quote, RecordingRule, RecordingRuleFile, RecordingRuleGroup, RuleBuilder } from "./rule-builder";
import { StackSettings } from "./settings";

/** Scrape jobs whose failure has an alert here, so the generic TargetDown leaves them alone. */
export const KUBERNETES_ALERT_JOBS = [KUBELET_JOB, KSM_JOB];

/** The file next to alerts.yml in Prometheus' rules folder. */
export const KUBERNETES_RECORDING_RULES_FILE = "kubernetes-recording.yml";

/** `a, b` from the non-empty matchers. */
const selector = (...matchers: string[]) => matchers.filter((m) => m !== "").join(", ");
const KSM = `job=${JSON.stringify(KSM_JOB)}`;
const CADVISOR = `job=${JSON.stringify(KUBELET_JOB)}, metrics_path=${JSON.stringify(CADVISOR_METRICS_PATH)}`;
const KUBELET = `job=${JSON.stringify(KUBELET_JOB)}, metrics_path="/metrics"`;
/** Per-container cAdvisor series: a real container, not the pod's cgroup nor Docker's pause container. */
const CONTAINER = `container!="", container!="POD"`;
/** The pod-level cgroup: what runtimes that leave `container` empty (CRI-O, some containerd setups) report. */
const POD_CGROUP = `container="", pod!=""`;

const RE2_SPECIAL = /[\\^$.|?*+()[\]{}]/g;

type KubernetesSettings = Pick<StackSettings, "namespace" | "agentsNamespace" | "app" | "alerts">;

/**
 * The namespaces the pod, workload and volume alerts watch: `alerts.kubernetes.namespaces` when
 * set, else the app's plus the stack's own; empty means every namespace.
 */
export function kubernetesAlertNamespaces(settings: KubernetesSettings): string[] {
  const explicit = settings.alerts.kubernetes.namespaces;
  if (explicit) return [...new Set(explicit)];
  if (settings.app.namespaces === "all") return [];
  return [...new Set([...settings.app.namespaces, settings.namespace, settings.agentsNamespace])];
}

/** An RE2 regex matching exactly these strings once anchored (as PromQL and relabelling anchor it). */
export function re2Alternation(values: string[]): string {
  return values.map((v) => v.replace(RE2_SPECIAL, "\\$&")).join("|");
}

/** `namespace=~"a|b"` for those namespaces (escaped for RE2), or nothing for every namespace. */
export function namespaceMatcher(namespaces: string[], label = "namespace"): string {
  if (namespaces.length === 0) return "";
  return `${label}=~${quote(re2Alternation(namespaces))}`;
}

/**
 * Per-container series from cAdvisor, aggregated `by` the given labels. Upstream filters on
 * `image!=""` to skip the pod-level cgroup; runtimes that leave `image` or `container` empty then
 * show nothing at all. Here: the containers' own series where the runtime labels them, and for any
 * pod without them, its pod-level cgroup (with `container` empty) instead, never both.
 */
function perContainer(aggregation: "sum" | "max", inner: (matchers: string) => string): string {
  const by = "node, namespace, pod, container";
  return `${aggregation} by (${by}) (${inner(selector(CADVISOR, CONTAINER))}) or on (namespace, pod) ${aggregation} by (${by}) (${inner(selector(CADVISOR, POD_CGROUP))})`;
}

const ACTIVE_POD = `max by (namespace, pod) (kube_pod_status_phase{${selector(KSM, 'phase=~"Pending|Running"')}} == 1)`;

function resourceRules(resource: "cpu" | "memory", kind: "requests" | "limits"): RecordingRule[] {
  const metric = `kube_pod_container_resource_${kind}{${selector(KSM, `resource="${resource}"`)}}`;
  const active = `max by (namespace, pod, container, node) (${metric}) * on (namespace, pod) group_left () ${ACTIVE_POD}`;
  return [
    // Per container of every Pending or Running pod: finished pods hold no resources.
    { record: `cluster:namespace:pod_${resource}:active:kube_pod_container_resource_${kind}`, expr: active },
    { record: `namespace_${resource}:kube_pod_container_resource_${kind}:sum`, expr: `sum by (namespace) (${active})` },
  ];
}

/** Each pod's workload (`workload`, `workload_type`): the Deployment behind its ReplicaSet, its StatefulSet, DaemonSet or Job. */
function ownerRules(): RecordingRule[] {
  const owner = (kind: string) => `kube_pod_owner{${selector(KSM, `owner_kind="${kind}"`)}}`;
  const record = "namespace_workload_pod:kube_pod_owner:relabel";
  const direct = (kind: string, type: string): RecordingRule => ({
    record,
    expr: `max by (namespace, workload, pod) (label_replace(${owner(kind)}, "workload", "$1", "owner_name", "(.+)"))`,
    labels: { workload_type: type },
  });
  return [
    {
      record,
      expr:
        `max by (namespace, workload, pod) (label_replace(` +
        `label_replace(${owner("ReplicaSet")}, "replicaset", "$1", "owner_name", "(.+)")` +
        ` * on (namespace, replicaset) group_left (owner_name) topk by (namespace, replicaset) (1, max by (namespace, replicaset, owner_name) (kube_replicaset_owner{${selector(KSM, 'owner_kind="Deployment"')}}))` +
        `, "workload", "$1", "owner_name", "(.+)"))`,
      labels: { workload_type: "deployment" },
    },
    direct("StatefulSet", "statefulset"),
    direct("DaemonSet", "daemonset"),
    direct("Job", "job"),
  ];
}

/** Recording rules for the dashboards: usage from cAdvisor always, requests, limits and owners when kube-state-metrics runs. */
export function buildKubernetesRecordingRules(settings: Pick<StackSettings, "prometheus" | "kubeStateMetrics">): RecordingRuleFile {
  const interval = settings.prometheus.evaluationInterval;
  const groups: RecordingRuleGroup[] = [
    {
      name: "k8s.rules.container_cpu_usage_seconds_total",
      interval,
      rules: [
        {
          // The name says 5m, so the window is fixed whatever alerts.rateWindow is.
          record: "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m",
          expr: perContainer("sum", (m) => `rate(container_cpu_usage_seconds_total{${m}}[5m])`),
        },
      ],
    },
    {
      name: "k8s.rules.container_memory_working_set_bytes",
      interval,
      rules: [{ record: "node_namespace_pod_container:container_memory_working_set_bytes", expr: perContainer("max", (m) => `container_memory_working_set_bytes{${m}}`) }],
    },
  ];
  if (settings.kubeStateMetrics.enabled) {
    groups.push(
      {
        name: "k8s.rules.container_resources",
        interval,
        rules: [...resourceRules("cpu", "requests"), ...resourceRules("memory", "requests"), ...resourceRules("cpu", "limits"), ...resourceRules("memory", "limits")],
      },
      { name: "k8s.rules.pod_owner", interval, rules: ownerRules() },
    );
  }
  return assertValidRecordingRules(groups);
}

/** Record names are metric names; expressions must parse. Fails naming the rule and group. */
export function assertValidRecordingRules(groups: RecordingRuleGroup[]): RecordingRuleFile {
  for (const group of groups) {
    for (const rule of group.rules) {
      const where = `recording rule ${rule.record} in group ${group.name}`;
      if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(rule.record)) throw new Error(`${where}: record must be a metric name (letters, digits, _ and :)`);
      assertValidPromQL(where, rule.expr);
    }
  }
  return { groups };
}

const POD = "{{ $labels.namespace }}/{{ $labels.pod }}";

/** The Kubernetes alert groups of the rule file; those reading kube-state-metrics only while it runs. */
export function kubernetesAlertGroups(build: RuleBuilder, settings: AlertRuleInputs["settings"]): { name: string; rules: AlertingRule[] }[] {
  const { alerts } = settings;
  const ns = namespaceMatcher(kubernetesAlertNamespaces(settings));
  const ksm = (metric: string, ...matchers: string[]) => `${metric}{${selector(KSM, ns, ...matchers)}}`;
  const cadvisor = (metric: string, ...matchers: string[]) => `${metric}{${selector(CADVISOR, ns, CONTAINER, ...matchers)}}`;
  const w = alerts.rateWindow;
  const f = <K extends keyof typeof alerts>(key: K) => (alerts[key] as { for: string }).for;
  const podService = { service: POD };
  const groups: { name: string; rules: AlertingRule[] }[] = [];

  if (settings.kubeStateMetrics.enabled) {
    const oomWindow = alerts.kubeContainerOOMKilled.window;
    const byContainer = "namespace, pod, container";
    groups.push({
      name: "kubernetes-apps",
      rules: [
        build.rule(
          "KubePodCrashLooping",
          "warning",
          `sum by (${byContainer}) (changes(${ksm("kube_pod_container_status_restarts_total")}[${w}])) and on (${byContainer}) (max by (${byContainer}) (max_over_time(${ksm("kube_pod_container_status_waiting_reason", 'reason="CrashLoopBackOff"')}[${w}])) == 1)`,
          f("kubePodCrashLooping"),
          {
            summary: `Container {{ $labels.container }} of ${POD} is crash looping`,
            description: `Container {{ $labels.container }} of ${POD} keeps crashing and waits in CrashLoopBackOff; it restarted {{ $value | humanize }} times over the last ${w}.`,
          },
          podService,
        ),
        build.rule(
          "KubePodNotReady",
          "warning",
          // Job pods wait for their turn by design; topk keeps one owner per pod, so the join never meets two.
          `max by (namespace, pod) (max by (namespace, pod) (${ksm("kube_pod_status_phase", 'phase=~"Pending|Unknown"')}) * on (namespace, pod) group_left (owner_kind) topk by (namespace, pod) (1, max by (namespace, pod, owner_kind) (${ksm("kube_pod_owner", 'owner_kind!="Job"')}))) == 1`,
          f("kubePodNotReady"),
          {
            summary: `Pod ${POD} is not running`,
            description: `Pod ${POD} has been Pending or Unknown for ${f("kubePodNotReady")}: unschedulable (not enough CPU or memory, a taint, a volume) or its node is gone.`,
          },
          podService,
        ),
        build.rule(
          "KubeDeploymentReplicasMismatch",
          "warning",
          `(${ksm("kube_deployment_spec_replicas")} - ${ksm("kube_deployment_status_replicas_available")}) > 0 and changes(${ksm("kube_deployment_status_replicas_updated")}[10m]) == 0`,
          f("kubeDeploymentReplicasMismatch"),
          {
            summary: "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} is missing replicas",
            description: `{{ $value | humanize }} of the replicas Deployment {{ $labels.namespace }}/{{ $labels.deployment }} wants have not been available for ${f("kubeDeploymentReplicasMismatch")}, and no rollout is under way.`,
          },
          { service: "{{ $labels.namespace }}/{{ $labels.deployment }}" },
        ),
        build.rule(
          "KubeDeploymentRolloutStuck",
          "warning",
          `${ksm("kube_deployment_status_condition", 'condition="Progressing"', 'status="false"')} == 1`,
          f("kubeDeploymentRolloutStuck"),
          {
            summary: "Rollout of Deployment {{ $labels.namespace }}/{{ $labels.deployment }} is stuck",
            description: `The rollout of Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has not progressed for ${f("kubeDeploymentRolloutStuck")} (its progress deadline passed): new pods do not become ready.`,
          },
          { service: "{{ $labels.namespace }}/{{ $labels.deployment }}" },
        ),
        build.rule(
          "KubeStatefulSetReplicasMismatch",
          "warning",
          `(${ksm("kube_statefulset_replicas")} - ${ksm("kube_statefulset_status_replicas_ready")}) > 0 and changes(${ksm("kube_statefulset_status_replicas_updated")}[10m]) == 0`,
          f("kubeStatefulSetReplicasMismatch"),
          {
            summary: "StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} is missing replicas",
            description: `{{ $value | humanize }} of the replicas StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} wants have not been ready for ${f("kubeStatefulSetReplicasMismatch")}, and no rollout is under way.`,
          },
          { service: "{{ $labels.namespace }}/{{ $labels.statefulset }}" },
        ),
        build.rule(
          "KubeDaemonSetRolloutStuck",
          "warning",
          `(${[
            `(${ksm("kube_daemonset_status_desired_number_scheduled")} - ${ksm("kube_daemonset_status_current_number_scheduled")}) > 0`,
            `(${ksm("kube_daemonset_status_desired_number_scheduled")} - ${ksm("kube_daemonset_status_updated_number_scheduled")}) > 0`,
            `(${ksm("kube_daemonset_status_desired_number_scheduled")} - ${ksm("kube_daemonset_status_number_available")}) > 0`,
            `${ksm("kube_daemonset_status_number_misscheduled")} > 0`,
          ].join(" or ")}) and changes(${ksm("kube_daemonset_status_updated_number_scheduled")}[5m]) == 0`,
          f("kubeDaemonSetRolloutStuck"),
          {
            summary: "DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} rollout is stuck",
            description: `{{ $value | humanize }} pods of DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} are unscheduled, outdated, unavailable or on the wrong nodes, with no progress for ${f("kubeDaemonSetRolloutStuck")}.`,
          },
          { service: "{{ $labels.namespace }}/{{ $labels.daemonset }}" },
        ),
        build.rule(
          "KubeContainerWaiting",
          "warning",
          `max by (${byContainer}, reason) (${ksm("kube_pod_container_status_waiting_reason", 'reason!="CrashLoopBackOff"')}) == 1`,
          f("kubeContainerWaiting"),
          {
            summary: `Container {{ $labels.container }} of ${POD} is not starting`,
            description: `Container {{ $labels.container }} of ${POD} has been waiting for ${f("kubeContainerWaiting")} ({{ $labels.reason }}).`,
          },
          podService,
        ),
        build.rule(
          "KubeJobFailed",
          "warning",
          `${ksm("kube_job_failed", 'condition="true"')} == 1`,
          f("kubeJobFailed"),
          {
            summary: "Job {{ $labels.namespace }}/{{ $labels.job_name }} failed",
            description: "Job {{ $labels.namespace }}/{{ $labels.job_name }} failed to complete. Deleting the Job once its cause is understood clears this alert.",
          },
          { service: "{{ $labels.namespace }}/{{ $labels.job_name }}" },
        ),
        build.rule(
          "KubeContainerOOMKilled",
          "warning",
          // The last termination reason stays OOMKilled long after the container recovered: only a
          // restart within the window makes it news, so the alert resolves a window after the last one.
          `sum by (${byContainer}) (changes(${ksm("kube_pod_container_status_restarts_total")}[${oomWindow}])) > 0 and on (${byContainer}) (max by (${byContainer}) (${ksm("kube_pod_container_status_last_terminated_reason", 'reason="OOMKilled"')}) == 1)`,
          "0s",
          {
            summary: `Container {{ $labels.container }} of ${POD} was OOM killed`,
            description: `Container {{ $labels.container }} of ${POD} was killed for using more memory than its limit and restarted; restarts over the last ${oomWindow}: {{ $value | humanize }}.`,
          },
          podService,
        ),
        build.rule(
          "ContainerMemoryNearLimit",
          "warning",
          `max by (${byContainer}) (${cadvisor("container_memory_working_set_bytes")}) / on (${byContainer}) max by (${byContainer}) (${ksm("kube_pod_container_resource_limits", 'resource="memory"')} > 0) > ${alerts.containerMemoryNearLimit.threshold}`,
          alerts.containerMemoryNearLimit.for,
          {
            summary: `Container {{ $labels.container }} of ${POD} is close to its memory limit`,
            description: `Container {{ $labels.container }} of ${POD} uses {{ $value | humanizePercentage }} of its memory limit (threshold ${percent(alerts.containerMemoryNearLimit.threshold)}): at the limit it is OOM killed.`,
          },
          podService,
        ),
      ],
    });
  }

  const throttled = (metric: string) => `sum by (namespace, pod, container) (increase(${cadvisor(metric)}[${w}]))`;
  groups.push({
    name: "kubernetes-resources",
    rules: [
      build.rule(
        "CPUThrottlingHigh",
        "warning",
        `${throttled("container_cpu_cfs_throttled_periods_total")} / ${throttled("container_cpu_cfs_periods_total")} > ${alerts.cpuThrottlingHigh.threshold}`,
        alerts.cpuThrottlingHigh.for,
        {
          summary: `Container {{ $labels.container }} of ${POD} is CPU throttled`,
          description: `Container {{ $labels.container }} of ${POD} was throttled in {{ $value | humanizePercentage }} of its CPU periods over the last ${w} (threshold ${percent(alerts.cpuThrottlingHigh.threshold)}): its CPU limit slows it down.`,
        },
        podService,
      ),
    ],
  });

  // The stack's own volumes have MonitoringVolumeFull, which knows Prometheus fills its volume on purpose.
  const volumeScope = selector(KUBELET, ns, `namespace!=${quote(settings.namespace)}`);
  const volume = (metric: string) => `kubelet_volume_stats_${metric}{${volumeScope}}`;
  const volumeUsed = `1 - ${volume("available_bytes")} / ${volume("capacity_bytes")}`;
  // Read-only volumes are full by design.
  const readOnly = settings.kubeStateMetrics.enabled ? ` unless on (namespace, persistentvolumeclaim) ${ksm("kube_persistentvolumeclaim_access_mode", 'access_mode="ReadOnlyMany"')} == 1` : "";
  const volumeService = { service: "{{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }}" };
  groups.push({
    name: "kubernetes-storage",
    rules: [
      ...build.pair("KubePersistentVolumeFillingUp", {
        limits: alerts.kubePersistentVolumeFillingUp,
        expr: (t, severity) =>
          severity === "warning" ? `${volumeUsed} > ${t} and predict_linear(${volume("available_bytes")}[6h], 4 * 24 * 3600) < 0${readOnly}` : `${volumeUsed} > ${t}${readOnly}`,
        text: (t, severity) => ({
          summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is filling up",
          description:
            `The volume {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} is {{ $value | humanizePercentage }} full (threshold ${t})` +
            (severity === "warning" ? " and, at the rate of the last 6h, full within 4 days." : "."),
        }),
        format: percent,
        labels: volumeService,
      }),
      ...(settings.kubeStateMetrics.enabled
        ? [
            build.rule(
              "KubePersistentVolumeErrors",
              "critical",
              // A PersistentVolume has no namespace: its claim's says whose it is.
              ns === ""
                ? `${ksm("kube_persistentvolume_status_phase", 'phase=~"Failed|Pending"')} == 1`
                : `(kube_persistentvolume_status_phase{${selector(KSM, 'phase=~"Failed|Pending"')}} and on (persistentvolume) kube_persistentvolume_claim_ref{${selector(KSM, namespaceMatcher(kubernetesAlertNamespaces(settings), "claim_namespace"))}}) == 1`,
              f("kubePersistentVolumeErrors"),
              {
                summary: "PersistentVolume {{ $labels.persistentvolume }} is {{ $labels.phase }}",
                description: `PersistentVolume {{ $labels.persistentvolume }} has been {{ $labels.phase }} for ${f("kubePersistentVolumeErrors")}: the pods using it cannot start.`,
              },
              { service: "{{ $labels.persistentvolume }}" },
            ),
          ]
        : []),
    ],
  });

  const NODE = "{{ $labels.node }}";
  groups.push({
    name: "kubernetes-system",
    rules: [
      ...(settings.kubeStateMetrics.enabled
        ? [
            build.rule("KubeNodeNotReady", "warning", `kube_node_status_condition{${selector(KSM, 'condition="Ready"', 'status="true"')}} == 0`, f("kubeNodeNotReady"), {
              summary: `Node ${NODE} is not ready`,
              description: `Node ${NODE} has not been Ready for ${f("kubeNodeNotReady")}: no new pods go there, and its pods may be evicted.`,
            }, { service: NODE }),
            build.rule("KubeStateMetricsDown", "critical", `up{job=${quote(KSM_JOB)}} == 0`, f("kubeStateMetricsDown"), {
              summary: "kube-state-metrics {{ $labels.instance }} is down",
              description: `Prometheus has failed to scrape kube-state-metrics at {{ $labels.instance }} for ${f("kubeStateMetricsDown")}: every Kubernetes alert on pods, workloads and nodes is blind.`,
            }),
          ]
        : []),
      build.rule("KubeletDown", "critical", `up{job=${quote(KUBELET_JOB)}} == 0`, f("kubeletDown"), {
        summary: `Kubelet on ${NODE} is not answering`,
        description: `Prometheus has failed to scrape the kubelet's {{ $labels.metrics_path }} on ${NODE} for ${f("kubeletDown")}: the node's volume usage and container metrics are missing, and the node may be down.`,
      }, { service: NODE }),
    ],
  });

  // node-exporter's filesystems: without it these rules would read nothing.
  if (!settings.nodeExporter.enabled) return groups;
  const filesystem = (metric: string) => `${metric}{fstype!="",fstype!~"${PSEUDO_FILESYSTEMS}"}`;
  const fsUsed = `1 - ${filesystem("node_filesystem_avail_bytes")} / ${filesystem("node_filesystem_size_bytes")}`;
  const writable = "unless on (instance, device, mountpoint) node_filesystem_readonly == 1";
  const FS_NODE = "{{ or $labels.node $labels.instance }}";
  const fsText = (trend: (severity: string) => string) => (t: string, severity: string) => ({
    summary: `Filesystem {{ $labels.mountpoint }} on ${FS_NODE} is running out of space`,
    description: `{{ $labels.mountpoint }} ({{ $labels.device }}) on ${FS_NODE} is {{ $value | humanizePercentage }} full (threshold ${t})${trend(severity)}`,
  });
  const horizonHours = (severity: string) => (severity === "warning" ? 24 : 4);
  // node-exporter's series: without it these could never fire.
  if (!settings.nodeExporter.enabled) return groups;
  groups.push({
    name: "node-filesystems",
    rules: [
      ...build.pair("NodeFilesystemSpaceFillingUp", {
        limits: alerts.nodeFilesystemSpaceFillingUp,
        expr: (t, severity) => `${fsUsed} > ${t} and predict_linear(${filesystem("node_filesystem_avail_bytes")}[6h], ${horizonHours(severity)} * 3600) < 0 ${writable}`,
        text: fsText((severity) => ` and, at the rate of the last 6h, full within ${horizonHours(severity)}h.`),
        format: percent,
        labels: { service: FS_NODE },
      }),
      ...build.pair("NodeFilesystemAlmostOutOfSpace", {
        limits: alerts.nodeFilesystemAlmostOutOfSpace,
        expr: (t) => `${fsUsed} > ${t} ${writable}`,
        text: fsText(() => "."),
        format: percent,
        labels: { service: FS_NODE },
      }),
    ],
  });
  return groups;
}
