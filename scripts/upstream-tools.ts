/**
 * `npm run upstream-tools [-- --force | --check] [--jobs N] [--only a,b]`: builds the upstream programs
 * the tests run (scripts/upstream-tools-plan.ts: the releases configs/images.ts deploys, and the Pulumi
 * CLI, provider and control plane test/cluster/ runs) from their Go modules into .upstream/bin/.
 *
 * Each program has a small Go module in test/upstream/<program>/ that requires the upstream module
 * (plus upstream's replace directives, which do not carry over to a module that requires it) and
 * names the commands as `tool`s; `go build` there builds them with go.sum enforced. Only Go modules
 * are downloaded, through Go's own module proxy settings; Go's module and build caches (GOMODCACHE,
 * GOCACHE) are left where Go keeps them, so a rebuild after a version bump recompiles only what changed.
 * A program already built from the same go.mod, go.sum, flags and added files, whose binaries report
 * the pinned version, is skipped. `--force` rebuilds anyway; `--check` builds nothing and exits 1 if a
 * build is due; `--only` limits the run to the named test/upstream folders; `--jobs` (default 2) builds
 * that many programs at once, longest first: `go build` alone leaves cores idle while it links.
 */
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
  AddedFile,
  builtVersion,
  commandPackage,
  goModMismatches,
  ldflags,
  readGoMod,
  UPSTREAM_BIN,
  UPSTREAM_BUILD,
  UPSTREAM_MODULES,
  UpstreamProgram,
  upstreamPrograms,
} from "./upstream-tools-plan";

