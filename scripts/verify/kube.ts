/**
 * The real run's two seams, through the Kubernetes API with the user's kubeconfig and context
 * (@kubernetes/client-node: kubeconfig loading with its exec and token plugins, typed API calls, and
 * pods/portforward over WebSocket).
 *
 * Why port-forward and not the API server's service proxy: the API server authenticates each request
 * and then deletes its `Authorization` header (k8s.io/apiserver, filters/authentication.go), so the
 * basic auth Prometheus and Alertmanager ask for can never reach them through the proxy; and a
 * Service proxies to one pod of its choice, where verify must ask every replica. pods/portforward
 * opens a stream to one port of one pod, over which our own HTTP request travels unchanged.
 *
 * Loaded only by the command (scripts/verify.ts): the package is ES modules, which Node 20 requires
 * natively and jest's module system does not.
 */
import * as net from "net";
import { PassThrough } from "stream";
import type * as K8s from "@kubernetes/client-node";
import { httpRequest } from "./direct-transport";
import { ClusterReader, DaemonSetStatus, HttpRequest, HttpResponse, PodInfo, PodPort, Transport } from "./model";

const k8s = () => require("@kubernetes/client-node") as typeof K8s;

/** The kubeconfig the user's kubectl would use (KUBECONFIG, ~/.kube/config, in-cluster), at `context` when given. */
export function loadKubeConfig(options: { context?: string; kubeconfig?: string }): K8s.KubeConfig {
  const kc = new (k8s().KubeConfig)();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new Error(`--context ${options.context}: no such context; the kubeconfig has ${kc.getContexts().map((c) => c.name).join(", ") || "none"}`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw new Error("no current context in the kubeconfig: pass --context <name> or set one with kubectl config use-context");
  return kc;
}

async function bounded<T>(what: string, timeoutMs: number, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: the Kubernetes API did not answer within ${timeoutMs / 1000}s`)), timeoutMs)));
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const notFound = (err: any) => err?.code === 404 || err?.statusCode === 404 || err?.response?.statusCode === 404;
const decode = (data: Record<string, string> | undefined) => Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
const selector = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");

export class KubeClusterReader implements ClusterReader {
  private readonly core: K8s.CoreV1Api;
  private readonly apps: K8s.AppsV1Api;

  constructor(kc: K8s.KubeConfig, private readonly timeoutMs: number) {
    this.core = kc.makeApiClient(k8s().CoreV1Api);
    this.apps = kc.makeApiClient(k8s().AppsV1Api);
  }

  private orUndefined = async <T>(what: string, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await bounded(what, this.timeoutMs, call());
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  };

  async pods(namespace: string, labels: Record<string, string>): Promise<PodInfo[]> {
    const list = await bounded(`pods in ${namespace}`, this.timeoutMs, this.core.listNamespacedPod({ namespace, labelSelector: selector(labels) }));
    return list.items
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .map((pod) => ({
        name: pod.metadata!.name!,
        node: pod.spec?.nodeName,
        ready: pod.status?.phase === "Running" && (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async configMap(namespace: string, name: string) {
    return (await this.orUndefined(`ConfigMap ${namespace}/${name}`, () => this.core.readNamespacedConfigMap({ name, namespace })))?.data ?? undefined;
  }

  async configMapsNamed(namespace: string, prefix: string) {
    const list = await bounded(`ConfigMaps in ${namespace}`, this.timeoutMs, this.core.listNamespacedConfigMap({ namespace }));
    return Object.fromEntries(list.items.filter((m) => m.metadata?.name?.startsWith(prefix)).map((m) => [m.metadata!.name!, m.data ?? {}]));
  }

  async secret(namespace: string, name: string) {
    const secret = await this.orUndefined(`Secret ${namespace}/${name}`, () => this.core.readNamespacedSecret({ name, namespace }));
    return secret ? decode(secret.data) : undefined;
  }

  async secretsLabelled(namespace: string, labels: Record<string, string>) {
    const list = await bounded(`Secrets in ${namespace}`, this.timeoutMs, this.core.listNamespacedSecret({ namespace, labelSelector: selector(labels) }));
    return Object.fromEntries(list.items.map((s) => [s.metadata!.name!, decode(s.data)]));
  }

  async daemonSet(namespace: string, name: string): Promise<DaemonSetStatus | undefined> {
    const set = await this.orUndefined(`DaemonSet ${namespace}/${name}`, () => this.apps.readNamespacedDaemonSet({ name, namespace }));
    if (!set) return undefined;
    return { desired: set.status?.desiredNumberScheduled ?? 0, ready: set.status?.numberReady ?? 0, available: set.status?.numberAvailable ?? 0 };
  }
}

/**
 * HTTP to pods through pods/portforward: a listener on 127.0.0.1 per pod port, each connection to it
 * one port-forward stream. Closed (listeners and streams) by `close`.
 */
export class PortForwardTransport implements Transport {
  private readonly listeners = new Map<string, Promise<{ server: net.Server; port: number }>>();
  private readonly sockets = new Set<net.Socket>();
  private readonly lastError = new Map<string, string>();
  private readonly forward: K8s.PortForward;

  constructor(kc: K8s.KubeConfig, private readonly timeoutMs: number) {
    this.forward = new (k8s().PortForward)(kc, true);
  }

  private listener(target: PodPort) {
    const key = `${target.namespace}/${target.pod}:${target.port}`;
    if (!this.listeners.has(key)) {
      this.listeners.set(
        key,
        new Promise((resolve, reject) => {
          const server = net.createServer((socket) => {
            this.sockets.add(socket);
            socket.on("close", () => this.sockets.delete(socket));
            const errors = new PassThrough();
            errors.on("data", (chunk: Buffer) => {
              this.lastError.set(key, chunk.toString("utf8").trim());
              socket.destroy();
            });
            this.forward
              .portForward(target.namespace, target.pod, [target.port], socket, errors, socket)
              .then((ws) => {
                const stream = typeof ws === "function" ? ws() : ws;
                stream?.on("close", () => socket.destroy());
                socket.on("close", () => stream?.close());
              })
              .catch((err: Error) => {
                this.lastError.set(key, err.message);
                socket.destroy();
              });
          });
          server.on("error", reject);
          server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as net.AddressInfo).port }));
        }),
      );
    }
    return { key, listening: this.listeners.get(key)! };
  }

  async request(target: PodPort, path: string, init: HttpRequest = {}): Promise<HttpResponse> {
    const { key, listening } = this.listener(target);
    const { port } = await listening;
    this.lastError.delete(key);
    try {
      return await httpRequest(`http://127.0.0.1:${port}${path}`, init, this.timeoutMs);
    } catch (err) {
      const forwardError = this.lastError.get(key);
      throw new Error(`${(err as Error).message}${forwardError ? ` (port-forward to ${key}: ${forwardError})` : ""}`);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([...this.listeners.values()].map(async (listening) => new Promise<void>((resolve) => listening.then(({ server }) => server.close(() => resolve()), () => resolve()))));
  }
}
