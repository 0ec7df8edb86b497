/**
 * A real Kubernetes control plane for the tests, without containers: etcd, kube-apiserver (RBAC,
 * Pod Security admission, service-account token signing, token authentication),
 * kube-controller-manager, kube-scheduler and KWOK, which fakes one node and moves its pods and
 * volumes to ready. Everything listens on 127.0.0.1 on free ports and lives in one temporary folder
 * (data, keys, logs, kubeconfig). Pod, Service and the node's internal addresses are data in etcd
 * only: nothing here, and no test, ever sends a packet to one. The node's external address is
 * 127.0.0.1, where KWOK serves the kubelet's API, and the API server reaches kubelets there, so what
 * it asks of one (pods/portforward) stays on loopback: KWOK answers a port-forward to a pod with an
 * error, or, for the `portForwards` a test asks for, opens the stream to a server of the test's on 127.0.0.1.
 *
 * With `workloads: false` it is etcd and the API server alone: enough for a test of authentication
 * and RBAC (static bearer tokens for the identities it plays, `users`), at a fraction of the CPU.
 *
 * Each process runs in its own process group, recorded in `<dir>/groups/`; `stopTestCluster` ends
 * them by group, newest first, and removes the folder. A watchdog (a detached `sh` loop) does the
 * same if the process that started the cluster dies first (a jest timeout, Ctrl-C, a crash), so no
 * process outlives its test run. Binaries: .upstream/bin/ (`npm run upstream-tools`).
 */
import { spawn, spawnSync } from "child_process";
import { generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { KubeApi, resourcePath } from "./kube-api";
import { freePort, sleep, waitFor } from "./processes";
import { KWOK_STAGES_FILE, KWOK_STORAGE_CLASS_FILE, UPSTREAM_BIN, upstreamPrograms } from "../../scripts/upstream-tools-plan";

/** The StorageClass KWOK's stages provision; the cluster's default, without volume expansion (like kind's). */
export const DEFAULT_STORAGE_CLASS = "kwok-volume";
/** Same provisioner, `allowVolumeExpansion: true`. */
export const EXPANDABLE_STORAGE_CLASS = "kwok-expandable";
/** Same provisioner, `allowVolumeExpansion: false` said outright. */
export const FIXED_STORAGE_CLASS = "kwok-fixed";
/** The one fake node. */
export const NODE_NAME = "kwok-node-0";
/** Its internal address: data only, never dialled. */
const NODE_INTERNAL_IP = "10.244.0.1";

export interface TestCluster {
  /** The temporary folder holding everything; gone after stop. */
  dir: string;
  kubeconfig: string;
  server: string;
  /** The admin client (system:masters). */
  api: KubeApi;
  /** The API server's CA (PEM), for clients that verify TLS. */
  ca: string;
  /** The static bearer token of one of the `users` it was started with. */
  tokenOf(user: string): string;
  /** The last lines of every component's log, for a failure message. */
  logs(lines?: number): string;
}

interface ClusterState {
  server: string;
  kubeconfig: string;
  adminToken: string;
  /** User → static bearer token. */
  users: Record<string, string>;
  started: string;
}

export interface TestClusterOptions {
  /** A watchdog ends the cluster when this process exits (tests pass their own pid); without, it runs until `stopTestCluster`. */
  watchPid?: number;
  /** Users who each get a static bearer token (besides the admin), e.g. the identities a test plays. */
  users?: readonly string[];
  /** Default true: controller manager, scheduler, KWOK, its node and StorageClasses. false: etcd and the API server alone. */
  workloads?: boolean;
  /** pods/portforward to `port` of any pod in `namespace` reaches 127.0.0.1:`to` (KWOK's ClusterPortForward). */
  portForwards?: PortForward[];
}

export interface PortForward {
  namespace: string;
  port: number;
  to: number;
}

const STATE_FILE = "cluster.json";
const groupsDir = (dir: string) => path.join(dir, "groups");

/** The test/upstream programs the cluster runs. */
export const CLUSTER_PROGRAMS = ["etcd", "kubernetes", "kwok"];

/** The binaries and files the cluster needs that are not built yet (empty when it can start). */
export function missingClusterTools(options: Pick<TestClusterOptions, "workloads"> = {}): string[] {
  const binaries = upstreamPrograms()
    .filter((p) => CLUSTER_PROGRAMS.includes(p.moduleDir))
    .flatMap((p) => p.commands.map((c) => c.binary));
  const needed = options.workloads === false ? ["etcd", "kube-apiserver"] : [...binaries, KWOK_STAGES_FILE, KWOK_STORAGE_CLASS_FILE];
  return needed.filter((name) => !fs.existsSync(path.join(UPSTREAM_BIN, name)));
}

/**
 * Records a process group the cluster's watchdog must end if the starter dies; returns the function
 * that forgets it once the group is gone. Also used for `pulumi` commands run against the cluster.
 */
export function trackGroup(dir: string, pgid: number, name: string): () => void {
  const file = path.join(groupsDir(dir), `${pgid}`);
  fs.writeFileSync(file, `${name}\n`);
  return () => fs.rmSync(file, { force: true });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: any) {
    return err.code === "EPERM";
  }
};

