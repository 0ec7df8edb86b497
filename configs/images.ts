/**
 * Every container image the stack runs, pinned to a release. A stack overrides one with
 * `observability:images: {<name>: <image:tag>}`; settings.ts refuses unpinned overrides.
 */
export const defaultImages = {
  prometheus: "quay.io/prometheus/prometheus:v3.14.0",
  alertmanager: "quay.io/prometheus/alertmanager:v0.34.1",
  configReloader: "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1",
  grafana: "docker.io/grafana/grafana:13.2.0",
  loki: "docker.io/grafana/loki:3.7.7",
  // Promtail is end-of-life since 2026-03-02; 3.6.x is its last release line (see README).
  promtail: "docker.io/grafana/promtail:3.6.11",
  alloy: "docker.io/grafana/alloy:v1.19.1",
  nodeExporter: "quay.io/prometheus/node-exporter:v1.12.1",
  kubeStateMetrics: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
  // Fetches grafana.com community dashboards in Grafana's init container (grafana.communityDashboards).
  curl: "docker.io/curlimages/curl:8.22.0",
  // Dev's mail catcher (mailCatcher.enabled): Alertmanager's email lands here instead of a real relay.
  mailpit: "docker.io/axllent/mailpit:v1.33.1",
  // Pinned for the probes and node-exporter's TLS front (not deployed yet); the tests build both (npm run upstream-tools).
  blackboxExporter: "quay.io/prometheus/blackbox-exporter:v0.28.0",
  kubeRbacProxy: "quay.io/brancz/kube-rbac-proxy:v0.19.1",
} as const;

export type ImageName = keyof typeof defaultImages;
export type Images = Record<ImageName, string>;

/** True when the reference names a tag other than `latest`, or a digest. */
export function isPinnedImage(ref: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(ref)) return true;
  const lastSegment = ref.split("/").pop() ?? "";
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return tag.length > 0 && tag !== "latest";
}
