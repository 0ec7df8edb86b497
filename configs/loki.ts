import { Document, isScalar, Scalar } from "yaml";
import { quantityValue } from "./settings/grammars";
import { StackSettings } from "./settings";

/**
 * Loki 3 config, field names as in the upstream reference for the version in images.ts
 * (docs/sources/shared/configuration.md). One type for both modes: one instance on a volume
 * (filesystem storage, in-memory ring) or HA monolithic (object storage, memberlist ring).
 */
export interface LokiConfig {
  auth_enabled: boolean;
  server: { http_listen_port: number; grpc_listen_port: number; log_level: string };
  common: {
    instance_addr?: string;
    path_prefix: string;
    storage: { filesystem: { chunks_directory: string; rules_directory: string } } | { s3: LokiS3Storage };
    replication_factor: number;
    ring: { kvstore: { store: "inmemory" | "memberlist" } };
    /** host:port of the compactor in `horizontal_scaling_mode: main` (HA only). */
    compactor_grpc_address?: string;
  };
  memberlist?: {
    join_members: string[];
    bind_port: number;
    /** Gossip from another Loki cluster (another namespace, another stack) is discarded. */
    cluster_label: string;
    abort_if_cluster_join_fails: boolean;
  };
  ingester?: {
    wal: { enabled: boolean; dir: string; flush_on_shutdown: boolean; replay_memory_ceiling: string };
  };
  schema_config: {
    configs: {
      from: string;
      store: "tsdb";
      object_store: "filesystem" | "s3";
      schema: "v13";
      index: { prefix: string; period: "24h" };
    }[];
  };
  storage_config: { tsdb_shipper: { active_index_directory: string; cache_location: string } };
  compactor: {
    working_directory: string;
    compaction_interval: string;
    retention_enabled: boolean;
    retention_delete_delay: string;
    /** Required by Loki 3 whenever retention is enabled. */
    delete_request_store: "filesystem" | "s3";
    /** HA: one `main` compactor (it owns retention and compaction), the others `worker`. */
    horizontal_scaling_mode?: LokiCompactorRole;
  };
  limits_config: {
    retention_period: string;
    ingestion_rate_mb: number;
    ingestion_burst_size_mb: number;
    reject_old_samples: boolean;
    reject_old_samples_max_age: string;
    /** How far in the future a line's own timestamp may lie; with reject_old_samples_max_age, the bounds of a timestamp an app writes. */
    creation_grace_period: string;
    per_stream_rate_limit: string;
    per_stream_rate_limit_burst: string;
    /** `disabled` unless loki.allowDeletes: the delete API is open to anyone who reaches Loki. */
    deletion_mode: "disabled" | "filter-and-delete";
    allow_structured_metadata: boolean;
  };
  analytics: { reporting_enabled: boolean };
}

/** `s3_storage_config`; the secret key is a `${VAR}` reference Loki expands at start (`-config.expand-env=true`). */
export interface LokiS3Storage {
  endpoint: string;
  bucketnames: string;
  region: string;
  access_key_id: string;
  secret_access_key: string;
  insecure: boolean;
  /** Bucket in the path, not the host name: what MinIO and other S3-compatible stores behind one host:port need. */
  s3forcepathstyle: boolean;
}

export type LokiCompactorRole = "main" | "worker";

export const LOKI_HTTP_PORT = 3100;
export const LOKI_GRPC_PORT = 9096;
export const LOKI_MEMBERLIST_PORT = 7946;
export const LOKI_DATA_DIR = "/loki";
/** HA: each stream is written to this many instances; a push succeeds once a quorum (2) has it. */
export const LOKI_REPLICATION_FACTOR = 3;
/** HA: the headless Service that gives each instance a DNS name and lists them all for memberlist. */
export const LOKI_PEERS_SERVICE = "loki-memberlist";
/** HA: the environment variable carrying the object store's secret key into the config. */
export const LOKI_S3_SECRET_ENV = "LOKI_S3_SECRET_ACCESS_KEY";

/**
 * The first day of the tsdb/v13 schema. It must lie in the past on a new install and never change
 * afterwards: a later date would make Loki look for existing chunks under a schema that has none.
 */
export const LOKI_SCHEMA_START = "2024-04-01";

