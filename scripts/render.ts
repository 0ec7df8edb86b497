/**
 * `npm run render -- --stack <name> [--out <dir>] [--set key=value]... [--set-secret key=value]...`
 *
 * Runs the program offline for one stack and writes what it would deploy: manifests.yaml (Secret
 * values redacted), resources.json, outputs.json and every generated config file under files/.
 *
 * It writes only what it owns: a fresh folder next to the target, renamed into place when complete;
 * an existing target is replaced only when an earlier render marked it.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { RENDER_DIR_ANNOTATION } from "../components/kube";
import { sizingTable } from "../configs/capacity";
import type { SettingsError } from "../configs/settings";
import { OfflineRun, PROJECT, PROJECT_ROOT, readStackFile, RecordedResource, runProgram, StackConfig, StackFileError } from "./offline";

export const REDACTED = "<redacted>";

/** The file an earlier render left in its folder: only a folder holding it may be replaced. */
export const RENDER_MARKER = ".observability-render";
const MARKER_CONTENT = "Written by `npm run render`; a later render replaces this folder whole.\n";

const USAGE = "usage: npm run render -- --stack <name> [--out <dir>] [--set key=value]... [--set-secret key=value]...";

/** A mistake in how the command was called: one line, exit code 2. */
export class UsageError extends Error {
  name = "UsageError";
}

/** An output folder the render must not touch: one line, nothing deleted. */
export class OutputFolderError extends Error {
  name = "OutputFolderError";
}

export interface RenderArgs {
  stack: string;
  out: string;
  set: ConfigAssignment[];
  setSecret: ConfigAssignment[];
}

/** `observability:prometheus` + path `["retention"]` = value, as `pulumi config set --path` would store it. */
export interface ConfigAssignment {
  key: string;
  path: (string | number)[];
  value: string;
}

export function parseArgs(argv: string[]): RenderArgs {
  const args: RenderArgs = { stack: "", out: "", set: [], setSecret: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!["--stack", "--out", "--set", "--set-secret"].includes(flag)) {
      throw new UsageError(`unknown argument ${JSON.stringify(flag)}; ${USAGE}`);
    }
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value; ${USAGE}`);
    if (flag === "--stack") args.stack = value;
    else if (flag === "--out") {
      if (value.trim() === "") throw new UsageError(`--out needs a folder, e.g. --out out/<stack>; got an empty value`);
      args.out = value;
    }
    else (flag === "--set" ? args.set : args.setSecret).push(parseAssignment(flag, value));
  }
  if (!args.stack) throw new UsageError(`--stack <name> is required, e.g. npm run render -- --stack dev; ${USAGE}`);
  args.out ||= path.join("out", args.stack);
  return args;
}

/** `key=value`, where key is `[namespace:]name` followed by a path like Pulumi's `--path`: `.field`, `[0]`, `["dotted.name"]`. */
function parseAssignment(flag: string, text: string): ConfigAssignment {
  const at = text.indexOf("=");
  if (at < 1) throw new UsageError(`${flag} takes key=value, e.g. ${flag} prometheus.retention=10d; got ${JSON.stringify(text)}`);
  const [head, ...path] = parseConfigPath(flag, text.slice(0, at));
  const key = String(head).includes(":") ? String(head) : `${PROJECT}:${head}`;
  return { key, path, value: text.slice(at + 1) };
}

function parseConfigPath(flag: string, text: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const pattern = /^(?:\.?([^.[\]"]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\])/;
  let rest = text;
  while (rest.length > 0) {
    const match = pattern.exec(rest);
    if (!match || (segments.length === 0 && match[0].startsWith("."))) {
      throw new UsageError(`${flag}: cannot read the key ${JSON.stringify(text)}; use a path like prometheus.retention, app.namespaces[0] or grafana["ingress"].host`);
    }
    segments.push(match[1] ?? (match[2] !== undefined ? Number(match[2]) : JSON.parse(`"${match[3]}"`)));
    rest = rest.slice(match[0].length);
  }
  if (typeof segments[0] !== "string") throw new UsageError(`${flag}: the key ${JSON.stringify(text)} must start with a setting name`);
  return segments;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (value: unknown): value is { [key: string]: Json } => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * A field set inside a structure is typed as `pulumi config set --path` types it (the CLI's
 * config.coerce): "true"/"false" become booleans; text of two or more characters starting with "0"
 * stays text; what Go's strconv.ParseInt (or ParseUint) reads as a 64-bit integer (`+20`, `-7`)
 * becomes that number; anything else stays text. A top-level value stays text.
 */
export function pathValue(text: string): Json {
  if (text === "true" || text === "false") return text === "true";
  if (text.length > 1 && text.startsWith("0")) return text;
  if (/^[+-]?\d+$/.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 64n && !(text.startsWith("+") && BigInt(text) >= 2n ** 63n)) return Number(text);
  return text;
}

function setAtPath(container: Json, path: (string | number)[], value: Json, flag: string, key: string): Json {
  const [segment, ...rest] = path;
  if (typeof segment === "number") {
    const list = Array.isArray(container) ? [...container] : [];
    if (segment > list.length) throw new UsageError(`${flag} ${key}: index ${segment} is past the end of the list (${list.length} items)`);
    list[segment] = rest.length === 0 ? value : setAtPath(list[segment] ?? null, rest, value, flag, key);
    return list;
  }
  const object = isObject(container) ? { ...container } : {};
  // Defined, not assigned: `__proto__` stays a key, as in Pulumi's Go map, and the settings refuse it by name.
  Object.defineProperty(object, segment, {
    value: rest.length === 0 ? value : setAtPath(Object.hasOwn(object, segment) ? object[segment] : null, rest, value, flag, key),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return object;
}

function decodeStructure(text: string | undefined): Json {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return null;
  }
}

/**
 * The stack's config with the command line's assignments applied, as `pulumi config set [--path]
 * [--secret]` would leave it: a secret field inside a structure marks the whole key secret, and a
 * whole structure replaces the stack's (`notices` says so, naming the fields it drops).
 */
export function withOverrides(base: StackConfig, args: Pick<RenderArgs, "set" | "setSecret">, notices: string[] = []): StackConfig {
  const config = { ...base.config };
  const secretKeys = new Set(base.secretKeys);
  const apply = (assignment: ConfigAssignment, secret: boolean, flag: string) => {
    const { key, path, value } = assignment;
    if (path.length > 0) {
      config[key] = JSON.stringify(setAtPath(decodeStructure(config[key]), path, pathValue(value), flag, key));
      if (secret) secretKeys.add(key);
      return;
    }
    const structure = decodeStructure(value);
    const existing = decodeStructure(config[key]);
    if (isObject(structure) && isObject(existing) && !secretKeys.has(key)) {
      const dropped = Object.keys(existing).filter((field) => !(field in structure));
      if (dropped.length > 0) {
        notices.push(
          `${flag} ${key} replaces the stack's whole object, as pulumi config set does: ${dropped.join(", ")} fall back to their defaults; ` +
            `to change one field use ${flag} ${key.replace(/^[^:]+:/, "")}.<field>=<value>`,
        );
      }
    }
    config[key] = value;
    if (secret) secretKeys.add(key);
    else secretKeys.delete(key);
  };
  for (const assignment of args.set) apply(assignment, false, "--set");
  for (const assignment of args.setSecret) apply(assignment, true, "--set-secret");
  return { config, secretKeys: [...secretKeys] };
}
export interface Rendered {
  manifests: Record<string, any>[];
  files: Map<string, string>;
}

