/**
 * What each scrape job's program exposes, per pinned version: one JSON file per program, recorded by
 * `npm run metric-catalogue` from the program itself where it runs here (Prometheus, Alertmanager,
 * node-exporter scraped on 127.0.0.1), from its source or documentation at the pinned module version
 * otherwise (kube-state-metrics, cAdvisor and the kubelet from the Go module cache), and by hand from
 * upstream's documentation for the programs never built here (Loki, Grafana, Promtail, Alloy, the
 * databases' exporters) and from the guide for the app. Every file and every entry names its source.
 */
import alertmanager from "./alertmanager.json";
import alloy from "./alloy.json";
import app from "./app.json";
import blackboxExporter from "./blackbox-exporter.json";
import cadvisor from "./cadvisor.json";
import grafana from "./grafana.json";
import kubeStateMetricsTelemetry from "./kube-state-metrics-telemetry.json";
import kubeStateMetrics from "./kube-state-metrics.json";
import kubelet from "./kubelet.json";
import loki from "./loki.json";
import nodeExporter from "./node-exporter.json";
import postgresExporter from "./postgres-exporter.json";
import prometheus from "./prometheus.json";
import promtail from "./promtail.json";
import redisExporter from "./redis-exporter.json";

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped" | "info" | "stateset" | "gaugehistogram" | "unknown";

/** One metric family and the labels its series carry (the program's own, before any target label). */
export interface CatalogueMetric {
  name: string;
  type: MetricType;
  labels: string[];
  /** Exposed without any series when recorded, so its labels were not seen: any label may be there. */
  labelsUnknown?: boolean;
  /** Where this entry comes from, when it is not the file's source (a doc page, a source file). */
  source?: string;
}

export interface Catalogue {
  program: string;
  /** The release the stack deploys (configs/images.ts), or `guide` for the app. */
  version: string;
  /** How the file was recorded: the binary scraped, the source or doc read, at which version. */
  source: string;
  metrics: CatalogueMetric[];
}

/** Every program a scrape job of the stack reads, by catalogue name. */
export const CATALOGUES = {
  prometheus,
  alertmanager,
  "node-exporter": nodeExporter,
  "kube-state-metrics": kubeStateMetrics,
  "kube-state-metrics-telemetry": kubeStateMetricsTelemetry,
  kubelet,
  cadvisor,
  loki,
  grafana,
  promtail,
  alloy,
  "postgres-exporter": postgresExporter,
  "redis-exporter": redisExporter,
  "blackbox-exporter": blackboxExporter,
  app,
} as Record<string, Catalogue>;

export type CatalogueName = keyof typeof CATALOGUES;

/**
 * The series names a family exposes in the text format Prometheus scrapes: a histogram's `_bucket`
 * (with `le`), `_sum` and `_count`, a summary's quantiles, `_sum` and `_count`.
 */
export function exposedSeries(metric: CatalogueMetric): { name: string; labels: string[]; labelsUnknown?: boolean }[] {
  return seriesNames(metric).map((series) => (metric.labelsUnknown ? { ...series, labelsUnknown: true } : series));
}

function seriesNames(metric: CatalogueMetric): { name: string; labels: string[] }[] {
  switch (metric.type) {
    case "histogram":
    case "gaugehistogram":
      return [
        { name: `${metric.name}_bucket`, labels: [...metric.labels, "le"] },
        { name: `${metric.name}_sum`, labels: metric.labels },
        { name: `${metric.name}_count`, labels: metric.labels },
      ];
    case "summary":
      return [
        { name: metric.name, labels: [...metric.labels, "quantile"] },
        { name: `${metric.name}_sum`, labels: metric.labels },
        { name: `${metric.name}_count`, labels: metric.labels },
      ];
    default:
      return [{ name: metric.name, labels: metric.labels }];
  }
}
