/**
 * `npm run upstream-tools [-- --force | --check]`: builds the Prometheus and Alertmanager releases the stack
 * deploys (configs/images.ts) from their Go modules into .upstream/bin/, for the tests.
 *
 * Each program has a small Go module in test/upstream/<program>/ that requires the upstream module
 * (plus upstream's replace directives, which do not carry over to a module that requires it) and
 * names the commands as `tool`s; `go build` there builds them with go.sum enforced. Only Go modules
 * are downloaded, through Go's own module proxy settings; Go's module and build caches (GOMODCACHE,
 * GOCACHE) are left where Go keeps them, so a rebuild after a version bump recompiles only what changed.
 * A program already built from the same go.mod, go.sum and flags, whose binaries report the pinned
 * version, is skipped. `--force` rebuilds anyway; `--check` builds nothing and exits 1 if a build is due.
 */
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
  binaryName,
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

/** What the binaries were built from; a change to any of it rebuilds. */
function buildKey(program: UpstreamProgram): string {
  const dir = path.join(UPSTREAM_MODULES, program.moduleDir);
  const hash = createHash("sha256");
  for (const file of ["go.mod", "go.sum"]) hash.update(fs.readFileSync(path.join(dir, file)));
  hash.update(ldflags(program));
  hash.update(JSON.stringify(program.missingFiles ?? []));
  return hash.digest("hex");
}

const stampFile = (program: UpstreamProgram) => path.join(UPSTREAM_BIN, `.${program.moduleDir}.build`);

/** The version line a binary prints, e.g. `promtool, version 3.14.0 (branch: …)`; undefined if it cannot run. */
function reportedVersion(file: string): string | undefined {
  const result = spawnSync(file, ["--version"], { encoding: "utf8" });
  if (result.status !== 0) return undefined;
  return /version (\S+)/.exec(`${result.stdout}${result.stderr}`)?.[1];
}

function upToDate(program: UpstreamProgram): boolean {
  if (!fs.existsSync(stampFile(program)) || fs.readFileSync(stampFile(program), "utf8").trim() !== buildKey(program)) return false;
  return program.commands.every((c) => reportedVersion(path.join(UPSTREAM_BIN, binaryName(c))) === program.version);
}

