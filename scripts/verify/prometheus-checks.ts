/**
 * Prometheus, each replica on its own: ready, running the rendered config, every expected job
 * scraped and up, every rule group loaded and evaluating, every Alertmanager discovered, retention as
 * set. The evaluate* functions are pure (the API's JSON in, a result out); checkPrometheus fetches.
 */
import { parse } from "yaml";
import { PROMETHEUS_PORT, prometheusSettingsFlags } from "../../configs/prometheus";
import { durationToMs, StackSettings } from "../../configs/settings";
import { configDifferences } from "./config-compare";
import { webClientHeaders } from "./credentials";
import { CheckResult, fail, getJson, guarded, pass, PodPort, podsReady, VerifyContext } from "./model";

const SERVICE = "prometheus";
export const PROMETHEUS_PODS = { "app.kubernetes.io/name": "prometheus" };
/** The ConfigMaps the stack deploys (components/prometheus.ts). */
export const PROMETHEUS_CONFIG_MAP = "prometheus-config";
export const PROMETHEUS_RULES_MAP = "prometheus-rules";

interface ApiEnvelope<T> {
  status: string;
  data: T;
}

export interface ActiveTarget {
  scrapePool: string;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  labels: Record<string, string>;
}

export interface RuleGroupStatus {
  name: string;
  file: string;
  lastEvaluation: string;
  rules: { name: string; health: "ok" | "err" | "unknown"; lastError?: string; type: string }[];
}

/** Every scrape job of the rendered config has at least one target, and each one is up. */
export function evaluateTargets(pod: string, renderedConfig: string, targets: ActiveTarget[]): CheckResult {
  const check = `targets (${pod})`;
  const jobs: string[] = (parse(renderedConfig)?.scrape_configs ?? []).map((job: { job_name: string }) => job.job_name);
  const byJob = (job: string) => targets.filter((t) => t.scrapePool === job);
  const empty = jobs.filter((job) => byJob(job).length === 0);
  const down = targets.filter((t) => t.health !== "up");
  if (empty.length === 0 && down.length === 0) return pass(SERVICE, check, `${targets.length} targets up in ${jobs.length} jobs`);
  const problems = [
    ...empty.map((job) => `job ${job} has no target`),
    ...down.map((t) => `${t.scrapePool} ${t.scrapeUrl} ${t.health}${t.lastError ? `: ${t.lastError}` : ""}`),
  ];
  return fail(
    SERVICE,
    check,
    problems.join("; "),
    "a job without targets: is the service deployed and its pods ready (annotated with prometheus.io/scrape for the app)? A down target: the error says why; see its pod's logs and the NetworkPolicies",
  );
}

const NEVER = "0001-01-01T00:00:00Z";

/** Every group of the rendered rule files is loaded with as many rules, has been evaluated, and no rule failed its last evaluation. */
export function evaluateRules(pod: string, renderedRuleFiles: Record<string, string>, groups: RuleGroupStatus[]): CheckResult {
  const check = `rules (${pod})`;
  const expected = Object.entries(renderedRuleFiles).flatMap(([file, text]) =>
    ((parse(text)?.groups ?? []) as { name: string; rules: unknown[] }[]).map((g) => ({ file, name: g.name, count: g.rules.length })),
  );
  const problems: string[] = [];
  for (const group of expected) {
    const loaded = groups.find((g) => g.name === group.name && g.file.endsWith(`/${group.file}`));
    if (!loaded) problems.push(`group ${group.name} (${group.file}) not loaded`);
    else if (loaded.rules.length !== group.count) problems.push(`group ${group.name}: ${loaded.rules.length} rules loaded, ${group.count} rendered`);
    else if (!loaded.lastEvaluation || loaded.lastEvaluation.startsWith(NEVER.slice(0, 4))) problems.push(`group ${group.name} not evaluated yet`);
  }
  for (const group of groups) {
    for (const rule of group.rules.filter((r) => r.health === "err")) problems.push(`${group.name}/${rule.name}: ${rule.lastError ?? "error"}`);
  }
  const rules = expected.reduce((sum, g) => sum + g.count, 0);
  if (problems.length === 0) return pass(SERVICE, check, `${expected.length} groups, ${rules} rules evaluating without error`);
  return fail(SERVICE, check, problems.join("; "), "a rule that fails to evaluate cannot fire: fix its expression (configs/alert-rules.ts) or the series it reads; a group not loaded: check the config reloader's logs");
}

