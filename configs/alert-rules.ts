import { watchdogRuleGroup } from "./dead-mans-switch";
import { KUBERNETES_ALERT_JOBS, kubernetesAlertGroups, namespaceMatcher } from "./kubernetes-rules";
import { probeRules } from "./probe-rules";
import { assertValidPromQL } from "./promql";
import { AlertingRule, AlertRuleInputs, percent, PSEUDO_FILESYSTEMS, quote, RuleBuilder, RuleFile, RuleGroup } from "./rule-builder";
import { SCRAPE_JOBS } from "./scrape-jobs";
import { seriesBudget } from "./scrape-limits";
import { AlertSettings, StackSettings } from "./settings";

/** The alerts whose only setting is their `for:`. */
type ForOnlyAlert = { [K in keyof AlertSettings]: AlertSettings[K] extends { for: string; warning?: never; threshold?: never } ? K : never }[keyof AlertSettings];

/**
 * Alertmanager groups and inhibits on `alertname`, `cluster` and `service`, so `service` must name
 * the thing an alert is about. App series carry it (the pods' `app` label) and keep it through every
 * `by ()`; for a node or a volume the rule sets it, so a critical on one node never silences a
 * warning on another.
 */
const NODE_NAME = "{{ or $labels.node $labels.instance }}";
const nodeService = { service: NODE_NAME };

const seconds = (value: number) => `${value}s`;

/**
 * The stack's own jobs, for every rule about the stack itself: a series of the same name scraped from a
 * tenant's pod carries the app's job (Prometheus' target label wins), so it can never raise these.
 */
const OWN = Object.fromEntries(
  (["prometheus", "alertmanager", "loki", "promtail", "alloy"] as const).map((job) => [job, `job=${quote(SCRAPE_JOBS[job])}`]),
) as Record<"prometheus" | "alertmanager" | "loki" | "promtail" | "alloy", string>;

/** The Watchdog, the guide's application, database and trading alerts, node resources, and the monitoring stack's own health. */
export function buildAlertRules(inputs: AlertRuleInputs): RuleFile {
  const { app, alerts, namespace, prometheus, loki, nodeExporter, alertmanager, logAgent, probes } = inputs.settings;
  const build = new RuleBuilder(alerts.runbooksUrl);
  const interval = prometheus.evaluationInterval;
  const group = (name: string, rules: AlertingRule[]): RuleGroup => ({ name, interval, rules });
  return assertValidRules({
    groups: [
      // Without an Alertmanager the Watchdog would fire forever and reach no one.
      ...(alertmanager.enabled ? [watchdogRuleGroup(inputs.settings)] : []),
      group("application", applicationRules(build, appSelector(app), alerts)),
      group("database", databaseRules(build, appSelector(app), alerts)),
      group("trading", tradingRules(build, appSelector(app), alerts)),
      // Rules read only what runs: a rule on a component that is off could never fire.
      ...(nodeExporter.enabled ? [group("nodes", nodeRules(build, alerts))] : []),
      group("monitoring", monitoringRules(build, app.job, namespace, alerts, { loki: loki.enabled, alertmanager: alertmanager.enabled, logAgent })),
      group("cardinality", cardinalityRules(build, alerts, seriesBudget(inputs.settings))),
      ...kubernetesAlertGroups(build, inputs.settings).map(({ name, rules }) => group(name, rules)),
      ...(probes.length > 0 ? [group("probes", probeRules(build, alerts))] : []),
    ],
  });
}

/**
 * The matchers of the app's series: its job, and only in `app.namespaces`, so a pod labelled like the
 * app in any other namespace cannot page on-call. Static targets (outside the cluster) have no
 * namespace; every pod target has one (a scraped `namespace` becomes `exported_namespace`).
 */
export function appSelector(app: StackSettings["app"]): string {
  const job = `job=${quote(app.job)}`;
  if (app.namespaces === "all") return job;
  return `${job},${namespaceMatcher([...app.namespaces, ...(app.staticTargets.length > 0 ? [""] : [])])}`;
}

