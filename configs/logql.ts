import { parser } from "@grafana/lezer-logql";

/**
 * LogQL validation with Grafana's LogQL grammar (`@grafana/lezer-logql`, the one Grafana's query
 * editor uses, generated from Loki's own expr.y), so a dashboard query that would only show up as a
 * red panel stops the preview instead, with the position of its first problem.
 */

type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];

export type LogQLKind = "log" | "metric";

export interface LogQLProblem {
  /** 0-based character offset of the problem. */
  position: number;
  /** 1-based line and column, for messages. */
  line: number;
  column: number;
  message: string;
}

export type LogQLResult = { kind: LogQLKind; problem?: undefined } | { kind?: undefined; problem: LogQLProblem };

/** Parses a LogQL query; returns whether it is a log or a metric query, or its first problem. */
export function checkLogQL(expr: string): LogQLResult {
  if (expr.trim() === "") return { problem: locate(expr, 0, "empty query") };
  const top = parser.parse(expr).topNode;
  const syntaxError = firstError(top);
  if (syntaxError !== undefined) {
    const near = expr.slice(syntaxError, syntaxError + 20);
    return { problem: locate(expr, syntaxError, near.trim() ? `unexpected ${JSON.stringify(near)}` : "unexpected end of query") };
  }
  // Loki refuses a selector that also matches a stream with no labels ({app=~".*"}): it would read
  // every stream. A regex we cannot judge gets the benefit of the doubt.
  const unbounded = selectors(top, expr).find((selector) => selectorAccepts(selector, {}, false));
  if (unbounded) {
    return { problem: locate(expr, unbounded.position, 'every matcher of this selector also matches an empty label: Loki needs at least one, e.g. app=~".+"') };
  }
  return { kind: top.getChild("Expr")?.getChild("LogExpr") ? "log" : "metric" };
}

/** Parses a LogQL query; returns the first problem, or undefined when it parses. */
export function findLogQLError(expr: string): LogQLProblem | undefined {
  return checkLogQL(expr).problem;
}

export class LogQLError extends Error {
  constructor(readonly where: string, readonly expr: string, readonly problem: LogQLProblem) {
    super(`${where}: invalid LogQL at line ${problem.line}, column ${problem.column}: ${problem.message}\n  ${expr}`);
    this.name = "LogQLError";
  }
}

/** Throws a LogQLError naming `where` (a panel) when the query does not parse. */
export function assertValidLogQL(where: string, expr: string): LogQLKind {
  const result = checkLogQL(expr);
  if (result.problem) throw new LogQLError(where, expr, result.problem);
  return result.kind;
}

/** Offset of the first error node in the tree, or undefined when the query parses. */
function firstError(top: SyntaxNode): number | undefined {
  let position: number | undefined;
  top.cursor().iterate((node) => {
    if (position !== undefined) return false;
    if (node.type.isError) {
      position = node.from;
      return false;
    }
    return undefined;
  });
  return position;
}

export interface StreamMatcher {
  label: string;
  op: string;
  value: string;
}

export interface StreamSelector {
  /** 0-based offset of the selector's `{`. */
  position: number;
  matchers: StreamMatcher[];
}

/** The stream selectors `{...}` of a query, in order; empty when the query does not parse. */
export function streamSelectors(expr: string): StreamSelector[] {
  const top = parser.parse(expr).topNode;
  return firstError(top) === undefined ? selectors(top, expr) : [];
}

function selectors(top: SyntaxNode, expr: string): StreamSelector[] {
  const found: StreamSelector[] = [];
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);
  const walk = (node: SyntaxNode): void => {
    if (node.name === "Selector") {
      // Matchers nest (the grammar is left-recursive), so every Matcher below the selector counts.
      const matchers: StreamMatcher[] = [];
      node.cursor().iterate((inner) => {
        if (inner.name !== "Matcher") return undefined;
        const label = inner.node.getChild("Identifier");
        const op = label?.nextSibling;
        const value = inner.node.getChild("String");
        matchers.push({ label: label ? text(label) : "", op: op ? text(op) : "", value: value ? unquote(text(value)) : "" });
        return false;
      });
      found.push({ position: node.from, matchers });
      return;
    }
    for (let child = node.firstChild; child; child = child.nextSibling) walk(child);
  };
  walk(top);
  return found;
}

/** A LogQL string literal's value: Go's rules, i.e. backquotes raw, double quotes with escapes. */
function unquote(literal: string): string {
  if (literal.startsWith("`")) return literal.slice(1, -1);
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal.slice(1, -1);
  }
}

/**
 * Whether a stream with these labels is selected (a missing label counts as empty, as in Loki).
 * Regexes are fully anchored, as in Loki; for one JavaScript cannot compile (RE2-only syntax) the
 * answer is `ifUnsure`.
 */
export function selectorAccepts(selector: StreamSelector, labels: Record<string, string>, ifUnsure = true): boolean {
  return selector.matchers.every((matcher) => matcherAccepts(matcher, labels[matcher.label] ?? "", ifUnsure));
}

function matcherAccepts(matcher: StreamMatcher, value: string, ifUnsure: boolean): boolean {
  switch (matcher.op) {
    case "=":
      return value === matcher.value;
    case "!=":
      return value !== matcher.value;
    case "=~":
    case "!~":
      try {
        const full = new RegExp(`^(?:${matcher.value})$`).test(value);
        return matcher.op === "=~" ? full : !full;
      } catch {
        return ifUnsure;
      }
    default:
      return false;
  }
}

function locate(expr: string, position: number, message: string): LogQLProblem {
  const before = expr.slice(0, position).split("\n");
  return { position, line: before.length, column: before[before.length - 1].length + 1, message };
}
