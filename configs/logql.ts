/**
 * A small LogQL checker: no LogQL parser ships for Node, and a dashboard query that does not parse
 * only shows up as a red panel once someone opens it. This covers the grammar the stack's
 * dashboards use (stream selectors, line filters, parsers, label filters and formatters, range and
 * vector aggregations, binary operators), and reports the first problem with its position.
 *
 * Grammar (from the LogQL reference):
 *   query        = logQuery | metricQuery
 *   logQuery     = selector pipeline
 *   selector     = "{" matcher ("," matcher)* "}"
 *   matcher      = label ("=" | "!=" | "=~" | "!~") string
 *   pipeline     = (lineFilter | "|" stage)*
 *   metricQuery  = operand (binaryOp operand)*
 *   operand      = number | "(" metricQuery ")" | vectorAgg | rangeAgg
 *   vectorAgg    = aggOp [grouping] "(" [number ","] metricQuery ")" [grouping]
 *   rangeAgg     = rangeOp "(" [number ","] selector [range] pipeline [range] ")" [grouping]
 */

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

const RANGE_OPS = new Set([
  "count_over_time", "rate", "rate_counter", "bytes_over_time", "bytes_rate", "absent_over_time",
  "avg_over_time", "sum_over_time", "min_over_time", "max_over_time", "stddev_over_time", "stdvar_over_time",
  "quantile_over_time", "first_over_time", "last_over_time",
]);
/** Range aggregations over unwrapped values, which may take a grouping. */
const UNWRAPPED_RANGE_OPS = new Set(["avg_over_time", "min_over_time", "max_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time", "first_over_time", "last_over_time"]);
const AGG_OPS = new Set(["sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "sort", "sort_desc"]);
const PARAMETRIC_AGG_OPS = new Set(["topk", "bottomk"]);
const BINARY_OPS = new Set(["+", "-", "*", "/", "%", "^", "==", "!=", ">", ">=", "<", "<=", "and", "or", "unless"]);
const LINE_FILTER_OPS = new Set(["|=", "!=", "|~", "!~", "|>", "!>"]);
const MATCHER_OPS = new Set(["=", "!=", "=~", "!~"]);
const COMPARISON_OPS = new Set(["=", "==", "!=", "=~", "!~", ">", ">=", "<", "<="]);
const UNWRAP_CONVERSIONS = new Set(["duration", "duration_seconds", "bytes"]);

type TokenType = "string" | "number" | "duration" | "bytes" | "ident" | "op" | "punct" | "end";
interface Token {
  type: TokenType;
  text: string;
  /** String tokens: the unquoted value. */
  value: string;
  position: number;
}

class LogQLSyntaxError extends Error {
  constructor(readonly position: number, message: string) {
    super(message);
  }
}

const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w|y))+$/;
const BYTES = /^\d+(\.\d+)?(b|kb|kib|mb|mib|gb|gib|tb|tib|pb|pib|eb|eib)$/i;
const OPERATORS = ["|=", "|~", "|>", "!=", "!~", "!>", "=~", "==", ">=", "<=", "=", ">", "<", "+", "-", "*", "/", "%", "^", "|"];

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < input.length && input[i] !== "\n") i++;
    } else if (c === '"') {
      const start = i++;
      let value = "";
      while (i < input.length && input[i] !== '"') {
        if (input[i] === "\\") {
          if (i + 1 >= input.length) break;
          value += input[i + 1];
          i += 2;
        } else value += input[i++];
      }
      if (input[i] !== '"') throw new LogQLSyntaxError(start, "unterminated string");
      i++;
      tokens.push({ type: "string", text: input.slice(start, i), value, position: start });
    } else if (c === "`") {
      const end = input.indexOf("`", i + 1);
      if (end < 0) throw new LogQLSyntaxError(i, "unterminated raw string");
      tokens.push({ type: "string", text: input.slice(i, end + 1), value: input.slice(i + 1, end), position: i });
      i = end + 1;
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < input.length && /[0-9A-Za-zµ.]/.test(input[i])) i++;
      const text = input.slice(start, i);
      const type: TokenType = /^\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) ? "number" : DURATION.test(text) ? "duration" : BYTES.test(text) ? "bytes" : "end";
      if (type === "end") throw new LogQLSyntaxError(start, `not a number, duration or size: ${JSON.stringify(text)}`);
      tokens.push({ type, text, value: text, position: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < input.length && /[A-Za-z0-9_]/.test(input[i])) i++;
      const text = input.slice(start, i);
      tokens.push({ type: "ident", text, value: text, position: start });
    } else if ("{}()[],".includes(c)) {
      tokens.push({ type: "punct", text: c, value: c, position: i++ });
    } else {
      const op = OPERATORS.find((o) => input.startsWith(o, i));
      if (!op) throw new LogQLSyntaxError(i, `unexpected character ${JSON.stringify(c)}`);
      tokens.push({ type: "op", text: op, value: op, position: i });
      i += op.length;
    }
  }
  tokens.push({ type: "end", text: "", value: "", position: input.length });
  return tokens;
}

