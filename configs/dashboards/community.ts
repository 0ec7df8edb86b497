/**
 * Community dashboards from grafana.com, by id and pinned revision (`observability:grafana.communityDashboards`).
 * As the Grafana Helm chart does, an init container downloads each one when the pod starts and
 * replaces its datasource inputs (`${DS_PROMETHEUS}`) with the uids the provisioning defines, so the
 * dashboard's panels point at our datasources without anyone clicking through the import dialog.
 */
import { DATASOURCE_UIDS, GRAFANA_COMMUNITY_DASHBOARDS_DIR } from "../grafana";
import { settingKey, StackSettings } from "../settings";
import { DatasourceName } from "./panels";

export type CommunityDashboard = StackSettings["grafana"]["communityDashboards"][number];

export function communityDashboardUrl(dashboard: Pick<CommunityDashboard, "id" | "revision">): string {
  return `https://grafana.com/api/dashboards/${dashboard.id}/revisions/${dashboard.revision}/download`;
}

/** Where the init container writes a dashboard: one directory per Grafana folder, like the stack's own. */
export function communityDashboardPath(dashboard: Pick<CommunityDashboard, "id" | "folder">): string {
  return `${GRAFANA_COMMUNITY_DASHBOARDS_DIR}/${dashboard.folder}/${dashboard.id}.json`;
}

/** Inputs mapped to a datasource the stack does not provision would leave the dashboard's panels empty. */
export function communityDashboardProblems(dashboards: CommunityDashboard[], provisioned: DatasourceName[]): string[] {
  return dashboards.flatMap((dashboard, index) =>
    Object.entries(dashboard.datasources)
      .filter(([, datasource]) => !provisioned.includes(datasource))
      .map(
        ([input, datasource]) =>
          `${settingKey(["grafana", "communityDashboards", index, "datasources", input])}: maps to ${datasource}, which this stack does not provision (${datasource} is off); provisioned: ${provisioned.join(", ")}`,
      ),
  );
}

/** Single-quotes a word for sh; the settings schema already keeps quotes out of folders and input names. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The init container's script. A download that still fails after retries, or that differs from its
 * pinned `sha256`, fails the container, so the pod does not start with dashboards silently missing
 * or changed (a change is never silently ignored).
 */
export function buildCommunityDashboardsScript(dashboards: CommunityDashboard[], provisioned: DatasourceName[]): string {
  const problems = communityDashboardProblems(dashboards, provisioned);
  if (problems.length > 0) throw new Error(`Invalid community dashboards:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  const lines = [
    "set -eu",
    "# fetch <url> <file> <sha256 or -> [sed expressions...]: download, check, map datasource inputs to our uids, write atomically.",
    "fetch() {",
    '  url="$1"; target="$2"; sha256="$3"; shift 3',
    '  mkdir -p "$(dirname "$target")"',
    '  curl --fail --silent --show-error --location --retry 5 --retry-all-errors --retry-delay 3 --connect-timeout 10 --max-time 120 -H "Accept: application/json" -o "$target.download" "$url"',
    '  if [ "$sha256" != "-" ]; then',
    '    actual="$(sha256sum "$target.download" | cut -d " " -f 1)"',
    '    if [ "$actual" != "$sha256" ]; then',
    '      echo "refusing $url: its SHA-256 is $actual, the stack pins $sha256 (observability:grafana.communityDashboards)" >&2',
    '      rm -f "$target.download"',
    "      exit 1",
    "    fi",
    "  fi",
    '  if [ "$#" -gt 0 ]; then sed "$@" "$target.download" > "$target.mapped"; else cp "$target.download" "$target.mapped"; fi',
    '  mv "$target.mapped" "$target" && rm -f "$target.download"',
    '  echo "fetched $url into $target"',
    "}",
    ...dashboards.map((dashboard) => {
      // `${DS_PROMETHEUS}` → `prometheus`. In sed's basic regex `\$` is a literal dollar and braces are
      // literal as they are (`\{` would start an interval).
      const substitutions = Object.entries(dashboard.datasources).flatMap(([input, datasource]) => ["-e", "s/\\$" + "{" + input + "}/" + DATASOURCE_UIDS[datasource] + "/g"]);
      return ["fetch", communityDashboardUrl(dashboard), communityDashboardPath(dashboard), dashboard.sha256 ?? "-", ...substitutions].map(shellQuote).join(" ").replace(/^'fetch'/, "fetch");
    }),
  ];
  return lines.join("\n") + "\n";
}
