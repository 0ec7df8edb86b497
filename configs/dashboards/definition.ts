/** What a dashboard file exports: its folder, the datasources it queries, and how it is built. */
import type { DashboardModel, DatasourceName } from "./panels";

/** Grafana folders; each is one directory under the dashboards path and one ConfigMap. */
export const FOLDERS = { application: "Application", infrastructure: "Infrastructure", kubernetes: "Kubernetes", observability: "Observability" } as const;
export type Folder = (typeof FOLDERS)[keyof typeof FOLDERS];

export interface DashboardInputs {
  /** Job name of the app's scrape config: the default of the `job` variable. */
  appJob: string;
}

export interface DashboardDefinition {
  folder: Folder;
  /**
   * Datasources its panels query. The stack provisions the dashboard only when all of them are
   * (no Logs dashboard without Loki); the validator holds the panels to this list.
   */
  datasources: DatasourceName[];
  build(inputs: DashboardInputs): DashboardModel;
}
