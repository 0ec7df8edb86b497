/**
 * Property: for settings generated around the schema's edges (valid and invalid), parseSettings
 * either refuses them with problems that each name a key, or the files built from them pass the real
 * programs: `promtool check config` and `check rules`, `amtool check-config`, a grafana.ini that
 * reads back as the sections and keys we wrote; one generated stack also goes through the offline
 * program and every manifest through the Kubernetes schema.
 *
 * The builders are pure, so the files are built in-process and the tools run once over all of them.
 * PROPERTY_SEED=<n> replays a run; the seed is printed with every failure.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { buildAlertRules } from "../../configs/alert-rules";
import { buildAlertmanagerConfig } from "../../configs/alertmanager";
import { buildGrafanaIni, GrafanaIni, toIni } from "../../configs/grafana";
import { buildPrometheusConfig } from "../../configs/prometheus";
import { ServiceAddress } from "../../configs/service-address";
import { parseSettings, SECRET_KEYS, SettingsError, StackSettings } from "../../configs/settings";
import { toYaml } from "../../configs/yaml";
import { binary, isPinned, run } from "../helpers/binaries";
import { loadRender, runRenderCommand } from "../helpers/render";

const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);
const RUNS = 150;

// ------------------------------------------------------------------------------------------------
// Values at and around each grammar's edges; the first list of each pair is valid, the second not.
const edges = <T>(valid: T[], invalid: T[]) => fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 3 }, { arbitrary: fc.constantFrom(...invalid), weight: 1 });
const validOnly = <T>(valid: T[], _invalid: T[]) => fc.constantFrom(...valid);
type Pick = typeof edges;

const durationParts = fc.tuple(fc.integer({ min: 1, max: 400 }), fc.constantFrom("ms", "s", "m", "h", "d", "w", "y")).map(([n, unit]) => `${n}${unit}`);

/**
 * `consistent` keeps each pair of related values in order (warning below critical, memory request
 * within its limit), so most objects pass and their files reach the tools; otherwise they are random.
 */
