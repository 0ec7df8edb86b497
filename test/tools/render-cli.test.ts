/**
 * The render command as a user meets it: it never deletes what it did not write, a mistake is one
 * line (no stack trace), and `--set`/`--set-secret` change one field the way `pulumi config set
 * --path [--secret]` would.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, readStackFile, StackConfig } from "../../scripts/offline";
import { checkOutputFolder, parseArgs, RENDER_MARKER, Rendered, withOverrides, writeRender } from "../../scripts/render";
import { find, loadRender, runRenderCommand } from "../helpers/render";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "render-cli-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A failed command: one line on stderr, no JavaScript stack trace. */
function expectOneLine(result: { stderr: string }, pattern: RegExp): void {
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe("render output folder", () => {
  test("--out . is refused and nothing is deleted", async () => {
    const result = await runRenderCommand(["--stack", "dev", "--out", "."]);
    expect(result.code).toBe(2);
    expectOneLine(result, /^render: --out \.: refusing to write to .*, which is or holds the repository/);
    expect(fs.existsSync(path.join(PROJECT_ROOT, ".git"))).toBe(true);
    expect(fs.existsSync(path.join(PROJECT_ROOT, "package.json"))).toBe(true);
  });

  test.each(["..", PROJECT_ROOT, path.dirname(PROJECT_ROOT), "/", `${PROJECT_ROOT}/`, path.join(PROJECT_ROOT, "out", "..")])("--out %s (the repository or above it) is refused", (out) => {
    expect(() => checkOutputFolder(out, PROJECT_ROOT)).toThrow(/refusing to write to .*(repository|current folder)/);
  });

  test("the folder the command runs in, and any folder above it, are refused", () => {
    const cwd = path.join(scratch, "work", "here");
    fs.mkdirSync(cwd, { recursive: true });
    expect(() => checkOutputFolder(".", cwd)).toThrow(/current folder/);
    expect(() => checkOutputFolder("..", cwd)).toThrow(/current folder/);
    expect(() => checkOutputFolder("sub", cwd)).not.toThrow();
  });

  test("a folder holding files a render did not write is refused and left as it was", async () => {
    const folder = path.join(scratch, "notes");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "keep.txt"), "mine");
    const result = await runRenderCommand(["--stack", "dev", "--out", folder]);
    expect(result.code).toBe(2);
    expectOneLine(result, /refusing to delete them/);
    expect(fs.readdirSync(folder)).toEqual(["keep.txt"]);
    expect(fs.readFileSync(path.join(folder, "keep.txt"), "utf8")).toBe("mine");
  });

  test("a file, or a folder that holds the repository through a symlink, is refused", () => {
    const file = path.join(scratch, "a-file");
    fs.writeFileSync(file, "x");
    expect(() => checkOutputFolder(file)).toThrow(/is not a folder/);
    const link = path.join(scratch, "repo-link");
    fs.symlinkSync(PROJECT_ROOT, link);
    expect(() => checkOutputFolder(link)).toThrow(/repository/);
    expect(() => checkOutputFolder(path.join(PROJECT_ROOT, "out", "dev"))).not.toThrow();
  });

  test.each<[string, () => string, RegExp]>([
    ["a folder under a regular file", () => (fs.writeFileSync(path.join(scratch, "plain"), "x"), path.join(scratch, "plain", "out")), /is a file, not a folder/],
    ["/dev/null", () => "/dev/null", /exists and is not a folder/],
    ["a folder under /dev/null", () => "/dev/null/out", /is a file, not a folder/],
    ["a folder in /proc", () => "/proc/observability-render", /cannot create a folder in \/proc/],
    ["a symlink to a folder", () => (fs.mkdirSync(path.join(scratch, "real")), fs.symlinkSync(path.join(scratch, "real"), path.join(scratch, "link")), path.join(scratch, "link")), /is a symlink/],
    ["a symlink into the repository", () => (fs.symlinkSync(path.join(PROJECT_ROOT, "configs"), path.join(scratch, "into-repo")), path.join(scratch, "into-repo", "new")), /inside the repository, where only out\/ is the render's/],
    ["a folder of the repository outside out/", () => path.join(PROJECT_ROOT, "docs", "render"), /inside the repository/],
  ])("%s is refused before anything is written", (_, out, message) => {
    expect(() => checkOutputFolder(out())).toThrow(expect.objectContaining({ name: "OutputFolderError", message: expect.stringMatching(message) }));
  });

  test.each<[string, string[], RegExp]>([
    ["an empty --out", ["--out", ""], /^render: --out needs a folder/],
    ["a folder in /proc", ["--out", "/proc/observability-render"], /^render: --out \/proc\/observability-render: cannot create a folder in \/proc/],
  ])("%s: one line, exit code 2, before the program runs", async (_, args, message) => {
    const started = Date.now();
    const result = await runRenderCommand(["--stack", "dev", ...args]);
    expect(result.code).toBe(2);
    expectOneLine(result, message);
    expect(result.stdout).toBe("");
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test("a multi-line secret is one settings problem, not an uncaught exception", async () => {
    const out = path.join(scratch, "multi-line-secret");
    const result = await runRenderCommand(["--stack", "prod", "--out", out, "--set", "loki.replicas=3", "--set", 'loki.objectStorage={"endpoint":"minio.storage:9000","bucket":"loki","accessKeyId":"loki"}', "--set-secret", "lokiObjectStorageSecretKey=line one\nline two"]);
    expect(result.code).toBe(1);
    expectOneLine(result, /^observability:lokiObjectStorageSecretKey: must be one line/);
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);

  test("a failure while writing leaves the previous render whole and no partial folder", () => {
    const out = path.join(scratch, "atomic");
    const run = { stack: "dev", resources: [], outputs: {}, secretValues: [] };
    writeRender(out, run, { manifests: [{ kind: "ConfigMap" }], files: new Map([["grafana/grafana.ini", "[server]\n"]]) });
    const before = fs.readFileSync(path.join(out, "files", "grafana", "grafana.ini"), "utf8");
    // "x" is written as a file, then "x/y" needs it as a folder: the write fails midway.
    const broken: Rendered = { manifests: [], files: new Map([["x", "file"], ["x/y", "below a file"]]) };
    expect(() => writeRender(out, run, broken)).toThrow();
    expect(fs.readFileSync(path.join(out, "files", "grafana", "grafana.ini"), "utf8")).toBe(before);
    expect(fs.readdirSync(scratch).filter((name) => name.includes("rendering"))).toEqual([]);
  });
});

describe("render usage errors", () => {
  test.each([
    [["--bogus"], /^render: unknown argument "--bogus"; usage: /],
    [["--stack", "nope"], /^render: unknown stack "nope": stacks are .*dev.*prod/],
  ])("%p: one line, exit code 2", async (args, message) => {
    const result = await runRenderCommand(args);
    expect(result.code).toBe(2);
    expectOneLine(result, message);
  });

  test.each([
    [["--stack"], /^--stack needs a value/],
    [[], /^--stack <name> is required/],
    [["--stack", "dev", "--set", "foo"], /^--set takes key=value/],
    [["--stack", "dev", "--set", "=1"], /^--set takes key=value/],
    [["--stack", "dev", "--set-secret", "a..b=1"], /^--set-secret: cannot read the key "a\.\.b"/],
    [["--stack", "dev", "--set", "[0]=1"], /^--set: the key "\[0\]" must start with a setting name/],
    [["--stack", "dev", "--out"], /^--out needs a value/],
  ])("%p is a usage error", (args, message) => {
    expect(() => parseArgs(args)).toThrow(expect.objectContaining({ name: "UsageError", message: expect.stringMatching(message) }));
  });

  test.each(["nope", "../../etc/passwd", "dev/../prod"])("stack %p is not one of the stack files", (stack) => {
    expect(() => readStackFile(stack)).toThrow(expect.objectContaining({ name: "StackFileError", message: expect.stringMatching(/^unknown stack .*: stacks are/) }));
  });

  test("a bad setting names its key, one line per problem, and writes nothing", async () => {
    const out = path.join(scratch, "bad-setting");
    const result = await runRenderCommand(["--stack", "dev", "--out", out, "--set", "prometheus.retention=9999999999y", "--set", "grafana.adminUser=a b"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^observability:prometheus\.retention: must be a duration/m);
    expect(result.stderr).toMatch(/^observability:grafana\.adminUser: must be a login/m);
    expect(result.stderr.trim().split("\n")).toHaveLength(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("render --set, like pulumi config set --path", () => {
  const dev = (): StackConfig => readStackFile("dev");
  const set = (base: StackConfig, ...pairs: string[]) => withOverrides(base, parseArgs(["--stack", "dev", ...pairs.flatMap((p) => ["--set", p])]));

  test("a path changes one field and keeps the rest of the object", () => {
    const config = set(dev(), "prometheus.retention=10d");
    expect(JSON.parse(config.config["observability:prometheus"])).toEqual({ ...JSON.parse(dev().config["observability:prometheus"]), retention: "10d" });
  });

  test("a whole JSON object replaces the stack's, as pulumi config set does, and says which fields it drops", () => {
    const notices: string[] = [];
    const config = withOverrides(dev(), parseArgs(["--stack", "dev", "--set", 'prometheus={"retention":"10d"}']), notices);
    expect(JSON.parse(config.config["observability:prometheus"])).toEqual({ retention: "10d" });
    expect(notices).toEqual([expect.stringMatching(/^--set observability:prometheus replaces the stack's whole object.*: storageGi fall back to their defaults; to change one field use --set prometheus\.<field>=<value>$/)]);
  });

  test("values are typed as Pulumi types them: top level text, nested true/false and integers", () => {
    const config = set(dev(), "cluster=2024", "environment=true", "alerts.highErrorRate.warning=0.02", "alerts.highDatabaseConnections.threshold=90", "protectData=true", "networkPolicies.enabled=true", "app.namespaces[0]=shop", 'grafana["ingress"].host=g.example.com');
    expect(config.config["observability:cluster"]).toBe("2024");
    expect(config.config["observability:environment"]).toBe("true");
    expect(JSON.parse(config.config["observability:alerts"])).toEqual({ highErrorRate: { warning: "0.02" }, highDatabaseConnections: { threshold: 90 } });
    expect(JSON.parse(config.config["observability:networkPolicies"])).toEqual({ enabled: true });
    expect(JSON.parse(config.config["observability:app"])).toEqual({ namespaces: ["shop"] });
    expect(JSON.parse(config.config["observability:grafana"]).ingress).toEqual({ host: "g.example.com" });
  });

  test("--set-secret on a field marks the whole key secret, as Pulumi does", () => {
    const config = withOverrides(dev(), parseArgs(["--stack", "dev", "--set-secret", "alertmanager.smtp.authUsername=bob", "--set-secret", "smtpPassword=pw"]));
    expect(config.secretKeys).toEqual(expect.arrayContaining(["observability:alertmanager", "observability:smtpPassword"]));
    expect(JSON.parse(config.config["observability:alertmanager"]).smtp.authUsername).toBe("bob");
  });

  test("the README's --set form renders one field, values that look like numbers stay text, and a later render replaces its own folder", async () => {
    const out = path.join(scratch, "dev");
    const first = await runRenderCommand(["--stack", "dev", "--out", out, "--set", "prometheus.retention=10d", "--set", "cluster=2024", "--set", "storageClass=ebs.csi.gp3"]);
    expect(first).toMatchObject({ code: 0 });
    const r = loadRender(out);
    expect(find(r, "PersistentVolumeClaim", "prometheus-data").spec.resources.requests.storage).toBe("5Gi");
    const args: string[] = find(r, "Deployment", "prometheus").spec.template.spec.containers[0].args;
    expect(args).toContain("--storage.tsdb.retention.time=10d");
    expect(r.files["prometheus/prometheus.yml"]).toMatch(/cluster: "2024"/);
    expect(r.manifests.filter((m) => m.kind === "PersistentVolumeClaim").every((pvc) => pvc.spec.storageClassName === "ebs.csi.gp3")).toBe(true);
    expect(fs.existsSync(path.join(out, RENDER_MARKER))).toBe(true);

    fs.writeFileSync(path.join(out, "stale.txt"), "from an older render");
    const second = await runRenderCommand(["--stack", "dev", "--out", out, "--set", 'prometheus={"retention":"10d"}']);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stderr).toMatch(/^render: --set observability:prometheus replaces the stack's whole object.*storageGi fall back/m);
    expect(fs.existsSync(path.join(out, "stale.txt"))).toBe(false);
    const pvc = find(loadRender(out), "PersistentVolumeClaim", "prometheus-data");
    expect(pvc.spec.resources.requests.storage).toBe("10Gi");
  }, 120_000);
});