/** Turns recorded resources into what `kubectl apply -f` takes, with every Secret value redacted. */
export function renderRun(run: OfflineRun): Rendered {
  const manifests = run.resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
    .map((r) => toManifest(r));
  const files = new Map<string, string>();
  for (const m of manifests) {
    const dir = m.kind === "ConfigMap" ? m.metadata?.annotations?.[RENDER_DIR_ANNOTATION] : undefined;
    if (!dir) continue;
    for (const [key, value] of Object.entries<string>(m.data ?? {})) files.set(path.posix.join(dir, key), value);
  }
  assertNoSecretOutsideSecrets(run, manifests, files);
  return { manifests, files };
}

function toManifest(resource: RecordedResource): Record<string, any> {
  const manifest = JSON.parse(JSON.stringify(resource.state));
  if (manifest.kind === "Secret") {
    for (const field of ["data", "stringData"]) {
      if (manifest[field]) manifest[field] = Object.fromEntries(Object.keys(manifest[field]).map((k) => [k, REDACTED]));
    }
  }
  return manifest;
}

/** A last line of defence: a secret value anywhere but a Secret stops the render. */
function assertNoSecretOutsideSecrets(run: OfflineRun, manifests: Record<string, any>[], files: Map<string, string>): void {
  const texts = [JSON.stringify(manifests), JSON.stringify(run.outputs), ...files.values()];
  for (const secret of run.secretValues) {
    if (secret.length >= 4 && texts.some((t) => t.includes(secret))) {
      throw new Error("a secret config value appears outside a Kubernetes Secret; refusing to write the render");
    }
  }
}

/** `inner` is `outer` or lies below it. */
const within = (inner: string, outer: string) => {
  const relative = path.relative(outer, inner);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
};

/**
 * Where a render may write: never the repository (but its git-ignored out/), the current folder or
 * anything holding them, never through a symlink, only under a folder it can write to, and an
 * existing folder only when it is empty or an earlier render marked it. Checked before the program
 * runs, so a refused folder costs nothing.
 */
