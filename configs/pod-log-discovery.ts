/** A relabel rule as both Promtail (YAML) and Alloy (`rule` blocks) take it. */
export interface LogRelabelRule {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: "replace" | "keep" | "drop";
}

const meta = (name: string) => `__meta_kubernetes_${name}`;

/**
 * The labels every pod's log stream gets, and the file it is read from. Shared by both log agents,
 * so switching agent keeps every query and dashboard working.
 */
export function podLogRelabelRules(): LogRelabelRule[] {
  return [
    { source_labels: [meta("pod_phase")], regex: "Pending|Succeeded|Failed", action: "drop" },
    { source_labels: [meta("namespace")], target_label: "namespace" },
    { source_labels: [meta("pod_name")], target_label: "pod" },
    { source_labels: [meta("pod_container_name")], target_label: "container" },
    { source_labels: [meta("pod_label_app_kubernetes_io_name")], regex: "(.+)", target_label: "app" },
    { source_labels: [meta("pod_label_app")], regex: "(.+)", target_label: "app" },
    { source_labels: ["namespace", "app"], separator: "/", target_label: "job" },
    { source_labels: [meta("pod_uid"), meta("pod_container_name")], separator: "/", target_label: "__path__", replacement: "/var/log/pods/*$1/*.log" },
  ];
}

/** The node's own log files, as job varlogs. */
export const SYSTEM_LOGS = { job: "varlogs", path: "/var/log/*log" } as const;
