import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { pinnedBinaries, UPSTREAM_BIN } from "../../scripts/upstream-tools-plan";

/**
 * The upstream programs the tests run. `npm run upstream-tools` builds the releases the stack deploys
 * (configs/images.ts) into .upstream/bin/; without Go, Debian's packages on PATH stand in
 * (`apt-get install prometheus prometheus-alertmanager`: Prometheus 2.42, Alertmanager 0.25).
 * Debian names the Alertmanager server `prometheus-alertmanager`; both names find either build.
 */
const PINNED_NAME: Record<string, string> = { "prometheus-alertmanager": "alertmanager" };
const PATH_NAMES: Record<string, string[]> = { alertmanager: ["alertmanager", "prometheus-alertmanager"], "prometheus-alertmanager": ["prometheus-alertmanager", "alertmanager"] };

/** Each pinned binary and the version it must report. */
const PINNED_VERSIONS = new Map([...pinnedBinaries()].map(([binary, program]) => [binary, program.version] as const));

const inCi = () => process.env.CI === "true";

function pinnedFile(name: string): string | undefined {
  const pinnedName = PINNED_NAME[name] ?? name;
  if (!PINNED_VERSIONS.has(pinnedName)) return undefined;
  const file = path.join(UPSTREAM_BIN, pinnedName);
  return fs.existsSync(file) ? file : undefined;
}

function onPath(name: string): string | undefined {
  for (const candidate of PATH_NAMES[name] ?? [name]) {
    const found = spawnSync("sh", ["-c", 'command -v "$1"', "sh", candidate], { encoding: "utf8" }).stdout.trim();
    if (found) return found;
  }
  return undefined;
}

/**
 * The upstream binary: the pinned build when there is one, else the one on PATH, else undefined.
 * In CI (`CI=true`) the pinned builds are required (`.ci/run` builds them) and anything missing
 * fails the test: a silent skip or a silent fallback would hide that it did not.
 */
export function binary(name: string): string | undefined {
  const pinned = pinnedFile(name);
  if (pinned) return pinned;
  if (inCi() && PINNED_VERSIONS.has(PINNED_NAME[name] ?? name)) {
    throw new Error(`${name}: ${path.join(UPSTREAM_BIN, PINNED_NAME[name] ?? name)} is missing; CI tests the pinned build: run \`npm run upstream-tools\``);
  }
  const found = onPath(name);
  if (found) return found;
  if (inCi()) throw new Error(`${name} is not installed`);
  return undefined;
}

/** True when `binary(name)` is the release the stack deploys (built by `npm run upstream-tools`). */
export function isPinned(name: string): boolean {
  return pinnedFile(name) !== undefined;
}

/** The version a binary reports with `--version`, e.g. `3.14.0` or `2.42.0+ds`; undefined when missing. */
export function binaryVersion(name: string): string | undefined {
  const file = binary(name);
  if (!file) return undefined;
  const result = spawnSync(file, ["--version"], { encoding: "utf8" });
  return /version (\S+)/.exec(`${result.stdout}${result.stderr}`)?.[1];
}

/** `a` is older than `b`, comparing `major.minor.patch` (anything after the numbers, like `+ds`, ignored). */
export function versionOlderThan(a: string, b: string): boolean {
  const parts = (v: string) => (/^(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return false;
}

/** Runs a tool; returns its exit code and combined output. */
export function run(cmd: string, args: string[], cwd?: string): { code: number; output: string } {
  try {
    const output = execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { code: 0, output };
  } catch (err: any) {
    return { code: err.status ?? 1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

/** `test` when the binaries are there, otherwise `test.skip` (never in CI: binary() throws there). */
export function withBinaries(...names: string[]): jest.It {
  return names.every((n) => binary(n)) ? test : test.skip;
}

/** `describe` when the binaries are there, otherwise `describe.skip` (never in CI: binary() throws there). */
export function describeWithBinaries(...names: string[]) {
  return names.every((n) => binary(n)) ? describe : describe.skip;
}

/** Why a test that needs the deployed release is skipped, appended to its name so the report shows it. */
const skipReason = (names: string[], why: string) => ` [skipped: needs the pinned ${names.join(", ")} (${why}); run \`npm run upstream-tools\`]`;

/**
 * `test` when the pinned builds of all `names` are there; otherwise a skipped test whose name says
 * `why` the Debian build cannot stand in. In CI, binary() fails instead of skipping.
 */
export function withPinnedBinaries(why: string, ...names: string[]) {
  const ready = names.every((n) => binary(n) && isPinned(n));
  return (name: string, fn: jest.ProvidesCallback, timeout?: number) => (ready ? test(name, fn, timeout) : test.skip(name + skipReason(names, why), fn, timeout));
}

/** `describe` when the pinned builds of all `names` are there; otherwise skipped, its name saying why. */
export function describeWithPinnedBinaries(why: string, ...names: string[]) {
  const ready = names.every((n) => binary(n) && isPinned(n));
  return (name: string, fn: jest.EmptyFunction) => (ready ? describe(name, fn) : describe.skip(name + skipReason(names, why), fn));
}
