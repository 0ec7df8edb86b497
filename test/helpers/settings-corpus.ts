/**
 * A broad corpus of stack settings, most of them wrong, generated from the settings schema: every
 * key with values of every kind it could be given, an unknown key at every level, every rule between
 * settings, every secret rule. test/configs/settings-messages.test.ts pins what parseSettings says
 * about each, so a change to how the settings are organised cannot change a message.
 */
import { createHash } from "crypto";
import { z } from "zod";
import { decodeAsSchema, unwrap } from "../../configs/pulumi-values";
import { parseSettings, RawSettings, SECRET_KEYS, SettingsError, settingsSchema } from "../../configs/settings";

export interface SettingsCase {
  name: string;
  values: Record<string, unknown>;
  secrets?: RawSettings["secrets"];
  securedValues?: string[];
}

/** What parseSettings made of a case: its problems, or a digest of the settings it returned. */
export type Outcome = { problems: string[] } | { settingsSha256: string };

type Path = (string | number)[];

/** Values a required setting is filled with when another key of its object is under test: the first the schema accepts. */
const SAMPLES: unknown[] = ["loki", "minio.storage:9000", "10.0.0.0/8", "grafana-clock-panel@2.1.8", "https://logs.example.net/loki/api/v1/push", "DS_PROMETHEUS", 1, 41, 443, true];

/** Wrong or edge values for each kind of setting; JSON only (the fixture holds them), so `"1e400"` stands for Infinity. */
const STRING_VALUES: unknown[] = [["x"], "", "line\nbreak", "a".repeat(64), "https://user:pw@example.com/#frag"];
const NUMBER_VALUES: unknown[] = ["abc", -1, 1.5, 1e21, "1e400"];
const BOOLEAN_VALUES: unknown[] = ["yes", 1];
const ENUM_VALUES: unknown[] = ["bogus", 1];
const OBJECT_VALUES: unknown[] = ["not-an-object", null];

const NO_VALUE = Symbol("no value");

/** Objects whose fields are checked against each other (a probe's url by its module): a whole sample. */
const OBJECT_SAMPLES: Record<string, unknown> = { "probes[]": { name: "website", url: "https://shop.example.com/" } };

/** A value `schema` accepts, or NO_VALUE when it may be left out. */
function sample(schema: z.ZodTypeAny, where: string): unknown {
  if (schema.safeParse(undefined).success) return NO_VALUE;
  const inner = unwrap(schema);
  const accepted = (value: unknown) => schema.safeParse(decodeAsSchema(schema, value)).success;
  let candidates: unknown[];
  if (inner instanceof z.ZodObject) candidates = [requiredFields(inner, where)];
  else if (inner instanceof z.ZodArray) candidates = [[], [sample(inner.element, `${where}[]`)]];
  else if (inner instanceof z.ZodRecord) candidates = [{}, ...SAMPLES.filter((key) => typeof key === "string").map((key) => ({ [key as string]: sample(inner.valueSchema, `${where}.*`) }))];
  else if (inner instanceof z.ZodEnum) candidates = [inner.options[0]];
  else candidates = SAMPLES;
  const found = candidates.find(accepted);
  if (found === undefined) throw new Error(`settings corpus: no sample value for ${where}; add one to SAMPLES`);
  return found;
}

/** An object holding only the fields its schema requires, each with a sample value. */
function requiredFields(schema: z.AnyZodObject, where: string): Record<string, unknown> {
  const preset = OBJECT_SAMPLES[where.replace(/\[\d+\]/g, "[]")];
  if (preset) return { ...(preset as object) };
  const object: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodTypeAny>)) {
    const value = sample(field, `${where}.${key}`);
    if (value !== NO_VALUE) object[key] = value;
  }
  return object;
}

