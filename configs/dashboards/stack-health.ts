import type { DashboardDefinition } from "./definition";
import { buildDashboard, labelValuesVariable, promQuery, statPanel, Thresholds, timeSeriesPanel, units, when } from "./panels";
import { CADVISOR, KSM, KSM_TELEMETRY, KUBELET } from "./kubernetes-queries";
import { aggregate, sumRate } from "./queries";

/** Jobs as configs/prometheus.ts names the stack's own scrape configs. */
const JOBS = { prometheus: `job="prometheus"`, alertmanager: `job="alertmanager"`, loki: `job="loki"`, promtail: `job="promtail"`, alloy: `job="alloy"` };
const SELECTED = `job=~"$job"`;
/** Any count of broken things above zero is worth a look. */
const NONE_EXPECTED: Thresholds = { base: "green", steps: [[1, "red"]] };
const FAILURES_EXPECTED_ZERO: Thresholds = { base: "green", steps: [[0.001, "red"]] };

export const stackHealth: DashboardDefinition = {
  folder: "Observability",
  datasources: ["prometheus"],
  build: ({ components }) =>
    buildDashboard({
      uid: "observability-stack-health",
      title: "Stack health",
      description: "Is the monitoring itself working: targets, scrapes, rule evaluation, alert delivery, log ingestion.",
      tags: ["stack"],
      variables: [labelValuesVariable("job", { label: "Job", datasource: "prometheus", query: "label_values(up, job)" })],
      sections: [
        {
          row: "Overview",
          panels: [
            statPanel({ title: "Targets down", description: "Scrape targets of the selected jobs not answering.", thresholds: NONE_EXPECTED, width: 6, query: promQuery(`count(up{${SELECTED}} == 0) or vector(0)`) }),
            statPanel({ title: "Alerts firing", description: "Alerts Prometheus has firing now.", thresholds: { base: "green", steps: [[1, "orange"]] }, width: 6, query: promQuery(`count(ALERTS{alertstate="firing"}) or vector(0)`) }),
            statPanel({ title: "Rule evaluation failures", description: "Rule evaluations failing per second: a rule that cannot evaluate never fires.", unit: units.Short, thresholds: FAILURES_EXPECTED_ZERO, width: 6, query: promQuery(sumRate("prometheus_rule_evaluation_failures_total", JOBS.prometheus)) }),
            ...when(components.alertmanager, statPanel({ title: "Notifications failed", description: "Alertmanager notifications failing per second, every integration.", unit: units.Short, thresholds: FAILURES_EXPECTED_ZERO, width: 6, query: promQuery(sumRate("alertmanager_notifications_failed_total", JOBS.alertmanager)) })),
          ],
        },
        {
          row: "Scraping",
          panels: [
            timeSeriesPanel({ title: "Targets up by job", description: "Targets answering scrapes, per job.", queries: [promQuery(aggregate("sum", `up{${SELECTED}}`, ["job"]), "{{job}}")] }),
            timeSeriesPanel({
              title: "Top series by job and namespace",
              description:
                "Samples each job brings in per scrape, by namespace (one per series it stores): who fills Prometheus' head block. Look here when PrometheusHeadSeriesNearBudget fires; a target over its job's sample_limit is refused and shows in ScrapeSampleLimitHit instead.",
              queries: [promQuery(`topk(15, ${aggregate("sum", "scrape_samples_post_metric_relabeling", ["job", "namespace"])})`, "{{job}} {{namespace}}")],
            }),
            timeSeriesPanel({
              title: "Scrapes refused for their size",
              description: "Scrapes Prometheus refused per second because a target exceeded its job's sample, label or body size limit: those targets store nothing.",
              unit: units.Short,
              thresholds: FAILURES_EXPECTED_ZERO,
              queries: [
                promQuery(sumRate("prometheus_target_scrapes_exceeded_sample_limit_total", JOBS.prometheus), "sample limit"),
                promQuery(sumRate("prometheus_target_scrapes_exceeded_body_size_limit_total", JOBS.prometheus), "body size limit"),
              ],
            }),
            timeSeriesPanel({ title: "Scrape duration by job", description: "Slowest scrape per job: near the scrape timeout, samples go missing.", unit: units.Seconds, queries: [promQuery(aggregate("max", `scrape_duration_seconds{${SELECTED}}`, ["job"]), "{{job}}")] }),
          ],
        },
        {
          row: "Rules and alerts",
          panels: [
            timeSeriesPanel({ title: "Rule evaluation failures by group", description: "Failed evaluations per second, per rule group.", unit: units.Short, thresholds: FAILURES_EXPECTED_ZERO, queries: [promQuery(sumRate("prometheus_rule_evaluation_failures_total", JOBS.prometheus, ["rule_group"]), "{{rule_group}}")] }),
            timeSeriesPanel({ title: "Rule group evaluation time", description: "How long each rule group took at its last evaluation; above its interval, evaluations are skipped.", unit: units.Seconds, queries: [promQuery(aggregate("max", `prometheus_rule_group_last_duration_seconds{${JOBS.prometheus}}`, ["rule_group"]), "{{rule_group}}")] }),
            timeSeriesPanel({ title: "Firing alerts by name", description: "Firing alerts by name and severity.", queries: [promQuery(aggregate("count", `ALERTS{alertstate="firing"}`, ["alertname", "severity"]), "{{alertname}} ({{severity}})")] }),
            ...when(components.alertmanager, timeSeriesPanel({
              title: "Alert delivery from Prometheus",
              description: "Alerts Prometheus failed to send to Alertmanager, or dropped, per second.",
              unit: units.Short,
              thresholds: FAILURES_EXPECTED_ZERO,
              queries: [promQuery(sumRate("prometheus_notifications_errors_total", JOBS.prometheus), "errors"), promQuery(sumRate("prometheus_notifications_dropped_total", JOBS.prometheus), "dropped")],
            })),
            ...when(components.alertmanager, timeSeriesPanel({
              title: "Alertmanager notifications",
              description: "Notifications sent and failed per second, per integration (email, slack, discord…).",
              unit: units.Short,
              width: 24,
              queries: [
                promQuery(sumRate("alertmanager_notifications_total", JOBS.alertmanager, ["integration"]), "{{integration}} sent"),
                promQuery(sumRate("alertmanager_notifications_failed_total", JOBS.alertmanager, ["integration"]), "{{integration}} failed"),
              ],
            })),
          ],
        },
        {
          row: "Kubernetes metrics",
          panels: [
            ...when(components.kubeStateMetrics, statPanel({ title: "kube-state-metrics up", description: "kube-state-metrics answering scrapes: without it every pod, workload and node alert is blind (KubeStateMetricsDown).", thresholds: { base: "red", steps: [[1, "green"]] }, width: 6, query: promQuery(`sum(up{${KSM}}) or vector(0)`) })),
            statPanel({ title: "cAdvisor targets down", description: "Kubelets whose /metrics/cadvisor scrape fails: container CPU and memory of those nodes are missing (KubeletDown).", thresholds: NONE_EXPECTED, width: 6, query: promQuery(`count(up{${CADVISOR}} == 0) or vector(0)`) }),
            statPanel({ title: "Kubelet targets down", description: "Kubelets whose /metrics scrape fails: volume usage of those nodes is missing (KubeletDown).", thresholds: NONE_EXPECTED, width: 6, query: promQuery(`count(up{${KUBELET}} == 0) or vector(0)`) }),
            ...when(components.kubeStateMetrics, statPanel({
              title: "kube-state-metrics API errors",
              description: "List and watch requests of kube-state-metrics the API server refused or failed, per second: a missing permission or an overloaded API server.",
              unit: units.Short,
              thresholds: FAILURES_EXPECTED_ZERO,
              width: 6,
              query: promQuery(`(${sumRate("kube_state_metrics_list_total", `${KSM_TELEMETRY}, result="error"`)} + ${sumRate("kube_state_metrics_watch_total", `${KSM_TELEMETRY}, result="error"`)}) or vector(0)`),
            })),
          ],
        },
        ...when(components.loki || components.logAgent !== "none", {
          row: "Logs pipeline",
          panels: [
            ...when(components.loki, timeSeriesPanel({ title: "Loki ingestion", description: "Bytes per second Loki's distributor receives.", unit: units.BytesPerSecondSI, queries: [promQuery(sumRate("loki_distributor_bytes_received_total", JOBS.loki), "bytes")] })),
            ...when(components.loki, timeSeriesPanel({ title: "Loki lines received", description: "Log lines per second Loki receives.", unit: units.Short, queries: [promQuery(sumRate("loki_distributor_lines_received_total", JOBS.loki), "lines")] })),
            ...when(components.loki, timeSeriesPanel({ title: "Loki discarded samples", description: "Lines Loki refused, per reason (rate limit, too old, line too long…).", unit: units.Short, thresholds: FAILURES_EXPECTED_ZERO, queries: [promQuery(sumRate("loki_discarded_samples_total", JOBS.loki, ["reason"]), "{{reason}}")] })),
            ...when(components.logAgent !== "none", timeSeriesPanel({
              title: "Log agent sent and dropped bytes",
              description: `Bytes ${components.logAgent === "alloy" ? "Alloy" : "Promtail"} sent to Loki and dropped after retries.`,
              unit: units.BytesPerSecondSI,
              // Promtail and Alloy name their client's counters differently: only the running agent's are read.
              queries:
                components.logAgent === "alloy"
                  ? [promQuery(sumRate("loki_write_sent_bytes_total", JOBS.alloy), "alloy sent"), promQuery(sumRate("loki_write_dropped_bytes_total", JOBS.alloy, ["reason"]), "alloy dropped {{reason}}")]
                  : [promQuery(sumRate("promtail_sent_bytes_total", JOBS.promtail), "promtail sent"), promQuery(sumRate("promtail_dropped_bytes_total", JOBS.promtail, ["reason"]), "promtail dropped {{reason}}")],
            })),
          ],
        }),
      ],
    }),
};
