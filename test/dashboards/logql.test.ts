import { assertValidLogQL, checkLogQL, findLogQLError } from "../../configs/logql";

describe("LogQL checked with Grafana's grammar (@grafana/lezer-logql)", () => {
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

  // Each bad query is refused at the character where the grammar stops accepting it.
  test.each([
    ["", 1, "empty query"],
    [`app="api"`, 1, `unexpected "app=\\"api\\""`],
    [`{}`, 2, `unexpected "}"`],
    [`{app="api"`, 11, "unexpected end of query"],
    [`{app=="api"}`, 5, `unexpected "==`],
    [`{app="api} |= "x"`, 16, `unexpected "x`],
    [`{app="api"} |= x`, 16, `unexpected "x"`],
    [`{app="api"} | nonsense`, 23, "unexpected end of query"],
    [`count_over_time({app="api"})`, 28, `unexpected ")"`],
    [`count_over_time({app="api"}[5])`, 29, `unexpected "5])"`],
    [`count_over_time({app="api"}[5x])`, 29, `unexpected "5x])"`],
    [`sum(count_over_time({app="api"}[5m])`, 37, "unexpected end of query"],
    [`sum({app="api"})`, 16, `unexpected ")"`],
    [`{app=~".*"}`, 1, "every matcher of this selector also matches an empty label"],
    [`{job="varlogs"} or {app=~".*", namespace!~".+"}`, 20, "every matcher of this selector also matches an empty label"],
    [`{app="api"} extra`, 13, `unexpected "extra"`],
  ])("refuses %s at column %d (%s)", (expr, column, message) => {
    expect(findLogQLError(expr)).toMatchObject({ line: 1, column, message: expect.stringContaining(message) });
  });

  test("a selector is bounded when any one matcher needs a non-empty value", () => {
    expect(checkLogQL(`{namespace=~".*", job=~".+"}`)).toEqual({ kind: "log" });
    expect(checkLogQL(`{namespace=~"prod|staging", app!="debug"}`)).toEqual({ kind: "log" });
  });

  test("a problem carries its line and column", () => {
    const problem = findLogQLError(`{app="api"}\n  |= 42`);
    expect(problem).toMatchObject({ line: 2, column: 6 });
    expect(() => assertValidLogQL(`panel "Logs"`, `{app="api"} |= 42`)).toThrow(/^panel "Logs": invalid LogQL at line 1, column 16: unexpected "42"/);
  });
});