const log = (line: string) => console.log(`upstream-tools: ${line}`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;

/**
 * Cold builds, longest first, so that with `--jobs 2` the provider's 12 minutes overlap everything
 * else (measured on 2 cores: docs/benchmarks.md). Programs not listed go last.
 */
const COLD_BUILD_ORDER = ["pulumi-kubernetes", "kubernetes", "prometheus", "pulumi", "kwok", "kube-state-metrics", "alertmanager", "kube-rbac-proxy", "pulumi-language-nodejs", "etcd", "node-exporter", "blackbox-exporter"];

/** `go1.26.8` → [1, 26, 8] */
const goVersionParts = (v: string) => v.replace(/^go/, "").split(/[^\d]+/).filter(Boolean).map(Number);
function olderThan(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

function localGoVersion(needs: string): string {
  const result = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    console.error(`upstream-tools: \`go\` is not on PATH: install Go ${needs} or later (https://go.dev/dl/), or run the tests on Debian's prometheus packages (README, Tests)`);
    process.exit(1);
  }
  return result.stdout.trim();
}

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

/**
 * The added files as they are written: path, reason and a hash of the content, which the verified
 * upstream module (locked by go.sum) and the pinned versions determine. Not the text of the function
 * that writes them: that depends on how this script was transpiled.
 */
const addedFilesKey = (files: AddedFile[] | undefined, upstreamDir: string) => (files ?? []).map((f) => `${f.path}\n${f.why}\n${sha256(f.content(upstreamDir))}`);

/** What the binaries were built from; a change to any of it rebuilds. */
async function buildKey(program: UpstreamProgram): Promise<string> {
  const dir = path.join(UPSTREAM_MODULES, program.moduleDir);
  const hash = createHash("sha256");
  for (const file of fs.readdirSync(dir).filter((f) => /^go\.(mod|sum)$|\.go$/.test(f)).sort()) hash.update(`${file}\n`).update(fs.readFileSync(path.join(dir, file)));
  hash.update(ldflags(program));
  const adds = program.upstreamModuleFiles?.length || program.toolModuleFiles?.length;
  const upstreamDir = adds ? await verifiedModuleDir(program) : "";
  hash.update(JSON.stringify([program.commands, addedFilesKey(program.upstreamModuleFiles, upstreamDir), addedFilesKey(program.toolModuleFiles, upstreamDir), program.artifacts ?? []]));
  return hash.digest("hex");
}

const stampFile = (program: UpstreamProgram) => path.join(UPSTREAM_BIN, `.${program.moduleDir}.build`);

async function upToDate(program: UpstreamProgram): Promise<boolean> {
  if (!fs.existsSync(stampFile(program)) || fs.readFileSync(stampFile(program), "utf8").trim() !== (await buildKey(program))) return false;
  if (!(program.artifacts ?? []).every((a) => fs.existsSync(path.join(UPSTREAM_BIN, a.file)))) return false;
  return program.commands.every((c) => builtVersion(program, path.join(UPSTREAM_BIN, c.binary)) === program.version);
}

/** Runs `go` in `cwd` (default the program's module folder); resolves with its stdout, its stderr printed line by line with the program's name. */
function go(program: UpstreamProgram, args: string[], cwd = path.join(UPSTREAM_MODULES, program.moduleDir)): Promise<string> {
  // -mod=readonly: go.sum is the lock file, never rewritten; -buildvcs=false: our own repo's git
  // state is not part of these binaries.
  const env = { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ""} -mod=readonly -buildvcs=false`.trim() };
  return new Promise((resolve, reject) => {
    const child = spawn("go", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) console.error(`  ${program.moduleDir}: ${line}`);
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (pending) console.error(`  ${program.moduleDir}: ${pending}`);
      code === 0 ? resolve(stdout) : reject(new Error(`go ${args[0]} for ${program.moduleDir} ${program.version} failed (exit ${code})`));
    });
  });
}

/** The upstream module's folder in Go's module cache, after checking its checksum against go.sum. */
async function verifiedModuleDir(program: UpstreamProgram): Promise<string> {
  const downloaded = JSON.parse(await go(program, ["mod", "download", "-json", `${program.module}@${program.moduleVersion}`]));
  const goSum = fs.readFileSync(path.join(UPSTREAM_MODULES, program.moduleDir, "go.sum"), "utf8");
  if (!goSum.includes(`${program.module} ${program.moduleVersion} ${downloaded.Sum}\n`)) {
    throw new Error(`${program.module}@${program.moduleVersion} in the module cache has checksum ${downloaded.Sum}, which go.sum does not list`);
  }
  return downloaded.Dir;
}

function addFiles(program: UpstreamProgram, files: AddedFile[], upstreamDir: string, into: string): void {
  for (const file of files) {
    log(`  ${program.moduleDir}: adding ${file.path}: ${file.why}`);
    fs.mkdirSync(path.dirname(path.join(into, file.path)), { recursive: true });
    fs.writeFileSync(path.join(into, file.path), file.content(upstreamDir));
  }
}

/**
 * Where `go build` runs and with which extra flags. Usually the tool module itself. For a module
 * missing generated files: a copy of the verified upstream module with them added, and an alternate
 * go.mod (`-modfile`) that replaces the module with the copy. For a tool module whose own main
 * package embeds generated files: a copy of the tool module with them added. test/upstream stays untouched.
 */
async function buildPlace(program: UpstreamProgram, upstreamDir: string): Promise<{ cwd: string; flags: string[] }> {
  const toolDir = path.join(UPSTREAM_MODULES, program.moduleDir);
  let cwd = toolDir;
  const flags: string[] = [];
  if (program.toolModuleFiles?.length) {
    cwd = path.join(UPSTREAM_BUILD, program.moduleDir);
    fs.rmSync(cwd, { recursive: true, force: true });
    fs.mkdirSync(cwd, { recursive: true });
    for (const file of fs.readdirSync(toolDir).filter((f) => /^go\.(mod|sum)$|\.go$/.test(f))) fs.copyFileSync(path.join(toolDir, file), path.join(cwd, file));
    addFiles(program, program.toolModuleFiles, upstreamDir, cwd);
  }
  if (program.upstreamModuleFiles?.length) {
    const copy = path.join(UPSTREAM_BUILD, `${program.moduleDir}@${program.moduleVersion}`);
    fs.rmSync(copy, { recursive: true, force: true });
    fs.cpSync(upstreamDir, copy, { recursive: true });
    makeWritable(copy); // the module cache is read-only, and cpSync keeps modes
    addFiles(program, program.upstreamModuleFiles, upstreamDir, copy);
    const modFile = path.join(UPSTREAM_BUILD, `${program.moduleDir}.mod`);
    const goMod = fs.readFileSync(path.join(cwd, "go.mod"), "utf8");
    fs.writeFileSync(modFile, `${goMod}\nreplace ${program.module} ${program.moduleVersion} => ${copy}\n`);
    fs.copyFileSync(path.join(cwd, "go.sum"), modFile.replace(/\.mod$/, ".sum"));
    flags.push(`-modfile=${modFile}`);
  }
  return { cwd, flags };
}

function makeWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(file);
    else fs.chmodSync(file, 0o644);
  }
}

/** Copies the module's files the tests need next to the binaries (YAML documents joined by `---`). */
function copyArtifacts(program: UpstreamProgram, upstreamDir: string): void {
  for (const artifact of program.artifacts ?? []) {
    const documents = artifact.from.map((file) => fs.readFileSync(path.join(upstreamDir, file), "utf8").replace(/^---\n/, "").trimEnd());
    fs.writeFileSync(path.join(UPSTREAM_BIN, artifact.file), `# From ${program.module}@${program.moduleVersion} (${artifact.why}):\n# ${artifact.from.join(", ")}\n${documents.join("\n---\n")}\n`);
  }
}

