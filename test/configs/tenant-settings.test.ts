/**
 * The settings and pure builders behind "no tenant and no compromised pod can blind the monitoring":
 * the app's namespaces, scrape limits derived from Prometheus' memory, the web passwords and their
 * hashes, Grafana's Ingress and Loki's per-stream limits. The pinned programs prove the rest
 * (test/e2e/tenant-isolation.e2e.test.ts).
 */
import { compareSync } from "bcryptjs";
import { appSelector } from "../../configs/alert-rules";
import { buildPrometheusConfig } from "../../configs/prometheus";
import { BYTES_PER_HEAD_SERIES, scrapeLimits, seriesBudget } from "../../configs/scrape-limits";
import { parseSettings, SettingsError } from "../../configs/settings";
import { bcryptHash, hashContext } from "../../configs/web-auth";

const parse = (values: Record<string, unknown>, secrets: Parameters<typeof parseSettings>[0]["secrets"] = {}) => parseSettings({ values, secrets });
const problems = (values: Record<string, unknown>, secrets: Parameters<typeof parseSettings>[0]["secrets"] = {}): string[] => {
  try {
    parse(values, secrets);
    return [];
  } catch (err) {
    return (err as SettingsError).problems;
  }
};

describe("observability:app.namespaces", () => {
  test("is required outside a dev stack, naming the key, the reason and both ways out", () => {
    expect(problems({ environment: "production" })).toEqual([expect.stringMatching(/^observability:app\.namespaces: is required because observability:environment is production, not dev: .*e\.g\. \[trading\].*"all"/)]);
    expect(problems({ environment: "production", app: { namespaces: ["trading"] } })).toEqual([]);
    expect(problems({ environment: "production", app: { namespaces: "all" } })).toEqual([]);
  });

  test("unset in dev means every namespace; an empty list is refused rather than read as every namespace", () => {
    expect(parse({}).app.namespaces).toBe("all");
    expect(problems({ app: { namespaces: [] } })).toEqual(['observability:app.namespaces: must list at least one namespace, or be "all"']);
    expect(problems({ app: { namespaces: "everything" } })).toEqual(['observability:app.namespaces: must be a list of namespaces like [trading], or "all"']);
  });

  test("the app's rules read only its namespaces (static targets, which have none, still count)", () => {
    expect(appSelector(parse({ app: { namespaces: ["trading"] } }).app)).toBe('job="fastapi",namespace=~"trading"');
    expect(appSelector(parse({ app: { namespaces: ["trading"], staticTargets: ["10.1.2.3:8000"] } }).app)).toBe('job="fastapi",namespace=~"trading|"');
    expect(appSelector(parse({ app: { namespaces: "all" } }).app)).toBe('job="fastapi"');
  });
});

