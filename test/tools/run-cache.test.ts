import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "../helpers/processes";
import { sharedFolder } from "../helpers/run-cache";

/** A producer as render.ts is one: it writes elsewhere and renames the whole folder into place. */
function producer(calls: string[], content: string, delayMs = 50) {
  return async (target: string) => {
    calls.push(target);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const staging = `${target}.staging`;
    fs.mkdirSync(staging);
    fs.writeFileSync(path.join(staging, "result"), content);
    fs.renameSync(staging, target);
  };
}

describe("sharedFolder: work the files of a run share", () => {
  let root: string;
  beforeEach(() => {
    root = tempDir("run-cache");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test("callers asking at once for one key get one folder, produced once", async () => {
    const calls: string[] = [];
    const folders = await Promise.all([1, 2, 3].map((n) => sharedFolder(root, "same", producer(calls, `from ${n}`))));
    expect(calls).toHaveLength(1);
    expect(new Set(folders).size).toBe(1);
    expect(fs.readFileSync(path.join(folders[0], "result"), "utf8")).toBe("from 1");
    expect(fs.readdirSync(root)).toEqual([path.basename(folders[0])]);
  });

  test("different keys get different folders", async () => {
    const calls: string[] = [];
    const [a, b] = await Promise.all([sharedFolder(root, "a", producer(calls, "a")), sharedFolder(root, "b", producer(calls, "b"))]);
    expect(a).not.toBe(b);
    expect(calls).toHaveLength(2);
  });

  test("a failed producer leaves nothing behind: the next caller produces again and gets its own error", async () => {
    const failing = async () => {
      throw new Error("render failed");
    };
    await expect(sharedFolder(root, "k", failing)).rejects.toThrow("render failed");
    await expect(sharedFolder(root, "k", failing)).rejects.toThrow("render failed");
    const calls: string[] = [];
    await sharedFolder(root, "k", producer(calls, "now"));
    expect(calls).toHaveLength(1);
  });

  test("a producer that returns without making the folder is an error, not a folder that never comes", async () => {
    await expect(sharedFolder(root, "k", async () => undefined)).rejects.toThrow(/was not produced/);
  });

  test("a lock left by a process that is gone is taken over", async () => {
    const calls: string[] = [];
    const target = await sharedFolder(root, "k", producer(calls, "first"));
    fs.rmSync(target, { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid;
    fs.mkdirSync(`${target}.lock`);
    fs.writeFileSync(path.join(`${target}.lock`, "pid"), String(gone));
    await sharedFolder(root, "k", producer(calls, "second"));
    expect(fs.readFileSync(path.join(target, "result"), "utf8")).toBe("second");
  });
});
