/**
 * Input series and the alerts they must (or must not) raise, one scenario per situation, written for
 * the thresholds the prod stack uses (the guide's). `promtool-test-file.ts` turns them into a
 * `promtool test rules` file; the test checks that together they cover every rule of the prod render.
 */
import { Severity } from "../../configs/rule-builder";

export interface InputSeries {
  metric: string;
  labels: Record<string, string>;
  /** promtool's expanding notation, one sample per minute, e.g. `0+10x60`. */
  values: string;
}

export interface ExpectedAlert {
  severity: Severity;
  /** Every label of the alert except `alertname` and `severity`. */
  labels: Record<string, string>;
  summary: string;
  description: string;
}

export interface Scenario {
  alert: string;
  /** What the input stands for; promtool prints it when the case fails. */
  situation: string;
  series: InputSeries[];
  /** Every alert of this name firing once the rule's `for:` has passed; empty means it stays silent. */
  fires: ExpectedAlert[];
  /** The threshold the input sits just under: that severity must stay silent here. */
  justUnder?: Severity;
  /** Further checks for input that changes over time: the alerts firing at each minute. */
  later?: { atMinute: number; fires: ExpectedAlert[] }[];
}

/** Samples per series: an hour and a half at one per minute, longer than any `for:` (KubeContainerWaiting's 1h) plus the rate window. */
export const SAMPLES = 90;
export const SERIES_INTERVAL = "1m";

const counter = (perMinute: number) => `0+${perMinute}x${SAMPLES}`;
const gauge = (value: number) => `${value}+0x${SAMPLES}`;
/** A value that jumped once at the start and then stays: a trend for predict_linear, a steady value for the alert. */
const dropped = (from: number, to: number) => `${from} ${to}+0x${SAMPLES - 1}`;

const series = (metric: string, labels: Record<string, string>, values: string): InputSeries => ({ metric, labels, values });

const app = { job: "fastapi", instance: "10.0.0.7:8000", namespace: "trading", service: "crypto-orchestrator" };
const appGroup = { job: app.job, namespace: app.namespace, service: app.service };

/** A thousand requests a minute, `errorsPerMille` of them answered 503 (per mille keeps the counts whole). */
function requests(errorsPerMille: number): InputSeries[] {
  const request = { ...app, method: "GET", endpoint: "/api/orders" };
  return [
    series("http_requests_total", { ...request, status: "200" }, counter(1000 - errorsPerMille)),
    series("http_requests_total", { ...request, status: "503" }, counter(errorsPerMille)),
  ];
}

/** Cumulative bucket counts per minute; `+Inf` is the total. */
function histogram(metric: string, labels: Record<string, string>, cumulative: Record<string, number>): InputSeries[] {
  return Object.entries(cumulative).map(([le, perMinute]) => series(`${metric}_bucket`, { ...labels, le }, counter(perMinute)));
}

const requestLatency = (cumulative: Record<string, number>) =>
  histogram("http_request_duration_seconds", { ...app, method: "GET", endpoint: "/api/orders" }, cumulative);

const exchange = { exchange: "binance" };
const trades = (failedPerMille: number) => {
  const trade = { ...app, ...exchange, symbol: "BTCUSDT", side: "buy" };
  return [series("trades_total", { ...trade, status: "success" }, counter(1000 - failedPerMille)), series("trades_total", { ...trade, status: "failed" }, counter(failedPerMille))];
};
const orderLatency = (cumulative: Record<string, number>) => histogram("order_execution_latency_seconds", { ...app, ...exchange, order_type: "market" }, cumulative);

const node = { job: "node-exporter", instance: "10.0.0.5:9100", node: "worker-1" };
const nodeAlert = { ...node, service: "worker-1" };
/** One CPU, idle for the given seconds of every minute. */
const cpuIdle = (idleSecondsPerMinute: number) => [series("node_cpu_seconds_total", { ...node, cpu: "0", mode: "idle" }, counter(idleSecondsPerMinute))];
const memory = (availableOfThousand: number) => [
  series("node_memory_MemTotal_bytes", node, gauge(1000)),
  series("node_memory_MemAvailable_bytes", node, gauge(availableOfThousand)),
];

const rootFs = { ...node, device: "/dev/sda1", fstype: "ext4", mountpoint: "/" };
function filesystems(rootAvailableOfThousand: number): InputSeries[] {
  // Decoys, full by design: an in-memory filesystem and a read-only image. Neither may alert.
  const tmpfs = { ...node, device: "tmpfs", fstype: "tmpfs", mountpoint: "/run" };
  const image = { ...node, device: "/dev/loop0", fstype: "ext4", mountpoint: "/mnt/image" };
  return [
    ...[rootFs, tmpfs, image].flatMap((fs) => [
      series("node_filesystem_size_bytes", fs, gauge(1000)),
      series("node_filesystem_avail_bytes", fs, gauge(fs === rootFs ? rootAvailableOfThousand : 0)),
      series("node_filesystem_readonly", fs, gauge(fs === image ? 1 : 0)),
    ]),
  ];
}

const pvc = { job: "kubelet", instance: "10.0.0.5:10250", namespace: "monitoring", persistentvolumeclaim: "prometheus-data" };
const pvcAlert = { ...pvc, service: "prometheus-data" };
const volume = (available: string) => [
  series("kubelet_volume_stats_capacity_bytes", pvc, gauge(1000)),
  series("kubelet_volume_stats_available_bytes", pvc, available),
  // Another namespace's volume, full: not ours to alert on.
  series("kubelet_volume_stats_capacity_bytes", { ...pvc, namespace: "trading", persistentvolumeclaim: "postgres-data" }, gauge(1000)),
  series("kubelet_volume_stats_available_bytes", { ...pvc, namespace: "trading", persistentvolumeclaim: "postgres-data" }, gauge(1)),
];

const prometheus = { job: "prometheus", instance: "localhost:9090" };
const alertmanagerUrl = "http://10.0.0.3:9093/api/v2/alerts";
const alertmanager = { job: "alertmanager", instance: "10.0.0.3:9093" };
const loki = { job: "loki", instance: "10.0.0.4:3100", namespace: "monitoring" };
const promtail = { job: "promtail", instance: "10.0.0.5:3101", namespace: "monitoring-agents" };
const alloy = { job: "alloy", instance: "10.0.0.6:12345", namespace: "monitoring-agents" };

const up = (labels: Record<string, string>, value: 0 | 1) => series("up", labels, gauge(value));

const both = (labels: Record<string, string>, summary: string, description: (threshold: string) => string, thresholds: [string, string]): ExpectedAlert[] => [
  { severity: "warning", labels, summary, description: description(thresholds[0]) },
  { severity: "critical", labels, summary, description: description(thresholds[1]) },
];

