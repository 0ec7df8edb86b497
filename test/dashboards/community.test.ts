import { buildCommunityDashboardsScript, communityDashboardProblems } from "../../configs/dashboards/community";
import { parseSettings, SettingsError } from "../../configs/settings";

const parse = (communityDashboards: unknown) => parseSettings({ values: { grafana: { communityDashboards } }, secrets: {} });
const problems = (communityDashboards: unknown): string[] => {
  try {
    parse(communityDashboards);
    return [];
  } catch (err) {
    return (err as SettingsError).problems;
  }
};

describe("observability:grafana.communityDashboards", () => {
  test("is off by default", () => {
    expect(parseSettings({ values: {}, secrets: {} }).grafana.communityDashboards).toEqual([]);
  });

  test("an entry needs an id and a revision; the folder and the Prometheus input mapping have defaults", () => {
    expect(parse([{ id: 1860, revision: 41 }]).grafana.communityDashboards).toEqual([{ id: 1860, revision: 41, folder: "Community", datasources: { DS_PROMETHEUS: "prometheus" } }]);
  });

  test.each([
    [[{ id: 1860 }], "observability:grafana.communityDashboards[0].revision: is required"],
    [[{ id: -3, revision: 1 }], "observability:grafana.communityDashboards[0].id: must be a grafana.com dashboard id like 1860"],
    [[{ id: 1860, revision: 1.5 }], "observability:grafana.communityDashboards[0].revision: must be integer, got float"],
    [[{ id: 1860, revision: 1, folder: "a'b" }], "observability:grafana.communityDashboards[0].folder: must be a folder name of letters, digits, spaces, - and _"],
    [[{ id: 1860, revision: 1, datasources: { DS_PROMETHEUS: "thanos" } }], "observability:grafana.communityDashboards[0].datasources.DS_PROMETHEUS: must be one of prometheus, loki, alertmanager"],
    [[{ id: 1860, revision: 1, datasources: { "DS PROM": "prometheus" } }], "observability:grafana.communityDashboards[0].datasources.DS PROM: must be an input name like DS_PROMETHEUS"],
    [[{ id: 1860, revision: 1, url: "https://example.com" }], "observability:grafana.communityDashboards[0].url: unknown setting; allowed here: id, revision, folder, datasources, sha256"],
    [
      [
        { id: 1860, revision: 1 },
        { id: 1860, revision: 2 },
      ],
      "observability:grafana.communityDashboards: must not list the same dashboard id twice",
    ],
  ])("refuses %j", (value, message) => {
    expect(problems(value)).toEqual([message]);
  });

  test("an input mapped to a datasource the stack does not provision is refused, naming the key", () => {
    const [dashboard] = parse([{ id: 13639, revision: 2, datasources: { DS_LOKI: "loki" } }]).grafana.communityDashboards;
    expect(communityDashboardProblems([dashboard], ["prometheus", "loki"])).toEqual([]);
    expect(() => buildCommunityDashboardsScript([dashboard], ["prometheus", "alertmanager"])).toThrow(
      "observability:grafana.communityDashboards[0].datasources.DS_LOKI: maps to loki, which this stack does not provision (loki is off)",
    );
  });
});
