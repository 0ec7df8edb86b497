/**
 * Capacity from expected load (`observability:capacity`): for each server of the stack, the memory,
 * CPU and volume its load needs, how many days of data its volume holds, and what an HA Loki keeps
 * in object storage. parseSettings refuses settings that cannot hold the load; the program warns
 * (one line each) about a request below the estimate or more than 4× above it. docs/capacity.md
 * explains every constant below, its source, and the calibration `npm run bench` measures.
 */
import { z } from "zod";
import type { alertmanagerSchema } from "./settings/alertmanager";
import type { CapacitySettings } from "./settings/capacity";
import { quantityValue } from "./settings/grammars";
import type { grafanaSchema } from "./settings/grafana";
import type { lokiSchema } from "./settings/loki";
import { settingKey } from "./settings/problems";
import type { prometheusSchema } from "./settings/prometheus";
import { durationToMs } from "./settings/value-schemas";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

/** The model's constants; docs/capacity.md gives each one's source and the measured calibration. */
export const MODEL = {
  prometheus: {
    /** Prometheus docs, storage.md "Operational aspects": 1-2 bytes per sample on disk; the upper end. */
    diskBytesPerSample: 2,
    /**
     * The WAL's sample records: a 4-byte series reference delta, a 1-byte timestamp delta and the
     * 8-byte value (Robust Perception, "How much space does the WAL take up?"), halved by WAL
     * compression (storage.md: on by default since 2.20).
     */
    walBytesPerSample: 13 / 2,
    /** storage.md: the WAL and its checkpoint cover the last three hours; head chunks likewise. */
    walHours: 3,
    /** Memory-mapped head chunks on disk (chunks_head), at the blocks' bytes per sample. */
    headChunkHours: 3,
    /** Robust Perception, "Why does Prometheus use so much RAM?": about 3 kB per head series (Prometheus ≥ 2.20). */
    headBytesPerSeries: 3 * KiB,
    /** The process with no series: runtime, scrape and rule managers, web UI (measured by the bench). */
    baseBytes: 100 * MiB,
    /** One person's dashboards: the samples a 6-hour panel range loads (assumption; docs/capacity.md). */
    queryBytesPerUser: 64 * MiB,
    /** Room above the steady need: WAL replay at start and compaction hold both old and new data. */
    limitFactor: 2,
    /**
     * CPU: scraping, parsing and appending. The bench measured 2.6e-6 cores per sample/s on Prometheus
     * 3.14 (1M series, 15s); twice that leaves room for compaction, GC and rule evaluation.
     */
    coresPerSamplePerSecond: 1 / 200_000,
    baseCores: 0.05,
    coresPerUser: 0.02,
  },
  loki: {
    /** Chunks are snappy-compressed (Loki 3's default chunk_encoding); plain and JSON logs shrink 5-10×, the cautious end. */
    compressionRatio: 5,
    /** The TSDB index next to the chunks, as a share of them (assumption: label sets are few, lines many). */
    indexShare: 0.02,
    /** Ingesters keep a stream's chunk up to max_chunk_age (2h default) before flushing it; the WAL holds the same. */
    inMemoryHours: 2,
    /** Each active stream's bookkeeping and head block buffer, beyond the data it holds (assumption). */
    bytesPerStream: 64 * KiB,
    /** Log streams per pod: one per container (most pods run one or two); the node's own files add a few per node. */
    streamsPerPod: 2,
    baseBytes: 200 * MiB,
    queryBytesPerUser: 50 * MiB,
    limitFactor: 2,
    /** Compactor working directory, TSDB index cache, a little slack (assumption). */
    volumeSlackBytes: 1 * GiB,
    /** CPU per MB/s of raw logs pushed (distributor, ingester, compression; assumption). */
    coresPerMbPerSecond: 0.2,
    baseCores: 0.04,
    coresPerUser: 0.01,
  },
  /** Alertmanager holds alerts, silences and the notification log; a few hundred alerts are a few MiB. */
  alertmanager: { memoryBytes: 64 * MiB, cores: 0.02, volumeGi: 1 },
  /** Grafana serves dashboards from its SQLite database; each open dashboard costs a little memory and CPU. */
  grafana: { baseBytes: 100 * MiB, bytesPerUser: 20 * MiB, baseCores: 0.05, coresPerUser: 0.01, volumeGi: 1 },
  /** A request more than this many times the estimate reserves what the node could give others. */
  oversizeFactor: 4,
} as const;

