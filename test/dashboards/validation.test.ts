import { EVERY_COMPONENT } from "../../configs/dashboards/definition";
import { buildDashboards, DashboardDefinition } from "../../configs/dashboards";
import { buildDashboard, labelValuesVariable, logsPanel, lokiQuery, promQuery, Query, timeSeriesPanel } from "../../configs/dashboards/panels";
import { DashboardError } from "../../configs/dashboards/validate";

/** A one-panel dashboard around `query`, for feeding the validator something wrong. */
function definition(query: Query, options: { panel?: "timeseries" | "logs"; datasources?: DashboardDefinition["datasources"] } = {}): DashboardDefinition {
  return {
    folder: "Observability",
    datasources: options.datasources ?? [query.datasource],
    build: () =>
      buildDashboard({
        uid: "broken",
        title: "Broken",
        description: "A dashboard the validator must refuse.",
        tags: ["test"],
        variables: [
          query.datasource === "loki"
            ? labelValuesVariable("namespace", { label: "Namespace", datasource: "loki", query: "label_values(namespace)" })
            : labelValuesVariable("job", { label: "Job", datasource: "prometheus", query: "label_values(up, job)" }),
        ],
        sections: [
          {
            row: "Row",
            panels: [
              options.panel === "logs"
                ? logsPanel({ title: "Bad panel", description: "d", query })
                : timeSeriesPanel({ title: "Bad panel", description: "d", queries: [query] }),
            ],
          },
        ],
      }),
  };
}

function problemsOf(def: DashboardDefinition, datasources: DashboardDefinition["datasources"] = ["prometheus", "loki", "alertmanager"]): string[] {
  try {
    buildDashboards({ appJob: "fastapi", components: EVERY_COMPONENT, datasources }, [def]);
  } catch (err) {
    if (err instanceof DashboardError) return err.problems;
    throw err;
  }
  return [];
}

describe("the dashboard validator", () => {
  test("a PromQL expression that does not parse fails naming the dashboard, the panel and the position", () => {
    const problems = problemsOf(definition(promQuery(`sum(rate(http_requests_total{job="$job"}[$__rate_interval])`)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^dashboard "Broken" \(broken\), panel "Bad panel", query A: invalid PromQL at line 1, column \d+/);
  });

  test("the error surfaces as a thrown DashboardError, the way `pulumi preview` would show it", () => {
    expect(() => buildDashboards({ appJob: "fastapi", components: EVERY_COMPONENT, datasources: ["prometheus", "loki"] }, [definition(promQuery("rate(up[5m]"))])).toThrow(
      /Invalid dashboards:\n {2}- dashboard "Broken" \(broken\), panel "Bad panel", query A: invalid PromQL/,
    );
  });

  test("Grafana macros and variables are substituted before parsing, an unknown variable is named", () => {
    expect(problemsOf(definition(promQuery(`sum by (job) (rate(up{job=~"$job"}[$__rate_interval])) * $__interval_ms`)))).toEqual([]);
    expect(problemsOf(definition(promQuery(`up{job=~"$jbo"}`)))).toEqual([expect.stringContaining(`panel "Bad panel", query A: uses $jbo, neither a variable of the dashboard nor a Grafana macro`)]);
  });

  test("a LogQL query that does not parse fails naming the panel", () => {
    const problems = problemsOf(definition(lokiQuery(`sum(count_over_time({namespace=~"$namespace"} |= "x"))`)));
    expect(problems).toEqual([expect.stringMatching(/^dashboard "Broken" \(broken\), panel "Bad panel", query A: invalid LogQL at line 1, column 45: unexpected "\)\)"/)]);
  });

  test("a log query in a graph, or a metric query in a logs panel, is refused", () => {
    expect(problemsOf(definition(lokiQuery(`{namespace=~"$namespace"}`)))).toEqual([expect.stringContaining("is a log query, but the panel shows numbers")]);
    expect(problemsOf(definition(lokiQuery(`sum(rate({namespace=~"$namespace"}[1m]))`), { panel: "logs" }))).toEqual([expect.stringContaining("is a metric query, but the panel shows log lines")]);
  });

  test("a selector Loki would refuse under the All value is caught", () => {
    const def = definition(lokiQuery(`{namespace=~"$namespace"}`), { panel: "logs" });
    const build = def.build;
    def.build = (inputs) => {
      const json = build(inputs);
      json.templating.list!.find((v) => v.name === "namespace")!.allValue = ".*";
      return json;
    };
    expect(problemsOf(def)).toEqual([expect.stringContaining("every matcher of this selector also matches an empty label")]);
  });

  test("a datasource uid the provisioning does not define is refused", () => {
    const def = definition(promQuery("up"));
    const build = def.build;
    def.build = (inputs) => {
      const json = build(inputs);
      (json.panels[1] as any).targets[0].datasource = { type: "prometheus", uid: "thanos" };
      return json;
    };
    expect(problemsOf(def)).toEqual([expect.stringContaining(`panel "Bad panel", query A: datasource uid "thanos" is not provisioned (provisioned: prometheus`)]);
  });

  test("a dashboard is held to the datasources it declares", () => {
    // Declares only Prometheus but queries Loki: with Loki off it would be provisioned with a dead panel.
    const problems = problemsOf(definition(lokiQuery(`{namespace=~"$namespace"}`), { panel: "logs", datasources: ["prometheus"] }));
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(`datasource uid "loki" is not provisioned`)]));
  });

  test("a panel mixing datasources is refused when it is built", () => {
    expect(() => timeSeriesPanel({ title: "Mixed", description: "d", queries: [promQuery("up"), lokiQuery(`{a="b"}`)] })).toThrow(/panel "Mixed": every query of a panel must use one datasource/);
  });

  test("two dashboards with one uid are refused", () => {
    const def = definition(promQuery("up"));
    expect(() => buildDashboards({ appJob: "fastapi", components: EVERY_COMPONENT, datasources: ["prometheus", "loki"] }, [def, def])).toThrow(/uid broken is already used by dashboard "Broken"/);
  });

  test("a panel without a title or a query is refused", () => {
    const def = definition(promQuery("up"));
    const build = def.build;
    def.build = (inputs) => {
      const json = build(inputs);
      (json.panels[1] as any).title = "";
      (json.panels[1] as any).targets = [];
      return json;
    };
    expect(problemsOf(def)).toEqual(expect.arrayContaining([expect.stringContaining("panel #2: has no title"), expect.stringContaining("has no query")]));
  });
});
