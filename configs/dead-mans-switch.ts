/**
 * The dead man's switch: a `Watchdog` alert that always fires, and an Alertmanager route that sends
 * it, on its own cadence, to a heartbeat service (healthchecks.io, Cronitor, Better Stack, Dead Man's
 * Snitch, an Opsgenie or PagerDuty heartbeat). The service raises the alarm when the heartbeats stop:
 * the one alert that still works when Prometheus or Alertmanager is dead.
 */
import { AlertingRule, RuleGroup } from "./rule-builder";
import { durationToMs, settingKey, StackSettings } from "./settings";

export const WATCHDOG_ALERT = "Watchdog";
export const HEARTBEAT_RECEIVER = "heartbeat";
/** Where the Watchdog goes when no `observability:heartbeatUrl` is set: nowhere (a receiver without integrations). */
export const NULL_RECEIVER = "null";
/**
 * The Watchdog's severity: no receiver routes on it and no inhibit rule targets it (kube-prometheus
 * uses the same value), so a critical alert never mutes the heartbeat.
 */
export const WATCHDOG_SEVERITY = "none";
/** The matcher of the Watchdog route. */
export const WATCHDOG_MATCHER = `alertname="${WATCHDOG_ALERT}"`;
/** Every inhibit rule's targets exclude the Watchdog, whatever labels it may carry one day. */
export const NOT_WATCHDOG_MATCHER = `alertname!="${WATCHDOG_ALERT}"`;

/** A rule group of its own, evaluated like every other, so a Prometheus that stops evaluating stops the heartbeat. */
export function watchdogRuleGroup(settings: Pick<StackSettings, "prometheus" | "alerts">): RuleGroup {
  const rule: AlertingRule = {
    alert: WATCHDOG_ALERT,
    expr: "vector(1)",
    labels: { severity: WATCHDOG_SEVERITY },
    annotations: {
      summary: "The alerting pipeline works: Prometheus evaluates rules and Alertmanager sends notifications",
      description:
        "This alert always fires. Alertmanager sends it to the heartbeat service (observability:heartbeatUrl) every alertmanager.heartbeat.interval; the service alarms when the heartbeats stop, because then Prometheus, Alertmanager or the path between them is down.",
      runbook_url: `${settings.alerts.runbooksUrl}#${WATCHDOG_ALERT.toLowerCase()}`,
    },
  };
  return { name: "dead-mans-switch", interval: settings.prometheus.evaluationInterval, rules: [rule] };
}

/** The webhook of the heartbeat receiver; the URL is read from a file of the Alertmanager Secret (Alertmanager 0.26+). */
export interface HeartbeatWebhook {
  url_file: string;
  /** A heartbeat service counts pings; a "resolved" ping would count as one more sign of life. */
  send_resolved: false;
  /** One alert per ping: the service needs a request, not the payload. */
  max_alerts: 1;
}

/**
 * First in the tree and without `continue`, so the Watchdog reaches only the heartbeat. Grouped by
 * name alone, so the Prometheus pair's two copies (the replica label dropped) and the Alertmanager
 * cluster's replicas make one group: one stream of heartbeats.
 */
export function watchdogRoute(settings: Pick<StackSettings, "alertmanager" | "secretsSet">) {
  const am = settings.alertmanager;
  return {
    matchers: [WATCHDOG_MATCHER],
    receiver: settings.secretsSet.heartbeatUrl ? HEARTBEAT_RECEIVER : NULL_RECEIVER,
    group_by: ["alertname"],
    group_wait: am.groupWait,
    group_interval: am.groupInterval,
    repeat_interval: am.heartbeat.interval,
    continue: false,
  };
}

export function heartbeatReceiver(settings: Pick<StackSettings, "secretsSet">, urlFile: string): { name: string; webhook_configs?: HeartbeatWebhook[] } {
  return settings.secretsSet.heartbeatUrl
    ? { name: HEARTBEAT_RECEIVER, webhook_configs: [{ url_file: urlFile, send_resolved: false, max_alerts: 1 }] }
    : { name: NULL_RECEIVER };
}

/** The render's one line when nothing listens for the heartbeat; undefined when something does (or Alertmanager is off). */
export function noHeartbeatNotice(settings: Pick<StackSettings, "alertmanager" | "prometheus" | "secretsSet">): string | undefined {
  if (!settings.alertmanager.enabled || !settings.prometheus.enabled || settings.secretsSet.heartbeatUrl) return undefined;
  return (
    `${settingKey(["heartbeatUrl"])} is not set: the Watchdog alert goes to no one, so no one will hear if Prometheus or Alertmanager dies; ` +
    `set it to a heartbeat service's ping URL with: pulumi config set --secret ${settingKey(["heartbeatUrl"])} <url> (README: Dead man's switch)`
  );
}

/**
 * The longest time between two heartbeats while everything works: the repeat interval, rounded up to
 * the next group interval tick (Alertmanager checks for a repeat only then).
 */
export function longestHeartbeatGapMs(settings: Pick<StackSettings, "alertmanager">): number {
  return durationToMs(settings.alertmanager.heartbeat.interval) + durationToMs(settings.alertmanager.groupInterval);
}
