import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** A port nobody listens on right now, on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** Thrown from a `waitFor` check to stop waiting at once (e.g. the process being waited for exited). */
export class GiveUp extends Error {}

/** Polls `check` until it returns something other than undefined; the error says what never happened. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, diagnostics?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined) return result;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError ? `\nlast error: ${lastError}` : "";
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${cause}${diagnostics ? `\n${diagnostics()}` : ""}`);
    }
    await sleep(250);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A started binary, its output kept for the error message when a test fails. */
export class RunningProcess {
  private output = "";
  private exited: Promise<void>;

  constructor(readonly name: string, private readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      // The tail is what explains a failure; keep memory bounded for chatty processes.
      this.output = (this.output + chunk.toString()).slice(-20000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  logs(): string {
    return `--- ${this.name} (pid ${this.child.pid}, ${this.running ? "running" : `exited ${this.child.exitCode ?? this.child.signalCode}`}) ---\n${this.output}`;
  }

  /** SIGTERM, then SIGKILL if it has not exited within a few seconds. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const forceKill = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(forceKill);
  }
}

/**
 * The processes one test file starts. `stopAll` in afterAll (and in a finally around setup) makes
 * sure none outlives the test, whether it passed or failed.
 */
export class ProcessGroup {
  private readonly processes: RunningProcess[] = [];
  private readonly dirs: string[] = [];
  private readonly cleanups: (() => Promise<unknown>)[] = [];

  /** Something else to end with the processes (a sink, a server). */
  onStop(cleanup: () => Promise<unknown>): void {
    this.cleanups.push(cleanup);
  }

  /** A folder for a process' config and data, removed by `stopAll` once the process is gone. */
  tempDir(prefix: string): string {
    const dir = tempDir(prefix);
    this.dirs.push(dir);
    return dir;
  }

  /** `env` is added to this process' environment. */
  start(name: string, command: string, args: string[], cwd?: string, env?: Record<string, string>): RunningProcess {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: env ? { ...process.env, ...env } : undefined });
    const started = new RunningProcess(name, child);
    this.processes.push(started);
    return started;
  }

  logs(): string {
    return this.processes.map((p) => p.logs()).join("\n");
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    await Promise.allSettled(this.cleanups.splice(0).map((cleanup) => cleanup()));
    for (const dir of this.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves once `url` answers 200 (sent `headers`); fails early with the process' output if it exits first. */
export function waitUntilReady(process: RunningProcess, url: string, timeoutMs = 20000, headers: Record<string, string> = {}): Promise<true> {
  return waitFor(
    `${process.name} to answer ${url}`,
    async () => {
      if (!process.running) throw new GiveUp(`${process.name} exited before it was ready:\n${process.logs()}`);
      const response = await fetch(url, { headers }).catch(() => undefined);
      return response?.ok ? true : undefined;
    },
    timeoutMs,
    () => process.logs(),
  );
}
