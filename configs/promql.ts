import { parser } from "@prometheus-io/lezer-promql";

export interface PromQLProblem {
  /** 0-based character offset of the first syntax error. */
  position: number;
  /** 1-based line and column, for messages. */
  line: number;
  column: number;
  message: string;
}

/** Parses a PromQL expression; returns the first syntax error, or undefined when it parses. */
export function findPromQLError(expr: string): PromQLProblem | undefined {
  if (expr.trim() === "") return locate(expr, 0, "empty expression");
  const tree = parser.parse(expr);
  let problem: PromQLProblem | undefined;
  tree.iterate({
    enter(node) {
      if (problem) return false;
      if (node.type.isError) {
        const near = expr.slice(node.from, node.from + 20) || "end of expression";
        problem = locate(expr, node.from, `unexpected ${JSON.stringify(near)}`);
        return false;
      }
      return undefined;
    },
  });
  return problem;
}

function locate(expr: string, position: number, message: string): PromQLProblem {
  const before = expr.slice(0, position).split("\n");
  return { position, line: before.length, column: before[before.length - 1].length + 1, message };
}

export class PromQLError extends Error {
  constructor(readonly where: string, readonly expr: string, readonly problem: PromQLProblem) {
    super(`${where}: invalid PromQL at line ${problem.line}, column ${problem.column}: ${problem.message}\n  ${expr}`);
    this.name = "PromQLError";
  }
}

/** Throws a PromQLError naming `where` (a rule or panel) when the expression does not parse. */
export function assertValidPromQL(where: string, expr: string): void {
  const problem = findPromQLError(expr);
  if (problem) throw new PromQLError(where, expr, problem);
}