/** True while any process of the group lives. */
const groupAlive = (pgid: number) => alive(-pgid);

/** SIGTERM to the group, SIGKILL after `graceMs`; resolves once no process of it is left (or, for an unreaped one, soon after). */
async function endGroup(pgid: number, graceMs = 5000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  let deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (!groupAlive(pgid)) return;
  signal("SIGKILL");
  deadline = Date.now() + 2000;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
}

/** Starts `command` in its own process group, output to `<dir>/logs/<name>.log`; returns its pid (= its group). */
export function startProcess(dir: string, name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const log = fs.openSync(path.join(dir, "logs", `${name}.log`), "a");
  const child = spawn(command, args, { cwd: dir, env, detached: true, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  child.unref();
  trackGroup(dir, child.pid, name);
  return child.pid;
}

function tail(file: string, lines: number): string {
  if (!fs.existsSync(file)) return "";
  return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

function logsOf(dir: string, lines = 15): string {
  const logs = path.join(dir, "logs");
  if (!fs.existsSync(logs)) return "";
  return fs
    .readdirSync(logs)
    .map((file) => `--- ${file} (last ${lines} lines) ---\n${tail(path.join(logs, file), lines)}`)
    .join("\n");
}

/**
 * A detached `sh` loop that ends every recorded group, then removes the folder, once `watchPid` has
 * exited; it exits by itself when the folder is gone (a normal stop).
 */
export function startWatchdog(dir: string, watchPid: number): void {
  const script = `
    while kill -0 "$1" 2>/dev/null && [ -d "$2/groups" ]; do sleep 1; done
    [ -d "$2/groups" ] || exit 0
    for f in "$2"/groups/*; do [ -e "$f" ] && kill -TERM -"$(basename "$f")" 2>/dev/null; done
    for i in 1 2 3 4 5 6 7 8 9 10; do
      left=0
      for f in "$2"/groups/*; do [ -e "$f" ] && kill -0 -"$(basename "$f")" 2>/dev/null && left=1; done
      [ $left = 0 ] && break
      sleep 0.5
    done
    for f in "$2"/groups/*; do [ -e "$f" ] && kill -KILL -"$(basename "$f")" 2>/dev/null; done
    rm -rf "$2"`;
  const child = spawn("sh", ["-c", script, "watchdog", String(watchPid), dir], { detached: true, stdio: "ignore" });
  child.unref();
}

function writeKubeconfig(file: string, server: string, ca: string, token: string, user = "admin"): void {
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test-cluster", cluster: { server, "certificate-authority-data": Buffer.from(ca).toString("base64") } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: "test-cluster", context: { cluster: "test-cluster", user } }],
    "current-context": "test-cluster",
  };
  fs.writeFileSync(file, stringify(kubeconfig), { mode: 0o600 });
}

/** A kubeconfig for the same cluster with another identity (e.g. a ServiceAccount's token), written to `file`. */
export function kubeconfigFor(cluster: TestCluster, token: string, file: string, user: string): string {
  writeKubeconfig(file, cluster.server, cluster.ca, token, user);
  return file;
}

/** KWOK's stage files match claims and volumes of its own class only; the test classes share its provisioner. */
function stagesForTestClasses(stages: string): string {
  const classes = [DEFAULT_STORAGE_CLASS, EXPANDABLE_STORAGE_CLASS, FIXED_STORAGE_CLASS].map((c) => `'${c}'`).join(", ");
  const rewritten = stages.split(`self.spec.storageClassName == '${DEFAULT_STORAGE_CLASS}'`).join(`self.spec.storageClassName in [${classes}]`);
  if (rewritten === stages) throw new Error(`${KWOK_STAGES_FILE}: no stage selects the class ${DEFAULT_STORAGE_CLASS}; KWOK's volume stages changed`);
  return rewritten;
}

const bin = (name: string) => path.join(UPSTREAM_BIN, name);

async function startEtcd(dir: string): Promise<string> {
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  startProcess(dir, "etcd", bin("etcd"), [
    `--data-dir=${path.join(dir, "etcd")}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-cluster=default=http://127.0.0.1:${peer}`,
    // A test cluster's data dies with it: no fsync is the difference between seconds and minutes on a slow disk.
    "--unsafe-no-fsync",
    "--log-level=warn",
  ]);
  await waitFor("etcd to answer /health", async () => ((await fetch(`${url}/health`).catch(() => undefined))?.ok ? true : undefined), 30_000, () => logsOf(dir));
  return url;
}

async function startApiServer(dir: string, etcd: string, adminToken: string, users: Record<string, string>): Promise<{ server: string; ca: string }> {
  const port = await freePort();
  const certs = path.join(dir, "certs");
  const tokens = [`${adminToken},admin,admin,system:masters`, ...Object.entries(users).map(([user, token]) => `${token},${user},${user}`)];
  fs.writeFileSync(path.join(dir, "tokens.csv"), `${tokens.join("\n")}\n`, { mode: 0o600 });
  startProcess(dir, "kube-apiserver", bin("kube-apiserver"), [
    `--etcd-servers=${etcd}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${port}`,
    // No Endpoints for the `kubernetes` Service: they would point at 127.0.0.1 from inside (fake) pods.
    "--endpoint-reconciler-type=none",
    // Self-signed serving certificate and its CA, written here.
    `--cert-dir=${certs}`,
    `--token-auth-file=${path.join(dir, "tokens.csv")}`,
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${path.join(dir, "sa.pub")}`,
    `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    // Kubelets at the node's ExternalIP, 127.0.0.1 (KWOK's kubelet API): its InternalIP is fake, its Hostname would be looked up in DNS.
    "--kubelet-preferred-address-types=ExternalIP",
    // The agents' namespace allows privileged pods (node-exporter, the log agent): Pod Security admission decides per namespace.
    "--allow-privileged=true",
    "--profiling=false",
  ]);
  const server = `https://127.0.0.1:${port}`;
  const certFile = path.join(certs, "apiserver.crt");
  const ca = await waitFor("kube-apiserver's self-signed certificate", () => (fs.existsSync(certFile) && fs.statSync(certFile).size > 0 ? fs.readFileSync(certFile, "utf8") : undefined), 60_000, () => logsOf(dir));
  const api = new KubeApi(server, adminToken, ca);
  await waitFor("kube-apiserver to answer /readyz", async () => ((await api.request("GET", "/readyz").catch(() => undefined)) === "ok" ? true : undefined), 90_000, () => logsOf(dir));
  return { server, ca };
}

/** KWOK's ClusterPortForward documents, one per forward. */
function portForwardDocuments(forwards: PortForward[]): string {
  return forwards
    .map((f, i) =>
      stringify({
        apiVersion: "kwok.x-k8s.io/v1alpha1",
        kind: "ClusterPortForward",
        metadata: { name: `test-forward-${i}` },
        spec: { selector: { matchNamespaces: [f.namespace] }, forwards: [{ ports: [f.port], target: { address: "127.0.0.1", port: f.to } }] },
      }),
    )
    .map((doc) => `---\n${doc}`)
    .join("");
}

async function startControllers(dir: string, kubeconfig: string, forwards: PortForward[]): Promise<void> {
  startProcess(dir, "kube-controller-manager", bin("kube-controller-manager"), [
    `--kubeconfig=${kubeconfig}`,
    "--leader-elect=false",
    `--service-account-private-key-file=${path.join(dir, "sa.key")}`,
    "--use-service-account-credentials=false",
    "--bind-address=127.0.0.1",
    `--secure-port=${await freePort()}`,
  ]);
  startProcess(dir, "kube-scheduler", bin("kube-scheduler"), [`--kubeconfig=${kubeconfig}`, "--leader-elect=false", "--bind-address=127.0.0.1", `--secure-port=${await freePort()}`]);
  const config = path.join(dir, "kwok.yaml");
  fs.writeFileSync(config, `${stagesForTestClasses(fs.readFileSync(bin(KWOK_STAGES_FILE), "utf8")).trimEnd()}\n${portForwardDocuments(forwards)}`);
  const kubeletPort = await freePort();
  startProcess(dir, "kwok", bin("kwok"), [
    `--kubeconfig=${kubeconfig}`,
    `--config=${config}`,
    "--manage-all-nodes=true",
    "--cidr=10.244.0.0/16",
    // Pods' host address (the node's InternalIP, which the node object sets too); the kubelet port, where the API server's port-forwards come.
    `--node-ip=${NODE_INTERNAL_IP}`,
    `--node-port=${kubeletPort}`,
    `--server-address=127.0.0.1:${kubeletPort}`,
    // The API server reaches a kubelet over TLS (without checking its certificate unless told to): the API server's own pair serves.
    `--tls-cert-file=${path.join(dir, "certs", "apiserver.crt")}`,
    `--tls-private-key-file=${path.join(dir, "certs", "apiserver.key")}`,
    "--node-lease-duration-seconds=40",
  ]);
}

/** The default class from KWOK's module, the two test classes, and the fake node. */
async function createClusterObjects(api: KubeApi): Promise<void> {
  const { parseAllDocuments } = await import("yaml");
  const storageClasses = parseAllDocuments(fs.readFileSync(bin(KWOK_STORAGE_CLASS_FILE), "utf8")).map((d) => d.toJSON());
  const kwokClass = storageClasses.find((o) => o?.kind === "StorageClass" && o.metadata?.name === DEFAULT_STORAGE_CLASS);
  if (!kwokClass) throw new Error(`${KWOK_STORAGE_CLASS_FILE} has no StorageClass ${DEFAULT_STORAGE_CLASS}`);
  const classes = [
    kwokClass,
    { ...kwokClass, metadata: { name: EXPANDABLE_STORAGE_CLASS }, allowVolumeExpansion: true },
    { ...kwokClass, metadata: { name: FIXED_STORAGE_CLASS }, allowVolumeExpansion: false },
  ];
  for (const storageClass of classes) await api.apply(resourcePath("storage.k8s.io/v1", "storageclasses", undefined, storageClass.metadata.name), storageClass);
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: NODE_NAME,
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
      labels: { type: "kwok", "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" },
    },
    status: {
      allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
      capacity: { cpu: "32", memory: "256Gi", pods: "110" },
      // Pods on the host network get the InternalIP (a fake one: EndpointSlices refuse loopback); the API server dials the ExternalIP.
      addresses: [
        { type: "InternalIP", address: NODE_INTERNAL_IP },
        { type: "ExternalIP", address: "127.0.0.1" },
        { type: "Hostname", address: NODE_NAME },
      ],
    },
  };
  await api.post("/api/v1/nodes", node);
}

