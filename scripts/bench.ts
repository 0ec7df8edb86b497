/**
 * `npm run bench -- [--runs 7] [--growth-runs 3] [--startup-runs 3] [--share-runs 3] [--sizes 10,100,1000]
 *                   [--stacks dev,prod] [--skip-growth] [--skip-startup] [--skip-shares]`
 *
 * Measures the program offline (under Pulumi's mocks, as `npm run render` runs it); prints
 * markdown tables and asserts nothing. docs/benchmarks.md holds a run and how to read it.
 *
 * 1. Start-up against the SDK: `render` of each stack and a bare load of the Pulumi SDK
 *    (`@pulumi/pulumi`, `@pulumi/kubernetes`, `@pulumi/random`), each in a fresh process, taken in
 *    turn round after round so that a busy machine slows all of them alike; wall time, peak RSS, CPU
 *    time, and each round's render/SDK ratio (median, min, max). A first render per stack fills the caches.
 * 2. Growth: the same with N extra alert rules, dashboards or scrape jobs (one at a time).
 * 3. Resources: per stack, CPU and memory requests and limits and PVC sizes, from the manifests.
 * 4. TypeScript start-up: @swc-node/register (what `pulumi up` and `render` use) with its transform
 *    cache filled and empty, the bare SDK load, precompiled JavaScript (tsc), and the other maintained
 *    loaders when they are installed (`npm install --no-save tsx esbuild-register sucrase`), each
 *    render compared with `npm run render`'s, byte for byte.
 * 5. Where start-up goes: each of our modules' and each package's load time (a require-time profile).
 * 6. Capacity: the pinned Prometheus against the capacity model (scripts/bench-prometheus.ts):
 *    head memory, CPU and bytes per sample measured at N series, each with its ratio to the model.
 *    `--capacity-only` runs this section alone, `--skip-capacity` leaves it out, `--series 10000,100000`
 *    chooses N.
 *
 * Every run is a child process: Pulumi's runtime is global state, so a process runs the program
 * once. Peak RSS is the child's own `process.resourceUsage().maxRSS`, written by a preload on exit.
 *
 * The growth hook (bench only, nothing in components/ or configs/ knows about it): a preload
 * wraps three exported builders before the program runs, so the extra items go through the same
 * code as the real ones: `buildAlertRules` (N copies of the stack's rules, renamed, re-validated
 * with `assertValidRules`), `buildDashboards` (N copies of the stack's dashboard definitions with
 * new uids, built and validated like the others, spread over folders so each ConfigMap stays under
 * 1 MiB) and `buildPrometheusConfig` (N static scrape jobs). Growth runs start with an empty
 * dashboard cache (components/dashboard-cache.ts), so every run builds and checks its dashboards.
 * They run the project precompiled by tsc (bin/.bench, removed afterwards): swc's CommonJS exports
 * are read-only getters, which no wrapper can replace, while tsc's are plain properties. Growth is
 * the program's work, not loading it, so the comparison within the table holds.
 * Other wall times include `node` start-up and loading the TypeScript (@swc-node/register, its
 * transform cache warmed by a first run).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { PROJECT_ROOT } from "./offline";

interface Options {
  runs: number;
  growthRuns: number;
  startupRuns: number;
  shareRuns: number;
  sizes: number[];
  stacks: string[];
  growth: boolean;
  startup: boolean;
  shares: boolean;
  capacity: boolean;
  capacityOnly: boolean;
  series: string;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { runs: 7, growthRuns: 3, startupRuns: 3, shareRuns: 3, sizes: [10, 100, 1000], stacks: ["dev", "prod"], growth: true, startup: true, shares: true, capacity: true, capacityOnly: false, series: "10000,100000,1000000" };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const count = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number of at least 1`);
      return n;
    };
    if (flag === "--runs") options.runs = count();
    else if (flag === "--growth-runs") options.growthRuns = count();
    else if (flag === "--startup-runs") options.startupRuns = count();
    else if (flag === "--share-runs") options.shareRuns = count();
    else if (flag === "--sizes") options.sizes = value().split(",").map(Number);
    else if (flag === "--stacks") options.stacks = value().split(",");
    else if (flag === "--skip-growth") options.growth = false;
    else if (flag === "--skip-startup") options.startup = false;
    else if (flag === "--skip-shares") options.shares = false;
    else if (flag === "--skip-capacity") options.capacity = false;
    else if (flag === "--capacity-only") options.capacityOnly = true;
    else if (flag === "--series") options.series = value();
    else throw new Error(`unknown flag ${flag}; see the top of scripts/bench.ts`);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "observability-bench-"));
const PROBE = path.join(WORK, "probe.js");
const GROWTH_HOOK = path.join(WORK, "growth-hook.js");
const SHARES_PROFILE = path.join(WORK, "shares-profile.js");
/** What `npm run render` and scripts/pulumi-main.js load the TypeScript with. */
const LOADER = "@swc-node/register";
/** Where tsc emits the project for the growth runs and the precompiled row, next to node_modules (bin/ is git-ignored). */
const COMPILED = path.join(PROJECT_ROOT, "bin", ".bench");
/** The baseline: the three SDK packages the program uses, loaded and nothing else. */
const SDK_LOAD = `require("@pulumi/pulumi"); require("@pulumi/kubernetes"); require("@pulumi/random");`;

