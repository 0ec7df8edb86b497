import { EVERY_COMPONENT } from "../../configs/dashboards/definition";
import * as fs from "fs";
import * as path from "path";
import { buildDashboards, provisionedDatasources } from "../../configs/dashboards";

/**
 * docs/dashboards.md is the contract with the app's instrumentation: it must name every dashboard,
 * every panel and every metric a panel queries, so a new panel cannot ship undocumented.
 */
const docs = fs.readFileSync(path.join(__dirname, "../../docs/dashboards.md"), "utf8");
const dashboards = buildDashboards({ appJob: "fastapi", components: EVERY_COMPONENT, datasources: provisionedDatasources({ loki: true, alertmanager: true }) });

/** Metric names in a PromQL expression, histogram series reduced to the histogram's name. */
function metrics(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1].replace(/_(bucket|count|sum)$/, ""));
}

describe("docs/dashboards.md", () => {
  test.each(dashboards.map((d) => [d.json.title, d]))("documents %s: its uid, its panels and the metrics they query", (title, d) => {
    expect(docs).toContain(`\n## ${title}\n`);
    expect(docs).toContain(`\`${d.json.uid}\``);
    const section = docs.split(`\n## ${title}\n`)[1].split("\n## ")[0];
    for (const panel of d.json.panels.filter((p) => p.type !== "row") as any[]) {
      expect([panel.title, section.includes(`| ${panel.title} |`)]).toEqual([panel.title, true]);
      for (const target of panel.targets.filter((t: any) => t.datasource.type === "prometheus")) {
        for (const metric of metrics(target.expr)) expect([panel.title, metric, section.includes(`\`${metric}\``)]).toEqual([panel.title, metric, true]);
      }
    }
  });
});