/**
 * Starts a cluster in a new temporary folder. With `watchPid`, a watchdog ends it when that process
 * exits (tests pass their own pid); without, it runs until `stopTestCluster` (`npm run test-cluster`).
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const missing = missingClusterTools(options);
  if (missing.length) throw new Error(`the test cluster needs ${missing.join(", ")} in ${UPSTREAM_BIN}: run \`npm run upstream-tools\``);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "observability-cluster-"));
  for (const sub of ["logs", "groups", "certs"]) fs.mkdirSync(path.join(dir, sub));
  if (options.watchPid !== undefined) startWatchdog(dir, options.watchPid);
  try {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    fs.writeFileSync(path.join(dir, "sa.key"), privateKey, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, "sa.pub"), publicKey);
    const adminToken = randomBytes(24).toString("hex");
    const users = Object.fromEntries((options.users ?? []).map((user) => [user, randomBytes(24).toString("hex")]));
    const etcd = await startEtcd(dir);
    const { server, ca } = await startApiServer(dir, etcd, adminToken, users);
    const kubeconfig = path.join(dir, "kubeconfig");
    writeKubeconfig(kubeconfig, server, ca, adminToken);
    const state: ClusterState = { server, kubeconfig, adminToken, users, started: new Date().toISOString() };
    fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify(state, null, 2), { mode: 0o600 });
    if (options.workloads !== false) await startWorkloads(dir, kubeconfig, new KubeApi(server, adminToken, ca), options.portForwards ?? []);
    return attachTestCluster(dir);
  } catch (err) {
    const logs = logsOf(dir, 30);
    await stopTestCluster(dir);
    throw new Error(`${err instanceof Error ? err.message : err}\n${logs}`);
  }
}

/** What runs pods: the controllers, the scheduler, KWOK with its node, the StorageClasses. */
async function startWorkloads(dir: string, kubeconfig: string, api: KubeApi, forwards: PortForward[]): Promise<void> {
  await startControllers(dir, kubeconfig, forwards);
  await createClusterObjects(api);
  await waitFor(
    `node ${NODE_NAME} Ready (KWOK) and the default ServiceAccount (controller manager)`,
    async () => {
      const node = await api.find(`/api/v1/nodes/${NODE_NAME}`);
      const ready = node?.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
      return ready && (await api.find("/api/v1/namespaces/default/serviceaccounts/default")) ? true : undefined;
    },
    60_000,
    () => logsOf(dir),
  );
}