/**
 * Parses every expression, so the program (and `pulumi preview`) stops on a bad one with the rule's
 * name, group and the error's position, instead of Prometheus refusing the file after deploy.
 */
export function assertValidRules(file: RuleFile): RuleFile {
  for (const group of file.groups) {
    for (const rule of group.rules) assertValidPromQL(`alert rule ${rule.alert} (${rule.labels.severity}) in group ${group.name}`, rule.expr);
  }
  return file;
}

function applicationRules(build: RuleBuilder, app: string, alerts: AlertSettings): AlertingRule[] {
  const w = alerts.rateWindow;
  const requests = (matchers: string) => `sum by (job, namespace, service) (rate(http_requests_total{${app}${matchers}}[${w}]))`;
  return [
    // The share of 5xx responses: the guide's table sets percentages, its example a rate per second.
    ...build.pair("HighErrorRate", {
      limits: alerts.highErrorRate,
      expr: (t) => `${requests(',status=~"5.."')} / ${requests("")} > ${t}`,
      text: (t) => ({
        summary: "{{ $labels.job }} answers many requests with errors",
        description: `{{ $value | humanizePercentage }} of requests to {{ $labels.job }} were answered with a 5xx status over the last ${w} (threshold ${t}).`,
      }),
      format: percent,
      averagedOver: w,
    }),
    ...build.pair("HighResponseTime", {
      limits: alerts.highResponseTime,
      expr: (t) => `histogram_quantile(0.95, sum by (job, namespace, service, le) (rate(http_request_duration_seconds_bucket{${app}}[${w}]))) > ${t}`,
      text: (t) => ({
        summary: "{{ $labels.job }} responds slowly",
        description: `The 95th percentile response time of {{ $labels.job }} is {{ $value | humanizeDuration }} over the last ${w} (threshold ${t}).`,
      }),
      format: seconds,
      averagedOver: w,
    }),
    // The guide's expression: `up` is 0 when a scrape fails, so there is no other value to report.
    build.rule("ApplicationDown", "critical", `up{${app}} == 0`, alerts.applicationDown.for, {
      summary: "{{ $labels.job }} instance {{ $labels.instance }} is down",
      description: `Prometheus has failed to scrape {{ $labels.instance }} of {{ $labels.job }} for ${alerts.applicationDown.for}: the process is down, not answering or unreachable.`,
    }),
  ];
}

function databaseRules(build: RuleBuilder, app: string, alerts: AlertSettings): AlertingRule[] {
  const { threshold, for: forDuration } = alerts.highDatabaseConnections;
  return [
    build.rule("HighDatabaseConnections", "warning", `database_connections_active{${app}} > ${threshold}`, forDuration, {
      summary: "Many database connections on {{ $labels.instance }}",
      description: `{{ $value | humanize }} database connections are active on {{ $labels.instance }} (threshold ${threshold}).`,
    }),
  ];
}

function tradingRules(build: RuleBuilder, app: string, alerts: AlertSettings): AlertingRule[] {
  const w = alerts.rateWindow;
  const trades = (matchers: string) => `sum by (job, namespace, service, exchange) (rate(trades_total{${app}${matchers}}[${w}]))`;
  const slow = alerts.slowOrderExecution;
  return [
    ...build.pair("HighTradeFailureRate", {
      limits: alerts.highTradeFailureRate,
      expr: (t) => `${trades(',status="failed"')} / ${trades("")} > ${t}`,
      text: (t) => ({
        summary: "Trades failing on {{ $labels.exchange }}",
        description: `{{ $value | humanizePercentage }} of trades on {{ $labels.exchange }} failed over the last ${w} (threshold ${t}).`,
      }),
      format: percent,
      averagedOver: w,
    }),
    build.rule(
      "SlowOrderExecution",
      "warning",
      `histogram_quantile(0.95, sum by (job, namespace, service, exchange, le) (rate(order_execution_latency_seconds_bucket{${app}}[${w}]))) > ${slow.threshold}`,
      slow.for,
      {
        summary: "Slow order execution on {{ $labels.exchange }}",
        description: `The 95th percentile order execution time on {{ $labels.exchange }} is {{ $value | humanizeDuration }} over the last ${w} (threshold ${seconds(slow.threshold)}).`,
      },
    ),
  ];
}

