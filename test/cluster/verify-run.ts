/**
 * `npm run verify` against the test cluster's real API server (item h of the cluster tests): as a
 * user bound to exactly the rules README names (VERIFY_RULES) in the stack's namespaces, with a
 * kubeconfig whose current context points elsewhere, so that `--context` must choose. KWOK plays
 * every kubelet: it forwards the Grafana pod's port to a server answering Grafana's documented API
 * on 127.0.0.1 (Grafana is AGPL and never run here), provisioned with the dashboards of the cluster's
 * ConfigMaps; every other pod's port-forward reaches KWOK, which has nothing behind it and says so.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { stringify } from "yaml";
import { PROJECT_ROOT } from "../../scripts/offline";
import { DASHBOARD_MAPS_PREFIX, provisionedDashboards } from "../../scripts/verify/grafana-checks";
import { VERIFY_RULES } from "../../scripts/verify/permissions";
import { resourcePath } from "../helpers/kube-api";
import { TestCluster } from "../helpers/test-cluster";
import { DocumentedGrafana } from "../verify/documented-servers";

/** The identity verify runs as (the cluster must be started with it among its `users`). */
export const VERIFY_USER = "verify";
export const VERIFY_CONTEXT = "test-cluster";

export interface VerifyCheck {
  service: string;
  check: string;
  status: "pass" | "fail" | "skip";
  detail: string;
}

export interface VerifyRun {
  code: number;
  checks: VerifyCheck[];
  stderr: string;
  /** The Authorization header of each request that reached the stand-in Grafana through port-forward. */
  grafanaAuthorizations: (string | undefined)[];
}

/** Binds VERIFY_RULES to the verify user in each namespace, as a cluster admin would. */
async function grantVerify(cluster: TestCluster, namespaces: string[]): Promise<void> {
  const rbac = "rbac.authorization.k8s.io/v1";
  for (const namespace of namespaces) {
    await cluster.api.post(resourcePath(rbac, "roles", namespace), { apiVersion: rbac, kind: "Role", metadata: { name: "observability-verify", namespace }, rules: VERIFY_RULES });
    await cluster.api.post(resourcePath(rbac, "rolebindings", namespace), {
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: { name: "observability-verify", namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "observability-verify" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: VERIFY_USER }],
    });
  }
}

/** Two contexts: the test cluster as the verify user, and the current one, pointing at a port nothing listens on. */
function kubeconfigWithTwoContexts(cluster: TestCluster, file: string): string {
  const ca = Buffer.from(cluster.ca).toString("base64");
  fs.writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "elsewhere", cluster: { server: "https://127.0.0.1:9", "certificate-authority-data": ca } },
        { name: VERIFY_CONTEXT, cluster: { server: cluster.server, "certificate-authority-data": ca } },
      ],
      users: [{ name: VERIFY_USER, user: { token: cluster.tokenOf(VERIFY_USER) } }],
      contexts: [
        { name: "other", context: { cluster: "elsewhere", user: VERIFY_USER } },
        { name: VERIFY_CONTEXT, context: { cluster: VERIFY_CONTEXT, user: VERIFY_USER } },
      ],
      "current-context": "other",
    }),
    { mode: 0o600 },
  );
  return file;
}

/**
 * Runs verify on the deployed stack. `grafanaPort`: where the cluster's port-forwards of Grafana's
 * pods land (TestClusterOptions.portForwards); `grafanaLogin`: `user:password` Grafana's admin Secret holds.
 */
export async function verifyAgainstCluster(cluster: TestCluster, args: { stack: string; namespaces: string[]; grafanaPort: number; grafanaLogin: string }): Promise<VerifyRun> {
  await grantVerify(cluster, args.namespaces);
  const grafana = new DocumentedGrafana(args.grafanaLogin);
  const maps = Object.fromEntries(
    (await cluster.api.list(resourcePath("v1", "configmaps", args.namespaces[0])))
      .filter((m) => m.metadata.name.startsWith(DASHBOARD_MAPS_PREFIX))
      .map((m) => [m.metadata.name, m.data ?? {}]),
  );
  for (const dashboard of provisionedDashboards(maps)) grafana.dashboards.set(dashboard.uid, { title: dashboard.title, folderTitle: "General" });
  await grafana.listen(args.grafanaPort);
  const kubeconfig = kubeconfigWithTwoContexts(cluster, path.join(cluster.dir, "verify.kubeconfig"));
  try {
    // No pulumi on PATH: verify takes the namespaces from the stack file at once.
    const command = [process.execPath, ["-r", "@swc-node/register", "scripts/verify.ts", "--stack", args.stack, "--kubeconfig", kubeconfig, "--context", VERIFY_CONTEXT, "--json", "--timeout", "5"]] as const;
    const env = { ...process.env, PATH: path.dirname(process.execPath), KUBECONFIG: "" };
    const { code, stdout, stderr } = await promisify(execFile)(command[0], [...command[1]], { cwd: PROJECT_ROOT, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }).then(
      (r) => ({ code: 0, ...r }),
      (err) => ({ code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: `${err.stderr ?? ""}${typeof err.code === "number" ? "" : err.message}` }),
    );
    let checks: VerifyCheck[] = [];
    try {
      checks = JSON.parse(stdout).checks;
    } catch {
      throw new Error(`npm run verify printed no report (exit ${code}):\n${stdout}\n${stderr}`);
    }
    return { code, checks, stderr, grafanaAuthorizations: grafana.requests.map((r) => r.authorization) };
  } finally {
    await grafana.close();
  }
}
