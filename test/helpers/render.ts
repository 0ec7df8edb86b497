import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parseAllDocuments } from "yaml";
import { PROJECT_ROOT } from "../../scripts/offline";
import { runFolder, sharedFolder } from "./run-cache";

export interface RenderResult {
  dir: string;
  manifests: Record<string, any>[];
  resources: { type: string; name: string; parent: string | null; protect: boolean; retainOnDelete: boolean; ignoreChanges: string[] }[];
  outputs: Record<string, any>;
  /** Path under files/ → content. */
  files: Record<string, string>;
}

export interface RenderOptions {
  stack: string;
  /** `key=value` settings on top of the stack file (`observability:` may be left out). */
  set?: string[];
  setSecret?: string[];
}

const cache = new Map<string, Promise<RenderResult>>();

/**
 * Renders a stack in a child process, exactly as `npm run render` does (Pulumi's runtime is global
 * state, so one process runs the program once). Within a test file a result is kept per options;
 * across the files of one jest run it is shared through the run's folder (run-cache.ts), so each
 * set of options renders once per run. A result is read-only: nothing may write into its `dir`.
 */
export function render(options: RenderOptions): Promise<RenderResult> {
  const key = JSON.stringify(options);
  if (!cache.has(key)) {
    const shared = runFolder("renders");
    cache.set(
      key,
      shared
        ? sharedFolder(shared, key, (target) => renderInto(options, target)).then(loadRender)
        : renderInto(options, fs.mkdtempSync(path.join(os.tmpdir(), `render-${options.stack}-`))).then(loadRender),
    );
  }
  return cache.get(key)!;
}

export async function runRenderCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["-r", "@swc-node/register", "scripts/render.ts", ...args], {
      cwd: PROJECT_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** Runs `npm run render` into `dir`, which it creates whole (or replaces, if empty). */
async function renderInto(options: RenderOptions, dir: string): Promise<string> {
  const args = ["--stack", options.stack, "--out", dir];
  for (const s of options.set ?? []) args.push("--set", s);
  for (const s of options.setSecret ?? []) args.push("--set-secret", s);
  const result = await runRenderCommand(args);
  if (result.code !== 0) throw new Error(`render ${args.join(" ")} failed:\n${result.stderr}`);
  return dir;
}

export function loadRender(dir: string): RenderResult {
  const manifests = parseAllDocuments(fs.readFileSync(path.join(dir, "manifests.yaml"), "utf8")).map((d) => d.toJS());
  const files: Record<string, string> = {};
  const filesDir = path.join(dir, "files");
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(filesDir, full).split(path.sep).join("/")] = fs.readFileSync(full, "utf8");
    }
  };
  if (fs.existsSync(filesDir)) walk(filesDir);
  return {
    dir,
    manifests,
    resources: JSON.parse(fs.readFileSync(path.join(dir, "resources.json"), "utf8")),
    outputs: JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8")),
    files,
  };
}

export function find(result: RenderResult, kind: string, name: string): Record<string, any> {
  const found = result.manifests.find((m) => m.kind === kind && m.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the render of ${result.dir}`);
  return found;
}

/** Every container of a workload's pod template, init containers included. */
export function containersOf(workload: Record<string, any>): Record<string, any>[] {
  const spec = workload.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers];
}

export const WORKLOAD_KINDS = ["Deployment", "DaemonSet", "StatefulSet"];
