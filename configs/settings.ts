import { z } from "zod";
import { defaultImages, ImageName, Images, isPinnedImage } from "./images";

/** The config namespace: every stack setting is `observability:<key>`. */
export const CONFIG_NAMESPACE = "observability";

/**
 * Settings read with `config.getSecret` only. They never enter the settings object: parseSettings
 * sees just whether each is set, to check that what needs it has it.
 */
export const SECRET_KEYS = [
  "smtpPassword",
  "slackWebhookUrl",
  "discordWebhookUrl",
  "grafanaAdminPassword",
  "remoteWritePassword",
  "externalLokiPassword",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Prometheus' duration syntax (units y w d h m s ms, largest first), e.g. `30d`, `1h30m`, `15s`. */
const DURATION_PATTERN = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const DURATION_UNITS_MS: Record<string, number> = {
  y: 365 * 24 * 3600e3,
  w: 7 * 24 * 3600e3,
  d: 24 * 3600e3,
  h: 3600e3,
  m: 60e3,
  s: 1e3,
  ms: 1,
};

export function durationToMs(duration: string): number {
  let total = 0;
  for (const [, count, unit] of duration.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) {
    total += Number(count) * DURATION_UNITS_MS[unit];
  }
  return total;
}

const duration = z
  .string()
  .refine((value) => value !== "" && DURATION_PATTERN.test(value) && durationToMs(value) > 0, {
    message: "must be a duration like 15s, 5m, 12h, 30d (units ms s m h d w y, largest first)",
  });

const positiveSize = z
  .number({ invalid_type_error: "must be a number of GiB" })
  .positive("must be greater than 0 GiB");

/** Kubernetes quantities as the API accepts them, e.g. `250m`, `1`, `512Mi`, `2Gi`. */
const quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, "must be a Kubernetes quantity like 250m, 1, 512Mi or 2Gi");

const email = z.string().email("must be an email address like team@example.com");
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, "must be host:port, e.g. redis-exporter.db:9121");
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS label: lowercase letters, digits and '-', at most 63");
const labelValue = z
  .string()
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "must be a Kubernetes label value (letters, digits, - _ .)");

export const SEVERITIES = ["critical", "warning", "info"] as const;
const severity = z.enum(SEVERITIES, {
  errorMap: () => ({ message: `must be one of ${SEVERITIES.join(", ")}` }),
});

const resources = (cpu: string, memory: string, memoryLimit: string) =>
  z
    .object({
      /** CPU request; no CPU limit, so a busy pod is never throttled below what the node can give. */
      cpu: quantity.default(cpu),
      memory: quantity.default(memory),
      memoryLimit: quantity.default(memoryLimit),
    })
    .strict()
    .default({});

const serviceToggle = { enabled: z.boolean().default(true) };

const imagesSchema = z
  .object(
    Object.fromEntries(
      (Object.keys(defaultImages) as ImageName[]).map((name) => [
        name,
        z
          .string()
          .refine(isPinnedImage, { message: "must be pinned to a version tag or digest (never latest), e.g. repo/image:v1.2.3" })
          .optional(),
      ]),
    ) as Record<ImageName, z.ZodOptional<z.ZodEffects<z.ZodString>>>,
  )
  .strict()
  .default({});

const httpsUrl = z.string().url("must be a URL like https://host/path").startsWith("https://", "must use https:// (credentials are sent with every request)");
const basicAuthEndpoint = z.object({ url: httpsUrl, username: z.string().min(1, "must not be empty") }).strict();

const prometheusSchema = z
  .object({
    ...serviceToggle,
    storageGi: positiveSize.default(10),
    retention: duration.default("7d"),
    /** Share of the volume Prometheus may fill before it deletes the oldest blocks (`--storage.tsdb.retention.size`). */
    retentionSizeRatio: z.number().gt(0.1).max(0.95, "must be at most 0.95 so the WAL and compaction have room").default(0.85),
    scrapeInterval: duration.default("15s"),
    evaluationInterval: duration.default("15s"),
    /** Copy every sample to a remote store (e.g. Grafana Cloud); the password is `observability:remoteWritePassword`. */
    remoteWrite: basicAuthEndpoint.optional(),
    resources: resources("200m", "512Mi", "2Gi"),
  })
  .strict()
  .default({});

