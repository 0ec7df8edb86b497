/**
 * `npm run bench -- --capacity-only [--series 10000,100000,1000000]` (or this file alone): calibrates
 * the Prometheus part of the capacity model (configs/capacity.ts) against the pinned Prometheus in
 * .upstream/bin on this machine. Prints markdown tables; asserts nothing.
 *
 * A local HTTP server on 127.0.0.1 exposes N series over 10 targets (counters at steady per-series
 * rates, one in ten a wandering gauge), generated line by line for each scrape. For each N,
 * Prometheus scrapes it every 15s (the stack's default) until four full scrapes have landed; then
 * its RSS (/proc), Go heap in use and head series are read and set against the model's memory floor
 * (base + bytes per head series), and its CPU over the last minute against the model's CPU per
 * sample/s. Bytes per sample on disk: N = 100k scraped every second for two minutes (120 samples per
 * series, a full chunk), then a TSDB snapshot, which writes the head out as a block: its size over
 * its samples (meta.json); the WAL's size over the samples appended likewise.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { markdownTable, MODEL } from "../configs/capacity";
import { freePort, request as get, sleep, waitUntil as waitFor } from "./local-http";
import { UPSTREAM_BIN } from "./upstream-tools-plan";

const TARGETS = 10;
const MiB = 2 ** 20;




/** A scrape target exposing `perTarget` series on each of TARGETS paths (`/shard/<i>`), values moving with every scrape. */
function startTarget(perTarget: number, port: number): http.Server {
  const scrapes = new Array<number>(TARGETS).fill(0);
  const server = http.createServer((request, response) => {
    const shard = Number(/^\/shard\/(\d+)$/.exec(request.url ?? "")?.[1] ?? -1);
    if (!(shard >= 0 && shard < TARGETS)) return response.writeHead(404).end();
    const scrape = ++scrapes[shard];
    response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
    response.write("# TYPE bench_requests_total counter\n");
    // In pieces, so a million series never sit in one string.
    let chunk = "";
    for (let i = 0; i < perTarget; i++) {
      const id = shard * perTarget + i;
      const value = id % 10 === 9 ? Math.round(1000 + 500 * Math.sin(scrape / 7 + id)) : scrape * (1 + (id % 7));
      chunk += `bench_requests_total{endpoint="/api/v1/item/${id % 500}",instance_id="${id}",method="${id % 3 === 0 ? "POST" : "GET"}"} ${value}\n`;
      if (chunk.length > 1 << 20) {
        response.write(chunk);
        chunk = "";
      }
    }
    response.end(chunk);
  });
  server.listen(port, "127.0.0.1");
  return server;
}

interface Run {
  dir: string;
  prometheus: ChildProcess;
  target: http.Server;
  url: string;
}

async function startRun(series: number, intervalSeconds: number, extraFlags: string[] = []): Promise<Run> {
  const binary = path.join(UPSTREAM_BIN, "prometheus");
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run npm run upstream-tools`);
  const [promPort, targetPort] = [await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-prometheus-"));
  const jobs = Array.from({ length: TARGETS }, (_, i) => `  - {job_name: bench-${i}, metrics_path: /shard/${i}, static_configs: [{targets: ['127.0.0.1:${targetPort}']}]}`);
  // Prometheus scrapes itself too: its heap, CPU and head series are read back from its own TSDB.
  const self = `  - {job_name: prometheus, static_configs: [{targets: ['127.0.0.1:${promPort}']}]}`;
  fs.writeFileSync(path.join(dir, "prometheus.yml"), [`global: {scrape_interval: ${intervalSeconds}s, scrape_timeout: ${Math.min(10, intervalSeconds)}s}`, "scrape_configs:", self, ...jobs].join("\n"));
  const target = startTarget(Math.ceil(series / TARGETS), targetPort);
  const prometheus = spawn(binary, [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${promPort}`, ...extraFlags], { stdio: "ignore" });
  return { dir, prometheus, target, url: `http://127.0.0.1:${promPort}` };
}