type LokiSettings = Pick<StackSettings, "loki" | "namespace">;

/** A line stamped up to ten minutes ahead (a fast clock) is kept; further ahead it is refused, counted in loki_discarded_samples_total. */
const CREATION_GRACE_PERIOD = "10m";

/** Three or more replicas run HA monolithic; one runs alone on its volume (2 is refused in settings). */
export function isLokiHa(loki: StackSettings["loki"]): boolean {
  return loki.replicas >= 3;
}

function baseConfig(settings: Pick<StackSettings, "loki">): Omit<LokiConfig, "common" | "schema_config" | "compactor"> {
  const loki = settings.loki;
  return {
    auth_enabled: false,
    server: { http_listen_port: LOKI_HTTP_PORT, grpc_listen_port: LOKI_GRPC_PORT, log_level: "info" },
    storage_config: {
      tsdb_shipper: { active_index_directory: `${LOKI_DATA_DIR}/tsdb-index`, cache_location: `${LOKI_DATA_DIR}/tsdb-cache` },
    },
    limits_config: {
      retention_period: loki.retention,
      ingestion_rate_mb: loki.ingestionRateMb,
      ingestion_burst_size_mb: loki.ingestionBurstMb,
      reject_old_samples: true,
      reject_old_samples_max_age: loki.rejectOlderThan,
      creation_grace_period: CREATION_GRACE_PERIOD,
      per_stream_rate_limit: `${loki.perStreamRateLimitMb}MB`,
      per_stream_rate_limit_burst: `${loki.perStreamBurstMb}MB`,
      deletion_mode: loki.allowDeletes ? "filter-and-delete" : "disabled",
      allow_structured_metadata: true,
    },
    analytics: { reporting_enabled: false },
  };
}

function schemaConfig(objectStore: "filesystem" | "s3"): LokiConfig["schema_config"] {
  return { configs: [{ from: LOKI_SCHEMA_START, store: "tsdb", object_store: objectStore, schema: "v13", index: { prefix: "index_", period: "24h" } }] };
}

function compactor(deleteRequestStore: "filesystem" | "s3"): LokiConfig["compactor"] {
  return {
    working_directory: `${LOKI_DATA_DIR}/compactor`,
    compaction_interval: "10m",
    retention_enabled: true,
    retention_delete_delay: "2h",
    delete_request_store: deleteRequestStore,
  };
}

/** One instance: chunks and index on its volume, the ring in memory. */
export function buildLokiConfig(settings: Pick<StackSettings, "loki">): LokiConfig {
  const base = baseConfig(settings);
  return {
    auth_enabled: base.auth_enabled,
    server: base.server,
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: LOKI_DATA_DIR,
      storage: { filesystem: { chunks_directory: `${LOKI_DATA_DIR}/chunks`, rules_directory: `${LOKI_DATA_DIR}/rules` } },
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
    },
    schema_config: schemaConfig("filesystem"),
    storage_config: base.storage_config,
    compactor: compactor("filesystem"),
    limits_config: base.limits_config,
    analytics: base.analytics,
  };
}

/** Where HA instances find each other: the headless Service's name, or a test's own addresses. */
export interface LokiPeers {
  /** memberlist seeds, e.g. `dns+loki-memberlist.monitoring.svc.cluster.local:7946`. */
  joinMembers: string[];
  /** gRPC host:port of the instance running the `main` compactor. */
  mainCompactor: string;
}

/** In the cluster: instance 0 runs the main compactor; memberlist resolves every instance through the headless Service. */
export function clusterLokiPeers(namespace: string): LokiPeers {
  const domain = `${LOKI_PEERS_SERVICE}.${namespace}.svc.cluster.local`;
  return { joinMembers: [`dns+${domain}:${LOKI_MEMBERLIST_PORT}`], mainCompactor: `loki-0.${domain}:${LOKI_GRPC_PORT}` };
}

/**
 * HA monolithic (Loki's examples/ha-monolithic): every instance runs every component, streams are
 * replicated to three of them (WAL on, flushed to the bucket on shutdown), chunks and index live in
 * the bucket, one compactor is `main` and the others work for it.
 */