/** Runs `go` in the program's module folder; resolves with its stdout. */
function go(program: UpstreamProgram, args: string[], options: { inherit?: boolean } = {}): Promise<string> {
  // -mod=readonly: go.sum is the lock file, never rewritten; -buildvcs=false: our own repo's git
  // state is not part of these binaries.
  const env = { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ""} -mod=readonly -buildvcs=false`.trim() };
  return new Promise((resolve, reject) => {
    const child = spawn("go", args, { cwd: path.join(UPSTREAM_MODULES, program.moduleDir), env, stdio: ["ignore", options.inherit ? "inherit" : "pipe", "inherit"] });
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`go ${args[0]} for ${program.image} ${program.version} failed (exit ${code})`))));
  });
}

/**
 * For a module that lacks files its build needs: a copy of the module as Go verified it against
 * go.sum, plus those files, and an alternate go.mod/go.sum pair (`-modfile`) that replaces the module
 * with the copy. test/upstream's own go.mod stays untouched. Returns the extra `go build` flags.
 */
async function withMissingFiles(program: UpstreamProgram): Promise<string[]> {
  if (!program.missingFiles?.length) return [];
  const downloaded = JSON.parse(await go(program, ["mod", "download", "-json", `${program.module}@${program.moduleVersion}`]));
  const goSum = fs.readFileSync(path.join(UPSTREAM_MODULES, program.moduleDir, "go.sum"), "utf8");
  if (!goSum.includes(`${program.module} ${program.moduleVersion} ${downloaded.Sum}\n`)) {
    throw new Error(`${program.module}@${program.moduleVersion} in the module cache has checksum ${downloaded.Sum}, which go.sum does not list`);
  }
  const copy = path.join(UPSTREAM_BUILD, `${program.moduleDir}@${program.moduleVersion}`);
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(downloaded.Dir, copy, { recursive: true });
  makeWritable(copy); // the module cache is read-only, and cpSync keeps modes
  for (const file of program.missingFiles) {
    log(`  adding ${file.path} to the module copy: ${file.why}`);
    fs.mkdirSync(path.dirname(path.join(copy, file.path)), { recursive: true });
    fs.writeFileSync(path.join(copy, file.path), file.content);
  }
  const modFile = path.join(UPSTREAM_BUILD, `${program.moduleDir}.mod`);
  const goMod = fs.readFileSync(path.join(UPSTREAM_MODULES, program.moduleDir, "go.mod"), "utf8");
  fs.writeFileSync(modFile, `${goMod}\nreplace ${program.module} ${program.moduleVersion} => ${copy}\n`);
  fs.writeFileSync(modFile.replace(/\.mod$/, ".sum"), goSum);
  return [`-modfile=${modFile}`];
}

function makeWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(file);
    else fs.chmodSync(file, 0o644);
  }
}

async function goBuild(program: UpstreamProgram): Promise<void> {
  const packages = program.commands.map((c) => `${program.module}/${c}`);
  const extraFlags = await withMissingFiles(program);
  const started = Date.now();
  // A cold build takes minutes and `go build` is silent until it is done.
  const heartbeat = setInterval(() => log(`  ... still building ${program.image} (${seconds(started)})`), 30_000);
  try {
    await go(program, ["build", ...extraFlags, "-o", `${UPSTREAM_BIN}${path.sep}`, "-ldflags", ldflags(program), ...packages], { inherit: true });
  } finally {
    clearInterval(heartbeat);
  }
}

async function main(): Promise<void> {
  const force = process.argv.includes("--force");
  const checkOnly = process.argv.includes("--check");
  const programs = upstreamPrograms();
  const newestGoNeeded = programs.map((p) => readGoMod(p).go).sort((a, b) => (olderThan(goVersionParts(a), goVersionParts(b)) ? 1 : -1))[0];
  const goVersion = localGoVersion(newestGoNeeded);

  const mismatches = programs.flatMap((p) => goModMismatches(p, readGoMod(p)));
  if (mismatches.length > 0) throw new Error(`test/upstream does not match configs/images.ts:\n  - ${mismatches.join("\n  - ")}`);

  fs.mkdirSync(UPSTREAM_BIN, { recursive: true });
  const started = Date.now();
  for (const program of programs) {
    const names = program.commands.map(binaryName).join(", ");
    if (!force && upToDate(program)) {
      log(`${names} ${program.version}: up to date`);
      continue;
    }
    if (checkOnly) {
      log(`${names} ${program.version}: not built, or built from another go.mod, go.sum or flags`);
      process.exitCode = 1;
      continue;
    }
    const needs = readGoMod(program).go;
    if (olderThan(goVersionParts(goVersion), goVersionParts(needs))) {
      log(`${program.image} needs Go ${needs}, this is ${goVersion}: Go will use a newer toolchain only if GOTOOLCHAIN allows it (${process.env.GOTOOLCHAIN ?? "auto"})`);
    }
    log(`building ${names} ${program.version} (${program.module} ${program.moduleVersion}) with ${goVersion}...`);
    fs.rmSync(stampFile(program), { force: true });
    const buildStarted = Date.now();
    await goBuild(program);
    for (const command of program.commands) {
      const file = path.join(UPSTREAM_BIN, binaryName(command));
      const reported = reportedVersion(file);
      if (reported !== program.version) throw new Error(`${file} reports version ${reported ?? "(none)"}, expected ${program.version}`);
    }
    fs.writeFileSync(stampFile(program), `${buildKey(program)}\n`);
    log(`built ${names} ${program.version} in ${seconds(buildStarted)}`);
  }
  log(`done in ${seconds(started)}: ${path.relative(process.cwd(), UPSTREAM_BIN) || "."}`);
}

main().catch((err) => {
  console.error(`upstream-tools: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
