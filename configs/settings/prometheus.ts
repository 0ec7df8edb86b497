/** `observability:prometheus`: the Prometheus server(s). */
import { z } from "zod";
import { duration, finite, httpsUrl, positiveSize, resources, serviceToggle, singleLine } from "./value-schemas";

const basicAuthEndpoint = z.object({ url: httpsUrl({ query: true }), username: singleLine }).strict();

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
    resources: resources("200m", "512Mi", "2Gi"),
  })
  .strict()
  .default({});