const errorRate = (share: string, threshold: string) => `${share} of requests to fastapi were answered with a 5xx status over the last 5m (threshold ${threshold}).`;
const responseTime = (p95: string, threshold: string) => `The 95th percentile response time of fastapi is ${p95} over the last 5m (threshold ${threshold}).`;
const tradeFailures = (share: string, threshold: string) => `${share} of trades on binance failed over the last 5m (threshold ${threshold}).`;
const cpu = (share: string, threshold: string) => `The CPUs of worker-1 were ${share} busy over the last 5m (threshold ${threshold}).`;
const memoryUse = (share: string, threshold: string) => `${share} of the memory of worker-1 is in use (threshold ${threshold}).`;
const disk = (share: string, threshold: string) => `/ (/dev/sda1) on worker-1 is ${share} full (threshold ${threshold}).`;
const volumeUse = (share: string, threshold: string, severity: Severity) =>
  `The volume prometheus-data in monitoring is ${share} full (threshold ${threshold})` + (severity === "warning" ? " and, at the rate of the last 6h, full within 4 days." : ".");

const summaries = {
  errorRate: "fastapi answers many requests with errors",
  responseTime: "fastapi responds slowly",
  trades: "Trades failing on binance",
  cpu: "CPU busy on worker-1",
  memory: "Memory nearly exhausted on worker-1",
  disk: "Filesystem / filling up on worker-1",
  volume: "Volume prometheus-data is filling up",
};

