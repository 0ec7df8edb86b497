import { assertValidLogQL, checkLogQL, findLogQLError } from "../../configs/logql";

describe("the LogQL checker", () => {
  test.each([
    `{app="api"}`,
    `{namespace=~"prod|staging", app!="debug"} |= "error" != "healthz" |~ "(?i)timeout" !~ "^DEBUG"`,
    `{app="api"} | json | level="error" and status >= 500 | line_format "{{.message}}"`,
    `{app="api"} | logfmt --strict | duration > 1s or bytes > 10KB`,
    `{app="api"} | json message="msg", lvl="level" | label_format level=lvl | drop pod, container="x" | keep app`,
    `{app="api"} | regexp "(?P<ip>\\S+)" | pattern "<ip> - <_>" | unpack | decolorize`,
    "{app=`api`} |= `raw \\string`",
    `{app="api"} |= "a" or "b"`,
  ])("accepts the log query %s", (expr) => {
    expect(checkLogQL(expr)).toEqual({ kind: "log" });
  });

  test.each([
    `count_over_time({app="api"}[5m])`,
    `sum by (level) (count_over_time({app="api"} |= "x" [1m]))`,
    `sum(rate({app="api"}[5m] |= "x")) by (app)`,
    `topk(5, sum by (app) (bytes_rate({namespace="a"}[1m])))`,
    `quantile_over_time(0.95, {app="api"} | json | unwrap duration(latency) [5m]) by (endpoint)`,
    `sum(rate({app="a"}[1m])) / sum(rate({app=~".+"}[1m])) * 100`,
    `sum(count_over_time({app="a"}[1m] offset 1h)) > bool 10`,
    `vector(0)`,
  ])("accepts the metric query %s", (expr) => {
    expect(checkLogQL(expr)).toEqual({ kind: "metric" });
  });

  test.each([
    ["", "empty query"],
    [`app="api"`, "expected a metric query"],
    [`{}`, "needs at least one label matcher"],
    [`{app="api"`, `expected "}"`],
    [`{app=="api"}`, "expected one of = != =~ !~"],
    [`{app="api} |= "x"`, "unterminated string"],
    [`{app="api"} |= x`, "expected a string"],
    [`{app="api"} | nonsense`, "expected a comparison after label nonsense"],
    [`count_over_time({app="api"})`, "needs exactly one range"],
    [`count_over_time({app="api"}[5])`, `expected a duration, got "5"`],
    [`count_over_time({app="api"}[5x])`, "not a number, duration or size"],
    [`sum(count_over_time({app="api"}[5m])`, `expected ")"`],
    [`sum({app="api"})`, "a log query cannot be used where a metric is expected"],
    [`{app=~".*"}`, "every matcher of this selector also matches an empty label"],
    [`{app="api"} extra`, "after the end of the query"],
  ])("refuses %s (%s)", (expr, message) => {
    expect(findLogQLError(expr)?.message).toContain(message);
  });

  test("a problem carries its line and column", () => {
    const problem = findLogQLError(`{app="api"}\n  |= 42`);
    expect(problem).toMatchObject({ line: 2, column: 6 });
    expect(() => assertValidLogQL(`panel "Logs"`, `{app="api"} |= 42`)).toThrow(/^panel "Logs": invalid LogQL at line 1, column 16: expected a string/);
  });
});