type Prometheus = z.infer<typeof prometheusSchema>;
type Loki = z.infer<typeof lokiSchema> & { enabled: boolean };
type Alertmanager = z.infer<typeof alertmanagerSchema>;
type Grafana = z.infer<typeof grafanaSchema>;

/** The settings the model reads: `StackSettings` fits. */
export interface CapacityInputs {
  capacity: CapacitySettings;
  prometheus: Prometheus;
  loki: Loki;
  alertmanager: Alertmanager;
  grafana: Grafana;
}

export interface Load {
  activeSeries: number;
  samplesPerSecond: number;
  logBytesPerDay: number;
  logStreams: number;
  queryUsers: number;
}

export type SizedService = "prometheus" | "loki" | "alertmanager" | "grafana";

/** What one replica of a service needs for the load. */
export interface Sizing {
  service: SizedService;
  replicas: number;
  /** Steady memory need: what the request should be. */
  memoryBytes: number;
  /** A limit with room for spikes (WAL replay, compaction, heavy queries). */
  memoryLimitBytes: number;
  /** Below this limit the process is OOM killed under the load: the refusal's threshold. */
  memoryFloorBytes: number;
  cores: number;
  /** Volume each replica needs for its retention, in whole GiB. */
  volumeGi: number;
  /** Days of data the configured volume holds at this load (undefined: not a store of history). */
  daysHeld?: number;
  /** Data an HA Loki keeps in its bucket at steady state (what object storage bills per month). */
  objectStorageGb?: number;
  /** What the settings ask for, for the table and the warnings. */
  configured: { memoryBytes: number; memoryLimitBytes: number; cores: number; volumeGi: number; retentionDays?: number };
}

export function expectedLoad(inputs: Pick<CapacityInputs, "capacity" | "prometheus">): Load {
  const { capacity, prometheus } = inputs;
  const activeSeries = capacity.activeSeries ?? capacity.pods * capacity.seriesPerPod;
  const scrapeSeconds = durationToMs(prometheus.scrapeInterval) / 1000;
  return {
    activeSeries,
    samplesPerSecond: capacity.samplesPerSecond ?? activeSeries / scrapeSeconds,
    logBytesPerDay: capacity.logGbPerDay * 1e9,
    logStreams: capacity.pods * MODEL.loki.streamsPerPod,
    queryUsers: capacity.queryUsers,
  };
}

const days = (duration: string) => durationToMs(duration) / 1000 / DAY_S;
const bytes = (quantity: string) => quantityValue(quantity) ?? NaN;
const wholeGi = (value: number) => Math.max(1, Math.ceil(value / GiB));

function configuredResources(resources: { cpu: string; memory: string; memoryLimit: string }) {
  return { memoryBytes: bytes(resources.memory), memoryLimitBytes: bytes(resources.memoryLimit), cores: quantityValue(resources.cpu) ?? NaN };
}

/** Prometheus' disk: blocks for the retention, plus the WAL and head chunks its size limit also counts. */
export function prometheusDisk(load: Load) {
  const m = MODEL.prometheus;
  return {
    blockBytesPerDay: load.samplesPerSecond * DAY_S * m.diskBytesPerSample,
    walAndHeadBytes: load.samplesPerSecond * HOUR_S * (m.walHours * m.walBytesPerSample + m.headChunkHours * m.diskBytesPerSample),
  };
}

