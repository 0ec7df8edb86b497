/** What a dashboard file exports: its folder, the datasources it queries, and how it is built. */
import type { StackSettings } from "../settings";
import type { DashboardModel, DatasourceName } from "./panels";

/** Grafana folders; each is one directory under the dashboards path and one ConfigMap. */
export const FOLDERS = { application: "Application", infrastructure: "Infrastructure", kubernetes: "Kubernetes", observability: "Observability" } as const;
export type Folder = (typeof FOLDERS)[keyof typeof FOLDERS];

/**
 * What runs and is scraped: a dashboard, a row or a panel about something that does not run reads
 * nothing, so it is not built at all.
 */
export interface EnabledComponents {
  nodeExporter: boolean;
  kubeStateMetrics: boolean;
  alertmanager: boolean;
  /** Loki in the cluster, scraped by Prometheus (an external Loki is not). */
  loki: boolean;
  logAgent: "promtail" | "alloy" | "none";
  /** The databases' exporters the stack scrapes (`observability:exporters`). */
  exporters: { postgres: boolean; redis: boolean };
  /** blackbox-exporter, run only when `observability:probes` lists probes (and Prometheus scrapes it). */
  probes: boolean;
}

/** The components a stack's settings run. */
export function enabledComponents(settings: Pick<StackSettings, "nodeExporter" | "kubeStateMetrics" | "alertmanager" | "loki" | "logAgent" | "exporters" | "probes" | "prometheus">): EnabledComponents {
  return {
    nodeExporter: settings.nodeExporter.enabled,
    kubeStateMetrics: settings.kubeStateMetrics.enabled,
    alertmanager: settings.alertmanager.enabled,
    loki: settings.loki.enabled,
    logAgent: settings.logAgent,
    exporters: { postgres: settings.exporters.postgres !== undefined, redis: settings.exporters.redis !== undefined },
    probes: settings.prometheus.enabled && settings.probes.length > 0,
  };
}

/** Every component on: every dashboard and panel. */
export const EVERY_COMPONENT: EnabledComponents = { nodeExporter: true, kubeStateMetrics: true, alertmanager: true, loki: true, logAgent: "promtail", exporters: { postgres: true, redis: true }, probes: true };

export interface DashboardInputs {
  /** Job name of the app's scrape config: the default of the `job` variable. */
  appJob: string;
  components: EnabledComponents;
}

export interface DashboardDefinition {
  folder: Folder;
  /**
   * Datasources its panels query. The stack provisions the dashboard only when all of them are
   * (no Logs dashboard without Loki); the validator holds the panels to this list.
   */
  datasources: DatasourceName[];
  /** Whether the components it reads run; unset: it reads only what always runs (the app, Prometheus, the kubelets). */
  requires?(components: EnabledComponents): boolean;
  build(inputs: DashboardInputs): DashboardModel;
}
