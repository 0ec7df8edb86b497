/**
 * Every dashboard the stack provisions, and the one entry point that builds and checks them.
 * To add a dashboard: write a file next to this one that exports a DashboardDefinition
 * (definition.ts), list it in DASHBOARDS, describe it in docs/dashboards.md.
 */
import { application } from "./application";
import { databaseAndCache } from "./database-cache";
import { DashboardDefinition, DashboardInputs } from "./definition";
import { infrastructure } from "./infrastructure";
import { kubernetesNodesAndVolumes } from "./kubernetes-nodes-volumes";
import { kubernetesWorkloads } from "./kubernetes-workloads";
import { logs } from "./logs";
import { ml } from "./ml";
import { DashboardModel, DatasourceName, datasourceRef } from "./panels";
import { stackHealth } from "./stack-health";
import { trading } from "./trading";
import { DashboardError, dashboardProblems } from "./validate";

/** What the Grafana component mounts: the folder the file goes to, and the dashboard JSON. */
export interface ProvisionedDashboard {
  folder: string;
  json: DashboardModel;
}

export { enabledComponents, EVERY_COMPONENT, FOLDERS } from "./definition";
export type { DashboardDefinition, DashboardInputs, EnabledComponents, Folder } from "./definition";
export type { DatasourceName } from "./panels";

export const DASHBOARDS: DashboardDefinition[] = [application, trading, ml, infrastructure, databaseAndCache, kubernetesWorkloads, kubernetesNodesAndVolumes, logs, stackHealth];

export { provisionedDatasources } from "./datasources";

/**
 * Builds every dashboard whose datasources are provisioned and whose components run, and checks them all; throws a
 * DashboardError listing every problem, each naming its dashboard and panel, so a bad query stops
 * `pulumi preview` instead of showing up as a red panel.
 */
export function buildDashboards(inputs: DashboardInputs & { datasources: DatasourceName[] }, definitions = DASHBOARDS): ProvisionedDashboard[] {
  const available = new Set(inputs.datasources);
  const built = definitions
    .filter((definition) => definition.datasources.every((name) => available.has(name)) && (definition.requires?.(inputs.components) ?? true))
    .map((definition) => ({ folder: definition.folder, datasources: definition.datasources, json: definition.build(inputs) }));

  // Each dashboard is checked against the datasources it declares, which are all provisioned.
  const asProvisioned = (names: DatasourceName[]) => names.map(datasourceRef).map((ref) => ({ uid: ref.uid!, type: ref.type! }));
  const problems = built.flatMap((d) => dashboardProblems(d.json, asProvisioned(d.datasources)));
  const seen = new Map<string, string>();
  for (const { json } of built) {
    const other = seen.get(json.uid);
    if (other) problems.push(`dashboard "${json.title}": uid ${json.uid} is already used by dashboard "${other}"`);
    seen.set(json.uid, json.title);
  }
  if (problems.length > 0) throw new DashboardError(problems);
  return built.map(({ folder, json }) => ({ folder, json }));
}