async function stopRun(run: Run): Promise<void> {
  run.prometheus.kill("SIGTERM");
  await new Promise((resolve) => (run.prometheus.exitCode !== null ? resolve(undefined) : run.prometheus.once("exit", resolve)));
  await new Promise((resolve) => run.target.close(resolve));
  fs.rmSync(run.dir, { recursive: true, force: true });
}

async function query(run: Run, expr: string): Promise<number> {
  const body = JSON.parse(await get(`${run.url}/api/v1/query?query=${encodeURIComponent(expr)}`)) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? NaN);
}


const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

function directoryBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const full = path.join(dir, entry.name);
    return sum + (entry.isDirectory() ? directoryBytes(full) : fs.statSync(full).size);
  }, 0);
}

export interface MemoryMeasurement {
  series: number;
  headSeries: number;
  rssBytes: number;
  heapInuseBytes: number;
  cores: number;
  samplesPerSecond: number;
}

/** Head memory at N series, scraped every 15s: four scrapes after every target is up. */
async function measureMemory(series: number): Promise<MemoryMeasurement> {
  const run = await startRun(series, 15);
  try {
    await waitFor(`Prometheus to scrape ${series} series`, async () => (await query(run, 'sum(scrape_samples_scraped{job=~"bench-.*"})')) >= series * 0.99, 300000);
    const scrapes = async () => query(run, 'sum(count_over_time(up{job=~"bench-.*"}[1h]))');
    const start = await scrapes();
    await waitFor("four more rounds of scrapes", async () => (await scrapes()) >= start + 4 * TARGETS, 300000);
    await sleep(5000);
    return {
      series,
      headSeries: await query(run, "prometheus_tsdb_head_series"),
      rssBytes: rssBytes(run.prometheus.pid!),
      heapInuseBytes: await query(run, "go_memstats_heap_inuse_bytes"),
      cores: await query(run, "rate(process_cpu_seconds_total[1m])"),
      samplesPerSecond: await query(run, "rate(prometheus_tsdb_head_samples_appended_total[1m])"),
    };
  } finally {
    await stopRun(run);
  }
}

export interface DiskMeasurement {
  series: number;
  samples: number;
  blockBytes: number;
  chunkBytes: number;
  walBytes: number;
  samplesAppended: number;
}

/** Bytes per sample: a full chunk per series (120 samples at 1s), then a snapshot writes the head as a block. */
async function measureDisk(series: number): Promise<DiskMeasurement> {
  const run = await startRun(series, 1, ["--web.enable-admin-api"]);
  try {
    await waitFor(`Prometheus to scrape ${series} series`, async () => (await query(run, 'sum(scrape_samples_scraped{job=~"bench-.*"})')) >= series * 0.99, 300000);
    await sleep(125000);
    const samplesAppended = await query(run, "prometheus_tsdb_head_samples_appended_total");
    const walBytes = directoryBytes(path.join(run.dir, "data", "wal"));
    const snapshot = JSON.parse(await get(`${run.url}/api/v1/admin/tsdb/snapshot`, "POST")) as { data: { name: string } };
    const snapshotDir = path.join(run.dir, "data", "snapshots", snapshot.data.name);
    const blocks = fs.readdirSync(snapshotDir).filter((name) => fs.existsSync(path.join(snapshotDir, name, "meta.json")));
    let samples = 0;
    let blockBytes = 0;
    let chunkBytes = 0;
    for (const block of blocks) {
      samples += (JSON.parse(fs.readFileSync(path.join(snapshotDir, block, "meta.json"), "utf8")) as { stats: { numSamples: number } }).stats.numSamples;
      blockBytes += directoryBytes(path.join(snapshotDir, block));
      chunkBytes += directoryBytes(path.join(snapshotDir, block, "chunks"));
    }
    return { series, samples, blockBytes, chunkBytes, walBytes, samplesAppended };
  } finally {
    await stopRun(run);
  }
}

