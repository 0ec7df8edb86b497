/**
 * `npm run render-diff -- [<git-ref>]` (default HEAD)
 *
 * Proves a refactoring changed no behaviour: renders every stack at <git-ref> (in a temporary `git
 * worktree`, with the project's node_modules linked in) and in the working tree, each with that
 * tree's own `npm run render`, and compares the renders byte for byte (manifests.yaml, files/,
 * outputs.json, resources.json). Exit 0 when identical; 1 with a unified diff of every difference;
 * 2 for a usage mistake or a render that failed.
 *
 * It removes only what it created: its temporary folder, the worktree it added and the link in it.
 */
import { spawn, SpawnOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { listStacks, PROJECT_ROOT } from "./offline";
import { RENDER_MARKER } from "./render";

const USAGE = "usage: npm run render-diff -- [<git-ref>]   (default HEAD; compares every stack's render at the ref with the working tree's)";

export class UsageError extends Error {
  name = "UsageError";
}

/** The one optional argument: a git ref (a branch, tag, commit or `HEAD~2`). */
export function parseArgs(argv: string[]): { ref: string } {
  if (argv.length > 1) throw new UsageError(`expected at most one git ref, got ${argv.length} arguments; ${USAGE}`);
  const [ref = "HEAD"] = argv;
  if (ref.startsWith("-")) throw new UsageError(`unknown option ${JSON.stringify(ref)}; ${USAGE}`);
  return { ref };
}

/** Every file of the renders in `dir`, as sorted `/`-separated paths relative to it; a render's marker is not output. */
export function renderFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.name !== RENDER_MARKER) found.push(child);
    }
  };
  walk("");
  return found.sort();
}

export type FileDifference = { file: string; change: "changed" | "only at the ref" | "only in the working tree" };

/** Files whose bytes differ between two renders, or that only one of them has, in path order. */
export function compareRenders(atRef: Map<string, Buffer>, working: Map<string, Buffer>): FileDifference[] {
  const files = [...new Set([...atRef.keys(), ...working.keys()])].sort();
  return files.flatMap((file): FileDifference[] => {
    const before = atRef.get(file);
    const after = working.get(file);
    if (!after) return [{ file, change: "only at the ref" }];
    if (!before) return [{ file, change: "only in the working tree" }];
    return before.equals(after) ? [] : [{ file, change: "changed" }];
  });
}

export function readRender(dir: string): Map<string, Buffer> {
  return new Map(renderFiles(dir).map((file) => [file, fs.readFileSync(path.join(dir, file))]));
}

/** Set by Ctrl-C or SIGTERM: the run stops before its next render and still removes what it created. */
let interrupted: NodeJS.Signals | undefined;

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: SpawnOptions = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

async function git(args: string[], cwd = PROJECT_ROOT): Promise<string> {
  const result = await run("git", args, { cwd });
  if (result.code !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Renders every stack of the tree at `root` with that tree's own render command. */
async function renderTree(root: string, stacks: string[], outRoot: string, env: NodeJS.ProcessEnv): Promise<void> {
  for (const stack of stacks) {
    if (interrupted) throw new Error(`interrupted by ${interrupted}`);
    const out = path.join(outRoot, stack);
    const result = await run("npm", ["run", "--silent", "render", "--", "--stack", stack, "--out", out], { cwd: root, env });
    if (result.code !== 0) throw new Error(`render of stack ${stack} in ${root} failed:\n${result.stderr.trim() || result.stdout.trim()}`);
  }
}

/** A unified diff of one file between the two renders, labelled by where each side came from. */
async function unifiedDiff(scratch: string, file: string): Promise<string> {
  const result = await run("git", ["diff", "--no-index", "--no-color", "--text", "--", `ref/${file}`, `working-tree/${file}`], { cwd: scratch });
  if (result.code > 1) throw new Error(`git diff --no-index ${file}: ${result.stderr.trim()}`);
  return result.stdout;
}

async function main(): Promise<number> {
  const { ref } = parseArgs(process.argv.slice(2));
  const commit = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(() => {
    throw new UsageError(`${JSON.stringify(ref)} is not a commit in this repository; ${USAGE}`);
  });
  const stacks = listStacks();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "observability-render-diff-"));
  const worktree = path.join(scratch, "checkout");
  const link = path.join(worktree, "node_modules");
  let worktreeAdded = false;
  let linked = false;
  try {
    await git(["worktree", "add", "--detach", "--quiet", worktree, commit]);
    worktreeAdded = true;
    if (fs.existsSync(link)) throw new Error(`${ref} tracks node_modules; refusing to link over it`);
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), link, "dir");
    linked = true;
    // The checkout's transpile cache stays in the scratch folder, not in the project's node_modules.
    const refEnv = { ...process.env, OBSERVABILITY_TS_CACHE_DIR: path.join(scratch, "ts-cache") };
    console.error(`render-diff: rendering ${stacks.join(", ")} at ${ref} (${commit.slice(0, 12)}) and in the working tree`);
    await renderTree(worktree, stacks, path.join(scratch, "ref"), refEnv);
    await renderTree(PROJECT_ROOT, stacks, path.join(scratch, "working-tree"), process.env);

    const differences = compareRenders(readRender(path.join(scratch, "ref")), readRender(path.join(scratch, "working-tree")));
    if (differences.length === 0) {
      console.log(`render-diff: ${stacks.join(", ")}: the working tree renders byte-identical to ${ref} (${commit.slice(0, 12)})`);
      return 0;
    }
    for (const { file } of differences) process.stdout.write(await unifiedDiff(scratch, file));
    console.error(`render-diff: ${differences.length} file(s) differ from ${ref} (${commit.slice(0, 12)}):`);
    for (const { file, change } of differences) console.error(`  ${file}: ${change}`);
    return 1;
  } finally {
    if (linked) fs.unlinkSync(link);
    if (worktreeAdded) {
      // Only the worktree this run added; --force only for files its render left inside it.
      await git(["worktree", "remove", worktree]).catch(() => git(["worktree", "remove", "--force", worktree]));
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => (interrupted = signal));
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`render-diff: ${err instanceof UsageError ? err.message : err.stack ?? err}`);
      process.exit(2);
    },
  );
}