export const scenarios: Scenario[] = [
  // --- the dead man's switch: no input, no threshold, always firing ---
  {
    alert: "Watchdog",
    situation: "Prometheus evaluates its rules",
    series: [],
    fires: [
      {
        severity: "none",
        labels: {},
        summary: "The alerting pipeline works: Prometheus evaluates rules and Alertmanager sends notifications",
        description:
          "This alert always fires. Alertmanager sends it to the heartbeat service (observability:heartbeatUrl) every alertmanager.heartbeat.interval; the service alarms when the heartbeats stop, because then Prometheus, Alertmanager or the path between them is down.",
      },
    ],
  },
  // --- application ---
  { alert: "HighErrorRate", situation: "0.9% of requests fail", series: requests(9), fires: [], justUnder: "warning" },
  {
    alert: "HighErrorRate",
    situation: "4.9% of requests fail",
    series: requests(49),
    fires: [{ severity: "warning", labels: appGroup, summary: summaries.errorRate, description: errorRate("4.9%", "1%") }],
    justUnder: "critical",
  },
  {
    alert: "HighErrorRate",
    situation: "10% of requests fail",
    series: requests(100),
    fires: both(appGroup, summaries.errorRate, (t) => errorRate("10%", t), ["1%", "5%"]),
  },
  {
    alert: "HighErrorRate",
    situation: "10% of requests fail for 10m, then none: the critical outlasts the warning's band",
    series: [
      series("http_requests_total", { ...app, method: "GET", endpoint: "/api/orders", status: "200" }, counter(900)),
      series("http_requests_total", { ...app, method: "GET", endpoint: "/api/orders", status: "503" }, `0+100x10 1000+0x${SAMPLES - 11}`),
    ],
    fires: both(appGroup, summaries.errorRate, (t) => errorRate("10%", t), ["1%", "5%"]),
    later: [
      // Prometheus 3 range selectors are left-open: [5m] at 13m holds the samples of minutes 9-13, not
      // 8-13 as in 2.x, so the share falls a minute sooner than under Debian's 2.42 (which gave 6.25%,
      // 4.255%, 2.174% at 12-14m). 13m: the 5m share fell under 5% (the critical keeps its last value,
      // 5.263% at 12m); 14m: under 1%.
      {
        atMinute: 13,
        fires: [
          { severity: "warning", labels: appGroup, summary: summaries.errorRate, description: errorRate("2.703%", "1%") },
          { severity: "critical", labels: appGroup, summary: summaries.errorRate, description: errorRate("5.263%", "5%") },
        ],
      },
      // The warning has cleared while the critical still fires (keep_firing_for: the rate window), so it was never released.
      { atMinute: 15, fires: [{ severity: "critical", labels: appGroup, summary: summaries.errorRate, description: errorRate("5.263%", "5%") }] },
      { atMinute: 19, fires: [] },
    ],
  },
  { alert: "HighResponseTime", situation: "p95 is 900ms", series: requestLatency({ "0.5": 75, "1": 100, "2.5": 100, "+Inf": 100 }), fires: [], justUnder: "warning" },
  {
    alert: "HighResponseTime",
    situation: "p95 is 2.125s",
    series: requestLatency({ "0.5": 50, "1": 80, "2.5": 100, "5": 100, "+Inf": 100 }),
    fires: [{ severity: "warning", labels: appGroup, summary: summaries.responseTime, description: responseTime("2.125s", "1s") }],
    justUnder: "critical",
  },
  {
    alert: "HighResponseTime",
    situation: "p95 is 4.375s",
    series: requestLatency({ "0.5": 10, "1": 50, "2.5": 80, "5": 100, "+Inf": 100 }),
    fires: both(appGroup, summaries.responseTime, (t) => responseTime("4.375s", t), ["1s", "3s"]),
  },
  { alert: "ApplicationDown", situation: "the app answers its scrapes", series: [up(app, 1)], fires: [], justUnder: "critical" },
  {
    alert: "ApplicationDown",
    situation: "the app fails its scrapes",
    series: [up(app, 0)],
    fires: [
      {
        severity: "critical",
        labels: app,
        summary: "fastapi instance 10.0.0.7:8000 is down",
        description: "Prometheus has failed to scrape 10.0.0.7:8000 of fastapi for 1m: the process is down, not answering or unreachable.",
      },
    ],
  },

  // --- database ---
  { alert: "HighDatabaseConnections", situation: "exactly 80 connections", series: [series("database_connections_active", app, gauge(80))], fires: [], justUnder: "warning" },
  {
    alert: "HighDatabaseConnections",
    situation: "81 connections",
    series: [series("database_connections_active", app, gauge(81))],
    fires: [
      {
        severity: "warning",
        labels: app,
        summary: "Many database connections on 10.0.0.7:8000",
        description: "81 database connections are active on 10.0.0.7:8000 (threshold 80).",
      },
    ],
  },

  // --- trading ---
  { alert: "HighTradeFailureRate", situation: "4.5% of trades fail", series: trades(45), fires: [], justUnder: "warning" },
  {
    alert: "HighTradeFailureRate",
    situation: "9% of trades fail",
    series: trades(90),
    fires: [{ severity: "warning", labels: { ...appGroup, ...exchange }, summary: summaries.trades, description: tradeFailures("9%", "5%") }],
    justUnder: "critical",
  },
  {
    alert: "HighTradeFailureRate",
    situation: "20% of trades fail",
    series: trades(200),
    fires: both({ ...appGroup, ...exchange }, summaries.trades, (t) => tradeFailures("20%", t), ["5%", "10%"]),
  },
  { alert: "SlowOrderExecution", situation: "p95 order execution is 4.7s", series: orderLatency({ "2": 50, "5": 100, "10": 100, "+Inf": 100 }), fires: [], justUnder: "warning" },
  {
    alert: "SlowOrderExecution",
    situation: "p95 order execution is 7.5s",
    series: orderLatency({ "2": 50, "5": 90, "10": 100, "+Inf": 100 }),
    fires: [
      {
        severity: "warning",
        labels: { ...appGroup, ...exchange },
        summary: "Slow order execution on binance",
        description: "The 95th percentile order execution time on binance is 7.5s over the last 5m (threshold 5s).",
      },
    ],
  },

  // --- nodes ---
  { alert: "HighCpuUsage", situation: "CPU 69% busy", series: cpuIdle(18.6), fires: [], justUnder: "warning" },
  {
    alert: "HighCpuUsage",
    situation: "CPU 89% busy",
    series: cpuIdle(6.6),
    fires: [{ severity: "warning", labels: nodeAlert, summary: summaries.cpu, description: cpu("89%", "70%") }],
    justUnder: "critical",
  },
  { alert: "HighCpuUsage", situation: "CPU 95% busy", series: cpuIdle(3), fires: both(nodeAlert, summaries.cpu, (t) => cpu("95%", t), ["70%", "90%"]) },
  { alert: "HighMemoryUsage", situation: "memory 79% used", series: memory(210), fires: [], justUnder: "warning" },
  {
    alert: "HighMemoryUsage",
    situation: "memory 94% used",
    series: memory(60),
    fires: [{ severity: "warning", labels: nodeAlert, summary: summaries.memory, description: memoryUse("94%", "80%") }],
    justUnder: "critical",
  },
  { alert: "HighMemoryUsage", situation: "memory 98% used", series: memory(20), fires: both(nodeAlert, summaries.memory, (t) => memoryUse("98%", t), ["80%", "95%"]) },
  { alert: "HighDiskUsage", situation: "root filesystem 79% full, tmpfs and a read-only image 100%", series: filesystems(210), fires: [], justUnder: "warning" },
  {
    alert: "HighDiskUsage",
    situation: "root filesystem 94% full",
    series: filesystems(60),
    fires: [{ severity: "warning", labels: { ...nodeAlert, device: "/dev/sda1", fstype: "ext4", mountpoint: "/" }, summary: summaries.disk, description: disk("94%", "80%") }],
    justUnder: "critical",
  },
  {
    alert: "HighDiskUsage",
    situation: "root filesystem 97% full",
    series: filesystems(30),
    fires: both({ ...nodeAlert, device: "/dev/sda1", fstype: "ext4", mountpoint: "/" }, summaries.disk, (t) => disk("97%", t), ["80%", "95%"]),
  },

  // --- the monitoring stack ---
  { alert: "MonitoringVolumeFull", situation: "volume 90% full and steady (Prometheus at its size retention)", series: volume(gauge(100)), fires: [] },
  { alert: "MonitoringVolumeFull", situation: "volume 79% full and filling", series: volume(dropped(500, 210)), fires: [], justUnder: "warning" },
  {
    alert: "MonitoringVolumeFull",
    situation: "volume 94% full and filling",
    series: volume(dropped(500, 60)),
    fires: [{ severity: "warning", labels: pvcAlert, summary: summaries.volume, description: volumeUse("94%", "80%", "warning") }],
    justUnder: "critical",
  },
  {
    alert: "MonitoringVolumeFull",
    situation: "volume 97% full and filling",
    series: volume(dropped(500, 30)),
    fires: [
      { severity: "warning", labels: pvcAlert, summary: summaries.volume, description: volumeUse("97%", "80%", "warning") },
      { severity: "critical", labels: pvcAlert, summary: summaries.volume, description: volumeUse("97%", "95%", "critical") },
    ],
  },
  {
    alert: "TargetDown",
    situation: "every target up",
    series: [up({ job: "grafana", instance: "10.0.0.9:3000", namespace: "monitoring" }, 1), up({ job: "grafana", instance: "10.0.0.10:3000", namespace: "monitoring" }, 1)],
    fires: [],
    justUnder: "warning",
  },
  {
    alert: "TargetDown",
    situation: "one of two grafana targets down; the app and Loki down too (their own alerts)",
    series: [
      up({ job: "grafana", instance: "10.0.0.9:3000", namespace: "monitoring" }, 0),
      up({ job: "grafana", instance: "10.0.0.10:3000", namespace: "monitoring" }, 1),
      up(app, 0),
      up(loki, 0),
    ],
    fires: [
      {
        severity: "warning",
        labels: { job: "grafana", namespace: "monitoring" },
        summary: "grafana targets down",
        description: "50% of the grafana targets have failed every scrape for 5m.",
      },
    ],
  },
  {
    alert: "PrometheusRuleEvaluationFailures",
    situation: "no rule evaluation fails",
    series: [series("prometheus_rule_evaluation_failures_total", { ...prometheus, rule_group: "/etc/prometheus/rules/alerts.yml;application" }, counter(0))],
    fires: [],
    justUnder: "critical",
  },
  {
    alert: "PrometheusRuleEvaluationFailures",
    situation: "one evaluation fails every minute",
    series: [series("prometheus_rule_evaluation_failures_total", { ...prometheus, rule_group: "/etc/prometheus/rules/alerts.yml;application" }, counter(1))],
    fires: [
      {
        severity: "critical",
        labels: { ...prometheus, rule_group: "/etc/prometheus/rules/alerts.yml;application" },
        summary: "Prometheus fails to evaluate rules",
        description: "5 evaluations of rule group /etc/prometheus/rules/alerts.yml;application failed over the last 5m: its alerts cannot fire.",
      },
    ],
  },
  {
    alert: "PrometheusNotificationsFailing",
    situation: "every alert batch delivered",
    series: [
      series("prometheus_notifications_sent_total", { ...prometheus, alertmanager: alertmanagerUrl }, counter(10)),
      series("prometheus_notifications_errors_total", { ...prometheus, alertmanager: alertmanagerUrl }, counter(0)),
    ],
    fires: [],
    justUnder: "critical",
  },
  {
    alert: "PrometheusNotificationsFailing",
    situation: "one alert batch in ten fails",
    series: [
      series("prometheus_notifications_sent_total", { ...prometheus, alertmanager: alertmanagerUrl }, counter(10)),
      series("prometheus_notifications_errors_total", { ...prometheus, alertmanager: alertmanagerUrl }, counter(1)),
    ],
    fires: [
      {
        severity: "critical",
        labels: { ...prometheus, alertmanager: alertmanagerUrl },
        summary: `Prometheus fails to send alerts to ${alertmanagerUrl}`,
        description: `10% of the alerts Prometheus sent to ${alertmanagerUrl} failed over the last 5m.`,
      },
    ],
  },
  {
    alert: "PrometheusNotConnectedToAlertmanagers",
    situation: "one Alertmanager discovered",
    series: [series("prometheus_notifications_alertmanagers_discovered", prometheus, gauge(1))],
    fires: [],
    justUnder: "critical",
  },
  {
    alert: "PrometheusNotConnectedToAlertmanagers",
    situation: "no Alertmanager discovered",
    series: [series("prometheus_notifications_alertmanagers_discovered", prometheus, gauge(0))],
    fires: [
      {
        severity: "critical",
        labels: prometheus,
        summary: "Prometheus has no Alertmanager to send alerts to",
        description: "Prometheus localhost:9090 has discovered 0 Alertmanagers: no alert leaves it.",
      },
    ],
  },
  {
    alert: "AlertmanagerNotificationsFailing",
    situation: "every email delivered",
    series: [
      series("alertmanager_notifications_total", { ...alertmanager, integration: "email" }, counter(4)),
      series("alertmanager_notifications_failed_total", { ...alertmanager, integration: "email" }, counter(0)),
    ],
    fires: [],
    justUnder: "critical",
  },
  {
    alert: "AlertmanagerNotificationsFailing",
    situation: "one email in four fails",
    series: [
      series("alertmanager_notifications_total", { ...alertmanager, integration: "email" }, counter(4)),
      series("alertmanager_notifications_failed_total", { ...alertmanager, integration: "email" }, counter(1)),
    ],
    fires: [
      {
        severity: "critical",
        labels: { ...alertmanager, integration: "email" },
        summary: "Alertmanager fails to send email notifications",
        description: "25% of the email notifications from 10.0.0.3:9093 failed over the last 5m.",
      },
    ],
  },
  { alert: "LokiDown", situation: "Loki answers its scrapes", series: [up(loki, 1)], fires: [], justUnder: "critical" },
  {
    alert: "LokiDown",
    situation: "Loki fails its scrapes",
    series: [up(loki, 0)],
    fires: [
      {
        severity: "critical",
        labels: loki,
        summary: "Loki 10.0.0.4:3100 is down",
        description: "Prometheus has failed to scrape Loki at 10.0.0.4:3100 for 5m: logs are not stored and cannot be queried.",
      },
    ],
  },
  {
    alert: "LokiDiscardingLogs",
    situation: "Loki accepts every line",
    series: [series("loki_discarded_samples_total", { ...loki, reason: "rate_limited", tenant: "fake" }, counter(0))],
    fires: [],
    justUnder: "warning",
  },
  {
    alert: "LokiDiscardingLogs",
    situation: "Loki rate-limits 30 lines a minute",
    series: [series("loki_discarded_samples_total", { ...loki, reason: "rate_limited", tenant: "fake" }, counter(30))],
    fires: [
      {
        severity: "warning",
        labels: { job: "loki", namespace: "monitoring", reason: "rate_limited" },
        summary: "Loki rejects log lines (rate_limited)",
        description: "Loki rejected 150 log lines over the last 5m with reason rate_limited: they are lost.",
      },
    ],
  },
  { alert: "LogAgentDown", situation: "Promtail and Alloy answer their scrapes", series: [up(promtail, 1), up(alloy, 1)], fires: [], justUnder: "warning" },
  {
    alert: "LogAgentDown",
    // The prod stack runs Promtail: the rule watches its agent only (an Alloy target is not the stack's).
    situation: "Promtail and an Alloy that is not the stack's agent fail their scrapes",
    series: [up(promtail, 0), up(alloy, 0)],
    fires: [
      {
        severity: "warning",
        labels: promtail,
        summary: "promtail 10.0.0.5:3101 is down",
        description: "Prometheus has failed to scrape promtail at 10.0.0.5:3101 for 5m: logs of its node are not shipped.",
      },
    ],
  },
  {
    alert: "LogAgentDroppingLogs",
    situation: "the agents drop nothing",
    series: [
      series("promtail_dropped_entries_total", { ...promtail, host: "loki:3100", reason: "ingester_error", tenant: "fake" }, counter(0)),
      series("loki_write_dropped_entries_total", { ...alloy, host: "loki:3100", reason: "ingester_error", tenant: "fake" }, counter(0)),
    ],
    fires: [],
    justUnder: "warning",
  },
  {
    alert: "LogAgentDroppingLogs",
    // Only the running agent's counter is read (Promtail's, in prod); Alloy's name is another agent's.
    situation: "Promtail drops 6 lines a minute, an Alloy that is not the stack's agent 2",
    series: [
      series("promtail_dropped_entries_total", { ...promtail, host: "loki:3100", reason: "ingester_error", tenant: "fake" }, counter(6)),
      series("loki_write_dropped_entries_total", { ...alloy, host: "loki:3100", reason: "ingester_error", tenant: "fake" }, counter(2)),
    ],
    fires: [
      {
        severity: "warning",
        labels: { job: "promtail", instance: promtail.instance },
        summary: "promtail 10.0.0.5:3101 drops log lines",
        description: "promtail at 10.0.0.5:3101 dropped 30 log lines over the last 5m after exhausting its retries: they are lost.",
      },
    ],
  },
];

