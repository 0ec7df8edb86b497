/**
 * Every metric a rule or a dashboard reads is one the stack collects. From the Prometheus config
 * (which jobs run, the labels their targets get, the metrics their relabelling keeps), the catalogue
 * of what each job's program exposes (configs/metric-catalogue/) and the rules themselves (recorded
 * series, ALERTS), the series the stack can hold; then each selector of each rule expression and
 * dashboard query must match one of them, with the labels it uses. Log queries likewise against the
 * labels the log agents give their streams.
 *
 * Pure: `unreadSelectors` takes the readers and the series space; `metricReaders` lists the readers
 * (with their selectors, for a live check that asks a running Prometheus instead: see `readerSelectors`).
 */
import { parse as parseYaml } from "yaml";
import type { ProvisionedDashboard } from "./dashboards";
import { interpolate } from "./dashboards/validate";
import { FASTAPI_LOG_LABELS } from "./log-destination";
import { streamSelectors } from "./logql";
import { Catalogue, CATALOGUES, exposedSeries } from "./metric-catalogue";
import { podLogRelabelRules, SYSTEM_LOGS } from "./pod-log-discovery";
import { prometheusReloadAndScrapeFlags, RelabelConfig, ScrapeConfig } from "./prometheus";
import { LabelMatcher, matcherAccepts, metricSelectors, MetricSelector, outputLabels } from "./promql-selectors";
import type { AlertingRule, RecordingRule } from "./rule-builder";
import { SCRAPE_JOBS } from "./scrape-jobs";

/** A series' labels: a known value, or `undefined` for a value only known at run time. */
export type LabelValues = Map<string, string | undefined>;

export interface ProducedSeries {
  metric: string;
  labels: LabelValues;
  /** Who produces it: `job node-exporter (node-exporter 1.12.1)`, `recording rule in kubernetes-recording.yml`. */
  producer: string;
  /** Its labels were not all seen when the catalogue was recorded: any label may be there. */
  anyLabels?: boolean;
}

/** Something that reads metrics or logs: a rule or a dashboard's panel or variable. */
export interface MetricReader {
  /** The generated file: `prometheus/rules/alerts.yml`, `dashboards/Kubernetes/observability-kubernetes-workloads.json`. */
  file: string;
  /** The rule or panel: `alert HighErrorRate (critical)`, `panel "Request rate", query A`. */
  where: string;
  language: "promql" | "logql";
  expr: string;
  /** For a `label_values(selector, label)` variable: the label the selected series must carry. */
  label?: string;
}

export interface UnreadSelector {
  file: string;
  where: string;
  /** The selector as written after the dashboard's variables were replaced. */
  selector: string;
  reason: string;
}

/** The series the stack's rules and dashboards can read: scraped, recorded, and the log streams. */
export interface SeriesSpace {
  series: ProducedSeries[];
  /** Label sets of the log streams the agents push (empty: no log agent). */
  streams: LabelValues[];
}

/** Which catalogue a scrape job reads: the built-in jobs by name, the app's job (and its static variant) from the guide. */
export function catalogueOfJob(jobName: string, appJob: string): Catalogue | undefined {
  const byJob: Record<string, string> = {
    [SCRAPE_JOBS.prometheus]: "prometheus",
    [SCRAPE_JOBS.nodeExporter]: "node-exporter",
    [SCRAPE_JOBS.alertmanager]: "alertmanager",
    [SCRAPE_JOBS.grafana]: "grafana",
    [SCRAPE_JOBS.loki]: "loki",
    [SCRAPE_JOBS.promtail]: "promtail",
    [SCRAPE_JOBS.alloy]: "alloy",
    [SCRAPE_JOBS.kubeStateMetricsTelemetry]: "kube-state-metrics-telemetry",
    [SCRAPE_JOBS.kubeStateMetrics]: "kube-state-metrics",
    [SCRAPE_JOBS.redis]: "redis-exporter",
    [SCRAPE_JOBS.postgres]: "postgres-exporter",
    [SCRAPE_JOBS.kubelet]: "kubelet",
    [SCRAPE_JOBS.cadvisor]: "cadvisor",
    [SCRAPE_JOBS.blackbox]: "blackbox-exporter",
    [appJob]: "app",
    [`${appJob}-static`]: "app",
  };
  const name = byJob[jobName];
  return name === undefined ? undefined : CATALOGUES[name];
}

