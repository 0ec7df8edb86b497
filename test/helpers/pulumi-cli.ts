/**
 * The Pulumi CLI as users run it, against the test cluster: the pinned CLI, Node.js language host and
 * Kubernetes provider from .upstream/bin/ (`npm run upstream-tools`), on a copy of this project in a
 * temporary folder (node_modules linked, never copied) whose Pulumi.yaml keeps its local file backend
 * (`file://.`): state, stack files and the encryption salt land in the copy, never in the project.
 *
 * Every command gets its own PULUMI_HOME in the copy, no update check, no plugin download (a missing
 * plugin fails at once), a passphrase for the stack's secrets and the cluster's kubeconfig, state
 * written once per command (PULUMI_SKIP_CHECKPOINTS), and none of the caller's Pulumi credentials or
 * backend. Each runs in its own process group, recorded with the cluster so that it never outlives
 * the tests (test-cluster.ts). A failing command's error names each
 * resource that failed and the message the engine (or the API server, through the provider) gave.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, TEST_TOOLS, UPSTREAM_BIN } from "../../scripts/upstream-tools-plan";
import { trackGroup, TestCluster } from "./test-cluster";

/** What of the project a Pulumi run reads; the rest (tests, docs, git, built tools) is not copied. */
const NOT_COPIED = new Set([".git", "node_modules", ".upstream", ".pulumi", "out", "coverage", "test", ".github", ".ci", "docs"]);

/** One line of `--event-log`: the engine's events, as the Automation API reads them. */
export interface EngineEvent {
  sequence: number;
  timestamp: number;
  diagnosticEvent?: { urn?: string; message: string; severity: string };
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata; status: number; steps: number };
  summaryEvent?: { resourceChanges: Record<string, number> };
}

export interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  old?: { inputs?: any; outputs?: any };
  new?: { inputs?: any; outputs?: any };
  diffs?: string[];
  detailedDiff?: Record<string, { kind: string; inputDiff: boolean }>;
}

/** A step of `pulumi preview --json`. */
export interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { type: string; inputs?: any; outputs?: any };
  newState?: { type: string; inputs?: any; outputs?: any };
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, { kind: string; inputDiff: boolean }>;
}

export interface PulumiRun {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  events: EngineEvent[];
}

/** Every command run, with its wall time: the cluster tests print them (docs/benchmarks.md). */
export const timings: { command: string; seconds: number }[] = [];

/** `urn:pulumi:dev::observability::…$kubernetes:apps/v1:Deployment::grafana` → `kubernetes:apps/v1:Deployment grafana`. */
export function urnName(urn: string): string {
  const parts = urn.split("::");
  const type = parts[2]?.split("$").pop() ?? "";
  return `${type} ${parts[3] ?? ""}`.trim();
}

/** The errors in an event log, one line each: the resource and the message the engine gave for it. */
export function errorsOf(events: EngineEvent[]): string[] {
  return events
    .flatMap((e) => (e.diagnosticEvent && e.diagnosticEvent.severity === "error" ? [e.diagnosticEvent] : []))
    .map((d) => `${d.urn ? `${urnName(d.urn)}: ` : ""}${d.message.replace(/\u001b\[[0-9;]*m/g, "").trim()}`);
}

export class PulumiError extends Error {
  constructor(readonly run: PulumiRun) {
    const errors = errorsOf(run.events);
    const detail = errors.length ? errors.join("\n") : `${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`;
    super(`\`${run.command}\` failed (exit ${run.code}):\n${detail}`);
  }
}

/**
 * A folder holding `pulumi-language-nodejs`, a wrapper that starts the pinned one with
 * `-typescript=false`: the v3.68 language host reads Pulumi.yaml's `runtime.options` only from flags
 * (TEST_TOOLS.languageNodejs). Put it first on PATH.
 */
export function languageHostWrapper(root: string): string {
  const wrappers = path.join(root, "wrappers");
  fs.mkdirSync(wrappers, { recursive: true });
  fs.writeFileSync(path.join(wrappers, "pulumi-language-nodejs"), `#!/bin/sh\nexec "${path.join(UPSTREAM_BIN, "pulumi-language-nodejs")}" -typescript=false "$@"\n`, { mode: 0o755 });
  return wrappers;
}

function copyProject(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (NOT_COPIED.has(entry.name)) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === "policy") {
        copyProject(source, target);
        continue;
      }
      fs.cpSync(source, target, { recursive: true, filter: (file) => path.basename(file) !== "node_modules" });
    } else if (entry.isFile()) {
      fs.copyFileSync(source, target);
    }
  }
  if (fs.existsSync(path.join(from, "node_modules"))) fs.symlinkSync(path.join(from, "node_modules"), path.join(to, "node_modules"), "dir");
}

