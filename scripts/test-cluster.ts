/**
 * `npm run test-cluster -- <command>`: the tests' real control plane (test/helpers/test-cluster.ts), for people and CI.
 *   start            start a cluster in a temporary folder; prints the kubeconfig and the PATH that runs the pinned `pulumi`
 *   status           what runs, and whether the API server is ready
 *   stop             stop it (every process, by process group) and remove its folder
 *   preview <stack>  `pulumi preview --diff` of the stack against a fresh cluster, then stop it: what the pull
 *                    request workflow shows, without a cloud account or a real cluster
 * Needs the pinned builds: `npm run upstream-tools`.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, UPSTREAM_BIN } from "./upstream-tools-plan";
import { languageHostWrapper, PulumiError, PulumiProject } from "../test/helpers/pulumi-cli";
import { previewSecrets } from "../test/helpers/stack-secrets";
import { attachTestCluster, runningGroups, startTestCluster, stopTestCluster } from "../test/helpers/test-cluster";

/** Where `start` notes the running cluster's folder for `status` and `stop`: one per checkout. */
const POINTER = path.join(os.tmpdir(), `observability-test-cluster-${createHash("sha256").update(PROJECT_ROOT).digest("hex").slice(0, 12)}.json`);
const USAGE = "usage: npm run test-cluster -- start | status | stop | preview <dev|prod>";

function runningDir(): string | undefined {
  if (!fs.existsSync(POINTER)) return undefined;
  const { dir } = JSON.parse(fs.readFileSync(POINTER, "utf8"));
  return fs.existsSync(dir) ? dir : undefined;
}

async function start(): Promise<void> {
  const existing = runningDir();
  if (existing) throw new Error(`a test cluster is already running in ${existing}: \`npm run test-cluster -- stop\` first`);
  const started = Date.now();
  const cluster = await startTestCluster();
  fs.writeFileSync(POINTER, JSON.stringify({ dir: cluster.dir }));
  console.log(`test cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${cluster.server} (folder ${cluster.dir})`);
  // The pinned v3.68 language host reads Pulumi.yaml's `typescript: false` only as a flag: a wrapper adds it.
  const wrappers = languageHostWrapper(cluster.dir);
  console.log("Use it (the pinned pulumi, provider and language host come first on PATH):");
  console.log(`  export KUBECONFIG=${cluster.kubeconfig}`);
  console.log(`  export PATH=${wrappers}:${UPSTREAM_BIN}:$PATH PULUMI_SKIP_UPDATE_CHECK=1 PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true`);
  console.log("Set the secrets the program would generate first (no random provider here): README \"Tested against a real control plane\".");
  console.log("Stop it with: npm run test-cluster -- stop");
}

async function status(): Promise<void> {
  const dir = runningDir();
  if (!dir) {
    console.log("no test cluster running (npm run test-cluster -- start)");
    return;
  }
  const cluster = attachTestCluster(dir);
  const ready = await cluster.api.request("GET", "/readyz").catch((err: Error) => err.message);
  console.log(`test cluster in ${dir}: ${cluster.server}, /readyz: ${ready}`);
  console.log(`KUBECONFIG=${cluster.kubeconfig}`);
  for (const process of runningGroups(dir)) console.log(`  running: ${process}`);
}

async function stop(): Promise<void> {
  const dir = runningDir();
  if (!dir) {
    console.log("no test cluster running");
    fs.rmSync(POINTER, { force: true });
    return;
  }
  await stopTestCluster(dir);
  fs.rmSync(POINTER, { force: true });
  console.log(`stopped the test cluster and removed ${dir}`);
}

async function preview(stack: string | undefined): Promise<void> {
  if (stack !== "dev" && stack !== "prod") throw new Error(USAGE);
  const cluster = await startTestCluster({ watchPid: process.pid });
  try {
    const project = PulumiProject.create(cluster, stack);
    await project.selectStack(stack);
    for (const [key, value] of Object.entries(previewSecrets(stack))) await project.configSet(stack, key, value, { secret: true });
    const run = await project.run(["preview", "--stack", stack, "--diff", "--non-interactive"], { allowFailure: true });
    console.log(run.stdout);
    if (run.code !== 0) throw new PulumiError(run);
  } finally {
    await stopTestCluster(cluster.dir);
  }
}

async function main(): Promise<void> {
  const [command, arg] = process.argv.slice(2);
  if (command === "start") return start();
  if (command === "status") return status();
  if (command === "stop") return stop();
  if (command === "preview") return preview(arg);
  throw new Error(USAGE);
}

main().catch((err) => {
  console.error(`test-cluster: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
