/**
 * Alertmanager, each replica on its own: ready, in one cluster of every replica, running the rendered
 * config, holding the Watchdog; and the heartbeat reaching its service. Pure evaluate* functions,
 * checkAlertmanager fetches.
 */
import { ALERTMANAGER_PORT } from "../../configs/alertmanager";
import { HEARTBEAT_RECEIVER, longestHeartbeatGapMs, noHeartbeatNotice, WATCHDOG_ALERT } from "../../configs/dead-mans-switch";
import { StackSettings } from "../../configs/settings";
import { parse } from "yaml";
import { configDifferences } from "./config-compare";
import { webClientHeaders } from "./credentials";
import { parseMetrics, Sample, sumOf } from "./metrics-text";
import { CheckResult, ClusterReader, fail, getJson, guarded, pass, PodPort, podsReady, skip, VerifyContext } from "./model";
import { queryPrometheus } from "./prometheus-checks";

const SERVICE = "alertmanager";
export const ALERTMANAGER_PODS = { "app.kubernetes.io/name": "alertmanager" };
/**
 * Alertmanager's ConfigMap is auto-named (`alertmanager-config-<suffix>`) and immutable: a change
 * replaces it and rolls the pods (components/alertmanager.ts). Pulumi deletes the old one when the
 * update ends, so more than one means an update is still running or failed.
 */
export const ALERTMANAGER_CONFIG_MAP_PREFIX = "alertmanager-config-";
const ALERTMANAGER_CONFIG_FILE = "alertmanager.yml";

/** The alertmanager.yml `pulumi up` deployed; undefined unless exactly one ConfigMap holds it. */
export async function deployedAlertmanagerConfig(cluster: ClusterReader, namespace: string): Promise<string | undefined> {
  const files = Object.values(await cluster.configMapsNamed(namespace, ALERTMANAGER_CONFIG_MAP_PREFIX)).flatMap((data) => data[ALERTMANAGER_CONFIG_FILE] ?? []);
  return files.length === 1 ? files[0] : undefined;
}

/** What evaluateConfig and the test alert say when deployedAlertmanagerConfig finds none. */
export const NO_DEPLOYED_CONFIG = `no single ConfigMap ${ALERTMANAGER_CONFIG_MAP_PREFIX}* holding ${ALERTMANAGER_CONFIG_FILE} (none: not deployed; two: an update is running or failed)`;

export interface AlertmanagerStatus {
  cluster: { status: string; peers?: { name: string; address: string }[] | null };
  config: { original: string };
}

export function evaluateCluster(pod: string, replicas: number, status: AlertmanagerStatus): CheckResult {
  const check = `cluster (${pod})`;
  const peers = status.cluster.peers ?? [];
  if (replicas === 1) {
    return status.cluster.status === "disabled" || peers.length <= 1
      ? pass(SERVICE, check, "a single instance")
      : fail(SERVICE, check, `${peers.length} peers, but the stack runs one replica`, "an Alertmanager from elsewhere joined: check --cluster.peer in the StatefulSet");
  }
  if (peers.length === replicas && status.cluster.status === "ready") return pass(SERVICE, check, `${peers.length} of ${replicas} peers, ${status.cluster.status}`);
  return fail(
    SERVICE,
    check,
    `${peers.length} of ${replicas} peers (${peers.map((p) => p.address).join(", ") || "none"}), ${status.cluster.status}`,
    "replicas that do not gossip each send every notification: are all pods ready, and does the NetworkPolicy allow port 9094 TCP and UDP between them?",
  );
}

/** Alertmanager reports its loaded config marshalled again (defaults filled in): it must hold everything of the deployed file. */
export function evaluateConfig(pod: string, rendered: string | undefined, status: AlertmanagerStatus): CheckResult {
  const check = `config (${pod})`;
  if (rendered === undefined) return fail(SERVICE, check, NO_DEPLOYED_CONFIG, "run pulumi up");
  const differences = configDifferences(parse(rendered), parse(status.config.original), { configDir: "/" });
  if (differences.length === 0) return pass(SERVICE, check, "the loaded config is the rendered one");
  return fail(
    SERVICE,
    check,
    `${differences.length} differences: ${differences.slice(0, 5).join("; ")}${differences.length > 5 ? "; …" : ""}`,
    "a config change replaces the ConfigMap and rolls the pods one by one: see `kubectl rollout status statefulset/alertmanager` and the pod's logs",
  );
}

export function evaluateWatchdog(pod: string, alerts: { labels: Record<string, string>; status: { state: string } }[]): CheckResult {
  const check = `Watchdog (${pod})`;
  const active = alerts.filter((a) => a.labels.alertname === WATCHDOG_ALERT && a.status.state === "active");
  if (active.length > 0) return pass(SERVICE, check, "active");
  return fail(SERVICE, check, `no active ${WATCHDOG_ALERT} alert`, "Prometheus is not sending alerts here: see the Prometheus alertmanagers check, and the rule group dead-mans-switch");
}

/**
 * Alertmanager's notification counters for one receiver's integration: by receiver where Alertmanager
 * labels them so (`receiver_name`), by integration alone otherwise. `sent` counts notifications,
 * `failed` those that failed after every retry; `attempts`/`failedAttempts` count single requests.
 */
export function notificationCounters(samples: Sample[], integration: string, receiver: string) {
  const byReceiver = samples.some((s) => s.name === "alertmanager_notifications_total" && s.labels.receiver_name !== undefined);
  const labels: Record<string, string> = byReceiver ? { integration, receiver_name: receiver } : { integration };
  return {
    sent: sumOf(samples, "alertmanager_notifications_total", labels),
    failed: sumOf(samples, "alertmanager_notifications_failed_total", labels),
    attempts: sumOf(samples, "alertmanager_notification_requests_total", labels),
    failedAttempts: sumOf(samples, "alertmanager_notification_requests_failed_total", labels),
  };
}

