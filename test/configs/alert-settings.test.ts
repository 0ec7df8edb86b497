import { parseSettings, RawSettings, SettingsError } from "../../configs/settings";

const parse = (values: Record<string, unknown>) => parseSettings({ values, secrets: {} });

/** The messages parseSettings throws for these values; fails the test if it does not throw. */
function problems(values: Record<string, unknown>, secrets: RawSettings["secrets"] = {}): string[] {
  try {
    parseSettings({ values, secrets });
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).problems;
  }
  throw new Error("expected a SettingsError");
}

describe("alert settings", () => {
  test("an empty stack gets the guide's thresholds", () => {
    const { alerts } = parse({});
    expect(alerts.highErrorRate).toEqual({ warning: 0.01, critical: 0.05, for: "5m" });
    expect(alerts.highResponseTime).toEqual({ warning: 1, critical: 3, for: "5m" });
    expect(alerts.highCpuUsage).toMatchObject({ warning: 0.7, critical: 0.9 });
    expect(alerts.highMemoryUsage).toMatchObject({ warning: 0.8, critical: 0.95 });
    expect(alerts.highDiskUsage).toMatchObject({ warning: 0.8, critical: 0.95 });
    expect(alerts.highTradeFailureRate).toMatchObject({ warning: 0.05, critical: 0.1 });
    expect(alerts.applicationDown.for).toBe("1m");
    expect(alerts.highDatabaseConnections).toEqual({ threshold: 80, for: "5m" });
    expect(alerts.slowOrderExecution).toEqual({ threshold: 5, for: "5m" });
    expect(alerts.rateWindow).toBe("5m");
  });

  test("a stack changes one threshold and keeps the other defaults", () => {
    const { alerts } = parse({ alerts: { highErrorRate: { critical: 0.1 } } });
    expect(alerts.highErrorRate).toEqual({ warning: 0.01, critical: 0.1, for: "5m" });
  });

  test.each([
    [{ highErrorRate: { warning: 0.05, critical: 0.05 } }, "observability:alerts.highErrorRate.warning: must be below critical (0.05)"],
    [{ highResponseTime: { warning: 4 } }, "observability:alerts.highResponseTime.warning: must be below critical (3)"],
    [{ highCpuUsage: { critical: 0.5 } }, "observability:alerts.highCpuUsage.warning: must be below critical (0.5)"],
  ])("a warning not below its critical is refused: %p", (alerts, message) => {
    expect(problems({ alerts })).toEqual([message]);
  });

  // A share of 1 can never be exceeded: its alert could never fire.
  test.each([0, -0.1, 1, 1.5, 95])("a share of %p is refused: shares are in (0, 1)", (share) => {
    expect(problems({ alerts: { highDiskUsage: { critical: share } } })).toEqual([
      "observability:alerts.highDiskUsage.critical: must be a share above 0 and below 1, like 0.05 for 5%",
    ]);
  });

  test("a share just below 1 is allowed", () => {
    expect(parse({ alerts: { highDiskUsage: { critical: 0.999 } } }).alerts.highDiskUsage.critical).toBe(0.999);
  });

  test.each(["5 m", "10", "1m30h", ""])("a malformed for: %p is refused", (value) => {
    expect(problems({ alerts: { applicationDown: { for: value } } })).toEqual([
      expect.stringMatching(/^observability:alerts\.applicationDown\.for: must be a duration like 15s/),
    ]);
  });

  test("a malformed rate window is refused", () => {
    expect(problems({ alerts: { rateWindow: "five minutes" } })).toEqual([expect.stringMatching(/^observability:alerts\.rateWindow: must be a duration/)]);
  });

  test.each([
    [{ highResponseTime: { critical: 0 } }, "observability:alerts.highResponseTime.critical: must be greater than 0 seconds"],
    [{ highDatabaseConnections: { threshold: 0 } }, "observability:alerts.highDatabaseConnections.threshold: must be greater than 0"],
    // `pulumi config set --path` stores "0.05" as a string, so a number's text is read as the number; other text is not.
    [{ highDatabaseConnections: { threshold: "eighty" } }, "observability:alerts.highDatabaseConnections.threshold: must be number, got string"],
  ])("a threshold out of range or of the wrong type is refused: %p", (alerts, message) => {
    expect(problems({ alerts })).toEqual([message]);
  });

  test("an unknown alert or field names itself and what is allowed", () => {
    expect(problems({ alerts: { highErrorRates: {} } })).toEqual([
      expect.stringMatching(/^observability:alerts\.highErrorRates: unknown setting; allowed here: rateWindow, runbooksUrl, highErrorRate, /),
    ]);
    expect(problems({ alerts: { applicationDown: { threshold: 1 } } })).toEqual(["observability:alerts.applicationDown.threshold: unknown setting; allowed here: for"]);
    expect(problems({ alerts: { highErrorRate: { warn: 0.02 } } })).toEqual([
      "observability:alerts.highErrorRate.warn: unknown setting; allowed here: warning, critical, for",
    ]);
  });

  test("every problem is reported at once", () => {
    expect(problems({ alerts: { highErrorRate: { for: "soon" }, highMemoryUsage: { warning: 2 } } })).toHaveLength(2);
  });

  test.each(["https://git.example.com/observability/blob/main/docs/runbooks.md", "docs/runbooks.md"])("runbooksUrl %p is allowed", (url) => {
    expect(parse({ alerts: { runbooksUrl: url } }).alerts.runbooksUrl).toBe(url);
  });

  test("a runbooksUrl with a #fragment is refused: each rule adds its own", () => {
    expect(problems({ alerts: { runbooksUrl: "https://wiki.example.com/runbooks#top" } })).toEqual([
      expect.stringMatching(/^observability:alerts\.runbooksUrl: must be a URL without #fragment/),
    ]);
  });
});
