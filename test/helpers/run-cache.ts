/**
 * What several test files of one jest run would each compute alike, computed by the first file that
 * asks and read by the others: a folder per key under the run's folder (suite-setup.ts).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { sleep } from "./processes";
import { RUN_DIR_VARIABLE } from "./suite-setup";

/** The run's folder for `kind`, or undefined outside a jest run set up by suite-setup.ts. */
export function runFolder(kind: string): string | undefined {
  const runDir = process.env[RUN_DIR_VARIABLE];
  return runDir ? path.join(runDir, kind) : undefined;
}

/**
 * The folder for `key` under `root`, made by `produce(target)` if no file of the run made it yet.
 * `produce` must create `target` whole or not at all (write elsewhere, then rename), so a folder
 * that exists is complete. While one process produces it (holding `<target>.lock`, a folder with its
 * pid), the others wait; if that process is gone, its lock is taken over; if its `produce` failed,
 * the next caller produces again and gets its own error.
 */
export async function sharedFolder(root: string, key: string, produce: (target: string) => Promise<unknown>): Promise<string> {
  const target = path.join(root, createHash("sha256").update(key).digest("hex").slice(0, 32));
  const lock = `${target}.lock`;
  fs.mkdirSync(root, { recursive: true });
  for (;;) {
    if (fs.existsSync(target)) return target;
    if (takeLock(lock)) {
      try {
        await produce(target);
        if (!fs.existsSync(target)) throw new Error(`${target} was not produced`);
        return target;
      } finally {
        fs.rmSync(lock, { recursive: true, force: true });
      }
    }
    await sleep(100);
  }
}

function takeLock(lock: string): boolean {
  try {
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const pidFile = path.join(lock, "pid");
  const holder = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8")) : undefined;
  // No pid yet: the holder has only just made the folder.
  if (!holder || processAlive(holder)) return false;
  fs.rmSync(lock, { recursive: true, force: true });
  return false;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