// --- Kubernetes: kube-state-metrics, the kubelet and cAdvisor, node-exporter's filesystems ---
// Series carry the labels the scrape jobs give them (configs/prometheus.ts): KSM's honoured object
// labels plus job and instance; cAdvisor's and the kubelet's with job="kubelet", metrics_path and node.

const ksm = { job: "kube-state-metrics", instance: "10.0.1.2:8080" };
const kPod = { namespace: "trading", pod: "api-7d9f8-x2x4z" };
const kContainer = { ...kPod, container: "api" };
const podService = { service: "trading/api-7d9f8-x2x4z" };
const containerAlert = { ...kContainer, ...podService };
const cadvisorTarget = { job: "kubelet", metrics_path: "/metrics/cadvisor", instance: "10.0.0.5:10250", node: "worker-1" };
/** The container's own cgroup, as a runtime that labels containers reports it. */
const cadvisorContainer = { ...cadvisorTarget, ...kContainer, id: "/kubepods/burstable/pod1/c1", image: "registry.example.com/api:1.4.2", name: "c1" };
/** The pod-level cgroup of the same pod: never a container of its own. */
const cadvisorPodCgroup = { ...cadvisorTarget, ...kPod, id: "/kubepods/burstable/pod1" };
/** One sample per minute from `value(minute)`, for steps the expanding notation cannot write. */
const perMinute = (value: (minute: number) => number) => Array.from({ length: SAMPLES + 1 }, (_, m) => value(m)).join(" ");

const crashLoop = (waiting: 0 | 1) => [
  // Restarts every 2 minutes (at even minutes): 2 restarts in any 5m window.
  series("kube_pod_container_status_restarts_total", { ...ksm, ...kContainer, uid: "u1" }, perMinute((m) => Math.floor(m / 2))),
  series("kube_pod_container_status_waiting_reason", { ...ksm, ...kContainer, uid: "u1", reason: "CrashLoopBackOff" }, gauge(waiting)),
];
const podPhase = (phase: "Pending" | "Running", pod = kPod, ownerKind = "ReplicaSet") => [
  ...(["Pending", "Running"] as const).map((p) => series("kube_pod_status_phase", { ...ksm, ...pod, uid: pod.pod, phase: p }, gauge(p === phase ? 1 : 0))),
  series("kube_pod_owner", { ...ksm, ...pod, uid: pod.pod, owner_kind: ownerKind, owner_name: `${pod.pod}-owner`, owner_is_controller: "true" }, gauge(1)),
];
const deployment = { ...ksm, namespace: "trading", deployment: "api" };
const deploymentAlert = { ...deployment, service: "trading/api" };
const deploymentReplicas = (available: number, updated = gauge(3)) => [
  series("kube_deployment_spec_replicas", deployment, gauge(3)),
  series("kube_deployment_status_replicas_available", deployment, gauge(available)),
  series("kube_deployment_status_replicas_updated", deployment, updated),
];
const progressing = (status: "true" | "false") =>
  (["true", "false", "unknown"] as const).map((s) => series("kube_deployment_status_condition", { ...deployment, condition: "Progressing", status: s }, gauge(s === status ? 1 : 0)));
