import { DATASOURCE_UIDS } from "../grafana";
import type { DatasourceName } from "./panels";

/**
 * The datasources configs/grafana.ts buildDatasources provisions for these services. Its own file so
 * that asking it does not load the dashboards, the foundation SDK and the query parsers.
 */
export function provisionedDatasources(enabled: { loki: boolean; alertmanager: boolean }): DatasourceName[] {
  return (Object.keys(DATASOURCE_UIDS) as DatasourceName[]).filter((name) => name === "prometheus" || enabled[name]);
}