const appSchema = z
  .object({
    /** Job name of the FastAPI backend: the alert rules select on it. */
    job: z.string().min(1).default("fastapi"),
    scrapeInterval: duration.default("10s"),
    metricsPath: z.string().startsWith("/", "must be a URL path starting with /").default("/metrics"),
    /** Namespaces to discover annotated pods in; empty means all. */
    namespaces: z.array(dnsLabel).default([]),
    /** Targets outside the cluster, scraped as the same job. */
    staticTargets: z.array(hostPort).default([]),
    /** Value of the pods' `app` label that selects the JSON log pipeline. */
    logAppLabel: labelValue.default("crypto-orchestrator"),
  })
  .strict()
  .default({});

const exportersSchema = z
  .object({ redis: hostPort.optional(), postgres: hostPort.optional() })
  .strict()
  .default({});

const chatReceiver = {
  enabled: z.boolean().default(false),
  /** Severities this receiver gets, besides email. */
  severities: z.array(severity).nonempty("must name at least one severity").default(["critical"]),
};

const alertmanagerSchema = z
  .object({
    ...serviceToggle,
    replicas: z.number().int("must be a whole number").min(1, "must be between 1 and 5").max(5, "must be between 1 and 5").default(1),
    storageGi: positiveSize.default(1),
    resolveTimeout: duration.default("5m"),
    groupWait: duration.default("10s"),
    groupInterval: duration.default("10s"),
    repeatInterval: duration.default("12h"),
    smtp: z
      .object({
        smarthost: hostPort.default("smtp.gmail.com:587"),
        from: email.default("alerts@cryptoorchestrator.com"),
        /** When set, `observability:smtpPassword` must be set as a secret. */
        authUsername: z.string().min(1).optional(),
        requireTls: z.boolean().default(true),
      })
      .strict()
      .default({}),
    email: z
      .object({
        /** The team's address: the default receiver, and a copy of every critical alert. */
        team: email.default("team@cryptoorchestrator.com"),
        /** On-call address for critical alerts. */
        critical: email.default("oncall@cryptoorchestrator.com"),
        /** Address for warnings. */
        warning: email.default("team@cryptoorchestrator.com"),
      })
      .strict()
      .default({}),
    slack: z
      .object({ ...chatReceiver, channel: z.string().regex(/^[#@]?[\w.-]+$/, "must be a Slack channel like #alerts").default("#alerts") })
      .strict()
      .default({}),
    discord: z.object(chatReceiver).strict().default({}),
    resources: resources("50m", "64Mi", "256Mi"),
  })
  .strict()
  .default({});

/** A dashboard from grafana.com by id and pinned revision, e.g. {id: 1860, revision: 41, folder: "Infrastructure"}. */
const communityDashboardSchema = z
  .object({
    id: z.number().int().positive("must be a grafana.com dashboard id like 1860"),
    /** Pinned like an image tag: a new revision is a reviewed change. */
    revision: z.number().int().positive("must be a revision number like 41"),
    /** Grafana folder to show it in; the same names as the stack's own folders merge with them. */
    folder: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,62}$/, "must be a folder name of letters, digits, spaces, - and _").default("Community"),
    /** The dashboard's datasource inputs (its `__inputs`, e.g. DS_PROMETHEUS) and the stack datasource each stands for. */
    datasources: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, "must be an input name like DS_PROMETHEUS"), z.enum(["prometheus", "loki", "alertmanager"], { errorMap: () => ({ message: "must be one of prometheus, loki, alertmanager" }) }))
      .default({ DS_PROMETHEUS: "prometheus" }),
  })
  .strict();

