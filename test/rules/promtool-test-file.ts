/** Turns the typed scenarios into a `promtool test rules` file for a given rule file. */
import { AlertingRule, RuleFile, runbookAnchor } from "../../configs/rule-builder";
import { durationToMs } from "../../configs/settings";
import { ExpectedAlert, SAMPLES, Scenario, SERIES_INTERVAL } from "./scenarios";

/** The test file format of `promtool test rules`, field names as upstream. */
export interface PromtoolTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: {
    name: string;
    interval: string;
    input_series: { series: string; values: string }[];
    alert_rule_test: AlertRuleTest[];
  }[];
}

interface AlertRuleTest {
  alertname: string;
  eval_time: string;
  exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}

const MINUTE = 60_000;

export function allRules(file: RuleFile): AlertingRule[] {
  return file.groups.flatMap((g) => g.rules);
}

/** The `for:` of an alert, in minutes; the severities of a pair must share it, or inhibition would flap. */
function forMinutes(rules: AlertingRule[], alert: string): number {
  const durations = new Set(rules.filter((r) => r.alert === alert).map((r) => r.for ?? "0s"));
  if (durations.size !== 1) throw new Error(`${alert}: expected one for: across its severities, got ${[...durations].join(", ") || "no rule"}`);
  const ms = durationToMs([...durations][0]);
  if (ms % MINUTE !== 0) throw new Error(`${alert}: for: must be whole minutes for the 1m test grid`);
  return ms / MINUTE;
}

const seriesText = (metric: string, labels: Record<string, string>) =>
  `${metric}{${Object.entries(labels)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(",")}}`;

/**
 * One test group per scenario. A firing scenario is checked twice: a minute before its `for:` has
 * passed (still pending, so nothing fires yet) and two minutes after (rates need two samples, so a
 * condition holds from minute 1).
 */
export function promtoolTestFile(ruleFileName: string, rules: RuleFile, scenarios: Scenario[], runbooksUrl: string): PromtoolTestFile {
  const flat = allRules(rules);
  return {
    rule_files: [ruleFileName],
    evaluation_interval: SERIES_INTERVAL,
    tests: scenarios.map((scenario) => {
      const forMin = forMinutes(flat, scenario.alert);
      const firedAt = forMin + 2;
      if (firedAt >= SAMPLES) throw new Error(`${scenario.alert}: for: ${forMin}m is longer than the ${SAMPLES}m of test series`);
      const expect = (atMinute: number, fires: ExpectedAlert[]): AlertRuleTest => ({
        alertname: scenario.alert,
        eval_time: `${atMinute}m`,
        exp_alerts: fires.map((alert) => ({
          exp_labels: { ...alert.labels, severity: alert.severity },
          exp_annotations: { summary: alert.summary, description: alert.description, runbook_url: `${runbooksUrl}#${runbookAnchor(scenario.alert)}` },
        })),
      });
      const checks = [
        // Without for: (the Watchdog) an alert fires at its first evaluation: there is no pending minute.
        ...(scenario.fires.length > 0 && forMin > 0 ? [expect(forMin - 1, [])] : []),
        expect(firedAt, scenario.fires),
        ...(scenario.later ?? []).map((check) => expect(check.atMinute, check.fires)),
      ];
      return {
        name: `${scenario.alert}: ${scenario.situation}`,
        interval: SERIES_INTERVAL,
        input_series: scenario.series.map((s) => ({ series: seriesText(s.metric, s.labels), values: s.values })),
        alert_rule_test: checks,
      };
    }),
  };
}
