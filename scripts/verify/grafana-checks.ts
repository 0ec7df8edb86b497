/**
 * Grafana: healthy, every provisioned datasource passing Grafana's own health check (by uid), every
 * provisioned dashboard present (by uid; the grafana.com ones counted per folder, their uids being
 * theirs). The endpoints are Grafana's HTTP API as documented: /api/health,
 * /api/datasources/uid/:uid/health, /api/dashboards/uid/:uid, /api/search.
 */
import { provisionedDatasources } from "../../configs/dashboards/datasources";
import { DATASOURCE_UIDS, GRAFANA_PORT } from "../../configs/grafana";
import { grafanaAdminHeaders } from "./credentials";
import { CheckResult, fail, getJson, pass, PodPort, reason, VerifyContext } from "./model";

const SERVICE = "grafana";
export const GRAFANA_PODS = { "app.kubernetes.io/name": "grafana" };
/** The dashboards' ConfigMaps (components/grafana.ts): one per folder, a `<uid>.json` key per dashboard. */
export const DASHBOARD_MAPS_PREFIX = "grafana-dashboards-";

/** The uids and folders of the stack's own dashboards, from their ConfigMaps. */
export function provisionedDashboards(maps: Record<string, Record<string, string>>): { uid: string; title: string }[] {
  return Object.values(maps).flatMap((data) =>
    Object.entries(data)
      .filter(([key]) => key.endsWith(".json"))
      .map(([key, json]) => ({ uid: key.slice(0, -".json".length), title: (JSON.parse(json) as { title?: string }).title ?? key })),
  );
}

export async function checkGrafana(ctx: VerifyContext): Promise<CheckResult[]> {
  const { cluster, transport, namespace, settings } = ctx;
  if (!settings.grafana.enabled) return [];
  const pod = (await cluster.pods(namespace, GRAFANA_PODS)).find((p) => p.ready);
  if (!pod) return [fail(SERVICE, "pods", "no ready Grafana pod", `kubectl -n ${namespace} describe pods -l app.kubernetes.io/name=grafana`)];
  ctx.progress(`grafana ${pod.name}`);
  const target: PodPort = { namespace, pod: pod.name, port: GRAFANA_PORT };
  const results: CheckResult[] = [];
  const logs = `kubectl -n ${namespace} logs ${pod.name} -c grafana`;

  try {
    const health = await getJson<{ database?: string; version?: string }>(transport, target, "/api/health");
    results.push(health.database === "ok" ? pass(SERVICE, "health", `database ok, version ${health.version ?? "?"}`) : fail(SERVICE, "health", `database ${health.database}`, logs));
  } catch (err) {
    results.push(fail(SERVICE, "health", reason(err), logs));
  }

  const headers = await grafanaAdminHeaders(cluster, namespace, settings.grafana.adminUser);
  if (!headers) return [...results, fail(SERVICE, "login", "Grafana's admin Secret was not found", "verify reads the admin password from Grafana's Secret in the stack's namespace: run pulumi up")];

  const datasources = provisionedDatasources({ loki: settings.loki.enabled || settings.externalLoki !== undefined, alertmanager: settings.alertmanager.enabled });
  const failing: string[] = [];
  for (const name of datasources) {
    const uid = DATASOURCE_UIDS[name];
    try {
      const response = await transport.request(target, `/api/datasources/uid/${encodeURIComponent(uid)}/health`, { headers });
      const body = JSON.parse(response.text || "{}") as { status?: string; message?: string };
      if (response.status !== 200 || body.status !== "OK") failing.push(`${uid}: ${body.message ?? `HTTP ${response.status}`}`);
    } catch (err) {
      failing.push(`${uid}: ${reason(err)}`);
    }
  }
  results.push(
    failing.length === 0
      ? pass(SERVICE, "datasources", `${datasources.length} healthy (${datasources.map((d) => DATASOURCE_UIDS[d]).join(", ")})`)
      : fail(SERVICE, "datasources", failing.join("; "), "Grafana cannot query them: is the service up, and does the NetworkPolicy let Grafana reach it?"),
  );

  const maps = await cluster.configMapsNamed(namespace, DASHBOARD_MAPS_PREFIX);
  const dashboards = provisionedDashboards(maps);
  const missing: string[] = [];
  for (const dashboard of dashboards) {
    const response = await transport.request(target, `/api/dashboards/uid/${encodeURIComponent(dashboard.uid)}`, { headers }).catch((err) => ({ status: 0, text: reason(err) }));
    if (response.status !== 200) missing.push(`${dashboard.title} (${dashboard.uid}): HTTP ${response.status || response.text}`);
  }
  const community = settings.grafana.communityDashboards;
  if (community.length > 0) {
    try {
      const found = await getJson<{ uid: string; folderTitle?: string }[]>(transport, target, "/api/search?type=dash-db&limit=5000", headers);
      const ours = new Set(dashboards.map((d) => d.uid));
      for (const folder of new Set(community.map((d) => d.folder))) {
        const expected = community.filter((d) => d.folder === folder).length;
        const present = found.filter((d) => (d.folderTitle ?? "General") === folder && !ours.has(d.uid)).length;
        if (present < expected) missing.push(`folder ${folder}: ${present} of ${expected} grafana.com dashboards`);
      }
    } catch (err) {
      missing.push(`search: ${reason(err)}`);
    }
  }
  const total = dashboards.length + community.length;
  results.push(
    missing.length === 0
      ? pass(SERVICE, "dashboards", `${total} provisioned, all present`)
      : fail(SERVICE, "dashboards", missing.join("; "), `Grafana's provisioning did not load them: ${logs} | grep -i provisioning`),
  );
  return results;
}
