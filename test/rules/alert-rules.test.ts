import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { assertValidRules, buildAlertRules } from "../../configs/alert-rules";
import { WATCHDOG_ALERT, WATCHDOG_SEVERITY } from "../../configs/dead-mans-switch";
import { AlertingRule, RuleFile, RUNBOOKS_DOC, runbookAnchor } from "../../configs/rule-builder";
import * as promql from "../../configs/promql";
import { toYaml } from "../../configs/yaml";
import { PROJECT_ROOT } from "../../scripts/offline";
import { binary, run, withPinnedBinaries } from "../helpers/binaries";
import { tempDir } from "../helpers/processes";
import { render } from "../helpers/render";
import { stackSettings } from "../helpers/stack-settings";
import { allRules, promtoolTestFile } from "./promtool-test-file";
import { scenarios } from "./scenarios";

const key = (alert: string, severity: string) => `${alert} (${severity})`;
const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort();

describe("the prod stack's rendered alert rules, under the real promtool", () => {
  let rulesYaml: string;
  let rules: RuleFile;
  beforeAll(async () => {
    rulesYaml = (await render({ stack: "prod" })).files["prometheus/rules/alerts.yml"];
    rules = parse(rulesYaml);
  });

  test("the scenarios cover every alert: each severity fires in one, and stays silent just under its threshold in another", () => {
    const inRender = sorted(allRules(rules).map((r) => key(r.alert, r.labels.severity)));
    const firing = sorted(scenarios.flatMap((s) => s.fires.map((f) => key(s.alert, f.severity))));
    const silentJustUnder = sorted(
      scenarios.filter((s) => s.justUnder && !s.fires.some((f) => f.severity === s.justUnder)).map((s) => key(s.alert, s.justUnder!)),
    );
    expect(firing).toEqual(inRender);
    // The Watchdog has no threshold to sit under: it always fires.
    expect(silentJustUnder).toEqual(inRender.filter((k) => k !== key(WATCHDOG_ALERT, WATCHDOG_SEVERITY)));
    expect(sorted(scenarios.map((s) => s.alert))).toEqual(sorted(allRules(rules).map((r) => r.alert)));
  });

  // The scenarios' numbers are what the deployed Prometheus 3 computes: its range selectors are
  // left-open (a sample exactly at the window's start is out), which 2.x counted in.
  withPinnedBinaries("Prometheus 3 range selectors, which Debian's 2.42 evaluates differently", "promtool")("promtool test rules: every scenario fires exactly the expected alerts, with their labels and annotations", () => {
    const dir = tempDir("promtool-test");
    try {
      fs.writeFileSync(path.join(dir, "alerts.yml"), rulesYaml);
      const runbooksUrl = stackSettings("prod").alerts.runbooksUrl;
      fs.writeFileSync(path.join(dir, "tests.yml"), toYaml(promtoolTestFile("alerts.yml", rules, scenarios, runbooksUrl)));
      const result = run(binary("promtool")!, ["test", "rules", "tests.yml"], dir);
      expect(result.output).toContain("SUCCESS");
      expect(result.code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("buildAlertRules", () => {
  const prod = stackSettings("prod");
  const rules = allRules(buildAlertRules({ settings: prod }));
  const runbooks = fs.readFileSync(path.join(PROJECT_ROOT, RUNBOOKS_DOC), "utf8");
  const runbookSections = new Set([...runbooks.matchAll(/^## (\w+)$/gm)].map((m) => runbookAnchor(m[1])));

  test("every rule has a severity, a summary, a description and a runbook link to its own section of docs/runbooks.md", () => {
    for (const rule of rules) {
      expect(rule.alert === WATCHDOG_ALERT ? [WATCHDOG_SEVERITY] : ["critical", "warning"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary).toBeTruthy();
      expect(rule.annotations.description).toBeTruthy();
      expect(rule.annotations.runbook_url).toBe(`docs/runbooks.md#${runbookAnchor(rule.alert)}`);
      expect(runbookSections).toContain(runbookAnchor(rule.alert));
    }
  });

  // `up == 0`, or a condition flag `== 1` (a Kubernetes status), has no value worth showing: it is all
  // it can be; nor has the Watchdog's constant. Every other alert reports its value.
  const valueIsConstant = (rule: AlertingRule) => / == [01]$/.test(rule.expr) || rule.expr === "vector(1)";
  test("descriptions show the alert's value, humanized, unless it is a constant", () => {
    const withoutValue = rules.filter((r) => !/\{\{ \$value \| humanize(Percentage|Duration)? \}\}/.test(r.annotations.description));
    expect(withoutValue.filter((r) => !valueIsConstant(r)).map((r) => r.alert)).toEqual([]);
  });

  test("the severities of a pair share their name, for: and every label but severity, so the inhibit rule matches them", () => {
    const byName = new Map<string, AlertingRule[]>();
    for (const rule of rules) byName.set(rule.alert, [...(byName.get(rule.alert) ?? []), rule]);
    const pairs = [...byName.values()].filter((group) => group.length > 1);
    expect(pairs.map((p) => p[0].alert).sort()).toEqual(
      [
        "CertificateExpiringSoon",
        "HighCpuUsage",
        "HighDiskUsage",
        "HighErrorRate",
        "HighMemoryUsage",
        "HighResponseTime",
        "HighTradeFailureRate",
        "MonitoringVolumeFull",
        "KubePersistentVolumeFillingUp",
        "NodeFilesystemSpaceFillingUp",
        "NodeFilesystemAlmostOutOfSpace",
      ].sort(),
    );
    for (const [warning, critical] of pairs) {
      expect([warning.labels.severity, critical.labels.severity]).toEqual(["warning", "critical"]);
      expect(warning.for).toBe(critical.for);
      const { severity: _w, ...warningLabels } = warning.labels;
      const { severity: _c, ...criticalLabels } = critical.labels;
      expect(warningLabels).toEqual(criticalLabels);
    }
  });

  test("thresholds, for: durations and the rate window come from settings", () => {
    const custom = stackSettings("prod", {
      alerts: { rateWindow: "2m", highErrorRate: { warning: 0.02, critical: 0.2, for: "10m" }, applicationDown: { for: "30s" } },
    });
    const built = allRules(buildAlertRules({ settings: custom }));
    const errorRules = built.filter((r) => r.alert === "HighErrorRate");
    expect(errorRules.map((r) => r.expr.match(/> ([\d.]+)$/)![1])).toEqual(["0.02", "0.2"]);
    expect(errorRules.map((r) => r.for)).toEqual(["10m", "10m"]);
    expect(errorRules[0].expr).toContain("[2m]");
    expect(errorRules[0].annotations.description).toContain("(threshold 2%)");
    expect(built.find((r) => r.alert === "ApplicationDown")!.for).toBe("30s");
  });

  test("the app's job name is quoted as a PromQL string, whatever it contains", () => {
    // The settings refuse such a name (observability:app.job has a safe grammar); the builder quotes whatever it gets anyway.
    const built = allRules(buildAlertRules({ settings: { ...prod, app: { ...prod.app, job: 'odd"job\\name', namespaces: "all" } } }));
    expect(built.find((r) => r.alert === "ApplicationDown")!.expr).toBe('up{job="odd\\"job\\\\name"} == 0');
  });

  test("every expression goes through the PromQL validator, named after its rule", () => {
    const validate = jest.spyOn(promql, "assertValidPromQL");
    try {
      buildAlertRules({ settings: prod });
      expect(validate.mock.calls.map(([where]) => where)).toEqual(
        rules.map((r) => expect.stringContaining(`alert rule ${r.alert} (${r.labels.severity})`)),
      );
    } finally {
      validate.mockRestore();
    }
  });

  test("a bad expression fails with the rule's name, group and the error's position", () => {
    const broken: RuleFile = {
      groups: [
        {
          name: "application",
          rules: [{ ...rules.find((r) => r.labels.severity === "warning")!, alert: "BrokenRule", expr: "sum(rate(http_requests_total[5m]) > 0.05" }],
        },
      ],
    };
    expect(() => assertValidRules(broken)).toThrow(/^alert rule BrokenRule \(warning\) in group application: invalid PromQL at line 1, column \d+/);
  });
});
