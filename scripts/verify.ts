/**
 * `npm run verify -- --stack <name> [--context <kube context>] [--kubeconfig <file>] [--json] [--send-test-alert] [--timeout <seconds>]`
 *
 * Checks that a deployed stack works: every Prometheus and Alertmanager replica, Grafana, Loki and
 * the log agent, each check one line with a tick or a cross and what to do. Reads the stack's
 * settings from its stack file (as `npm run render` does) and its outputs when the Pulumi CLI can
 * give them; reaches every pod through the Kubernetes API's pods/portforward with the user's
 * kubeconfig (scripts/verify/kube.ts says why not the service proxy). Read-only, except the canary
 * log line it pushes to Loki and, with --send-test-alert, one test alert per receiver, both labelled
 * as written by verify. Exit status: 0 when every check passes, 1 when one fails, 2 when it could not
 * start (arguments, stack file, kubeconfig).
 */
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import { promisify } from "util";
import { parseSettings, SettingsError } from "../configs/settings";
import { rawSettingsFromStackFile, StackFileError } from "./offline";
import { KubeClusterReader, loadKubeConfig, PortForwardTransport } from "./verify/kube";
import { VerifyContext } from "./verify/model";
import { formatJson, formatTable, passed, runChecks } from "./verify/run";

const USAGE = "usage: npm run verify -- --stack <name> [--context <kube context>] [--kubeconfig <file>] [--json] [--send-test-alert] [--timeout <seconds>]";

class UsageError extends Error {
  name = "UsageError";
}

export interface VerifyArgs {
  stack: string;
  context?: string;
  kubeconfig?: string;
  json: boolean;
  sendTestAlert: boolean;
  /** Per HTTP call and Kubernetes API call. */
  timeoutMs: number;
}

export function parseVerifyArgs(argv: string[]): VerifyArgs {
  const args: VerifyArgs = { stack: "", json: false, sendTestAlert: false, timeoutMs: 10_000 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--json") args.json = true;
    else if (flag === "--send-test-alert") args.sendTestAlert = true;
    else if (["--stack", "--context", "--kubeconfig", "--timeout"].includes(flag)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value; ${USAGE}`);
      if (flag === "--stack") args.stack = value;
      else if (flag === "--context") args.context = value;
      else if (flag === "--kubeconfig") args.kubeconfig = value;
      else {
        const seconds = Number(value);
        if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new UsageError(`--timeout takes seconds between 0 and 600, got ${JSON.stringify(value)}`);
        args.timeoutMs = seconds * 1000;
      }
    } else throw new UsageError(`unknown argument ${JSON.stringify(flag)}; ${USAGE}`);
  }
  if (!args.stack) throw new UsageError(`--stack <name> is required, e.g. npm run verify -- --stack dev; ${USAGE}`);
  return args;
}

/** The deployed namespaces from `pulumi stack output`, when the CLI and its backend answer; else undefined. */
async function stackOutputs(stack: string, timeoutMs: number): Promise<{ namespace?: string; agentsNamespace?: string } | undefined> {
  try {
    const { stdout } = await promisify(execFile)("pulumi", ["stack", "output", "--json", "--stack", stack], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  const args = parseVerifyArgs(process.argv.slice(2));
  const progress = (message: string) => process.stderr.write(`verify: ${message}\n`);
  const settings = parseSettings(rawSettingsFromStackFile(args.stack));
  const outputs = await stackOutputs(args.stack, Math.max(args.timeoutMs, 30_000));
  if (!outputs) progress(`no outputs from pulumi stack output --stack ${args.stack}: using the namespaces the stack file sets`);
  const kc = loadKubeConfig(args);
  progress(`context ${kc.getCurrentContext()}, cluster ${kc.getCurrentCluster()?.server}`);
  const transport = new PortForwardTransport(kc, args.timeoutMs);
  const ctx: VerifyContext = {
    settings,
    namespace: outputs?.namespace ?? settings.namespace,
    agentsNamespace: outputs?.agentsNamespace ?? settings.agentsNamespace,
    cluster: new KubeClusterReader(kc, args.timeoutMs),
    transport,
    deadlineMs: Math.max(60_000, 3 * args.timeoutMs),
    progress,
    runId: `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`,
  };
  try {
    const results = await runChecks(ctx, { sendTestAlert: args.sendTestAlert });
    process.stdout.write(`${args.json ? formatJson(args.stack, results) : formatTable(results)}\n`);
    return passed(results) ? 0 : 1;
  } finally {
    await transport.close();
  }
}

function report(err: Error): number {
  if (err instanceof UsageError || err instanceof StackFileError) return console.error(`verify: ${err.message}`), 2;
  if (err instanceof SettingsError) return err.problems.forEach((problem) => console.error(problem)), 2;
  console.error(`verify: ${err.message}`);
  return 2;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => process.exit(report(err)),
  );
}