const grafanaSchema = z
  .object({
    ...serviceToggle,
    storageGi: positiveSize.default(2),
    adminUser: z.string().min(1).default("admin"),
    rootUrl: z.string().url("must be a URL like https://grafana.example.com").default("http://localhost:3000"),
    plugins: z.array(z.string().regex(/^[a-z0-9-]+(@[0-9.]+)?$/, "must be plugin ids like grafana-clock-panel")).default(["grafana-clock-panel"]),
    /** An Ingress for Grafana; when set, Grafana's root URL follows its host. */
    ingress: z
      .object({
        host: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a host name like grafana.example.com"),
        className: dnsLabel.optional(),
        /** Secret holding the TLS certificate for the host; unset serves plain HTTP. */
        tlsSecretName: dnsLabel.optional(),
      })
      .strict()
      .optional(),
    /** grafana.com dashboards fetched when the Grafana pod starts; empty (the default) fetches none. */
    communityDashboards: z
      .array(communityDashboardSchema)
      .default([])
      .refine((list) => new Set(list.map((d) => d.id)).size === list.length, { message: "must not list the same dashboard id twice" }),
    resources: resources("100m", "256Mi", "1Gi"),
  })
  .strict()
  .default({});

const lokiSchema = z
  .object({
    ...serviceToggle,
    storageGi: positiveSize.default(10),
    retention: duration.default("168h"),
    ingestionRateMb: z.number().positive("must be greater than 0 MB/s").default(10),
    ingestionBurstMb: z.number().positive("must be greater than 0 MB").default(20),
    rejectOlderThan: duration.default("168h"),
    resources: resources("100m", "256Mi", "1Gi"),
  })
  .strict()
  .default({});

const agentResources = (cpu: string, memory: string, memoryLimit: string) =>
  z.object({ resources: resources(cpu, memory, memoryLimit) }).strict().default({});

const PRIVATE_RANGES: [string, ...string[]] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/, "must be a CIDR like 10.0.0.0/8");

const agentSchema = (cpu: string, memory: string, memoryLimit: string) =>
  z.object({ ...serviceToggle, resources: resources(cpu, memory, memoryLimit) }).strict().default({});

/** A share of a whole, as the rules compare it: 0.05 is 5%. */
const share = z.number().gt(0, "must be a share above 0 and at most 1, like 0.05 for 5%").max(1, "must be a share above 0 and at most 1, like 0.05 for 5%");
const seconds = z.number().positive("must be greater than 0 seconds");
const count = z.number().int().positive("must be greater than 0");

/** How long a condition must hold before its alert fires (the rule's `for:`). */
const alertFor = (defaultFor: string) => ({ for: duration.default(defaultFor) });

/**
 * A warning/critical pair sharing one alert name: the critical inhibits the warning, so the
 * warning threshold must be the lower one.
 */
const thresholdPair = (value: z.ZodNumber, warning: number, critical: number, defaultFor: string) =>
  z
    .object({ warning: value.default(warning), critical: value.default(critical), ...alertFor(defaultFor) })
    .strict()
    // The order only means something between two valid thresholds; an invalid one has its own message.
    .refine(
      (pair) => !(value.safeParse(pair.warning).success && value.safeParse(pair.critical).success) || pair.warning < pair.critical,
      (pair) => ({ message: `must be below critical (${pair.critical})`, path: ["warning"] }),
    )
    .default({});
const threshold = (value: z.ZodNumber, defaultThreshold: number, defaultFor: string) =>
  z.object({ threshold: value.default(defaultThreshold), ...alertFor(defaultFor) }).strict().default({});
const forOnly = (defaultFor: string) => z.object(alertFor(defaultFor)).strict().default({});