function settingsArbitrary(pick: Pick, consistent = pick === validOnly) {
  const duration = consistent
    ? pick(["15s", "1m", "5m", "12h", "30d", "292y", "2w3d", "1h30m"], [])
    : fc.oneof(pick(["15s", "1m", "5m", "12h", "30d", "292y", "2w3d", "1h30m", "500ms"], ["293y", "9999999999y", "0s", "1h1h", "1m30h", "", "5 m", "10"]), durationParts);
  // Scrape intervals and the rate window over them: kept two intervals apart when consistent.
  const interval = consistent ? pick(["10s", "15s", "30s", "1m"], []) : duration;
  const rateWindow = consistent ? pick(["2m", "5m", "1h", "12h"], []) : duration;
  const ordered = <T>(arb: fc.Arbitrary<T>, less: (a: T, b: T) => boolean) =>
    fc.tuple(arb, arb).filter(([a, b]) => !consistent || a !== b).map(([a, b]) => (consistent && less(b, a) ? [b, a] : [a, b]));
  const share = pick([0.5, 0.999, 1e-6, 0.01, 0.05], [0, 1, -0.1, 1.5, Infinity]);
  const seconds = pick([0.001, 1, 3, 1e6], [0, -1, Infinity, 1e21]);
  const hostPort = pick(["redis-exporter.db:9121", "10.0.0.5:9121", "[fd00::5]:9187", "a:65535"], ["a..b:1", "host:0", "host:65536", "host", "a b:1"]);
  const cpu = pick(["1m", "250m", "1", "0.5", "2"], ["0", "1 core", "-1", "1e400"]);
  const memory = pick(["4Mi", "512Mi", "1Gi", "2Gi", "1.5Gi"], ["512m", "0", "1e-9Gi", "1Pi", "2GB"]);
  const MEMORY_ORDER = ["4Mi", "512Mi", "1Gi", "1.5Gi", "2Gi"];
  const resources = fc
    .tuple(cpu, ordered(memory, (a, b) => MEMORY_ORDER.indexOf(a) < MEMORY_ORDER.indexOf(b)))
    .map(([cpu, [memory, memoryLimit]]) => ({ cpu, memory, memoryLimit }));
  const pair = (value: fc.Arbitrary<number>) => ordered(value, (a, b) => a < b).map(([warning, critical]) => ({ warning, critical }));
  const size = pick([1, 2, 5, 65536], [0.001, 1e-9, 1e21, 0, 1.5]);
  const mailbox = pick(["team@example.com", "Alerts <alerts@example.com>", '"On call" <oncall@example.com>'], ["alerts", "a@", "a@b.com\n", "@example.com"]);
  return fc.record(
    {
      namespace: pick(["monitoring", "obs", "a".repeat(56)], ["kube-system", "default", "kube-public", "a".repeat(57), "Monitoring", "a_b"]),
      cluster: pick(["2024", "crypto-orchestrator", "a.b_c-d"], ["a b", "x".repeat(64), "-a", "é"]),
      environment: pick(["true", "prod", "dev"], ["", "a\nb", "a/b"]),
      storageClass: pick(["ebs.csi.gp3", "standard", "gp3"], ["a..b", "Gp3", "-x"]),
      images: fc.record(
        { grafana: pick(["grafana/grafana:13.2.0", `registry.example.com:5000/grafana/grafana@sha256:${"a".repeat(64)}`], ["grafana/grafana:latest", "grafana/grafana", "grafana/grafana:13 .2", "x@sha256:abc"]) },
        { requiredKeys: [] },
      ),
      prometheus: fc.record(
        { storageGi: size, retention: duration, scrapeInterval: interval, evaluationInterval: consistent ? interval : duration, retentionSizeRatio: pick([0.5, 0.85, 0.95], [0.1, 0.96, Infinity]), resources },
        { requiredKeys: [] },
      ),
      app: fc.record(
        {
          job: consistent
            ? pick(["fastapi", "shop_api-v2", "_x"], [])
            : fc.oneof(pick(["fastapi", "shop_api-v2", "_x"], ["prometheus", "kubelet", "kube-state-metrics", "node-exporter", "a|b", "fast(api", "9abc", ""]), fc.string({ maxLength: 8 })),
          scrapeInterval: interval,
          metricsPath: pick(["/metrics", "/a/b", "/metrics;x"], ["metrics", "/a b", "/x?y", "/x#y"]),
          staticTargets: fc.array(hostPort, { maxLength: 2 }),
          logAppLabel: pick(["crypto-orchestrator", "app"], ['a"b', "a b"]),
          namespaces: pick<unknown>([["trading"], "all", ["trading", "payments-2"]], [[], "everything", ["Trading"], [""]]),
        },
        { requiredKeys: [] },
      ),
      exporters: fc.record({ redis: hostPort, postgres: hostPort }, { requiredKeys: [] }),
      alertmanager: fc.record(
        {
          repeatInterval: duration,
          groupWait: duration,
          smtp: fc.record({ from: mailbox, smarthost: hostPort }, { requiredKeys: [] }),
          email: fc.record({ team: mailbox, critical: mailbox }, { requiredKeys: [] }),
          resources,
        },
        { requiredKeys: [] },
      ),
      grafana: fc.record(
        {
          adminUser: pick(["admin", "ops@example.com", "a.b-c"], ["admin\n[auth.proxy]\nenabled = true", "a b", "a;b", "$__env{HOME}"]),
          rootUrl: pick(["https://grafana.example.com", "http://localhost:3000", "https://g.example.com/sub/"], [
            "javascript:alert(1)",
            "https://g.example.com/\n[auth.proxy]",
            "https://u:p@g.example.com/",
            "https://g.example.com/$__file{/etc/passwd}",
            "https://g.example.com/#x",
            "ftp://g.example.com",
          ]),
          storageGi: size,
          ingress: fc.record({ host: pick(["grafana.example.com", "g"], ["a..b", "A.com", "-a.com", "a_b.com"]), tlsSecretName: pick(["grafana-tls", "tls"], ["Grafana_TLS", "a..b"]) }),
        },
        { requiredKeys: [] },
      ),
      loki: fc.record({ retention: duration, storageGi: consistent ? pick([2, 5, 65536], []) : size, ingestionRateMb: pick([1, 10, 1e6], [0, Infinity, -1]), resources }, { requiredKeys: [] }),
      // A load small enough that the consistent edges (292y on 1 GiB) fit; the capacity model's own refusals have their tests.
      capacity: fc.record(
        { activeSeries: pick([1, 100], [0, 1.5]), samplesPerSecond: pick([0.001, 0.01], [0, -1]), logGbPerDay: pick([1e-6], [0]), queryUsers: pick([1, 5], [0]) },
        { requiredKeys: consistent ? ["activeSeries", "samplesPerSecond", "logGbPerDay"] : [] },
      ),
      alerts: fc.record(
        {
          rateWindow,
          runbooksUrl: pick(["docs/runbooks.md", "https://git.example.com/obs/blob/main/docs/runbooks.md"], ["https://x/{{ .Labels }}", "javascript:alert(1)", "https://x/#a", "a b", "https://u:p@x/"]),
          highErrorRate: pair(share),
          highCpuUsage: fc.record({ for: duration }),
          highResponseTime: pair(seconds),
          highDatabaseConnections: fc.record({ threshold: pick([1, 80, 1e9], [0, 1.5, Infinity, 1e21]) }, { requiredKeys: [] }),
        },
        { requiredKeys: [] },
      ),
      networkPolicies: fc.record(
        {
          nodeCidrs: fc.array(pick(["10.0.0.0/8", "fd00::/8", "0.0.0.0/0", "192.168.1.0/24"], ["10.0.0.0/33", "10.0.0.1/8", "300.0.0.0/8", "010.0.0.0/8", "10.0.0.0"]), { minLength: 1, maxLength: 2 }),
          apiServerPorts: fc.array(pick([1, 443, 6443, 65535], [0, 65536, 1.5, -1]), { minLength: 1, maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  ).map((settings) => (consistent ? withAppNamespaces(settings) : settings));
}

/** Outside dev the app's namespaces are required: a consistent object names them whenever its environment is not dev. */
function withAppNamespaces(settings: Record<string, any>): Record<string, any> {
  if (settings.environment === undefined || settings.environment === "dev" || settings.app?.namespaces !== undefined) return settings;
  return { ...settings, app: { ...settings.app, namespaces: "all" } };
}

/** Some objects as Pulumi hands them over (every top-level value as text), so decoding is under test too. */
const asPulumiStoresIt = (arbitrary: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .tuple(arbitrary, fc.boolean())
    .map(([values, asText]) => (asText ? Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])) : values));

// ------------------------------------------------------------------------------------------------
/** Every service on, each at a Kubernetes Service, as the components wire them. */
const everyTarget = (settings: StackSettings) =>
  new Proxy({} as Record<string, ServiceAddress>, {
    get: (_, name) => ({ kind: "kubernetes", service: String(name).toLowerCase(), namespace: settings.namespace, port: 8080, portName: "http" }),
  });

/** grafana.ini read back the way an INI parser does: the same sections and keys, nothing more. */
function iniProblems(ini: GrafanaIni, text: string): string[] {
  const parsed: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  const problems: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const header = /^\[([A-Za-z0-9_.]+)\]$/.exec(line);
    const entry = /^([A-Za-z0-9_]+) = (.*)$/.exec(line);
    if (header) {
      if (parsed[header[1]]) problems.push(`section [${header[1]}] twice`);
      section = parsed[header[1]] = {};
    } else if (entry && section) {
      if (/[;#]|\$__env|\$\{|%\(/.test(entry[2]) && !/^\$__file\{[\w/.-]+\}$/.test(entry[2])) problems.push(`${entry[1]} = ${entry[2]} holds a comment or expansion`);
      section[entry[1]] = entry[2];
    } else {
      problems.push(`line ${JSON.stringify(line)} is neither a section nor a key`);
    }
  }
  const expected = Object.fromEntries(Object.entries(ini).map(([s, keys]) => [s, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, String(v)]))]));
  if (JSON.stringify(parsed) !== JSON.stringify(expected)) problems.push("does not read back as written");
  return problems;
}

interface Built {
  values: unknown;
  prometheus: string;
  rules: string;
  alertmanager: string;
}

/** The files one accepted settings object produces, or throws what is wrong (the property fails). */
function build(values: Record<string, unknown>, settings: StackSettings, discoverAppPods: boolean): Built {
  const ini = buildGrafanaIni(settings);
  const problems = iniProblems(ini, toIni(ini));
  if (problems.length > 0) throw new Error(`grafana.ini: ${problems.join("; ")}`);
  return {
    values,
    prometheus: toYaml(buildPrometheusConfig({ settings, targets: everyTarget(settings), discoverAppPods })),
    rules: toYaml(buildAlertRules({ settings })),
    alertmanager: toYaml(buildAlertmanagerConfig({ settings })),
  };
}

const ALL_SECRETS = Object.fromEntries(SECRET_KEYS.map((key) => [key, { secure: true }]));
/** A refusal must name a key (`observability:x.y: what is allowed`) on every line. */
const NAMES_A_KEY = /^observability:[A-Za-z][\w.[\]]*: \S/;

describe("settings around the schema's edges", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-property-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const accepted: Built[] = [];
  let refused = 0;
  // Pinned Prometheus reads kubernetes_sd_configs; Debian's 2.42 is built without it.
  const discoverAppPods = isPinned("promtool");

  test.each([
    ["valid and invalid edges", edges],
    ["valid edges only", validOnly],
  ])("%s: refused naming a key, or built into files", (_, pick) => {
    fc.assert(
      fc.property(asPulumiStoresIt(settingsArbitrary(pick as Pick)), (values) => {
        let settings: StackSettings;
        try {
          settings = parseSettings({ values, secrets: ALL_SECRETS });
        } catch (err) {
          if (!(err instanceof SettingsError)) throw err;
          refused++;
          return err.problems.length > 0 && err.problems.every((p) => NAMES_A_KEY.test(p));
        }
        accepted.push(build(values, settings, discoverAppPods));
        return true;
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });

  /** Runs `tool args… file1 file2 …` once; on a failure, finds which generated settings broke it. */
  function checkAll(tool: string, args: string[], file: keyof Omit<Built, "values">, name: string): void {
    const files = accepted.map((built, i) => {
      const target = path.join(dir, `${i}-${name}`);
      fs.writeFileSync(target, built[file]);
      return target;
    });
    if (files.length === 0) return;
    const all = run(binary(tool)!, [...args, ...files]);
    if (all.code === 0) return;
    const failing = files.map((f, i) => ({ i, result: run(binary(tool)!, [...args, f]) })).find(({ result }) => result.code !== 0);
    throw new Error(
      `${tool} ${args.join(" ")} refused the ${name} built from these settings (PROPERTY_SEED=${SEED} replays the run):\n` +
        `${JSON.stringify(accepted[failing?.i ?? 0].values, null, 2)}\n${failing?.result.output ?? all.output}`,
    );
  }

  const withTools = binary("promtool") && binary("amtool") ? test : test.skip;
  withTools("every accepted settings object gives files the real programs accept", () => {
    expect(accepted.length + refused).toBe(2 * RUNS);
    expect(accepted.length).toBeGreaterThan(RUNS / 3);
    expect(refused).toBeGreaterThan(RUNS / 3);
    checkAll("promtool", ["check", "config", "--syntax-only"], "prometheus", "prometheus.yml");
    checkAll("promtool", ["check", "rules"], "rules", "rules.yml");
    checkAll("amtool", ["check-config"], "alertmanager", "alertmanager.yml");
  });

  test("a generated stack renders through the offline program into manifests the Kubernetes schema accepts", async () => {
    const values = fc.sample(settingsArbitrary(validOnly), { seed: SEED, numRuns: 40 }).find((v) => {
      try {
        parseSettings({ values: v, secrets: {} });
        return Object.keys(v).length >= 5;
      } catch {
        return false;
      }
    });
    if (!values) throw new Error(`no generated settings object was valid with five keys or more (PROPERTY_SEED=${SEED})`);
    const out = path.join(dir, "render");
    const args = ["--stack", "dev", "--out", out, ...Object.entries(values).flatMap(([k, v]) => ["--set", `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`])];
    const result = await runRenderCommand(args);
    if (result.code !== 0) throw new Error(`render of ${JSON.stringify(values)} failed (PROPERTY_SEED=${SEED}):\n${result.stderr}`);
    const problems: string[] = [];
    for (const manifest of loadRender(out).manifests) {
      const [group, version] = manifest.apiVersion.includes("/") ? manifest.apiVersion.split("/") : ["", manifest.apiVersion];
      const model = require(`kubernetes-models/${group ? `${group}/` : ""}${version}`)[manifest.kind];
      try {
        new model(manifest).validate();
      } catch (err) {
        problems.push(`${manifest.kind} ${manifest.metadata?.name}: ${(err as Error).message}`);
      }
    }
    if (problems.length > 0) throw new Error(`settings ${JSON.stringify(values)} (PROPERTY_SEED=${SEED}) render invalid manifests:\n${problems.join("\n")}`);
  }, 120_000);
});