/** Preload: on exit, the child writes its own peak RSS (KiB), its CPU time and what the growth hook applied. */
const PROBE_SOURCE = `
const fs = require("fs");
process.on("exit", () => {
  if (!process.env.BENCH_PROBE_OUT) return;
  fs.writeFileSync(process.env.BENCH_PROBE_OUT, JSON.stringify({
    maxRssKb: process.resourceUsage().maxRSS,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    hooks: globalThis.__benchHooks || [],
  }));
});
`;

/**
 * Preload, after the TypeScript loader: how long each module takes to load, counted from the moment
 * something first requires it until it returns, so a module's time includes what it imports and what
 * its top-level code runs (index.ts: the whole program). Packages are counted where our code first
 * enters them, including the packages they load in turn. It wraps Node's loader function to time
 * calls and reads nothing else of Node's: a later require of a file already timed is passed through.
 */
const SHARES_PROFILE_SOURCE = `
const Module = require("module");
const fs = require("fs");
const path = require("path");
const root = process.env.BENCH_ROOT;
const load = Module._load;
const stack = [];
const timed = new Set();
const ours = {};
const packages = {};
const packageOf = (file) => { const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file); return m ? m[1].split(path.sep).join("/") : null; };
Module._load = function (request, parent, isMain) {
  let file;
  try { file = Module._resolveFilename(request, parent, isMain); } catch { return load.apply(this, arguments); }
  if (timed.has(file) || !path.isAbsolute(file)) return load.apply(this, arguments);
  timed.add(file);
  const pkg = packageOf(file);
  const fromOurCode = stack.length === 0 || stack[stack.length - 1].pkg === null;
  const entry = { pkg, nested: 0n, start: process.hrtime.bigint() };
  stack.push(entry);
  try { return load.apply(this, arguments); } finally {
    stack.pop();
    const total = process.hrtime.bigint() - entry.start;
    if (stack.length) stack[stack.length - 1].nested += total;
    if (pkg === null) ours[path.relative(root, file).split(path.sep).join("/")] = { total: Number(total) / 1e6, own: Number(total - entry.nested) / 1e6 };
    else if (fromOurCode && !(pkg in packages)) packages[pkg] = Number(total) / 1e6;
  }
};
process.on("exit", () => { if (process.env.BENCH_SHARES_OUT) fs.writeFileSync(process.env.BENCH_SHARES_OUT, JSON.stringify({ ours, packages })); });
`;

/** Preload, on the precompiled project (BENCH_ROOT): wraps the builders named in the header comment. */
const GROWTH_HOOK_SOURCE = `
const path = require("path");
const root = process.env.BENCH_ROOT;
const count = (name) => Number(process.env[name] || 0);
const applied = (globalThis.__benchHooks = []);
function patch(file, name, wrap) {
  let mod;
  try { mod = require(path.join(root, file)); } catch (err) { process.stderr.write("bench hook: cannot load " + file + ": " + err.message + "\\n"); return; }
  if (typeof mod[name] !== "function") { process.stderr.write("bench hook: " + file + " exports no " + name + "\\n"); return; }
  const wrapped = wrap(mod[name], mod);
  mod[name] = wrapped;
  if (mod[name] === wrapped) applied.push(file + "#" + name);
  else process.stderr.write("bench hook: " + file + "#" + name + " is read-only\\n");
}

const rules = count("BENCH_RULES");
if (rules > 0) patch("configs/alert-rules", "buildAlertRules", (original, mod) => function (...args) {
  const file = original.apply(this, args);
  const templates = file.groups.flatMap((g) => g.rules);
  const extra = Array.from({ length: rules }, (_, i) => { const t = templates[i % templates.length]; return { ...t, alert: t.alert + "Bench" + i }; });
  const withExtra = { ...file, groups: [...file.groups, { name: "bench", interval: file.groups[0] && file.groups[0].interval, rules: extra }] };
  return typeof mod.assertValidRules === "function" ? mod.assertValidRules(withExtra) : withExtra;
});

const dashboards = count("BENCH_DASHBOARDS");
if (dashboards > 0) patch("configs/dashboards", "buildDashboards", (original, mod) => function (inputs, definitions) {
  const base = definitions || mod.DASHBOARDS;
  const available = new Set(inputs.datasources);
  const usable = base.filter((d) => d.datasources.every((n) => available.has(n)));
  const largest = Math.max(...usable.map((d) => JSON.stringify(d.build(inputs), null, 2).length));
  const perFolder = Math.max(1, Math.floor((900 * 1024) / (largest + 64)));
  const extra = Array.from({ length: dashboards }, (_, i) => {
    const d = usable[i % usable.length];
    return { ...d, folder: "Bench " + String(Math.floor(i / perFolder) + 1).padStart(3, "0"),
      build: (inp) => { const json = d.build(inp); return { ...json, uid: "bench-" + i, title: json.title + " (bench " + i + ")" }; } };
  });
  return original.call(this, inputs, [...base, ...extra]);
});

const jobs = count("BENCH_JOBS");
if (jobs > 0) patch("configs/prometheus", "buildPrometheusConfig", (original) => function (...args) {
  const config = original.apply(this, args);
  const extra = Array.from({ length: jobs }, (_, i) => ({ job_name: "bench-" + i, static_configs: [{ targets: ["bench-" + i + ".bench.svc.cluster.local:9100"] }] }));
  return { ...config, scrape_configs: [...config.scrape_configs, ...extra] };
});
`;

