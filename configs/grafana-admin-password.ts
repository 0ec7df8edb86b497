/**
 * The init container's script that makes the admin password in Grafana's database match the Secret.
 *
 * Grafana takes `[security] admin_password` only when it creates the admin user, on a fresh
 * database; afterwards only `grafana cli admin reset-admin-password` changes it. The password goes
 * in on stdin (`--password-from-stdin`, a flag of that command since Grafana 9.1, still in 13), so it
 * never appears in a process's argv, which every process on the node can read (node-exporter runs
 * with hostPID). A database that is not initialised yet is no failure: the server creates the admin
 * from the Secret. Anything else (a locked database, a failed migration, a changed CLI) fails the
 * container with the CLI's message, so the pod does not start with a password the README says was
 * rotated but was not.
 */

export interface AdminPasswordSyncPaths {
  /** Grafana's SQLite database: `<paths.data>/grafana.db`. */
  databaseFile: string;
  /** The mounted Secret file holding the password. */
  passwordFile: string;
  /** `--homepath` of the Grafana image. */
  homePath: string;
  /** grafana.ini, so the CLI opens the same database as the server. */
  configFile: string;
}

/** What the CLI prints when the database exists but the server has not created the admin user yet (user.ErrUserNotFound, SQLite). */
export const NOT_INITIALISED_MESSAGES = ["user not found", "no such table: user"];

/** Single-quotes a word for sh. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function buildAdminPasswordSyncScript(paths: AdminPasswordSyncPaths): string {
  const cli = ["grafana", "cli", "--homepath", quote(paths.homePath), "--config", quote(paths.configFile), "admin", "reset-admin-password", "--password-from-stdin"].join(" ");
  return [
    "set -u",
    `database=${quote(paths.databaseFile)}`,
    'if [ ! -s "$database" ]; then',
    '  echo "fresh install: no database at $database yet; the Grafana server creates the admin user from the Secret"',
    "  exit 0",
    "fi",
    `if output=$(${cli} < ${quote(paths.passwordFile)} 2>&1); then`,
    '  echo "admin password synchronised with the Secret"',
    "  exit 0",
    "fi",
    'case "$output" in',
    `  ${NOT_INITIALISED_MESSAGES.map((m) => `*${quote(m)}*`).join("|")})`,
    '    echo "the database has no admin user yet; the Grafana server creates it from the Secret"',
    "    exit 0",
    "    ;;",
    "esac",
    'echo "admin password rotation failed; the pod stops here rather than run with a password other than the Secret. grafana cli said:" >&2',
    `printf '%s\\n' "$output" >&2`,
    "exit 1",
    "",
  ].join("\n");
}