function nodeRules(build: RuleBuilder, alerts: AlertSettings): AlertingRule[] {
  const w = alerts.rateWindow;
  const filesystem = (metric: string) => `${metric}{fstype!="",fstype!~"${PSEUDO_FILESYSTEMS}"}`;
  return [
    ...build.pair("HighCpuUsage", {
      limits: alerts.highCpuUsage,
      expr: (t) => `1 - avg by (job, instance, node) (rate(node_cpu_seconds_total{mode="idle"}[${w}])) > ${t}`,
      text: (t) => ({
        summary: `CPU busy on ${NODE_NAME}`,
        description: `The CPUs of ${NODE_NAME} were {{ $value | humanizePercentage }} busy over the last ${w} (threshold ${t}).`,
      }),
      format: percent,
      labels: nodeService,
      averagedOver: w,
    }),
    ...build.pair("HighMemoryUsage", {
      limits: alerts.highMemoryUsage,
      expr: (t) => `1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > ${t}`,
      text: (t) => ({
        summary: `Memory nearly exhausted on ${NODE_NAME}`,
        description: `{{ $value | humanizePercentage }} of the memory of ${NODE_NAME} is in use (threshold ${t}).`,
      }),
      format: percent,
      labels: nodeService,
    }),
    ...build.pair("HighDiskUsage", {
      limits: alerts.highDiskUsage,
      // A read-only filesystem (a mounted image, a snapshot) is full by design.
      expr: (t) =>
        `1 - ${filesystem("node_filesystem_avail_bytes")} / ${filesystem("node_filesystem_size_bytes")} > ${t} unless on (instance, device, mountpoint) node_filesystem_readonly == 1`,
      text: (t) => ({
        summary: `Filesystem {{ $labels.mountpoint }} filling up on ${NODE_NAME}`,
        description: `{{ $labels.mountpoint }} ({{ $labels.device }}) on ${NODE_NAME} is {{ $value | humanizePercentage }} full (threshold ${t}).`,
      }),
      format: percent,
      labels: nodeService,
    }),
  ];
}

interface MonitoredComponents {
  /** Loki in the cluster (an external one is not scraped). */
  loki: boolean;
  alertmanager: boolean;
  logAgent: "promtail" | "alloy" | "none";
}

