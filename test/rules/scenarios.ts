/**
 * Input series and the alerts they must (or must not) raise, one scenario per situation, written for
 * the thresholds the prod stack uses (the guide's). `promtool-test-file.ts` turns them into a
 * `promtool test rules` file; the test checks that together they cover every rule of the prod render.
 */
import { Severity } from "../../configs/alert-rules";

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

/** Samples per series: one hour at one per minute, longer than any `for:` plus the rate window. */
export const SAMPLES = 60;
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
      // 13m: the 5m average fell under 5% (the critical's last value was 6.25% at 12m); 15m: under 1%.
      {
        atMinute: 14,
        fires: [
          { severity: "warning", labels: appGroup, summary: summaries.errorRate, description: errorRate("2.174%", "1%") },
          { severity: "critical", labels: appGroup, summary: summaries.errorRate, description: errorRate("6.25%", "5%") },
        ],
      },
      // The warning has cleared while the critical still fires (keep_firing_for: the rate window), so it was never released.
      { atMinute: 16, fires: [{ severity: "critical", labels: appGroup, summary: summaries.errorRate, description: errorRate("6.25%", "5%") }] },
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
    situation: "Promtail and Alloy fail their scrapes",
    series: [up(promtail, 0), up(alloy, 0)],
    fires: [
      {
        severity: "warning",
        labels: promtail,
        summary: "promtail 10.0.0.5:3101 is down",
        description: "Prometheus has failed to scrape promtail at 10.0.0.5:3101 for 5m: logs of its node are not shipped.",
      },
      {
        severity: "warning",
        labels: alloy,
        summary: "alloy 10.0.0.6:12345 is down",
        description: "Prometheus has failed to scrape alloy at 10.0.0.6:12345 for 5m: logs of its node are not shipped.",
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
    situation: "Promtail drops 6 lines a minute, Alloy 2",
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
      {
        severity: "warning",
        labels: { job: "alloy", instance: alloy.instance },
        summary: "alloy 10.0.0.6:12345 drops log lines",
        description: "alloy at 10.0.0.6:12345 dropped 10 log lines over the last 5m after exhausting its retries: they are lost.",
      },
    ],
  },
];
