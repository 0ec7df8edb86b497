import { z } from "zod";
import {
  cidrProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  DURATION_RULE,
  goTemplateLiteralProblem,
  hostPortProblem,
  imageReferenceProblem,
  iniValueProblem,
  labelValueProblem,
  mailboxProblem,
  namespaceProblem,
  prometheusDurationNs,
  quantityValue,
  urlProblem,
} from "./grammars";
import { defaultImages, ImageName, Images } from "./images";
import { buildPrometheusConfig } from "./prometheus";
import { decodeAsSchema, unwrap } from "./pulumi-values";

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
  "lokiObjectStorageSecretKey",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * A string checked against the grammar of the program that reads it (configs/grammars.ts names the
 * upstream rule); the grammar's text, saying what is allowed, is the message.
 */
const grammar = (...checks: ((value: string) => string | undefined)[]) =>
  z.string().superRefine((value, ctx) => {
    const problem = checks.map((check) => check(value)).find((p) => p !== undefined);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

/** Milliseconds of a Prometheus duration (NaN when Prometheus would refuse it). */
export function durationToMs(duration: string): number {
  const ns = prometheusDurationNs(duration);
  return ns === undefined ? NaN : Number(ns / 1000n) / 1000;
}

/** Prometheus' duration syntax (prometheus/common model.ParseDuration), above zero and within an int64 of nanoseconds. */
const duration = grammar((value) => (prometheusDurationNs(value) ?? 0n) > 0n ? undefined : DURATION_RULE);

/** Whole GiB: the PVC asks for `<n>Gi`, and Prometheus' size retention is a share of it in MB, so a fraction could round to 0MB (size retention off). */
const MAX_STORAGE_GI = 65536;
const positiveSize = z
  .number({ invalid_type_error: "must be a number of GiB" })
  .int(`must be a whole number of GiB from 1 to ${MAX_STORAGE_GI}`)
  .min(1, `must be a whole number of GiB from 1 to ${MAX_STORAGE_GI}`)
  .max(MAX_STORAGE_GI, `must be a whole number of GiB from 1 to ${MAX_STORAGE_GI}`);

/** Kubernetes quantities (apimachinery resource.Quantity), within what a container can sensibly ask for. */
const cpuQuantity = grammar((value) => {
  const cores = quantityValue(value);
  return cores !== undefined && cores >= 0.001 && cores <= 1024 ? undefined : "must be a CPU quantity like 250m, 0.5 or 2 (from 1m to 1024 cores)";
});
const memoryQuantity = grammar((value) => {
  const bytes = quantityValue(value);
  return bytes !== undefined && bytes >= 2 ** 22 && bytes <= 2 ** 42 ? undefined : "must be a memory quantity like 512Mi or 2Gi (from 4Mi to 4Ti; a plain number is bytes, m is thousandths)";
});

const email = grammar(mailboxProblem);
const hostPort = grammar(hostPortProblem);
const dnsLabel = grammar(dns1123LabelProblem);
/** Names of cluster objects the stack refers to (StorageClass, IngressClass, Secret): RFC 1123 subdomains. */
const dnsSubdomain = grammar(dns1123SubdomainProblem);
/** A namespace the stack creates and owns. */
const namespaceName = grammar(namespaceProblem);
const labelValue = grammar(labelValueProblem);
/** Numbers that reach a generated file: never Infinity (`1e400` in YAML), which PromQL would read as a metric name. */
const finite = () => z.number().finite("must be a finite number");

export const SEVERITIES = ["critical", "warning", "info"] as const;
const severity = z.enum(SEVERITIES, {
  errorMap: () => ({ message: `must be one of ${SEVERITIES.join(", ")}` }),
});

const resources = (cpu: string, memory: string, memoryLimit: string) =>
  z
    .object({
      /** CPU request; no CPU limit, so a busy pod is never throttled below what the node can give. */
      cpu: cpuQuantity.default(cpu).describe("CPU request; no CPU limit, so a busy pod is never throttled below what the node can give."),
      memory: memoryQuantity.default(memory),
      memoryLimit: memoryQuantity.default(memoryLimit),
    })
    .strict()
    // The scheduler reserves the request; a request above the limit is refused by the API server.
    .refine((r) => quantityValue(r.memory)! <= quantityValue(r.memoryLimit)!, (r) => ({ message: `must be at most memoryLimit (${r.memoryLimit})`, path: ["memory"] }))
    .default({});

const serviceToggle = { enabled: z.boolean().default(true) };

const imagesSchema = z
  .object(
    Object.fromEntries(
      (Object.keys(defaultImages) as ImageName[]).map((name) => [
        name,
        grammar(imageReferenceProblem).optional(),
      ]),
    ) as Record<ImageName, z.ZodOptional<z.ZodEffects<z.ZodString>>>,
  )
  .strict()
  .default({});

/** https only: credentials are sent with every request. */
const httpsUrl = grammar((value) => urlProblem(value, ["https"], "https://host/path (credentials are sent with every request)"));
/** Text that lands in a YAML config file as one value: one line, no control characters. */
const singleLine = grammar((value) => (value === "" ? "must be one line of text, not empty" : /[\u0000-\u001f\u007f]/.test(value) ? "must be one line without control characters" : undefined));
const basicAuthEndpoint = z.object({ url: httpsUrl, username: singleLine }).strict();
/** Loki's push path: Grafana reads from the same Loki at the URL without it. */
export const LOKI_PUSH_PATH = "/loki/api/v1/push";
const externalLokiSchema = z
  .object({
    url: httpsUrl.refine((url) => url.endsWith(LOKI_PUSH_PATH) && url.length > `https://${LOKI_PUSH_PATH}`.length, {
      message: `must be a Loki push URL ending in ${LOKI_PUSH_PATH}, like https://logs-prod-eu-west-0.grafana.net${LOKI_PUSH_PATH} (Grafana queries the same URL without that path)`,
    }),
    username: z.string().min(1, "must not be empty"),
  })
  .strict();

const prometheusSchema = z
  .object({
    ...serviceToggle,
    storageGi: positiveSize.default(10),
    retention: duration.default("7d"),
    /** Share of the volume Prometheus may fill before it deletes the oldest blocks (`--storage.tsdb.retention.size`). */
    retentionSizeRatio: finite().gt(0.1, "must be above 0.1").max(0.95, "must be at most 0.95 so the WAL and compaction have room").default(0.85).describe("Share of the volume Prometheus may fill before it deletes the oldest blocks (--storage.tsdb.retention.size)."),
    scrapeInterval: duration.default("15s"),
    evaluationInterval: duration.default("15s"),
    /** Copy every sample to a remote store (e.g. Grafana Cloud); the password is `observability:remoteWritePassword`. */
    remoteWrite: basicAuthEndpoint.optional().describe("Copy every sample to a remote store (e.g. Grafana Cloud); the password is observability:remoteWritePassword."),
    replicas: z
      .number({ invalid_type_error: "must be 1 or 2" })
      .int("must be 1 or 2")
      .min(1, "must be 1 or 2")
      .max(2, "must be 1 or 2")
      .default(1)
      .describe(
        "How many identical Prometheus servers scrape and evaluate the same rules: 2 gives alerting HA (Alertmanager de-duplicates their alerts). Each has its own volume of storageGi; queries are not merged (that needs Thanos or remote write to Mimir).",
      ),
    resources: resources("200m", "512Mi", "2Gi"),
  })
  .strict()
  .default({});

const appSchema = z
  .object({
    /** Job name of the FastAPI backend: the alert rules select on it. */
    job: z
      .string()
      // A safe grammar instead of escaping: the name is a PromQL matcher value, a relabel regex (RE2,
      // anchored) and a label value in every rule; built-in job names are refused in parseSettings.
      .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, "must be a job name of letters, digits, '_' and '-', starting with a letter or '_', at most 63 characters")
      .default("fastapi")
      .describe("Job name of the app's scrape job; the alert rules select on it. Not the name of a built-in job (prometheus, node-exporter, kubelet, …)."),
    scrapeInterval: duration.default("10s"),
    metricsPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%\/-]*$/, "must be a URL path starting with / (no spaces, ? or #), like /metrics")
      .default("/metrics")
      .describe("Path of the app's metrics; pods override it with the prometheus.io/path annotation."),
    /** Namespaces to discover annotated pods in; empty means all. */
    namespaces: z.array(dnsLabel).default([]).describe("Namespaces to discover annotated pods in; empty means all."),
    /** Targets outside the cluster, scraped as the same job. */
    staticTargets: z.array(hostPort).default([]).describe("Targets outside the cluster, scraped as the same job."),
    /** Value of the pods' `app` label that selects the JSON log pipeline. */
    logAppLabel: labelValue.default("crypto-orchestrator").describe("Value of the pods' app label that selects the JSON log pipeline."),
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
  severities: z.array(severity).nonempty("must name at least one severity").default(["critical"]).describe("Severities this receiver gets, besides email."),
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
        authUsername: singleLine.optional().describe("When set, observability:smtpPassword must be set as a secret."),
        requireTls: z.boolean().default(true),
      })
      .strict()
      .default({}),
    email: z
      .object({
        /** The team's address: the default receiver, and a copy of every critical alert. */
        team: email.default("team@cryptoorchestrator.com").describe("The team's address: the default receiver, and a copy of every critical alert."),
        /** On-call address for critical alerts. */
        critical: email.default("oncall@cryptoorchestrator.com").describe("On-call address for critical alerts."),
        /** Address for warnings. */
        warning: email.default("team@cryptoorchestrator.com").describe("Address for warnings."),
      })
      .strict()
      .default({}),
    slack: z
      .object({ ...chatReceiver, channel: z.string().regex(/^[#@]?[\w.-]{1,80}$/, "must be a Slack channel like #alerts (letters, digits, _ . -, at most 80)").default("#alerts") })
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
    revision: z.number().int().positive("must be a revision number like 41").describe("Pinned like an image tag: a new revision is a reviewed change."),
    /** Grafana folder to show it in; the same names as the stack's own folders merge with them. */
    folder: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,62}$/, "must be a folder name of letters, digits, spaces, - and _").default("Community").describe("Grafana folder to show it in; the same names as the stack's own folders merge with them."),
    /** The dashboard's datasource inputs (its `__inputs`, e.g. DS_PROMETHEUS) and the stack datasource each stands for. */
    datasources: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, "must be an input name like DS_PROMETHEUS"), z.enum(["prometheus", "loki", "alertmanager"], { errorMap: () => ({ message: "must be one of prometheus, loki, alertmanager" }) }))
      .default({ DS_PROMETHEUS: "prometheus" }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be the file's SHA-256 as sha256sum prints it: 64 lowercase hex digits")
      .optional()
      .describe("SHA-256 of the downloaded file (before the datasource mapping); when set, the init container refuses a download that differs and the pod does not start."),
  })
  .strict();

