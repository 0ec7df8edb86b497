/**
 * `npm run bench -- [--runs 5] [--growth-runs 3] [--startup-runs 3] [--sizes 10,100,1000] [--stacks dev,prod]
 *                   [--skip-growth] [--skip-startup]`
 *
 * Measures the program offline (under Pulumi's mocks, as `npm run render` runs it); prints
 * markdown tables and asserts nothing. docs/benchmarks.md holds a run and how to read it.
 *
 * 1. Whole process, per stack: wall time and peak RSS of `render` in a fresh process, median/min/max.
 * 2. Growth: the same with N extra alert rules, dashboards or scrape jobs (one at a time).
 * 3. Resources: per stack, CPU and memory requests and limits and PVC sizes, from the manifests.
 * 4. TypeScript start-up: the program type-checked by ts-node, as Pulumi registers ts-node with
 *    this tsconfig, and precompiled by tsc.
 *
 * Every run is a child process: Pulumi's runtime is global state, so a process runs the program
 * once. Peak RSS is the child's own `process.resourceUsage().maxRSS`, written by a preload on exit.
 *
 * The growth hook (bench only, nothing in components/ or configs/ knows about it): a preload
 * wraps three exported builders before the program runs, so the extra items go through the same
 * code as the real ones: `buildAlertRules` (N copies of the stack's rules, renamed, re-validated
 * with `assertValidRules`), `buildDashboards` (N copies of the stack's dashboard definitions with
 * new uids, built and validated like the others, spread over folders so each ConfigMap stays under
 * 1 MiB) and `buildPrometheusConfig` (N static scrape jobs). Wall times include `node` start-up and
 * ts-node's transpilation.
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
  sizes: number[];
  stacks: string[];
  growth: boolean;
  startup: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { runs: 5, growthRuns: 3, startupRuns: 3, sizes: [10, 100, 1000], stacks: ["dev", "prod"], growth: true, startup: true };
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
    else if (flag === "--sizes") options.sizes = value().split(",").map(Number);
    else if (flag === "--stacks") options.stacks = value().split(",");
    else if (flag === "--skip-growth") options.growth = false;
    else if (flag === "--skip-startup") options.startup = false;
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

/** Preload: on exit, the child writes its own peak RSS (KiB) and what the growth hook applied. */
const PROBE_SOURCE = `
const fs = require("fs");
process.on("exit", () => {
  if (!process.env.BENCH_PROBE_OUT) return;
  fs.writeFileSync(process.env.BENCH_PROBE_OUT, JSON.stringify({
    maxRssKb: process.resourceUsage().maxRSS,
    hooks: globalThis.__benchHooks || [],
    transpileOnly: process.env.BENCH_TRANSPILE_ONLY,
  }));
});
`;

/** Preload, after ts-node: wraps the builders named in the header comment. */
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

/** Runs the program for a stack the way Pulumi's language host registers ts-node (cmd/run/run.js). */
const TS_NODE_HARNESS = `
const stack = process.env.BENCH_STACK, out = process.env.BENCH_OUT;
const service = require("ts-node").register({
  project: "tsconfig.json",
  // Pulumi passes PULUMI_NODEJS_TRANSPILE_ONLY or tsconfig's noCheck here, else undefined: ts-node then
  // falls back to the "ts-node" section of tsconfig.json, then to type-checking.
  transpileOnly: { check: false, transpile: true }[process.env.BENCH_TS_MODE],
  logError: true,
});
process.env.BENCH_TRANSPILE_ONLY = String(Boolean(service.options.transpileOnly));
const { readStackFile, runProgram } = require("./scripts/offline.ts");
const { renderRun, writeRender } = require("./scripts/render.ts");
runProgram(stack, readStackFile(stack)).then((run) => writeRender(out, run, renderRun(run))).catch((err) => { console.error(err); process.exit(1); });
`;

interface Sample {
  ok: boolean;
  wallMs: number;
  maxRssKb: number;
  hooks: string[];
  transpileOnly?: string;
  error: string;
}

function runChild(args: string[], env: Record<string, string> = {}): Sample {
  const probeOut = path.join(WORK, `probe-${process.hrtime.bigint()}.json`);
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, BENCH_PROBE_OUT: probeOut, BENCH_ROOT: PROJECT_ROOT },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const probe = fs.existsSync(probeOut) ? JSON.parse(fs.readFileSync(probeOut, "utf8")) : { maxRssKb: NaN, hooks: [] };
  const error = child.status === 0 ? "" : (child.stderr || child.error?.message || `exit ${child.status}`).trim().split("\n").slice(-6).join("\n");
  return { ok: child.status === 0, wallMs, maxRssKb: probe.maxRssKb, hooks: probe.hooks, transpileOnly: probe.transpileOnly, error };
}

