import type { DashboardDefinition } from "./definition";
import { buildDashboard, higherIsWorse, labelValuesVariable, logsPanel, lokiQuery, statPanel, textVariable, timeSeriesPanel, units } from "./panels";

/**
 * Streams as the log agents label them (configs/pod-log-discovery.ts): every stream has a `job`
 * (`<namespace>/<app>` for pods, `varlogs` for the node's own log files); pods' streams also carry
 * namespace, app, pod and container, and the app's JSON pipeline adds level. "All" is `.+` for job,
 * so the selector always has one matcher Loki accepts, and `.*` for the others, so streams without
 * those labels (system logs, pods with no app label, non-JSON lines) still show.
 */
const STREAMS = `job=~"$job", namespace=~"$namespace", app=~"$app"`;
const LEVELLED = `${STREAMS}, level=~"$level"`;
/** Error-looking lines in any format: the app's JSON `"level": "ERROR"` as well as plain text. */
const ERROR_LINES = `|~ "(?i)(error|exception|fatal|panic|critical)"`;

const countOverTime = (selector: string, pipeline = "") => `count_over_time({${selector}} ${pipeline}[$__auto])`;

export const logs: DashboardDefinition = {
  folder: "Observability",
  datasources: ["loki"],
  // Its variables and queries select the streams our agents label; with none, nothing has those labels.
  requires: (components) => components.logAgent !== "none",
  build: () =>
    buildDashboard({
      uid: "observability-logs",
      title: "Logs",
      description: "Log volume by level and app from Loki, error lines, and a live tail filtered by job (varlogs: the nodes' system logs), namespace, app, level and text.",
      tags: ["logs", "loki"],
      variables: [
        labelValuesVariable("job", { label: "Job", datasource: "loki", query: "label_values(job)" }),
        labelValuesVariable("namespace", { label: "Namespace", datasource: "loki", query: `label_values({job=~"$job"}, namespace)`, allValue: ".*" }),
        labelValuesVariable("app", { label: "App", datasource: "loki", query: `label_values({job=~"$job", namespace=~"$namespace"}, app)`, allValue: ".*" }),
        labelValuesVariable("level", { label: "Level", datasource: "loki", query: `label_values({${STREAMS}}, level)`, allValue: ".*" }),
        textVariable("search", "Line contains"),
      ],
      sections: [
        {
          row: "Volume",
          panels: [
            statPanel({ title: "Log lines per second", description: "Lines ingested per second from the selected streams.", unit: units.Short, width: 6, query: lokiQuery(`sum(rate({${LEVELLED}} [$__auto]))`) }),
            statPanel({
              title: "Error lines per second",
              description: "Lines that look like errors (error, exception, fatal, panic, critical), per second.",
              unit: units.Short,
              width: 6,
              thresholds: higherIsWorse(0.1, 1),
              query: lokiQuery(`sum(rate({${STREAMS}} ${ERROR_LINES} [$__auto]))`),
            }),
            timeSeriesPanel({ title: "Log volume by level", description: "Lines per interval, per level (the app's JSON logs carry one; other streams show as empty).", unit: units.Short, stacked: true, queries: [lokiQuery(`sum by (level) (${countOverTime(LEVELLED)})`, "{{level}}")] }),
            timeSeriesPanel({ title: "Log volume by app", description: "Lines per interval, per app.", unit: units.Short, stacked: true, width: 24, queries: [lokiQuery(`sum by (app) (${countOverTime(LEVELLED)})`, "{{app}}")] }),
            timeSeriesPanel({ title: "Error lines by app", description: "Error-looking lines per interval, per app.", unit: units.Short, width: 24, queries: [lokiQuery(`sum by (app) (${countOverTime(STREAMS, ERROR_LINES + " ")})`, "{{app}}")] }),
          ],
        },
        {
          row: "Lines",
          panels: [
            logsPanel({ title: "Error logs", description: "The latest error-looking lines of the selected namespaces and apps.", query: lokiQuery(`{${STREAMS}} ${ERROR_LINES}`) }),
            logsPanel({ title: "Live logs", description: "Every line of the selected namespaces, apps and levels that contains the search text; turn on auto-refresh to follow.", height: 16, query: lokiQuery(`{${LEVELLED}} |= "$search"`) }),
          ],
        },
      ],
    }),
};