export const heartbeatCounters = (samples: Sample[]) => notificationCounters(samples, "webhook", HEARTBEAT_RECEIVER);

/** The same series as heartbeatCounters, as a PromQL selector. */
const heartbeatSelector = (samples: Sample[]) =>
  samples.some((s) => s.labels.receiver_name !== undefined) ? `integration="webhook",receiver_name="${HEARTBEAT_RECEIVER}"` : `integration="webhook"`;

type NotificationCounts = ReturnType<typeof notificationCounters>;

/**
 * The heartbeat reaches its service: requests went out and none failed since the replicas started;
 * or, when some did, in the recent window (two longest gaps) some succeeded and no notification failed.
 */
export function evaluateHeartbeat(settings: Pick<StackSettings, "alertmanager">, sinceStart: NotificationCounts, recent?: { succeeded: number; failed: number }): CheckResult {
  const check = "heartbeat";
  const gapMinutes = Math.ceil(longestHeartbeatGapMs(settings) / 60_000);
  const fix = `the heartbeat service did not get its ping: check observability:heartbeatUrl, alertmanager.heartbeat.egressPort/egressCidrs, and the logs (kubectl logs -l app.kubernetes.io/name=alertmanager -c alertmanager | grep webhook)`;
  if (sinceStart.attempts === 0) return fail(SERVICE, check, "no heartbeat sent yet", `the first one goes out a group wait after Alertmanager gets the Watchdog; if the pods are older than ${gapMinutes}m, ${fix}`);
  if (sinceStart.failedAttempts === 0) return pass(SERVICE, check, `${sinceStart.attempts} sent, none failed; the service should expect one at least every ${gapMinutes}m`);
  if (recent && recent.succeeded > 0 && recent.failed === 0) return pass(SERVICE, check, `${sinceStart.failedAttempts} of ${sinceStart.attempts} requests failed earlier; the recent ones got through`);
  return fail(SERVICE, check, `${sinceStart.failedAttempts} of ${sinceStart.attempts} heartbeat requests failed${recent ? `, and none got through in the last ${gapMinutes * 2}m` : ""}`, fix);
}

export async function checkAlertmanager(ctx: VerifyContext): Promise<CheckResult[]> {
  const { cluster, transport, namespace, settings } = ctx;
  if (!settings.alertmanager.enabled) return [];
  const { replicas } = settings.alertmanager;
  const pods = await cluster.pods(namespace, ALERTMANAGER_PODS);
  const ready = pods.filter((p) => p.ready);
  const results: CheckResult[] = [podsReady(SERVICE, "alertmanager", namespace, replicas, pods)];
  const headers = await webClientHeaders(cluster, namespace, "alertmanager");
  const rendered = await deployedAlertmanagerConfig(cluster, namespace);
  const metrics: Sample[] = [];
  for (const pod of ready) {
    ctx.progress(`alertmanager ${pod.name}`);
    const target: PodPort = { namespace, pod: pod.name, port: ALERTMANAGER_PORT };
    const logs = `kubectl -n ${namespace} logs ${pod.name} -c alertmanager`;
    const check = async (name: string, run: () => Promise<CheckResult>) => results.push(await guarded(SERVICE, `${name} (${pod.name})`, logs, run));
    await check("ready", async () => {
      const response = await transport.request(target, "/-/ready", { headers });
      return response.status === 200 ? pass(SERVICE, `ready (${pod.name})`, "ready") : fail(SERVICE, `ready (${pod.name})`, `HTTP ${response.status}`, logs);
    });
    const status = await getJson<AlertmanagerStatus>(transport, target, "/api/v2/status", headers).catch((err) => err as Error);
    await check("cluster", async () => (status instanceof Error ? Promise.reject(status) : evaluateCluster(pod.name, replicas, status)));
    await check("config", async () => (status instanceof Error ? Promise.reject(status) : evaluateConfig(pod.name, rendered, status)));
    await check("Watchdog", async () => evaluateWatchdog(pod.name, await getJson(transport, target, `/api/v2/alerts?${new URLSearchParams({ filter: `alertname="${WATCHDOG_ALERT}"` })}`, headers)));
    const text = await transport.request(target, "/metrics", { headers }).catch(() => undefined);
    if (text?.status === 200) metrics.push(...parseMetrics(text.text));
  }
  if (!settings.secretsSet.heartbeatUrl) {
    results.push(skip(SERVICE, "heartbeat", noHeartbeatNotice(settings as StackSettings) ?? "no heartbeat URL"));
  } else {
    const sinceStart = heartbeatCounters(metrics);
    let recent: { succeeded: number; failed: number } | undefined;
    if (sinceStart.failedAttempts > 0 && settings.prometheus.enabled) {
      const window = `${Math.ceil((2 * longestHeartbeatGapMs(settings)) / 1000)}s`;
      const increase = async (metric: string) =>
        (await queryPrometheus(ctx, `sum(increase(${metric}{${heartbeatSelector(metrics)}}[${window}]))`).catch(() => [])).reduce((sum, r) => sum + Number(r.value[1]), 0);
      const requests = await increase("alertmanager_notification_requests_total");
      recent = { succeeded: requests - (await increase("alertmanager_notification_requests_failed_total")), failed: await increase("alertmanager_notifications_failed_total") };
    }
    results.push(evaluateHeartbeat(settings, sinceStart, recent));
  }
  return results;
}
