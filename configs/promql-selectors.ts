/**
 * What a PromQL expression reads and what it returns, from lezer-promql's syntax tree: its metric
 * selectors (name and label matchers), and the labels its result series carry (a small label-set
 * inference over aggregations, vector matching and label_replace), which is what a recording rule
 * produces. Used by the check that every selector reads something a scrape job produces.
 */
import { parser } from "@prometheus-io/lezer-promql";

type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface MetricSelector {
  /** The selector as written, e.g. `up{job="loki"}`. */
  text: string;
  /** The metric name before the braces; a `__name__` matcher may stand in for it. */
  name?: string;
  matchers: LabelMatcher[];
}

const children = (node: SyntaxNode): SyntaxNode[] => {
  const list: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) list.push(child);
  return list;
};

/** A PromQL string literal's value: Go's quoting (double or single quotes with escapes, backquotes raw). */
function unquote(literal: string): string {
  if (literal.startsWith("`")) return literal.slice(1, -1);
  const asDoubleQuoted = literal.startsWith("'") ? `"${literal.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"` : literal;
  try {
    return JSON.parse(asDoubleQuoted) as string;
  } catch {
    return literal.slice(1, -1);
  }
}

function selectorOf(node: SyntaxNode, expr: string): MetricSelector {
  const text = expr.slice(node.from, node.to);
  const identifier = node.getChild("Identifier");
  const matchers: LabelMatcher[] = [];
  node.cursor().iterate((inner) => {
    if (inner.name !== "UnquotedLabelMatcher" && inner.name !== "QuotedLabelMatcher") return undefined;
    const label = inner.node.getChild("LabelName") ?? inner.node.getChild("QuotedLabelName");
    const op = inner.node.getChild("MatchOp");
    const value = inner.node.getChild("StringLiteral");
    if (label && op && value) {
      const name = expr.slice(label.from, label.to);
      matchers.push({ label: name.startsWith('"') ? unquote(name) : name, op: expr.slice(op.from, op.to) as MatchOp, value: unquote(expr.slice(value.from, value.to)) });
    }
    return false;
  });
  // `{"metric_name", job="x"}`: a quoted name alone inside the braces.
  node.cursor().iterate((inner) => {
    if (inner.name === "QuotedLabelName" && inner.node.parent?.name !== "QuotedLabelMatcher") {
      matchers.push({ label: "__name__", op: "=", value: unquote(expr.slice(inner.from, inner.to)) });
    }
    return undefined;
  });
  return { text, ...(identifier ? { name: expr.slice(identifier.from, identifier.to) } : {}), matchers };
}

/** Every metric selector of an expression, in order; none when it does not parse. */
export function metricSelectors(expr: string): MetricSelector[] {
  const found: MetricSelector[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name !== "VectorSelector") return undefined;
      found.push(selectorOf(node.node, expr));
      return false;
    },
  });
  return found;
}

/** Whether a label value meets a matcher; PromQL regexes are fully anchored RE2, which JavaScript reads alike for the syntax used here. */
export function matcherAccepts(matcher: LabelMatcher, value: string): boolean {
  switch (matcher.op) {
    case "=":
      return value === matcher.value;
    case "!=":
      return value !== matcher.value;
    default: {
      let full: boolean;
      try {
        full = new RegExp(`^(?:${matcher.value})$`).test(value);
      } catch {
        return true;
      }
      return matcher.op === "=~" ? full : !full;
    }
  }
}

/** The labels of the series a selector matches: what the inference starts from. */
export type SelectorLabels = (selector: MetricSelector) => Set<string>;

const labelList = (node: SyntaxNode | null, expr: string): string[] =>
  node ? children(node).filter((c) => c.name === "LabelName").map((c) => expr.slice(c.from, c.to)) : [];

/** Functions whose result has no labels (or only scalar/time values). */
const LABEL_FREE_FUNCTIONS = new Set(["vector", "time", "scalar", "pi", "minute", "hour", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "month", "year"]);

/**
 * The label names of the series an expression returns (`__name__` left out), given the labels of
 * what each selector matches: `sum by (a)` keeps a, `without (b)` drops b, `on (c)` one-to-one keeps
 * c, `group_left (d)` adds d from the other side, `label_replace` adds its destination, `or` takes
 * both sides. An approximation that errs towards more labels, never fewer.
 */