const grafanaSchema = z
  .object({
    ...serviceToggle,
    storageGi: positiveSize.default(2),
    adminUser: z
      .string()
      // Written to grafana.ini: a login's usual characters only, so no newline can start an [auth.proxy] section.
      .regex(/^[A-Za-z0-9._@+-]{1,100}$/, "must be a login of letters, digits and . _ @ + - (at most 100; it is written to grafana.ini)")
      .default("admin")
      .describe("Grafana's admin login; the password is observability:grafanaAdminPassword or a generated one."),
    rootUrl: grammar((value) => urlProblem(value, ["https", "http"], "https://grafana.example.com"), iniValueProblem)
      .default("http://localhost:3000")
      .describe("The URL users reach Grafana at (links in alerts, cookies); an Ingress host replaces it."),
    plugins: z
      .array(
        // Grafana splits `preinstall` at commas and spaces and each entry at `@` (pkg/setting/setting_plugins.go); a version is required so a start never installs whatever is latest.
        z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*@[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/, "must be a plugin id with its pinned version, name@version, like grafana-clock-panel@2.1.8"),
      )
      .default([])
      .refine((list) => new Set(list.map((p) => p.split("@")[0])).size === list.length, { message: "must not list the same plugin twice" })
      .describe(
        "Grafana plugins installed from grafana.com at start, each pinned as name@version (grafana.ini [plugins] preinstall). Empty (the default): Grafana downloads no plugin at start, as an air-gapped cluster needs.",
      ),
    /** An Ingress for Grafana; when set, Grafana's root URL follows its host. */
    ingress: z
      .object({
        host: grammar((value) => (dns1123SubdomainProblem(value) ? "must be a host name like grafana.example.com (RFC 1123: lowercase labels of letters, digits and '-')" : undefined)),
        className: dnsSubdomain.optional(),
        /** Secret holding the TLS certificate for the host; unset serves plain HTTP. */
        tlsSecretName: dnsSubdomain.optional().describe("Secret holding the TLS certificate for the host; unset serves plain HTTP."),
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

/**
 * S3's bucket naming rules (AWS "General purpose bucket naming rules"): 3-63 characters, lowercase
 * letters, digits, dots and hyphens, starting and ending with a letter or digit, no two adjacent
 * dots, not shaped like an IP address, no reserved prefix or suffix.
 */
const s3BucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit")
  .refine((name) => !name.includes(".."), { message: "must not contain two adjacent dots (S3 bucket naming rules)" })
  .refine((name) => !/^\d+\.\d+\.\d+\.\d+$/.test(name), { message: "must not be formatted as an IP address (S3 bucket naming rules)" })
  .refine((name) => !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) && !/(-s3alias|--ol-s3|--x-s3|--table-s3|\.mrap)$/.test(name), {
    message: "must not use a prefix or suffix S3 reserves (xn--, sthree-, amzn-s3-demo-, -s3alias, --ol-s3, --x-s3, --table-s3, .mrap)",
  });

const lokiObjectStorageSchema = z
  .object({
    endpoint: hostPort.describe("host:port of the S3 API, without scheme (insecure chooses http or https)."),
    bucket: s3BucketName.describe("Bucket for chunks, index and delete requests; it must exist."),
    region: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a region name like us-east-1").default("us-east-1").describe("S3 region (MinIO accepts any; us-east-1 by default)."),
    // Substituted into Loki's YAML, which Loki reads with -config.expand-env: no '$', quotes or spaces.
    accessKeyId: z
      .string()
      .regex(/^[A-Za-z0-9_+=,.@\/-]{3,128}$/, "must be an access key id of 3-128 letters, digits or _+=,.@/-")
      .describe("Access key id (not secret); the secret key is observability:lokiObjectStorageSecretKey."),
    insecure: z.boolean().default(false).describe("true: plain http to the endpoint (e.g. an in-cluster MinIO); false: https."),
    egressCidrs: z
      .array(grammar(cidrProblem))
      .optional()
      .describe("Where the endpoint's addresses lie, for the NetworkPolicy; unset: any address on the endpoint's port."),
  })
  .strict();

const lokiSchema = z
  .object({
    enabled: z
      .boolean()
      .optional()
      .describe("Run Loki in the cluster. Unset: true, unless externalLoki is set (the agents and Grafana then use the external one); true with externalLoki keeps the in-cluster Loki and its data, which receives no new logs."),
    storageGi: positiveSize.default(10),
    retention: duration.default("168h"),
    ingestionRateMb: finite().positive("must be greater than 0 MB/s").max(1e6, "must be at most 1000000 MB/s").default(10),
    ingestionBurstMb: finite().positive("must be greater than 0 MB").max(1e6, "must be at most 1000000 MB").default(20),
    rejectOlderThan: duration.default("168h"),
    replicas: z
      .number({ invalid_type_error: "must be 1, or 3 or more" })
      .int("must be a whole number: 1, or 3 or more")
      .min(1, "must be 1, or 3 or more")
      .max(9, "must be at most 9 (a larger Loki is better run in microservices mode, which this stack does not deploy)")
      .refine((n) => n !== 2, {
        message: "must be 1 (one instance on a volume) or 3 or more (HA: each stream is written to 3 instances, so 2 cannot keep a quorum when one is down)",
      })
      .default(1)
      .describe(
        "1: one Loki on a volume (filesystem storage). 3 or more: HA monolithic, every instance runs all of Loki, streams are replicated to 3 of them and stored in loki.objectStorage (required, with the secret lokiObjectStorageSecretKey). 2 is refused.",
      ),
    objectStorage: lokiObjectStorageSchema
      .optional()
      .describe("The S3-compatible bucket HA Loki stores chunks and index in: {endpoint, bucket, region, accessKeyId, insecure, egressCidrs}; the secret key is observability:lokiObjectStorageSecretKey."),
    resources: resources("100m", "256Mi", "1Gi"),
  })
  .strict()
  .default({});

const agentResources = (cpu: string, memory: string, memoryLimit: string) =>
  z.object({ resources: resources(cpu, memory, memoryLimit) }).strict().default({});

const PRIVATE_RANGES: [string, ...string[]] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const cidr = grammar(cidrProblem);
/** IPv4 private ranges and IPv6 unique local addresses. */
const PRIVATE_RANGES_V4_V6 = [...PRIVATE_RANGES, "fc00::/7"];
/** A range cut out of 0.0.0.0/0 or ::/0: Kubernetes requires an `except` to lie strictly inside its `cidr`. */
const internetExceptCidr = grammar(cidrProblem, (value) => (/\/0$/.test(value) ? "must be narrower than /0: it is cut out of the whole internet" : undefined));
/** A Kubernetes label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    "must be a Kubernetes label key like k8s-app or app.kubernetes.io/name",
  );

const agentSchema = (cpu: string, memory: string, memoryLimit: string) =>
  z.object({ ...serviceToggle, resources: resources(cpu, memory, memoryLimit) }).strict().default({});

/** A share of a whole, as the rules compare it: 0.05 is 5%. */
/** Strictly between 0 and 1: a share of 1 can never be exceeded, so its alert could never fire. */
const share = finite().gt(0, "must be a share above 0 and below 1, like 0.05 for 5%").lt(1, "must be a share above 0 and below 1, like 0.05 for 5%");
const seconds = finite().positive("must be greater than 0 seconds").max(1e9, "must be at most 1000000000 seconds");
const count = finite().int("must be a whole number").positive("must be greater than 0").max(1e9, "must be at most 1000000000");

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
    rateWindow: duration.default("5m").describe("Window of every rate() and latency quantile: at least twice the slowest scrape interval it covers (app.scrapeInterval, prometheus.scrapeInterval), so rate() always has two samples; four intervals survive a missed scrape."),
    /** Where people read docs/runbooks.md (e.g. its page on your Git host); every rule links to its section there. */
    runbooksUrl: grammar(
      (value) =>
        /^https?:/i.test(value)
          ? urlProblem(value, ["https", "http"], "https://git.example.com/observability/blob/main/docs/runbooks.md") ??
            (value.includes("#") ? "must be a URL without #fragment (each rule adds its section's anchor)" : undefined)
          : /^[\w./-]+$/.test(value)
            ? undefined
            : "must be an http(s) URL without #fragment, like https://git.example.com/observability/blob/main/docs/runbooks.md, or a relative path like docs/runbooks.md",
      goTemplateLiteralProblem,
    )
      .default("docs/runbooks.md")
      .describe("Where people read docs/runbooks.md (e.g. its page on your Git host); every rule links to its section there."),
    /** Share of the app's requests answered with a 5xx status. */
    highErrorRate: thresholdPair(share, 0.01, 0.05, "5m").describe("Share of the app's requests answered with a 5xx status."),
    /** 95th percentile response time of the app, in seconds. */
    highResponseTime: thresholdPair(seconds, 1, 3, "5m").describe("95th percentile response time of the app, in seconds."),
    applicationDown: forOnly("1m"),
    /** Active database connections of one app instance. */
    highDatabaseConnections: threshold(count, 80, "5m").describe("Active database connections of one app instance."),
    /** Share of trades that fail, per exchange. */
    highTradeFailureRate: thresholdPair(share, 0.05, 0.1, "5m").describe("Share of trades that fail, per exchange."),
    /** 95th percentile order execution time per exchange, in seconds. */
    slowOrderExecution: threshold(seconds, 5, "5m").describe("95th percentile order execution time per exchange, in seconds."),
    /** Share of a node's CPU time spent busy. */
    highCpuUsage: thresholdPair(share, 0.7, 0.9, "10m").describe("Share of a node's CPU time spent busy."),
    /** Share of a node's memory not available to new processes. */
    highMemoryUsage: thresholdPair(share, 0.8, 0.95, "5m").describe("Share of a node's memory not available to new processes."),
    /** Share of a node's real (not in-memory, not read-only) filesystem in use. */
    highDiskUsage: thresholdPair(share, 0.8, 0.95, "5m").describe("Share of a node's real (not in-memory, not read-only) filesystem in use."),
    /** Share of a monitoring PVC in use; the warning also needs the volume to be filling up (see docs/runbooks.md). */
    monitoringVolumeFull: thresholdPair(share, 0.8, 0.95, "5m").describe("Share of a monitoring PVC in use; the warning also needs the volume to be filling up (see docs/runbooks.md)."),
    targetDown: forOnly("5m"),
    prometheusRuleEvaluationFailures: forOnly("5m"),
    prometheusNotificationsFailing: forOnly("5m"),
    prometheusNotConnectedToAlertmanagers: forOnly("5m"),
    alertmanagerNotificationsFailing: forOnly("5m"),
    lokiDown: forOnly("5m"),
    lokiDiscardingLogs: forOnly("15m"),
    logAgentDown: forOnly("5m"),
    logAgentDroppingLogs: forOnly("5m"),
    /** Which namespaces the Kubernetes alerts (pods, workloads, volumes) watch; node alerts watch every node. */
    kubernetes: z
      .object({
        namespaces: z
          .array(dnsLabel)
          .optional()
          .describe(
            "Namespaces whose pods, workloads and volumes the Kubernetes alerts watch. Unset: the app's namespaces (app.namespaces) plus the stack's own two; when app.namespaces is empty (the app is discovered everywhere), every namespace. An empty list also means every namespace.",
          ),
      })
      .strict()
      .default({}),
    kubePodCrashLooping: forOnly("15m").describe("KubePodCrashLooping: how long a container must keep crash-looping (CrashLoopBackOff)."),
    kubePodNotReady: forOnly("15m").describe("KubePodNotReady: how long a pod (not a Job's) may stay Pending or Unknown."),
    kubeDeploymentReplicasMismatch: forOnly("15m").describe("KubeDeploymentReplicasMismatch: how long a Deployment may have fewer available replicas than it wants, with no rollout progress."),
    kubeDeploymentRolloutStuck: forOnly("15m").describe("KubeDeploymentRolloutStuck: how long a Deployment's Progressing condition may stay false."),
    kubeStatefulSetReplicasMismatch: forOnly("15m").describe("KubeStatefulSetReplicasMismatch: how long a StatefulSet may have fewer ready replicas than it wants, with no rollout progress."),
    kubeDaemonSetRolloutStuck: forOnly("15m").describe("KubeDaemonSetRolloutStuck: how long a DaemonSet's pods may stay unscheduled, outdated, unavailable or misscheduled without progress."),
    kubeContainerWaiting: forOnly("1h").describe("KubeContainerWaiting: how long a container may wait (image pull, config error…); crash loops have their own alert."),
    kubeJobFailed: forOnly("15m").describe("KubeJobFailed: how long a failed Job is reported before the alert fires."),
    kubeContainerOOMKilled: z
      .object({ window: duration.default("10m").describe("How far back a restart caused by an OOM kill raises the alert; it resolves this long after the last one.") })
      .strict()
      .default({})
      .describe("KubeContainerOOMKilled: a container restarted after being killed for exceeding its memory limit."),
    containerMemoryNearLimit: threshold(share, 0.9, "15m").describe("ContainerMemoryNearLimit: share of a container's memory limit its working set uses (0.9 = 90%), and for how long."),
    cpuThrottlingHigh: threshold(share, 0.25, "15m").describe("CPUThrottlingHigh: share of a container's CFS periods in which it was throttled (0.25 = 25%), and for how long."),
    kubePersistentVolumeFillingUp: thresholdPair(share, 0.85, 0.97, "5m").describe(
      "KubePersistentVolumeFillingUp: share of a PVC in use; the warning also needs it full within 4 days at the last 6h's rate, the critical does not.",
    ),
    kubePersistentVolumeErrors: forOnly("5m").describe("KubePersistentVolumeErrors: how long a PersistentVolume may stay Failed or Pending."),
    kubeNodeNotReady: forOnly("15m").describe("KubeNodeNotReady: how long a node may report Ready=false or unknown."),
    kubeletDown: forOnly("15m").describe("KubeletDown: how long a kubelet's /metrics or /metrics/cadvisor scrape may fail."),
    kubeStateMetricsDown: forOnly("5m").describe("KubeStateMetricsDown: how long kube-state-metrics may fail its scrapes (every Kubernetes alert is blind meanwhile)."),
    nodeFilesystemSpaceFillingUp: thresholdPair(share, 0.85, 0.9, "1h").describe(
      "NodeFilesystemSpaceFillingUp: share of a node filesystem in use, with the last 6h's trend running it out of space (warning: within 24h, critical: within 4h).",
    ),
    nodeFilesystemAlmostOutOfSpace: thresholdPair(share, 0.95, 0.97, "30m").describe("NodeFilesystemAlmostOutOfSpace: share of a node filesystem in use, trend or not."),
  })
  .strict()
  .default({});
export type AlertSettings = z.infer<typeof alertsSchema>;

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
    /** The DaemonSet that ships logs to Loki. Promtail is end-of-life; Alloy is its supported successor. */
    logAgent: z.enum(["promtail", "alloy", "none"], { errorMap: () => ({ message: "must be one of promtail, alloy, none" }) }).default("promtail").describe("The DaemonSet that ships logs to Loki. Promtail is end-of-life; Alloy is its supported successor."),
    promtail: agentResources("50m", "64Mi", "256Mi"),
    alloy: agentResources("50m", "128Mi", "512Mi"),
    /** Send logs to an external Loki (e.g. Grafana Cloud) instead of the in-cluster one; password: `observability:externalLokiPassword`. */
    externalLoki: externalLokiSchema
      .optional()
      .describe("An external Loki {url, username} (e.g. Grafana Cloud): the log agents push to url, Grafana's Loki datasource reads from it (url without /loki/api/v1/push), both with basic auth; password: observability:externalLokiPassword (needs write and read access). No in-cluster Loki unless loki.enabled is true."),
    nodeExporter: agentSchema("20m", "32Mi", "128Mi"),
    mailCatcher: z
      .object({
        enabled: z.boolean().default(false),
        resources: resources("10m", "32Mi", "128Mi"),
      })
      .strict()
      .default({})
      .describe(
        "An in-cluster mail catcher (Mailpit) for laptop clusters (enabled: false; the dev stack turns it on): Alertmanager's smarthost becomes its Service, without TLS or auth, so every email receiver delivers there and nothing leaves the cluster; read the mail at http://localhost:8025 after the port-forward in the stack output portForward.mailpit. Messages live in memory (no volume).",
      ),
    /** kube-state-metrics: the cluster's objects (pods, workloads, nodes, volumes) as metrics, for the Kubernetes alerts and dashboards. */
    kubeStateMetrics: agentSchema("10m", "190Mi", "250Mi").describe(
      "kube-state-metrics (enabled: true): the state of pods, workloads, nodes and volumes, for the Kubernetes alerts and dashboards; resources: {cpu, memory, memoryLimit}.",
    ),
    /** Namespace of the agents that need host access (log agent, node-exporter); default `<namespace>-agents`. */
    agentsNamespace: namespaceName.optional().describe("Namespace of the agents that need host access (log agent, node-exporter); default <namespace>-agents."),
    /** Protect PVCs and namespaces from `pulumi destroy` and keep them if the stack forgets them. */
    protectData: z.boolean().default(false).describe("Protect PVCs and namespaces from pulumi destroy and keep them if the stack forgets them."),
    networkPolicies: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe("Default-deny NetworkPolicies in both namespaces, then exactly the paths the stack uses. A CNI that ignores NetworkPolicies loses nothing by it."),
        /** Namespace of the ingress controller allowed to reach Grafana. */
        ingressNamespace: dnsLabel.default("ingress-nginx").describe("Namespace of the ingress controller allowed to reach Grafana."),
        /** Where the nodes' addresses lie: node-exporter listens on the host network. */
        nodeCidrs: z.array(cidr).nonempty().default(PRIVATE_RANGES).describe("Where the nodes' addresses lie: node-exporter listens on the host network."),
        /** Where the Kubernetes API server lies, for service discovery. */
        apiServerCidrs: z.array(cidr).nonempty().default(PRIVATE_RANGES).describe("Where the Kubernetes API server lies, for service discovery."),
        apiServerPorts: z.array(z.number().int("must be a port between 1 and 65535").min(1, "must be a port between 1 and 65535").max(65535, "must be a port between 1 and 65535")).nonempty().default([443, 6443]),
        podCidrs: z
          .array(internetExceptCidr)
          .default(PRIVATE_RANGES_V4_V6)
          .describe(
            "The cluster's pod address ranges, left out of every internet egress rule (SMTP, Slack, Discord, plugins, remote write). Default: every private range, which holds the pod range of kubeadm, kind, k3s, EKS, GKE and AKS; set your cluster's own to let Alertmanager reach a relay at another private address.",
          ),
        serviceCidrs: z
          .array(internetExceptCidr)
          .default(["10.96.0.0/12"])
          .describe("The cluster's Service (ClusterIP) ranges, left out of internet egress like podCidrs. Default: kubeadm's and kind's 10.96.0.0/12."),
        dns: z
          .object({
            namespace: dnsLabel.default("kube-system").describe("Namespace of the cluster DNS pods."),
            podLabels: z
              .record(labelKey, labelValue)
              .refine((labels) => Object.keys(labels).length > 0, { message: "must name at least one label, e.g. {k8s-app: kube-dns}" })
              .default({ "k8s-app": "kube-dns" })
              .describe("Labels of the cluster DNS pods (CoreDNS keeps kube-dns's k8s-app: kube-dns)."),
          })
          .strict()
          .default({})
          .describe("The cluster DNS pods: the only destination of DNS egress (port 53) from the stack's pods."),
      })
      .strict()
      .default({}),
  })
  .strict();

