/** `observability:prometheus`: the Prometheus server(s). */
import { z } from "zod";
import { duration, finite, httpsUrl, positiveSize, resources, serviceToggle, singleLine } from "./value-schemas";

const basicAuthEndpoint = z.object({ url: httpsUrl({ query: true }), username: singleLine }).strict();

const MAX_LIMIT = 1e9;
const limit = (unit: string) =>
  z
    .number({ invalid_type_error: `must be a whole number of ${unit}` })
    .int(`must be a whole number of ${unit}`)
    .min(1, `must be a whole number of ${unit} from 1 to ${MAX_LIMIT}`)
    .max(MAX_LIMIT, `must be a whole number of ${unit} from 1 to ${MAX_LIMIT}`);

/** One job's scrape limits; each unset one is derived (configs/scrape-limits.ts). */
const jobLimits = z
  .object({
    sampleLimit: limit("samples").optional().describe("Samples one target may expose after relabelling; over it the whole scrape is refused (sample_limit)."),
    targetLimit: limit("targets").optional().describe("Targets the job may have; over it every target of the job is refused (target_limit)."),
    labelLimit: limit("labels").optional().describe("Labels one series may carry (label_limit)."),
    labelNameLengthLimit: limit("characters").optional().describe("Length of a label name (label_name_length_limit)."),
    labelValueLengthLimit: limit("characters").optional().describe("Length of a label value (label_value_length_limit)."),
    bodySizeLimitMb: limit("MiB").optional().describe("Uncompressed size of one scrape's body (body_size_limit)."),
  })
  .strict();

/** A scrape job's name, as the `job` label carries it; settings/index.ts checks it names one of the stack's jobs. */
const jobName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, "must be a scrape job's name like fastapi or kube-state-metrics");

export const prometheusSchema = z
  .object({
    ...serviceToggle,
    storageGi: positiveSize.default(10),
    retention: duration.default("7d"),
    /** Share of the volume Prometheus may fill before it deletes the oldest blocks (`--storage.tsdb.retention.size`). */
    retentionSizeRatio: finite().gt(0.1, "must be above 0.1").max(0.95, "must be at most 0.95 so the WAL and compaction have room").default(0.85).describe("Share of the volume Prometheus may fill before it deletes the oldest blocks (--storage.tsdb.retention.size)."),
    scrapeInterval: duration.default("15s"),
    evaluationInterval: duration.default("15s"),
    alertResendDelay: duration
      .default("1m")
      .describe(
        "How often Prometheus resends a firing alert to Alertmanager (--rules.alert.resend-delay). Alertmanager keeps an alert 4 times the longer of this and evaluationInterval after the last send, so this also bounds how long the Watchdog heartbeat outlives a dead Prometheus.",
      ),
    /** Copy every sample to a remote store (e.g. Grafana Cloud); the password is `observability:remoteWritePassword`. */
    remoteWrite: basicAuthEndpoint.optional().describe("Copy every sample to a remote store (e.g. Grafana Cloud); the password is observability:remoteWritePassword."),
    replicas: z
      .number({ invalid_type_error: "must be 1 or 2" })
      .int("must be 1 or 2")
      .min(1, "must be 1 or 2")
      .max(2, "must be 1 or 2")
      .default(1)
      .describe(
        "How many identical Prometheus servers scrape and evaluate the same rules: 2 gives alerting HA (Alertmanager de-duplicates their alerts). Each has its own volume of storageGi; queries are not merged (that needs Thanos or remote write to Mimir).",
      ),
    scrapeLimits: z
      .object({
        seriesBudget: limit("series")
          .optional()
          .describe("Head series Prometheus is sized for (PrometheusHeadSeriesNearBudget fires near it; the default limits are shares of it). Unset: half of resources.memoryLimit at 8 KiB per series."),
        jobs: z
          .record(jobName, jobLimits)
          .default({})
          .describe("Per job (by its job label: the app's job, node-exporter, kube-state-metrics, …), any of sampleLimit, targetLimit, labelLimit, labelNameLengthLimit, labelValueLengthLimit, bodySizeLimitMb; unset ones are derived from the series budget."),
      })
      .strict()
      .default({})
      .describe("How much one scrape may bring in: a target over a limit is refused whole and ScrapeSampleLimitHit names it, so no pod can exhaust Prometheus' memory (README: Security model)."),
    resources: resources("200m", "512Mi", "2Gi"),
  })
  .strict()
  .default({});
