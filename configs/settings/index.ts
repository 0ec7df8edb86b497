/**
 * Every stack setting: the schema composed from one module per service (prometheus.ts, loki.ts, …),
 * the rules between services, and parseSettings, which checks a stack's config against both.
 * A setting of one service lives in that service's module; a rule that reads two services lives here.
 */
import { z } from "zod";
import { capacityProblems } from "../capacity";
import { defaultImages, Images } from "../images";
import { decodeAsSchema, reservedKeyProblems } from "../pulumi-values";
import { alertmanagerSchema } from "./alertmanager";
import { alertsSchema } from "./alerts";
import { appJobProblems, appNamespacesProblems, appSchema } from "./app";
import { capacitySchema } from "./capacity";
import { exportersSchema } from "./exporters";
import { HttpUrl, parseHttpUrl } from "./addresses";
import { dns1123LabelProblem } from "./grammars";
import { grafanaRootUrl, grafanaSchema } from "./grafana";
import { imagesSchema } from "./images";
import { kubeStateMetricsSchema } from "./kube-state-metrics";
import { alloySchema, logAgentLimitsSchema, logAgentSchema, promtailSchema } from "./log-agents";
import { externalLokiSchema, lokiReplicationProblems, lokiSchema } from "./loki";
import { mailCatcherSchema } from "./mail-catcher";
import { networkPoliciesSchema } from "./network-policies";
import { nodeExporterSchema } from "./node-exporter";
import { describeIssue, firstPerKey, settingKey, SettingsError } from "./problems";
import { blackboxExporterSchema, icmpProblems, probesSchema } from "./probes";
import { prometheusSchema } from "./prometheus";
import { BUILT_IN_JOB_NAMES } from "../scrape-jobs";
import { SECRET_KEYS, SecretKey, secretValueProblem } from "./secrets";
import { dnsSubdomain, durationToMs, labelValue, namespaceName } from "./value-schemas";

export type { AlertSettings } from "./alerts";
export type { CapacitySettings } from "./capacity";
export type { OidcSettings } from "./grafana";
export { grafanaRootUrl } from "./grafana";
export { PROBE_MODULES } from "./probes";
export type { Probe, ProbeModule } from "./probes";
export { LOKI_PUSH_PATH } from "./loki";
export { CONFIG_NAMESPACE, settingKey, SettingsError } from "./problems";
export { GENERATED_SECRETS, SECRET_KEYS, URL_SECRETS } from "./secrets";
export type { SecretKey } from "./secrets";
export { durationToMs } from "./value-schemas";
export type { ResourceSettings } from "./value-schemas";

export const settingsSchema = z
  .object({
    namespace: namespaceName.default("monitoring").describe("Namespace of the servers (Prometheus, Alertmanager, Grafana, Loki); not one the cluster owns (default, kube-*)."),
    /** External label `cluster` on every series and alert. */
    cluster: labelValue.default("crypto-orchestrator").describe("External label cluster on every series and alert."),
    /** External label `env`. */
    environment: labelValue.default("dev").describe("External label env."),
    /** StorageClass for every PVC; unset uses the cluster default. */
    storageClass: dnsSubdomain.optional().describe("StorageClass for every PVC; unset uses the cluster default."),
    images: imagesSchema,
    prometheus: prometheusSchema,
    app: appSchema,
    exporters: exportersSchema,
    alertmanager: alertmanagerSchema,
    grafana: grafanaSchema,
    loki: lokiSchema,
    alerts: alertsSchema,
    logAgent: logAgentSchema,
    promtail: promtailSchema,
    alloy: alloySchema,
    logAgentLimits: logAgentLimitsSchema,
    externalLoki: externalLokiSchema,
    nodeExporter: nodeExporterSchema,
    mailCatcher: mailCatcherSchema,
    kubeStateMetrics: kubeStateMetricsSchema,
    probes: probesSchema,
    blackboxExporter: blackboxExporterSchema,
    /** Namespace of the agents that need host access (log agent, node-exporter); default `<namespace>-agents`. */
    agentsNamespace: namespaceName.optional().describe("Namespace of the agents that need host access (log agent, node-exporter); default <namespace>-agents."),
    /** Protect PVCs and namespaces from `pulumi destroy` and keep them if the stack forgets them. */
    protectData: z.boolean().default(false).describe("Protect PVCs and namespaces from pulumi destroy and keep them if the stack forgets them."),
    networkPolicies: networkPoliciesSchema,
    capacity: capacitySchema,
  })
  .strict();

