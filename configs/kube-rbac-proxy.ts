/**
 * kube-rbac-proxy in front of node-exporter, as kube-prometheus runs it: TLS on the node's address,
 * and for each request a TokenReview of the caller's bearer token and a SubjectAccessReview of
 * `GET <path>` (a non-resource URL) with the API server; only then is the request passed to
 * node-exporter on loopback. Flags as in kube-rbac-proxy v0.19's `--help`.
 */

/** The one path proxied: node-exporter's metrics. Anything else is refused before any review. */
export const PROXIED_PATHS = ["/metrics"];

export interface KubeRbacProxyInputs {
  /** `host:port` to serve TLS on; in the pod `[$(NODE_IP)]:9100`. */
  listen: string;
  /** node-exporter's own address, e.g. `http://127.0.0.1:9100/`. */
  upstream: string;
  /** Port of the proxy's own unauthenticated `/healthz` (TLS, same host), for the kubelet's probes. */
  healthPort: number;
  /** A kubeconfig to reach the API server; in the pod the proxy uses its service account instead. */
  kubeconfig?: string;
}

export function kubeRbacProxyArgs(inputs: KubeRbacProxyInputs): string[] {
  return [
    `--secure-listen-address=${inputs.listen}`,
    `--upstream=${inputs.upstream}`,
    `--allow-paths=${PROXIED_PATHS.join(",")}`,
    `--proxy-endpoints-port=${inputs.healthPort}`,
    "--tls-min-version=VersionTLS12",
    ...(inputs.kubeconfig ? [`--kubeconfig=${inputs.kubeconfig}`] : []),
  ];
}

/** The ClusterRole rules of the proxy's own account: it asks the API server about each caller, nothing else. */
export const KUBE_RBAC_PROXY_RULES = [
  { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
  { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
];

/** What a caller's account needs to read through the proxy (Prometheus' ClusterRole has it). */
export const METRICS_READER_RULE = { nonResourceURLs: PROXIED_PATHS, verbs: ["get"] };
