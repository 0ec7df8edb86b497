/**
 * Runs the Pulumi program without an engine or cluster, under Pulumi's documented mocks, and
 * records every resource it registers. Used by `npm run render` and by the tests.
 */
import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";
import { duplicateConfigKeyProblems, parseStackFileText } from "../configs/pulumi-values";
import { CONFIG_NAMESPACE, RawSettings, SecretKey, SettingsError } from "../configs/settings";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const PROJECT = "observability";

export interface RecordedResource {
  type: string;
  name: string;
  /** The parent's `type::name`, or undefined for the stack's own children. */
  parent?: string;
  custom: boolean;
  /**
   * Resource options the engine would enforce: `protect` blocks deletion, `retainOnDelete` keeps the object in the cluster,
   * `ignoreChanges` lists input paths whose new value the engine ignores (so a change there neither updates nor replaces).
   */
  options: { protect: boolean; retainOnDelete: boolean; ignoreChanges: string[] };
  /** Inputs with secret Outputs unwrapped: only what a Kubernetes Secret holds can be a secret value. */
  state: Record<string, any>;
}

export interface OfflineRun {
  stack: string;
  resources: RecordedResource[];
  /** Stack outputs; secret ones are `{ secret: true }` with no value. */
  outputs: Record<string, unknown>;
  /** Plaintext of every secret config value, so callers can prove none leaks. */
  secretValues: string[];
}

export interface StackConfig {
  /** `namespace:key` → value as Pulumi would hand it to the program (JSON text for structured values). */
  config: Record<string, string>;
  secretKeys: string[];
}

/**
 * The placeholder a `secure:` value of a stack file renders as (the ciphertext needs the CLI): an
 * https URL, so it meets every secret's grammar (webhooks are https URLs, the rest non-empty).
 */
export const securePlaceholder = (key: string) => `https://secure-placeholder.invalid/${encodeURIComponent(key)}`;

/** A stack the render cannot read: one line for the user, no stack trace. */
export class StackFileError extends Error {
  name = "StackFileError";
}

/**
 * Reads Pulumi.<stack>.yaml the way the CLI hands it to the program: top-level values as text,
 * structures as JSON text; a structure holding a `secure:` leaf (`config set --secret --path`) is
 * handed over decrypted and its whole key marked secret.
 */
export function readStackFile(stack: string): StackConfig {
  if (!listStacks().includes(stack)) throw new StackFileError(`unknown stack ${JSON.stringify(stack)}: stacks are ${listStacks().join(", ")}`);
  const file = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  return stackConfigFromText(fs.readFileSync(file, "utf8"), path.basename(file));
}

/** A stack file's text as the CLI hands its config to the program (see readStackFile). */
export function stackConfigFromText(text: string, file: string): StackConfig {
  const doc = parseStackFileText(text, file);
  if (typeof doc === "string") throw new StackFileError(doc);
  const duplicates = duplicateConfigKeyProblems(Object.keys(doc.config ?? {}), PROJECT);
  if (duplicates.length > 0) throw new SettingsError(duplicates);
  const result: StackConfig = { config: {}, secretKeys: [] };
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    if (isSecure(value)) {
      result.config[fullKey] = securePlaceholder(fullKey);
      result.secretKeys.push(fullKey);
    } else if (value !== null && typeof value === "object") {
      let secure = false;
      const decrypted = JSON.stringify(value, (_, v) => (isSecure(v) ? ((secure = true), securePlaceholder(fullKey)) : v));
      result.config[fullKey] = decrypted;
      if (secure) result.secretKeys.push(fullKey);
    } else {
      result.config[fullKey] = String(value);
    }
  }
  return result;
}

/**
 * A stack file's settings as the program reads them: structured values JSON-decoded, secrets only
 * as "set" (their ciphertext needs the Pulumi CLI, and nothing here needs their values).
 */
export function rawSettingsFromStackFile(stack: string): RawSettings {
  const file = readStackFile(stack);
  const secretKeys = new Set(file.secretKeys);
  const raw: RawSettings = { values: {}, secrets: {} };
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, text] of Object.entries(file.config)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (secretKeys.has(fullKey)) raw.secrets[key as SecretKey] = { secure: true };
    else raw.values[key] = decodeJson(text);
  }
  return raw;
}