type ParsedSettings = z.infer<typeof settingsSchema>;
export type StackSettings = Omit<ParsedSettings, "images" | "agentsNamespace" | "loki" | "app"> & {
  images: Images;
  /** `namespaces` resolved: unset (allowed only in dev) means "all". */
  app: Omit<ParsedSettings["app"], "namespaces"> & { namespaces: "all" | string[] };
  agentsNamespace: string;
  /** `enabled` resolved: unset means in-cluster Loki unless externalLoki is set. */
  loki: ParsedSettings["loki"] & { enabled: boolean };
  /** Which secret settings are set; their values never enter this object. */
  secretsSet: Record<SecretKey, boolean>;
  /** Where each webhook (chat, heartbeat) points (host and port, never its secret path), for the NetworkPolicies; unset when the value is not readable here. */
  webhookAddresses: Partial<Record<WebhookKey, Pick<HttpUrl, "host" | "kind" | "port">>>;
};

/** Secrets that are URLs the stack sends to: their host and port (never their path) decide the egress rules. */
export type WebhookKey = "slackWebhookUrl" | "discordWebhookUrl" | "heartbeatUrl";

export interface RawSettings {
  /**
   * Every non-secret `observability:*` value, key without the namespace, as Pulumi stores it (text,
   * JSON text for structures) or already decoded: parseSettings decodes by the schema (pulumi-values.ts).
   */
  values: Record<string, unknown>;
  /**
   * Secret keys that are set, whether each was set with `--secret`, and its value when the caller
   * can read it, only to check it (non-empty, https); a value never enters the settings or a message.
   */
  secrets: Partial<Record<SecretKey, { secure: boolean; value?: string }>>;
  /** Keys stored as secrets that are not secret settings (e.g. `alertmanager` after `config set --secret --path alertmanager.smtp.authUsername`). */
  securedValues?: string[];
}

/**
 * Validates everything a stack may set and fills in defaults. Throws a SettingsError listing every
 * problem, each naming its `observability:` key and what is allowed.
 */
