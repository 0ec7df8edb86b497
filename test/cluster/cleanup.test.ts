/**
 * No process of the test cluster outlives its test run: each runs in its own process group recorded
 * in the cluster's folder, `stopTestCluster` ends them, and a watchdog ends them when the process
 * that started the cluster dies first (a killed jest worker, Ctrl-C). Checked with stand-in
 * processes, so it runs without the cluster's binaries.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { tempDir, waitFor } from "../helpers/processes";
import { recordedGroups, runningGroups, startProcess, startWatchdog, stopTestCluster } from "../helpers/test-cluster";

/** A folder laid out as the cluster's, with a "server" whose group holds two processes. */
function clusterFolder(): { dir: string; server: number } {
  const dir = tempDir("cleanup-test");
  for (const sub of ["logs", "groups"]) fs.mkdirSync(path.join(dir, sub));
  const server = startProcess(dir, "server", "sh", ["-c", "sleep 600 & sleep 600"]);
  return { dir, server };
}

/** True while any process of the group lives. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

test("when the process that started the cluster dies first, the watchdog ends every recorded group and removes the folder", async () => {
  const { dir, server } = clusterFolder();
  const starter = spawn("sleep", ["600"], { stdio: "ignore" });
  startWatchdog(dir, starter.pid!);
  expect(runningGroups(dir)).toEqual([`server (pid ${server})`]);
  starter.kill("SIGKILL");
  await waitFor("the watchdog to end the server's group and remove the folder", () => (!groupAlive(server) && !fs.existsSync(dir) ? true : undefined), 20_000);
}, 30_000);

test("stopTestCluster ends every group, newest first, removes the folder, and may be called twice", async () => {
  const { dir, server } = clusterFolder();
  const later = startProcess(dir, "pulumi up", "sleep", ["600"]);
  expect(recordedGroups(dir).map(([, name]) => name)).toEqual(["pulumi up", "server"]);
  await stopTestCluster(dir);
  expect([groupAlive(server), groupAlive(later), fs.existsSync(dir)]).toEqual([false, false, false]);
  await stopTestCluster(dir);
}, 30_000);
