/** `observability:loki` and `observability:externalLoki`: where the log agents push and Grafana reads logs. */
import { z } from "zod";
import { cidrProblem } from "./grammars";
import { settingKey } from "./problems";
import { duration, finite, grammar, hostPort, httpsUrl, positiveSize, resources } from "./value-schemas";

/**
 * S3's bucket naming rules (AWS "General purpose bucket naming rules"): 3-63 characters, lowercase
 * letters, digits, dots and hyphens, starting and ending with a letter or digit, no two adjacent
 * dots, not shaped like an IP address, no reserved prefix or suffix.
 */
const s3BucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit")
  .refine((name) => !name.includes(".."), { message: "must not contain two adjacent dots (S3 bucket naming rules)" })
  .refine((name) => !/^\d+\.\d+\.\d+\.\d+$/.test(name), { message: "must not be formatted as an IP address (S3 bucket naming rules)" })
  .refine((name) => !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) && !/(-s3alias|--ol-s3|--x-s3|--table-s3|\.mrap)$/.test(name), {
    message: "must not use a prefix or suffix S3 reserves (xn--, sthree-, amzn-s3-demo-, -s3alias, --ol-s3, --x-s3, --table-s3, .mrap)",
  });

const lokiObjectStorageSchema = z
  .object({
    endpoint: hostPort.describe("host:port of the S3 API, without scheme (insecure chooses http or https)."),
    bucket: s3BucketName.describe("Bucket for chunks, index and delete requests; it must exist."),
    region: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a region name like us-east-1").default("us-east-1").describe("S3 region (MinIO accepts any; us-east-1 by default)."),
    // Substituted into Loki's YAML, which Loki reads with -config.expand-env: no '$', quotes or spaces.
    accessKeyId: z
      .string()
      .regex(/^[A-Za-z0-9_+=,.@\/-]{3,128}$/, "must be an access key id of 3-128 letters, digits or _+=,.@/-")
      .describe("Access key id (not secret); the secret key is observability:lokiObjectStorageSecretKey."),
    insecure: z.boolean().default(false).describe("true: plain http to the endpoint (e.g. an in-cluster MinIO); false: https."),
    egressCidrs: z
      .array(grammar(cidrProblem))
      // An empty `to:` in a NetworkPolicy opens every destination: an empty list is refused, unset means the endpoint's own.
      .nonempty("must name at least one CIDR, or be left unset (the NetworkPolicy then follows the endpoint's host)")
      .optional()
      .describe("Where the endpoint's addresses lie, for the NetworkPolicy; unset: the endpoint's IP address, its namespace for a cluster Service name (svc.namespace, svc.namespace.svc.cluster.local), or any address outside the cluster for another name, on the endpoint's port."),
  })
  .strict();

