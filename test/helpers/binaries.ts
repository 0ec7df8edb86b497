import { execFileSync, spawnSync } from "child_process";

/**
 * The upstream binary, or undefined when it is missing outside CI. In CI (`CI=true`) a missing
 * binary fails the test: `.ci/run` installs them, and a silent skip would hide that it did not.
 */
export function binary(name: string): string | undefined {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  if (found) return found;
  if (process.env.CI === "true") throw new Error(`${name} is not installed; .ci/run installs it (apt-get install prometheus prometheus-alertmanager)`);
  return undefined;
}

/** Runs a tool; returns its exit code and combined output. */
export function run(cmd: string, args: string[], cwd?: string): { code: number; output: string } {
  try {
    const output = execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { code: 0, output };
  } catch (err: any) {
    return { code: err.status ?? 1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

/** `test` when the binaries are there, otherwise `test.skip` (never in CI: binary() throws there). */
export function withBinaries(...names: string[]): jest.It {
  return names.every((n) => binary(n)) ? test : test.skip;
}