const statefulSet = { ...ksm, namespace: "trading", statefulset: "postgres" };
const statefulSetReplicas = (ready: number) => [
  series("kube_statefulset_replicas", statefulSet, gauge(3)),
  series("kube_statefulset_status_replicas_ready", statefulSet, gauge(ready)),
  series("kube_statefulset_status_replicas_updated", statefulSet, gauge(3)),
];
const daemonSet = { ...ksm, namespace: "monitoring-agents", daemonset: "node-exporter" };
const daemonSetStatus = (available: number) => [
  series("kube_daemonset_status_desired_number_scheduled", daemonSet, gauge(3)),
  series("kube_daemonset_status_current_number_scheduled", daemonSet, gauge(3)),
  series("kube_daemonset_status_updated_number_scheduled", daemonSet, gauge(3)),
  series("kube_daemonset_status_number_available", daemonSet, gauge(available)),
  series("kube_daemonset_status_number_misscheduled", daemonSet, gauge(0)),
];
const waiting = (reason: string) => [series("kube_pod_container_status_waiting_reason", { ...ksm, ...kContainer, uid: "u1", reason }, gauge(1))];
const job = { ...ksm, namespace: "trading", job_name: "nightly-report" };
const jobFailed = (failed: 0 | 1) => (["true", "false"] as const).map((c) => series("kube_job_failed", { ...job, condition: c }, gauge((c === "true") === (failed === 1) ? 1 : 0)));
/** The container restarted once, at minute 1, after terminating for `reason`. */
const restartedAfter = (reason: string, restarts = `0 1+0x${SAMPLES - 1}`) => [
  series("kube_pod_container_status_restarts_total", { ...ksm, ...kContainer, uid: "u1" }, restarts),
  series("kube_pod_container_status_last_terminated_reason", { ...ksm, ...kContainer, uid: "u1", reason }, `_ 1+0x${SAMPLES - 1}`),
];
const oomKilled: ExpectedAlert = {
  severity: "warning",
  labels: containerAlert,
  summary: "Container api of trading/api-7d9f8-x2x4z was OOM killed",
  description: "Container api of trading/api-7d9f8-x2x4z was killed for using more memory than its limit and restarted; restarts over the last 10m: 1.",
};
/** Working set of the container against a 100-byte limit; the pod's cgroup counts the whole pod and must not be mistaken for it. */
const memoryAgainstLimit = (workingSet: number) => [
  series("container_memory_working_set_bytes", cadvisorContainer, gauge(workingSet)),
  series("container_memory_working_set_bytes", cadvisorPodCgroup, gauge(1000)),
  series("kube_pod_container_resource_limits", { ...ksm, ...kContainer, uid: "u1", resource: "memory", unit: "byte" }, gauge(100)),
];
const throttling = (throttledPerHundred: number) => [
  series("container_cpu_cfs_periods_total", cadvisorContainer, counter(100)),
  series("container_cpu_cfs_throttled_periods_total", cadvisorContainer, counter(throttledPerHundred)),
];
const appVolume = { job: "kubelet", metrics_path: "/metrics", instance: "10.0.0.5:10250", node: "worker-1", namespace: "trading", persistentvolumeclaim: "postgres-data" };
const appVolumeAlert = { ...appVolume, service: "trading/postgres-data" };
/** `readOnlyDecoy`: the read-only volume and kube-state-metrics' series that tell it apart (a stack without kube-state-metrics has neither). */
const appVolumeStats = (available: string, readOnlyDecoy = true) => {
  const stats = (labels: Record<string, string>, free: string) => [
    series("kubelet_volume_stats_capacity_bytes", labels, gauge(1000)),
    series("kubelet_volume_stats_available_bytes", labels, free),
  ];
  return [
    ...stats(appVolume, available),
    // Decoys, full and filling: the stack's own volume (MonitoringVolumeFull's), and a read-only one (full by design).
    ...stats({ ...appVolume, namespace: "monitoring", persistentvolumeclaim: "prometheus-data" }, dropped(500, 10)),
    ...(readOnlyDecoy
      ? [
          ...stats({ ...appVolume, persistentvolumeclaim: "shared-assets" }, dropped(500, 10)),
          series("kube_persistentvolumeclaim_access_mode", { ...ksm, namespace: "trading", persistentvolumeclaim: "shared-assets", access_mode: "ReadOnlyMany" }, gauge(1)),
        ]
      : []),
  ];
};
const appVolumeUse = (share: string, threshold: string, severity: Severity) =>
  `The volume postgres-data in trading is ${share} full (threshold ${threshold})` + (severity === "warning" ? " and, at the rate of the last 6h, full within 4 days." : ".");
const appVolumeSummary = "Volume trading/postgres-data is filling up";
const persistentVolume = { ...ksm, persistentvolume: "pvc-0c1d2e3f" };
/** The volume's phase, and its claim in the app's namespace (prod's alerts watch the app's namespaces and the stack's own). */
const volumePhase = (phase: string) => [
  ...["Bound", "Failed"].map((p) => series("kube_persistentvolume_status_phase", { ...persistentVolume, phase: p }, gauge(p === phase ? 1 : 0))),
  series("kube_persistentvolume_claim_ref", { ...persistentVolume, claim_namespace: "trading", name: "postgres-data" }, gauge(1)),
];
const nodeReady = (ready: 0 | 1) =>
  (["true", "false"] as const).map((status) => series("kube_node_status_condition", { ...ksm, node: "worker-2", condition: "Ready", status }, gauge((status === "true") === (ready === 1) ? 1 : 0)));
const kubelet = { job: "kubelet", instance: "10.0.0.6:10250", node: "worker-2" };
/** Root filesystem of 1000 bytes, `available` free; it is writable. */
const rootFilesystem = (available: string) => [
  series("node_filesystem_size_bytes", rootFs, gauge(1000)),
  series("node_filesystem_avail_bytes", rootFs, available),
  series("node_filesystem_readonly", rootFs, gauge(0)),
];
const rootFsAlert = { ...nodeAlert, device: "/dev/sda1", fstype: "ext4", mountpoint: "/" };
const fillingUp = (share: string, threshold: string, severity: Severity) =>
  `/ (/dev/sda1) on worker-1 is ${share} full (threshold ${threshold}) and, at the rate of the last 6h, full within ${severity === "warning" ? "24h" : "4h"}.`;
const outOfSpace = (share: string, threshold: string) => `/ (/dev/sda1) on worker-1 is ${share} full (threshold ${threshold}).`;
const fsSummary = "Filesystem / on worker-1 is running out of space";