export const lokiSchema = z
  .object({
    enabled: z
      .boolean()
      .optional()
      .describe("Run Loki in the cluster. Unset: true, unless externalLoki is set (the agents and Grafana then use the external one); true with externalLoki keeps the in-cluster Loki and its data, which receives no new logs."),
    storageGi: positiveSize.default(10),
    retention: duration.default("168h"),
    ingestionRateMb: finite().positive("must be greater than 0 MB/s").max(1e6, "must be at most 1000000 MB/s").default(10),
    ingestionBurstMb: finite().positive("must be greater than 0 MB").max(1e6, "must be at most 1000000 MB").default(20),
    rejectOlderThan: duration.default("168h"),
    perStreamRateLimitMb: finite()
      .positive("must be greater than 0 MB/s")
      .max(1e6, "must be at most 1000000 MB/s")
      .default(2)
      .describe("MB per second one stream (one pod's container) may push; above it Loki refuses that stream's lines, not everyone's (per_stream_rate_limit). At most ingestionRateMb."),
    perStreamBurstMb: finite()
      .positive("must be greater than 0 MB")
      .max(1e6, "must be at most 1000000 MB")
      .default(10)
      .describe("MB one stream may push at once above its rate (per_stream_rate_limit_burst). At most ingestionBurstMb."),
    allowDeletes: z
      .boolean()
      .default(false)
      .describe("Accept log delete requests (Loki's deletion API, deletion_mode filter-and-delete). Off: nobody who reaches Loki can erase logs."),
    replicas: z
      .number({ invalid_type_error: "must be 1, or 3 or more" })
      .int("must be a whole number: 1, or 3 or more")
      .min(1, "must be 1, or 3 or more")
      .max(9, "must be at most 9 (a larger Loki is better run in microservices mode, which this stack does not deploy)")
      .refine((n) => n !== 2, {
        message: "must be 1 (one instance on a volume) or 3 or more (HA: each stream is written to 3 instances, so 2 cannot keep a quorum when one is down)",
      })
      .default(1)
      .describe(
        "1: one Loki on a volume (filesystem storage). 3 or more: HA monolithic, every instance runs all of Loki, streams are replicated to 3 of them and stored in loki.objectStorage (required, with the secret lokiObjectStorageSecretKey). 2 is refused.",
      ),
    objectStorage: lokiObjectStorageSchema
      .optional()
      .describe("The S3-compatible bucket HA Loki stores chunks and index in: {endpoint, bucket, region, accessKeyId, insecure, egressCidrs}; the secret key is observability:lokiObjectStorageSecretKey."),
    resources: resources("100m", "512Mi", "1Gi"),
  })
  .strict()
  .refine((loki) => loki.perStreamRateLimitMb <= loki.ingestionRateMb, (loki) => ({ message: `must be at most ingestionRateMb (${loki.ingestionRateMb})`, path: ["perStreamRateLimitMb"] }))
  .refine((loki) => loki.perStreamBurstMb <= loki.ingestionBurstMb, (loki) => ({ message: `must be at most ingestionBurstMb (${loki.ingestionBurstMb})`, path: ["perStreamBurstMb"] }))
  .default({});

/** Loki's push path: Grafana reads from the same Loki at the URL without it. */
export const LOKI_PUSH_PATH = "/loki/api/v1/push";
/** Send logs to an external Loki (e.g. Grafana Cloud) instead of the in-cluster one; password: `observability:externalLokiPassword`. */
export const externalLokiSchema = z
  .object({
    url: httpsUrl().refine((url) => url.endsWith(LOKI_PUSH_PATH) && url.length > `https://${LOKI_PUSH_PATH}`.length, {
      message: `must be a Loki push URL ending in ${LOKI_PUSH_PATH}, like https://logs-prod-eu-west-0.grafana.net${LOKI_PUSH_PATH} (Grafana queries the same URL without that path)`,
    }),
    username: z.string().min(1, "must not be empty"),
  })
  .strict()
  .optional()
  .describe("An external Loki {url, username} (e.g. Grafana Cloud): the log agents push to url, Grafana's Loki datasource reads from it (url without /loki/api/v1/push), both with basic auth; password: observability:externalLokiPassword (needs write and read access). No in-cluster Loki unless loki.enabled is true.");

/** HA Loki shares its chunks through object storage; one instance keeps them on its volume. */
export function lokiReplicationProblems(loki: Pick<z.infer<typeof lokiSchema>, "replicas" | "objectStorage"> & { enabled: boolean }): string[] {
  if (!loki.enabled) return [];
  const replicas = settingKey(["loki", "replicas"]);
  const objectStorage = settingKey(["loki", "objectStorage"]);
  if (loki.replicas >= 3 && loki.objectStorage === undefined) {
    return [
      `${objectStorage}: is required because ${replicas} is ${loki.replicas}: HA instances share their chunks and index through an S3-compatible bucket, e.g. {endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", insecure: true}, with the secret key in ${settingKey(["lokiObjectStorageSecretKey"])}; or set ${replicas} to 1`,
    ];
  }
  if (loki.replicas === 1 && loki.objectStorage !== undefined) {
    return [`${objectStorage}: is only used when ${replicas} is 3 or more (one instance keeps its logs on its volume); remove it or raise ${replicas}`];
  }
  return [];
}
