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

/** The guide's FastAPI log format: one JSON object a line; these fields become labels or the timestamp. */
export const FASTAPI_LOG_FIELDS = { timestamp: "timestamp", level: "level", message: "message", module: "name" } as const;
export const FASTAPI_LOG_LABELS = ["level", "module"] as const;
export const FASTAPI_TIMESTAMP_FORMAT = "RFC3339";