type ParsedSettings = z.infer<typeof settingsSchema>;
export type StackSettings = Omit<ParsedSettings, "images" | "agentsNamespace" | "loki"> & {
  images: Images;
  agentsNamespace: string;
  /** `enabled` resolved: unset means in-cluster Loki unless externalLoki is set. */
  loki: ParsedSettings["loki"] & { enabled: boolean };
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


function describeIssue(issue: z.ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys.map((key) => `${settingKey([...issue.path, key])}: unknown setting; allowed here: ${allowed.join(", ")}`);
  }
  if (issue.code === "invalid_type" && issue.received === "undefined") {
    return [`${settingKey(issue.path)}: is required`];
  }
  // `.int("...")` reports a float as invalid_type: its own message says what is allowed.
  if (issue.code === "invalid_type" && !(issue.expected === "integer" && !issue.message.startsWith("Expected "))) {
    return [`${settingKey(issue.path)}: must be ${issue.expected}, got ${issue.received}`];
  }
  return [`${settingKey(issue.path)}: ${issue.message}`];
}

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
  const result = settingsSchema.safeParse(decodeAsSchema(settingsSchema, values));
  const secretValueProblems = SECRET_KEYS.flatMap((key) => {
    const value = raw.secrets[key]?.value;
    const problem = value === undefined ? undefined : secretValueProblem(key, value);
    return problem ? [`${settingKey([key])}: ${problem}`] : [];
  });
  if (!result.success || securedProblems.length > 0 || secretValueProblems.length > 0) {
    throw new SettingsError([...securedProblems, ...(result.success ? [] : firstPerKey(result.error.issues.flatMap(describeIssue))), ...secretValueProblems]);
  }

  const secretsSet = Object.fromEntries(SECRET_KEYS.map((key) => [key, raw.secrets[key] !== undefined])) as Record<SecretKey, boolean>;
  const parsed = result.data;
  const settings: StackSettings = {
    ...parsed,
    images: { ...defaultImages, ...stripUndefined(parsed.images) },
    agentsNamespace: parsed.agentsNamespace ?? `${parsed.namespace}-agents`,
    loki: { ...parsed.loki, enabled: parsed.loki.enabled ?? parsed.externalLoki === undefined },
    secretsSet,
  };
  const problems = [
    ...secretProblems(settings, raw.secrets),
    ...endpointSecretProblems(settings),
    ...dependencyProblems(settings),
    ...derivedNameProblems(settings, parsed.agentsNamespace === undefined),
    ...scrapeJobProblems(settings),
    ...rateWindowProblems(settings),
  ];
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** What a secret's program reads it as: a webhook is an https URL; anything else is a non-empty value. The message never holds the value. */
function secretValueProblem(key: SecretKey, value: string): string | undefined {
  if (value.trim() === "") return "must not be empty";
  if (key.endsWith("WebhookUrl")) return urlProblem(value, ["https"], "https://hooks.example.com/services/… (the webhook carries its own credentials)");
  return undefined;
}