function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const isSecure = (value: unknown): boolean => value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value && Object.keys(value).length === 1;

export function listStacks(): string[] {
  return fs
    .readdirSync(PROJECT_ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
}

/** A deterministic stand-in for Pulumi's random suffix: same inputs, same name, as a replace would give a new one. */
function autoName(name: string, inputs: unknown): string {
  return `${name}-${createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 8)}`;
}

/**
 * Runs index.ts once in this process. A process can run the program only once: Pulumi's runtime
 * state is global, so callers that need several runs use separate processes (see render).
 */
export async function runProgram(stack: string, stackConfig: StackConfig): Promise<OfflineRun> {
  const pulumi = await import("@pulumi/pulumi");
  const { MockMonitor } = await import("@pulumi/pulumi/runtime/mocks");
  // Internal to the runtime (no type declaration): drains the queue of resource registrations.
  const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

  pulumi.runtime.setAllConfig(stackConfig.config, stackConfig.secretKeys);

  // The mocks see neither a resource's parent nor its options; the monitor's request does.
  const requests = new Map<string, { parent: string; protect: boolean; retainOnDelete: boolean; ignoreChanges: string[] }>();
  const originalRegister = MockMonitor.prototype.registerResource;
  MockMonitor.prototype.registerResource = function (req: any, callback: any) {
    requests.set(`${req.getType()}::${req.getName()}`, {
      parent: req.getParent(),
      protect: Boolean(req.getProtect()),
      retainOnDelete: Boolean(req.getRetainondelete()),
      ignoreChanges: req.getIgnorechangesList(),
    });
    return originalRegister.call(this, req, callback);
  };

  const resources: RecordedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        // A read (a StackReference, a `.get`) deploys nothing, and offline there is nothing to read.
        if (args.id) return { id: args.id, state: args.inputs };
        const state = unwrapSecrets(args.inputs) as Record<string, any>;
        if (args.type.startsWith("kubernetes:") && state.metadata && !state.metadata.name) {
          state.metadata = { ...state.metadata, name: autoName(args.name, args.inputs) };
        }
        if (args.type === "random:index/randomPassword:RandomPassword") {
          state.result = createHash("sha256").update(`${stack}/${args.name}`).digest("base64url").slice(0, args.inputs.length ?? 32);
        }
        resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, options: { protect: false, retainOnDelete: false, ignoreChanges: [] }, state });
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );

  // As Pulumi's runner loads a CommonJS program: its module.exports are the stack outputs.
  const program = require(path.join(PROJECT_ROOT, "index")) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(program)) {
    outputs[name] = await settle(pulumi, value);
  }
  await waitForRPCs();

  for (const resource of resources) {
    const request = requests.get(`${resource.type}::${resource.name}`);
    if (!request) continue;
    resource.options = { protect: request.protect, retainOnDelete: request.retainOnDelete, ignoreChanges: request.ignoreChanges };
    if (request.parent) resource.parent = request.parent.split("::").slice(-2).join("::").replace(/^.*\$/, "");
  }
  const secretValues = stackConfig.secretKeys.map((key) => stackConfig.config[key]);
  return { stack, resources, outputs, secretValues };
}

/** The wire form of a secret value; the mocks hand inputs over in it. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIGNATURE] === "1b47061264138c4ac30d75fd1eb44270") return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Resolves an exported value; a secret becomes `{ secret: true }` so no caller can print it by mistake. */
async function settle(pulumi: typeof import("@pulumi/pulumi"), value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as import("@pulumi/pulumi").Output<unknown>;
    const [resolved, isSecret] = await Promise.all([
      new Promise((resolve) => output.apply((v) => resolve(v))),
      (output as any).isSecret as Promise<boolean>,
    ]);
    return isSecret ? { secret: true } : settle(pulumi, resolved);
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => settle(pulumi, v)));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await settle(pulumi, v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}
