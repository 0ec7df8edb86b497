/**
 * Loki: ready, a round trip (one canary line pushed with a label unique to this run, read back with
 * a query), and retention in effect in the running config. The endpoints are Loki's HTTP API as
 * documented: /ready, POST /loki/api/v1/push (JSON), GET /loki/api/v1/query_range, GET /config.
 */
import { parse } from "yaml";
import { LOKI_HTTP_PORT } from "../../configs/loki";
import { durationToMs, StackSettings } from "../../configs/settings";
import { CheckResult, fail, getJson, pass, PodPort, podsReady, reason, VerifyContext } from "./model";

const SERVICE = "loki";
export const LOKI_PODS = { "app.kubernetes.io/name": "loki" };
/** The canary's labels: they say who wrote it, so anyone who finds it in Grafana knows to ignore it. */
export const CANARY_JOB = "observability-verify";
export const CANARY_LABEL = "verify_canary";

export function canaryStream(runId: string, nowMs: number) {
  return {
    streams: [
      {
        stream: { job: CANARY_JOB, [CANARY_LABEL]: runId },
        values: [[`${BigInt(nowMs) * 1_000_000n}`, `canary line written by npm run verify (run ${runId}) to check that Loki stores and returns logs; safe to ignore`]],
      },
    ],
  };
}

export function evaluateRetention(settings: Pick<StackSettings, "loki">, configYaml: string): CheckResult {
  const config = parse(configYaml) as { compactor?: { retention_enabled?: boolean }; limits_config?: { retention_period?: string } };
  const period = config.limits_config?.retention_period ?? "";
  const enabled = config.compactor?.retention_enabled === true;
  const samePeriod = durationToMs(period) === durationToMs(settings.loki.retention);
  if (enabled && samePeriod) return pass(SERVICE, "retention", `compactor deletes logs after ${period}`);
  return fail(
    SERVICE,
    "retention",
    `${enabled ? "" : "compactor retention is off; "}${samePeriod ? "" : `retention_period ${period || "(unset)"}, settings say ${settings.loki.retention}`}`.replace(/; $/, ""),
    "Loki runs a config other than the stack's: run pulumi up and check the pod restarted with the new ConfigMap",
  );
}

export async function checkLoki(ctx: VerifyContext): Promise<CheckResult[]> {
  const { cluster, transport, namespace, settings } = ctx;
  if (!settings.loki.enabled) return [];
  const pods = await cluster.pods(namespace, LOKI_PODS);
  const ready = pods.filter((p) => p.ready);
  const results: CheckResult[] = [podsReady(SERVICE, "loki", namespace, settings.loki.replicas, pods)];
  for (const pod of ready) {
    const response = await transport.request({ namespace, pod: pod.name, port: LOKI_HTTP_PORT }, "/ready").catch((err) => ({ status: 0, text: reason(err) }));
    results.push(response.status === 200 ? pass(SERVICE, `ready (${pod.name})`, response.text.trim()) : fail(SERVICE, `ready (${pod.name})`, `HTTP ${response.status}: ${response.text.trim()}`, `kubectl -n ${namespace} logs ${pod.name}`));
  }
  const pod = ready[0];
  if (!pod) return results;
  const target: PodPort = { namespace, pod: pod.name, port: LOKI_HTTP_PORT };
  ctx.progress(`loki ${pod.name}: pushing a canary line and reading it back`);
  results.push(await roundTrip(ctx, target));
  try {
    const config = await transport.request(target, "/config");
    results.push(config.status === 200 ? evaluateRetention(settings, config.text) : fail(SERVICE, "retention", `GET /config: HTTP ${config.status}`, `kubectl -n ${namespace} logs ${pod.name}`));
  } catch (err) {
    results.push(fail(SERVICE, "retention", reason(err), `kubectl -n ${namespace} logs ${pod.name}`));
  }
  return results;
}

async function roundTrip(ctx: VerifyContext, target: PodPort): Promise<CheckResult> {
  const started = Date.now();
  const fix = `kubectl -n ${target.namespace} logs ${target.pod}: the ingester or the store refuses writes (a full volume, a bucket it cannot reach)`;
  try {
    const pushed = await ctx.transport.request(target, "/loki/api/v1/push", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(canaryStream(ctx.runId, started)) });
    if (pushed.status !== 204 && pushed.status !== 200) return fail(SERVICE, "round trip", `push: HTTP ${pushed.status} ${pushed.text.trim()}`, fix);
    const query = new URLSearchParams({ query: `{${CANARY_LABEL}="${ctx.runId}"}`, start: `${BigInt(started - 60_000) * 1_000_000n}`, end: `${BigInt(started + ctx.deadlineMs + 60_000) * 1_000_000n}`, limit: "10" });
    for (;;) {
      const answer = await getJson<{ data: { result: { values: [string, string][] }[] } }>(ctx.transport, target, `/loki/api/v1/query_range?${query}`);
      if (answer.data.result.some((stream) => stream.values.some(([, line]) => line.includes(ctx.runId)))) {
        return pass(SERVICE, "round trip", `canary line pushed and read back in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      }
      if (Date.now() - started > ctx.deadlineMs) return fail(SERVICE, "round trip", `the canary line was accepted but not returned within ${ctx.deadlineMs / 1000}s`, fix);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } catch (err) {
    return fail(SERVICE, "round trip", reason(err), fix);
  }
}