/** Names the stack derives from settings must meet the same grammar as the settings themselves. */
function derivedNameProblems(settings: StackSettings, agentsNamespaceDerived: boolean): string[] {
  const problem = agentsNamespaceDerived ? dns1123LabelProblem(settings.agentsNamespace) : undefined;
  return problem
    ? [`${settingKey(["namespace"])}: is too long for the agents' namespace derived from it (${settings.agentsNamespace}, ${problem}); shorten it or set ${settingKey(["agentsNamespace"])}`]
    : [];
}

/**
 * Scrape job names the stack uses itself, read from the Prometheus config builder with every service
 * and exporter on, so the list cannot drift from the jobs it writes. kube-state-metrics is reserved
 * even before its job exists, because its alerts select on that name.
 */
export function builtInJobNames(settings: StackSettings): string[] {
  const sentinel = "app-job-sentinel";
  const everyService = new Proxy({}, { get: () => ({ kind: "static", targets: ["reserved.invalid:1"] }) });
  const exporters = Object.fromEntries(Object.keys((unwrap(settingsSchema.shape.exporters) as z.AnyZodObject).shape).map((key) => [key, "reserved.invalid:1"]));
  const config = buildPrometheusConfig({
    settings: { ...settings, app: { ...settings.app, job: sentinel, staticTargets: ["reserved.invalid:1"] }, exporters } as StackSettings,
    targets: everyService,
    discoverAppPods: true,
  });
  const names = config.scrape_configs.map((job) => job.job_name).filter((name) => !name.includes(sentinel));
  return [...new Set([...names, "kube-state-metrics"])];
}