describe("scrape limits", () => {
  test("the series budget is half of Prometheus' memory limit at 8 KiB a series, unless set", () => {
    expect(BYTES_PER_HEAD_SERIES).toBe(8192);
    expect(seriesBudget(parse({}))).toBe((2 * 2 ** 30) / 2 / 8192); // default 2Gi
    expect(seriesBudget(parse({ prometheus: { resources: { memoryLimit: "8Gi" } } }))).toBe(524288);
    expect(seriesBudget(parse({ prometheus: { scrapeLimits: { seriesBudget: 1000 } } }))).toBe(1000);
  });

  test("the app's targets together fill at most half the budget; any other target a tenth, kube-state-metrics half", () => {
    const settings = parse({ prometheus: { scrapeLimits: { seriesBudget: 100_000 } } });
    const app = scrapeLimits("fastapi", settings);
    expect(app.sample_limit * app.target_limit).toBeLessThanOrEqual(50_000);
    expect(app).toMatchObject({ target_limit: 50, sample_limit: 1000, label_limit: 64, label_value_length_limit: 1024, body_size_limit: "1MiB" });
    expect(scrapeLimits("node-exporter", settings).sample_limit).toBe(10_000);
    expect(scrapeLimits("kube-state-metrics", settings).sample_limit).toBe(50_000);
  });

  test("a job's own settings win; more app targets mean fewer samples each", () => {
    const settings = parse({ prometheus: { scrapeLimits: { seriesBudget: 100_000, jobs: { fastapi: { targetLimit: 200 }, "node-exporter": { sampleLimit: 7, bodySizeLimitMb: 3 } } } } });
    expect(scrapeLimits("fastapi", settings)).toMatchObject({ target_limit: 200, sample_limit: 250 });
    expect(scrapeLimits("node-exporter", settings)).toMatchObject({ sample_limit: 7, body_size_limit: "3MiB" });
  });

  test("limits for a job the stack does not have are refused, listing the jobs", () => {
    expect(problems({ prometheus: { scrapeLimits: { jobs: { nginx: { sampleLimit: 10 } } } } })).toEqual([expect.stringMatching(/^observability:prometheus\.scrapeLimits\.jobs\.nginx: is not a scrape job of this stack; jobs: prometheus, node-exporter, .*fastapi$/)]);
    expect(problems({ prometheus: { scrapeLimits: { jobs: { fastapi: { sampleLimit: 0 } } } } })).toEqual(["observability:prometheus.scrapeLimits.jobs.fastapi.sampleLimit: must be a whole number of samples from 1 to 1000000000"]);
  });

  test("every job of the rendered config carries its limits, and dropped targets kept are bounded", () => {
    const settings = parse({ app: { staticTargets: ["10.1.2.3:8000"] } });
    const config = buildPrometheusConfig({ settings, targets: {}, discoverAppPods: true });
    for (const job of config.scrape_configs) {
      expect([job.job_name, typeof job.sample_limit, typeof job.target_limit, typeof job.body_size_limit]).toEqual([job.job_name, "number", "number", "string"]);
    }
    expect(config.global.keep_dropped_targets).toBe(100);
    // The static targets are the app's too: its limits, not a tenth of the budget each.
    expect(config.scrape_configs.find((j) => j.job_name === "fastapi-static")!.sample_limit).toBe(scrapeLimits("fastapi", settings).sample_limit);
  });
});

describe("web passwords", () => {
  test("the hash verifies the password, and is the same on every run (the Secret does not change)", () => {
    const context = hashContext({ cluster: "c", namespace: "monitoring" }, "prometheus");
    const hash = bcryptHash("s3cret-pass", context);
    expect(hash).toMatch(/^\$2b\$10\$[./A-Za-z0-9]{53}$/);
    expect(compareSync("s3cret-pass", hash)).toBe(true);
    expect(compareSync("other", hash)).toBe(false);
    expect(bcryptHash("s3cret-pass", context)).toBe(hash);
    // Another stack or the other server never shares the hash of the same password.
    expect(bcryptHash("s3cret-pass", hashContext({ cluster: "c", namespace: "monitoring" }, "alertmanager"))).not.toBe(hash);
    expect(bcryptHash("s3cret-pass", hashContext({ cluster: "d", namespace: "monitoring" }, "prometheus"))).not.toBe(hash);
  });

  test.each([
    [" padded", "must not begin or end with whitespace"],
    ["x".repeat(73), "must be at most 72 bytes"],
    ["tab\there", "must be one line without control characters"],
  ])("a password bcrypt or the clients would read differently is refused: %j", (value, message) => {
    expect(problems({}, { prometheusWebPassword: { secure: true, value } })).toEqual([expect.stringContaining(`observability:prometheusWebPassword: ${message}`)]);
  });
});

describe("observability:grafana.ingress", () => {
  test("refuses plain HTTP unless the stack says it is a laptop stack", () => {
    expect(problems({ grafana: { ingress: { host: "grafana.example.com" } } })).toEqual([expect.stringMatching(/^observability:grafana\.ingress\.tlsSecretName: is required: without TLS .*allowPlainHttp: true/)]);
    expect(problems({ grafana: { ingress: { host: "grafana.example.com", allowPlainHttp: true } } })).toEqual([]);
    expect(problems({ grafana: { ingress: { host: "grafana.example.com", tlsSecretName: "grafana-tls" } } })).toEqual([]);
  });
});

describe("observability:loki per-stream limits", () => {
  test("one stream may not be allowed more than the whole tenant", () => {
    expect(problems({ loki: { perStreamRateLimitMb: 20 } })).toEqual(["observability:loki.perStreamRateLimitMb: must be at most ingestionRateMb (10)"]);
    expect(problems({ loki: { perStreamBurstMb: 30 } })).toEqual(["observability:loki.perStreamBurstMb: must be at most ingestionBurstMb (20)"]);
  });
});