export function evaluateAlertmanagers(pod: string, expected: number, active: { url: string }[]): CheckResult {
  const check = `alertmanagers (${pod})`;
  if (active.length === expected) return pass(SERVICE, check, `${active.length} of ${expected} discovered`);
  return fail(
    SERVICE,
    check,
    `${active.length} of ${expected} Alertmanagers discovered${active.length ? `: ${active.map((a) => a.url).join(", ")}` : ""}`,
    "Prometheus finds the Alertmanagers through the alertmanager Service's EndpointSlices: are all Alertmanager pods ready, and does the NetworkPolicy let Prometheus reach port 9093?",
  );
}

/**
 * Bytes of a size as Prometheus reads `--storage.tsdb.retention.size` (alecthomas/units Base2Bytes:
 * KB and KiB alike are 1024) and prints it back (`87040MB` reads `85GiB`).
 */
export function bytesOf(size: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(B|[KMGTPE]i?B)$/.exec(size);
  if (!match) return undefined;
  const power = match[2] === "B" ? 0 : "KMGTPE".indexOf(match[2][0]) + 1;
  return Number(match[1]) * 1024 ** power;
}

/** The flags settings decide are what the process runs with; the TSDB reports the same retention. */
export function evaluateRetention(pod: string, settings: Pick<StackSettings, "prometheus">, flags: Record<string, string>, runtime: { storageRetention?: string }): CheckResult {
  const check = `retention (${pod})`;
  const wanted = prometheusSettingsFlags(settings);
  const sameValue = (a: string, b: string) => a === b || (!Number.isNaN(durationToMs(a)) && durationToMs(a) === durationToMs(b)) || (bytesOf(a) !== undefined && bytesOf(a) === bytesOf(b));
  const problems = Object.entries(wanted)
    .filter(([name, value]) => flags[name] === undefined || !sameValue(flags[name], value))
    .map(([name, value]) => `--${name}=${flags[name] ?? "(unset)"}, settings say ${value}`);
  const retention = runtime.storageRetention ?? "";
  const reportedTime = retention.split(" or ")[0];
  if (!sameValue(reportedTime, settings.prometheus.retention)) problems.push(`TSDB reports retention ${JSON.stringify(retention)}, settings say ${settings.prometheus.retention}`);
  if (problems.length === 0) return pass(SERVICE, check, `${settings.prometheus.retention}, ${wanted["storage.tsdb.retention.size"]} (${retention})`);
  return fail(SERVICE, check, problems.join("; "), "the pod runs older arguments than the stack's settings: run pulumi up, then check the Deployment rolled (kubectl rollout status)");
}

/** The config Prometheus loaded holds everything the rendered prometheus.yml sets. */
export function evaluateLoadedConfig(pod: string, rendered: string, loaded: string, configFile: string): CheckResult {
  const check = `config (${pod})`;
  const differences = configDifferences(parse(rendered), parse(loaded), { configDir: configFile.slice(0, configFile.lastIndexOf("/")) || "." });
  if (differences.length === 0) return pass(SERVICE, check, "the loaded config is the rendered one");
  return fail(
    SERVICE,
    check,
    `${differences.length} differences: ${differences.slice(0, 5).join("; ")}${differences.length > 5 ? "; …" : ""}`,
    "Prometheus did not load the deployed ConfigMap: it re-reads its files every 30s (--config.auto-reload); see its logs and prometheus_config_last_reload_successful",
  );
}

