/**
 * `npm run render -- --stack <name> [--out <dir>] [--set key=value]... [--set-secret key=value]...`
 *
 * Runs the program offline for one stack and writes what it would deploy: manifests.yaml (Secret
 * values redacted), resources.json, outputs.json and every generated config file under files/.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { RENDER_DIR_ANNOTATION } from "../components/kube";
import { OfflineRun, PROJECT, PROJECT_ROOT, readStackFile, RecordedResource, runProgram, StackConfig } from "./offline";

export const REDACTED = "<redacted>";

interface RenderArgs {
  stack: string;
  out: string;
  set: [string, string][];
  setSecret: [string, string][];
}

function parseArgs(argv: string[]): RenderArgs {
  const args: RenderArgs = { stack: "", out: "", set: [], setSecret: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const pair = (): [string, string] => {
      const at = value.indexOf("=");
      if (at < 1) throw new Error(`${flag} takes key=value, got ${value}`);
      const key = value.slice(0, at);
      return [key.includes(":") ? key : `${PROJECT}:${key}`, value.slice(at + 1)];
    };
    if (flag === "--stack") args.stack = value;
    else if (flag === "--out") args.out = value;
    else if (flag === "--set") args.set.push(pair());
    else if (flag === "--set-secret") args.setSecret.push(pair());
    else throw new Error(`unknown flag ${flag}; use --stack, --out, --set, --set-secret`);
  }
  if (!args.stack) throw new Error("--stack <name> is required, e.g. npm run render -- --stack dev");
  args.out ||= path.join("out", args.stack);
  return args;
}

function withOverrides(base: StackConfig, args: RenderArgs): StackConfig {
  const config = { ...base.config };
  const secretKeys = new Set(base.secretKeys);
  for (const [key, value] of args.set) {
    config[key] = value;
    secretKeys.delete(key);
  }
  for (const [key, value] of args.setSecret) {
    config[key] = value;
    secretKeys.add(key);
  }
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

export function writeRender(out: string, run: OfflineRun, rendered: Rendered): void {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "manifests.yaml"), rendered.manifests.map((m) => stringify(m, { lineWidth: 0 })).join("---\n"));
  fs.writeFileSync(
    path.join(out, "resources.json"),
    JSON.stringify(run.resources.map(({ type, name, parent, options }) => ({ type, name, parent: parent ?? null, ...options })), null, 2) + "\n",
  );
  fs.writeFileSync(path.join(out, "outputs.json"), JSON.stringify(run.outputs, null, 2) + "\n");
  for (const [file, content] of rendered.files) {
    const target = path.join(out, "files", file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = withOverrides(readStackFile(args.stack), args);
  const run = await runProgram(args.stack, config);
  const rendered = renderRun(run);
  const out = path.resolve(PROJECT_ROOT, args.out);
  writeRender(out, run, rendered);
  console.log(`rendered stack ${args.stack}: ${rendered.manifests.length} Kubernetes objects, ${rendered.files.size} config files → ${path.relative(process.cwd(), out) || "."}`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.name === "SettingsError" ? err.message : `render failed: ${err.stack ?? err}`);
    process.exit(1);
  });
}
