/**
 * `--send-test-alert`: one synthetic alert per receiver, posted to one Alertmanager replica with a
 * label naming the receiver (configs/test-alerts.ts routes it there and nowhere else) and the run,
 * marked as a test in its name and annotations, and resolved as soon as it was delivered. Whether it
 * was delivered is read from that replica's notification counters, per integration: an attempt
 * that succeeded, or a notification that failed after every retry.
 */
import { parse } from "yaml";
import { ALERTMANAGER_PORT, AlertmanagerConfig, Receiver } from "../../configs/alertmanager";
import { HEARTBEAT_RECEIVER, NULL_RECEIVER } from "../../configs/dead-mans-switch";
import { TEST_ALERT, TEST_RECEIVER_LABEL, TEST_RUN_LABEL } from "../../configs/test-alerts";
import { ALERTMANAGER_PODS, deployedAlertmanagerConfig, NO_DEPLOYED_CONFIG, notificationCounters } from "./alertmanager-checks";
import { webClientHeaders } from "./credentials";
import { parseMetrics } from "./metrics-text";
import { CheckResult, fail, pass, PodPort, reason, skip, Transport, VerifyContext } from "./model";

const SERVICE = "test alert";

/** The integrations a receiver notifies through, as Alertmanager names them in its metrics. */
export function integrationsOf(receiver: Receiver): string[] {
  return Object.keys(receiver)
    .filter((key) => key.endsWith("_configs") && Array.isArray((receiver as unknown as Record<string, unknown[]>)[key]) && (receiver as unknown as Record<string, unknown[]>)[key].length > 0)
    .map((key) => key.slice(0, -"_configs".length));
}

/** The receivers a test alert goes to: every one of the rendered config but the heartbeat's and the null one. */
export function testedReceivers(config: AlertmanagerConfig): Receiver[] {
  return config.receivers.filter((r) => r.name !== HEARTBEAT_RECEIVER && r.name !== NULL_RECEIVER && integrationsOf(r).length > 0);
}

export function testAlert(receiver: string, runId: string, endsAt: Date) {
  return {
    labels: { alertname: TEST_ALERT, [TEST_RECEIVER_LABEL]: receiver, [TEST_RUN_LABEL]: runId, severity: "info" },
    annotations: {
      summary: `Test alert from npm run verify for receiver ${receiver}: no action needed`,
      description: `Sent by npm run verify -- --send-test-alert (run ${runId}) to check that Alertmanager delivers to ${receiver}; resolved right after.`,
    },
    endsAt: endsAt.toISOString(),
  };
}

async function post(transport: Transport, target: PodPort, headers: Record<string, string>, alerts: unknown[]): Promise<void> {
  const response = await transport.request(target, "/api/v2/alerts", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(alerts) });
  if (response.status !== 200) throw new Error(`POST /api/v2/alerts: HTTP ${response.status} ${response.text.trim()}`);
}

export async function sendTestAlerts(ctx: VerifyContext): Promise<CheckResult[]> {
  const { cluster, transport, namespace, settings } = ctx;
  if (!settings.alertmanager.enabled) return [skip(SERVICE, "receivers", "Alertmanager is off")];
  const pod = (await cluster.pods(namespace, ALERTMANAGER_PODS)).find((p) => p.ready);
  const rendered = await deployedAlertmanagerConfig(cluster, namespace);
  if (!pod || !rendered) return [fail(SERVICE, "receivers", !pod ? "no ready Alertmanager pod" : NO_DEPLOYED_CONFIG, "see the Alertmanager checks above")];
  const target: PodPort = { namespace, pod: pod.name, port: ALERTMANAGER_PORT };
  const headers = await webClientHeaders(cluster, namespace, "alertmanager");
  const counters = async () => {
    const response = await transport.request(target, "/metrics", { headers });
    if (response.status !== 200) throw new Error(`GET /metrics: HTTP ${response.status}`);
    return parseMetrics(response.text);
  };

  const results: CheckResult[] = [];
  for (const receiver of testedReceivers(parse(rendered) as AlertmanagerConfig)) {
    ctx.progress(`test alert to ${receiver.name}`);
    for (const integration of integrationsOf(receiver)) {
      const check = `${receiver.name} (${integration})`;
      try {
        const count = async () => notificationCounters(await counters(), integration, receiver.name);
        const before = await count();
        await post(transport, target, headers, [testAlert(receiver.name, ctx.runId, new Date(Date.now() + 10 * 60_000))]);
        const deadline = Date.now() + ctx.deadlineMs;
        let outcome: "delivered" | "failed" | undefined;
        while (!outcome && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          const now = await count();
          if (now.attempts - now.failedAttempts > before.attempts - before.failedAttempts) outcome = "delivered";
          else if (now.failed > before.failed) outcome = "failed";
        }
        const last = await count();
        results.push(
          outcome === "delivered"
            ? pass(SERVICE, check, "delivered")
            : fail(
                SERVICE,
                check,
                outcome === "failed" ? `failed after ${last.failedAttempts - before.failedAttempts} attempts` : `not delivered within ${ctx.deadlineMs / 1000}s (${last.failedAttempts - before.failedAttempts} failed attempts)`,
                `kubectl -n ${namespace} logs ${pod.name} -c alertmanager | grep ${integration}: the ${integration} settings or secret of receiver ${receiver.name}`,
              ),
        );
      } catch (err) {
        results.push(fail(SERVICE, check, reason(err), `kubectl -n ${namespace} logs ${pod.name} -c alertmanager`));
      } finally {
        await post(transport, target, headers, [testAlert(receiver.name, ctx.runId, new Date())]).catch(() => undefined);
      }
    }
  }
  return results;
}