/** `value` at `path` inside `base`, creating each structure on the way with the fields it requires. */
function placeAt(schema: z.ZodTypeAny, base: unknown, path: Path, value: unknown, where = ""): unknown {
  if (path.length === 0) return value;
  const [segment, ...rest] = path;
  const inner = unwrap(schema);
  if (inner instanceof z.ZodArray) {
    const list = Array.isArray(base) ? [...base] : [];
    list[segment as number] = placeAt(inner.element, list[segment as number], rest, value, `${where}[${segment}]`);
    return list;
  }
  const object: Record<string, unknown> =
    base !== null && typeof base === "object" && !Array.isArray(base) ? { ...(base as object) } : inner instanceof z.ZodObject && where !== "" ? requiredFields(inner, where) : {};
  const child = inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodTypeAny>)[segment] : (inner as z.ZodRecord).valueSchema;
  object[segment] = placeAt(child, object[segment], rest, value, where ? `${where}.${segment}` : String(segment));
  return object;
}

interface Site {
  path: Path;
  schema: z.ZodTypeAny;
}

/** Every place a value can be set, outermost first, in the schema's key order; a list's element is at [0], a record's value at a sample key. */
function sites(schema: z.ZodTypeAny, path: Path = []): Site[] {
  const inner = unwrap(schema);
  const here = path.length > 0 ? [{ path, schema }] : [];
  if (inner instanceof z.ZodObject) {
    return [...here, ...Object.entries(inner.shape as Record<string, z.ZodTypeAny>).flatMap(([key, field]) => sites(field, [...path, key]))];
  }
  if (inner instanceof z.ZodArray) return [...here, ...sites(inner.element, [...path, 0])];
  if (inner instanceof z.ZodRecord) {
    const key = SAMPLES.find((k) => typeof k === "string" && inner.keySchema.safeParse(k).success) as string;
    return [...here, ...sites(inner.valueSchema, [...path, key])];
  }
  return here;
}

function valuesFor(schema: z.ZodTypeAny, where: string): unknown[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodString) return STRING_VALUES;
  if (inner instanceof z.ZodNumber) return NUMBER_VALUES;
  if (inner instanceof z.ZodBoolean) return BOOLEAN_VALUES;
  if (inner instanceof z.ZodEnum || inner instanceof z.ZodLiteral) return ENUM_VALUES;
  if (inner instanceof z.ZodObject) return [...OBJECT_VALUES, "__unknown_key__"];
  // Each alternative's wrong values (a value wrong for one may be right for another: the case says which).
  if (inner instanceof z.ZodUnion) {
    const values = (inner.options as z.ZodTypeAny[]).flatMap((option) => valuesFor(option, where));
    return values.filter((value, i) => values.findIndex((other) => JSON.stringify(other) === JSON.stringify(value)) === i);
  }
  if (inner instanceof z.ZodArray) {
    const element = sample(inner.element, `${where}[]`);
    return ["not-a-list", [], [element, element]];
  }
  if (inner instanceof z.ZodRecord) return [[], { "bad key!": sample(inner.valueSchema, `${where}.*`) }];
  throw new Error(`settings corpus: no values for ${where} (${inner.constructor.name}); teach the corpus this kind`);
}

const pathName = (path: Path) => path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");

function caseAt(path: Path, value: unknown): SettingsCase {
  const where = pathName(path);
  const [top, ...rest] = path;
  const topSchema = (settingsSchema.shape as Record<string, z.ZodTypeAny>)[top as string];
  if (value === "__unknown_key__") {
    const withUnknown =
      rest.length === 0 ? { ...requiredFields(unwrap(topSchema) as z.AnyZodObject, String(top)), unknownSetting: 1 } : placeAt(topSchema, undefined, [...rest, "unknownSetting"], 1, String(top));
    return { name: `${where}.unknownSetting = 1`, values: { [top]: withUnknown } };
  }
  return { name: `${where} = ${JSON.stringify(value)}`, values: { [top]: placeAt(topSchema, undefined, rest, value, String(top)) } };
}

