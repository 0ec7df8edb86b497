/**
 * The upstream programs the tests run are the releases the stack deploys: test/upstream/<program>/go.mod
 * requires the Go module version configs/images.ts implies, go.sum locks it, and the binaries that
 * `npm run upstream-tools` builds report that release.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultImages } from "../../configs/images";
import {
  goModMismatches,
  parseGoMod,
  PROJECT_ROOT,
  prometheusModuleVersion,
  readGoMod,
  releaseOf,
  UPSTREAM_MODULES,
  upstreamPrograms,
} from "../../scripts/upstream-tools-plan";
import { binaryVersion, run, withPinnedBinaries } from "../helpers/binaries";

const programs = upstreamPrograms();

describe("test/upstream pins what configs/images.ts deploys", () => {
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

describe("the pinned builds", () => {
  const commands = programs.flatMap((p) => p.commands.map((c) => [path.basename(c), p.version] as const));

  for (const [name, version] of commands) {
    withPinnedBinaries("the build to check", name)(`${name} --version reports ${version}, as configs/images.ts deploys`, () => {
      expect(binaryVersion(name)).toBe(version);
    });
  }

  withPinnedBinaries("the build to check", ...commands.map(([name]) => name))("`npm run upstream-tools -- --check`, run from another folder, finds every build up to date", () => {
    const result = run("npm", ["--prefix", PROJECT_ROOT, "run", "upstream-tools", "--", "--check"], os.tmpdir());
    for (const program of programs) {
      expect(result.output).toContain(`${program.commands.map((c) => path.basename(c)).join(", ")} ${program.version}: up to date`);
    }
    expect(result.code).toBe(0);
  });
});
