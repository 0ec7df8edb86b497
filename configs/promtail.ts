import { appLogSelector, FASTAPI_LOG_FIELDS, FASTAPI_LOG_LABELS, FASTAPI_LOG_METADATA, FASTAPI_TIMESTAMP_FORMAT, LogDestination, namespaceRateLimit } from "./log-destination";
import { LogRelabelRule, podLogRelabelRules, SYSTEM_LOGS } from "./pod-log-discovery";
import { StackSettings } from "./settings";

/** Promtail 3.6 config, field names as in the upstream reference. */
export interface PromtailConfig {
  server: { http_listen_port: number; grpc_listen_port: number; log_level: string };
  positions: { filename: string };
  clients: { url: string; basic_auth?: { username: string; password_file: string }; external_labels?: Record<string, string> }[];
  scrape_configs: PromtailScrapeConfig[];
}

export type PipelineStage =
  | { cri: Record<string, never> }
  | { json: { expressions: Record<string, string> } }
  | { labels: Record<string, null> }
  | { structured_metadata: Record<string, null> }
  | { limit: ReturnType<typeof namespaceRateLimit> }
  | { timestamp: { source: string; format: string } }
  | { match: { selector: string; stages: PipelineStage[] } };

export interface PromtailScrapeConfig {
  job_name: string;
  kubernetes_sd_configs?: { role: "pod" }[];
  static_configs?: { targets: string[]; labels: Record<string, string> }[];
  relabel_configs?: LogRelabelRule[];
  pipeline_stages?: PipelineStage[];
}

export const PROMTAIL_HTTP_PORT = 3101;
/** On a hostPath, so a restarted Promtail resumes where it stopped. */
export const PROMTAIL_POSITIONS_DIR = "/var/lib/promtail";

export function fastapiPipeline(): PipelineStage[] {
  return [
    { json: { expressions: { ...FASTAPI_LOG_FIELDS } } },
    { labels: Object.fromEntries(FASTAPI_LOG_LABELS.map((label) => [label, null])) },
    { structured_metadata: Object.fromEntries(FASTAPI_LOG_METADATA.map((key) => [key, null])) },
    { timestamp: { source: "timestamp", format: FASTAPI_TIMESTAMP_FORMAT } },
  ];
}

export interface PromtailInputs {
  settings: Pick<StackSettings, "cluster" | "app" | "logAgentLimits">;
  destination: LogDestination;
}

export function buildPromtailConfig(inputs: PromtailInputs): PromtailConfig {
  return {
    server: { http_listen_port: PROMTAIL_HTTP_PORT, grpc_listen_port: 0, log_level: "info" },
    positions: { filename: `${PROMTAIL_POSITIONS_DIR}/positions.yaml` },
    clients: [
      {
        url: inputs.destination.url,
        ...(inputs.destination.basicAuth
          ? { basic_auth: { username: inputs.destination.basicAuth.username, password_file: inputs.destination.basicAuth.passwordFile } }
          : {}),
        external_labels: { cluster: inputs.settings.cluster },
      },
    ],
    scrape_configs: [
      {
        job_name: "kubernetes-pods",
        kubernetes_sd_configs: [{ role: "pod" }],
        relabel_configs: [
          // Promtail keeps only targets whose __host__ is its own node (HOSTNAME is set to spec.nodeName).
          { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "__host__" },
          ...podLogRelabelRules(),
        ],
        pipeline_stages: [
          { cri: {} },
          { limit: namespaceRateLimit(inputs.settings.logAgentLimits) },
          { match: { selector: appLogSelector(inputs.settings.app), stages: fastapiPipeline() } },
        ],
      },
      {
        job_name: "system",
        static_configs: [{ targets: ["localhost"], labels: { job: SYSTEM_LOGS.job, __path__: SYSTEM_LOGS.path } }],
      },
    ],
  };
}
