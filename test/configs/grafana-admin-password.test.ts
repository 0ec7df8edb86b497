import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildAdminPasswordSyncScript } from "../../configs/grafana-admin-password";

const PASSWORD = "s3cret-Rotated-Passw0rd";

/**
 * A stand-in `grafana` on PATH that records its argv, its parent's argv (the sh running the script)
 * and its stdin, then acts out one outcome of `grafana cli admin reset-admin-password`.
 */
const STUB = `#!/bin/sh
printf '%s\\n' "$@" > "$STUB_DIR/argv"
tr '\\0' ' ' < /proc/$PPID/cmdline > "$STUB_DIR/parent-argv"
cat > "$STUB_DIR/stdin"
case "$STUB_OUTCOME" in
  ok) echo "Admin password changed successfully"; exit 0 ;;
  no-admin) echo "could not read user (id: 1) from database. Error: user not found"; exit 1 ;;
  no-table) echo "failed to initialize runner: no such table: user"; exit 1 ;;
  locked) echo "failed to initialize runner: database is locked" >&2; exit 1 ;;
esac
exit 2
`;

describe("Grafana admin password sync script (run with sh against a stub grafana)", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "grafana-password-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "grafana"), STUB, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "admin-password"), PASSWORD);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(outcome: string, options: { database: boolean }) {
    const databaseFile = path.join(dir, "grafana.db");
    if (options.database) fs.writeFileSync(databaseFile, "SQLite format 3\0");
    const script = buildAdminPasswordSyncScript({ databaseFile, passwordFile: path.join(dir, "admin-password"), homePath: "/usr/share/grafana", configFile: "/etc/grafana/grafana.ini" });
    const result = spawnSync("sh", ["-c", script], {
      env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, STUB_DIR: dir, STUB_OUTCOME: outcome },
      encoding: "utf8",
    });
    const read = (file: string) => (fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file), "utf8") : undefined);
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, script, argv: read("argv"), parentArgv: read("parent-argv"), stdin: read("stdin") };
  }

  test("an existing database: the password reaches the CLI on stdin only, never in any argv", () => {
    const r = run("ok", { database: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("admin password synchronised");
    expect(r.argv!.split("\n")).toEqual(expect.arrayContaining(["cli", "admin", "reset-admin-password", "--password-from-stdin"]));
    expect(r.stdin).toBe(PASSWORD);
    for (const argv of [r.argv, r.parentArgv, r.script]) expect(argv).not.toContain(PASSWORD);
  });

  test("a fresh install (no database file) skips the CLI: the server creates the admin from the Secret", () => {
    const r = run("locked", { database: false });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("fresh install");
    expect(r.argv).toBeUndefined();
  });

  test.each(["no-admin", "no-table"])("a database without the admin user yet (%s) is not a failure", (outcome) => {
    const r = run(outcome, { database: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no admin user yet");
  });

  test("any other failure fails the container, with the CLI's message in its log", () => {
    const r = run("locked", { database: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("admin password rotation failed");
    expect(r.stderr).toContain("database is locked");
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  });

  test("an unexpected exit of the CLI is a failure too", () => {
    const r = run("unknown", { database: true });
    expect(r.code).toBe(1);
  });
});