/** The running cluster in `dir` (started by `npm run test-cluster -- start`). */
export function attachTestCluster(dir: string): TestCluster {
  const state: ClusterState = JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), "utf8"));
  const ca = fs.readFileSync(path.join(dir, "certs", "apiserver.crt"), "utf8");
  const tokenOf = (user: string) => {
    if (!(user in state.users)) throw new Error(`the test cluster has no user ${user}; it was started with: ${Object.keys(state.users).join(", ") || "none"}`);
    return state.users[user];
  };
  return { dir, kubeconfig: state.kubeconfig, server: state.server, api: new KubeApi(state.server, state.adminToken, ca), ca, tokenOf, logs: (lines) => logsOf(dir, lines) };
}

/** Process groups still recorded in the cluster folder: [pgid, name], newest first. */
export function recordedGroups(dir: string): [number, string][] {
  if (!fs.existsSync(groupsDir(dir))) return [];
  return fs
    .readdirSync(groupsDir(dir))
    .map((f) => ({ pgid: Number(f), name: fs.readFileSync(path.join(groupsDir(dir), f), "utf8").trim(), at: fs.statSync(path.join(groupsDir(dir), f)).mtimeMs }))
    .sort((a, b) => b.at - a.at)
    .map(({ pgid, name }) => [pgid, name]);
}

