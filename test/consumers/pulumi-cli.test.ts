/**
 * The render's reading of stack files and `--set` paths against the Pulumi CLI itself (v3.276, built
 * into .upstream/bin by `npm run upstream-tools`): the CLI's own `pulumi config --json` on the same
 * stack file, and `pulumi config set --path` on the same values, in a throwaway project with a local
 * backend. Skipped, saying why, where the CLI is not built.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withOverrides } from "../../scripts/render";
import { stackConfigFromText } from "../../scripts/offline";
import { UPSTREAM_BIN } from "../../scripts/upstream-tools-plan";

const PULUMI = path.join(UPSTREAM_BIN, "pulumi");
const withCli = fs.existsSync(PULUMI) ? test : (name: string, fn: jest.ProvidesCallback) => test.skip(`${name} [skipped: needs the Pulumi CLI in .upstream/bin; run \`npm run upstream-tools\`]`, fn);

const STACK_FILES = [
  "config:\n  x-base: &base\n    a: 1_000\n    d: 2001-01-01\n  observability:app:\n    <<: *base\n    b: \"x\"\n    c: 007\n  observability:cluster: 0x10\n",
  "config:\n  observability:alertmanager:\n    <<: [{smtp: {from: a@b.c}}, {smtp: {from: x@y.z}, replicas: 2}]\n    replicas: 3\n  observability:environment: yes\n",
  "config:\n  observability:prometheus: &p\n    retention: 10d\n    storageGi: 1e3\n  observability:x: *p\n  namespace: 0o17\n",
  "config:\n  observability:app:\n    staticTargets: [\"10.0.0.1:9100\", 'b:1']\n    metricsPath: /m\n  observability:cluster: '007'\n  observability:storageClass: 2001-1-2T03:04:05Z\n",
];

describe("the Pulumi CLI reads the same stack files and --path values as the render", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const pulumi = (...args: string[]) => execFileSync(PULUMI, ["--stack", "test", ...args], { cwd: dir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const cliConfig = () =>
    Object.fromEntries(Object.entries(JSON.parse(pulumi("config", "--json")) as Record<string, { value: string }>).map(([key, { value }]) => [key, value]));
  /** Objects compared as values (key order aside); text as text. */
  const comparable = (config: Record<string, string>) =>
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k, /^[[{]/.test(v) ? JSON.parse(v) : v]));

  beforeAll(() => {
    if (!fs.existsSync(PULUMI)) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-cli-"));
    fs.mkdirSync(path.join(dir, "state"));
    env = { ...process.env, PULUMI_HOME: path.join(dir, "home"), PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "test", PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true" };
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: observability\nruntime: nodejs\n");
    execFileSync(PULUMI, ["stack", "init", "test", "--non-interactive"], { cwd: dir, env, stdio: "ignore" });
  });
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  withCli("stack files with anchors, merge keys and YAML's odd scalars: the same config, key by key", () => {
    for (const text of STACK_FILES) {
      fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), text);
      expect({ text, config: comparable(stackConfigFromText(text, "Pulumi.test.yaml").config) }).toEqual({ text, config: comparable(cliConfig()) });
    }
  });

  withCli("a key written twice in a nested mapping: the CLI refuses the file, and so does the render", () => {
    const text = "config:\n  observability:app:\n    job: a\n    job: b\n";
    fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), text);
    expect(() => pulumi("config", "--json")).toThrow(/already defined/);
    expect(() => stackConfigFromText(text, "Pulumi.test.yaml")).toThrow(/written twice/);
  });

  withCli("--path values: typed alike", () => {
    const values = ["+20", "-7", "007", "0", "-0", "true", "True", "1.5", "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e3", "", "x y"];
    fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), "config: {}\n");
    values.forEach((value, i) => pulumi("config", "set", "--path", "--", `observability:app.v${i}`, value));
    const ours = withOverrides({ config: {}, secretKeys: [] }, { set: values.map((value, i) => ({ key: "observability:app", path: [`v${i}`], value })), setSecret: [] });
    expect(JSON.parse(ours.config["observability:app"])).toEqual(JSON.parse(cliConfig()["observability:app"]));
  });
});
