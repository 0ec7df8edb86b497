/**
 * How one service is found by another. In the cluster that is a Service; in tests with real
 * processes it is a list of host:port. Builders take this, never a hand-typed URL.
 */
export type ServiceAddress =
  | { kind: "kubernetes"; service: string; namespace: string; port: number; portName: string }
  | { kind: "static"; targets: string[] };

/** The first address a client should use, e.g. `loki.monitoring.svc.cluster.local:3100`. */
export function hostPort(address: ServiceAddress): string {
  return address.kind === "kubernetes"
    ? `${address.service}.${address.namespace}.svc.cluster.local:${address.port}`
    : address.targets[0];
}

export function httpUrl(address: ServiceAddress): string {
  return `http://${hostPort(address)}`;
}
