/// <reference path="./grafana-foundation-sdk.d.ts" />
/**
 * Checks a built dashboard the way Grafana would find out only when someone opens it: every panel
 * has a title and a query, every query parses (PromQL with the alert rules' validator, LogQL with
 * configs/logql.ts), every variable it uses exists, and every datasource it names is provisioned.
 * Each problem names the dashboard and the panel.
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { checkLogQL } from "../logql";
import { findPromQLError, PromQLError } from "../promql";
import { DashboardModel } from "./panels";

export interface ProvisionedDatasource {
  uid: string;
  type: string;
}

/**
 * Grafana's own macros, replaced by a value of the right kind so the query parses as it will once
 * Grafana has interpolated it. Durations stand in for intervals and ranges, numbers for the `_ms`/`_s`
 * forms.
 */
const MACRO_STAND_INS: Record<string, string> = {
  __rate_interval: "5m",
  __interval: "1m",
  __range: "1h",
  __auto: "1m",
  __interval_ms: "60000",
  __range_ms: "3600000",
  __range_s: "3600",
};

/** `$name`, `${name}`, `${name:format}`, and the deprecated `[[name]]`. */
const VARIABLE_REFERENCE = /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]/g;

export function referencedVariables(expr: string): string[] {
  return [...expr.matchAll(VARIABLE_REFERENCE)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/**
 * The value a variable is checked with: its "All" value when it has one (the widest match, and
 * what Loki's non-empty-matcher rule must survive), else its default.
 */
function standIn(variable: dashboard.VariableModel): string {
  if (variable.includeAll && variable.allValue !== undefined) return variable.allValue;
  const current = variable.current?.value;
  if (typeof current === "string" && current !== "$__all") return current;
  if (typeof variable.query === "string" && variable.type === "textbox") return variable.query;
  return "stand_in";
}

/** Replaces Grafana macros and the dashboard's variables with stand-ins; lists names it does not know. */
export function interpolate(expr: string, variables: dashboard.VariableModel[]): { expr: string; unknown: string[] } {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const unknown: string[] = [];
  const interpolated = expr.replace(VARIABLE_REFERENCE, (match, braced, bare, bracketed) => {
    const name: string = braced ?? bare ?? bracketed;
    if (name in MACRO_STAND_INS) return MACRO_STAND_INS[name];
    const variable = byName.get(name);
    if (!variable) {
      unknown.push(name);
      return match;
    }
    // Variables sit inside quoted label values: escape what would end the string.
    return standIn(variable).replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  });
  return { expr: interpolated, unknown };
}

/** `label_values(<selector>, <label>)`: the selector part, which must parse on its own. */
const LABEL_VALUES = /^\s*label_values\(\s*(?:(.+),\s*)?([A-Za-z_]\w*)\s*\)\s*$/s;

export function dashboardProblems(model: DashboardModel, provisioned: ProvisionedDatasource[]): string[] {
  const problems: string[] = [];
  const dashboardName = `dashboard "${model.title}" (${model.uid})`;
  const variables = model.templating.list ?? [];
  const typeOfUid = new Map(provisioned.map((d) => [d.uid, d.type]));

  const checkDatasource = (where: string, ref: { type?: string; uid?: string } | undefined): void => {
    const type = ref?.uid === undefined ? undefined : typeOfUid.get(ref.uid);
    if (!ref?.uid) problems.push(`${where}: names no datasource, so it would silently use the default one`);
    else if (type === undefined) problems.push(`${where}: datasource uid "${ref.uid}" is not provisioned (provisioned: ${[...typeOfUid.keys()].join(", ")})`);
    else if (ref.type !== type) problems.push(`${where}: datasource uid "${ref.uid}" is a ${type} datasource, not ${ref.type}`);
  };

  /** Parses an expression for a datasource type; `expected` is the LogQL kind the panel shows. */
  const checkExpression = (where: string, type: string | undefined, expr: string, expected: "log" | "metric"): void => {
    if (expr.trim() === "") {
      problems.push(`${where}: has an empty query`);
      return;
    }
    const { expr: interpolated, unknown } = interpolate(expr, variables);
    if (unknown.length > 0) {
      problems.push(`${where}: uses ${unknown.map((n) => `$${n}`).join(", ")}, neither a variable of the dashboard nor a Grafana macro`);
      return;
    }
    if (type === "prometheus") {
      const problem = findPromQLError(interpolated);
      if (problem) problems.push(new PromQLError(where, interpolated, problem).message);
    } else if (type === "loki") {
      const result = checkLogQL(interpolated);
      if (result.problem) {
        problems.push(`${where}: invalid LogQL at line ${result.problem.line}, column ${result.problem.column}: ${result.problem.message}\n  ${interpolated}`);
      } else if (result.kind !== expected) {
        problems.push(`${where}: is a ${result.kind} query, but the panel shows ${expected === "log" ? "log lines" : "numbers"}`);
      }
    }
  };

  if (!/^[A-Za-z0-9_-]{1,40}$/.test(model.uid)) problems.push(`${dashboardName}: uid must be 1 to 40 letters, digits, - or _`);
  if (!model.title.trim()) problems.push(`${dashboardName}: has no title`);
  if ((model.tags ?? []).length === 0) problems.push(`${dashboardName}: has no tags`);

  const variableNames = new Set<string>();
  for (const variable of variables) {
    const where = `${dashboardName}, variable "${variable.name}"`;
    if (variableNames.has(variable.name)) problems.push(`${where}: is defined twice`);
    variableNames.add(variable.name);
    if (variable.type !== "query") continue;
    checkDatasource(where, variable.datasource);
    const match = typeof variable.query === "string" ? LABEL_VALUES.exec(variable.query) : null;
    if (!match) {
      problems.push(`${where}: query must be label_values(<selector>, <label>), got ${JSON.stringify(variable.query)}`);
    } else if (match[1]) {
      checkExpression(`${where} selector`, typeOfUid.get(variable.datasource?.uid ?? ""), match[1], "log");
    }
  }

  const panels = model.panels.flatMap((p) => (p.type === "row" ? [p, ...((p as dashboard.RowPanel).panels ?? [])] : [p]));
  const ids = new Set<number>();
  for (const panel of panels) {
    const where = `${dashboardName}, panel "${panel.title ?? ""}"`;
    if (!panel.title?.trim()) problems.push(`${dashboardName}, panel #${panel.id}: has no title`);
    if (panel.id === undefined || ids.has(panel.id)) problems.push(`${where}: panel id ${panel.id} is missing or not unique`);
    if (panel.id !== undefined) ids.add(panel.id);
    const grid = panel.gridPos;
    if (!grid || grid.x < 0 || grid.w < 1 || grid.x + grid.w > 24) problems.push(`${where}: does not fit the 24-column grid (${JSON.stringify(grid)})`);
    if (panel.type === "row") continue;

    const targets = (panel as dashboard.Panel).targets ?? [];
    if (targets.length === 0) problems.push(`${where}: has no query`);
    checkDatasource(where, (panel as dashboard.Panel).datasource);
    const refIds = new Set<string>();
    for (const target of targets as { refId?: string; expr?: string; datasource?: { type?: string; uid?: string } }[]) {
      const targetWhere = `${where}, query ${target.refId ?? "?"}`;
      if (!target.refId || refIds.has(target.refId)) problems.push(`${targetWhere}: refId missing or not unique in the panel`);
      refIds.add(target.refId ?? "");
      checkDatasource(targetWhere, target.datasource);
      checkExpression(targetWhere, typeOfUid.get(target.datasource?.uid ?? ""), target.expr ?? "", panel.type === "logs" ? "log" : "metric");
    }
  }
  return problems;
}

export class DashboardError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid dashboards:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "DashboardError";
  }
}
