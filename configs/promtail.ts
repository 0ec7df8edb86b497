import { httpUrl, ServiceAddress } from "./service-address";
import { StackSettings } from "./settings";

/** Promtail 3.6 config, field names as in the upstream reference. */
export interface PromtailConfig {
  server: { http_listen_port: number; grpc_listen_port: number; log_level: string };
  positions: { filename: string };
  clients: { url: string; external_labels?: Record<string, string> }[];
  scrape_configs: PromtailScrapeConfig[];
}

export type PipelineStage =
  | { cri: Record<string, never> }
  | { json: { expressions: Record<string, string> } }
  | { labels: Record<string, null> }
  | { timestamp: { source: string; format: string } }
  | { match: { selector: string; stages: PipelineStage[] } };

export interface PromtailScrapeConfig {
  job_name: string;
  kubernetes_sd_configs?: { role: "pod" }[];
  static_configs?: { targets: string[]; labels: Record<string, string> }[];
  relabel_configs?: { source_labels?: string[]; separator?: string; regex?: string; target_label?: string; replacement?: string; action?: string }[];
  pipeline_stages?: PipelineStage[];
}

export const PROMTAIL_HTTP_PORT = 3101;
/** On a hostPath, so a restarted Promtail resumes where it stopped. */
export const PROMTAIL_POSITIONS_DIR = "/var/lib/promtail";

/** The guide's FastAPI log format: one JSON object a line, with an RFC3339 timestamp. */
export function fastapiPipeline(): PipelineStage[] {
  return [
    { json: { expressions: { timestamp: "timestamp", level: "level", message: "message", module: "name" } } },
    { labels: { level: null, module: null } },
    { timestamp: { source: "timestamp", format: "RFC3339" } },
  ];
}

export interface PromtailInputs {
  settings: Pick<StackSettings, "cluster" | "app">;
  loki: ServiceAddress;
}

export function buildPromtailConfig(inputs: PromtailInputs): PromtailConfig {
  const meta = (name: string) => `__meta_kubernetes_${name}`;
  return {
    server: { http_listen_port: PROMTAIL_HTTP_PORT, grpc_listen_port: 0, log_level: "info" },
    positions: { filename: `${PROMTAIL_POSITIONS_DIR}/positions.yaml` },
    clients: [{ url: `${httpUrl(inputs.loki)}/loki/api/v1/push`, external_labels: { cluster: inputs.settings.cluster } }],
    scrape_configs: [
      {
        job_name: "kubernetes-pods",
        kubernetes_sd_configs: [{ role: "pod" }],
        relabel_configs: [
          // Promtail keeps only targets whose __host__ is its own node (HOSTNAME is set to spec.nodeName).
          { source_labels: [meta("pod_node_name")], target_label: "__host__" },
          { source_labels: [meta("pod_phase")], regex: "Pending|Succeeded|Failed", action: "drop" },
          { source_labels: [meta("namespace")], target_label: "namespace" },
          { source_labels: [meta("pod_name")], target_label: "pod" },
          { source_labels: [meta("pod_container_name")], target_label: "container" },
          { source_labels: [meta("pod_label_app_kubernetes_io_name")], regex: "(.+)", target_label: "app" },
          { source_labels: [meta("pod_label_app")], regex: "(.+)", target_label: "app" },
          { source_labels: ["namespace", "app"], separator: "/", target_label: "job" },
          {
            source_labels: [meta("pod_uid"), meta("pod_container_name")],
            separator: "/",
            target_label: "__path__",
            replacement: "/var/log/pods/*$1/*.log",
          },
        ],
        pipeline_stages: [
          { cri: {} },
          { match: { selector: `{app="${inputs.settings.app.logAppLabel}"}`, stages: fastapiPipeline() } },
        ],
      },
      {
        job_name: "system",
        static_configs: [{ targets: ["localhost"], labels: { job: "varlogs", __path__: "/var/log/*log" } }],
      },
    ],
  };
}