scenarios.push(
  { alert: "KubePodCrashLooping", situation: "a container restarts but never waits in back-off", series: crashLoop(0), fires: [], justUnder: "warning" },
  {
    alert: "KubePodCrashLooping",
    situation: "a container restarts every 2 minutes and waits in CrashLoopBackOff",
    series: crashLoop(1),
    fires: [
      {
        severity: "warning",
        labels: containerAlert,
        summary: "Container api of trading/api-7d9f8-x2x4z is crash looping",
        description: "Container api of trading/api-7d9f8-x2x4z keeps crashing and waits in CrashLoopBackOff; it restarted 2 times over the last 5m.",
      },
    ],
  },
  {
    alert: "KubePodNotReady",
    situation: "the pod runs; a Job's pod waits its turn, Pending",
    series: [...podPhase("Running"), ...podPhase("Pending", { namespace: "trading", pod: "migrate-28419" }, "Job")],
    fires: [],
    justUnder: "warning",
  },
  {
    alert: "KubePodNotReady",
    situation: "a Deployment's pod stays Pending",
    series: podPhase("Pending"),
    fires: [
      {
        severity: "warning",
        labels: { ...kPod, ...podService },
        summary: "Pod trading/api-7d9f8-x2x4z is not running",
        description: "Pod trading/api-7d9f8-x2x4z has been Pending or Unknown for 15m: unschedulable (not enough CPU or memory, a taint, a volume) or its node is gone.",
      },
    ],
  },
  { alert: "KubeDeploymentReplicasMismatch", situation: "3 of 3 replicas available", series: deploymentReplicas(3), fires: [], justUnder: "warning" },
  { alert: "KubeDeploymentReplicasMismatch", situation: "1 of 3 available while a rollout updates a replica a minute", series: deploymentReplicas(1, counter(1)), fires: [] },
  {
    alert: "KubeDeploymentReplicasMismatch",
    situation: "1 of 3 replicas available, no rollout under way",
    series: deploymentReplicas(1),
    fires: [
      {
        severity: "warning",
        labels: deploymentAlert,
        summary: "Deployment trading/api is missing replicas",
        description: "2 of the replicas Deployment trading/api wants have not been available for 15m, and no rollout is under way.",
      },
    ],
  },
  { alert: "KubeDeploymentRolloutStuck", situation: "the rollout progresses", series: progressing("true"), fires: [], justUnder: "warning" },
  {
    alert: "KubeDeploymentRolloutStuck",
    situation: "Progressing is false: the progress deadline passed",
    series: progressing("false"),
    fires: [
      {
        severity: "warning",
        labels: { ...deploymentAlert, condition: "Progressing", status: "false" },
        summary: "Rollout of Deployment trading/api is stuck",
        description: "The rollout of Deployment trading/api has not progressed for 15m (its progress deadline passed): new pods do not become ready.",
      },
    ],
  },
  { alert: "KubeStatefulSetReplicasMismatch", situation: "3 of 3 replicas ready", series: statefulSetReplicas(3), fires: [], justUnder: "warning" },
  {
    alert: "KubeStatefulSetReplicasMismatch",
    situation: "2 of 3 replicas ready, no rollout under way",
    series: statefulSetReplicas(2),
    fires: [
      {
        severity: "warning",
        labels: { ...statefulSet, service: "trading/postgres" },
        summary: "StatefulSet trading/postgres is missing replicas",
        description: "1 of the replicas StatefulSet trading/postgres wants have not been ready for 15m, and no rollout is under way.",
      },
    ],
  },
  { alert: "KubeDaemonSetRolloutStuck", situation: "3 of 3 pods scheduled, updated and available", series: daemonSetStatus(3), fires: [], justUnder: "warning" },
  {
    alert: "KubeDaemonSetRolloutStuck",
    situation: "one of 3 pods unavailable, nothing changing",
    series: daemonSetStatus(2),
    fires: [
      {
        severity: "warning",
        labels: { ...daemonSet, service: "monitoring-agents/node-exporter" },
        summary: "DaemonSet monitoring-agents/node-exporter rollout is stuck",
        description: "1 pods of DaemonSet monitoring-agents/node-exporter are unscheduled, outdated, unavailable or on the wrong nodes, with no progress for 15m.",
      },
    ],
  },
  { alert: "KubeContainerWaiting", situation: "a container waits in CrashLoopBackOff (KubePodCrashLooping's)", series: waiting("CrashLoopBackOff"), fires: [], justUnder: "warning" },
  {
    alert: "KubeContainerWaiting",
    situation: "a container cannot pull its image for an hour",
    series: waiting("ImagePullBackOff"),
    fires: [
      {
        severity: "warning",
        labels: { ...containerAlert, reason: "ImagePullBackOff" },
        summary: "Container api of trading/api-7d9f8-x2x4z is not starting",
        description: "Container api of trading/api-7d9f8-x2x4z has been waiting for 1h (ImagePullBackOff).",
      },
    ],
  },
  { alert: "KubeJobFailed", situation: "the Job has not failed", series: jobFailed(0), fires: [], justUnder: "warning" },
  {
    alert: "KubeJobFailed",
    situation: "the Job failed",
    series: jobFailed(1),
    fires: [
      {
        severity: "warning",
        labels: { ...job, condition: "true", service: "trading/nightly-report" },
        summary: "Job trading/nightly-report failed",
        description: "Job trading/nightly-report failed to complete. Deleting the Job once its cause is understood clears this alert.",
      },
    ],
  },
  { alert: "KubeContainerOOMKilled", situation: "a container restarted after exiting with an error", series: restartedAfter("Error"), fires: [], justUnder: "warning" },
  {
    alert: "KubeContainerOOMKilled",
    situation: "OOM killed long ago and running since: its last termination reason still says OOMKilled",
    series: restartedAfter("OOMKilled", gauge(3)),
    fires: [],
  },
  {
    alert: "KubeContainerOOMKilled",
    situation: "OOM killed and restarted at minute 1, running since: fires, then resolves once the restart leaves the 10m window",
    series: restartedAfter("OOMKilled"),
    fires: [oomKilled],
    later: [
      { atMinute: 8, fires: [oomKilled] },
      { atMinute: 12, fires: [] },
      { atMinute: 40, fires: [] },
    ],
  },
  { alert: "ContainerMemoryNearLimit", situation: "working set at 89% of the limit", series: memoryAgainstLimit(89), fires: [], justUnder: "warning" },
  {
    alert: "ContainerMemoryNearLimit",
    situation: "working set at 91% of the limit (the pod's cgroup, ten times more, is not a container)",
    series: memoryAgainstLimit(91),
    fires: [
      {
        severity: "warning",
        labels: containerAlert,
        summary: "Container api of trading/api-7d9f8-x2x4z is close to its memory limit",
        description: "Container api of trading/api-7d9f8-x2x4z uses 91% of its memory limit (threshold 90%): at the limit it is OOM killed.",
      },
    ],
  },
  { alert: "CPUThrottlingHigh", situation: "throttled in 24.9% of CFS periods", series: throttling(24.9), fires: [], justUnder: "warning" },
  {
    alert: "CPUThrottlingHigh",
    situation: "throttled in 26% of CFS periods",
    series: throttling(26),
    fires: [
      {
        severity: "warning",
        labels: containerAlert,
        summary: "Container api of trading/api-7d9f8-x2x4z is CPU throttled",
        description: "Container api of trading/api-7d9f8-x2x4z was throttled in 26% of its CPU periods over the last 5m (threshold 25%): its CPU limit slows it down.",
      },
    ],
  },
  { alert: "KubePersistentVolumeFillingUp", situation: "an app volume 90% full and steady", series: appVolumeStats(gauge(100)), fires: [] },
  { alert: "KubePersistentVolumeFillingUp", situation: "an app volume 84% full and filling", series: appVolumeStats(dropped(500, 160)), fires: [], justUnder: "warning" },
  {
    alert: "KubePersistentVolumeFillingUp",
    situation: "an app volume 96% full and filling",
    series: appVolumeStats(dropped(500, 40)),
    fires: [{ severity: "warning", labels: appVolumeAlert, summary: appVolumeSummary, description: appVolumeUse("96%", "85%", "warning") }],
    justUnder: "critical",
  },
  {
    alert: "KubePersistentVolumeFillingUp",
    situation: "an app volume 98% full and filling; the stack's own and a read-only volume too, neither alerting here",
    series: appVolumeStats(dropped(500, 20)),
    fires: [
      { severity: "warning", labels: appVolumeAlert, summary: appVolumeSummary, description: appVolumeUse("98%", "85%", "warning") },
      { severity: "critical", labels: appVolumeAlert, summary: appVolumeSummary, description: appVolumeUse("98%", "97%", "critical") },
    ],
  },
  // The same from the kubelet's series alone, as a stack without kube-state-metrics sees them.
  { alert: "KubePersistentVolumeFillingUp", situation: "an app volume 84% full and filling, kubelet series only", series: appVolumeStats(dropped(500, 160), false), fires: [], justUnder: "warning" },
  {
    alert: "KubePersistentVolumeFillingUp",
    situation: "an app volume 96% full and filling, kubelet series only",
    series: appVolumeStats(dropped(500, 40), false),
    fires: [{ severity: "warning", labels: appVolumeAlert, summary: appVolumeSummary, description: appVolumeUse("96%", "85%", "warning") }],
    justUnder: "critical",
  },
  {
    alert: "KubePersistentVolumeFillingUp",
    situation: "an app volume 98% full and filling, kubelet series only",
    series: appVolumeStats(dropped(500, 20), false),
    fires: [
      { severity: "warning", labels: appVolumeAlert, summary: appVolumeSummary, description: appVolumeUse("98%", "85%", "warning") },
      { severity: "critical", labels: appVolumeAlert, summary: appVolumeSummary, description: appVolumeUse("98%", "97%", "critical") },
    ],
  },
  { alert: "KubePersistentVolumeErrors", situation: "the volume is Bound", series: volumePhase("Bound"), fires: [], justUnder: "critical" },
  {
    alert: "KubePersistentVolumeErrors",
    situation: "the volume Failed",
    series: volumePhase("Failed"),
    fires: [
      {
        severity: "critical",
        labels: { ...persistentVolume, phase: "Failed", service: "pvc-0c1d2e3f" },
        summary: "PersistentVolume pvc-0c1d2e3f is Failed",
        description: "PersistentVolume pvc-0c1d2e3f has been Failed for 5m: the pods using it cannot start.",
      },
    ],
  },
  { alert: "KubeNodeNotReady", situation: "the node is Ready", series: nodeReady(1), fires: [], justUnder: "warning" },
  {
    alert: "KubeNodeNotReady",
    situation: "the node is not Ready",
    series: nodeReady(0),
    fires: [
      {
        severity: "warning",
        labels: { ...ksm, node: "worker-2", condition: "Ready", status: "true", service: "worker-2" },
        summary: "Node worker-2 is not ready",
        description: "Node worker-2 has not been Ready for 15m: no new pods go there, and its pods may be evicted.",
      },
    ],
  },
  { alert: "KubeStateMetricsDown", situation: "kube-state-metrics answers its scrapes", series: [up(ksm, 1)], fires: [], justUnder: "critical" },
  {
    alert: "KubeStateMetricsDown",
    situation: "kube-state-metrics fails its scrapes",
    series: [up(ksm, 0)],
    fires: [
      {
        severity: "critical",
        labels: ksm,
        summary: "kube-state-metrics 10.0.1.2:8080 is down",
        description: "Prometheus has failed to scrape kube-state-metrics at 10.0.1.2:8080 for 5m: every Kubernetes alert on pods, workloads and nodes is blind.",
      },
    ],
  },
  {
    alert: "KubeletDown",
    situation: "both kubelet endpoints answer",
    series: [up({ ...kubelet, metrics_path: "/metrics" }, 1), up({ ...kubelet, metrics_path: "/metrics/cadvisor" }, 1)],
    fires: [],
    justUnder: "critical",
  },
  {
    alert: "KubeletDown",
    situation: "the kubelet's cAdvisor endpoint fails its scrapes",
    series: [up({ ...kubelet, metrics_path: "/metrics" }, 1), up({ ...kubelet, metrics_path: "/metrics/cadvisor" }, 0)],
    fires: [
      {
        severity: "critical",
        labels: { ...kubelet, metrics_path: "/metrics/cadvisor", service: "worker-2" },
        summary: "Kubelet on worker-2 is not answering",
        description: "Prometheus has failed to scrape the kubelet's /metrics/cadvisor on worker-2 for 15m: the node's volume usage and container metrics are missing, and the node may be down.",
      },
    ],
  },
  { alert: "NodeFilesystemSpaceFillingUp", situation: "root filesystem 84% full and filling", series: rootFilesystem(dropped(500, 160)), fires: [], justUnder: "warning" },
  {
    alert: "NodeFilesystemSpaceFillingUp",
    situation: "root filesystem 88% full and filling",
    series: rootFilesystem(dropped(500, 120)),
    fires: [{ severity: "warning", labels: rootFsAlert, summary: fsSummary, description: fillingUp("88%", "85%", "warning") }],
    justUnder: "critical",
  },
  {
    alert: "NodeFilesystemSpaceFillingUp",
    situation: "root filesystem 95% full and filling",
    series: rootFilesystem(dropped(500, 50)),
    fires: [
      { severity: "warning", labels: rootFsAlert, summary: fsSummary, description: fillingUp("95%", "85%", "warning") },
      { severity: "critical", labels: rootFsAlert, summary: fsSummary, description: fillingUp("95%", "90%", "critical") },
    ],
  },
  { alert: "NodeFilesystemAlmostOutOfSpace", situation: "root filesystem 94.9% full", series: rootFilesystem(gauge(51)), fires: [], justUnder: "warning" },
  {
    alert: "NodeFilesystemAlmostOutOfSpace",
    situation: "root filesystem 96% full",
    series: rootFilesystem(gauge(40)),
    fires: [{ severity: "warning", labels: rootFsAlert, summary: fsSummary, description: outOfSpace("96%", "95%") }],
    justUnder: "critical",
  },
  {
    alert: "NodeFilesystemAlmostOutOfSpace",
    situation: "root filesystem 98% full",
    series: rootFilesystem(gauge(20)),
    fires: [
      { severity: "warning", labels: rootFsAlert, summary: fsSummary, description: outOfSpace("98%", "95%") },
      { severity: "critical", labels: rootFsAlert, summary: fsSummary, description: outOfSpace("98%", "97%") },
    ],
  },
);