function sizePrometheus(prometheus: Prometheus, load: Load): Sizing {
  const m = MODEL.prometheus;
  const { blockBytesPerDay, walAndHeadBytes } = prometheusDisk(load);
  const head = m.baseBytes + load.activeSeries * m.headBytesPerSeries;
  const memoryBytes = head + load.queryUsers * m.queryBytesPerUser;
  const retentionDays = days(prometheus.retention);
  // --storage.tsdb.retention.size counts the WAL and head chunks, and deletes blocks to stay under it.
  const sizeLimit = prometheus.storageGi * GiB * prometheus.retentionSizeRatio;
  return {
    service: "prometheus",
    replicas: prometheus.replicas,
    memoryBytes,
    memoryLimitBytes: memoryBytes * m.limitFactor,
    memoryFloorBytes: head,
    cores: m.baseCores + load.samplesPerSecond * m.coresPerSamplePerSecond + load.queryUsers * m.coresPerUser,
    volumeGi: wholeGi((retentionDays * blockBytesPerDay + walAndHeadBytes) / prometheus.retentionSizeRatio),
    daysHeld: Math.max(0, (sizeLimit - walAndHeadBytes) / blockBytesPerDay),
    configured: { ...configuredResources(prometheus.resources), volumeGi: prometheus.storageGi, retentionDays },
  };
}

/** Loki's storage: compressed chunks and index per day, and the WAL of what is not flushed yet. */
export function lokiStorage(load: Load) {
  const m = MODEL.loki;
  return {
    storedBytesPerDay: (load.logBytesPerDay / m.compressionRatio) * (1 + m.indexShare),
    walBytes: (load.logBytesPerDay / DAY_S) * m.inMemoryHours * HOUR_S,
  };
}

function sizeLoki(loki: Loki, load: Load): Sizing {
  const m = MODEL.loki;
  const { storedBytesPerDay, walBytes } = lokiStorage(load);
  const ha = loki.replicas >= 3;
  // HA: every stream goes to three of the instances (replication_factor 3), so each holds 3/replicas of them.
  const share = ha ? Math.min(1, 3 / loki.replicas) : 1;
  const rawBytesPerSecond = load.logBytesPerDay / DAY_S;
  const inMemory = (rawBytesPerSecond * m.inMemoryHours * HOUR_S) / m.compressionRatio;
  const floor = m.baseBytes + share * (load.logStreams * m.bytesPerStream + inMemory);
  const memoryBytes = floor + load.queryUsers * m.queryBytesPerUser;
  const retentionDays = days(loki.retention);
  const localBytes = ha ? share * walBytes + m.volumeSlackBytes : retentionDays * storedBytesPerDay + walBytes + m.volumeSlackBytes;
  return {
    service: "loki",
    replicas: loki.replicas,
    memoryBytes,
    memoryLimitBytes: memoryBytes * m.limitFactor,
    memoryFloorBytes: floor,
    cores: m.baseCores + share * (rawBytesPerSecond / 1e6) * m.coresPerMbPerSecond + load.queryUsers * m.coresPerUser,
    volumeGi: wholeGi(localBytes),
    // One instance keeps everything on its volume, and Loki has no size limit: the volume fills up.
    ...(ha
      ? { objectStorageGb: (retentionDays * storedBytesPerDay) / 1e9 }
      : { daysHeld: Math.max(0, (loki.storageGi * GiB - walBytes - m.volumeSlackBytes) / storedBytesPerDay) }),
    configured: { ...configuredResources(loki.resources), volumeGi: loki.storageGi, retentionDays },
  };
}

function sizeAlertmanager(alertmanager: Alertmanager): Sizing {
  const m = MODEL.alertmanager;
  return {
    service: "alertmanager",
    replicas: alertmanager.replicas,
    memoryBytes: m.memoryBytes,
    memoryLimitBytes: m.memoryBytes * 2,
    memoryFloorBytes: m.memoryBytes,
    cores: m.cores,
    volumeGi: m.volumeGi,
    configured: { ...configuredResources(alertmanager.resources), volumeGi: alertmanager.storageGi },
  };
}

function sizeGrafana(grafana: Grafana, load: Load): Sizing {
  const m = MODEL.grafana;
  const memoryBytes = m.baseBytes + load.queryUsers * m.bytesPerUser;
  return {
    service: "grafana",
    replicas: 1,
    memoryBytes,
    memoryLimitBytes: memoryBytes * 2,
    memoryFloorBytes: memoryBytes,
    cores: m.baseCores + load.queryUsers * m.coresPerUser,
    volumeGi: m.volumeGi,
    configured: { ...configuredResources(grafana.resources), volumeGi: grafana.storageGi },
  };
}