export async function prometheusCalibration(seriesCounts: number[]): Promise<string> {
  const m = MODEL.prometheus;
  const rows: string[][] = [];
  for (const series of seriesCounts.filter((n) => n > 0)) {
    process.stderr.write(`  Prometheus with ${series} series…\n`);
    try {
      const r = await measureMemory(series);
      const modelBytes = m.baseBytes + r.headSeries * m.headBytesPerSeries;
      const modelCores = m.baseCores + r.samplesPerSecond * m.coresPerSamplePerSecond;
      rows.push([
        String(series),
        String(r.headSeries),
        `${(r.rssBytes / MiB).toFixed(0)} MiB`,
        `${(r.heapInuseBytes / MiB).toFixed(0)} MiB`,
        `${((r.rssBytes - m.baseBytes) / r.headSeries / 1024).toFixed(2)} KiB`,
        `${(modelBytes / MiB).toFixed(0)} MiB`,
        `**${(r.rssBytes / modelBytes).toFixed(2)}**`,
        `${r.cores.toFixed(3)} (${r.samplesPerSecond.toFixed(0)} samples/s)`,
        `${modelCores.toFixed(3)}`,
        `**${(r.cores / modelCores).toFixed(2)}**`,
      ]);
    } catch (err) {
      rows.push([String(series), `failed: ${(err as Error).message}`, "", "", "", "", "", "", "", ""]);
    }
  }
  process.stderr.write("  bytes per sample on disk…\n");
  const disk = await measureDisk(100000).catch((err: Error) => err);
  const diskText =
    disk instanceof Error
      ? `Bytes per sample: failed: ${disk.message}`
      : markdownTable(
          ["Series", "Samples in the block", "Block bytes", "Bytes per sample (chunks + index)", "Chunks only", "Model", "Measured / model (chunks + index)", "Measured / model (chunks)", "WAL bytes per sample", "Model (WAL)", "Measured / model (WAL)"],
          [
            [
              String(disk.series),
              String(disk.samples),
              `${(disk.blockBytes / MiB).toFixed(1)} MiB`,
              (disk.blockBytes / disk.samples).toFixed(2),
              (disk.chunkBytes / disk.samples).toFixed(2),
              String(m.diskBytesPerSample),
              `**${(disk.blockBytes / disk.samples / m.diskBytesPerSample).toFixed(2)}**`,
              `**${(disk.chunkBytes / disk.samples / m.diskBytesPerSample).toFixed(2)}**`,
              (disk.walBytes / disk.samplesAppended).toFixed(2),
              String(m.walBytesPerSample),
              `**${(disk.walBytes / disk.samplesAppended / m.walBytesPerSample).toFixed(2)}**`,
            ],
          ],
        );
  return [
    "### Prometheus against the capacity model (configs/capacity.ts)",
    "",
    `Head memory and CPU after four 15s scrapes of N series over ${TARGETS} targets on 127.0.0.1; the model's memory floor is ${m.baseBytes / MiB} MiB + ${m.headBytesPerSeries / 1024} KiB per head series (no query users), its CPU ${m.baseCores} + samples/s × ${m.coresPerSamplePerSecond}.`,
    "",
    markdownTable(["N", "Head series", "RSS", "Go heap in use", "RSS per series above base", "Model", "RSS / model", "CPU cores", "Model", "CPU / model"], rows),
    "",
    "Disk: 100k series scraped every second for two minutes (a full 120-sample chunk each), then a TSDB snapshot writes the head as a block.",
    "",
    diskText,
  ].join("\n");
}

if (require.main === module) {
  const seriesIndex = process.argv.indexOf("--series");
  const counts = seriesIndex >= 0 ? process.argv[seriesIndex + 1].split(",").filter(Boolean).map(Number) : [10000, 100000, 1000000];
  prometheusCalibration(counts)
    .then((text) => console.log(text))
    .catch((err: Error) => {
      console.error(`bench-prometheus failed: ${err.stack ?? err}`);
      process.exit(1);
    });
}
