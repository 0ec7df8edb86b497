/**
 * What `npm run verify` works with: the result of a check, and the two seams between the checks and
 * the world. `Transport` carries an HTTP request to one port of one pod (through the Kubernetes API's
 * pods/portforward in a real run, straight to 127.0.0.1 in the tests); `ClusterReader` reads the few
 * Kubernetes objects the checks compare against. The checks themselves (the *-checks.ts files next
 * to this one) only call these two, so every one runs in the tests against real or recorded servers.
 */
export type Status = "pass" | "fail" | "skip";

export interface CheckResult {
  /** prometheus, alertmanager, grafana, loki, log agent, test alert */
  service: string;
  /** What was checked, with the pod when it is one of several, e.g. `targets (prometheus-1)`. */
  check: string;
  status: Status;
  /** What was found: counts when it passes, the failing items (named) when it fails. */
  detail: string;
  /** What to do about a failure. */
  fix?: string;
}

export const pass = (service: string, check: string, detail: string): CheckResult => ({ service, check, status: "pass", detail });
export const fail = (service: string, check: string, detail: string, fix: string): CheckResult => ({ service, check, status: "fail", detail, fix });
export const skip = (service: string, check: string, detail: string): CheckResult => ({ service, check, status: "skip", detail });

/** One port of one pod. */
export interface PodPort {
  namespace: string;
  pod: string;
  port: number;
}

export interface HttpRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  text: string;
}

export interface Transport {
  /** One HTTP request, bounded by the transport's timeout; rejects on a network error or the timeout. */
  request(target: PodPort, path: string, init?: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface PodInfo {
  name: string;
  ready: boolean;
  node?: string;
}

export interface DaemonSetStatus {
  desired: number;
  ready: number;
  available: number;
}

/** Read-only: the checks never write through it. */
export interface ClusterReader {
  /** Pods matching every label, sorted by name. */
  pods(namespace: string, labels: Record<string, string>): Promise<PodInfo[]>;
  /** A ConfigMap's data, undefined when it does not exist. */
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** ConfigMaps whose name starts with `prefix`, name → data. */
  configMapsNamed(namespace: string, prefix: string): Promise<Record<string, Record<string, string>>>;
  /** A Secret's data, decoded; undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The Secrets carrying every label, name → decoded data. */
  secretsLabelled(namespace: string, labels: Record<string, string>): Promise<Record<string, Record<string, string>>>;
  daemonSet(namespace: string, name: string): Promise<DaemonSetStatus | undefined>;
}

/** What every check gets. */
export interface VerifyContext {
  settings: import("../../configs/settings").StackSettings;
  /** The servers' and the agents' namespaces, as deployed (the stack's outputs) or as set. */
  namespace: string;
  agentsNamespace: string;
  cluster: ClusterReader;
  transport: Transport;
  /** How long the Loki round trip and a test alert's delivery may take. */
  deadlineMs: number;
  /** A line on stderr while checks run. */
  progress(message: string): void;
  /** Unique per run: the canary log line's and the test alerts' label value. */
  runId: string;
}

/** `Authorization` for HTTP basic auth. */
export const basicAuth = (username: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` });

/** GET a JSON API; a non-2xx status is an error naming it. */
export async function getJson<T>(transport: Transport, target: PodPort, path: string, headers?: Record<string, string>): Promise<T> {
  const response = await transport.request(target, path, { headers });
  if (response.status < 200 || response.status > 299) throw new Error(`GET ${path}: HTTP ${response.status} ${response.text.slice(0, 200)}`);
  return JSON.parse(response.text) as T;
}

/** The message of anything thrown, on one line. */
export const reason = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();

/** The result of `run`, or a failed check carrying the error when `run` throws (a timeout, an HTTP error). */
export async function guarded(service: string, check: string, fix: string, run: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await run();
  } catch (err) {
    return fail(service, check, reason(err), fix);
  }
}

/** All `expected` replicas of a workload are there and ready. */
export function podsReady(service: string, app: string, namespace: string, expected: number, pods: PodInfo[]): CheckResult {
  const ready = pods.filter((p) => p.ready).length;
  if (ready === expected) return pass(service, "pods", `${ready} of ${expected} ready`);
  const seen = pods.map((p) => `${p.name}: ${p.ready ? "ready" : "not ready"}`).join(", ") || "none found";
  return fail(service, "pods", `${ready} of ${expected} ready (${seen})`, `kubectl -n ${namespace} describe pods -l app.kubernetes.io/name=${app}`);
}