/** Each enabled server's sizing for the expected load (Loki only when it runs in the cluster). */
export function sizeServices(inputs: CapacityInputs): Sizing[] {
  const load = expectedLoad(inputs);
  return [
    ...(inputs.prometheus.enabled ? [sizePrometheus(inputs.prometheus, load)] : []),
    ...(inputs.loki.enabled ? [sizeLoki(inputs.loki, load)] : []),
    ...(inputs.alertmanager.enabled ? [sizeAlertmanager(inputs.alertmanager)] : []),
    ...(inputs.grafana.enabled ? [sizeGrafana(inputs.grafana, load)] : []),
  ];
}

const formatBytes = (value: number) => (value >= GiB ? `${(value / GiB).toFixed(1)}Gi` : `${Math.ceil(value / MiB)}Mi`);
const formatCores = (value: number) => (value >= 1 ? value.toFixed(2) : `${Math.ceil(value * 1000)}m`);
const formatDays = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const loadText = (load: Load) =>
  `${Math.round(load.activeSeries)} series, ${Math.round(load.samplesPerSecond)} samples/s, ${(load.logBytesPerDay / 1e9).toPrecision(3)} GB of logs a day`;
const LOAD_KEYS = `${settingKey(["capacity"])} (pods, seriesPerPod, activeSeries, samplesPerSecond, logGbPerDay)`;

/**
 * What the settings cannot do under the expected load, each naming the key to change: a volume
 * whose size limit (Prometheus) or whose size (one Loki) cannot hold the retention, a memory limit
 * below what the data in memory needs, and a Loki rate limit below the average log rate.
 */
export function capacityProblems(inputs: CapacityInputs): string[] {
  const load = expectedLoad(inputs);
  const problems: string[] = [];
  for (const sizing of sizeServices(inputs)) {
    const { service, configured } = sizing;
    if (sizing.daysHeld !== undefined && configured.retentionDays !== undefined && sizing.daysHeld < configured.retentionDays) {
      const where = service === "prometheus" ? `${settingKey(["prometheus", "storageGi"])} × retentionSizeRatio` : settingKey(["loki", "storageGi"]);
      const rate = service === "prometheus" ? `${Math.round(load.samplesPerSecond)} samples/s from ${Math.round(load.activeSeries)} series` : `${(load.logBytesPerDay / 1e9).toPrecision(3)} GB of logs a day`;
      problems.push(
        `${settingKey([service, "retention"])}: ${formatDays(configured.retentionDays)} days do not fit ${where} at the expected load (${rate}): ` +
          `the volume holds ${formatDays(sizing.daysHeld)} days${service === "prometheus" ? ", then Prometheus deletes older blocks" : " and Loki stops accepting logs when it is full"}; ` +
          `set ${settingKey([service, "storageGi"])} to at least ${sizing.volumeGi}, shorten the retention, or correct ${LOAD_KEYS}`,
      );
    }
    if (service !== "prometheus" && service !== "loki") continue;
    if (configured.memoryLimitBytes < sizing.memoryFloorBytes) {
      problems.push(
        `${settingKey([service, "resources", "memoryLimit"])}: ${formatBytes(configured.memoryLimitBytes)} is below the ${formatBytes(sizing.memoryFloorBytes)} ` +
          `${service === "prometheus" ? `the head of ${Math.round(load.activeSeries)} series` : "the streams and chunks held in memory"} needs, so the container would be OOM killed under the expected load; ` +
          `set it to at least ${formatBytes(sizing.memoryLimitBytes)}, or correct ${LOAD_KEYS}`,
      );
    }
  }
  if (inputs.loki.enabled) {
    const averageMb = load.logBytesPerDay / DAY_S / 1e6;
    if (inputs.loki.ingestionRateMb < averageMb) {
      problems.push(
        `${settingKey(["loki", "ingestionRateMb"])}: ${inputs.loki.ingestionRateMb} MB/s is below the average log rate of ${settingKey(["capacity", "logGbPerDay"])} (${averageMb.toPrecision(3)} MB/s): ` +
          `Loki would refuse logs all day; raise it above ${Math.ceil(averageMb * 3)} (three times the average, for bursts)`,
      );
    }
  }
  return problems;
}