const anchored = (regex: string | undefined) => new RegExp(`^(?:${regex ?? "(.*)"})$`);

/** The labels every target of a scrape config gets: job, instance, static labels, relabelled labels. */
export function targetLabels(job: ScrapeConfig): LabelValues {
  const labels: LabelValues = new Map([
    ["job", job.job_name],
    ["instance", undefined],
  ]);
  for (const group of job.static_configs ?? []) for (const [name, value] of Object.entries(group.labels ?? {})) labels.set(name, value);
  for (const rule of job.relabel_configs ?? []) {
    if (rule.action === "labeldrop") {
      for (const name of [...labels.keys()]) if (anchored(rule.regex).test(name)) labels.delete(name);
      continue;
    }
    if ((rule.action ?? "replace") !== "replace" || !rule.target_label || rule.target_label.startsWith("__")) continue;
    labels.set(rule.target_label, constantValue(job, rule));
  }
  return labels;
}

/** A relabelled label's value when the config alone decides it: a fixed replacement, or the metrics path. */
function constantValue(job: ScrapeConfig, rule: RelabelConfig): string | undefined {
  if (!rule.source_labels) return rule.replacement ?? "$1";
  if (rule.source_labels.length === 1 && rule.source_labels[0] === "__metrics_path__" && (rule.replacement ?? "$1") === "$1" && rule.regex === undefined) return job.metrics_path ?? "/metrics";
  return undefined;
}

/** Whether `metric_relabel_configs` keep a metric name (the rules that look at `__name__` alone; others drop only some series). */
function keepsMetric(job: ScrapeConfig, name: string): boolean {
  for (const rule of job.metric_relabel_configs ?? []) {
    if (rule.source_labels?.length !== 1 || rule.source_labels[0] !== "__name__") continue;
    const matches = anchored(rule.regex).test(name);
    if (rule.action === "keep" && !matches) return false;
    if (rule.action === "drop" && matches) return false;
  }
  return true;
}

/**
 * Series Prometheus writes for every target, whatever it exposes; the last three only with the
 * extra-scrape-metrics feature, which the stack's Prometheus runs with (Prometheus' feature flags doc).
 */
const EXTRA_SCRAPE_SERIES = prometheusReloadAndScrapeFlags().includes("--enable-feature=extra-scrape-metrics") ? ["scrape_timeout_seconds", "scrape_sample_limit", "scrape_body_size_bytes"] : [];
const SCRAPE_SERIES = ["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added", ...EXTRA_SCRAPE_SERIES];

/** What the scrape configs collect: each job's catalogue through its target labels and relabelling, and the per-target series. */
export function scrapedSeries(scrapeConfigs: ScrapeConfig[], catalogueOf: (jobName: string) => Catalogue | undefined): ProducedSeries[] {
  return scrapeConfigs.flatMap((job) => {
    const target = targetLabels(job);
    const catalogue = catalogueOf(job.job_name);
    const producer = `job ${job.job_name}${catalogue ? ` (${catalogue.program} ${catalogue.version})` : ""}`;
    const synthetic = SCRAPE_SERIES.map((metric) => ({ metric, labels: new Map(target), producer: `job ${job.job_name} (every scrape)` }));
    const exposed = (catalogue?.metrics ?? []).flatMap(exposedSeries).filter((series) => keepsMetric(job, series.name));
    return [
      ...synthetic,
      ...exposed.map(({ name, labels, labelsUnknown }) => {
        const merged: LabelValues = new Map(target);
        for (const label of labels) {
          // A scraped label clashing with a target label: kept with honor_labels, else renamed exported_<label>.
          if (merged.has(label) && !job.honor_labels) merged.set(`exported_${label}`, undefined);
          else merged.set(label, undefined);
        }
        return { metric: name, labels: merged, producer, ...(labelsUnknown ? { anyLabels: true } : {}) };
      }),
    ];
  });
}

