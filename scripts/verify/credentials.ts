/**
 * How verify authenticates to each server. Prometheus and Alertmanager put their HTTP API behind
 * basic auth when the stack gives them a web config; the client credentials then live in the Secrets
 * below (keys `username`, `password`) in the servers' namespace. Without those Secrets the servers
 * answer without auth, and so do we. Grafana: the admin user from settings and the password from
 * Grafana's own Secret (the file the pod reads, components/grafana.ts).
 */
import { ADMIN_PASSWORD_FILE } from "../../configs/grafana";
import { basicAuth, ClusterReader } from "./model";

export const WEB_CLIENT_SECRETS = { prometheus: "prometheus-web-client", alertmanager: "alertmanager-web-client" } as const;

/** The Authorization header for Prometheus or Alertmanager: empty when the stack runs them without auth. */
export async function webClientHeaders(cluster: ClusterReader, namespace: string, server: keyof typeof WEB_CLIENT_SECRETS): Promise<Record<string, string>> {
  const secret = await cluster.secret(namespace, WEB_CLIENT_SECRETS[server]);
  if (!secret?.username || secret.password === undefined) return {};
  return basicAuth(secret.username, secret.password);
}

/** Grafana's admin login; undefined when its Secret cannot be found (the checks that need it say so). */
export async function grafanaAdminHeaders(cluster: ClusterReader, namespace: string, adminUser: string): Promise<Record<string, string> | undefined> {
  const secrets = await cluster.secretsLabelled(namespace, { "app.kubernetes.io/name": "grafana" });
  const password = Object.values(secrets).find((data) => data[ADMIN_PASSWORD_FILE] !== undefined)?.[ADMIN_PASSWORD_FILE];
  return password === undefined ? undefined : basicAuth(adminUser, password);
}
