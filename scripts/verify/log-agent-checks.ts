/**
 * The log agent (Promtail or Alloy): its DaemonSet's pods ready on every node it schedules to, and no
 * log line dropped after the agent's retries, read from each pod's own metrics (Promtail:
 * promtail_dropped_entries_total; Alloy's loki.write: loki_write_dropped_entries_total).
 */
import { ALLOY_HTTP_PORT } from "../../configs/alloy";
import { PROMTAIL_HTTP_PORT } from "../../configs/promtail";
import { parseMetrics, Sample, sumOf } from "./metrics-text";
import { CheckResult, DaemonSetStatus, fail, pass, reason, VerifyContext } from "./model";

const SERVICE = "log agent";
const AGENTS = {
  promtail: { port: PROMTAIL_HTTP_PORT, dropped: "promtail_dropped_entries_total", requests: "promtail_request_duration_seconds_count" },
  alloy: { port: ALLOY_HTTP_PORT, dropped: "loki_write_dropped_entries_total", requests: "loki_write_request_duration_seconds_count" },
} as const;

export function evaluateDaemonSet(name: string, status: DaemonSetStatus | undefined, notReady: string[]): CheckResult {
  if (!status) return fail(SERVICE, "pods", `DaemonSet ${name} not found`, "run pulumi up");
  if (status.desired > 0 && status.ready === status.desired) return pass(SERVICE, "pods", `${name}: ${status.ready} of ${status.desired} nodes ready`);
  return fail(SERVICE, "pods", `${name}: ${status.ready} of ${status.desired} nodes ready${notReady.length ? ` (not ready: ${notReady.join(", ")})` : ""}`, `kubectl -n <agents namespace> describe daemonset ${name}`);
}

/** Lines dropped after retries are lost; failed requests that were retried are not, but are named. */
export function evaluateSending(agent: keyof typeof AGENTS, byPod: Record<string, Sample[]>): CheckResult {
  const { dropped, requests } = AGENTS[agent];
  if (Object.keys(byPod).length === 0) return fail(SERVICE, "sending", "no ready agent pod to ask", "see the pods check above");
  const losing = Object.entries(byPod).filter(([, samples]) => sumOf(samples, dropped) > 0);
  const failedRequests = Object.values(byPod).reduce((sum, samples) => sum + samples.filter((s) => s.name === requests && s.labels.status_code !== undefined && !s.labels.status_code.startsWith("2")).reduce((n, s) => n + s.value, 0), 0);
  const retried = failedRequests > 0 ? `; ${failedRequests} pushes failed and were retried` : "";
  if (losing.length === 0) return pass(SERVICE, "sending", `${Object.keys(byPod).length} pods, no line dropped${retried}`);
  return fail(
    SERVICE,
    "sending",
    losing.map(([pod, samples]) => `${pod} dropped ${sumOf(samples, dropped)} lines`).join("; ") + retried,
    "the agent gave up on those lines after its retries: is Loki reachable and accepting (rate limits, rejected old samples)? See the agent's logs",
  );
}

export async function checkLogAgent(ctx: VerifyContext): Promise<CheckResult[]> {
  const { cluster, transport, settings, agentsNamespace } = ctx;
  if (settings.logAgent === "none") return [];
  const agent = settings.logAgent;
  ctx.progress(`${agent} in ${agentsNamespace}`);
  const pods = await cluster.pods(agentsNamespace, { "app.kubernetes.io/name": agent });
  const results = [evaluateDaemonSet(agent, await cluster.daemonSet(agentsNamespace, agent), pods.filter((p) => !p.ready).map((p) => `${p.name}${p.node ? ` on ${p.node}` : ""}`))];
  const byPod: Record<string, Sample[]> = {};
  const unreachable: string[] = [];
  for (const pod of pods.filter((p) => p.ready)) {
    try {
      const response = await transport.request({ namespace: agentsNamespace, pod: pod.name, port: AGENTS[agent].port }, "/metrics");
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      byPod[pod.name] = parseMetrics(response.text);
    } catch (err) {
      unreachable.push(`${pod.name}: ${reason(err)}`);
    }
  }
  results.push(unreachable.length > 0 ? fail(SERVICE, "sending", `metrics unreadable: ${unreachable.join("; ")}`, `kubectl -n ${agentsNamespace} logs -l app.kubernetes.io/name=${agent}`) : evaluateSending(agent, byPod));
  return results;
}
