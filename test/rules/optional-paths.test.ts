/**
 * Alerts follow the components that run: with Alertmanager off, or with every optional component
 * off, every rendered alert watches series a running component exports, so each can both fire and
 * resolve. The scenarios (scenarios.ts) prove it per variant: each alert fires in one and stays
 * silent in another, under the pinned promtool.
 */
import * as fs from "fs";
import * as path from "path";
import { buildAlertRules } from "../../configs/alert-rules";
import { toYaml } from "../../configs/yaml";
import { binary, run, withPinnedBinaries } from "../helpers/binaries";
import { tempDir } from "../helpers/processes";
import { stackSettings } from "../helpers/stack-settings";
import { allRules, promtoolTestFile } from "./promtool-test-file";
import { scenarios } from "./scenarios";

const EVERYTHING_OFF = {
  alertmanager: { enabled: false },
  grafana: { enabled: false },
  loki: { enabled: false },
  logAgent: "none",
  nodeExporter: { enabled: false },
  kubeStateMetrics: { enabled: false },
  mailCatcher: { enabled: false },
};

const variants: [string, Record<string, unknown>][] = [
  ["Alertmanager off", { alertmanager: { enabled: false } }],
  ["every optional component off", EVERYTHING_OFF],
];

const key = (alert: string, severity: string) => `${alert} (${severity})`;

describe.each(variants)("%s", (_, overrides) => {
  const settings = stackSettings("prod", overrides);
  const rules = buildAlertRules({ settings });
  const rendered = [...new Set(allRules(rules).map((r) => key(r.alert, r.labels.severity)))].sort();
  // A scenario that feeds series of a component that is off (kube-state-metrics' kube_*, node-exporter's
  // node_*) describes a cluster this variant cannot see: the rest must still cover every alert.
  const exported = (metric: string) =>
    !(settings.kubeStateMetrics.enabled === false && /^kube_/.test(metric)) && !(settings.nodeExporter.enabled === false && /^node_/.test(metric));
  const relevant = scenarios.filter((s) => allRules(rules).some((r) => r.alert === s.alert) && s.series.every((x) => exported(x.metric)));

  test("every rendered alert fires in a scenario and stays silent in another: it can fire and resolve", () => {
    const fires = new Set(relevant.flatMap((s) => s.fires.map((f) => key(s.alert, f.severity))));
    const silent = new Set(relevant.filter((s) => s.justUnder && !s.fires.some((f) => f.severity === s.justUnder)).map((s) => key(s.alert, s.justUnder!)));
    expect(rendered.filter((k) => !fires.has(k) || !silent.has(k))).toEqual([]);
  });

  test("no rule watches a component that is off", () => {
    const names = new Set(allRules(rules).map((r) => r.alert));
    const off = (what: string) => (overrides as Record<string, any>)[what]?.enabled === false || (what === "logAgent" && overrides.logAgent === "none");
    if (off("alertmanager")) for (const alert of ["PrometheusNotConnectedToAlertmanagers", "PrometheusNotificationsFailing", "AlertmanagerNotificationsFailing", "Watchdog"]) expect(names).not.toContain(alert);
    if (off("logAgent")) for (const alert of ["LogAgentDown", "LogAgentDroppingLogs"]) expect(names).not.toContain(alert);
    if (off("nodeExporter")) for (const alert of ["HighCpuUsage", "HighMemoryUsage", "HighDiskUsage"]) expect(names).not.toContain(alert);
    if (off("loki")) for (const alert of ["LokiDown", "LokiDiscardingLogs"]) expect(names).not.toContain(alert);
    // What each exporter's series look like in an expression.
    const exprs = allRules(rules).map((r) => `${r.alert}: ${r.expr}`);
    if (off("nodeExporter")) expect(exprs.filter((e) => /\bnode_(cpu|memory|filesystem|load|network|disk)_/.test(e))).toEqual([]);
    if (off("kubeStateMetrics")) expect(exprs.filter((e) => /job="kube-state-metrics"|\bkube_[a-z_]+\{/.test(e))).toEqual([]);
  });

  withPinnedBinaries("Prometheus 3 range selectors, which Debian's 2.42 evaluates differently", "promtool")("promtool test rules: the variant's scenarios fire and stay silent as expected", () => {
    const dir = tempDir("promtool-variant");
    try {
      fs.writeFileSync(path.join(dir, "alerts.yml"), toYaml(rules));
      fs.writeFileSync(path.join(dir, "tests.yml"), toYaml(promtoolTestFile("alerts.yml", rules, relevant, settings.alerts.runbooksUrl)));
      const result = run(binary("promtool")!, ["test", "rules", "tests.yml"], dir);
      expect(result.output).toContain("SUCCESS");
      expect(result.code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
