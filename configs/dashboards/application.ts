import type { DashboardDefinition } from "./definition";
import { appJobVariables, buildDashboard, higherIsWorse, labelValuesVariable, lowerIsWorse, promQuery, statPanel, Thresholds, timeSeriesPanel, units, when } from "./panels";
import { KUBERNETES_WORKLOADS_UID } from "./kubernetes-workloads";
import { and, APP_JOB, histogramQuantile, shareOfRate, sumGauge, sumRate } from "./queries";
import { SCRAPE_JOBS } from "../scrape-jobs";

/** The FastAPI backend's requests, per endpoint and status: the guide's queries. */
const TARGETS = and(APP_JOB, `instance=~"$instance"`);
const REQUESTS = and(TARGETS, `endpoint=~"$endpoint"`);
const SERVER_ERRORS = `status=~"5.."`;
/** The guide's thresholds: error share warning above 1 %, critical above 5 %; p95 above 1 s and 3 s. */
const ERROR_SHARE = higherIsWorse(0.01, 0.05);
const LATENCY = higherIsWorse(1, 3);
const AT_LEAST_ONE_UP: Thresholds = { base: "red", steps: [[1, "green"]] };
/** Every probe of `observability:probes`, as blackbox-exporter reports it (configs/probe-rules.ts alerts on the same series). */
const PROBES = `job="${SCRAPE_JOBS.blackbox}", probe=~"$probe"`;
/** The default CertificateExpiringSoon thresholds, in days: warning at 14, critical at 3. */
const CERTIFICATE_DAYS = lowerIsWorse(14, 3);

/** The guide's "active users": series of /api/auth/me seen in the window, a proxy for signed-in sessions. */
const ACTIVE_USERS = `count(rate(http_requests_total{${and(TARGETS, `endpoint="/api/auth/me"`)}}[$__rate_interval]) > 0)`;

