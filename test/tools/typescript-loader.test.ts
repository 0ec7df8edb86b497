/**
 * How `pulumi preview`/`up` and `npm run render` load the program: scripts/pulumi-main.js registers
 * @swc-node/register for Pulumi's runner, the npm scripts preload it with `-r`. Pulumi's runner gets
 * index.ts's outputs in index.ts's order, every resource's source position and every error point at
 * the .ts line and column, an edited file is never served stale, and none of our code reaches into
 * Node's module cache or the SDK's files.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { promisify } from "util";
import { parse } from "yaml";
import { PROJECT_ROOT, readStackFile } from "../../scripts/offline";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ts-loader-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `script` in a fresh node from the project root, by default with the loader preloaded as the npm scripts do. */
async function node(script: string, options: { preload?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  // Set by the language host only when Pulumi.yaml's `typescript` is on: a child never inherits it by accident.
  const { PULUMI_NODEJS_TYPESCRIPT, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...(options.preload === false ? [] : ["-r", "@swc-node/register"]), "-e", script], {
      cwd: PROJECT_ROOT,
      env: { ...inherited, ...options.env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** 1-based line and column of the first occurrence of `text` in `file`. */
function positionOf(file: string, text: string): { uri: string; line: number; column: number } {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const line = lines.findIndex((l) => l.includes(text));
  if (line < 0) throw new Error(`${text} is not in ${file}`);
  return { uri: pathToFileURL(file).toString(), line: line + 1, column: lines[line].indexOf(text) + 1 };
}

describe("pulumi preview/up: Pulumi's runner loading scripts/pulumi-main.js", () => {
  const project = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
  // What the language host does with `runtime.options.typescript` (default true); old hosts run
  // with `-typescript=false` and ignore the file's options, current ones read it: both end here.
  const typescript = project.runtime?.options?.typescript ?? true;
  let report: { outputKeys: string[]; stackOutputs: Record<string, any>; positions: Record<string, { uri: string; line: number; column: number }> };

  beforeAll(async () => {
    // @pulumi/pulumi/cmd/run is what the language host starts (with no preload); the mock monitor
    // stands in for the engine, and the config is the stack file's, as the CLI would pass it.
    const { config, secretKeys } = readStackFile("dev");
    const script = `
      (async () => {
        const pulumi = require("@pulumi/pulumi");
        const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
        pulumi.runtime.setAllConfig(${JSON.stringify(config)}, ${JSON.stringify(secretKeys)});
        const positions = {};
        const registerResource = MockMonitor.prototype.registerResource;
        MockMonitor.prototype.registerResource = function (req, callback) {
          const at = req.getSourceposition();
          if (at) positions[req.getType() + "::" + req.getName()] = { uri: at.getUri(), line: at.getLine(), column: at.getColumn() };
          return registerResource.call(this, req, callback);
        };
        const registerOutputs = MockMonitor.prototype.registerResourceOutputs;
        MockMonitor.prototype.registerResourceOutputs = function (req, callback) {
          if (req.getUrn().includes("pulumi:pulumi:Stack")) globalThis.stackOutputs = req.getOutputs().toJavaScript();
          return registerOutputs.call(this, req, callback);
        };
        await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: (a) => a.inputs }, "observability", "dev", false);
        process.on("exit", () => {
          // The module the runner loaded, already evaluated: requiring it again returns its exports.
          const outputKeys = Object.keys(require(${JSON.stringify(path.join(PROJECT_ROOT, "scripts", "pulumi-main.js"))}));
          console.log(JSON.stringify({ outputKeys, stackOutputs: globalThis.stackOutputs, positions }));
        });
        process.argv = [process.argv[0], "run", "--monitor=mock", "--project=observability", "--stack=dev", "."];
        require("@pulumi/pulumi/cmd/run");
      })();`;
    const result = await node(script, { preload: false, env: typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {} });
    if (result.code !== 0) throw new Error(`Pulumi's runner failed:\n${result.stderr}`);
    report = JSON.parse(result.stdout.trim().split("\n").pop()!);
  }, 120000);

  test("Pulumi.yaml has the runner load package.json's plain-JavaScript main, without ts-node", () => {
    expect(typescript).toBe(false);
    expect(project.main).toBeUndefined();
    expect(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).main).toBe("scripts/pulumi-main.js");
  });

  test("index.ts's outputs become the stack outputs, in the order index.ts gives them", () => {
    const index = fs.readFileSync(path.join(PROJECT_ROOT, "index.ts"), "utf8");
    const declared = [...index.slice(index.indexOf("export = {")).matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]);
    expect(declared).toContain("namespace");
    expect(report.outputKeys).toEqual(declared);
    expect(report.stackOutputs.namespace).toBe("monitoring");
    expect(report.stackOutputs.urls.grafana).toBe("http://grafana.monitoring.svc.cluster.local:3000");
    expect(report.stackOutputs.portForward.prometheus).toBe("kubectl -n monitoring port-forward svc/prometheus 9090:9090");
  });

  test("each resource's recorded source position is the .ts line and column that created it", () => {
    expect(report.positions["observability:index:ObservabilityStack::observability"]).toEqual(positionOf(path.join(PROJECT_ROOT, "index.ts"), "new ObservabilityStack("));
    expect(report.positions["observability:index:Loki::loki"]).toEqual(positionOf(path.join(PROJECT_ROOT, "components", "observability-stack.ts"), "new Loki("));
  });
});

describe("npm run render and the other scripts: node -r @swc-node/register", () => {
  // An empty transform cache, so the first run of each test transpiles and the next one is served from it.
  const env = { SWC_NODE_CACHE_DIR: path.join(scratch, "cache") };

  test("a thrown error names the .ts file, line and column, not the transpiled JavaScript's", async () => {
    const file = path.join(scratch, "thrower.ts");
    fs.writeFileSync(
      file,
      [
        `interface Settings { replicas: number }`,
        `type Name = string;`,
        ``,
        `export function check(settings: Settings, name: Name): void {`,
        `  if (settings.replicas < 1) throw new Error(\`\${name}: replicas must be at least 1\`);`,
        `}`,
        ``,
      ].join("\n"),
    );
    const script = `try { require(${JSON.stringify(file)}).check({ replicas: 0 }, "prometheus"); } catch (e) { console.log(e.stack.split("\\n").slice(0, 2).join("\\n")); }`;
    for (const run of ["transpiled", "from the cache"]) {
      const result = await node(script, { env });
      expect({ run, stdout: result.stdout.trim() }).toEqual({
        run,
        stdout: `Error: prometheus: replicas must be at least 1\n    at Object.check (${file}:5:36)`,
      });
    }
  });

  test("a syntax error stops the load naming the file and line, on every run", async () => {
    const file = path.join(scratch, "broken.ts");
    fs.writeFileSync(file, `export const value = 1;\nexport const other = ;\n`);
    for (let i = 0; i < 2; i++) {
      const result = await node(`require(${JSON.stringify(file)})`, { env });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`${file}:2:`);
      expect(result.stderr).toContain("Expression expected");
    }
  });

  test("an edited file is loaded as edited, even when its size and modification time stay the same", async () => {
    const file = path.join(scratch, "greeting.ts");
    const stamp = new Date("2026-01-01T00:00:00Z");
    const write = (text: string) => {
      fs.writeFileSync(file, text);
      fs.utimesSync(file, stamp, stamp);
    };
    const script = `console.log(require(${JSON.stringify(file)}).value)`;
    write(`export const value: string = "hello";\n`);
    expect((await node(script, { env })).stdout.trim()).toBe("hello");
    expect((await node(script, { env })).stdout.trim()).toBe("hello");
    write(`export const value: string = "hullo";\n`);
    expect((await node(script, { env })).stdout.trim()).toBe("hullo");
  });
});

describe("our code", () => {
  /** Every file of ours that runs or tests the program, except this one, which has to name what it looks for. */
  function ourFiles(): string[] {
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : walk(full);
        return /\.(ts|js|mjs|cjs)$/.test(e.name) ? [full] : [];
      });
    const files = [...["scripts", "components", "configs", "test"].flatMap((d) => walk(path.join(PROJECT_ROOT, d))), path.join(PROJECT_ROOT, "index.ts")];
    return files.filter((f) => f !== __filename);
  }

  const forbidden: [RegExp, string][] = [
    [/\bModule\s*\.\s*_cache\b|\bModule\s*\[\s*["'`]_cache/, "Node's module cache (Module._cache)"],
    [/\brequire\s*\.\s*cache\b|\brequire\s*\[\s*["'`]cache/, "Node's module cache (require.cache)"],
    [/\b(?:Module|require)\s*\.\s*_?extensions\b/, "a hand-made require hook (Module._extensions)"],
    [/node_modules["'`]?\s*(?:[,+/\\]|\[\\\\\/\])\s*["'`]?@pulumi/, "a path into node_modules/@pulumi (the SDK's files are not ours to write)"],
  ];

  test("never touches Node's module cache, registers no hand-made require hook and names no path into the SDK's folder", () => {
    const files = ourFiles();
    expect(files).toContain(path.join(PROJECT_ROOT, "scripts", "pulumi-main.js"));
    const found: string[] = [];
    for (const file of files) {
      const lines = fs.readFileSync(file, "utf8").split("\n");
      lines.forEach((line, i) => {
        for (const [pattern, what] of forbidden) if (pattern.test(line)) found.push(`${path.relative(PROJECT_ROOT, file)}:${i + 1}: ${what}`);
      });
    }
    expect(found).toEqual([]);
  });

  test("the scan finds what it looks for", () => {
    const samples = [
      `delete Module._cache[file];`,
      `Object.keys(require.cache)`,
      `require["cache"][id] = stub;`,
      `Module._extensions[".ts"] = load;`,
      `fs.writeFileSync(path.join(root, "node_modules", "@pulumi", "pulumi", "x.js"), text);`,
      `fs.writeFileSync("node_modules/@pulumi/pulumi/typescript-shim.js", text);`,
    ];
    for (const sample of samples) expect({ sample, matched: forbidden.some(([pattern]) => pattern.test(sample)) }).toEqual({ sample, matched: true });
    expect(forbidden.some(([pattern]) => pattern.test(`require("@pulumi/pulumi/runtime/mocks")`))).toBe(false);
  });
});