/** What capacityProblems refuses, in words, for the settings reference (README). */
export function capacityRefusals(): string[] {
  const p = MODEL.prometheus;
  const l = MODEL.loki;
  return [
    `\`prometheus.retention\`: refused when the retention's blocks (expected samples/s × ${p.diskBytesPerSample} bytes, storage.md's upper bound) plus ${p.walHours}h of WAL and head chunks ` +
      `do not fit \`prometheus.storageGi\` × \`retentionSizeRatio\`, the size limit at which Prometheus deletes blocks younger than the retention.`,
    `\`prometheus.resources.memoryLimit\`: refused below ${p.baseBytes / MiB} MiB plus ${p.headBytesPerSeries / KiB} KiB per expected active series (the head).`,
    `\`loki.retention\` (one replica): refused when the retention's compressed logs (\`capacity.logGbPerDay\` / ${l.compressionRatio}, plus ${l.indexShare * 100}% index), ` +
      `${l.inMemoryHours}h of WAL and ${l.volumeSlackBytes / GiB} GiB of working space do not fit \`loki.storageGi\`: Loki has no size limit and stops taking logs on a full volume.`,
    `\`loki.resources.memoryLimit\`: refused below ${l.baseBytes / MiB} MiB plus ${l.bytesPerStream / KiB} KiB per log stream (${l.streamsPerPod} per pod) and ${l.inMemoryHours}h of compressed logs.`,
    "`loki.ingestionRateMb`: refused below the average rate of `capacity.logGbPerDay`.",
  ];
}

/** Requests far from the estimate: one line each, naming the key and the estimate. */
export function capacityWarnings(inputs: CapacityInputs): string[] {
  const warnings: string[] = [];
  const factor = MODEL.oversizeFactor;
  for (const sizing of sizeServices(inputs)) {
    const pairs: [string, number, number, (v: number) => string][] = [
      ["memory", sizing.configured.memoryBytes, sizing.memoryBytes, formatBytes],
      ["cpu", sizing.configured.cores, sizing.cores, formatCores],
    ];
    for (const [field, configured, estimate, format] of pairs) {
      const key = settingKey([sizing.service, "resources", field]);
      if (configured < estimate) {
        warnings.push(`${key}: ${format(configured)} is below the ${format(estimate)} the expected load needs (docs/capacity.md); the pod may be scheduled where it cannot get it`);
      } else if (configured > factor * estimate) {
        warnings.push(`${key}: ${format(configured)} is more than ${factor}× the ${format(estimate)} the expected load needs (docs/capacity.md); the node reserves what the pod does not use`);
      }
    }
  }
  return warnings;
}

/** The sizing as a plain-text table, each column the estimate next to what the settings ask for. */
export function sizingTable(inputs: CapacityInputs): string {
  const load = expectedLoad(inputs);
  const rows = sizeServices(inputs).map((s) => [
    `${s.service}${s.replicas > 1 ? ` ×${s.replicas}` : ""}`,
    `${formatBytes(s.memoryBytes)} / ${formatBytes(s.configured.memoryBytes)}`,
    `${formatBytes(s.memoryLimitBytes)} / ${formatBytes(s.configured.memoryLimitBytes)}`,
    `${formatCores(s.cores)} / ${formatCores(s.configured.cores)}`,
    `${s.volumeGi}Gi / ${s.configured.volumeGi}Gi`,
    s.daysHeld === undefined ? "—" : `${formatDays(s.daysHeld)} / ${formatDays(s.configured.retentionDays!)}`,
    s.objectStorageGb === undefined ? "—" : s.objectStorageGb.toFixed(1),
  ]);
  const header = ["service", "memory request", "memory limit", "cpu request", "volume", "days held / retention", "S3 GB-month"];
  return [`Sizing for ${loadText(load)}, ${load.queryUsers} query users (estimate / settings):`, "", markdownTable(header, rows)].join("\n");
}

export function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
}