export async function checkPrometheus(ctx: VerifyContext): Promise<CheckResult[]> {
  const { cluster, transport, namespace, settings } = ctx;
  if (!settings.prometheus.enabled) return [];
  const pods = await cluster.pods(namespace, PROMETHEUS_PODS);
  const ready = pods.filter((p) => p.ready);
  const results: CheckResult[] = [podsReady(SERVICE, "prometheus", namespace, settings.prometheus.replicas, pods)];
  const headers = await webClientHeaders(cluster, namespace, "prometheus");
  const rendered = (await cluster.configMap(namespace, PROMETHEUS_CONFIG_MAP))?.["prometheus.yml"];
  const ruleFiles = (await cluster.configMap(namespace, PROMETHEUS_RULES_MAP)) ?? {};
  for (const pod of ready) {
    ctx.progress(`prometheus ${pod.name}`);
    const target: PodPort = { namespace, pod: pod.name, port: PROMETHEUS_PORT };
    const api = async <T>(path: string) => (await getJson<ApiEnvelope<T>>(transport, target, path, headers)).data;
    const logs = `kubectl -n ${namespace} logs ${pod.name} -c prometheus`;
    const check = async (name: string, run: () => Promise<CheckResult>) => results.push(await guarded(SERVICE, `${name} (${pod.name})`, logs, run));
    await check("ready", async () => {
      const response = await transport.request(target, "/-/ready", { headers });
      return response.status === 200 ? pass(SERVICE, `ready (${pod.name})`, "ready") : fail(SERVICE, `ready (${pod.name})`, `HTTP ${response.status}: ${response.text.trim()}`, logs);
    });
    const flags = await api<Record<string, string>>("/api/v1/status/flags").catch(() => ({}) as Record<string, string>);
    await check("config", async () => {
      if (rendered === undefined) throw new Error(`ConfigMap ${PROMETHEUS_CONFIG_MAP} not found in ${namespace}`);
      const loaded = await api<{ yaml: string }>("/api/v1/status/config");
      return evaluateLoadedConfig(pod.name, rendered, loaded.yaml, flags["config.file"] ?? "");
    });
    await check("targets", async () => evaluateTargets(pod.name, rendered ?? "", (await api<{ activeTargets: ActiveTarget[] }>("/api/v1/targets?state=active")).activeTargets));
    await check("rules", async () => evaluateRules(pod.name, ruleFiles, (await api<{ groups: RuleGroupStatus[] }>("/api/v1/rules")).groups));
    if (settings.alertmanager.enabled) {
      await check("alertmanagers", async () => evaluateAlertmanagers(pod.name, settings.alertmanager.replicas, (await api<{ activeAlertmanagers: { url: string }[] }>("/api/v1/alertmanagers")).activeAlertmanagers));
    }
    await check("retention", async () => evaluateRetention(pod.name, settings, flags, await api<{ storageRetention?: string }>("/api/v1/status/runtimeinfo")));
  }
  return results;
}

/**
 * The seam for the metric catalogue (issue 24): a PromQL instant query against one ready replica, so a
 * check of every dashboard's and rule's selectors against the series Prometheus really has can run
 * here with the same transport and credentials.
 */
export async function queryPrometheus(ctx: VerifyContext, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const pod = (await ctx.cluster.pods(ctx.namespace, PROMETHEUS_PODS)).find((p) => p.ready);
  if (!pod) throw new Error("no ready Prometheus pod");
  const headers = await webClientHeaders(ctx.cluster, ctx.namespace, "prometheus");
  const target = { namespace: ctx.namespace, pod: pod.name, port: PROMETHEUS_PORT };
  const envelope = await getJson<ApiEnvelope<{ result: { metric: Record<string, string>; value: [number, string] }[] }>>(ctx.transport, target, `/api/v1/query?${new URLSearchParams({ query })}`, headers);
  return envelope.data.result;
}