/** Alert thresholds and `for:` durations, one key per alert (the alert's name in camelCase); defaults are the guide's. */
const alertsSchema = z
  .object({
    /** Window of every rate() and latency quantile: at least four scrape intervals, so a missed scrape does not blank it. */
    rateWindow: duration.default("5m"),
    /** Where people read docs/runbooks.md (e.g. its page on your Git host); every rule links to its section there. */
    runbooksUrl: z
      .string()
      .regex(/^(https?:\/\/[^\s#]+|[\w./-]+)$/, "must be a URL without #fragment, like https://git.example.com/observability/blob/main/docs/runbooks.md")
      .default("docs/runbooks.md"),
    /** Share of the app's requests answered with a 5xx status. */
    highErrorRate: thresholdPair(share, 0.01, 0.05, "5m"),
    /** 95th percentile response time of the app, in seconds. */
    highResponseTime: thresholdPair(seconds, 1, 3, "5m"),
    applicationDown: forOnly("1m"),
    /** Active database connections of one app instance. */
    highDatabaseConnections: threshold(count, 80, "5m"),
    /** Share of trades that fail, per exchange. */
    highTradeFailureRate: thresholdPair(share, 0.05, 0.1, "5m"),
    /** 95th percentile order execution time per exchange, in seconds. */
    slowOrderExecution: threshold(seconds, 5, "5m"),
    /** Share of a node's CPU time spent busy. */
    highCpuUsage: thresholdPair(share, 0.7, 0.9, "10m"),
    /** Share of a node's memory not available to new processes. */
    highMemoryUsage: thresholdPair(share, 0.8, 0.95, "5m"),
    /** Share of a node's real (not in-memory, not read-only) filesystem in use. */
    highDiskUsage: thresholdPair(share, 0.8, 0.95, "5m"),
    /** Share of a monitoring PVC in use; the warning also needs the volume to be filling up (see docs/runbooks.md). */
    monitoringVolumeFull: thresholdPair(share, 0.8, 0.95, "5m"),
    targetDown: forOnly("5m"),
    prometheusRuleEvaluationFailures: forOnly("5m"),
    prometheusNotificationsFailing: forOnly("5m"),
    prometheusNotConnectedToAlertmanagers: forOnly("5m"),
    alertmanagerNotificationsFailing: forOnly("5m"),
    lokiDown: forOnly("5m"),
    lokiDiscardingLogs: forOnly("15m"),
    logAgentDown: forOnly("5m"),
    logAgentDroppingLogs: forOnly("5m"),
  })
  .strict()
  .default({});
export type AlertSettings = z.infer<typeof alertsSchema>;

export const settingsSchema = z
  .object({
    namespace: dnsLabel.default("monitoring"),
    /** External label `cluster` on every series and alert. */
    cluster: labelValue.default("crypto-orchestrator"),
    /** External label `env`. */
    environment: labelValue.default("dev"),
    /** StorageClass for every PVC; unset uses the cluster default. */
    storageClass: dnsLabel.optional(),
    images: imagesSchema,
    prometheus: prometheusSchema,
    app: appSchema,
    exporters: exportersSchema,
    alertmanager: alertmanagerSchema,
    grafana: grafanaSchema,
    loki: lokiSchema,
    alerts: alertsSchema,
    /** The DaemonSet that ships logs to Loki. Promtail is end-of-life; Alloy is its supported successor. */
    logAgent: z.enum(["promtail", "alloy", "none"], { errorMap: () => ({ message: "must be one of promtail, alloy, none" }) }).default("promtail"),
    promtail: agentResources("50m", "64Mi", "256Mi"),
    alloy: agentResources("50m", "128Mi", "512Mi"),
    /** Send logs to an external Loki (e.g. Grafana Cloud) instead of the in-cluster one; password: `observability:externalLokiPassword`. */
    externalLoki: basicAuthEndpoint.optional(),
    nodeExporter: agentSchema("20m", "32Mi", "128Mi"),
    /** Namespace of the agents that need host access (log agent, node-exporter); default `<namespace>-agents`. */
    agentsNamespace: dnsLabel.optional(),
    /** Protect PVCs and namespaces from `pulumi destroy` and keep them if the stack forgets them. */
    protectData: z.boolean().default(false),
    networkPolicies: z
      .object({
        enabled: z.boolean().default(false),
        /** Namespace of the ingress controller allowed to reach Grafana. */
        ingressNamespace: dnsLabel.default("ingress-nginx"),
        /** Where the nodes' addresses lie: node-exporter listens on the host network. */
        nodeCidrs: z.array(cidr).nonempty().default(PRIVATE_RANGES),
        /** Where the Kubernetes API server lies, for service discovery. */
        apiServerCidrs: z.array(cidr).nonempty().default(PRIVATE_RANGES),
        apiServerPorts: z.array(z.number().int().min(1).max(65535)).nonempty().default([443, 6443]),
      })
      .strict()
      .default({}),
  })
  .strict();

type ParsedSettings = z.infer<typeof settingsSchema>;
export type StackSettings = Omit<ParsedSettings, "images" | "agentsNamespace"> & {
  images: Images;
  agentsNamespace: string;
  /** Which secret settings are set; their values never enter this object. */
  secretsSet: Record<SecretKey, boolean>;
};
export type ResourceSettings = ParsedSettings["prometheus"]["resources"];

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/** `observability:prometheus.storageGi`: the key as the user wrote it in the stack file. */
export function settingKey(path: (string | number)[]): string {
  const [top, ...rest] = path;
  return `${CONFIG_NAMESPACE}:${top}${rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
}

function allowedKeysAt(path: (string | number)[]): string[] {
  let schema: z.ZodTypeAny = settingsSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = schema.shape[segment];
    else if (schema instanceof z.ZodArray) schema = schema.element;
    if (!schema) return [];
  }
  schema = unwrap(schema);
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  return path.length === 0 ? [...keys, ...SECRET_KEYS] : keys;
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional || schema instanceof z.ZodEffects) {
    schema = schema instanceof z.ZodEffects ? schema.innerType() : schema._def.innerType;
  }
  return schema;
}

function describeIssue(issue: z.ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys.map((key) => `${settingKey([...issue.path, key])}: unknown setting; allowed here: ${allowed.join(", ")}`);
  }
  if (issue.code === "invalid_type" && issue.received === "undefined") {
    return [`${settingKey(issue.path)}: is required`];
  }
  if (issue.code === "invalid_type") {
    return [`${settingKey(issue.path)}: must be ${issue.expected}, got ${issue.received}`];
  }
  return [`${settingKey(issue.path)}: ${issue.message}`];
}

export interface RawSettings {
  /** Every non-secret `observability:*` value, key without the namespace, JSON already parsed. */
  values: Record<string, unknown>;
  /** Secret keys that are set, and whether each was set with `--secret`. */
  secrets: Partial<Record<SecretKey, { secure: boolean }>>;
}

/**
 * Validates everything a stack may set and fills in defaults. Throws a SettingsError listing every
 * problem, each naming its `observability:` key and what is allowed.
 */
export function parseSettings(raw: RawSettings): StackSettings {
  const secretNames = new Set<string>(SECRET_KEYS);
  const values = Object.fromEntries(Object.entries(raw.values).filter(([key]) => !secretNames.has(key)));
  const result = settingsSchema.safeParse(values);
  if (!result.success) throw new SettingsError(result.error.issues.flatMap(describeIssue));

  const secretsSet = Object.fromEntries(SECRET_KEYS.map((key) => [key, raw.secrets[key] !== undefined])) as Record<SecretKey, boolean>;
  const parsed = result.data;
  const settings: StackSettings = {
    ...parsed,
    images: { ...defaultImages, ...stripUndefined(parsed.images) },
    agentsNamespace: parsed.agentsNamespace ?? `${parsed.namespace}-agents`,
    secretsSet,
  };
  const problems = [...secretProblems(settings, raw.secrets), ...endpointSecretProblems(settings), ...dependencyProblems(settings)];
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
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
  ];
  return endpoints
    .filter(([on, key]) => on && !settings.secretsSet[key])
    .map(([, key, path]) => `${settingKey([key])}: is required because ${settingKey(path)} is set; set it with: pulumi config set --secret ${settingKey([key])} <value>`);
}

function dependencyProblems(settings: StackSettings): string[] {
  const problems: string[] = [];
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
  if (settings.agentsNamespace === settings.namespace) {
    problems.push(`${settingKey(["agentsNamespace"])}: must differ from ${settingKey(["namespace"])}: the servers' namespace enforces the restricted Pod Security Standard, which the agents cannot meet`);
  }
  return problems;
}
