/**
 * How `pulumi preview`/`up` and `npm run render` load the program (scripts/typescript-require-hook.js,
 * scripts/pulumi-main.js): an edited file is never served stale, a cache hit needs no compiler, errors
 * point at the .ts source, and Pulumi's own runner gets index.ts's exports as the stack's outputs.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse } from "yaml";
import { PROJECT_ROOT, readStackFile } from "../../scripts/offline";

const HOOK = path.join(PROJECT_ROOT, "scripts", "typescript-require-hook.js");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ts-hook-"));
const cacheDir = path.join(scratch, "cache");
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `script` in a fresh node, by default with the hook preloaded; the hook's cache is in the scratch folder. */
async function node(script: string, options: { preload?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  // Set by the language host only when typescript is on: a child never inherits it by accident.
  const { PULUMI_NODEJS_TYPESCRIPT, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...(options.preload === false ? [] : ["-r", HOOK]), "-e", script], {
      cwd: PROJECT_ROOT,
      env: { ...inherited, OBSERVABILITY_TS_CACHE_DIR: cacheDir, ...options.env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** Prints the module's export and whether the TypeScript compiler was loaded to produce it. */
const requireAndReport = (file: string) =>
  `const value = require(${JSON.stringify(file)}).value;` +
  `const compiler = Object.keys(require.cache).some((f) => /node_modules[\\\\/]typescript[\\\\/]/.test(f));` +
  `console.log(JSON.stringify({ value, compiler }));`;

describe("the TypeScript require hook", () => {
  test("an edited file is transpiled again even when its size and modification time stay the same", async () => {
    const file = path.join(scratch, "greeting.ts");
    fs.writeFileSync(file, `export const value: string = "hello";\n`);
    const stamp = new Date("2026-01-01T00:00:00Z");
    fs.utimesSync(file, stamp, stamp);

    const first = await node(requireAndReport(file));
    expect(first.stderr).toBe("");
    expect(JSON.parse(first.stdout)).toEqual({ value: "hello", compiler: true });

    const again = await node(requireAndReport(file));
    expect(JSON.parse(again.stdout)).toEqual({ value: "hello", compiler: false });

    fs.writeFileSync(file, `export const value: string = "hullo";\n`);
    fs.utimesSync(file, stamp, stamp);
    const edited = await node(requireAndReport(file));
    expect(JSON.parse(edited.stdout)).toEqual({ value: "hullo", compiler: true });
  });

  test("a thrown error names the .ts line and column, not the transpiled JavaScript's", async () => {
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
    for (const run of ["cold", "cached"]) {
      const result = await node(script);
      expect({ run, stdout: result.stdout.trim() }).toEqual({
        run,
        stdout: `Error: prometheus: replicas must be at least 1\n    at Object.check (${file}:5:36)`,
      });
    }
  });

  test("a syntax error stops the load naming the file, and is not cached", async () => {
    const file = path.join(scratch, "broken.ts");
    fs.writeFileSync(file, `export const value = ;\n`);
    for (let i = 0; i < 2; i++) {
      const result = await node(`require(${JSON.stringify(file)})`);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("broken.ts");
      expect(result.stderr).toMatch(/error TS\d+: Expression expected/);
    }
  });
});

describe("the Pulumi SDK's own TypeScript load", () => {
  test("is deferred until something needs the compiler, and function serialization still gets it", async () => {
    const script = `
      const loaded = () => Object.keys(require.cache).some((f) => /node_modules[\\\\/]typescript[\\\\/]/.test(f));
      const pulumi = require("@pulumi/pulumi");
      const atStart = loaded();
      pulumi.runtime.serializeFunction(() => 6 * 7).then((serialized) => {
        console.log(JSON.stringify({ atStart, afterSerializing: loaded(), answer: eval(serialized.text + "; exports.handler()") }));
      });`;
    const result = await node(script);
    expect(JSON.parse(result.stdout.trim())).toEqual({ atStart: false, afterSerializing: true, answer: 42 });
  });
});

describe("pulumi preview/up", () => {
  test("Pulumi's runner, with Pulumi.yaml's runtime options, makes index.ts's exports the stack outputs", async () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
    // What the language host does with `runtime.options.typescript` (default true).
    const typescript = project.runtime?.options?.typescript ?? true;
    // @pulumi/pulumi/cmd/run is what the language host starts (with no preload); the mock monitor
    // stands in for the engine, and the config is the stack file's, as the CLI would pass it.
    const { config, secretKeys } = readStackFile("dev");
    const script = `
      (async () => {
        const pulumi = require("@pulumi/pulumi");
        const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
        pulumi.runtime.setAllConfig(${JSON.stringify(config)}, ${JSON.stringify(secretKeys)});
        const register = MockMonitor.prototype.registerResourceOutputs;
        MockMonitor.prototype.registerResourceOutputs = function (req, callback) {
          if (req.getUrn().includes("pulumi:pulumi:Stack")) globalThis.stackOutputs = req.getOutputs().toJavaScript();
          return register.call(this, req, callback);
        };
        await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: (a) => a.inputs }, "observability", "dev", false);
        process.on("exit", () => {
          const tsNode = Object.keys(require.cache).some((f) => /node_modules[\\\\/]ts-node[\\\\/]/.test(f));
          console.log(JSON.stringify({ outputs: globalThis.stackOutputs, tsNode }));
        });
        process.argv = [process.argv[0], "run", "--monitor=mock", "--project=observability", "--stack=dev", "."];
        require("@pulumi/pulumi/cmd/run");
      })();`;
    // The language host sets PULUMI_NODEJS_TYPESCRIPT only when typescript is on.
    const result = await node(script, { preload: false, env: typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {} });
    const report = JSON.parse(result.stdout.trim().split("\n").pop()!);
    expect(report.tsNode).toBe(typescript);
    expect(report.outputs.namespace).toBe("monitoring");
    expect(report.outputs.urls.grafana).toBe("http://grafana.monitoring.svc.cluster.local:3000");
    expect(report.outputs.portForward.prometheus).toBe("kubectl -n monitoring port-forward svc/prometheus 9090:9090");
  });
});
