/// <reference path="./grafana-foundation-sdk.d.ts" />
/**
 * The few building blocks every dashboard is made of, on top of the Grafana Foundation SDK's
 * builders, so that the seven dashboards share one look (legends, tooltips, thresholds, layout)
 * and one way of naming datasources, and each dashboard file reads as a list of questions.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import * as loki from "@grafana/grafana-foundation-sdk/loki";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { DATASOURCE_UIDS } from "../grafana";

/** Grafana's unit ids (units.Seconds, units.PercentUnit…), for the dashboards to import from here. */
export * as units from "@grafana/grafana-foundation-sdk/units";

export type DatasourceName = keyof typeof DATASOURCE_UIDS;

/** A reference by the uid the provisioning gives each datasource, never by display name. */
export function datasourceRef(name: DatasourceName): common.DataSourceRef {
  return { type: name, uid: DATASOURCE_UIDS[name] };
}

/** One query of a panel and the datasource that runs it. */
export interface Query {
  datasource: DatasourceName;
  expr: string;
  /** Series name, e.g. `{{endpoint}}`; unset lets Grafana name series after their labels. */
  legend?: string;
}

export const promQuery = (expr: string, legend?: string): Query => ({ datasource: "prometheus", expr, legend });
export const lokiQuery = (expr: string, legend?: string): Query => ({ datasource: "loki", expr, legend });

function target(query: Query, index: number): cog.Builder<cog.Dataquery> {
  const refId = String.fromCharCode("A".charCodeAt(0) + index);
  if (query.datasource === "loki") {
    const builder = new loki.DataqueryBuilder().refId(refId).datasource(datasourceRef("loki")).expr(query.expr);
    return query.legend ? builder.legendFormat(query.legend) : builder;
  }
  const builder = new prometheus.DataqueryBuilder().refId(refId).datasource(datasourceRef(query.datasource)).expr(query.expr).range();
  return query.legend ? builder.legendFormat(query.legend) : builder;
}

/** Grafana runs a panel's queries on one datasource (or "Mixed", which the provisioning does not define). */
function panelDatasource(title: string, queries: Query[]): DatasourceName {
  const names = [...new Set(queries.map((q) => q.datasource))];
  if (names.length !== 1) throw new Error(`panel "${title}": every query of a panel must use one datasource, got ${names.join(", ") || "none"}`);
  return names[0];
}

/** Colour steps: a base colour, then each further colour from its value up. */
export interface Thresholds {
  base: string;
  steps: [value: number, color: string][];
}

/** Green below `warning`, orange from it, red from `critical`: latency, error share, usage. */
export const higherIsWorse = (warning: number, critical: number): Thresholds => ({
  base: "green",
  steps: [
    [warning, "orange"],
    [critical, "red"],
  ],
});

/** Red below `critical`, orange below `warning`, green above: success rates, hit rates, accuracy. */
export const lowerIsWorse = (warning: number, critical: number): Thresholds => ({
  base: "red",
  steps: [
    [critical, "orange"],
    [warning, "green"],
  ],
});

/** A value with no good or bad side (a rate, a count): one colour, so no panel turns red by default. */
export const informational = (color = "blue"): Thresholds => ({ base: color, steps: [] });

function thresholdsBuilder(thresholds: Thresholds): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: thresholds.base }, ...thresholds.steps.map(([value, color]) => ({ value, color }))]);
}

export interface PanelOptions {
  title: string;
  /** What the panel answers and what to do about it: shown as the panel's info tooltip. */
  description: string;
  /** A Grafana unit id; use `units.*` from the SDK, e.g. units.Seconds. */
  unit?: string;
  thresholds?: Thresholds;
  min?: number;
  max?: number;
  decimals?: number;
  /** Grid columns out of 24. */
  width?: number;
  /** Grid rows (30 px each). */
  height?: number;
}

function withCommonOptions<T extends timeseries.PanelBuilder | stat.PanelBuilder>(builder: T, options: PanelOptions, defaults: { width: number; height: number }): T {
  builder
    .title(options.title)
    .description(options.description)
    .span(options.width ?? defaults.width)
    .height(options.height ?? defaults.height)
    .thresholds(thresholdsBuilder(options.thresholds ?? informational()));
  if (options.unit) builder.unit(options.unit);
  if (options.min !== undefined) builder.min(options.min);
  if (options.max !== undefined) builder.max(options.max);
  if (options.decimals !== undefined) builder.decimals(options.decimals);
  return builder;
}

/** A graph over time with a table legend (mean, max, last) so a series can be read without hovering. */
export function timeSeriesPanel(options: PanelOptions & { queries: Query[]; stacked?: boolean }): timeseries.PanelBuilder {
  const builder = withCommonOptions(new timeseries.PanelBuilder(), options, { width: 12, height: 8 })
    .datasource(datasourceRef(panelDatasource(options.title, options.queries)))
    .targets(options.queries.map(target))
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(["mean", "max", "lastNotNull"]),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  // Dashed lines at the thresholds show how far a series is from the alert.
  if (options.thresholds && options.thresholds.steps.length > 0) {
    builder.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  if (options.stacked) builder.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal)).fillOpacity(40);
  return builder;
}

