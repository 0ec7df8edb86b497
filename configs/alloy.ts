import { appLogSelector, FASTAPI_LOG_FIELDS, FASTAPI_LOG_LABELS, FASTAPI_LOG_METADATA, FASTAPI_TIMESTAMP_FORMAT, LogDestination, namespaceRateLimit } from "./log-destination";
import { LogRelabelRule, podLogRelabelRules, SYSTEM_LOGS } from "./pod-log-discovery";
import { StackSettings } from "./settings";

/**
 * Grafana Alloy's configuration syntax as typed blocks: `name "label" { attr = value  block { … } }`.
 * A Reference is an expression (another component's export), written without quotes.
 */
export class Reference {
  constructor(readonly expression: string) {}
}
export type AlloyValue = string | number | boolean | Reference | AlloyValue[] | { [key: string]: AlloyValue };

export interface AlloyBlock {
  name: string;
  label?: string;
  attributes?: Record<string, AlloyValue>;
  blocks?: AlloyBlock[];
}

export const ALLOY_HTTP_PORT = 12345;
/** On a hostPath: Alloy keeps its read positions here, so a restart neither loses nor re-sends logs. */
export const ALLOY_STORAGE_DIR = "/var/lib/alloy";

const ref = (expression: string) => new Reference(expression);

function relabelRule(rule: LogRelabelRule): AlloyBlock {
  return { name: "rule", attributes: { ...rule } as Record<string, AlloyValue> };
}

function stages(settings: AlloyInputs["settings"]): AlloyBlock[] {
  return [
    { name: "stage.cri" },
    { name: "stage.limit", attributes: namespaceRateLimit(settings.logAgentLimits) },
    {
      name: "stage.match",
      attributes: { selector: appLogSelector(settings.app) },
      blocks: [
        { name: "stage.json", attributes: { expressions: { ...FASTAPI_LOG_FIELDS } } },
        { name: "stage.labels", attributes: { values: Object.fromEntries(FASTAPI_LOG_LABELS.map((label) => [label, ""])) } },
        { name: "stage.structured_metadata", attributes: { values: Object.fromEntries(FASTAPI_LOG_METADATA.map((key) => [key, ""])) } },
        { name: "stage.timestamp", attributes: { source: "timestamp", format: FASTAPI_TIMESTAMP_FORMAT } },
      ],
    },
  ];
}

export interface AlloyInputs {
  settings: Pick<StackSettings, "cluster" | "app" | "logAgentLimits">;
  destination: LogDestination;
}

/** The same discovery, labels and FastAPI pipeline as the Promtail config, for Alloy. */
export function buildAlloyConfig(inputs: AlloyInputs): AlloyBlock[] {
  const { destination } = inputs;
  return [
    {
      name: "discovery.kubernetes",
      label: "pods",
      attributes: { role: "pod" },
      // Only this node's pods: their log files are the ones mounted here.
      blocks: [{ name: "selectors", attributes: { role: "pod", field: ref('"spec.nodeName=" + sys.env("HOSTNAME")') } }],
    },
    {
      name: "discovery.relabel",
      label: "pods",
      attributes: { targets: ref("discovery.kubernetes.pods.targets") },
      blocks: podLogRelabelRules().map(relabelRule),
    },
    { name: "local.file_match", label: "pods", attributes: { path_targets: ref("discovery.relabel.pods.output") } },
    {
      name: "loki.source.file",
      label: "pods",
      attributes: { targets: ref("local.file_match.pods.targets"), forward_to: [ref("loki.process.pods.receiver")] },
    },
    { name: "loki.process", label: "pods", attributes: { forward_to: [ref("loki.write.default.receiver")] }, blocks: stages(inputs.settings) },
    { name: "local.file_match", label: "system", attributes: { path_targets: [{ __path__: SYSTEM_LOGS.path, job: SYSTEM_LOGS.job }] } },
    {
      name: "loki.source.file",
      label: "system",
      attributes: { targets: ref("local.file_match.system.targets"), forward_to: [ref("loki.write.default.receiver")] },
    },
    {
      name: "loki.write",
      label: "default",
      attributes: { external_labels: { cluster: inputs.settings.cluster } },
      blocks: [
        {
          name: "endpoint",
          attributes: { url: destination.url },
          blocks: destination.basicAuth
            ? [{ name: "basic_auth", attributes: { username: destination.basicAuth.username, password_file: destination.basicAuth.passwordFile } }]
            : [],
        },
      ],
    },
  ];
}

function renderValue(value: AlloyValue, indent: string): string {
  if (value instanceof Reference) return value.expression;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => renderValue(v, indent)).join(", ")}]`;
  const inner = `${indent}  `;
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)} = ${renderValue(v, inner)},`);
  return entries.length === 0 ? "{}" : `{\n${entries.join("\n")}\n${indent}}`;
}

function renderBlock(block: AlloyBlock, indent: string): string {
  const header = `${indent}${block.name}${block.label ? ` ${JSON.stringify(block.label)}` : ""} {`;
  const inner = `${indent}  `;
  const lines = [
    ...Object.entries(block.attributes ?? {}).map(([k, v]) => `${inner}${k} = ${renderValue(v, inner)}`),
    ...(block.blocks ?? []).map((b) => renderBlock(b, inner)),
  ];
  return lines.length === 0 ? `${header}}` : `${header}\n${lines.join("\n")}\n${indent}}`;
}

export function toAlloy(blocks: AlloyBlock[]): string {
  return blocks.map((b) => renderBlock(b, "")).join("\n\n") + "\n";
}