function scrapeJobProblems(settings: StackSettings): string[] {
  const key = settingKey(["app", "job"]);
  const builtIn = builtInJobNames(settings);
  if (builtIn.includes(settings.app.job)) return [`${key}: must not be the name of a built-in scrape job (${builtIn.join(", ")})`];
  const names = buildPrometheusConfig({ settings, targets: new Proxy({}, { get: () => ({ kind: "static", targets: ["reserved.invalid:1"] }) }), discoverAppPods: true })
    .scrape_configs.map((job) => job.job_name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  return duplicate ? [`${key}: gives a scrape job the name ${duplicate}, which another job has; choose another name`] : [];
}

/** rate() needs two samples in its window: a window under two scrape intervals of the slowest job it covers returns nothing. */
function rateWindowProblems(settings: StackSettings): string[] {
  const slowest = [settings.app.scrapeInterval, settings.prometheus.scrapeInterval].reduce((a, b) => (durationToMs(a) >= durationToMs(b) ? a : b));
  if (durationToMs(settings.alerts.rateWindow) >= 2 * durationToMs(slowest)) return [];
  return [`${settingKey(["alerts", "rateWindow"])}: must be at least twice the slowest scrape interval it covers (${slowest}), so rate() has two samples; e.g. ${4 * durationToMs(slowest) / 1000}s`];
}

/** One problem per key: a value out of several bounds at once reads best as the one rule it breaks. */
function firstPerKey(problems: string[]): string[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = problem.slice(0, problem.indexOf(": "));
    if (seen.has(key) && !problem.includes("unknown setting")) return false;
    seen.add(key);
    return true;
  });
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
  ];
  return endpoints
    .filter(([on, key]) => on && !settings.secretsSet[key])
    .map(([, key, path]) => `${settingKey([key])}: is required because ${settingKey(path)} is set; set it with: pulumi config set --secret ${settingKey([key])} <value>`);
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
  problems.push(...lokiReplicationProblems(settings));
  if (settings.agentsNamespace === settings.namespace) {
    problems.push(`${settingKey(["agentsNamespace"])}: must differ from ${settingKey(["namespace"])}: the servers' namespace enforces the restricted Pod Security Standard, which the agents cannot meet`);
  }
  return problems;
}

/** HA Loki shares its chunks through object storage; one instance keeps them on its volume. */
function lokiReplicationProblems(settings: StackSettings): string[] {
  const { loki } = settings;
  if (!loki.enabled) return [];
  const replicas = settingKey(["loki", "replicas"]);
  const objectStorage = settingKey(["loki", "objectStorage"]);
  if (loki.replicas >= 3 && loki.objectStorage === undefined) {
    return [
      `${objectStorage}: is required because ${replicas} is ${loki.replicas}: HA instances share their chunks and index through an S3-compatible bucket, e.g. {endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", insecure: true}, with the secret key in ${settingKey(["lokiObjectStorageSecretKey"])}; or set ${replicas} to 1`,
    ];
  }
  if (loki.replicas === 1 && loki.objectStorage !== undefined) {
    return [`${objectStorage}: is only used when ${replicas} is 3 or more (one instance keeps its logs on its volume); remove it or raise ${replicas}`];
  }
  return [];
}