async function goBuild(program: UpstreamProgram): Promise<void> {
  const upstreamDir = await verifiedModuleDir(program);
  const { cwd, flags } = await buildPlace(program, upstreamDir);
  const started = Date.now();
  // A cold build takes minutes and `go build` is silent until it is done.
  const heartbeat = setInterval(() => log(`  ... still building ${program.moduleDir} (${seconds(started)})`), 60_000);
  try {
    // One `go build` per binary name that differs from its package's (Go names a binary after its package).
    const asNamed = program.commands.filter((c) => c.pkg !== "." && path.posix.basename(commandPackage(program, c)) === c.binary);
    const renamed = program.commands.filter((c) => !asNamed.includes(c));
    if (asNamed.length) await go(program, ["build", ...flags, "-o", `${UPSTREAM_BIN}${path.sep}`, "-ldflags", ldflags(program), ...asNamed.map((c) => commandPackage(program, c))], cwd);
    for (const c of renamed) await go(program, ["build", ...flags, "-o", path.join(UPSTREAM_BIN, c.binary), "-ldflags", ldflags(program), commandPackage(program, c)], cwd);
  } finally {
    clearInterval(heartbeat);
  }
  copyArtifacts(program, upstreamDir);
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Runs `work` over `items` with at most `jobs` at a time; rejects with the first failure once the others are done. */
async function inParallel<T>(items: T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const failures: unknown[] = [];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      await work(item).catch((err) => failures.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  if (failures.length) throw failures[0];
}

async function main(): Promise<void> {
  const force = process.argv.includes("--force");
  const checkOnly = process.argv.includes("--check");
  const jobs = Number(option("--jobs") ?? 2);
  const only = option("--only")?.split(",");
  const all = upstreamPrograms();
  const unknown = (only ?? []).filter((name) => !all.some((p) => p.moduleDir === name));
  if (unknown.length) throw new Error(`--only ${unknown.join(",")}: no such program; known: ${all.map((p) => p.moduleDir).join(", ")}`);
  const programs = only ? all.filter((p) => only.includes(p.moduleDir)) : all;
  const newestGoNeeded = programs.map((p) => readGoMod(p).go).sort((a, b) => (olderThan(goVersionParts(a), goVersionParts(b)) ? 1 : -1))[0];
  const goVersion = localGoVersion(newestGoNeeded);

  const mismatches = programs.flatMap((p) => goModMismatches(p, readGoMod(p)));
  if (mismatches.length > 0) throw new Error(`test/upstream does not match the pinned versions:\n  - ${mismatches.join("\n  - ")}`);

  fs.mkdirSync(UPSTREAM_BIN, { recursive: true });
  fs.mkdirSync(UPSTREAM_BUILD, { recursive: true });
  const started = Date.now();
  const due: UpstreamProgram[] = [];
  for (const program of programs) {
    const names = program.commands.map((c) => c.binary).join(", ");
    if (!force && (await upToDate(program))) log(`${names} ${program.version}: up to date`);
    else if (checkOnly) {
      log(`${names} ${program.version}: not built, or built from another go.mod, go.sum or flags`);
      process.exitCode = 1;
    } else due.push(program);
  }
  const rank = (p: UpstreamProgram) => (COLD_BUILD_ORDER.includes(p.moduleDir) ? COLD_BUILD_ORDER.indexOf(p.moduleDir) : COLD_BUILD_ORDER.length);
  due.sort((a, b) => rank(a) - rank(b));
  const timings: string[] = [];
  await inParallel(due, jobs, async (program) => {
    const names = program.commands.map((c) => c.binary).join(", ");
    const needs = readGoMod(program).go;
    if (olderThan(goVersionParts(goVersion), goVersionParts(needs))) {
      log(`${program.moduleDir} needs Go ${needs}, this is ${goVersion}: Go will use a newer toolchain only if GOTOOLCHAIN allows it (${process.env.GOTOOLCHAIN ?? "auto"})`);
    }
    log(`building ${names} ${program.version} (${program.module} ${program.moduleVersion}) with ${goVersion}...`);
    fs.rmSync(stampFile(program), { force: true });
    const buildStarted = Date.now();
    await goBuild(program);
    for (const c of program.commands) {
      const file = path.join(UPSTREAM_BIN, c.binary);
      const built = builtVersion(program, file);
      if (built !== program.version) throw new Error(`${file} reports version ${built ?? "(none)"}, expected ${program.version}`);
    }
    fs.writeFileSync(stampFile(program), `${await buildKey(program)}\n`);
    log(`built ${names} ${program.version} in ${seconds(buildStarted)}`);
    timings.push(`${program.moduleDir} ${seconds(buildStarted)}`);
  });
  if (timings.length) log(`build times (${jobs} at a time): ${timings.join(", ")}`);
  log(`done in ${seconds(started)}: ${path.relative(process.cwd(), UPSTREAM_BIN) || "."}`);
}

main().catch((err) => {
  console.error(`upstream-tools: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
