import { capacityProblems, capacityWarnings, expectedLoad, MODEL, prometheusDisk, sizeServices, sizingTable } from "../../configs/capacity";
import { parseSettings, SettingsError, StackSettings } from "../../configs/settings";
import { runRenderCommand } from "../helpers/render";
import { stackSettings } from "../helpers/stack-settings";

const GiB = 2 ** 30;
const parse = (values: Record<string, unknown>, secrets: Record<string, { secure: boolean }> = {}): StackSettings => parseSettings({ values, secrets });
function problemsOf(values: Record<string, unknown>, secrets: Record<string, { secure: boolean }> = {}): string[] {
  try {
    parse(values, secrets);
    return [];
  } catch (err) {
    if (err instanceof SettingsError) return err.problems;
    throw err;
  }
}
const sizing = (settings: StackSettings, service: string) => sizeServices(settings).find((s) => s.service === service)!;

describe("capacity model", () => {
  test("the defaults (the guide's platform) fit the default settings: nothing refused, no request far from its estimate", () => {
    const settings = parse({});
    expect(expectedLoad(settings)).toMatchObject({ activeSeries: 16000, samplesPerSecond: 16000 / 15, logBytesPerDay: 1e9, queryUsers: 5 });
    expect(capacityProblems(settings)).toEqual([]);
    expect(capacityWarnings(settings)).toEqual([]);
  });

  test.each(["dev", "prod"])("the %s stack's settings hold the load it describes, and no request is far from its estimate", (stack) => {
    const settings = stackSettings(stack);
    expect(capacityProblems(settings)).toEqual([]);
    expect(capacityWarnings(settings)).toEqual([]);
    for (const s of sizeServices(settings)) {
      if (s.daysHeld !== undefined) expect(s.daysHeld).toBeGreaterThanOrEqual(s.configured.retentionDays!);
      expect(s.configured.memoryLimitBytes).toBeGreaterThanOrEqual(s.memoryFloorBytes);
    }
  });

  test("Prometheus' volume: refused exactly where the retention's blocks plus WAL and head chunks pass the size limit", () => {
    const base = { prometheus: { storageGi: 10, retention: "10d" } };
    const limit = 10 * GiB * 0.85;
    // blocks/day + WAL = samples/s × (86400 × 10 × 2 + 3600 × 3 × (6.5 + 2)) must stay under the limit.
    const perSampleRate = 86400 * 10 * MODEL.prometheus.diskBytesPerSample + 3600 * 3 * (MODEL.prometheus.walBytesPerSample + MODEL.prometheus.diskBytesPerSample);
    const highest = Math.floor(limit / perSampleRate);
    expect(problemsOf({ ...base, capacity: { activeSeries: 1000, samplesPerSecond: highest } })).toEqual([]);
    const refused = problemsOf({ ...base, capacity: { activeSeries: 1000, samplesPerSecond: highest + 1 } });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^observability:prometheus\.retention: 10\.0 days do not fit observability:prometheus\.storageGi × retentionSizeRatio .*set observability:prometheus\.storageGi to at least 11,/);
    const { blockBytesPerDay, walAndHeadBytes } = prometheusDisk(expectedLoad(parse({ ...base, capacity: { activeSeries: 1000, samplesPerSecond: highest } })));
    expect(10 * blockBytesPerDay + walAndHeadBytes).toBeLessThanOrEqual(limit);
  });

  test("the storageGi the refusal asks for is enough: setting it makes the problem go away", () => {
    const values = { prometheus: { storageGi: 5, retention: "30d" }, capacity: { activeSeries: 150000 } };
    const wanted = Number(/at least (\d+)/.exec(problemsOf(values)[0])![1]);
    expect(problemsOf({ ...values, prometheus: { ...values.prometheus, storageGi: wanted } })).toEqual([]);
    expect(problemsOf({ ...values, prometheus: { ...values.prometheus, storageGi: wanted - 1 } })).not.toEqual([]);
  });

  test("a memory limit below the head of the expected series is refused, naming memoryLimit", () => {
    const problems = problemsOf({ prometheus: { storageGi: 200, resources: { memoryLimit: "1Gi" } }, capacity: { activeSeries: 500000 } });
    expect(problems).toEqual([expect.stringMatching(/^observability:prometheus\.resources\.memoryLimit: 1\.0Gi is below the 1\.5Gi the head of 500000 series needs/)]);
  });

  test("one Loki must hold its retention on its volume; an HA Loki keeps it in the bucket and reports its size", () => {
    expect(problemsOf({ loki: { storageGi: 10, retention: "720h" }, capacity: { logGbPerDay: 5 } })).toEqual([expect.stringMatching(/^observability:loki\.retention: 30\.0 days do not fit observability:loki\.storageGi .*Loki stops accepting logs/)]);
    const ha = parse(
      { loki: { replicas: 3, storageGi: 10, retention: "720h", objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki" } }, capacity: { logGbPerDay: 5 } },
      { lokiObjectStorageSecretKey: { secure: true } },
    );
    const loki = sizing(ha, "loki");
    expect(loki.daysHeld).toBeUndefined();
    // 30 days of 5 GB a day, compressed 5× with 2% index.
    expect(loki.objectStorageGb).toBeCloseTo(30 * (5 / 5) * 1.02, 5);
  });

  test("a Loki rate limit below the average log rate is refused", () => {
    expect(problemsOf({ loki: { storageGi: 1000, ingestionRateMb: 0.5, perStreamRateLimitMb: 0.5, resources: { memoryLimit: "8Gi" } }, capacity: { logGbPerDay: 100 } })).toEqual([
      expect.stringMatching(/^observability:loki\.ingestionRateMb: 0\.5 MB\/s is below the average log rate of observability:capacity\.logGbPerDay \(1\.16 MB\/s\)/),
    ]);
  });

  test("a request below the estimate, or more than 4× above it, is one warning naming the key", () => {
    const settings = parse({ prometheus: { resources: { memory: "64Mi" } }, grafana: { resources: { cpu: "2" } } });
    expect(capacityWarnings(settings)).toEqual([
      expect.stringMatching(/^observability:prometheus\.resources\.memory: 64Mi is below the 467Mi the expected load needs/),
      expect.stringMatching(/^observability:grafana\.resources\.cpu: 2\.00 is more than 4× the 100m the expected load needs/),
    ]);
  });

  test("only the services that run are sized; an external Loki is not ours to size", () => {
    const external = parse({ externalLoki: { url: "https://logs.example.net/loki/api/v1/push", username: "1" }, grafana: { enabled: false } }, { externalLokiPassword: { secure: true } });
    expect(sizeServices(external).map((s) => s.service)).toEqual(["prometheus", "alertmanager"]);
    expect(sizingTable(external).split("\n").filter((line) => line.startsWith("| prometheus") || line.startsWith("| alertmanager"))).toHaveLength(2);
  });

  test("more load never needs less: memory, CPU and volume grow with series and logs", () => {
    let previous = sizeServices(parse({}));
    for (const factor of [2, 10, 100]) {
      const next = sizeServices(parse({ prometheus: { storageGi: 65536, resources: { memoryLimit: "4Ti" } }, loki: { storageGi: 65536, ingestionRateMb: 1e5, resources: { memoryLimit: "4Ti" } }, capacity: { pods: 40 * factor, logGbPerDay: factor } }));
      for (const [index, s] of next.entries()) {
        expect(s.memoryBytes).toBeGreaterThanOrEqual(previous[index].memoryBytes);
        expect(s.cores).toBeGreaterThanOrEqual(previous[index].cores);
      }
      previous = next;
    }
  });
});

describe("render and capacity", () => {
  test("the render prints the sizing table, and a request far from its estimate as one warning line on stderr", async () => {
    const out = `${require("os").tmpdir()}/capacity-render-${process.pid}`;
    const result = await runRenderCommand(["--stack", "dev", "--out", out, "--set", "grafana.resources.memory=8Mi"]);
    require("fs").rmSync(out, { recursive: true, force: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Sizing for 10000 series, 667 samples\/s/m);
    expect(result.stdout).toMatch(/^\| prometheus \| 194Mi \/ 512Mi \|/m);
    const warnings = result.stderr.split("\n").filter((line) => line.includes("the expected load"));
    expect(warnings).toEqual([expect.stringMatching(/observability:grafana\.resources\.memory: 8Mi is below the 120Mi the expected load needs/)]);
  });
});