export interface RuleFileContent {
  /** Path of the generated file, e.g. `prometheus/rules/alerts.yml`. */
  file: string;
  groups: { name: string; rules: (AlertingRule | RecordingRule)[] }[];
}

const isAlert = (rule: AlertingRule | RecordingRule): rule is AlertingRule => "alert" in rule;

/**
 * The series rules add: each recording rule's record, with the labels its expression returns and
 * its own; ALERTS and ALERTS_FOR_STATE for every alert. Rules are taken in order, so a rule can read
 * what an earlier one recorded.
 */
export function ruleSeries(files: RuleFileContent[], scraped: ProducedSeries[]): ProducedSeries[] {
  const produced: ProducedSeries[] = [];
  const labelsOf = (selector: MetricSelector) => {
    const names = new Set<string>();
    for (const series of [...scraped, ...produced]) if (selects(selector, series)) for (const name of series.labels.keys()) names.add(name);
    return names;
  };
  for (const { file, groups } of files) {
    for (const group of groups) {
      for (const rule of group.rules) {
        const labels: LabelValues = new Map([...outputLabels(rule.expr, labelsOf)].map((name) => [name, undefined]));
        for (const [name, value] of Object.entries(rule.labels ?? {})) labels.set(name, /\{\{/.test(value) ? undefined : value);
        if (isAlert(rule)) {
          const alertLabels: LabelValues = new Map([...labels, ["alertname", rule.alert]]);
          produced.push({ metric: "ALERTS", labels: new Map([...alertLabels, ["alertstate", undefined]]), producer: `alert ${rule.alert} in ${file}` });
          produced.push({ metric: "ALERTS_FOR_STATE", labels: alertLabels, producer: `alert ${rule.alert} in ${file}` });
        } else {
          produced.push({ metric: rule.record, labels, producer: `recording rule in ${file}, group ${group.name}` });
        }
      }
    }
  }
  return produced;
}

/** A series' value for a label: `""` when it has none (PromQL and LogQL alike), `undefined` when only run time tells. */
const valueOf = (labels: LabelValues, label: string): string | undefined => (labels.has(label) ? labels.get(label) : "");

function accepts(matcher: LabelMatcher, labels: LabelValues, anyLabels = false): boolean {
  const value = anyLabels && !labels.has(matcher.label) ? undefined : valueOf(labels, matcher.label);
  return value === undefined || matcherAccepts(matcher, value);
}

function selects(selector: MetricSelector, series: ProducedSeries): boolean {
  if (selector.name !== undefined && selector.name !== series.metric) return false;
  return selector.matchers.every((m) => (m.label === "__name__" ? matcherAccepts(m, series.metric) : accepts(m, series.labels, series.anyLabels)));
}

/** Why no series meets a selector: no producer of the name, or what the producers' series lack. */
function whyUnmatched(selector: MetricSelector, space: ProducedSeries[]): string {
  const named = space.filter((s) => selector.name === undefined || s.metric === selector.name);
  if (named.length === 0) return `no enabled scrape job or rule produces ${selector.name}`;
  const producers = [...new Set(named.map((s) => s.producer))];
  const failing = [...new Set(named.flatMap((s) => selector.matchers.filter((m) => (m.label === "__name__" ? !matcherAccepts(m, s.metric) : !accepts(m, s.labels, s.anyLabels))).map((m) => describeMiss(m, s.labels))))];
  return `${selector.name ?? "it"} comes from ${producers.slice(0, 3).join(", ")}${producers.length > 3 ? ", …" : ""}, but ${failing.slice(0, 3).join("; ")}`;
}

function describeMiss(matcher: LabelMatcher, labels: LabelValues): string {
  const shown = `${matcher.label}${matcher.op}${JSON.stringify(matcher.value)}`;
  return labels.has(matcher.label) ? `${shown} does not match its ${matcher.label} ${JSON.stringify(labels.get(matcher.label))}` : `${shown} needs a label ${matcher.label} it does not have`;
}

/** The selectors of a reader's expression, its dashboard variables already replaced. */
export function readerSelectors(reader: MetricReader): MetricSelector[] {
  if (reader.language === "promql") return metricSelectors(reader.expr);
  return streamSelectors(reader.expr).map((selector) => ({ text: reader.expr.slice(selector.position, reader.expr.indexOf("}", selector.position) + 1), matchers: selector.matchers as LabelMatcher[] }));
}

/**
 * The selectors that read nothing: each names its file, its rule or panel, the selector and why.
 * A `label_values(selector, label)` variable also needs the label on what it selects.
 */
export function unreadSelectors(readers: MetricReader[], space: SeriesSpace): UnreadSelector[] {
  const problems: UnreadSelector[] = [];
  for (const reader of readers) {
    const report = (selector: string, reason: string) => problems.push({ file: reader.file, where: reader.where, selector, reason });
    if (reader.language === "logql") {
      const selectors = readerSelectors(reader);
      if (selectors.length === 0 && reader.label !== undefined) {
        if (!space.streams.some((stream) => stream.has(reader.label!))) report(`label_values(${reader.label})`, space.streams.length === 0 ? "no log agent pushes streams" : `no stream carries a label ${reader.label}`);
      }
      for (const selector of selectors) {
        const matching = space.streams.filter((stream) => selector.matchers.every((m) => accepts(m, stream)));
        if (space.streams.length === 0) report(selector.text, "no log agent pushes streams");
        else if (matching.length === 0) report(selector.text, `no stream the log agents push carries ${selector.matchers.filter((m) => !space.streams.some((s) => accepts(m, s))).map((m) => m.label).join(", ")} as selected`);
        else if (reader.label !== undefined && !matching.some((stream) => stream.has(reader.label!))) report(selector.text, `the streams it selects carry no label ${reader.label}`);
      }
      continue;
    }
    for (const selector of readerSelectors(reader)) {
      const matching = space.series.filter((s) => selects(selector, s));
      if (matching.length === 0) report(selector.text, whyUnmatched(selector, space.series));
      else if (reader.label !== undefined && !matching.some((s) => s.anyLabels || s.labels.has(reader.label!))) report(selector.text, `no series it selects carries the label ${reader.label} the variable lists`);
    }
  }
  return problems;
}

/** The labels of the streams the log agents push (configs/pod-log-discovery.ts): pods' and the node's own files. */
export function logStreams(logAgent: "promtail" | "alloy" | "none"): LabelValues[] {
  if (logAgent === "none") return [];
  // Both agents add `filename` (the file read) and the client's `cluster`; Loki 3 adds `service_name` (limits_config discover_service_name).
  const common: [string, string | undefined][] = [
    ["filename", undefined],
    ["cluster", undefined],
    ["service_name", undefined],
  ];
  const podLabels: LabelValues = new Map(common);
  for (const rule of podLogRelabelRules()) if (rule.target_label && !rule.target_label.startsWith("__")) podLabels.set(rule.target_label, undefined);
  const appLabels: LabelValues = new Map([...podLabels, ...FASTAPI_LOG_LABELS.map((label) => [label, undefined] as [string, undefined])]);
  return [podLabels, appLabels, new Map([...common, ["job", SYSTEM_LOGS.job]])];
}

/** Every rule of the rule files as a reader. */
export function ruleReaders(files: RuleFileContent[]): MetricReader[] {
  return files.flatMap(({ file, groups }) =>
    groups.flatMap((group) =>
      group.rules.map((rule) => ({
        file,
        where: isAlert(rule) ? `alert ${rule.alert} (${rule.labels.severity}) in group ${group.name}` : `recording rule ${rule.record} in group ${group.name}`,
        language: "promql" as const,
        expr: rule.expr,
      })),
    ),
  );
}

/** `label_values(<selector>, <label>)` or `label_values(<label>)`. */
const LABEL_VALUES = /^\s*label_values\(\s*(?:(.+),\s*)?([A-Za-z_]\w*)\s*\)\s*$/s;

/**
 * Every query of every provisioned dashboard, and every `label_values` variable, with the dashboard's
 * variables replaced by what they stand for when every value is selected (validate.ts).
 */
export function dashboardReaders(dashboards: ProvisionedDashboard[]): MetricReader[] {
  return dashboards.flatMap(({ folder, json }) => {
    const file = `dashboards/${folder}/${json.uid}.json`;
    const variables = json.templating?.list ?? [];
    const languageOf = (ref: { type?: string } | undefined) => (ref?.type === "loki" ? ("logql" as const) : ("promql" as const));
    const readers: MetricReader[] = [];
    for (const variable of variables) {
      const match = variable.type === "query" && typeof variable.query === "string" ? LABEL_VALUES.exec(variable.query) : null;
      if (!match) continue;
      const language = languageOf(variable.datasource);
      const where = `variable "${variable.name}"`;
      if (match[1]) readers.push({ file, where, language, expr: interpolate(match[1], variables).expr, label: match[2] });
      else readers.push({ file, where, language, expr: language === "promql" ? `{__name__=~".+"}` : "", label: match[2] });
    }
    const panels = json.panels.flatMap((p) => (p.type === "row" ? [p, ...(((p as { panels?: typeof json.panels }).panels) ?? [])] : [p]));
    for (const panel of panels) {
      for (const target of ((panel as { targets?: { refId?: string; expr?: string; datasource?: { type?: string } }[] }).targets ?? [])) {
        if (!target.expr) continue;
        readers.push({ file, where: `panel "${panel.title ?? ""}", query ${target.refId ?? "?"}`, language: languageOf(target.datasource), expr: interpolate(target.expr, variables).expr });
      }
    }
    return readers;
  });
}

/** One line per unread selector, for a test failure or a report. */
export function describeUnread(problem: UnreadSelector): string {
  return `${problem.file}: ${problem.where}: ${problem.selector} reads nothing: ${problem.reason}`;
}

export interface StackReaders {
  /** prometheus.yml's scrape_configs: which jobs run, and how their targets are labelled. */
  scrapeConfigs: ScrapeConfig[];
  /** The rule files Prometheus loads, each with its generated path. */
  ruleFiles: RuleFileContent[];
  /** The dashboards Grafana is provisioned with. */
  dashboards: ProvisionedDashboard[];
  /** The app's job name (`observability:app.job`): its jobs read the app's catalogue. */
  appJob: string;
  /** The log agent that labels the streams Loki receives. */
  logAgent: "promtail" | "alloy" | "none";
}

/**
 * The check in one call: the series the scrape configs and rules produce (catalogue by default),
 * then every rule's and panel's selectors against them. Empty when every selector reads something.
 */
export function unreadMetrics(stack: StackReaders, catalogueOf: (jobName: string) => Catalogue | undefined = (job) => catalogueOfJob(job, stack.appJob)): UnreadSelector[] {
  const scraped = scrapedSeries(stack.scrapeConfigs, catalogueOf);
  const space: SeriesSpace = { series: [...scraped, ...ruleSeries(stack.ruleFiles, scraped)], streams: logStreams(stack.logAgent) };
  return unreadSelectors([...ruleReaders(stack.ruleFiles), ...dashboardReaders(stack.dashboards)], space);
}

/**
 * The readers of a render (`npm run render` writes files/<service>/…): prometheus.yml's scrape
 * configs, the rule files and the dashboards, as Prometheus and Grafana will load them. For a check
 * of what was rendered, or of a live stack against the same files.
 */
export function renderedStackReaders(files: Record<string, string>, stack: Pick<StackReaders, "appJob" | "logAgent">): StackReaders {
  const config = parseYaml(files["prometheus/prometheus.yml"] ?? "scrape_configs: []") as { scrape_configs?: ScrapeConfig[] };
  const ruleFiles = Object.entries(files)
    .filter(([file]) => /^prometheus\/rules\/[^/]+\.ya?ml$/.test(file))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, text]) => ({ file, groups: (parseYaml(text) as { groups?: RuleFileContent["groups"] }).groups ?? [] }));
  const dashboards = Object.entries(files)
    .filter(([file]) => /^grafana\/dashboards\/[^/]+\/[^/]+\.json$/.test(file))
    .map(([file, text]) => ({ folder: file.split("/")[2], json: JSON.parse(text) }) as ProvisionedDashboard);
  return { scrapeConfigs: config.scrape_configs ?? [], ruleFiles, dashboards, ...stack };
}