/**
 * Ends every recorded process group (pulumi commands first, then KWOK, the controllers, the API
 * server and etcd: newest first), then removes the folder. Safe to call twice.
 */
export async function stopTestCluster(dir: string): Promise<void> {
  for (const [pgid] of recordedGroups(dir)) {
    await endGroup(pgid);
    fs.rmSync(path.join(groupsDir(dir), `${pgid}`), { force: true });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** `kill -0` on each recorded group: which are still running. */
export function runningGroups(dir: string): string[] {
  return recordedGroups(dir)
    .filter(([pgid]) => groupAlive(pgid))
    .map(([pgid, name]) => `${name} (pid ${pgid})`);
}

/** A process a test runs against the cluster: tracked like the cluster's own, so it never outlives the test run. */
export interface ClusterProcess {
  readonly running: boolean;
  logs(): string;
  stop(): Promise<void>;
}

export function startClusterProcess(cluster: TestCluster, name: string, command: string, args: string[]): ClusterProcess {
  const pgid = startProcess(cluster.dir, name, command, args);
  const logFile = path.join(cluster.dir, "logs", `${name}.log`);
  return {
    get running() {
      return alive(pgid);
    },
    logs: () => `--- ${name} (pid ${pgid}) ---\n${tail(logFile, 2000)}`,
    stop: async () => {
      await endGroup(pgid);
      fs.rmSync(path.join(groupsDir(cluster.dir), `${pgid}`), { force: true });
    },
  };
}

/** True when `go` is on PATH: without it the tools cannot be built, and the cluster tests skip outside CI. */
export function goAvailable(): boolean {
  return spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
}