export function parseSettings(raw: RawSettings): StackSettings {
  const secretNames = new Set<string>(SECRET_KEYS);
  const secured = new Set(raw.securedValues ?? []);
  const values = Object.fromEntries(Object.entries(raw.values).filter(([key]) => !secretNames.has(key) && !secured.has(key)));
  const securedProblems = [...secured].map(
    (key) =>
      `${settingKey([key])}: is stored as a secret (pulumi config set --secret), but it is not a secret setting and would reach plain config files; ` +
      `set it without --secret, or keep the value secret in one of: ${SECRET_KEYS.join(", ")}`,
  );
  const decoded = decodeAsSchema(settingsSchema, values);
  const reserved = reservedKeyProblems(decoded, [], settingKey);
  if (reserved.length > 0) throw new SettingsError(reserved);
  const result = settingsSchema.safeParse(decoded);
  const secretValueProblems = SECRET_KEYS.flatMap((key) => {
    const value = raw.secrets[key]?.value;
    const problem = value === undefined ? undefined : secretValueProblem(key, value);
    return problem ? [`${settingKey([key])}: ${problem}`] : [];
  });
  if (!result.success || securedProblems.length > 0 || secretValueProblems.length > 0) {
    throw new SettingsError([...securedProblems, ...(result.success ? [] : firstPerKey(result.error.issues.flatMap((issue) => describeIssue(settingsSchema, issue)))), ...secretValueProblems]);
  }

  const secretsSet = Object.fromEntries(SECRET_KEYS.map((key) => [key, raw.secrets[key] !== undefined])) as Record<SecretKey, boolean>;
  const webhookAddresses = Object.fromEntries(
    (["slackWebhookUrl", "discordWebhookUrl", "heartbeatUrl"] as const).flatMap((key) => {
      const url = raw.secrets[key]?.value === undefined ? "" : parseHttpUrl(raw.secrets[key]!.value!, { query: true });
      return typeof url === "string" ? [] : [[key, { host: url.host, kind: url.kind, port: url.port }]];
    }),
  );
  const parsed = result.data;
  const settings: StackSettings = {
    ...parsed,
    images: { ...defaultImages, ...stripUndefined(parsed.images) },
    agentsNamespace: parsed.agentsNamespace ?? `${parsed.namespace}-agents`,
    loki: { ...parsed.loki, enabled: parsed.loki.enabled ?? parsed.externalLoki === undefined },
    app: { ...parsed.app, namespaces: parsed.app.namespaces ?? "all" },
    secretsSet,
    webhookAddresses,
  };
  const problems = [
    ...secretProblems(settings, raw.secrets),
    ...endpointSecretProblems(settings),
    ...dependencyProblems(settings),
    ...derivedNameProblems(settings, parsed.agentsNamespace === undefined),
    ...appJobProblems(settings.app),
    ...appNamespacesProblems(parsed.app, parsed.environment),
    ...scrapeLimitJobProblems(settings),
    ...rateWindowProblems(settings),
    ...heartbeatProblems(settings, raw.secrets.heartbeatUrl?.value),
    ...capacityProblems(settings),
    ...icmpProblems(settings.probes, settings.blackboxExporter.allowIcmp),
    ...grafanaAuthProblems(settings),
  ];
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** Names the stack derives from settings must meet the same grammar as the settings themselves. */
function derivedNameProblems(settings: StackSettings, agentsNamespaceDerived: boolean): string[] {
  const problem = agentsNamespaceDerived ? dns1123LabelProblem(settings.agentsNamespace) : undefined;
  return problem
    ? [`${settingKey(["namespace"])}: is too long for the agents' namespace derived from it (${settings.agentsNamespace}, ${problem}); shorten it or set ${settingKey(["agentsNamespace"])}`]
    : [];
}

/** Scrape limits are set per job label: a name that is no job of this stack would silently limit nothing. */
function scrapeLimitJobProblems(settings: StackSettings): string[] {
  const jobs = [...BUILT_IN_JOB_NAMES, settings.app.job];
  return Object.keys(settings.prometheus.scrapeLimits.jobs)
    .filter((job) => !jobs.includes(job))
    .map((job) => `${settingKey(["prometheus", "scrapeLimits", "jobs", job])}: is not a scrape job of this stack; jobs: ${jobs.join(", ")}`);
}

/** rate() needs two samples in its window: a window under two scrape intervals of the slowest job it covers returns nothing. */
function rateWindowProblems(settings: StackSettings): string[] {
  // ProbeSlow takes a quantile over the window of the probes' samples.
  const probeInterval = settings.probes.length > 0 ? [settings.blackboxExporter.interval] : [];
  const slowest = [settings.app.scrapeInterval, settings.prometheus.scrapeInterval, ...probeInterval].reduce((a, b) => (durationToMs(a) >= durationToMs(b) ? a : b));
  if (durationToMs(settings.alerts.rateWindow) >= 2 * durationToMs(slowest)) return [];
  return [`${settingKey(["alerts", "rateWindow"])}: must be at least twice the slowest scrape interval it covers (${slowest}), so rate() has two samples; e.g. ${4 * durationToMs(slowest) / 1000}s`];
}

/**
 * The Watchdog heartbeat must stop soon after Prometheus dies: Alertmanager keeps an alert
 * 4 × max(resend delay, evaluation interval) after Prometheus last sent it (Prometheus'
 * rules/alerting.go, ValidUntil), so a shorter interval would send heartbeats for a dead Prometheus.
 * The URL's port is the one the NetworkPolicy opens.
 */
function heartbeatProblems(settings: StackSettings, heartbeatUrl: string | undefined): string[] {
  // Without a heartbeat service the Watchdog goes to no one: nothing depends on its interval.
  if (!settings.secretsSet.heartbeatUrl) return [];
  const { heartbeat, groupInterval } = settings.alertmanager;
  const interval = durationToMs(heartbeat.interval);
  const alertLifetime = 4 * Math.max(durationToMs(settings.prometheus.alertResendDelay), durationToMs(settings.prometheus.evaluationInterval));
  const key = settingKey(["alertmanager", "heartbeat", "interval"]);
  const problems: string[] = [];
  if (interval < alertLifetime) {
    problems.push(
      `${key}: must be at least ${alertLifetime / 1000}s, 4 times the longer of ${settingKey(["prometheus", "alertResendDelay"])} and ${settingKey(["prometheus", "evaluationInterval"])}: ` +
        "Alertmanager keeps the Watchdog alert that long after Prometheus stops sending it, and heartbeats must stop within one interval of Prometheus dying",
    );
  } else if (interval < durationToMs(groupInterval)) {
    problems.push(`${key}: must be at least ${settingKey(["alertmanager", "groupInterval"])} (${groupInterval}): Alertmanager repeats a notification only at a group interval`);
  }
  if (interval > 3600_000) problems.push(`${key}: must be at most 1h: a dead monitoring stack would go unnoticed for longer than that`);
  if (heartbeatUrl !== undefined && URL.canParse(heartbeatUrl)) {
    const url = new URL(heartbeatUrl);
    const port = Number(url.port || 443);
    if (url.protocol === "https:" && port !== heartbeat.egressPort) {
      problems.push(
        `${settingKey(["heartbeatUrl"])}: names port ${port}, but ${settingKey(["alertmanager", "heartbeat", "egressPort"])} is ${heartbeat.egressPort}, the only port the NetworkPolicy opens for it; set egressPort to ${port}`,
      );
    }
  }
  return problems;
}

/**
 * SSO sends the browser back to Grafana's root URL with an authorization code and sets a session
 * cookie: both need https, except on a laptop's localhost. The login form may only go once SSO is there.
 */
function grafanaAuthProblems(settings: StackSettings): string[] {
  const { auth } = settings.grafana;
  if (!settings.grafana.enabled) return [];
  const problems: string[] = [];
  if (auth.disableLoginForm && !auth.oidc) {
    problems.push(`${settingKey(["grafana", "auth", "disableLoginForm"])}: needs ${settingKey(["grafana", "auth", "oidc"])}: with neither the login form nor SSO nobody can log in`);
  }
  if (auth.oidc) {
    const root = new URL(grafanaRootUrl(settings.grafana));
    if (root.protocol !== "https:" && !["localhost", "127.0.0.1", "[::1]"].includes(root.hostname)) {
      problems.push(
        `${settingKey(["grafana", "auth", "oidc"])}: needs Grafana served over https (its root URL ${root.href} carries the login's code and session cookie): set ${settingKey(["grafana", "ingress", "tlsSecretName"])} or an https ${settingKey(["grafana", "rootUrl"])}`,
      );
    }
  }
  return problems;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function secretProblems(settings: StackSettings, secrets: RawSettings["secrets"]): string[] {
  const problems: string[] = [];
  for (const key of SECRET_KEYS) {
    if (secrets[key] && !secrets[key]!.secure) {
      problems.push(`${settingKey([key])}: must be stored encrypted: pulumi config set --secret ${settingKey([key])} <value>`);
    }
  }
  const am = settings.alertmanager;
  if (!am.enabled) return problems;
  const need = (when: boolean, key: SecretKey, because: string) => {
    if (when && !settings.secretsSet[key]) {
      problems.push(`${settingKey([key])}: is required because ${because}; set it with: pulumi config set --secret ${settingKey([key])} <value>`);
    }
  };
  need(am.smtp.authUsername !== undefined, "smtpPassword", `${settingKey(["alertmanager", "smtp", "authUsername"])} is set`);
  need(am.slack.enabled, "slackWebhookUrl", `${settingKey(["alertmanager", "slack", "enabled"])} is true`);
  need(am.discord.enabled, "discordWebhookUrl", `${settingKey(["alertmanager", "discord", "enabled"])} is true`);
  return problems;
}

function endpointSecretProblems(settings: StackSettings): string[] {
  const endpoints: [boolean, SecretKey, (string | number)[]][] = [
    [settings.prometheus.enabled && settings.prometheus.remoteWrite !== undefined, "remoteWritePassword", ["prometheus", "remoteWrite"]],
    [settings.logAgent !== "none" && settings.externalLoki !== undefined, "externalLokiPassword", ["externalLoki"]],
    [settings.loki.enabled && settings.loki.objectStorage !== undefined, "lokiObjectStorageSecretKey", ["loki", "objectStorage"]],
    [settings.grafana.enabled && settings.grafana.auth.oidc !== undefined, "grafanaOidcClientSecret", ["grafana", "auth", "oidc"]],
  ];
  return endpoints
    .filter(([on, key]) => on && !settings.secretsSet[key])
    .map(([, key, path]) => `${settingKey([key])}: is required because ${settingKey(path)} is set; set it with: pulumi config set --secret ${settingKey([key])} <value>`);
}

/**
 * The stack creates its two namespaces and puts a default-deny policy into each: neither may be one
 * another system owns (the ingress controller's, the cluster DNS's, one of the app's).
 */
function ownedNamespaceProblems(settings: StackSettings): string[] {
  const np = settings.networkPolicies;
  const owners: [string, string][] = [
    [np.ingressNamespace, `the ingress controller's namespace (${settingKey(["networkPolicies", "ingressNamespace"])})`],
    [np.dns.namespace, `the cluster DNS's namespace (${settingKey(["networkPolicies", "dns", "namespace"])})`],
    ...(settings.app.namespaces === "all" ? [] : settings.app.namespaces).map((ns): [string, string] => [ns, `a namespace of the app (${settingKey(["app", "namespaces"])})`]),
  ];
  return (["namespace", "agentsNamespace"] as const).flatMap((key) => {
    const owner = owners.find(([ns]) => ns === settings[key]);
    return owner
      ? [`${settingKey([key])}: must not be ${owner[1]}: the stack creates its namespaces, owns them and denies all traffic there but its own; choose a namespace of its own, e.g. monitoring`]
      : [];
  });
}

function dependencyProblems(settings: StackSettings): string[] {
  const problems: string[] = [];
  if (settings.mailCatcher.enabled && settings.alertmanager.smtp.authUsername !== undefined) {
    problems.push(
      `${settingKey(["mailCatcher", "enabled"])}: cannot be true while ${settingKey(["alertmanager", "smtp", "authUsername"])} is set: the mail catcher takes mail without authentication over plain SMTP; unset authUsername or turn the mail catcher off`,
    );
  }
  if (settings.logAgent !== "none" && settings.externalLoki === undefined && !settings.loki.enabled) {
    problems.push(
      `${settingKey(["loki", "enabled"])}: must be true while ${settingKey(["logAgent"])} is ${settings.logAgent} (the agent pushes every log line to Loki); set logAgent to none, set externalLoki, or keep loki`,
    );
  }
  if (settings.grafana.enabled && !settings.prometheus.enabled) {
    problems.push(
      `${settingKey(["prometheus", "enabled"])}: must be true while ${settingKey(["grafana", "enabled"])} is true (Prometheus is Grafana's default datasource); switch both off or keep prometheus`,
    );
  }
  if (settings.probes.length > 0 && !settings.prometheus.enabled) {
    problems.push(`${settingKey(["probes"])}: needs ${settingKey(["prometheus", "enabled"])}: true (Prometheus runs every probe through the exporter and alerts on the result); remove the probes or keep prometheus`);
  }
  problems.push(...lokiReplicationProblems(settings.loki));
  problems.push(...ownedNamespaceProblems(settings));
  if (settings.agentsNamespace === settings.namespace) {
    problems.push(`${settingKey(["agentsNamespace"])}: must differ from ${settingKey(["namespace"])}: the servers' namespace enforces the restricted Pod Security Standard, which the agents cannot meet`);
  }
  return problems;
}