export const application: DashboardDefinition = {
  folder: "Application",
  datasources: ["prometheus"],
  build: ({ appJob, components }) =>
    buildDashboard({
      uid: "observability-application",
      title: "Application",
      description: "The FastAPI backend: traffic, errors, latency and saturation, per endpoint and status; and what users reach, probed from the cluster.",
      tags: ["application", "fastapi"],
      // The app's pods as Kubernetes sees them: restarts, OOM kills, CPU and memory against limits.
      links: [{ title: "Kubernetes workloads", uid: KUBERNETES_WORKLOADS_UID, tooltip: "The app's pods in the selected namespaces: CPU and memory against requests and limits, restarts, OOM kills" }],
      variables: [
        ...appJobVariables("http_requests_total", appJob),
        labelValuesVariable("instance", { label: "Instance", datasource: "prometheus", query: `label_values(http_requests_total{${APP_JOB}}, instance)` }),
        labelValuesVariable("endpoint", { label: "Endpoint", datasource: "prometheus", query: `label_values(http_requests_total{${TARGETS}}, endpoint)` }),
        ...when(components.probes, labelValuesVariable("probe", { label: "Probe", datasource: "prometheus", query: `label_values(probe_success{job="${SCRAPE_JOBS.blackbox}"}, probe)` })),
      ],
      sections: [
        {
          row: "Overview",
          panels: [
            statPanel({ title: "Request rate", description: "Requests per second to the selected endpoints.", unit: units.RequestsPerSecond, query: promQuery(sumRate("http_requests_total", REQUESTS)) }),
            statPanel({
              title: "Error rate (5xx share)",
              description: "Share of requests answered with a 5xx status. The HighErrorRate alert fires above 5 % for 5 minutes.",
              unit: units.PercentUnit,
              decimals: 2,
              thresholds: ERROR_SHARE,
              query: promQuery(shareOfRate("http_requests_total", REQUESTS, SERVER_ERRORS)),
            }),
            statPanel({
              title: "p95 latency",
              description: "95th percentile of request duration. The HighResponseTime alert fires above 2 s for 5 minutes.",
              unit: units.Seconds,
              thresholds: LATENCY,
              query: promQuery(histogramQuantile(0.95, "http_request_duration_seconds", REQUESTS)),
            }),
            statPanel({ title: "Active requests", description: "Requests being served right now, over every instance.", query: promQuery(sumGauge("http_requests_active", TARGETS)) }),
            statPanel({ title: "Active users", description: "The guide's proxy for signed-in users: /api/auth/me series with traffic in the window.", query: promQuery(ACTIVE_USERS) }),
            statPanel({ title: "Instances up", description: "Instances of the job answering scrapes. ApplicationDown fires when one stops for 1 minute.", thresholds: AT_LEAST_ONE_UP, query: promQuery(sumGauge("up", TARGETS)) }),
          ],
        },
        {
          row: "Traffic",
          panels: [
            timeSeriesPanel({
              title: "Requests by endpoint",
              description: "Requests per second, per endpoint.",
              unit: units.RequestsPerSecond,
              queries: [promQuery(sumRate("http_requests_total", REQUESTS, ["endpoint"]), "{{endpoint}}")],
            }),
            timeSeriesPanel({
              title: "Requests by status",
              description: "Requests per second, per HTTP status, stacked: the total is the request rate.",
              unit: units.RequestsPerSecond,
              stacked: true,
              queries: [promQuery(sumRate("http_requests_total", REQUESTS, ["status"]), "{{status}}")],
            }),
          ],
        },
        {
          row: "Errors",
          panels: [
            timeSeriesPanel({
              title: "5xx share by endpoint",
              description: "Share of each endpoint's requests answered with a 5xx status; dashed lines at 1 % and 5 %.",
              unit: units.PercentUnit,
              thresholds: ERROR_SHARE,
              min: 0,
              queries: [promQuery(shareOfRate("http_requests_total", REQUESTS, SERVER_ERRORS, ["endpoint"]), "{{endpoint}}")],
            }),
            timeSeriesPanel({
              title: "Client and server errors by endpoint",
              description: "4xx and 5xx responses per second, per endpoint and status.",
              unit: units.RequestsPerSecond,
              queries: [promQuery(sumRate("http_requests_total", and(REQUESTS, `status=~"[45].."`), ["endpoint", "status"]), "{{endpoint}} {{status}}")],
            }),
          ],
        },
        {
          row: "Latency",
          panels: [
            timeSeriesPanel({
              title: "Latency percentiles",
              description: "p50, p95 and p99 of request duration over the selected endpoints; dashed lines at 1 s and 3 s.",
              unit: units.Seconds,
              thresholds: LATENCY,
              queries: [0.5, 0.95, 0.99].map((q) => promQuery(histogramQuantile(q, "http_request_duration_seconds", REQUESTS), `p${Math.round(q * 100)}`)),
            }),
            timeSeriesPanel({
              title: "p95 latency by endpoint",
              description: "95th percentile of request duration, per endpoint: which endpoint is slow.",
              unit: units.Seconds,
              thresholds: LATENCY,
              queries: [promQuery(histogramQuantile(0.95, "http_request_duration_seconds", REQUESTS, ["endpoint"]), "{{endpoint}}")],
            }),
          ],
        },
        {
          row: "Saturation",
          panels: [
            timeSeriesPanel({
              title: "Active requests by instance",
              description: "In-flight requests per instance: a climbing line means requests queue up.",
              queries: [promQuery(sumGauge("http_requests_active", TARGETS, ["instance"]), "{{instance}}")],
            }),
            timeSeriesPanel({ title: "Active users over time", description: "The guide's active-users proxy over time.", queries: [promQuery(ACTIVE_USERS, "users")] }),
          ],
        },
        ...when(components.probes, {
          // What users reach, probed from the cluster (observability:probes).
          row: "Probes",
          panels: [
            statPanel({
              title: "Probes failing",
              description: "Probes whose last run failed. ProbeFailed fires when one keeps failing for 2 minutes.",
              thresholds: higherIsWorse(1, 1),
              width: 4,
              height: 8,
              query: promQuery(`count(probe_success{${PROBES}} == 0) or vector(0)`),
            }),
            timeSeriesPanel({
              title: "Probe success",
              description: "1 while a probe succeeds, 0 while it fails, per probe.",
              min: 0,
              width: 6,
              queries: [promQuery(`probe_success{${PROBES}}`, "{{probe}}")],
            }),
            timeSeriesPanel({
              title: "Probe duration",
              description: "How long each probe took, DNS lookup to last byte. ProbeSlow fires when the p95 stays above 2 s for 10 minutes.",
              unit: units.Seconds,
              thresholds: higherIsWorse(2, 5),
              width: 7,
              queries: [promQuery(`probe_duration_seconds{${PROBES}}`, "{{probe}}")],
            }),
            timeSeriesPanel({
              title: "Days until certificate expiry",
              description: "Days left on the earliest-expiring certificate each https probe sees; CertificateExpiringSoon warns below 14 and is critical below 3.",
              thresholds: CERTIFICATE_DAYS,
              width: 7,
              queries: [promQuery(`(probe_ssl_earliest_cert_expiry{${PROBES}} - time()) / 86400`, "{{probe}}")],
            }),
          ],
        }),
      ],
    }),
};
