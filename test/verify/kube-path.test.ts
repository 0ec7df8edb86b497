/**
 * `npm run verify`'s Kubernetes path before it reaches a cluster: the kubeconfig and `--context`.
 * The path itself (client-node against a real kube-apiserver: pods, Secrets, ConfigMaps, DaemonSets
 * with the rights README names, and HTTP to pods over pods/portforward through the API server and a
 * kubelet's streaming server, KWOK's, with basic auth intact) runs in test/cluster/lifecycle.test.ts
 * (h), on the deployed dev stack.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { PROJECT_ROOT } from "../../scripts/offline";
import { tempDir } from "../helpers/processes";

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

describe("npm run verify's kubeconfig", () => {
  const dir = tempDir("verify-kube");
  const kubeconfig = path.join(dir, "kubeconfig");

  beforeAll(() => {
    // Nothing listens at either cluster's address: verify must stop before it asks either.
    const cluster = (name: string) => ({ name, cluster: { server: "https://127.0.0.1:9", "insecure-skip-tls-verify": true } });
    fs.writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [cluster("stand-in"), cluster("elsewhere")],
        users: [{ name: "verify", user: { token: "verify-test-token" } }],
        contexts: [
          { name: "other", context: { cluster: "elsewhere", user: "verify" } },
          { name: "stand-in", context: { cluster: "stand-in", user: "verify" } },
        ],
        "current-context": "other",
      }),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("an unknown --context stops before any check, naming the contexts there are (exit 2)", async () => {
    const result = await runVerify(["--stack", "dev", "--kubeconfig", kubeconfig, "--context", "prod-cluster"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--context prod-cluster: no such context; the kubeconfig has other, stand-in");
    expect(result.stdout).toBe("");
  }, 60_000);
});