/** A copy of the project, and the environment every `pulumi` command in it runs with. */
export class PulumiProject {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  private constructor(readonly cluster: TestCluster, root: string) {
    this.dir = path.join(root, "project");
    copyProject(PROJECT_ROOT, this.dir);
    const wrappers = languageHostWrapper(root);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith("PULUMI_")) delete env[key];
    this.env = {
      ...env,
      PATH: [wrappers, UPSTREAM_BIN, process.env.PATH].join(path.delimiter),
      PULUMI_HOME: path.join(root, "pulumi-home"),
      PULUMI_SKIP_UPDATE_CHECK: "1",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
      KUBECONFIG: cluster.kubeconfig,
      NO_COLOR: "1",
      // Registers `--event-log` (the engine's events as JSON lines), as the Automation API does.
      PULUMI_DEBUG_COMMANDS: "true",
      // The state is written once, at the end of each command, instead of after every step: the same
      // final state (failed commands included), a quarter less CPU for the cluster tests (docs/benchmarks.md).
      // Users keep the per-step checkpoints, which matter only if the CLI itself dies mid-run.
      PULUMI_SKIP_CHECKPOINTS: "true",
    };
  }

  /** A fresh copy of the project in the cluster's folder, named `name`. */
  static create(cluster: TestCluster, name: string): PulumiProject {
    const root = path.join(cluster.dir, "projects", name);
    fs.mkdirSync(root, { recursive: true });
    return new PulumiProject(cluster, root);
  }

  /**
   * Runs `pulumi <args>` in the copy. Commands that deploy get `--event-log`, so a failure names each
   * resource and its error. Rejects with a PulumiError unless `allowFailure`.
   */
  async run(args: string[], options: { stdin?: string; allowFailure?: boolean } = {}): Promise<PulumiRun> {
    const eventLogged = ["up", "preview", "destroy", "refresh"].includes(args[0]);
    const eventLog = path.join(this.dir, "..", `events-${Date.now()}-${randomBytes(3).toString("hex")}.jsonl`);
    const fullArgs = [...args, ...(eventLogged ? ["--event-log", eventLog] : []), "--color=never"];
    const command = `pulumi ${args.join(" ")}`;
    const started = Date.now();
    const child = spawn(path.join(UPSTREAM_BIN, "pulumi"), fullArgs, { cwd: this.dir, env: this.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const forget = child.pid !== undefined ? trackGroup(this.cluster.dir, child.pid, command) : () => undefined;
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(options.stdin ?? "");
    const code: number = await new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
    });
    forget();
    const events: EngineEvent[] = fs.existsSync(eventLog)
      ? fs
          .readFileSync(eventLog, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : [];
    const run: PulumiRun = { command, code, stdout, stderr, seconds: (Date.now() - started) / 1000, events };
    timings.push({ command: `${path.basename(path.dirname(this.dir))}: ${command}`, seconds: run.seconds });
    if (code !== 0 && !options.allowFailure) throw new PulumiError(run);
    return run;
  }

  /** `pulumi stack select --create <stack>`, as the README's quickstart. */
  selectStack(stack: string): Promise<PulumiRun> {
    return this.run(["stack", "select", "--create", stack, "--non-interactive"]);
  }

  /** `pulumi config set [--secret] [--path] <key>`, the value on stdin as when the command prompts. */
  configSet(stack: string, key: string, value: string, options: { secret?: boolean; path?: boolean } = {}): Promise<PulumiRun> {
    return this.run(["config", "set", ...(options.secret ? ["--secret"] : []), ...(options.path ? ["--path"] : []), key, "--stack", stack, "--non-interactive"], { stdin: value });
  }

  up(stack: string, extra: string[] = []): Promise<PulumiRun> {
    return this.run(["up", "--stack", stack, "--yes", "--skip-preview", "--non-interactive", ...extra]);
  }

  /** `pulumi preview --json`: the steps the engine would take. */
  async preview(stack: string, extra: string[] = [], options: { allowFailure?: boolean } = {}): Promise<{ run: PulumiRun; steps: PreviewStep[] }> {
    const run = await this.run(["preview", "--stack", stack, "--json", "--non-interactive", ...extra], options);
    let steps: PreviewStep[] = [];
    try {
      steps = JSON.parse(run.stdout).steps ?? [];
    } catch {
      // a failed preview may print no JSON; the run's errors say why
    }
    return { run, steps };
  }

  destroy(stack: string, options: { allowFailure?: boolean } = {}): Promise<PulumiRun> {
    return this.run(["destroy", "--stack", stack, "--yes", "--skip-preview", "--non-interactive"], options);
  }

  /** `pulumi stack export`: the state file as the backend stores it (secrets encrypted). */
  async stackExport(stack: string): Promise<{ text: string; resources: { urn: string; type: string; id?: string; outputs?: any; protect?: boolean; external?: boolean }[] }> {
    const { stdout } = await this.run(["stack", "export", "--stack", stack]);
    return { text: stdout, resources: JSON.parse(stdout).deployment.resources ?? [] };
  }
}

/** The provider version the engine loads: what .upstream/bin/ holds (TEST_TOOLS), not what @pulumi/kubernetes asks for. */
export const PROVIDER_VERSION = TEST_TOOLS.kubernetesProvider.version;