// --- probes (observability:probes, run through blackbox-exporter) ---
/** The prod stack's first probe, with the labels its scrape job gives every series. */
const website = { job: "blackbox", instance: "https://cryptoorchestrator.com/", probe: "website" };
const websiteAlert = { ...website, service: "website" };
/**
 * Certificate expiry is an absolute Unix time; promtool's clock starts at 0, and the scenarios are
 * read 2 minutes after the 10m `for:`: this many days are left then.
 */
const expiresInDays = (days: number) => gauge(days * 86400 + 12 * 60);
const certificate = (days: string, threshold: string) => `The earliest-expiring certificate https://cryptoorchestrator.com/ presents expires in ${days} days (threshold ${threshold}).`;
const certificateSummary = "Certificate of website expires soon";

scenarios.push(
  { alert: "ProbeFailed", situation: "the probe succeeds", series: [series("probe_success", website, gauge(1))], fires: [], justUnder: "critical" },
  {
    alert: "ProbeFailed",
    situation: "every probe fails",
    series: [series("probe_success", website, gauge(0))],
    fires: [
      {
        severity: "critical",
        labels: websiteAlert,
        summary: "Probe website fails",
        description: "Every probe of https://cryptoorchestrator.com/ (website) has failed for 2m: users cannot reach it from the cluster, or it answers with an error.",
      },
    ],
  },
  { alert: "ProbeSlow", situation: "probes take 1.9s", series: [series("probe_duration_seconds", website, gauge(1.9))], fires: [], justUnder: "warning" },
  {
    alert: "ProbeSlow",
    situation: "probes take 3s",
    series: [series("probe_duration_seconds", website, gauge(3))],
    fires: [
      {
        severity: "warning",
        labels: websiteAlert,
        summary: "Probe website is slow",
        description: "The 95th percentile duration of the probes of https://cryptoorchestrator.com/ (website) is 3s over the last 5m (threshold 2s).",
      },
    ],
  },
  { alert: "CertificateExpiringSoon", situation: "15 days left", series: [series("probe_ssl_earliest_cert_expiry", website, expiresInDays(15))], fires: [], justUnder: "warning" },
  {
    alert: "CertificateExpiringSoon",
    situation: "4 days left",
    series: [series("probe_ssl_earliest_cert_expiry", website, expiresInDays(4))],
    fires: [{ severity: "warning", labels: websiteAlert, summary: certificateSummary, description: certificate("4", "14 days") }],
    justUnder: "critical",
  },
  {
    alert: "CertificateExpiringSoon",
    situation: "2 days left",
    series: [series("probe_ssl_earliest_cert_expiry", website, expiresInDays(2))],
    fires: both(websiteAlert, certificateSummary, (t) => certificate("2", t), ["14 days", "3 days"]),
  },
);

