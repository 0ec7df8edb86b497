/**
 * PromQL shapes the dashboards repeat: rates over Grafana's `$__rate_interval` (at least four
 * scrape intervals, so a rate never comes out empty at any zoom), sums by labels, shares and
 * histogram quantiles. Each takes a label selector without braces, e.g. `job="$job"`.
 */

/** A selector from its matchers, skipping empty ones: `and("a=\"1\"", "", "b=~\"2\"")` → `a="1", b=~"2"`. */
export function and(...matchers: string[]): string {
  return matchers.filter((m) => m !== "").join(", ");
}

function by(labels: string[]): string {
  return labels.length > 0 ? ` by (${labels.join(", ")}) ` : "";
}

/** `sum by (a, b) (expr)`; without labels, over everything. */
export function aggregate(operator: "sum" | "min" | "max" | "avg" | "count", expr: string, labels: string[] = []): string {
  return `${operator}${by(labels)}(${expr})`;
}

export function rate(metric: string, selector: string): string {
  return `rate(${metric}{${selector}}[$__rate_interval])`;
}

/** Per-second rate of a counter, summed by `labels` (or over everything). */
export function sumRate(metric: string, selector: string, labels: string[] = []): string {
  return aggregate("sum", rate(metric, selector), labels);
}

/** The share of a counter's rate that matches `part` (e.g. `status=~"5.."`), by `labels`. */
export function shareOfRate(metric: string, selector: string, part: string, labels: string[] = []): string {
  return `${sumRate(metric, and(selector, part), labels)} / ${sumRate(metric, selector, labels)}`;
}

/** A gauge summed by `labels`: counts that add up over instances (connections, queue items). */
export function sumGauge(metric: string, selector: string, labels: string[] = []): string {
  return gaugeBy("sum", metric, selector, labels);
}

/** A gauge aggregated by `labels`, e.g. `max` of a value every instance reports alike (accuracy). */
export function gaugeBy(aggregation: "sum" | "min" | "max" | "avg", metric: string, selector: string, labels: string[] = []): string {
  return aggregate(aggregation, `${metric}{${selector}}`, labels);
}

/** The `quantile` (0.95 for p95) of a histogram over `$__rate_interval`, by `labels`. */
export function histogramQuantile(quantile: number, histogram: string, selector: string, labels: string[] = []): string {
  return `histogram_quantile(${quantile}, sum by (${[...labels, "le"].join(", ")}) (rate(${histogram}_bucket{${selector}}[$__rate_interval])))`;
}

/** The app's series as the `job` and `namespace` variables of appJobVariables select them. */
export const APP_JOB = `job="$job", namespace=~"$namespace"`;