function monitoringRules(build: RuleBuilder, appJob: string, namespace: string, alerts: AlertSettings, components: MonitoredComponents): AlertingRule[] {
  const w = alerts.rateWindow;
  const volume = (metric: string) => `kubelet_volume_stats_${metric}{namespace=${quote(namespace)}}`;
  const volumeUsed = `1 - ${volume("available_bytes")} / ${volume("capacity_bytes")}`;
  // Prometheus keeps its volume near retentionSizeRatio (0.85) full on purpose: only a volume that is
  // still filling up deserves the warning. Four days ahead, from the last six hours' trend.
  const fillingUp = `predict_linear(${volume("available_bytes")}[6h], 4 * 24 * 3600) < 0`;
  const logAgent = components.logAgent;
  const ownAlertJobs = quote([appJob, "loki", "promtail", "alloy", ...KUBERNETES_ALERT_JOBS].join("|"));
  const ratio = (numerator: string, denominator: string, by: string) => `sum by (${by}) (rate(${numerator}[${w}])) / sum by (${by}) (rate(${denominator}[${w}]))`;
  const f = (key: ForOnlyAlert) => alerts[key].for;
  return [
    // The app, Loki and the log agent have their own alerts, with their own severities.
    build.rule("TargetDown", "warning", `count by (job, namespace) (up{job!~${ownAlertJobs}} == 0) / count by (job, namespace) (up{job!~${ownAlertJobs}})`, f("targetDown"), {
      summary: "{{ $labels.job }} targets down",
      description: `{{ $value | humanizePercentage }} of the {{ $labels.job }} targets have failed every scrape for ${f("targetDown")}.`,
    }),
    build.rule(
      "PrometheusRuleEvaluationFailures",
      "critical",
      `sum by (job, instance, rule_group) (increase(prometheus_rule_evaluation_failures_total{${OWN.prometheus}}[${w}])) > 0`,
      f("prometheusRuleEvaluationFailures"),
      {
        summary: "Prometheus fails to evaluate rules",
        description: `{{ $value | humanize }} evaluations of rule group {{ $labels.rule_group }} failed over the last ${w}: its alerts cannot fire.`,
      },
    ),
    // Prometheus reloads prometheus.yml and its rule files when they change: a refused one leaves it
    // running the previous version, with nothing else to show for it.
    build.rule("PrometheusConfigReloadFailed", "warning", `prometheus_config_last_reload_successful{${OWN.prometheus}} == 0`, f("prometheusConfigReloadFailed"), {
      summary: "Prometheus {{ $labels.instance }} refused its newest configuration",
      description: `Prometheus {{ $labels.instance }} failed to load its changed prometheus.yml or rule files and has been running the previous ones for ${f("prometheusConfigReloadFailed")}: its log says why.`,
    }),
    // Without Alertmanager, Prometheus has none to send to: these would fire (or read nothing) forever.
    ...(components.alertmanager
      ? [
    build.rule(
      "PrometheusNotificationsFailing",
      "critical",
      `${ratio(`prometheus_notifications_errors_total{${OWN.prometheus}}`, `prometheus_notifications_sent_total{${OWN.prometheus}}`, "job, instance, alertmanager")} > 0`,
      f("prometheusNotificationsFailing"),
      {
        summary: "Prometheus fails to send alerts to {{ $labels.alertmanager }}",
        description: `{{ $value | humanizePercentage }} of the alerts Prometheus sent to {{ $labels.alertmanager }} failed over the last ${w}.`,
      },
    ),
    build.rule(
      "PrometheusNotConnectedToAlertmanagers",
      "critical",
      `prometheus_notifications_alertmanagers_discovered{${OWN.prometheus}} < 1`,
      f("prometheusNotConnectedToAlertmanagers"),
      {
        summary: "Prometheus has no Alertmanager to send alerts to",
        description: "Prometheus {{ $labels.instance }} has discovered {{ $value | humanize }} Alertmanagers: no alert leaves it.",
      },
    ),
    build.rule(
      "AlertmanagerNotificationsFailing",
      "critical",
      `${ratio(`alertmanager_notifications_failed_total{${OWN.alertmanager}}`, `alertmanager_notifications_total{${OWN.alertmanager}}`, "job, instance, integration")} > 0`,
      f("alertmanagerNotificationsFailing"),
      {
        summary: "Alertmanager fails to send {{ $labels.integration }} notifications",
        description: `{{ $value | humanizePercentage }} of the {{ $labels.integration }} notifications from {{ $labels.instance }} failed over the last ${w}.`,
      },
    ),
        ]
      : []),
    // An external Loki is not scraped: rules about the in-cluster one would watch series that never exist.
    ...(components.loki
      ? [
        build.rule("LokiDown", "critical", 'up{job="loki"} == 0', f("lokiDown"), {
          summary: "Loki {{ $labels.instance }} is down",
          description: `Prometheus has failed to scrape Loki at {{ $labels.instance }} for ${f("lokiDown")}: logs are not stored and cannot be queried.`,
        }),
        build.rule("LokiDiscardingLogs", "warning", `sum by (job, namespace, reason) (increase(loki_discarded_samples_total{${OWN.loki}}[${w}])) > 0`, f("lokiDiscardingLogs"), {
          summary: "Loki rejects log lines ({{ $labels.reason }})",
          description: `Loki rejected {{ $value | humanize }} log lines over the last ${w} with reason {{ $labels.reason }}: they are lost.`,
        }),
        ]
      : []),
    ...(logAgent === "none" ? [] : logAgentRules(build, logAgent, alerts)),
    ...build.pair("MonitoringVolumeFull", {
      limits: alerts.monitoringVolumeFull,
      expr: (t, severity) => (severity === "warning" ? `${volumeUsed} > ${t} and ${fillingUp}` : `${volumeUsed} > ${t}`),
      text: (t, severity) => ({
        summary: "Volume {{ $labels.persistentvolumeclaim }} is filling up",
        description:
          `The volume {{ $labels.persistentvolumeclaim }} in ${namespace} is {{ $value | humanizePercentage }} full (threshold ${t})` +
          (severity === "warning" ? " and, at the rate of the last 6h, full within 4 days." : "."),
      }),
      format: percent,
      labels: { service: "{{ $labels.persistentvolumeclaim }}" },
    }),
  ];
}

