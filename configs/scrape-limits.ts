/**
 * How much one scrape may bring into Prometheus, per job: a target over its limit is refused whole
 * (`up` 0, nothing stored), so no pod can grow Prometheus' memory beyond what its limit allows.
 *
 * The defaults follow from Prometheus' memory limit (`prometheus.resources.memoryLimit`):
 * - the series budget is what half of it holds at BYTES_PER_HEAD_SERIES each (the other half is for
 *   queries, compaction, WAL replay and the Go runtime's headroom);
 * - the app's jobs, which any annotated pod joins, may fill at most half of that budget together: their
 *   target_limit (APP_TARGETS) times their sample_limit;
 * - any other target may hold a tenth of the budget, kube-state-metrics (one target describing the whole
 *   cluster) half of it.
 * Every number can be set per job with `prometheus.scrapeLimits.jobs.<job>`; the budget itself with
 * `prometheus.scrapeLimits.seriesBudget`.
 */
import { KSM_JOB } from "./kube-state-metrics";
import { quantityValue } from "./settings/grammars";
import type { StackSettings } from "./settings";

/**
 * Memory per active series, everything included (head chunks, postings, labels, the WAL's share, Go's
 * garbage-collection headroom), as measured with the pinned Prometheus: see README "Security model".
 */
export const BYTES_PER_HEAD_SERIES = 8 * 1024;
/** Share of the memory limit the series budget may use. */
export const HEAD_MEMORY_SHARE = 0.5;
/** Share of the budget the app's jobs (annotated pods, static targets) may fill together. */
export const APP_BUDGET_SHARE = 0.5;
/** Pods of the app a job scrapes before Prometheus refuses the whole job (target_limit). */
export const APP_TARGETS = 50;
/** Dropped targets kept per job for the /targets page: every pod of the cluster is discovered and most are dropped. */
export const KEEP_DROPPED_TARGETS = 100;

/** The limits of one scrape job, field names as in prometheus.yml's scrape_config. */
export interface ScrapeLimitFields {
  sample_limit: number;
  target_limit: number;
  label_limit: number;
  label_name_length_limit: number;
  label_value_length_limit: number;
  /** Uncompressed body, e.g. `12MB` (Prometheus reads MB as MiB). */
  body_size_limit: string;
}

/** Bytes of exposition text one sample takes at most, with its labels and its share of HELP and TYPE lines. */
const BYTES_PER_EXPOSED_SAMPLE = 1024;
const LABEL_LIMIT = 64;
const LABEL_NAME_LENGTH_LIMIT = 128;
/** Long enough for cgroup paths and image digests; a pod's own values rarely need a tenth of it. */
const LABEL_VALUE_LENGTH_LIMIT = 2048;
const APP_LABEL_VALUE_LENGTH_LIMIT = 1024;
/** Nodes (node-exporter, the kubelets) or replicas a built-in job may have. */
const BUILT_IN_TARGETS = 1000;

type LimitSettings = Pick<StackSettings, "prometheus" | "app">;

/** The head series Prometheus is sized for: derived from its memory limit unless set. */
export function seriesBudget(settings: Pick<StackSettings, "prometheus">): number {
  const set = settings.prometheus.scrapeLimits.seriesBudget;
  if (set !== undefined) return set;
  const memory = quantityValue(settings.prometheus.resources.memoryLimit);
  if (memory === undefined) throw new Error(`observability:prometheus.resources.memoryLimit: ${settings.prometheus.resources.memoryLimit} is not a memory quantity`);
  return Math.floor((memory * HEAD_MEMORY_SHARE) / BYTES_PER_HEAD_SERIES);
}

/** MiB, as Prometheus writes it back (units.Base2Bytes: it reads "MB" as MiB too, and reports it as "MiB"). */
const bodySize = (samples: number) => `${Math.max(1, Math.ceil((samples * BYTES_PER_EXPOSED_SAMPLE) / 2 ** 20))}MiB`;

/** The limits of the job labelled `job` (the app's static targets share the app's). */
export function scrapeLimits(job: string, settings: LimitSettings): ScrapeLimitFields {
  const budget = seriesBudget(settings);
  const set = settings.prometheus.scrapeLimits.jobs[job] ?? {};
  const isApp = job === settings.app.job;
  const targets = set.targetLimit ?? (isApp ? APP_TARGETS : BUILT_IN_TARGETS);
  const samplesDefault = isApp ? Math.floor((budget * APP_BUDGET_SHARE) / targets) : job === KSM_JOB ? Math.floor(budget / 2) : Math.floor(budget / 10);
  const samples = set.sampleLimit ?? Math.max(1, samplesDefault);
  return {
    sample_limit: samples,
    target_limit: targets,
    label_limit: set.labelLimit ?? LABEL_LIMIT,
    label_name_length_limit: set.labelNameLengthLimit ?? LABEL_NAME_LENGTH_LIMIT,
    label_value_length_limit: set.labelValueLengthLimit ?? (isApp ? APP_LABEL_VALUE_LENGTH_LIMIT : LABEL_VALUE_LENGTH_LIMIT),
    body_size_limit: set.bodySizeLimitMb !== undefined ? `${set.bodySizeLimitMb}MiB` : bodySize(samples),
  };
}