class Parser {
  private at = 0;
  /** Every stream selector seen, for the non-empty-matcher rule. */
  readonly selectors: { position: number; matchers: { label: string; op: string; value: string }[] }[] = [];

  constructor(private readonly tokens: Token[]) {}

  parse(): LogQLKind {
    const kind = this.peek().text === "{" ? "log" : "metric";
    if (kind === "log") this.logQuery();
    else this.metricQuery();
    if (this.peek().type !== "end") this.fail(`unexpected ${describe(this.peek())} after the end of the query`);
    return kind;
  }

  private metricQuery(): void {
    this.operand();
    while (BINARY_OPS.has(this.peek().text) && this.peek().type !== "string") {
      this.next();
      if (this.peek().text === "bool") this.next();
      if (["on", "ignoring"].includes(this.peek().text)) {
        this.next();
        this.labelList();
        if (["group_left", "group_right"].includes(this.peek().text)) {
          this.next();
          if (this.peek().text === "(") this.labelList();
        }
      }
      this.operand();
    }
  }

  private operand(): void {
    const token = this.peek();
    if (token.type === "number") {
      this.next();
    } else if (token.text === "-" || token.text === "+") {
      this.next();
      this.operand();
    } else if (token.text === "(") {
      this.next();
      this.metricQuery();
      this.expect(")");
    } else if (token.type === "ident" && AGG_OPS.has(token.text)) {
      this.vectorAggregation();
    } else if (token.type === "ident" && RANGE_OPS.has(token.text)) {
      this.rangeAggregation();
    } else if (token.type === "ident" && token.text === "vector") {
      this.next();
      this.expect("(");
      this.expectType("number");
      this.expect(")");
    } else if (token.text === "{") {
      this.fail("a log query cannot be used where a metric is expected: wrap it in a range aggregation like count_over_time({...}[5m])");
    } else {
      this.fail(`expected a metric query, got ${describe(token)}`);
    }
  }

  private vectorAggregation(): void {
    const op = this.next().text;
    this.optionalGrouping();
    this.expect("(");
    if (PARAMETRIC_AGG_OPS.has(op)) {
      this.expectType("number");
      this.expect(",");
    }
    this.metricQuery();
    this.expect(")");
    this.optionalGrouping();
  }

  private rangeAggregation(): void {
    const op = this.next().text;
    this.expect("(");
    if (op === "quantile_over_time") {
      this.expectType("number");
      this.expect(",");
    }
    const parenthesised = this.peek().text === "(";
    if (parenthesised) this.next();
    this.selector();
    let ranges = this.optionalRange() ? 1 : 0;
    this.pipeline();
    if (parenthesised) this.expect(")");
    if (this.optionalRange()) ranges++;
    if (ranges !== 1) this.fail(`${op} needs exactly one range like [5m] after the log query`);
    this.expect(")");
    if (UNWRAPPED_RANGE_OPS.has(op)) this.optionalGrouping();
  }

  private optionalRange(): boolean {
    if (this.peek().text !== "[") return false;
    this.next();
    this.expectType("duration");
    this.expect("]");
    if (this.peek().text === "offset") {
      this.next();
      this.expectType("duration");
    }
    return true;
  }

  private optionalGrouping(): void {
    if (this.peek().text === "by" || this.peek().text === "without") {
      this.next();
      this.labelList();
    }
  }

  private labelList(): void {
    this.expect("(");
    if (this.peek().text !== ")") {
      this.expectType("ident");
      while (this.peek().text === ",") {
        this.next();
        this.expectType("ident");
      }
    }
    this.expect(")");
  }

  private logQuery(): void {
    this.selector();
    this.pipeline();
  }

  private selector(): void {
    const open = this.expect("{");
    const matchers: { label: string; op: string; value: string }[] = [];
    if (this.peek().text === "}") this.fail("a stream selector needs at least one label matcher, e.g. {app=\"api\"}");
    for (;;) {
      const label = this.expectType("ident").text;
      const op = this.next();
      if (!MATCHER_OPS.has(op.text)) this.fail(`expected one of = != =~ !~ after label ${label}, got ${describe(op)}`, op.position);
      const value = this.expectType("string").value;
      matchers.push({ label, op: op.text, value });
      if (this.peek().text !== ",") break;
      this.next();
    }
    this.expect("}");
    this.selectors.push({ position: open.position, matchers });
  }

  private pipeline(): void {
    for (;;) {
      const token = this.peek();
      if (token.type === "op" && LINE_FILTER_OPS.has(token.text)) {
        this.next();
        this.lineFilterValue();
        while (this.peek().text === "or") {
          this.next();
          this.lineFilterValue();
        }
      } else if (token.text === "|") {
        this.next();
        this.stage();
      } else return;
    }
  }

  private lineFilterValue(): void {
    if (this.peek().text === "ip") {
      this.next();
      this.expect("(");
      this.expectType("string");
      this.expect(")");
    } else this.expectType("string");
  }