/** Rules between settings and about secrets: each way to break one, and next to it a way to meet it. */
function ruleCases(): SettingsCase[] {
  const allSecrets = Object.fromEntries(SECRET_KEYS.map((key) => [key, { secure: true }]));
  const cases: SettingsCase[] = [
    { name: "no settings at all", values: {} },
    { name: "unknown top-level key", values: { prometeus: { retention: "1d" } } },
    { name: "two unknown keys in one object", values: { grafana: { adminUsr: "a", rooturl: "b" } } },
    { name: "a structure as Pulumi hands it: JSON text", values: { prometheus: '{"retention":"1d","storageGi":"x"}' } },
    { name: "a structure as JSON text that is not JSON", values: { prometheus: "{retention: 1d" } },
    { name: "a secret key among the plain values is dropped", values: { smtpPassword: "plain" } },
    { name: "a plain setting stored as a secret", values: {}, securedValues: ["prometheus"] },
    { name: "two plain settings stored as secrets", values: { alerts: {} }, securedValues: ["alertmanager", "alerts"] },
    { name: "a secret setting listed as a secured value", values: {}, securedValues: ["smtpPassword"] },
    { name: "SMTP auth without its password", values: { alertmanager: { smtp: { authUsername: "alerts@example.com" } } } },
    { name: "SMTP auth with its password", values: { alertmanager: { smtp: { authUsername: "alerts@example.com" } } }, secrets: { smtpPassword: { secure: true } } },
    { name: "Slack and Discord on without webhooks", values: { alertmanager: { slack: { enabled: true }, discord: { enabled: true } } } },
    { name: "Slack and Discord on with webhooks", values: { alertmanager: { slack: { enabled: true }, discord: { enabled: true } } }, secrets: { slackWebhookUrl: { secure: true }, discordWebhookUrl: { secure: true } } },
    { name: "receivers without secrets while Alertmanager is off", values: { alertmanager: { enabled: false, slack: { enabled: true }, smtp: { authUsername: "a" } } } },
    { name: "remote write without its password", values: { prometheus: { remoteWrite: { url: "https://prom.example.net/api/prom/push", username: "1" } } } },
    { name: "remote write while Prometheus is off", values: { prometheus: { enabled: false, remoteWrite: { url: "https://prom.example.net/api/prom/push", username: "1" } }, grafana: { enabled: false } } },
    { name: "external Loki without its password", values: { externalLoki: { url: "https://logs.example.net/loki/api/v1/push", username: "1" } } },
    { name: "external Loki without a log agent", values: { externalLoki: { url: "https://logs.example.net/loki/api/v1/push", username: "1" }, logAgent: "none" } },
    { name: "external Loki URL without the push path", values: { externalLoki: { url: "https://logs.example.net/", username: "1" } } },
    { name: "external Loki URL that is only the push path", values: { externalLoki: { url: "https:///loki/api/v1/push", username: "1" } } },
    { name: "external Loki with an empty username", values: { externalLoki: { url: "https://logs.example.net/loki/api/v1/push", username: "" } }, secrets: { externalLokiPassword: { secure: true } } },
    { name: "three Loki replicas without object storage", values: { loki: { replicas: 3 } } },
    { name: "three Loki replicas with object storage, no secret key", values: { loki: { replicas: 3, objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki" } } } },
    { name: "three Loki replicas with object storage and its secret key", values: { loki: { replicas: 3, objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", insecure: true, egressCidrs: ["10.0.0.0/8"] } } }, secrets: { lokiObjectStorageSecretKey: { secure: true } } },
    { name: "one Loki replica with object storage", values: { loki: { objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki" } } }, secrets: { lokiObjectStorageSecretKey: { secure: true } } },
    { name: "two Loki replicas", values: { loki: { replicas: 2 } } },
    { name: "object storage while Loki is off", values: { loki: { enabled: false, replicas: 3, objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki" } }, logAgent: "none" } },
    ...["a..b", "192.168.1.1", "xn--bucket", "bucket-s3alias", "Bucket", "ab"].map((bucket) => ({
      name: `object storage bucket ${bucket}`,
      values: { loki: { replicas: 3, objectStorage: { endpoint: "minio.storage:9000", bucket, accessKeyId: "loki" } } },
      secrets: { lokiObjectStorageSecretKey: { secure: true } },
    })),
    { name: "mail catcher with SMTP auth", values: { mailCatcher: { enabled: true }, alertmanager: { smtp: { authUsername: "a" } } }, secrets: { smtpPassword: { secure: true } } },
    { name: "log agent while Loki is off", values: { loki: { enabled: false } } },
    { name: "alloy while Loki is off", values: { loki: { enabled: false }, logAgent: "alloy" } },
    { name: "no log agent while Loki is off", values: { loki: { enabled: false }, logAgent: "none" } },
    { name: "Grafana without Prometheus", values: { prometheus: { enabled: false } } },
    { name: "agents in the servers' namespace", values: { namespace: "obs", agentsNamespace: "obs" } },
    { name: "a namespace too long for the derived agents' namespace", values: { namespace: "a".repeat(60) } },
    { name: "a long namespace with its own agents' namespace", values: { namespace: "a".repeat(60), agentsNamespace: "agents" } },
    { name: "rate window under two scrape intervals", values: { app: { scrapeInterval: "30s" }, alerts: { rateWindow: "45s" } } },
    { name: "rate window under two Prometheus scrape intervals", values: { prometheus: { scrapeInterval: "1m" }, alerts: { rateWindow: "90s" } } },
    { name: "rate window exactly two scrape intervals", values: { app: { scrapeInterval: "30s" }, alerts: { rateWindow: "60s" } } },
    { name: "a warning above its critical", values: { alerts: { highCpuUsage: { warning: 0.9, critical: 0.7 } } } },
    { name: "a warning equal to its critical, and an invalid one", values: { alerts: { highErrorRate: { warning: 0.5, critical: 0.5 }, highMemoryUsage: { warning: 2, critical: 0.5 } } } },
    { name: "a memory request above its limit", values: { grafana: { resources: { memory: "2Gi", memoryLimit: "1Gi" } } } },
    { name: "a memory request above a bad limit", values: { grafana: { resources: { memory: "2Gi", memoryLimit: "lots" } } } },
    { name: "the same plugin twice", values: { grafana: { plugins: ["grafana-clock-panel@2.1.8", "grafana-clock-panel@2.1.9"] } } },
    { name: "the same community dashboard twice", values: { grafana: { communityDashboards: [{ id: 1860, revision: 41 }, { id: 1860, revision: 42 }] } } },
    { name: "a community dashboard with every field", values: { grafana: { communityDashboards: [{ id: 1860, revision: 41, folder: "Infrastructure", datasources: { DS_PROMETHEUS: "prometheus", DS_LOKI: "loki" }, sha256: "a".repeat(64) }] } } },
    { name: "a community dashboard without id or revision", values: { grafana: { communityDashboards: [{ folder: "Infrastructure" }] } } },
    { name: "an empty DNS pod label set", values: { networkPolicies: { dns: { podLabels: {} } } } },
    { name: "a Grafana ingress without host", values: { grafana: { ingress: { className: "nginx" } } } },
    { name: "every service off", values: { prometheus: { enabled: false }, alertmanager: { enabled: false }, grafana: { enabled: false }, loki: { enabled: false }, logAgent: "none", nodeExporter: { enabled: false }, kubeStateMetrics: { enabled: false }, networkPolicies: { enabled: false } } },
    { name: "everything on, every secret", values: { prometheus: { replicas: 2, remoteWrite: { url: "https://prom.example.net/api/prom/push", username: "1" } }, alertmanager: { replicas: 3, smtp: { authUsername: "a" }, slack: { enabled: true, severities: ["critical", "warning"] }, discord: { enabled: true } }, loki: { replicas: 3, objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki" } }, exporters: { redis: "redis:9121", postgres: "pg:9187" }, app: { staticTargets: ["app.example.net:8000"], namespaces: ["shop"] }, grafana: { ingress: { host: "grafana.example.com", tlsSecretName: "tls" }, plugins: ["grafana-clock-panel@2.1.8"] } }, secrets: allSecrets },
    { name: "an app job with static targets", values: { app: { job: "shop", staticTargets: ["10.0.0.5:8000"] } } },
    { name: "a Prometheus volume too small for its retention at the expected load", values: { prometheus: { storageGi: 1, retention: "30d" }, capacity: { activeSeries: 200000 } } },
    { name: "a Prometheus memory limit below its head", values: { prometheus: { resources: { memoryLimit: "512Mi" } }, capacity: { activeSeries: 1000000 } } },
    { name: "a Loki volume too small for its retention", values: { loki: { storageGi: 2, retention: "720h" }, capacity: { logGbPerDay: 5 } } },
    { name: "a Loki memory limit below its streams", values: { loki: { resources: { memory: "128Mi", memoryLimit: "128Mi" } } } },
    { name: "a Loki rate limit below the average log rate", values: { loki: { ingestionRateMb: 1, ingestionBurstMb: 1 }, capacity: { logGbPerDay: 200 } } },
    { name: "an HA Loki keeps its retention in the bucket, not on its volume", values: { loki: { replicas: 3, storageGi: 2, retention: "720h", objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki" } }, capacity: { logGbPerDay: 50 } }, secrets: { lokiObjectStorageSecretKey: { secure: true } } },
    { name: "a load given as series and samples per second", values: { capacity: { activeSeries: 50000, samplesPerSecond: 10000 } } },
    // Probes: each module's target grammar, ICMP's opt-in, Prometheus to run them.
    ...[
      ["http_2xx", "https://Shop.example.com"],
      ["http_2xx", "https://shop.example.com/a%zzb"],
      ["http_2xx", "https://shop.example.com/./health"],
      ["http_2xx", "ftp://shop.example.com/"],
      ["http_post_2xx", "http://[fd00::1]:8080/hook"],
      ["tcp_connect", "https://shop.example.com/"],
      ["tcp_connect", "postgres.trading.svc.cluster.local:5432"],
      ["tcp_connect", "shop.example.com"],
      ["icmp", "shop.example.com"],
      ["icmp", "010.0.0.1"],
    ].map(([module, url]) => ({ name: `a ${module} probe of ${url}`, values: { probes: [{ name: "p", url, module }] } })),
    { name: "an icmp probe without allowIcmp", values: { probes: [{ name: "router", url: "203.0.113.1", module: "icmp" }] } },
    { name: "an icmp probe with allowIcmp", values: { probes: [{ name: "router", url: "2001:db8::1", module: "icmp" }], blackboxExporter: { allowIcmp: true } } },
    { name: "probes while Prometheus is off", values: { probes: [{ name: "site", url: "https://shop.example.com/" }], prometheus: { enabled: false }, grafana: { enabled: false } } },
    { name: "a probe interval the rate window cannot hold twice", values: { probes: [{ name: "site", url: "https://shop.example.com/" }], blackboxExporter: { interval: "5m" } } },
    { name: "a slow probe interval with no probes", values: { blackboxExporter: { interval: "5m" } } },
    { name: "a certificate critical above its warning", values: { alerts: { certificateExpiringSoon: { warningDays: 7, criticalDays: 10 } } } },
    // SSO: its secret, https, and the login form only once SSO is there.
    ...(() => {
      const oidc = { clientId: "grafana", authUrl: "https://id.example.com/auth", tokenUrl: "https://id.example.com/token", apiUrl: "https://id.example.com/userinfo" };
      const secret = { grafanaOidcClientSecret: { secure: true } };
      const https = { ingress: { host: "grafana.example.com", tlsSecretName: "tls" } };
      return [
        { name: "SSO without its client secret", values: { grafana: { ...https, auth: { oidc } } } },
        { name: "SSO with its client secret behind a TLS Ingress", values: { grafana: { ...https, auth: { oidc } } }, secrets: secret },
        { name: "SSO behind an Ingress without TLS", values: { grafana: { ingress: { host: "grafana.example.com" }, auth: { oidc } } }, secrets: secret },
        { name: "SSO on an http root URL", values: { grafana: { rootUrl: "http://grafana.example.com", auth: { oidc } } }, secrets: secret },
        { name: "SSO on localhost over http", values: { grafana: { auth: { oidc } } }, secrets: secret },
        { name: "SSO while Grafana is off", values: { grafana: { enabled: false, auth: { oidc, disableLoginForm: true } } } },
        { name: "the login form off without SSO", values: { grafana: { auth: { disableLoginForm: true } } } },
        { name: "the login form off with SSO", values: { grafana: { ...https, auth: { oidc, disableLoginForm: true } } }, secrets: secret },
        ...["contains(groups[*], 'admin') && 'Admin' || 'Viewer'", "'Viewer'", "contains(groups[*], 'admin'", "$.role", 'role == "a"""b"', "roles[?@ == 'a'] | [0]"].map((roleAttributePath) => ({
          name: `SSO with roleAttributePath ${roleAttributePath}`,
          values: { grafana: { ...https, auth: { oidc: { ...oidc, roleAttributePath } } } },
          secrets: secret,
        })),
      ];
    })(),
  ];
  // Every name a built-in scrape job has, or could have once a service or exporter is on.
  for (const job of ["prometheus", "node-exporter", "alertmanager", "grafana", "loki", "promtail", "alloy", "kube-state-metrics", "kube-state-metrics-telemetry", "redis", "postgresql", "kubelet", "kubelet-cadvisor", "blackbox", "fastapi-static", "prometheus-static"]) {
    cases.push({ name: `app.job = ${job}`, values: { app: { job } } });
    cases.push({ name: `app.job = ${job} with static targets and every service off`, values: { app: { job, staticTargets: ["10.0.0.5:8000"] }, prometheus: { enabled: false }, grafana: { enabled: false }, alertmanager: { enabled: false }, loki: { enabled: false }, logAgent: "none" } });
  }
  for (const key of SECRET_KEYS) {
    cases.push({ name: `${key} set without --secret`, values: {}, secrets: { [key]: { secure: false } } });
    for (const value of ["", "  ", "http://hooks.example.com/x", "not a url", "https://hooks.example.com/services/x"]) {
      cases.push({ name: `${key} = ${JSON.stringify(value)}`, values: {}, secrets: { [key]: { secure: true, value } } });
    }
  }
  cases.push({ name: "every secret set without --secret", values: {}, secrets: Object.fromEntries(SECRET_KEYS.map((key) => [key, { secure: false, value: "" }])) });
  return cases;
}

/** One wrong value at every key at once: the order of the messages is pinned too. */
function everyKeyAtOnce(): SettingsCase {
  let values: Record<string, unknown> = {};
  for (const site of sites(settingsSchema)) {
    const inner = unwrap(site.schema);
    if (inner instanceof z.ZodObject || inner instanceof z.ZodArray || inner instanceof z.ZodRecord) continue;
    if (site.path.some((p) => typeof p === "number")) continue;
    const [top, ...rest] = site.path;
    const topSchema = (settingsSchema.shape as Record<string, z.ZodTypeAny>)[top as string];
    values = { ...values, [top]: placeAt(topSchema, values[top as string], rest, valuesFor(site.schema, pathName(site.path))[0], String(top)) };
  }
  return { name: "a wrong type at every key at once", values };
}

export function settingsCorpus(): SettingsCase[] {
  const perKey = sites(settingsSchema).flatMap((site) => valuesFor(site.schema, pathName(site.path)).map((value) => caseAt(site.path, value)));
  return [...perKey, ...ruleCases(), everyKeyAtOnce()];
}

export function outcome(settingsCase: SettingsCase): Outcome {
  try {
    const settings = parseSettings({ values: settingsCase.values, secrets: settingsCase.secrets ?? {}, securedValues: settingsCase.securedValues });
    return { settingsSha256: createHash("sha256").update(JSON.stringify(settings)).digest("hex") };
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    return { problems: err.problems };
  }
}