/**
 * Preloads for the other maintained loaders the start-up comparison measures when installed. Each
 * gets what it needs to run scripts/render.ts: esbuild-register `import()` turned into `require` (as
 * tsc and swc do), Sucrase the same options tsc's output has and Node's own source-map support.
 */
const OTHER_LOADERS: { name: string; args: (preload: string) => string[]; source?: string }[] = [
  { name: "tsx", args: () => ["--import", "tsx"] },
  {
    name: "esbuild-register",
    args: (preload) => ["-r", preload],
    source: `require(require.resolve("esbuild-register/dist/node", { paths: [process.env.BENCH_ROOT] })).register({ supported: { "dynamic-import": false } });`,
  },
  {
    name: "sucrase",
    args: (preload) => ["-r", preload],
    source: `require(require.resolve("sucrase/dist/register", { paths: [process.env.BENCH_ROOT] })).addHook(".ts", { transforms: ["imports", "typescript"], disableESTransforms: true });
process.setSourceMapsEnabled(true);`,
  },
];

interface Sample {
  ok: boolean;
  wallMs: number;
  maxRssKb: number;
  /** User and system CPU of the child process itself (its threads included, processes it starts not). */
  cpuMs: number;
  hooks: string[];
  error: string;
  /** What the shares profile recorded, when it was loaded. */
  shares?: { ours: Record<string, { total: number; own: number }>; packages: Record<string, number> };
}

function runChild(args: string[], env: Record<string, string> = {}): Sample {
  const probeOut = path.join(WORK, `probe-${process.hrtime.bigint()}.json`);
  const sharesOut = `${probeOut}.shares`;
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, BENCH_ROOT: PROJECT_ROOT, ...env, BENCH_PROBE_OUT: probeOut, BENCH_SHARES_OUT: sharesOut },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const probe = fs.existsSync(probeOut) ? JSON.parse(fs.readFileSync(probeOut, "utf8")) : { maxRssKb: NaN, cpuMs: NaN, hooks: [] };
  const error = child.status === 0 ? "" : (child.stderr || child.error?.message || `exit ${child.status}`).trim().split("\n").slice(-6).join("\n");
  const shares = fs.existsSync(sharesOut) ? JSON.parse(fs.readFileSync(sharesOut, "utf8")) : undefined;
  return { ok: child.status === 0, wallMs, maxRssKb: probe.maxRssKb, cpuMs: probe.cpuMs, hooks: probe.hooks, error, shares };
}

/** `npm run render` in a fresh process, with the probe and, when asked, the shares profile. */
function renderStack(stack: string, out: string, extra: { shares?: boolean; env?: Record<string, string> } = {}): Sample {
  const preloads = ["-r", LOADER, "-r", PROBE, ...(extra.shares ? ["-r", SHARES_PROFILE] : [])];
  return runChild([...preloads, "scripts/render.ts", "--stack", stack, "--out", out], extra.env);
}

/** The precompiled project's render with N extra items through the growth hook, its dashboards built, not cached. */
function renderGrowth(root: string, stack: string, out: string, growth: { rules?: number; dashboards?: number; jobs?: number }): Sample {
  return runChild(["-r", PROBE, "-r", GROWTH_HOOK, path.join(root, "scripts", "render.js"), "--stack", stack, "--out", out], {
    BENCH_ROOT: root,
    BENCH_RULES: String(growth.rules ?? 0),
    BENCH_DASHBOARDS: String(growth.dashboards ?? 0),
    BENCH_JOBS: String(growth.jobs ?? 0),
    OBSERVABILITY_BUILD_CACHE_DIR: fs.mkdtempSync(path.join(WORK, "builds-")),
  });
}

/**
 * The project compiled by tsc into COMPILED, once per bench run, with the stack files and the
 * lockfile the dashboard cache keys on, as in the project root.
 */