  private stage(): void {
    const token = this.peek();
    if (token.type !== "ident" && token.text !== "(") this.fail(`expected a pipeline stage after |, got ${describe(token)}`);
    switch (token.text) {
      case "json":
      case "logfmt":
        this.next();
        while (this.peek().type === "op" && this.peek().text === "-") {
          // logfmt flags: --strict, --keep-empty
          this.next();
          this.expect("-");
          this.expectType("ident");
        }
        if (this.peek().type === "ident" && this.tokens[this.at + 1]?.text === "=") this.extractions();
        return;
      case "regexp":
      case "pattern":
      case "line_format":
        this.next();
        this.expectType("string");
        return;
      case "unpack":
      case "decolorize":
        this.next();
        return;
      case "label_format":
        this.next();
        this.extractions();
        return;
      case "drop":
      case "keep":
        this.next();
        this.labelsOrMatchers();
        return;
      case "unwrap":
        this.next();
        if (UNWRAP_CONVERSIONS.has(this.peek().text) && this.tokens[this.at + 1]?.text === "(") {
          this.next();
          this.expect("(");
          this.expectType("ident");
          this.expect(")");
        } else this.expectType("ident");
        return;
      default:
        this.labelFilter();
    }
  }

  /** `a="b", c=d`: label_format and json/logfmt parameters. */
  private extractions(): void {
    for (;;) {
      this.expectType("ident");
      this.expect("=");
      const value = this.next();
      if (value.type !== "string" && value.type !== "ident") this.fail(`expected a string or label after =, got ${describe(value)}`, value.position);
      if (this.peek().text !== ",") return;
      this.next();
    }
  }

  private labelsOrMatchers(): void {
    for (;;) {
      this.expectType("ident");
      if (MATCHER_OPS.has(this.peek().text)) {
        this.next();
        this.expectType("string");
      }
      if (this.peek().text !== ",") return;
      this.next();
    }
  }

  /** `level="error" and duration > 1s or (status >= 500)` */
  private labelFilter(): void {
    this.labelPredicate();
    while (["and", "or", ","].includes(this.peek().text)) {
      this.next();
      this.labelPredicate();
    }
  }

  private labelPredicate(): void {
    if (this.peek().text === "(") {
      this.next();
      this.labelFilter();
      this.expect(")");
      return;
    }
    const label = this.expectType("ident").text;
    const op = this.next();
    if (!COMPARISON_OPS.has(op.text)) this.fail(`expected a comparison after label ${label}, got ${describe(op)}`, op.position);
    const value = this.next();
    if (!["string", "number", "duration", "bytes"].includes(value.type)) this.fail(`expected a value after ${label} ${op.text}, got ${describe(value)}`, value.position);
  }

  private peek(): Token {
    return this.tokens[this.at];
  }

  private next(): Token {
    const token = this.tokens[this.at];
    if (token.type !== "end") this.at++;
    return token;
  }

  private expect(text: string): Token {
    const token = this.peek();
    if (token.text !== text || token.type === "string") this.fail(`expected ${JSON.stringify(text)}, got ${describe(token)}`);
    return this.next();
  }

  private expectType(type: TokenType): Token {
    const token = this.peek();
    if (token.type !== type) this.fail(`expected a ${type === "ident" ? "label name" : type}, got ${describe(token)}`);
    return this.next();
  }

  private fail(message: string, position = this.peek().position): never {
    throw new LogQLSyntaxError(position, message);
  }
}

function describe(token: Token): string {
  return token.type === "end" ? "end of query" : JSON.stringify(token.text);
}

/**
 * Loki refuses a selector whose every matcher also matches the empty string ({app=~".*"}): it
 * would read every stream. Regexes are fully anchored, as in Loki; a regex that JavaScript cannot
 * compile (RE2-only syntax) is given the benefit of the doubt.
 */
function matchesEmpty(matcher: { op: string; value: string }): boolean {
  switch (matcher.op) {
    case "=":
      return matcher.value === "";
    case "!=":
      return matcher.value !== "";
    case "=~":
    case "!~":
      try {
        const full = new RegExp(`^(?:${matcher.value})$`).test("");
        return matcher.op === "=~" ? full : !full;
      } catch {
        return false;
      }
    default:
      return false;
  }
}

function locate(expr: string, position: number, message: string): LogQLProblem {
  const before = expr.slice(0, position).split("\n");
  return { position, line: before.length, column: before[before.length - 1].length + 1, message };
}

/** Parses a LogQL query; returns whether it is a log or a metric query, or its first problem. */
export function checkLogQL(expr: string): LogQLResult {
  if (expr.trim() === "") return { problem: locate(expr, 0, "empty query") };
  try {
    const parser = new Parser(tokenize(expr));
    const kind = parser.parse();
    const unbounded = parser.selectors.find((s) => s.matchers.every(matchesEmpty));
    if (unbounded) {
      return { problem: locate(expr, unbounded.position, "every matcher of this selector also matches an empty label: Loki needs at least one, e.g. app=~\".+\"") };
    }
    return { kind };
  } catch (err) {
    if (err instanceof LogQLSyntaxError) return { problem: locate(expr, err.position, err.message) };
    throw err;
  }
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
