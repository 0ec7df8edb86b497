import { httpUrl, ServiceAddress } from "./service-address";
import { StackSettings } from "./settings";

/** Where the log agent pushes: the in-cluster Loki, or an external one with basic auth. */
export interface LogDestination {
  url: string;
  basicAuth?: { username: string; passwordFile: string };
}

/** Where a log agent pod mounts its Secret; configs name the file, never the password. */
export const LOG_AGENT_SECRETS_DIR = "/etc/log-agent-secrets";
export const EXTERNAL_LOKI_PASSWORD_FILE = "external-loki-password";

export function logDestination(settings: Pick<StackSettings, "externalLoki">, loki: ServiceAddress | undefined): LogDestination {
  if (settings.externalLoki) {
    return {
      url: settings.externalLoki.url,
      basicAuth: { username: settings.externalLoki.username, passwordFile: `${LOG_AGENT_SECRETS_DIR}/${EXTERNAL_LOKI_PASSWORD_FILE}` },
    };
  }
  if (!loki) throw new Error("a log agent needs Loki or observability:externalLoki (settings/index.ts checks this first)");
  return { url: `${httpUrl(loki)}/loki/api/v1/push` };
}

/** The guide's FastAPI log format: one JSON object a line; these fields become labels, structured metadata or the timestamp. */
export const FASTAPI_LOG_FIELDS = { timestamp: "timestamp", level: "level", message: "message", module: "name" } as const;
/** A handful of values: a stream label. */
export const FASTAPI_LOG_LABELS = ["level"] as const;
/**
 * As many values as the app has modules, and the app's to choose: kept with each line (structured
 * metadata, queryable with `| module="…"`) rather than as a label, where every new value is a new stream.
 */
export const FASTAPI_LOG_METADATA = ["module"] as const;
export const FASTAPI_TIMESTAMP_FORMAT = "RFC3339";

/**
 * The stream selector of the app's JSON log lines: its pods' `app` label, and only in `app.namespaces`:
 * a pod elsewhere with the same label keeps its lines as written (no level, no timestamp of its own).
 */
export function appLogSelector(app: Pick<StackSettings["app"], "logAppLabel" | "namespaces">): string {
  const namespaces = app.namespaces === "all" ? "" : `, namespace=~${JSON.stringify(app.namespaces.join("|"))}`;
  return `{app=${JSON.stringify(app.logAppLabel)}${namespaces}}`;
}

/**
 * Per namespace and node, lines beyond this rate are dropped by the agent (and counted), so one noisy
 * pod cannot use up Loki's ingestion rate for everyone else's logs.
 */
export function namespaceRateLimit(limits: StackSettings["logAgentLimits"]) {
  return { rate: limits.linesPerSecondPerNamespace, burst: limits.burstLinesPerNamespace, by_label_name: "namespace", max_distinct_labels: MAX_TRACKED_NAMESPACES, drop: true };
}
/** Namespaces each agent keeps a rate limiter for (Promtail's and Alloy's minimum, about 1 MiB). */
const MAX_TRACKED_NAMESPACES = 10000;
