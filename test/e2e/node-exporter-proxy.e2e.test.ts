/**
 * node-exporter's front door with the real kube-rbac-proxy v0.19.1 (built from its Go module) against a
 * real kube-apiserver: the flags and RBAC rules the stack deploys, a stand-in node-exporter on
 * loopback. Only a token whose account may GET /metrics (Prometheus') reads the node's metrics; a
 * tenant's token, no token and any other path are refused, and nothing reaches node-exporter for them.
 */
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import { KUBE_RBAC_PROXY_RULES, kubeRbacProxyArgs, METRICS_READER_RULE } from "../../configs/kube-rbac-proxy";
import { UPSTREAM_BIN } from "../../scripts/upstream-tools-plan";
import { resourcePath } from "../helpers/kube-api";
import { freePort, ProcessGroup, waitFor } from "../helpers/processes";
import { kubeconfigFor, missingClusterTools, startTestCluster, stopTestCluster, TestCluster } from "../helpers/test-cluster";

const KUBE_RBAC_PROXY = path.join(UPSTREAM_BIN, "kube-rbac-proxy");
/** The test cluster's API server alone (etcd, kube-apiserver with RBAC and token authentication): no pods run here. */
const CONTROL_PLANE = { users: ["proxy", "prometheus", "tenant"], workloads: false } as const;
// These are built by `npm run upstream-tools`; until their builds are there, say so in the test's name (CI requires them).
const missing = [...missingClusterTools(CONTROL_PLANE), ...(fs.existsSync(KUBE_RBAC_PROXY) ? [] : ["kube-rbac-proxy"])];
if (missing.length && process.env.CI === "true") throw new Error(`CI runs the kube-rbac-proxy test: ${missing.join(", ")} missing from ${UPSTREAM_BIN}: run \`npm run upstream-tools\``);
const describeWithProxy = missing.length === 0 ? describe : describe.skip;

/** GET over TLS without checking the proxy's self-signed certificate, as Prometheus' scrape does (insecure_skip_verify). */
function get(url: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
}

describeWithProxy(`node-exporter behind kube-rbac-proxy${missing.length ? ` [skipped: needs ${missing.join(", ")} in .upstream/bin]` : ""}`, () => {
  const processes = new ProcessGroup();
  let cluster: TestCluster;
  let proxyUrl: string;
  let exporterHits = 0;
  let exporter: http.Server;
  const tokenOf = (user: string) => cluster.tokenOf(user);

  beforeAll(async () => {
    try {
      cluster = await startTestCluster({ ...CONTROL_PLANE, watchPid: process.pid });
      processes.onStop(() => stopTestCluster(cluster.dir));
      const bind = async (name: string, user: string, rules: unknown[]) => {
        const rbac = "rbac.authorization.k8s.io/v1";
        await cluster.api.post(resourcePath(rbac, "clusterroles"), { apiVersion: rbac, kind: "ClusterRole", metadata: { name }, rules });
        await cluster.api.post(resourcePath(rbac, "clusterrolebindings"), {
          apiVersion: rbac,
          kind: "ClusterRoleBinding",
          metadata: { name },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
          subjects: [{ kind: "User", name: user, apiGroup: "rbac.authorization.k8s.io" }],
        });
      };
      // The rules the stack deploys: the proxy's account reviews callers; Prometheus' may GET /metrics.
      await bind("node-exporter-proxy", "proxy", KUBE_RBAC_PROXY_RULES);
      await bind("prometheus-metrics", "prometheus", [METRICS_READER_RULE]);

      const [exporterPort, proxyPort, healthPort] = await Promise.all([freePort(), freePort(), freePort()]);
      exporter = http.createServer((_req, res) => {
        exporterHits++;
        res.end('node_uname_info{nodename="kwok-node-0"} 1\n');
      });
      await new Promise<void>((resolve) => exporter.listen(exporterPort, "127.0.0.1", () => resolve()));
      const proxy = processes.start(
        "kube-rbac-proxy",
        KUBE_RBAC_PROXY,
        kubeRbacProxyArgs({ listen: `127.0.0.1:${proxyPort}`, upstream: `http://127.0.0.1:${exporterPort}/`, healthPort, kubeconfig: kubeconfigFor(cluster, tokenOf("proxy"), path.join(cluster.dir, "proxy.kubeconfig"), "proxy") }),
      );
      proxyUrl = `https://127.0.0.1:${proxyPort}`;
      await waitFor("kube-rbac-proxy's /healthz", async () => ((await get(`https://127.0.0.1:${healthPort}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), 30_000, () => proxy.logs());
    } catch (err) {
      await processes.stopAll();
      throw err;
    }
  }, 150_000);

  afterAll(async () => {
    exporter?.closeAllConnections();
    await new Promise((resolve) => (exporter ? exporter.close(resolve) : resolve(undefined)));
    await processes.stopAll();
  });

  test("Prometheus' token reads the metrics", async () => {
    const response = await get(`${proxyUrl}/metrics`, tokenOf("prometheus"));
    expect(response).toEqual({ status: 200, body: 'node_uname_info{nodename="kwok-node-0"} 1\n' });
  });

  test("a tenant's token, no token and another path are refused before node-exporter hears of them", async () => {
    const before = exporterHits;
    expect((await get(`${proxyUrl}/metrics`, tokenOf("tenant"))).status).toBe(403);
    expect((await get(`${proxyUrl}/metrics`)).status).toBe(401);
    expect((await get(`${proxyUrl}/metrics`, "not-a-token")).status).toBe(401);
    expect((await get(`${proxyUrl}/debug/pprof/`, tokenOf("prometheus"))).status).toBe(404);
    expect(exporterHits).toBe(before);
  });
});
