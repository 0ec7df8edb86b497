/**
 * The real command, `npm run verify`, through its Kubernetes path: @kubernetes/client-node loading
 * a kubeconfig and choosing `--context`, listing pods and reading Secrets and ConfigMaps, and HTTP to
 * a pod through pods/portforward. The API server here is a small stand-in on 127.0.0.1 that answers
 * those calls as the Kubernetes API does (JSON lists, 404 Status, and the port-forward WebSocket
 * subprotocol v4.channel.k8s.io: one byte of channel, the port announced first on the data and error
 * channels) and forwards each stream to a local server standing for the pod. What it proves: the
 * URLs and headers the command builds, the bearer token of the chosen context, and that a basic-auth
 * header set by verify reaches the pod unchanged over port-forward (the reason port-forward was
 * chosen over the service proxy, which strips it). A real kube-apiserver would add its own
 * authentication and the kubelet leg; see README "Verify a deployed stack" for how that was checked.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { stringify } from "yaml";
import { WebSocket, WebSocketServer } from "ws";
import { GRAFANA_PORT } from "../../configs/grafana";
import { PROJECT_ROOT } from "../../scripts/offline";
import { tempDir } from "../helpers/processes";
import { DocumentedGrafana } from "./documented-servers";

const NS = "monitoring";
const TOKEN = "verify-test-token";
const ADMIN_PASSWORD = "Port-Forwarded-Passw0rd";

interface FakeObject {
  kind: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  body: Record<string, unknown>;
}

/** The API calls verify makes, answered from `objects`; pods/portforward streams go to `podPorts`. */
class FakeApiServer {
  readonly requests: { path: string; authorization?: string; upgrade: boolean }[] = [];
  readonly forwarded: string[] = [];
  private readonly server: http.Server;
  private readonly sockets = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false) });

  constructor(private readonly objects: FakeObject[], private readonly podPorts: Map<string, number>) {
    this.server = http.createServer((req, res) => this.serve(req, res));
    this.server.on("upgrade", (req, socket, head) => this.upgrade(req, socket as net.Socket, head));
  }

  private record(req: http.IncomingMessage, upgrade: boolean) {
    this.requests.push({ path: req.url ?? "", authorization: req.headers.authorization, upgrade });
    return req.headers.authorization === `Bearer ${TOKEN}`;
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse) {
    const authorized = this.record(req, false);
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (!authorized) return send(401, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "Unauthorized", code: 401 });
    const match = /^\/(?:api\/v1|apis\/apps\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return send(404, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 });
    const [, namespace, resource, name] = match;
    const kind = { pods: "Pod", configmaps: "ConfigMap", secrets: "Secret", daemonsets: "DaemonSet" }[resource];
    const selector = Object.fromEntries((url.searchParams.get("labelSelector") ?? "").split(",").filter(Boolean).map((pair) => pair.split("=")));
    const matching = this.objects.filter((o) => o.kind === kind && o.namespace === namespace && (!name || o.name === name) && Object.entries(selector).every(([k, v]) => o.labels[k] === v));
    const asJson = (o: FakeObject) => ({ apiVersion: "v1", kind: o.kind, metadata: { name: o.name, namespace: o.namespace, labels: o.labels }, ...o.body });
    if (name) return matching[0] ? send(200, asJson(matching[0])) : send(404, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", message: `${resource} "${name}" not found`, code: 404 });
    return send(200, { apiVersion: "v1", kind: `${kind}List`, metadata: {}, items: matching.map(asJson) });
  }

  private upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer) {
    const authorized = this.record(req, true);
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    const port = Number(url.searchParams.get("ports"));
    const local = match ? this.podPorts.get(`${match[1]}/${match[2]}:${port}`) : undefined;
    if (!authorized || !local) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    this.sockets.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      this.forwarded.push(`${match![1]}/${match![2]}:${port}`);
      const portBytes = Buffer.from([port & 0xff, port >> 8]);
      ws.send(Buffer.concat([Buffer.from([0]), portBytes]));
      ws.send(Buffer.concat([Buffer.from([1]), portBytes]));
      const upstream = net.connect(local, "127.0.0.1");
      upstream.on("data", (data) => ws.send(Buffer.concat([Buffer.from([0]), data])));
      upstream.on("close", () => ws.close());
      upstream.on("error", (err) => ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(err.message)])));
      ws.on("message", (data: Buffer) => {
        if (data[0] === 0 && data.length > 1) upstream.write(data.subarray(1));
      });
      ws.on("close", () => upstream.destroy());
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function runVerify(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // No pulumi on PATH: verify falls back to the stack file's namespaces at once.
    const child: ChildProcess = spawn(process.execPath, ["-r", "@swc-node/register", "scripts/verify.ts", ...args], { cwd: PROJECT_ROOT, env: { ...process.env, PATH: path.dirname(process.execPath), KUBECONFIG: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe("npm run verify through the Kubernetes API (pods, Secrets, ConfigMaps, pods/portforward)", () => {
  const grafana = new DocumentedGrafana(`admin:${ADMIN_PASSWORD}`);
  let api: FakeApiServer;
  let kubeconfig: string;
  const dir = tempDir("verify-kube");

  beforeAll(async () => {
    const grafanaPort = Number(new URL(await grafana.listen()).port);
    const objects: FakeObject[] = [
      { kind: "Pod", namespace: NS, name: "grafana-5c8d", labels: { "app.kubernetes.io/name": "grafana" }, body: { spec: { nodeName: "node-1" }, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } } },
      { kind: "Secret", namespace: NS, name: "grafana-admin-9f8e", labels: { "app.kubernetes.io/name": "grafana" }, body: { type: "Opaque", data: { "admin-password": Buffer.from(ADMIN_PASSWORD).toString("base64") } } },
    ];
    api = new FakeApiServer(objects, new Map([[`${NS}/grafana-5c8d:${GRAFANA_PORT}`, grafanaPort]]));
    const apiPort = await api.listen();
    kubeconfig = path.join(dir, "kubeconfig");
    // Plain HTTP on loopback, which client-node allows only with insecure-skip-tls-verify.
    const cluster = (name: string, port: number) => ({ name, cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } });
    fs.writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [cluster("stand-in", apiPort), cluster("elsewhere", 9)],
        users: [{ name: "verify", user: { token: TOKEN } }],
        contexts: [
          { name: "other", context: { cluster: "elsewhere", user: "verify" } },
          { name: "stand-in", context: { cluster: "stand-in", user: "verify" } },
        ],
        "current-context": "other",
      }),
    );
  });
  afterAll(async () => {
    await Promise.all([api.close(), grafana.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("--context picks the cluster; pods and Secrets are read with its token; Grafana is reached over port-forward with the admin login intact", async () => {
    const result = await runVerify(["--stack", "dev", "--kubeconfig", kubeconfig, "--context", "stand-in", "--json", "--timeout", "5"]);
    const report = JSON.parse(result.stdout) as { passed: boolean; checks: { service: string; check: string; status: string; detail: string }[] };
    const grafanaChecks = report.checks.filter((c) => c.service === "grafana");
    expect(grafanaChecks.map((c) => [c.check, c.status])).toEqual([
      ["health", "pass"],
      ["datasources", "pass"],
      ["dashboards", "pass"],
    ]);
    // The rest of the dev stack is not there: those checks fail, so the run does.
    expect(report.checks.find((c) => c.service === "prometheus" && c.check === "pods")).toMatchObject({ status: "fail", detail: expect.stringContaining("0 of 1 ready") });
    expect(report.passed).toBe(false);
    expect(result.code).toBe(1);

    // The API calls, as client-node builds them, each with the chosen context's token.
    const paths = api.requests.map((r) => r.path);
    expect(paths).toContain(`/api/v1/namespaces/${NS}/pods?labelSelector=app.kubernetes.io%2Fname%3Dgrafana`);
    expect(paths).toContain(`/api/v1/namespaces/${NS}/secrets/prometheus-web-client`);
    expect(paths).toContain(`/api/v1/namespaces/${NS}/pods/grafana-5c8d/portforward?ports=${GRAFANA_PORT}`);
    expect(new Set(api.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
    // Basic auth travelled inside the stream, untouched: the service proxy would have stripped it.
    const datasourceCalls = grafana.requests.filter((r) => r.path.startsWith("/api/datasources/"));
    expect(datasourceCalls.length).toBeGreaterThan(0);
    expect(new Set(datasourceCalls.map((r) => r.authorization))).toEqual(new Set([`Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString("base64")}`]));
    expect(result.stderr).toContain("verify: context stand-in");
    expect(result.stderr).toContain("verify: checking grafana");
  }, 90_000);

  test("an unknown --context stops before any check, naming the contexts there are (exit 2)", async () => {
    const result = await runVerify(["--stack", "dev", "--kubeconfig", kubeconfig, "--context", "prod-cluster"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--context prod-cluster: no such context; the kubeconfig has other, stand-in");
    expect(result.stdout).toBe("");
  }, 60_000);
});
