/** Runs every check in order and turns the results into the table people read or the JSON CI reads. */
import { checkAlertmanager } from "./alertmanager-checks";
import { checkGrafana } from "./grafana-checks";
import { checkLogAgent } from "./log-agent-checks";
import { checkLoki } from "./loki-checks";
import { CheckResult, fail, reason, VerifyContext } from "./model";
import { checkPrometheus } from "./prometheus-checks";
import { sendTestAlerts } from "./test-alert";

const CHECKS: [string, (ctx: VerifyContext) => Promise<CheckResult[]>][] = [
  ["prometheus", checkPrometheus],
  ["alertmanager", checkAlertmanager],
  ["grafana", checkGrafana],
  ["loki", checkLoki],
  ["log agent", checkLogAgent],
];

export async function runChecks(ctx: VerifyContext, options: { sendTestAlert: boolean }): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const all = options.sendTestAlert ? [...CHECKS, ["test alert", sendTestAlerts] as const] : CHECKS;
  for (const [service, check] of all) {
    ctx.progress(`checking ${service}`);
    try {
      results.push(...(await check(ctx)));
    } catch (err) {
      // A check that could not even read the cluster: one line saying so, and the others still run.
      results.push(fail(service, "reachable", reason(err), "is the kube context right (--context), and may you read pods, ConfigMaps and Secrets in the stack's namespaces?"));
    }
  }
  return results;
}

export const passed = (results: CheckResult[]) => results.every((r) => r.status !== "fail");

const MARK = { pass: "✓", fail: "✗", skip: "–" } as const;

/** One line per check: mark, service, check, what was found; a failure's fix on the next line. */
export function formatTable(results: CheckResult[]): string {
  const width = (pick: (r: CheckResult) => string) => Math.max(0, ...results.map((r) => pick(r).length));
  const [service, check] = [width((r) => r.service), width((r) => r.check)];
  const lines = results.flatMap((r) => [
    `${MARK[r.status]} ${r.service.padEnd(service)}  ${r.check.padEnd(check)}  ${r.detail}`,
    ...(r.status === "fail" && r.fix ? [`  ${" ".repeat(service + check + 2)}  → ${r.fix}`] : []),
  ]);
  const failed = results.filter((r) => r.status === "fail").length;
  lines.push("", failed === 0 ? `all ${results.filter((r) => r.status === "pass").length} checks passed` : `${failed} of ${results.length} checks failed`);
  return lines.join("\n");
}

export function formatJson(stack: string, results: CheckResult[]): string {
  return JSON.stringify({ stack, passed: passed(results), checks: results }, null, 2);
}