export function buildLokiHaConfig(settings: LokiSettings, role: LokiCompactorRole, peers: LokiPeers = clusterLokiPeers(settings.namespace)): LokiConfig {
  const storage = settings.loki.objectStorage;
  if (!storage) throw new Error("observability:loki.objectStorage: is required when observability:loki.replicas is 3 or more");
  const base = baseConfig(settings);
  return {
    auth_enabled: base.auth_enabled,
    server: base.server,
    common: {
      path_prefix: LOKI_DATA_DIR,
      storage: {
        s3: {
          endpoint: storage.endpoint,
          bucketnames: storage.bucket,
          region: storage.region,
          access_key_id: storage.accessKeyId,
          secret_access_key: `\${${LOKI_S3_SECRET_ENV}}`,
          insecure: storage.insecure,
          s3forcepathstyle: true,
        },
      },
      replication_factor: LOKI_REPLICATION_FACTOR,
      ring: { kvstore: { store: "memberlist" } },
      compactor_grpc_address: peers.mainCompactor,
    },
    memberlist: {
      join_members: peers.joinMembers,
      bind_port: LOKI_MEMBERLIST_PORT,
      cluster_label: `${settings.namespace}-loki`,
      // Instances start together: the first ones find no peer yet and must not exit for it.
      abort_if_cluster_join_fails: false,
    },
    ingester: { wal: { enabled: true, dir: `${LOKI_DATA_DIR}/wal`, flush_on_shutdown: true, replay_memory_ceiling: walReplayCeiling(settings.loki.resources.memoryLimit) } },
    schema_config: schemaConfig("s3"),
    storage_config: base.storage_config,
    compactor: { ...compactor("s3"), horizontal_scaling_mode: role },
    limits_config: base.limits_config,
    analytics: base.analytics,
  };
}

/**
 * Replaying the WAL after a crash holds chunks in memory up to this ceiling, then flushes them to the
 * bucket; Loki's default (4GB) would run a smaller pod out of memory on restart. Three quarters of the
 * container's limit leaves room for everything else the process holds.
 */
export function walReplayCeiling(memoryLimit: string): string {
  const bytes = quantityValue(memoryLimit);
  if (bytes === undefined) throw new Error(`observability:loki.resources.memoryLimit: ${memoryLimit} is not a memory quantity`);
  return `${Math.max(64, Math.floor((bytes * 0.75) / 2 ** 20))}MB`;
}

/**
 * Loki's YAML. Loki substitutes `${VAR}` before it parses the file, so the secret key's reference
 * is single-quoted: whatever the key holds (after `lokiSecretForYaml`) stays one YAML string.
 */
export function lokiYaml(config: LokiConfig): string {
  const doc = new Document(config, { aliasDuplicateObjects: false });
  const secret = doc.getIn(["common", "storage", "s3", "secret_access_key"], true);
  if (isScalar(secret)) (secret as Scalar).type = Scalar.QUOTE_SINGLE;
  return doc.toString({ lineWidth: 0 });
}

/**
 * The secret key as the environment variable must carry it to land unchanged inside the
 * single-quoted YAML string: quotes doubled. A line break cannot be kept there, so it is refused.
 */
export function lokiSecretForYaml(secretKey: string): string {
  if (/[\r\n]/.test(secretKey)) {
    throw new Error("observability:lokiObjectStorageSecretKey: must be one line (Loki reads it inside its YAML config)");
  }
  return secretKey.replace(/'/g, "''");
}

/**
 * The HA config files: `loki-0.yaml` for instance 0 (the main compactor) and `loki.yaml` for every
 * other. Each pod passes `-config.file=/etc/loki/<pod name>.yaml,/etc/loki/loki.yaml`, and Loki
 * reads the first of those that exists.
 */
export function buildLokiHaConfigFiles(settings: LokiSettings, peers?: LokiPeers): Record<string, string> {
  return {
    [LOKI_MAIN_CONFIG_FILE]: lokiYaml(buildLokiHaConfig(settings, "main", peers)),
    [LOKI_CONFIG_FILE]: lokiYaml(buildLokiHaConfig(settings, "worker", peers)),
  };
}

export const LOKI_CONFIG_FILE = "loki.yaml";
/** The config of the StatefulSet's pod `loki-0`, named after it. */
export const LOKI_MAIN_CONFIG_FILE = "loki-0.yaml";
