import { HeartbeatWebhook, heartbeatReceiver, NOT_WATCHDOG_MATCHER, watchdogRoute } from "./dead-mans-switch";
import { hostPort, ServiceAddress } from "./service-address";
import { testAlertRoute } from "./test-alerts";
import { StackSettings } from "./settings";

/** The subset of alertmanager.yml this stack writes, field names as in the upstream reference. */
export interface AlertmanagerConfig {
  global: {
    resolve_timeout: string;
    smtp_smarthost: string;
    smtp_from: string;
    smtp_auth_username?: string;
    /** Alertmanager 0.25+. */
    smtp_auth_password_file?: string;
    smtp_require_tls: boolean;
  };
  route: Route;
  receivers: Receiver[];
  inhibit_rules: InhibitRule[];
}

export interface Route {
  receiver: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  continue?: boolean;
  routes?: Route[];
}

export interface EmailConfig {
  to: string;
  send_resolved: boolean;
  headers?: Record<string, string>;
}

export interface SlackConfig {
  /** Alertmanager 0.22+. */
  api_url_file: string;
  channel: string;
  send_resolved: boolean;
  title: string;
  text: string;
}

export interface DiscordConfig {
  /** Alertmanager 0.28+ (0.27 shipped the field broken; 0.25 and 0.26 do not know it). */
  webhook_url_file: string;
  send_resolved: boolean;
  title: string;
  message: string;
}

export interface Receiver {
  name: string;
  email_configs?: EmailConfig[];
  slack_configs?: SlackConfig[];
  discord_configs?: DiscordConfig[];
  webhook_configs?: HeartbeatWebhook[];
}

export interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}

export const ALERTMANAGER_PORT = 9093;
/**
 * `receiver_name` on the notification metrics (Alertmanager 0.27+, behind this flag): the heartbeat's
 * webhook and each receiver's deliveries are then told apart, in alerts, dashboards and `npm run verify`.
 */
export const ALERTMANAGER_FLAGS = ["--enable-feature=receiver-name-in-metrics"];

/** Gossip between the replicas of an Alertmanager cluster, TCP and UDP. */
export const ALERTMANAGER_MESH_PORT = 9094;

/** Where the Alertmanager pod mounts its Secret; the config names files here, never values. */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";
export const SECRET_FILES = {
  smtpPassword: "smtp-password",
  slackWebhookUrl: "slack-webhook-url",
  discordWebhookUrl: "discord-webhook-url",
  heartbeatUrl: "heartbeat-url",
} as const;

export const GROUP_BY = ["alertname", "cluster", "service"];
/**
 * A critical silences the warning of the same alert only for the same thing in the same place: one
 * namespace's critical never mutes another namespace's warning (a tenant could otherwise raise a
 * critical to hide the app's warnings), nor one cluster's another's.
 */
export const INHIBIT_EQUAL = [...GROUP_BY, "namespace"];

const severityMatcher = (severities: readonly string[]) =>
  severities.length === 1 ? `severity="${severities[0]}"` : `severity=~"${severities.join("|")}"`;

const subject = (prefix: string) => ({ Subject: `[${prefix}] {{ .GroupLabels.alertname }}` });
const chatTitle = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.alertname }}';
const chatText = "{{ range .Alerts }}*{{ .Labels.severity }}* {{ .Annotations.summary }}\n{{ .Annotations.description }}\n{{ end }}";

export interface AlertmanagerInputs {
  settings: Pick<StackSettings, "alertmanager" | "secretsSet">;
  /** Folder holding the secret files; the pod's mount path unless a test runs Alertmanager elsewhere. */
  secretsDir?: string;
  /** The mail catcher's SMTP address (`mailCatcher.enabled`): it replaces the smarthost, without TLS or auth. */
  mailCatcher?: ServiceAddress;
}

/**
 * The guide's routing tree, after the Watchdog's own route (dead-mans-switch.ts). Alertmanager only continues to later *sibling* routes, never back to
 * the parent's receiver, so the team's copy of a critical alert needs its own route after `critical`.
 */
export function buildAlertmanagerConfig(inputs: AlertmanagerInputs): AlertmanagerConfig {
  const am = inputs.settings.alertmanager;
  const secretsDir = inputs.secretsDir ?? ALERTMANAGER_SECRETS_DIR;
  const secretFile = (key: keyof typeof SECRET_FILES) => `${secretsDir}/${SECRET_FILES[key]}`;
  const smtpAuth = am.smtp.authUsername !== undefined && !inputs.mailCatcher;

  const chatRoutes: Route[] = [];
  const chatReceivers: Receiver[] = [];
  if (am.slack.enabled) {
    chatRoutes.push({ matchers: [severityMatcher(am.slack.severities)], receiver: "slack", continue: true });
    chatReceivers.push({
      name: "slack",
      slack_configs: [
        { api_url_file: secretFile("slackWebhookUrl"), channel: am.slack.channel, send_resolved: true, title: chatTitle, text: chatText },
      ],
    });
  }
  if (am.discord.enabled) {
    chatRoutes.push({ matchers: [severityMatcher(am.discord.severities)], receiver: "discord", continue: true });
    chatReceivers.push({
      name: "discord",
      discord_configs: [{ webhook_url_file: secretFile("discordWebhookUrl"), send_resolved: true, title: chatTitle, message: chatText }],
    });
  }

  return {
    global: {
      resolve_timeout: am.resolveTimeout,
      smtp_smarthost: inputs.mailCatcher ? hostPort(inputs.mailCatcher) : am.smtp.smarthost,
      smtp_from: am.smtp.from,
      ...(smtpAuth ? { smtp_auth_username: am.smtp.authUsername, smtp_auth_password_file: secretFile("smtpPassword") } : {}),
      // The mail catcher speaks plain SMTP inside the cluster.
      smtp_require_tls: inputs.mailCatcher ? false : am.smtp.requireTls,
    },
    route: {
      receiver: "email",
      group_by: GROUP_BY,
      group_wait: am.groupWait,
      group_interval: am.groupInterval,
      repeat_interval: am.repeatInterval,
      routes: [
        watchdogRoute(inputs.settings),
        testAlertRoute(["email", "critical", "warning", ...chatReceivers.map((r) => r.name)], { groupInterval: am.groupInterval, repeatInterval: am.repeatInterval }),
        ...chatRoutes,
        { matchers: ['severity="critical"'], receiver: "critical", continue: true },
        { matchers: ['severity="critical"'], receiver: "email" },
        { matchers: ['severity="warning"'], receiver: "warning" },
      ],
    },
    receivers: [
      { name: "email", email_configs: [{ to: am.email.team, send_resolved: true }] },
      { name: "critical", email_configs: [{ to: am.email.critical, send_resolved: true, headers: subject("CRITICAL") }] },
      { name: "warning", email_configs: [{ to: am.email.warning, send_resolved: true, headers: subject("WARNING") }] },
      ...chatReceivers,
      heartbeatReceiver(inputs.settings, secretFile("heartbeatUrl")),
    ],
    // Never the Watchdog, whatever its labels: a muted heartbeat would page whoever watches for silence.
    inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"', NOT_WATCHDOG_MATCHER], equal: INHIBIT_EQUAL }],
  };
}