/** `npm run render` in a fresh process, with the probe and, when asked, the growth hook. */
function renderStack(stack: string, out: string, growth?: { rules?: number; dashboards?: number; jobs?: number }): Sample {
  const preloads = ["-r", "ts-node/register/transpile-only", "-r", PROBE, ...(growth ? ["-r", GROWTH_HOOK] : [])];
  return runChild([...preloads, "scripts/render.ts", "--stack", stack, "--out", out], {
    BENCH_RULES: String(growth?.rules ?? 0),
    BENCH_DASHBOARDS: String(growth?.dashboards ?? 0),
    BENCH_JOBS: String(growth?.jobs ?? 0),
  });
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
  const rows: string[][] = [];
  const out = path.join(WORK, "startup");
  const modes: [string, string][] = [
    ["check", "ts-node, type-checked (what `PULUMI_NODEJS_TRANSPILE_ONLY=false` forces)"],
    ["transpile", "ts-node, transpile-only (what `PULUMI_NODEJS_TRANSPILE_ONLY=true` forces)"],
    ["pulumi", "ts-node as Pulumi registers it by default, with this project's tsconfig.json"],
  ];
  for (const [mode, label] of modes) {
    const samples = repeat(options.startupRuns, `startup ${mode}`, () => runChild(["-r", PROBE, "-e", TS_NODE_HARNESS], { BENCH_TS_MODE: mode, BENCH_STACK: stack, BENCH_OUT: out }));
    const transpileOnly = samples.find((s) => s.ok)?.transpileOnly;
    rows.push([label, transpileOnly === undefined ? "?" : transpileOnly === "true" ? "no" : "yes", ...summary(samples)]);
  }

  // Precompiled: tsc emits the project into bin/.bench (git-ignored), next to node_modules.
  const compiled = path.join(PROJECT_ROOT, "bin", ".bench");
  fs.rmSync(compiled, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json", "--outDir", compiled, "--noEmit", "false", "--sourceMap", "false"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  const tscMs = Number(process.hrtime.bigint() - started) / 1e6;
  const renderJs = path.join(compiled, "scripts", "render.js");
  if (fs.existsSync(renderJs)) {
    for (const file of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(compiled, file));
    const samples = repeat(options.startupRuns, "startup precompiled", () => runChild(["-r", PROBE, renderJs, "--stack", stack, "--out", out]));
    const typeErrors = tsc.status === 0 ? "" : " (tsc reported type errors; JavaScript emitted anyway)";
    rows.push([`precompiled JavaScript (tsc → node; the compile itself took ${seconds(tscMs)}${typeErrors})`, "no", ...summary(samples)]);
  } else {
    rows.push(["precompiled JavaScript", "no", "tsc emitted nothing", (tsc.stdout + tsc.stderr).trim().split("\n")[0] ?? ""]);
  }
  fs.rmSync(compiled, { recursive: true, force: true });
  return [
    `### TypeScript start-up (${stack} stack, ${options.startupRuns} runs each; median (min – max))`,
    "",
    table(["How the program is loaded", "Type-checks", "Wall time", "Peak RSS"], rows),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------

function machine(): string {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? "unknown"}, ${os.availableParallelism?.() ?? cpus.length} logical CPUs (nproc)`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `- Load average when the run started: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} (1, 5, 15 min): other processes on the machine add noise; compare medians`,
    `- Node.js ${process.version}, TypeScript ${require("typescript").version}, ts-node ${require("ts-node").VERSION}, @pulumi/pulumi ${require("@pulumi/pulumi/package.json").version}`,
  ].join("\n");
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  fs.writeFileSync(PROBE, PROBE_SOURCE);
  fs.writeFileSync(GROWTH_HOOK, GROWTH_HOOK_SOURCE);
  const sections: string[] = [`## Benchmark run, ${new Date().toISOString()}`, "", machine()];
  const print = (text: string) => {
    sections.push("", text);
    console.log(`\n${text}`);
  };
  console.log(sections.join("\n"));

  // 1. Whole process per stack.
  const renders = new Map<string, RenderContents>();
  const rows: string[][] = [];
  for (const stack of options.stacks) {
    const out = path.join(WORK, `render-${stack}`);
    const samples = repeat(options.runs, `render ${stack}`, () => renderStack(stack, out));
    if (samples.every((s) => s.ok)) renders.set(stack, readRender(out));
    const contents = renders.get(stack);
    rows.push([stack, contents ? String(contents.manifests.length) : "?", contents ? `${(contents.manifestBytes / 1024).toFixed(0)} KiB` : "?", ...summary(samples)]);
  }
  print(
    [
      `### Whole process: \`npm run render\` per stack (${options.runs} runs; median (min – max))`,
      "",
      table(["Stack", "Kubernetes objects", "manifests.yaml", "Wall time", "Peak RSS"], rows),
    ].join("\n"),
  );

  // 2. Growth.
  if (options.growth) {
    const stack = options.stacks[0];
    const growthRows: string[][] = [];
    const dimensions: ["rules" | "dashboards" | "jobs", string][] = [
      ["rules", "alert rules"],
      ["dashboards", "dashboards"],
      ["jobs", "scrape jobs"],
    ];
    const measure = (label: string, n: number, growth: { rules?: number; dashboards?: number; jobs?: number }) => {
      const out = path.join(WORK, `growth-${label}-${n}`);
      const samples = repeat(options.growthRuns, `${label} +${n}`, () => renderStack(stack, out, growth));
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
        `### Growth (${stack} stack, ${options.growthRuns} runs each; median (min – max))`,
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

  fs.rmSync(WORK, { recursive: true, force: true });
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    fs.rmSync(WORK, { recursive: true, force: true });
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  }
}