export function checkOutputFolder(out: string, cwd = process.cwd()): void {
  const given = path.resolve(cwd, out);
  const target = realish(given);
  for (const [what, protectedDir] of [["the repository", PROJECT_ROOT], ["the current folder", cwd]] as const) {
    if (within(realish(protectedDir), target)) {
      throw new OutputFolderError(`--out ${out}: refusing to write to ${target}, which is or holds ${what}; choose a folder of its own, e.g. out/<stack>`);
    }
  }
  const repository = realish(PROJECT_ROOT);
  if (within(target, repository) && !within(target, path.join(repository, "out"))) {
    throw new OutputFolderError(`--out ${out}: ${target} lies inside the repository, where only out/ is the render's; choose out/<stack> or a folder outside`);
  }
  if (fs.existsSync(given) && fs.lstatSync(given).isSymbolicLink()) {
    throw new OutputFolderError(`--out ${out}: is a symlink (to ${target}); name the folder itself`);
  }
  const parent = nearestExisting(path.dirname(target));
  if (!fs.statSync(parent).isDirectory()) throw new OutputFolderError(`--out ${out}: ${parent} is a file, not a folder; choose a folder`);
  try {
    // The render writes a fresh folder next to the target: prove it can before anything runs.
    fs.rmdirSync(fs.mkdtempSync(path.join(parent, ".observability-render-check-")));
  } catch (err) {
    throw new OutputFolderError(`--out ${out}: cannot create a folder in ${parent} (${(err as NodeJS.ErrnoException).code ?? "error"}); choose a writable folder`);
  }
  if (!fs.existsSync(target)) return;
  if (!fs.lstatSync(target).isDirectory()) throw new OutputFolderError(`--out ${out}: ${target} exists and is not a folder; refusing to replace it`);
  const entries = fs.readdirSync(target);
  if (entries.length > 0 && !entries.includes(RENDER_MARKER)) {
    throw new OutputFolderError(
      `--out ${out}: ${target} holds files an earlier render did not write (no ${RENDER_MARKER}); refusing to delete them: choose an empty or new folder`,
    );
  }
}

/** `p`, or its nearest ancestor that exists. */
function nearestExisting(p: string): string {
  while (!fs.existsSync(p) && path.dirname(p) !== p) p = path.dirname(p);
  return p;
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest, so symlinks cannot hide the repository. */
function realish(p: string): string {
  const missing: string[] = [];
  let existing = p;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    missing.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  return path.join(fs.realpathSync(existing), ...missing);
}

/**
 * Writes the render into a fresh folder next to `out`, then swaps it into place: a failure midway
 * (a full disk) leaves the previous render as it was and no partial one.
 */
export function writeRender(out: string, run: OfflineRun, rendered: Rendered): void {
  checkOutputFolder(out);
  const target = path.resolve(out);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.rendering-`));
  try {
    writeRenderFiles(staging, run, rendered);
    fs.writeFileSync(path.join(staging, RENDER_MARKER), MARKER_CONTENT);
    if (fs.existsSync(target)) {
      const previous = `${staging}.previous`;
      fs.renameSync(target, previous);
      fs.renameSync(staging, target);
      fs.rmSync(previous, { recursive: true, force: true });
    } else {
      fs.renameSync(staging, target);
    }
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

function writeRenderFiles(dir: string, run: OfflineRun, rendered: Rendered): void {
  fs.writeFileSync(path.join(dir, "manifests.yaml"), rendered.manifests.map((m) => stringify(m, { lineWidth: 0 })).join("---\n"));
  fs.writeFileSync(
    path.join(dir, "resources.json"),
    JSON.stringify(run.resources.map(({ type, name, parent, options }) => ({ type, name, parent: parent ?? null, ...options })), null, 2) + "\n",
  );
  fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(run.outputs, null, 2) + "\n");
  for (const [file, content] of rendered.files) {
    const target = path.join(dir, "files", file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Before anything else: a refused folder costs the user nothing.
  checkOutputFolder(args.out);
  const notices: string[] = [];
  const config = withOverrides(readStackFile(args.stack), args, notices);
  for (const notice of notices) console.error(`render: ${notice}`);
  const run = await runProgram(args.stack, config);
  const rendered = renderRun(run);
  writeRender(args.out, run, rendered);
  const out = path.resolve(args.out);
  console.log(`rendered stack ${args.stack}: ${rendered.manifests.length} Kubernetes objects, ${rendered.files.size} config files → ${path.relative(process.cwd(), out) || "."}`);
  // The settings the program just read (Pulumi's config is still set in this process).
  const { readStackSettings } = await import("../components/stack-config");
  console.log(`\n${sizingTable(readStackSettings())}`);
}

/** Errors the user can act on print as they are; anything else is a bug in the program and keeps its stack. */
function report(err: Error): number {
  if (err instanceof UsageError) return console.error(`render: ${err.message}`), 2;
  if (err instanceof StackFileError) return console.error(`render: ${err.message}`), 2;
  if (err instanceof OutputFolderError) return console.error(`render: ${err.message}`), 2;
  // One line per problem, each naming its key: what to fix, nothing else.
  if (err.name === "SettingsError") return (err as SettingsError).problems.forEach((problem) => console.error(problem)), 1;
  console.error(`render failed: ${err.stack ?? err}`);
  return 1;
}

if (require.main === module) {
  main().catch((err: Error) => process.exit(report(err)));
}