let compiledProject: { root: string; tscMs: number; typeErrors: boolean } | { error: string } | undefined;
function compileProject(): { root: string; tscMs: number; typeErrors: boolean } | { error: string } {
  if (compiledProject) return compiledProject;
  fs.rmSync(COMPILED, { recursive: true, force: true });
  progress("  compiling the project with tsc\r");
  const started = process.hrtime.bigint();
  const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json", "--outDir", COMPILED, "--noEmit", "false", "--sourceMap", "false"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  const tscMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (!fs.existsSync(path.join(COMPILED, "scripts", "render.js"))) {
    compiledProject = { error: `tsc emitted nothing: ${(tsc.stdout + tsc.stderr).trim().split("\n")[0] ?? ""}` };
  } else {
    for (const file of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\..+\.yaml$|^package-lock\.json$/.test(f))) fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(COMPILED, file));
    compiledProject = { root: COMPILED, tscMs, typeErrors: tsc.status !== 0 };
  }
  return compiledProject;
}

/** The baseline: a fresh process that loads the SDK packages and exits. */
const sdkLoad = (): Sample => runChild(["-r", PROBE, "-e", SDK_LOAD]);

/** Caches nobody has filled (swc's transforms, built dashboards): the first run after a clone. */
const emptyCache = () => ({
  SWC_NODE_CACHE_DIR: fs.mkdtempSync(path.join(WORK, "empty-cache-")),
  OBSERVABILITY_BUILD_CACHE_DIR: fs.mkdtempSync(path.join(WORK, "empty-builds-")),
});

/** Whether two render folders hold the same files, byte for byte; else which files differ. */
function compareRenders(a: string, b: string): string {
  const files = (dir: string): string[] =>
    fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name])) : [];
  const all = [...new Set([...files(a), ...files(b)])].sort();
  const differ = all.filter((f) => {
    const [x, y] = [path.join(a, f), path.join(b, f)];
    return !fs.existsSync(x) || !fs.existsSync(y) || !fs.readFileSync(x).equals(fs.readFileSync(y));
  });
  if (all.length === 0) return "no render";
  return differ.length === 0 ? "identical" : `differs: ${differ.join(", ")}`;
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting
// ---------------------------------------------------------------------------------------------