/** One number, its last value, coloured by its thresholds, with a sparkline of the range. */
export function statPanel(options: PanelOptions & { query: Query }): stat.PanelBuilder {
  return withCommonOptions(new stat.PanelBuilder(), options, { width: 4, height: 4 })
    .datasource(datasourceRef(options.query.datasource))
    .targets([target(options.query, 0)])
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.Area)
    .textMode(common.BigValueTextMode.Auto);
}

/** Log lines, newest first, with time and details, wrapped so a long JSON line stays readable. */
export function logsPanel(options: { title: string; description: string; query: Query; width?: number; height?: number }): logs.PanelBuilder {
  return new logs.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .span(options.width ?? 24)
    .height(options.height ?? 12)
    .datasource(datasourceRef(options.query.datasource))
    .targets([target(options.query, 0)])
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .dedupStrategy(common.LogsDedupStrategy.None);
}

/**
 * What "All" stands for. Prometheus: `.*`, so series without the label (an app scraped through
 * staticTargets has no `namespace`) still match. Loki: `.+`, because Loki refuses a selector whose
 * every matcher also matches the empty string.
 */
const ALL_VALUE: Record<DatasourceName, string> = { prometheus: ".*", loki: ".+", alertmanager: ".*" };

/** A drop-down filled from a label's values, e.g. `label_values(up{job="$job"}, instance)`. */
export function labelValuesVariable(
  name: string,
  options: {
    label: string;
    datasource: DatasourceName;
    query: string;
    multi?: boolean;
    defaultValue?: string;
    /** What "All" stands for, when the datasource's default does not fit (see ALL_VALUE). */
    allValue?: string;
  },
): dashboard.QueryVariableBuilder {
  const multi = options.multi ?? true;
  const builder = new dashboard.QueryVariableBuilder(name)
    .label(options.label)
    .datasource(datasourceRef(options.datasource))
    .query(options.query)
    .definition(options.query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(multi)
    .includeAll(multi);
  if (multi) builder.allValue(options.allValue ?? ALL_VALUE[options.datasource]);
  if (options.defaultValue !== undefined) builder.current({ text: options.defaultValue, value: options.defaultValue });
  else if (multi) builder.current({ text: "All", value: "$__all" });
  return builder;
}

/** A free-text filter, e.g. a substring the log lines must contain; empty matches everything. */
export function textVariable(name: string, label: string, defaultValue = ""): dashboard.TextBoxVariableBuilder {
  return new dashboard.TextBoxVariableBuilder(name).label(label).defaultValue(defaultValue).current({ text: defaultValue, value: defaultValue });
}

/** A panel, row or variable of a component that may be off: present only when it runs (`...when(on, panel)`). */
export const when = <T>(on: boolean, item: T): T[] => (on ? [item] : []);

/** A titled group of panels; the SDK lays the panels out left to right, wrapping at 24 columns. */
export interface Section {
  row: string;
  panels: cog.Builder<dashboard.Panel>[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: cog.Builder<dashboard.VariableModel>[];
  sections: Section[];
  /** Links in the dashboard's header to related dashboards, carrying the time range and the variables they share. */
  links?: DashboardLinkSpec[];
}

export interface DashboardLinkSpec {
  title: string;
  /** The linked dashboard's uid (fixed, so the link survives every deploy). */
  uid: string;
  tooltip: string;
}

/** A built dashboard: Grafana's JSON model with the fields provisioning relies on made required. */
export type DashboardModel = dashboard.Dashboard & { uid: string; title: string; panels: (dashboard.Panel | dashboard.RowPanel)[] };

export function buildDashboard(spec: DashboardSpec): DashboardModel {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(["observability", ...spec.tags])
    .timezone("browser")
    .time({ from: "now-6h", to: "now" })
    .refresh("30s")
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .variables(spec.variables);
  for (const link of spec.links ?? []) {
    builder.link(
      new dashboard.DashboardLinkBuilder(link.title).type(dashboard.DashboardLinkType.Link).url(`/d/${link.uid}`).tooltip(link.tooltip).icon("dashboard").includeVars(true).keepTime(true),
    );
  }
  for (const section of spec.sections) {
    builder.withRow(new dashboard.RowBuilder(section.row));
    for (const panel of section.panels) builder.withPanel(panel);
  }
  const built = builder.build();
  // The SDK leaves panel ids unset (rows get 0); Grafana needs them unique for links and repeats.
  const panels = built.panels ?? [];
  panels.forEach((panel, index) => (panel.id = index + 1));
  return { ...built, uid: spec.uid, title: spec.title, panels };
}

/**
 * The app dashboards' first two filters: the app's scrape job (defaulting to the stack's
 * `app.job`) and its namespaces, both read from a metric the dashboard is about.
 */
export function appJobVariables(metric: string, appJob: string): dashboard.QueryVariableBuilder[] {
  return [
    labelValuesVariable("job", { label: "Job", datasource: "prometheus", query: `label_values(${metric}, job)`, multi: false, defaultValue: appJob }),
    labelValuesVariable("namespace", { label: "Namespace", datasource: "prometheus", query: `label_values(${metric}{job="$job"}, namespace)` }),
  ];
}
