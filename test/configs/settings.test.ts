import { parseSettings, RawSettings, SettingsError } from "../../configs/settings";

const parse = (values: Record<string, unknown>, secrets: RawSettings["secrets"] = {}) => parseSettings({ values, secrets });

/** The messages parseSettings throws for these values; fails the test if it does not throw. */
function problems(values: Record<string, unknown>, secrets: RawSettings["secrets"] = {}): string[] {
  try {
    parse(values, secrets);
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).problems;
  }
  throw new Error("expected a SettingsError");
}

describe("stack settings", () => {
  test("an empty stack gets the guide's defaults", () => {
    const s = parse({});
    expect(s.namespace).toBe("monitoring");
    expect(s.prometheus.scrapeInterval).toBe("15s");
    expect(s.app.scrapeInterval).toBe("10s");
    expect(s.alertmanager.repeatInterval).toBe("12h");
    expect(s.loki.ingestionRateMb).toBe(10);
    expect(s.loki.ingestionBurstMb).toBe(20);
    expect(s.grafana.plugins).toEqual([]);
    expect(s.images.prometheus).toMatch(/:v3\./);
  });

  test("an unknown key names itself and the allowed keys", () => {
    expect(problems({ promethues: {} })).toEqual([expect.stringMatching(/^observability:promethues: unknown setting; allowed here: .*prometheus/)]);
    expect(problems({ prometheus: { retension: "30d" } })).toEqual([
      expect.stringMatching(/^observability:prometheus\.retension: unknown setting; allowed here: enabled, storageGi, retention/),
    ]);
  });

  test.each([0, -5, 0.001, 1e-9, 1e21, 1.5])("a volume size of %p is refused", (size) => {
    expect(problems({ loki: { storageGi: size } })).toEqual(["observability:loki.storageGi: must be a whole number of GiB from 1 to 65536"]);
  });

  test.each(["30x", "", "5 m", "1m30h"])("a malformed duration %p is refused", (retention) => {
    expect(problems({ prometheus: { retention } })).toEqual([expect.stringMatching(/^observability:prometheus\.retention: must be a duration like 15s/)]);
  });

  test("a malformed email address is refused", () => {
    expect(problems({ alertmanager: { email: { critical: "oncall-at-example.com" } } })).toEqual([
      expect.stringMatching(/^observability:alertmanager\.email\.critical: must be one email address as Alertmanager's Go mail parser reads it, like team@example\.com/),
    ]);
  });

  test.each([0, 6, 1.5])("alertmanager replicas %p is out of range", (replicas) => {
    expect(problems({ alertmanager: { replicas } })).toEqual([expect.stringMatching(/^observability:alertmanager\.replicas: must be/)]);
  });

  test("an unknown severity is refused with the allowed ones", () => {
    expect(problems({ alertmanager: { slack: { severities: ["urgent"] } } })).toEqual([
      "observability:alertmanager.slack.severities[0]: must be one of critical, warning, info",
    ]);
  });

  test.each([
    [{ alertmanager: { slack: { enabled: true } } }, "slackWebhookUrl"],
    [{ alertmanager: { discord: { enabled: true } } }, "discordWebhookUrl"],
    [{ alertmanager: { smtp: { authUsername: "alerts@example.com" } } }, "smtpPassword"],
  ])("a receiver without its secret is refused: %p", (values, secret) => {
    expect(problems(values)).toEqual([expect.stringContaining(`observability:${secret}: is required because`)]);
    expect(() => parse(values, { [secret]: { secure: true } })).not.toThrow();
  });

  test.each([
    [{ prometheus: { remoteWrite: { url: "https://prometheus.example.com/api/prom/push", username: "1" } } }, "remoteWritePassword"],
    [{ externalLoki: { url: "https://logs.example.com/loki/api/v1/push", username: "1" } }, "externalLokiPassword"],
  ])("an external endpoint without its password is refused: %p", (values, secret) => {
    expect(problems(values)).toEqual([expect.stringContaining(`observability:${secret}: is required because`)]);
    expect(() => parse(values, { [secret]: { secure: true } })).not.toThrow();
  });

  test("external endpoints must use https", () => {
    expect(problems({ prometheus: { remoteWrite: { url: "http://plain.example.com/push", username: "1" } } }, { remoteWritePassword: { secure: true } })).toEqual([
      expect.stringMatching(/^observability:prometheus\.remoteWrite\.url: must be a https:\/\/ URL like https:\/\/host\/path \(credentials are sent with every request\)/),
    ]);
  });

  test("an external Loki is a push URL, so Grafana can read from its base; it replaces the in-cluster Loki unless loki.enabled says otherwise", () => {
    const lokiPassword = { externalLokiPassword: { secure: true } };
    expect(problems({ externalLoki: { url: "https://logs.example.com/api/push", username: "1" } }, lokiPassword)).toEqual([
      expect.stringMatching(/^observability:externalLoki\.url: must be a Loki push URL ending in \/loki\/api\/v1\/push/),
    ]);
    const external = { url: "https://logs.example.com/loki/api/v1/push", username: "1" };
    expect(parse({}).loki.enabled).toBe(true);
    expect(parse({ externalLoki: external }, lokiPassword).loki.enabled).toBe(false);
    expect(parse({ externalLoki: external, loki: { enabled: true } }, lokiPassword).loki.enabled).toBe(true);
  });

  test("the mail catcher is off unless a stack turns it on, and takes no SMTP credentials", () => {
    expect(parse({}).mailCatcher.enabled).toBe(false);
    expect(parse({ mailCatcher: { enabled: true } }).mailCatcher.enabled).toBe(true);
    expect(problems({ mailCatcher: { enabled: true }, alertmanager: { smtp: { authUsername: "a@example.com" } } }, { smtpPassword: { secure: true } })).toEqual([
      expect.stringMatching(/^observability:mailCatcher\.enabled: cannot be true while observability:alertmanager\.smtp\.authUsername is set/),
    ]);
  });

  test("the agents need a namespace of their own", () => {
    expect(parse({}).agentsNamespace).toBe("monitoring-agents");
    expect(problems({ agentsNamespace: "monitoring" })).toEqual([expect.stringMatching(/^observability:agentsNamespace: must differ/)]);
  });

  test("a secret set without --secret is refused", () => {
    expect(problems({}, { smtpPassword: { secure: false } })).toEqual([expect.stringContaining("observability:smtpPassword: must be stored encrypted")]);
  });

  test.each([
    [{ loki: { enabled: false } }, "observability:loki.enabled: must be true while observability:logAgent is promtail"],
    [{ prometheus: { enabled: false } }, "observability:prometheus.enabled: must be true while observability:grafana.enabled is true"],
  ])("switching off a service another needs is refused: %p", (values, message) => {
    expect(problems(values)).toEqual([expect.stringContaining(message)]);
  });

  test("switching off a service and everything that needs it is fine", () => {
    expect(parse({ loki: { enabled: false }, logAgent: "none" }).loki.enabled).toBe(false);
    const external = { loki: { enabled: false }, externalLoki: { url: "https://logs.example.com/loki/api/v1/push", username: "123" } };
    expect(parse(external, { externalLokiPassword: { secure: true } }).logAgent).toBe("promtail");
  });

  test("an unpinned image override is refused", () => {
    expect(problems({ images: { grafana: "grafana/grafana:latest" } })).toEqual([expect.stringMatching(/^observability:images\.grafana: must be an image reference pinned/)]);
    expect(problems({ images: { grafana: "grafana/grafana" } })).toHaveLength(1);
    expect(parse({ images: { grafana: "registry.local:5000/grafana/grafana:13.2.0" } }).images.grafana).toBe("registry.local:5000/grafana/grafana:13.2.0");
  });

  test("every problem is reported at once", () => {
    expect(problems({ namespace: "Monitoring!", loki: { storageGi: -1 }, bogus: 1 })).toHaveLength(3);
  });
});