function stats(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kb: number) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MiB` : "n/a");
const triple = (s: { median: number; min: number; max: number }, f: (n: number) => string) => `${f(s.median)} (${f(s.min)} – ${f(s.max)})`;

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

const progress = (text: string) => process.stderr.isTTY && process.stderr.write(text);

function repeat(times: number, label: string, run: () => Sample): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < times; i++) {
    progress(`  ${label} run ${i + 1}/${times}\r`);
    const sample = run();
    samples.push(sample);
    if (!sample.ok) {
      process.stderr.write(`\n  ${label} failed:\n${sample.error}\n`);
      break;
    }
  }
  progress(" ".repeat(60) + "\r");
  return samples;
}

function summary(samples: Sample[]): [string, string] {
  const ok = samples.filter((s) => s.ok);
  if (ok.length < samples.length || ok.length === 0) return ["failed", "failed"];
  return [triple(stats(ok.map((s) => s.wallMs)), seconds), triple(stats(ok.map((s) => s.maxRssKb)), mib)];
}

/** Median CPU time (min – max), and its median ratio to the SDK load's of the same round. */
function cpuSummary(samples: Sample[], baseline: Sample[]): [string, string] {
  const ok = samples.filter((s) => s.ok && Number.isFinite(s.cpuMs));
  if (ok.length === 0) return ["n/a", "n/a"];
  const ratios = samples.flatMap((s, i) => (s.ok && baseline[i]?.ok ? [s.cpuMs / baseline[i].cpuMs] : []));
  return [triple(stats(ok.map((s) => s.cpuMs)), seconds), ratios.length > 0 ? triple(stats(ratios), (r) => r.toFixed(2)) : "n/a"];
}

// ---------------------------------------------------------------------------------------------
// What a render contains
// ---------------------------------------------------------------------------------------------

interface RenderContents {
  manifests: Record<string, any>[];
  manifestBytes: number;
  rules: number;
  dashboards: number;
  jobs: number;
}

function readRender(out: string): RenderContents {
  const text = fs.readFileSync(path.join(out, "manifests.yaml"), "utf8");
  const manifests = parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
  const files = path.join(out, "files");
  const walk = (dir: string): string[] =>
    fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)])) : [];
  const all = walk(files).map((f) => path.relative(files, f).split(path.sep).join("/"));
  const rules = all
    .filter((f) => /^prometheus\/rules\/.*\.ya?ml$/.test(f))
    .reduce((sum, f) => sum + ((parse(fs.readFileSync(path.join(files, f), "utf8"))?.groups ?? []) as { rules?: unknown[] }[]).reduce((n, g) => n + (g.rules?.length ?? 0), 0), 0);
  const prometheusYml = path.join(files, "prometheus/prometheus.yml");
  const jobs = fs.existsSync(prometheusYml) ? (parse(fs.readFileSync(prometheusYml, "utf8"))?.scrape_configs ?? []).length : 0;
  const dashboards = all.filter((f) => /^grafana\/dashboards\/.*\.json$/.test(f)).length;
  return { manifests, manifestBytes: Buffer.byteLength(text), rules, dashboards, jobs };
}

// ---------------------------------------------------------------------------------------------
// Requests, limits and storage
// ---------------------------------------------------------------------------------------------

const SUFFIXES: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3, "": 1 };

/** A Kubernetes quantity as a number of base units (cores, bytes). */
export function quantity(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * SUFFIXES[match[2] ?? ""];
}

const cpu = (cores: number | undefined) => (cores === undefined ? "—" : cores < 1 ? `${Math.round(cores * 1000)}m` : `${+cores.toFixed(2)}`);
const memory = (bytes: number | undefined) => (bytes === undefined ? "—" : bytes >= 2 ** 30 ? `${+(bytes / 2 ** 30).toFixed(2)} Gi` : `${Math.round(bytes / 2 ** 20)} Mi`);

type Amounts = { cpuRequest?: number; memoryRequest?: number; cpuLimit?: number; memoryLimit?: number };
const FIELDS: [keyof Amounts, "requests" | "limits", "cpu" | "memory"][] = [
  ["cpuRequest", "requests", "cpu"],
  ["memoryRequest", "requests", "memory"],
  ["cpuLimit", "limits", "cpu"],
  ["memoryLimit", "limits", "memory"],
];

/** What one pod reserves: the larger of its containers' sum and its largest init container (Kubernetes' rule). */
function podAmounts(pod: Record<string, any>): Amounts {
  const amounts: Amounts = {};
  for (const [key, section, resource] of FIELDS) {
    const of = (c: Record<string, any>) => quantity(c.resources?.[section]?.[resource]);
    const main = ((pod.containers ?? []) as Record<string, any>[]).map(of);
    const init = ((pod.initContainers ?? []) as Record<string, any>[]).map(of);
    if ([...main, ...init].every((v) => v === undefined)) continue;
    // A container without a limit makes the pod's limit unbounded.
    if (section === "limits" && main.some((v) => v === undefined)) continue;
    const sum = main.reduce<number>((s, v) => s + (v ?? 0), 0);
    amounts[key] = Math.max(sum, ...init.map((v) => v ?? 0));
  }
  return amounts;
}

function add(total: Amounts, pod: Amounts, times: number, unbounded: Set<keyof Amounts>): void {
  for (const [key, section] of FIELDS) {
    if (pod[key] === undefined) {
      if (section === "limits") unbounded.add(key);
      continue;
    }
    total[key] = (total[key] ?? 0) + pod[key]! * times;
  }
}

function resourcesTables(stack: string, manifests: Record<string, any>[]): string {
  const rows: string[][] = [];
  const fixed: Amounts = {};
  const perNode: Amounts = {};
  const unboundedFixed = new Set<keyof Amounts>();
  const unboundedNode = new Set<keyof Amounts>();
  const workloads = manifests.filter((m) => ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"].includes(m.kind));
  for (const w of workloads) {
    const pod = w.kind === "CronJob" ? w.spec?.jobTemplate?.spec?.template?.spec : w.spec?.template?.spec;
    if (!pod) continue;
    const amounts = podAmounts(pod);
    const daemon = w.kind === "DaemonSet";
    const replicas = daemon ? 1 : (w.spec?.replicas ?? 1);
    add(daemon ? perNode : fixed, amounts, replicas, daemon ? unboundedNode : unboundedFixed);
    rows.push([`${w.kind} ${w.metadata?.name}`, daemon ? "1 per node" : String(replicas), cpu(amounts.cpuRequest), memory(amounts.memoryRequest), cpu(amounts.cpuLimit), memory(amounts.memoryLimit)]);
  }
  const limit = (total: Amounts, key: keyof Amounts, unbounded: Set<keyof Amounts>, f: (n: number | undefined) => string) =>
    unbounded.has(key) ? `unbounded${total[key] !== undefined ? ` (${f(total[key])} set)` : ""}` : f(total[key]);
  rows.push([
    "**total, fixed replicas**",
    "",
    `**${cpu(fixed.cpuRequest)}**`,
    `**${memory(fixed.memoryRequest)}**`,
    limit(fixed, "cpuLimit", unboundedFixed, cpu),
    `**${limit(fixed, "memoryLimit", unboundedFixed, memory)}**`,
  ]);
  rows.push([
    "**total, per node (DaemonSets)**",
    "",
    `**${cpu(perNode.cpuRequest)}**`,
    `**${memory(perNode.memoryRequest)}**`,
    limit(perNode, "cpuLimit", unboundedNode, cpu),
    `**${limit(perNode, "memoryLimit", unboundedNode, memory)}**`,
  ]);

  const storage: string[][] = [];
  let storageTotal = 0;
  for (const m of manifests) {
    if (m.kind === "PersistentVolumeClaim") {
      const size = quantity(m.spec?.resources?.requests?.storage) ?? 0;
      storageTotal += size;
      storage.push([`PersistentVolumeClaim ${m.metadata?.name}`, "1", memory(size), memory(size)]);
    }
    if (m.kind === "StatefulSet") {
      for (const t of (m.spec?.volumeClaimTemplates ?? []) as Record<string, any>[]) {
        // A template whose claims the program creates itself (components/stateful-workload.ts) is counted with the claims.
        const ownClaim = `${t.metadata?.name}-${m.metadata?.name}-0`;
        if (manifests.some((c) => c.kind === "PersistentVolumeClaim" && c.metadata?.name === ownClaim)) continue;
        const size = quantity(t.spec?.resources?.requests?.storage) ?? 0;
        const replicas = m.spec?.replicas ?? 1;
        storageTotal += size * replicas;
        storage.push([`StatefulSet ${m.metadata?.name} claim ${t.metadata?.name}`, String(replicas), memory(size), memory(size * replicas)]);
      }
    }
  }
  storage.push(["**total**", "", "", `**${memory(storageTotal)}**`]);

  return [
    `#### ${stack}: requests and limits (per pod; totals multiply by replicas)`,
    "",
    table(["Workload", "Replicas", "CPU request", "Memory request", "CPU limit", "Memory limit"], rows),
    "",
    `#### ${stack}: persistent storage`,
    "",
    table(["Claim", "Count", "Size", "Total"], storage),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// TypeScript start-up