/** The running log agent's job and its counter of lines dropped after the last retry (Promtail and Alloy name it differently). */
function logAgentRules(build: RuleBuilder, logAgent: "promtail" | "alloy", alerts: AlertSettings): AlertingRule[] {
  const w = alerts.rateWindow;
  const dropped = logAgent === "alloy" ? "loki_write_dropped_entries_total" : "promtail_dropped_entries_total";
  const job = quote(logAgent);
  return [
    build.rule("LogAgentDown", "warning", `up{job=${job}} == 0`, alerts.logAgentDown.for, {
      summary: "{{ $labels.job }} {{ $labels.instance }} is down",
      description: `Prometheus has failed to scrape {{ $labels.job }} at {{ $labels.instance }} for ${alerts.logAgentDown.for}: logs of its node are not shipped.`,
    }),
    build.rule("LogAgentDroppingLogs", "warning", `sum by (job, instance) (increase(${dropped}{job=${job}}[${w}])) > 0`, alerts.logAgentDroppingLogs.for, {
      summary: "{{ $labels.job }} {{ $labels.instance }} drops log lines",
      description: `{{ $labels.job }} at {{ $labels.instance }} dropped {{ $value | humanize }} log lines over the last ${w} after exhausting its retries: they are lost.`,
    }),
  ];
}

/**
 * A target over its job's sample_limit is refused whole: its `up` is 0 and it stores nothing. The
 * counter says that it happened; the target's own series (Prometheus' extra scrape metrics: how many
 * samples it offered, and its limit) say which pod, in which namespace.
 */
function cardinalityRules(build: RuleBuilder, alerts: AlertSettings, budget: number): AlertingRule[] {
  const w = alerts.rateWindow;
  const near = alerts.prometheusHeadSeriesNearBudget;
  return [
    build.rule(
      "ScrapeSampleLimitHit",
      "warning",
      `(scrape_samples_scraped > scrape_sample_limit > 0 and up == 0) and on () (increase(prometheus_target_scrapes_exceeded_sample_limit_total{${OWN.prometheus}}[${w}]) > 0)`,
      alerts.scrapeSampleLimitHit.for,
      {
        summary: "{{ $labels.namespace }}/{{ $labels.pod }} exposes more samples than job {{ $labels.job }} allows",
        description:
          "{{ $labels.instance }} ({{ $labels.namespace }}/{{ $labels.pod }}) offered {{ $value | humanize }} samples, over the sample_limit of job {{ $labels.job }}: Prometheus refuses the whole scrape, so none of its series are stored. Fix the target's cardinality, or raise prometheus.scrapeLimits.jobs.{{ $labels.job }}.sampleLimit if it is expected.",
      },
    ),
    build.rule(
      "PrometheusHeadSeriesNearBudget",
      "warning",
      `prometheus_tsdb_head_series{${OWN.prometheus}} > ${Math.floor(near.threshold * budget)}`,
      near.for,
      {
        summary: "Prometheus {{ $labels.instance }} holds nearly as many series as it is sized for",
        description: `Prometheus {{ $labels.instance }} holds {{ $value | humanize }} series in its head block, over ${percent(near.threshold)} of its budget of ${budget} (prometheus.scrapeLimits.seriesBudget, derived from its memory limit): it may soon run out of memory. See the stack-health dashboard's top series by job and namespace.`,
      },
    ),
  ];
}
