/**
 * `observability:capacity`: the load the stack is expected to carry. configs/capacity.ts turns it
 * into memory, CPU and volume sizes per service, refuses settings that cannot hold it and warns
 * about requests far from it (docs/capacity.md). Defaults describe the guide's platform: a FastAPI
 * backend, PostgreSQL, Redis and a few nodes.
 */
import { z } from "zod";
import { finite } from "./value-schemas";

const wholeCount = (what: string, max: number) =>
  z
    .number({ invalid_type_error: `must be a whole number of ${what}` })
    .int(`must be a whole number of ${what} from 1 to ${max}`)
    .min(1, `must be a whole number of ${what} from 1 to ${max}`)
    .max(max, `must be a whole number of ${what} from 1 to ${max}`);

export const capacitySchema = z
  .object({
    pods: wholeCount("pods", 1e6)
      .default(40)
      .describe("Pods whose series Prometheus stores: the app's, its databases', the stack's own and the cluster's (kube-system). With seriesPerPod, the expected active series."),
    seriesPerPod: wholeCount("series", 1e6)
      .default(400)
      .describe("Active series per pod, the nodes' and the cluster's share included (node-exporter, cAdvisor, kube-state-metrics, the app's histograms); docs/capacity.md shows how the default adds up."),
    activeSeries: wholeCount("series", 1e10)
      .optional()
      .describe("Expected active series when known (prometheus_tsdb_head_series of a running stack); replaces pods × seriesPerPod."),
    samplesPerSecond: finite()
      .positive("must be greater than 0 samples per second")
      .max(1e9, "must be at most 1000000000 samples per second")
      .optional()
      .describe("Samples ingested per second when known (rate(prometheus_tsdb_head_samples_appended_total[1h])); unset: active series / prometheus.scrapeInterval."),
    logGbPerDay: finite()
      .positive("must be greater than 0 GB per day")
      .max(1e6, "must be at most 1000000 GB per day")
      .default(1)
      .describe("Log volume the agents ship to Loki per day, uncompressed, in GB (10^9 bytes)."),
    queryUsers: wholeCount("users", 1e5).default(5).describe("People with dashboards open at the same time (each dashboard refreshes every 30s)."),
  })
  .strict()
  .default({});

export type CapacitySettings = z.infer<typeof capacitySchema>;