// ---------------------------------------------------------------------------------------------

function startupTable(options: Options): string {
  const stack = options.stacks[0];
  /** What `npm run render` writes, to compare every other way's render with. */
  const reference = path.join(WORK, "startup-reference");
  interface Contender {
    label: string;
    run: () => Sample;
    /** Where its render goes; none for the SDK load. */
    out?: string;
    /** Run once before the rounds, unmeasured: what fills a cache. */
    warm?: boolean;
  }
  const sdk: Contender = { label: "SDK load only (`@pulumi/pulumi`, `@pulumi/kubernetes`, `@pulumi/random`)", run: sdkLoad };
  const emptyOut = path.join(WORK, "startup-empty");
  const contenders: Contender[] = [
    sdk,
    { label: `${LOADER}, its transform cache filled: what \`pulumi up\` and \`npm run render\` do from their second run on`, run: () => renderStack(stack, reference), out: reference, warm: true },
    { label: `${LOADER}, caches empty: the first run after a clone`, run: () => renderStack(stack, emptyOut, { env: emptyCache() }), out: emptyOut },
  ];
  const missing: string[] = [];
  for (const loader of OTHER_LOADERS) {
    const version = packageVersion(loader.name);
    if (!version) {
      missing.push(loader.name);
      continue;
    }
    const preload = path.join(WORK, `preload-${loader.name}.js`);
    if (loader.source) fs.writeFileSync(preload, loader.source);
    const out = path.join(WORK, `startup-${loader.name}`);
    contenders.push({
      label: `${loader.name} ${version}`,
      run: () => runChild([...loader.args(preload), "-r", PROBE, "scripts/render.ts", "--stack", stack, "--out", out]),
      out,
      warm: true,
    });
  }
  const compiled = compileProject();
  if ("root" in compiled) {
    const out = path.join(WORK, "startup-compiled");
    contenders.push({
      label: `precompiled JavaScript, no source maps (tsc → node; the compile itself took ${seconds(compiled.tscMs)}${compiled.typeErrors ? ", with type errors" : ""})`,
      run: () => runChild(["-r", PROBE, path.join(compiled.root, "scripts", "render.js"), "--stack", stack, "--out", out]),
      out,
      warm: true,
    });
  }

  for (const contender of contenders.filter((c) => c.warm)) contender.run();
  const samples = new Map<Contender, Sample[]>(contenders.map((c) => [c, []]));
  const ratios = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  for (let round = 0; round < options.startupRuns; round++) {
    progress(`  start-up comparison round ${round + 1}/${options.startupRuns}\r`);
    const taken = new Map<Contender, Sample>();
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length];
      const sample = contender.run();
      taken.set(contender, sample);
      samples.get(contender)!.push(sample);
      if (!sample.ok) process.stderr.write(`\n  ${contender.label} failed:\n${sample.error}\n`);
    }
    const baseline = taken.get(sdk)!;
    for (const [contender, sample] of taken) if (sample.ok && baseline.ok) ratios.get(contender)!.push(sample.wallMs / baseline.wallMs);
  }
  progress(" ".repeat(60) + "\r");
  const rows = contenders.map((contender) => {
    const ratio = ratios.get(contender)!;
    return [
      contender.label,
      contender.out === undefined ? "—" : contender.out === reference ? "(the reference)" : compareRenders(reference, contender.out),
      ...summary(samples.get(contender)!),
      contender === sdk ? "1" : ratio.length > 0 ? `**${triple(stats(ratio), (r) => r.toFixed(2))}**` : "failed",
      ...cpuSummary(samples.get(contender)!, samples.get(sdk)!),
    ];
  });
  if ("error" in compiled) rows.push(["precompiled JavaScript", compiled.error, "—", "—", "—", "—", "—"]);
  const note = missing.length > 0 ? `\n\nNot installed, so not measured: ${missing.join(", ")} (\`npm install --no-save ${missing.join(" ")}\` to compare).` : "";
  return [
    `### TypeScript start-up (${stack} stack, ${options.startupRuns} rounds, the ways of loading and the SDK load taken in turn; median (min – max))`,
    "",
    table(["How the program is loaded", "Render, against `npm run render`'s", "Wall time", "Peak RSS", "Wall time / SDK load, same round", "CPU time", "CPU time / SDK load's"], rows),
    "",
    "CPU time is the process's own (its threads included): tsx and esbuild-register run esbuild in a separate process, which it leaves out.",
  ].join("\n") + note;
}

