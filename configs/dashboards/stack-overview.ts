import { DATASOURCE_UIDS } from "../grafana";

/** A dashboard as Grafana's JSON model; only the fields this stack sets. */
export interface DashboardJson {
  uid: string;
  title: string;
  tags: string[];
  /** Grafana folder; the provider maps it to a sub-folder of the dashboards directory. */
  folder: string;
  schemaVersion: number;
  time: { from: string; to: string };
  refresh: string;
  panels: PanelJson[];
}

export interface PanelJson {
  id: number;
  type: "timeseries" | "stat" | "table" | "logs";
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: string; uid: string };
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  targets: { refId: string; expr: string; legendFormat?: string }[];
}

const prometheus = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };

/** One small dashboard so the provisioning path is exercised end to end. */
export function stackOverviewDashboard(): DashboardJson {
  return {
    uid: "observability-stack-overview",
    title: "Observability stack overview",
    tags: ["observability", "stack"],
    folder: "Observability",
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    panels: [
      {
        id: 1,
        type: "stat",
        title: "Targets up",
        gridPos: { x: 0, y: 0, w: 12, h: 6 },
        datasource: prometheus,
        targets: [{ refId: "A", expr: "sum by (job) (up)", legendFormat: "{{job}}" }],
      },
      {
        id: 2,
        type: "timeseries",
        title: "Scrape duration by job",
        gridPos: { x: 12, y: 0, w: 12, h: 6 },
        datasource: prometheus,
        fieldConfig: { defaults: { unit: "s" }, overrides: [] },
        targets: [{ refId: "A", expr: "max by (job) (scrape_duration_seconds)", legendFormat: "{{job}}" }],
      },
      {
        id: 3,
        type: "timeseries",
        title: "Alerts firing",
        gridPos: { x: 0, y: 6, w: 24, h: 8 },
        datasource: prometheus,
        targets: [{ refId: "A", expr: 'sum by (alertname, severity) (ALERTS{alertstate="firing"})', legendFormat: "{{alertname}} ({{severity}})" }],
      },
    ],
  };
}