/** An annotated pod of the app, as Prometheus labels its target. */
const appTarget = { job: "fastapi", instance: "10.0.0.7:8000", namespace: "trading", pod: "api-7d9f8-x2x4z", service: "crypto-orchestrator" };
/** The prod stack's app sample_limit: half of its 524288-series budget (8Gi) over 50 targets. */
const APP_SAMPLE_LIMIT = 5242;
/** A target's own scrape series: up, what it offered, and its limit (extra-scrape-metrics); and Prometheus' counter of refused scrapes. */
const scrape = (offered: number, refusedPerMinute: number) => [
  up(appTarget, offered > APP_SAMPLE_LIMIT ? 0 : 1),
  series("scrape_samples_scraped", appTarget, gauge(offered)),
  series("scrape_sample_limit", appTarget, gauge(APP_SAMPLE_LIMIT)),
  series("prometheus_target_scrapes_exceeded_sample_limit_total", prometheus, counter(refusedPerMinute)),
];

scenarios.push(
  { alert: "ScrapeSampleLimitHit", situation: "a pod offers fewer samples than its job's limit", series: scrape(5000, 0), fires: [], justUnder: "warning" },
  {
    alert: "ScrapeSampleLimitHit",
    situation: "a pod offers 200k samples: its scrapes are refused",
    series: scrape(200_000, 4),
    fires: [
      {
        severity: "warning",
        labels: appTarget,
        summary: "trading/api-7d9f8-x2x4z exposes more samples than job fastapi allows",
        description:
          "10.0.0.7:8000 (trading/api-7d9f8-x2x4z) offered 200k samples, over the sample_limit of job fastapi: Prometheus refuses the whole scrape, so none of its series are stored. Fix the target's cardinality, or raise prometheus.scrapeLimits.jobs.fastapi.sampleLimit if it is expected.",
      },
    ],
  },
  {
    alert: "PrometheusHeadSeriesNearBudget",
    situation: "Prometheus at 400k series; a tenant's series of the same name claims 900k",
    series: [series("prometheus_tsdb_head_series", prometheus, gauge(400_000)), series("prometheus_tsdb_head_series", appTarget, gauge(900_000))],
    fires: [],
    justUnder: "warning",
  },
  {
    alert: "PrometheusHeadSeriesNearBudget",
    situation: "Prometheus at 450k series, over 80% of its 524288-series budget",
    series: [series("prometheus_tsdb_head_series", prometheus, gauge(450_000))],
    fires: [
      {
        severity: "warning",
        labels: prometheus,
        summary: "Prometheus localhost:9090 holds nearly as many series as it is sized for",
        description:
          "Prometheus localhost:9090 holds 450k series in its head block, over 80% of its budget of 524288 (prometheus.scrapeLimits.seriesBudget, derived from its memory limit): it may soon run out of memory. See the stack-health dashboard's top series by job and namespace.",
      },
    ],
  },
  {
    alert: "PrometheusConfigReloadFailed",
    situation: "the last reload succeeded; a tenant's series of the same name says it failed",
    series: [series("prometheus_config_last_reload_successful", prometheus, gauge(1)), series("prometheus_config_last_reload_successful", appTarget, gauge(0))],
    fires: [],
    justUnder: "warning",
  },
  {
    alert: "PrometheusConfigReloadFailed",
    situation: "a changed rule file was refused",
    series: [series("prometheus_config_last_reload_successful", prometheus, gauge(0))],
    fires: [
      {
        severity: "warning",
        labels: prometheus,
        summary: "Prometheus localhost:9090 refused its newest configuration",
        description: "Prometheus localhost:9090 failed to load its changed prometheus.yml or rule files and has been running the previous ones for 10m: its log says why.",
      },
    ],
  },
);

// A pod outside app.namespaces (prod: trading) that calls itself the app cannot page on-call.
scenarios.push(
  {
    alert: "ApplicationDown",
    situation: "a tenant's pod in another namespace, scraped as the app (app.namespaces: all elsewhere), is down",
    series: [up({ ...appTarget, namespace: "tenant", pod: "crypto-orchestrator-evil" }, 0)],
    fires: [],
  },
  {
    alert: "HighErrorRate",
    situation: "a tenant's pod in another namespace answers every request with a 500",
    series: [
      series("http_requests_total", { ...appTarget, namespace: "tenant", method: "GET", endpoint: "/", status: "500" }, counter(1000)),
      series("http_requests_total", { ...appTarget, namespace: "tenant", method: "GET", endpoint: "/", status: "200" }, counter(0)),
    ],
    fires: [],
  },
);
