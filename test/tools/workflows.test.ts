import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const setupAction = parse(read(".github/actions/pulumi-setup/action.yml"));

/** Every step of every job of the workflows that runs the Pulumi CLI, with the steps before it. */
function pulumiSteps(): { where: string; step: any; before: any[] }[] {
  const dir = path.join(ROOT, ".github/workflows");
  return fs.readdirSync(dir).flatMap((file) => {
    const workflow = parse(fs.readFileSync(path.join(dir, file), "utf8"));
    return Object.entries<any>(workflow.jobs).flatMap(([job, spec]) =>
      (spec.steps ?? []).flatMap((step: any, i: number) => (String(step.uses ?? "").startsWith("pulumi/actions@") ? [{ where: `${file} ${job}`, step, before: spec.steps.slice(0, i) }] : [])),
    );
  });
}

describe("the workflows run what the tests ran", () => {
  test("every Pulumi step installs the CLI version package.json's pulumi package resolves to", () => {
    const steps = pulumiSteps();
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const { where, step, before } of steps) {
      const setup = before.find((s) => s.uses === "./.github/actions/pulumi-setup");
      expect([where, setup?.id]).toEqual([where, "setup"]);
      expect([where, step.with["pulumi-version"]]).toEqual([where, "${{ steps.setup.outputs.pulumi-version }}"]);
    }
    const versionStep = setupAction.runs.steps.find((s: any) => s.id === "pulumi-version");
    expect(setupAction.outputs["pulumi-version"].value).toBe("${{ steps.pulumi-version.outputs.version }}");
    expect(versionStep.run).toContain('require("./node_modules/pulumi/package.json").version');
    expect(JSON.parse(read("package.json")).devDependencies.pulumi).toBeDefined();
  });

  test("the policy pack's dependencies come from its committed lockfile, installed with npm ci", () => {
    const policy = JSON.parse(read("policy/package.json"));
    const lock = JSON.parse(read("policy/package-lock.json"));
    expect(lock.packages[""].dependencies).toEqual(policy.dependencies);
    expect(lock.packages[""].devDependencies).toEqual(policy.devDependencies);
    const installs = setupAction.runs.steps.map((s: any) => s.run ?? "").filter((run: string) => /--prefix policy/.test(run));
    expect(installs).toEqual([expect.stringMatching(/^npm ci --prefix policy\b/)]);
  });
});

describe("the pull request's preview against a test cluster", () => {
  const workflow = parse(read(".github/workflows/pull-request.yml"));
  const job = workflow.jobs["preview-test-cluster"];

  test("previews both stacks with the helper the cluster tests use, after the tools are built, and needs no secret", () => {
    expect(job.strategy.matrix.stack).toEqual(["dev", "prod"]);
    const steps: any[] = job.steps;
    const build = steps.findIndex((s) => s.uses === "./.github/actions/upstream-tools");
    const preview = steps.findIndex((s) => /npm run --silent test-cluster -- preview "\$STACK"/.test(s.run ?? ""));
    expect(build).toBeGreaterThan(steps.findIndex((s) => s.run === "npm ci"));
    expect(preview).toBeGreaterThan(build);
    expect(steps[preview].env.STACK).toBe("${{ matrix.stack }}");
    expect(JSON.stringify(job)).not.toMatch(/secrets\./);
    expect(JSON.parse(read("package.json")).scripts["test-cluster"]).toMatch(/scripts\/test-cluster\.ts$/);
  });

  test("the upstream tools action keeps the built binaries, keyed on everything that decides them, not Go's caches", () => {
    const action = parse(read(".github/actions/upstream-tools/action.yml"));
    const setupGo = action.runs.steps.find((s: any) => String(s.uses).startsWith("actions/setup-go@"));
    expect(setupGo.with.cache).toBe(false);
    const cache = action.runs.steps.find((s: any) => String(s.uses).startsWith("actions/cache@"));
    expect(cache.with.path).toBe(".upstream/bin");
    for (const input of ["test/upstream/**", "scripts/upstream-tools.ts", "scripts/upstream-tools-plan.ts", "configs/images.ts"]) expect(cache.with.key).toContain(`'${input}'`);
    expect(parse(read(".github/workflows/test.yml")).jobs.test.steps.map((s: any) => s.uses ?? s.run)).toEqual(expect.arrayContaining(["./.github/actions/upstream-tools", "bash .ci/run"]));
  });
});
