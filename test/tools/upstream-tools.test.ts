/**
 * The upstream programs the tests run are the releases the stack deploys, and the test-only tools are
 * the versions TEST_TOOLS names: test/upstream/<program>/go.mod requires the Go module version
 * configs/images.ts (or TEST_TOOLS) implies, go.sum locks it, and the binaries that
 * `npm run upstream-tools` builds report that release.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultImages } from "../../configs/images";
import {
  builtVersion,
  goModMismatches,
  parseGoMod,
  PROJECT_ROOT,
  prometheusModuleVersion,
  readGoMod,
  releaseOf,
  TEST_TOOLS,
  UPSTREAM_BIN,
  UPSTREAM_MODULES,
  upstreamPrograms,
} from "../../scripts/upstream-tools-plan";
import { versionOlderThan, run, withPinnedBinaries } from "../helpers/binaries";

const programs = upstreamPrograms();

describe("test/upstream pins what configs/images.ts deploys and TEST_TOOLS names", () => {
  test.each(programs.map((p) => [p.moduleDir, p] as const))("%s: go.mod requires the deployed release and names its commands as tools", (_dir, program) => {
    expect(goModMismatches(program, readGoMod(program))).toEqual([]);
  });

  test.each(programs.map((p) => [p.moduleDir, p] as const))("%s: go.sum holds the checksum of exactly that module version", (_dir, program) => {
    const sum = fs.readFileSync(path.join(UPSTREAM_MODULES, program.moduleDir, "go.sum"), "utf8");
    expect(sum).toContain(`${program.module} ${program.moduleVersion} h1:`);
  });

  test("the images' tags map to module versions the way upstream tags them", () => {
    expect(releaseOf(defaultImages.prometheus)).toBe("3.14.0");
    expect(prometheusModuleVersion("3.14.0")).toBe("v0.314.0");
    expect(prometheusModuleVersion("3.5.2")).toBe("v0.305.2");
    expect(programs.find((p) => p.image === "alertmanager")!.moduleVersion).toBe(`v${releaseOf(defaultImages.alertmanager)}`);
    expect(() => releaseOf("quay.io/prometheus/prometheus:latest")).toThrow(/expected a release tag/);
  });

  test("an image bump without a go.mod bump is reported, naming both versions and the fix", () => {
    const bumped = upstreamPrograms({ ...defaultImages, prometheus: "quay.io/prometheus/prometheus:v3.15.1" });
    const prometheus = bumped.find((p) => p.image === "prometheus")!;
    const problems = goModMismatches(prometheus, readGoMod(prometheus));
    expect(problems).toEqual([expect.stringContaining("requires github.com/prometheus/prometheus v0.314.0, but configs/images.ts deploys prometheus 3.15.1 (module version v0.315.1)")]);
    expect(problems[0]).toContain("go get github.com/prometheus/prometheus@v0.315.1");
  });

  test("go.mod is read in its block and single-line forms", () => {
    const goMod = parseGoMod(["module x", "go 1.25.0", "tool example.com/a/cmd/a // why", "require example.com/a v1.2.3", "require (", "\texample.com/b v0.1.0 // indirect", ")", "tool (", "\texample.com/b/cmd/b", ")"].join("\n"));
    expect(goMod.go).toBe("1.25.0");
    expect([...goMod.require]).toEqual([
      ["example.com/a", "v1.2.3"],
      ["example.com/b", "v0.1.0"],
    ]);
    expect(goMod.tools).toEqual(["example.com/a/cmd/a", "example.com/b/cmd/b"]);
  });
});

/** The version package-lock.json resolves for a package of the program. */
function locked(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8"));
  return lock.packages[`node_modules/${name}`].version;
}

describe("the test-only tools match the SDKs the program is written against (package-lock.json)", () => {
  test("the Pulumi CLI is at least the @pulumi/pulumi SDK and the pulumi package users run with npx", () => {
    for (const name of ["@pulumi/pulumi", "pulumi"]) {
      expect([name, versionOlderThan(TEST_TOOLS.pulumi.version, locked(name))]).toEqual([name, false]);
    }
  });

  test("the Kubernetes provider gap is named: the tests run 4.25.0 where @pulumi/kubernetes asks for the version in TEST_TOOLS", () => {
    // A bump of @pulumi/kubernetes must revisit what differs (README "Tested against a real control plane").
    expect(locked("@pulumi/kubernetes")).toBe(TEST_TOOLS.kubernetesProvider.sdkExpects);
    expect(versionOlderThan(TEST_TOOLS.kubernetesProvider.version, TEST_TOOLS.kubernetesProvider.sdkExpects)).toBe(true);
    // The plugin version the SDK asks the engine for, as its package declares it.
    const plugin = JSON.parse(fs.readFileSync(require.resolve("@pulumi/kubernetes/package.json"), "utf8")).pulumi;
    expect(plugin).toEqual(expect.objectContaining({ resource: true, name: "kubernetes", version: TEST_TOOLS.kubernetesProvider.sdkExpects }));
  });

  test("every deployed program the tests build is pinned in configs/images.ts, and every test-only one in TEST_TOOLS", () => {
    for (const program of programs) {
      if (program.image) expect([program.moduleDir, releaseOf(defaultImages[program.image])]).toEqual([program.moduleDir, program.version]);
      else expect([program.moduleDir, Object.values(TEST_TOOLS).some((t) => t.module === program.module && t.version === program.version)]).toEqual([program.moduleDir, true]);
    }
    expect(programs.map((p) => p.moduleDir).sort()).toEqual(fs.readdirSync(UPSTREAM_MODULES).filter((d) => fs.existsSync(path.join(UPSTREAM_MODULES, d, "go.mod"))).sort());
  });
});

describe("the pinned builds", () => {
  const commands = programs.flatMap((p) => p.commands.map((c) => [c.binary, p] as const));

  for (const [name, program] of commands) {
    const how = program.versionProbe ? `\`${name} ${program.versionProbe.args.join(" ")}\` reports` : `${name}: its Go build info (module version and -ldflags) records`;
    withPinnedBinaries("the build to check", name)(`${how} ${program.version}, as ${program.image ? "configs/images.ts deploys" : "TEST_TOOLS pins"}`, () => {
      expect(builtVersion(program, path.join(UPSTREAM_BIN, name))).toBe(program.version);
    });
  }

  withPinnedBinaries("the build to check", ...commands.map(([name]) => name))("`npm run upstream-tools -- --check`, run from another folder, finds every build up to date", () => {
    const result = run("npm", ["--prefix", PROJECT_ROOT, "run", "upstream-tools", "--", "--check"], os.tmpdir());
    for (const program of programs) {
      expect(result.output).toContain(`${program.commands.map((c) => c.binary).join(", ")} ${program.version}: up to date`);
    }
    expect(result.code).toBe(0);
  });
});
