/** Prometheus rule files as typed objects, field names as in the upstream rule file format. */
export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels: { severity: "critical" | "warning" | "info"; [name: string]: string };
  annotations: { summary: string; description: string; runbook_url?: string; [name: string]: string | undefined };
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: AlertingRule[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

export interface AlertRuleInputs {
  /** Job name of the FastAPI backend. */
  appJob: string;
  /** Evaluation interval of the rule groups. */
  groupInterval: string;
}

/** The guide's application, database and trading alerts. */
export function buildAlertRules(inputs: AlertRuleInputs): RuleFile {
  const job = inputs.appJob;
  return {
    groups: [
      {
        name: "application",
        interval: inputs.groupInterval,
        rules: [
          {
            alert: "HighErrorRate",
            // The share of 5xx responses: the guide's table sets thresholds in percent of requests.
            expr: `sum by (job, namespace, service) (rate(http_requests_total{job="${job}",status=~"5.."}[5m])) / sum by (job, namespace, service) (rate(http_requests_total{job="${job}"}[5m])) > 0.05`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
              summary: "High error rate on {{ $labels.job }}",
              description: "{{ $value | humanizePercentage }} of requests to {{ $labels.job }} fail with a 5xx status.",
            },
          },
          {
            alert: "HighResponseTime",
            expr: `histogram_quantile(0.95, sum by (job, namespace, service, le) (rate(http_request_duration_seconds_bucket{job="${job}"}[5m]))) > 2`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Slow responses on {{ $labels.job }}",
              description: "The 95th percentile response time of {{ $labels.job }} is {{ $value | humanizeDuration }}.",
            },
          },
          {
            alert: "ApplicationDown",
            expr: `up{job="${job}"} == 0`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: {
              summary: "{{ $labels.job }} is down",
              description: "{{ $labels.instance }} has not answered a scrape for more than 1 minute.",
            },
          },
        ],
      },
      {
        name: "database",
        interval: inputs.groupInterval,
        rules: [
          {
            alert: "HighDatabaseConnections",
            expr: `database_connections_active{job="${job}"} > 80`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Many database connections on {{ $labels.instance }}",
              description: "{{ $value }} database connections are active on {{ $labels.instance }}.",
            },
          },
        ],
      },
      {
        name: "trading",
        interval: inputs.groupInterval,
        rules: [
          {
            alert: "HighTradeFailureRate",
            expr: `sum by (job, namespace, service, exchange) (rate(trades_total{job="${job}",status="failed"}[5m])) / sum by (job, namespace, service, exchange) (rate(trades_total{job="${job}"}[5m])) > 0.1`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
              summary: "Trades failing on {{ $labels.exchange }}",
              description: "{{ $value | humanizePercentage }} of trades on {{ $labels.exchange }} fail.",
            },
          },
          {
            alert: "SlowOrderExecution",
            expr: `histogram_quantile(0.95, sum by (job, namespace, service, exchange, le) (rate(order_execution_latency_seconds_bucket{job="${job}"}[5m]))) > 5`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
              summary: "Slow order execution on {{ $labels.exchange }}",
              description: "The 95th percentile order execution time on {{ $labels.exchange }} is {{ $value | humanizeDuration }}.",
            },
          },
        ],
      },
    ],
  };
}