/** The installed version of a package in the project's node_modules, if any. */
function packageVersion(name: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Where start-up goes
// ---------------------------------------------------------------------------------------------

function sharesTable(options: Options): string {
  const stack = options.stacks[0];
  const out = path.join(WORK, "shares");
  const samples = repeat(options.shareRuns, "shares", () => renderStack(stack, out, { shares: true })).filter((s) => s.ok && s.shares);
  if (samples.length === 0) return "### Where start-up goes\n\nfailed";
  const wall = stats(samples.map((s) => s.wallMs)).median;
  const median = (values: number[]) => stats(values).median;
  const share = (ms: number) => `${((100 * ms) / wall).toFixed(0)} %`;
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const ourFiles = [...new Set(samples.flatMap((s) => Object.keys(s.shares!.ours)))]
    .map((file) => {
      const seen = samples.map((s) => s.shares!.ours[file]).filter(Boolean);
      return { file, total: median(seen.map((r) => r.total)), own: median(seen.map((r) => r.own)) };
    })
    .filter((r) => r.total >= 5)
    .sort((a, b) => b.total - a.total);
  const packages = [...new Set(samples.flatMap((s) => Object.keys(s.shares!.packages)))]
    .map((name) => ({ name, total: median(samples.map((s) => s.shares!.packages[name]).filter((v) => v !== undefined)) }))
    .sort((a, b) => b.total - a.total);
  return [
    `### Where start-up goes (${stack} stack, ${samples.length} runs, medians; the render took ${seconds(wall)} under the profile)`,
    "",
    "Our modules: from the first `require` until it returns, so with everything it imports and its top-level code (index.ts runs the program there). \"Own\" leaves out the modules it loads first.",
    "",
    table(["Module", "With its imports", "Share of the render", "Own"], ourFiles.map((r) => [r.file, ms(r.total), share(r.total), ms(r.own)])),
    "",
    "Packages, where our code first loads them (with the packages they load in turn):",
    "",
    table(["Package", "Load", "Share of the render"], packages.map((r) => [`\`${r.name}\``, ms(r.total), share(r.total)])),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------

/** Section 6, in a child process of its own (it runs Prometheus and a scrape target for minutes). */
function capacitySection(options: Options): string {
  const child = spawnSync(process.execPath, ["-r", LOADER, path.join(PROJECT_ROOT, "scripts", "bench-prometheus.ts"), "--series", options.series], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  return child.status === 0 ? child.stdout.trim() : `### Prometheus against the capacity model\n\nfailed (exit ${child.status}); see stderr`;
}

function machine(): string {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? "unknown"}, ${os.availableParallelism?.() ?? cpus.length} logical CPUs (nproc)`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `- Load average when the run started: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min): other processes on the machine add noise; compare medians`,
    `- Node.js ${process.version}, TypeScript ${require("typescript").version}, ${LOADER} ${packageVersion(LOADER)}, @swc/core ${packageVersion("@swc/core")}, @pulumi/pulumi ${require("@pulumi/pulumi/package.json").version}, @pulumi/kubernetes ${require("@pulumi/kubernetes/package.json").version}`,
  ].join("\n");
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  fs.writeFileSync(PROBE, PROBE_SOURCE);
  fs.writeFileSync(GROWTH_HOOK, GROWTH_HOOK_SOURCE);
  fs.writeFileSync(SHARES_PROFILE, SHARES_PROFILE_SOURCE);
  const sections: string[] = [`## Benchmark run, ${new Date().toISOString()}`, "", machine()];
  const print = (text: string) => {
    sections.push("", text);
    console.log(`\n${text}`);
  };
  console.log(sections.join("\n"));
  if (options.capacityOnly) {
    print(capacitySection(options));
    fs.rmSync(WORK, { recursive: true, force: true });
    return;
  }

  // 1. Start-up against the SDK. A first render per stack fills the transpile cache, as any first
  // run does; the rounds then take the SDK load and each stack's render in turn, rotating the order.
  const renders = new Map<string, RenderContents>();
  const renderOut = (stack: string) => path.join(WORK, `render-${stack}`);
  for (const stack of options.stacks) {
    const warm = renderStack(stack, renderOut(stack));
    if (!warm.ok) process.stderr.write(`render ${stack} failed:\n${warm.error}\n`);
  }
  const sdkSamples: Sample[] = [];
  const renderSamples = new Map<string, Sample[]>(options.stacks.map((stack) => [stack, []]));
  const ratios = new Map<string, number[]>(options.stacks.map((stack) => [stack, []]));
  const contenders = ["sdk", ...options.stacks];
  for (let round = 0; round < options.runs; round++) {
    progress(`  start-up round ${round + 1}/${options.runs}\r`);
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
    const walls = new Map<string, Sample>();
    for (const who of order) walls.set(who, who === "sdk" ? sdkLoad() : renderStack(who, renderOut(who)));
    const sdk = walls.get("sdk")!;
    sdkSamples.push(sdk);
    for (const stack of options.stacks) {
      const sample = walls.get(stack)!;
      renderSamples.get(stack)!.push(sample);
      if (sample.ok && sdk.ok) ratios.get(stack)!.push(sample.wallMs / sdk.wallMs);
      else if (!sample.ok) process.stderr.write(`\n  render ${stack} failed:\n${sample.error}\n`);
    }
  }
  progress(" ".repeat(60) + "\r");
  const rows: string[][] = [["SDK load only (`@pulumi/pulumi`, `@pulumi/kubernetes`, `@pulumi/random`)", "—", "—", ...summary(sdkSamples), "1", cpuSummary(sdkSamples, sdkSamples)[0], "1"]];
  for (const stack of options.stacks) {
    const samples = renderSamples.get(stack)!;
    if (samples.every((s) => s.ok)) renders.set(stack, readRender(renderOut(stack)));
    const contents = renders.get(stack);
    const ratio = ratios.get(stack)!;
    rows.push([
      `\`npm run render -- --stack ${stack}\``,
      contents ? String(contents.manifests.length) : "?",
      contents ? `${(contents.manifestBytes / 1024).toFixed(0)} KiB` : "?",
      ...summary(samples),
      ratio.length > 0 ? `**${triple(stats(ratio), (r) => r.toFixed(2))}**` : "failed",
      ...cpuSummary(samples, sdkSamples),
    ]);
  }
  print(
    [
      `### Start-up against the SDK (${options.runs} rounds, each process fresh, taken in turn; median (min – max))`,
      "",
      table(["Process", "Kubernetes objects", "manifests.yaml", "Wall time", "Peak RSS", "Wall time / SDK load, same round", "CPU time", "CPU time / SDK load's"], rows),
    ].join("\n"),
  );
  for (const stack of options.stacks) {
    const ratio = ratios.get(stack)!;
    if (ratio.length > 0) {
      const { median, min, max } = stats(ratio);
      console.error(`render ${stack} / SDK load: median ${median.toFixed(2)}, min ${min.toFixed(2)}, max ${max.toFixed(2)} (${ratio.length} rounds)`);
    }
  }

  // 2. Growth.
  if (options.growth) {
    const stack = options.stacks[0];
    const growthRows: string[][] = [];
    const dimensions: ["rules" | "dashboards" | "jobs", string][] = [
      ["rules", "alert rules"],
      ["dashboards", "dashboards"],
      ["jobs", "scrape jobs"],
    ];
    const compiled = compileProject();
    const measure = (label: string, n: number, growth: { rules?: number; dashboards?: number; jobs?: number }) => {
      const out = path.join(WORK, `growth-${label}-${n}`);
      const samples = "root" in compiled ? repeat(options.growthRuns, `${label} +${n}`, () => renderGrowth(compiled.root, stack, out, growth)) : [];
      const ok = samples.every((s) => s.ok);
      const contents = ok ? readRender(out) : undefined;
      const hooksMissing = n > 0 && ok && samples[0].hooks.length === 0 ? " (hook not applied)" : "";
      growthRows.push([
        n === 0 ? "baseline" : `+${n} ${label}`,
        contents ? `${contents.rules} / ${contents.dashboards} / ${contents.jobs}${hooksMissing}` : "—",
        contents ? String(contents.manifests.length) : "—",
        contents ? `${(contents.manifestBytes / 1024).toFixed(0)} KiB` : "—",
        ...summary(samples),
      ]);
      fs.rmSync(out, { recursive: true, force: true });
    };
    measure("", 0, {});
    for (const [key, label] of dimensions) for (const n of options.sizes) measure(label, n, { [key]: n });
    print(
      [
        `### Growth (${stack} stack, precompiled by tsc, ${options.growthRuns} runs each; median (min – max))${"error" in compiled ? `: ${compiled.error}` : ""}`,
        "",
        table(["Added", "Rules / dashboards / scrape jobs rendered", "Kubernetes objects", "manifests.yaml", "Wall time", "Peak RSS"], growthRows),
      ].join("\n"),
    );
  }

  // 3. Requests, limits, storage.
  const resourceSections = [...renders].map(([stack, contents]) => resourcesTables(stack, contents.manifests));
  if (resourceSections.length > 0) print(["### What each stack asks of the cluster", "", resourceSections.join("\n\n")].join("\n"));

  // 4. TypeScript start-up.
  if (options.startup) print(startupTable(options));

  // 5. Where start-up goes.
  if (options.shares) print(sharesTable(options));

  // 6. Capacity.
  if (options.capacity) print(capacitySection(options));

  print(`Load average when the run ended: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min).`);
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(WORK, { recursive: true, force: true });
    fs.rmSync(COMPILED, { recursive: true, force: true });
  }
}