export function outputLabels(expr: string, labelsOf: SelectorLabels): Set<string> {
  const top = parser.parse(expr).topNode;
  const visit = (node: SyntaxNode): Set<string> => {
    switch (node.name) {
      case "PromQL":
        return node.firstChild ? visit(node.firstChild) : new Set();
      case "VectorSelector":
        return new Set(labelsOf(selectorOf(node, expr)));
      case "NumberDurationLiteral":
      case "NumberLiteral":
      case "StringLiteral":
        return new Set();
      case "AggregateExpr":
        return aggregate(node);
      case "FunctionCall":
        return call(node);
      case "BinaryExpr":
        return binary(node);
      default: {
        // Parentheses, offsets, @, ranges, subqueries, unary minus: the inner expression's labels.
        const inner = children(node).find((c) => !["(", ")", "Offset", "At"].includes(c.name) && !c.type.isError && !/Duration|Modifier|Sub|Add/.test(c.name));
        return inner ? visit(inner) : new Set();
      }
    }
  };
  const argumentsOf = (body: SyntaxNode | null) => (body ? children(body).filter((c) => !["(", ")", ","].includes(c.name)) : []);
  const aggregate = (node: SyntaxNode): Set<string> => {
    const op = expr.slice(node.getChild("AggregateOp")!.from, node.getChild("AggregateOp")!.to);
    const args = argumentsOf(node.getChild("FunctionCallBody"));
    const input = args.length > 0 ? visit(args[args.length - 1]) : new Set<string>();
    const modifier = node.getChild("AggregateModifier");
    // topk, bottomk, limitk and limit_ratio return input series as they are.
    if (["topk", "bottomk", "limitk", "limit_ratio"].includes(op)) return input;
    let result: Set<string>;
    if (!modifier) result = new Set();
    else if (modifier.getChild("By")) result = new Set(labelList(modifier.getChild("GroupingLabels"), expr).filter((l) => input.has(l)));
    else result = new Set([...input].filter((l) => !labelList(modifier.getChild("GroupingLabels"), expr).includes(l)));
    if (op === "count_values" && args[0]?.name === "StringLiteral") result.add(unquote(expr.slice(args[0].from, args[0].to)));
    return result;
  };
  const call = (node: SyntaxNode): Set<string> => {
    const name = expr.slice(node.getChild("FunctionIdentifier")!.from, node.getChild("FunctionIdentifier")!.to);
    const args = argumentsOf(node.getChild("FunctionCallBody"));
    if (LABEL_FREE_FUNCTIONS.has(name) || args.length === 0) return new Set();
    if (name === "label_replace" || name === "label_join") {
      const labels = visit(args[0]);
      if (args[1]?.name === "StringLiteral") labels.add(unquote(expr.slice(args[1].from, args[1].to)));
      return labels;
    }
    if (name === "histogram_quantile" || name === "histogram_fraction") {
      const labels = visit(args[args.length - 1]);
      labels.delete("le");
      return labels;
    }
    // Every other function keeps the labels of its vector argument.
    const vector = args.find((a) => !["NumberDurationLiteral", "NumberLiteral", "StringLiteral"].includes(a.name)) ?? args[0];
    return visit(vector);
  };
  const binary = (node: SyntaxNode): Set<string> => {
    const operands = children(node).filter((c) => !c.type.isError && !["BoolModifier", "MatchingModifierClause"].includes(c.name) && c.to - c.from > 0);
    const left = operands[0];
    const right = operands[operands.length - 1];
    const op = operands.length >= 3 ? expr.slice(operands[1].from, operands[1].to) : "";
    const [l, r] = [visit(left), visit(right)];
    const scalar = (side: SyntaxNode) => ["NumberDurationLiteral", "NumberLiteral"].includes(side.name);
    if (scalar(left)) return r;
    if (scalar(right)) return l;
    if (op === "or") return new Set([...l, ...r]);
    if (op === "and" || op === "unless") return l;
    const clause = node.getChild("MatchingModifierClause");
    if (!clause) return l;
    const grouping = children(clause).filter((c) => c.name === "GroupingLabels");
    const matching = labelList(grouping[0] ?? null, expr);
    const included = labelList(grouping[1] ?? null, expr);
    if (clause.getChild("GroupLeft")) return new Set([...l, ...included.filter((x) => r.has(x))]);
    if (clause.getChild("GroupRight")) return new Set([...r, ...included.filter((x) => l.has(x))]);
    return clause.getChild("On") ? new Set(matching.filter((x) => l.has(x))) : new Set([...l].filter((x) => !matching.includes(x)));
  };
  return visit(top);
}
