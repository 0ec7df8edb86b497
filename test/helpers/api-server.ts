/**
 * The smallest real Kubernetes API server a test needs to authenticate and authorise requests: etcd
 * and kube-apiserver on 127.0.0.1 (free ports, one temporary folder), static bearer tokens for the
 * identities the test plays, RBAC. No controllers, no nodes: for pods and workloads use the full test
 * cluster (test/cluster/). Binaries: .upstream/bin/ (`npm run upstream-tools`).
 */
import { generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { stringify } from "yaml";
import { UPSTREAM_BIN } from "../../scripts/upstream-tools-plan";
import { freePort, ProcessGroup, waitFor } from "./processes";

/** A binary built into .upstream/bin/, or undefined before `npm run upstream-tools` built it. */
export function upstreamBinary(name: string): string | undefined {
  const file = path.join(UPSTREAM_BIN, name);
  return fs.existsSync(file) ? file : undefined;
}

export interface ApiServer {
  url: string;
  /** The API server's self-signed serving certificate, to verify it. */
  ca: string;
  /** Token → user name, as the token file lists them. */
  tokens: Record<string, string>;
  /** A request as the admin (system:masters). */
  request(method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: string }>;
  /** A kubeconfig for the identity holding `token`, written into the server's folder. */
  kubeconfig(user: string): string;
}

/** Starts etcd and kube-apiserver with a bearer token for each of `users` (and an admin); stopped with `processes`. */
export async function startApiServer(processes: ProcessGroup, users: string[]): Promise<ApiServer> {
  const dir = processes.tempDir("api-server");
  const [etcdClient, etcdPeer, securePort] = await Promise.all([freePort(), freePort(), freePort()]);
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const etcd = processes.start("etcd", upstreamBinary("etcd")!, [
    `--data-dir=${path.join(dir, "etcd")}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
    "--unsafe-no-fsync",
    "--log-level=error",
  ]);
  await waitFor("etcd", async () => ((await fetch(`${etcdUrl}/health`).catch(() => undefined))?.ok ? true : undefined), 30_000, () => etcd.logs());

  const tokens: Record<string, string> = {};
  const admin = randomBytes(16).toString("hex");
  const lines = [`${admin},admin,admin,system:masters`];
  for (const user of users) {
    const token = randomBytes(16).toString("hex");
    tokens[token] = user;
    lines.push(`${token},${user},${user}`);
  }
  fs.writeFileSync(path.join(dir, "tokens.csv"), `${lines.join("\n")}\n`, { mode: 0o600 });
  // Service-account token signing is required of every API server, though no test here uses one.
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  fs.writeFileSync(path.join(dir, "sa.pub"), publicKey);
  fs.writeFileSync(path.join(dir, "sa.key"), privateKey, { mode: 0o600 });
  const certs = path.join(dir, "certs");
  const apiServer = processes.start("kube-apiserver", upstreamBinary("kube-apiserver")!, [
    `--etcd-servers=${etcdUrl}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${securePort}`,
    `--cert-dir=${certs}`,
    `--token-auth-file=${path.join(dir, "tokens.csv")}`,
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${path.join(dir, "sa.pub")}`,
    `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
    "--endpoint-reconciler-type=none",
    "--profiling=false",
  ]);
  const url = `https://127.0.0.1:${securePort}`;
  const certFile = path.join(certs, "apiserver.crt");
  const ca = await waitFor("kube-apiserver's certificate", () => (fs.existsSync(certFile) && fs.statSync(certFile).size > 0 ? fs.readFileSync(certFile, "utf8") : undefined), 60_000, () => apiServer.logs());

  const request = (method: string, apiPath: string, body?: unknown, token = admin) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(`${url}${apiPath}`, { method, ca, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } }, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  await waitFor("kube-apiserver to be ready", async () => ((await request("GET", "/readyz").catch(() => undefined))?.body === "ok" ? true : undefined), 90_000, () => apiServer.logs());

  const tokenOf = (user: string) => Object.entries(tokens).find(([, u]) => u === user)![0];
  return {
    url,
    ca,
    tokens,
    request: (method, apiPath, body) => request(method, apiPath, body),
    kubeconfig(user) {
      const file = path.join(dir, `${user}.kubeconfig`);
      const config = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "test", cluster: { server: url, "certificate-authority-data": Buffer.from(ca).toString("base64") } }],
        users: [{ name: user, user: { token: tokenOf(user) } }],
        contexts: [{ name: "test", context: { cluster: "test", user } }],
        "current-context": "test",
      };
      fs.writeFileSync(file, stringify(config), { mode: 0o600 });
      return file;
    },
  };
}
