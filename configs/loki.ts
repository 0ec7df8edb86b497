import { StackSettings } from "./settings";

/** Loki 3 monolithic config, field names as in the upstream reference for the version in images.ts. */
export interface LokiConfig {
  auth_enabled: boolean;
  server: { http_listen_port: number; grpc_listen_port: number; log_level: string };
  common: {
    instance_addr: string;
    path_prefix: string;
    storage: { filesystem: { chunks_directory: string; rules_directory: string } };
    replication_factor: number;
    ring: { kvstore: { store: "inmemory" } };
  };
  schema_config: {
    configs: {
      from: string;
      store: "tsdb";
      object_store: "filesystem";
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
    delete_request_store: "filesystem";
  };
  limits_config: {
    retention_period: string;
    ingestion_rate_mb: number;
    ingestion_burst_size_mb: number;
    reject_old_samples: boolean;
    reject_old_samples_max_age: string;
    allow_structured_metadata: boolean;
  };
  analytics: { reporting_enabled: boolean };
}

export const LOKI_HTTP_PORT = 3100;
export const LOKI_GRPC_PORT = 9096;
export const LOKI_DATA_DIR = "/loki";

/**
 * The first day of the tsdb/v13 schema. It must lie in the past on a new install and never change
 * afterwards: a later date would make Loki look for existing chunks under a schema that has none.
 */
export const LOKI_SCHEMA_START = "2024-04-01";

export function buildLokiConfig(settings: Pick<StackSettings, "loki">): LokiConfig {
  const loki = settings.loki;
  return {
    auth_enabled: false,
    server: { http_listen_port: LOKI_HTTP_PORT, grpc_listen_port: LOKI_GRPC_PORT, log_level: "info" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: LOKI_DATA_DIR,
      storage: { filesystem: { chunks_directory: `${LOKI_DATA_DIR}/chunks`, rules_directory: `${LOKI_DATA_DIR}/rules` } },
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
    },
    schema_config: {
      configs: [
        { from: LOKI_SCHEMA_START, store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } },
      ],
    },
    storage_config: {
      tsdb_shipper: { active_index_directory: `${LOKI_DATA_DIR}/tsdb-index`, cache_location: `${LOKI_DATA_DIR}/tsdb-cache` },
    },
    compactor: {
      working_directory: `${LOKI_DATA_DIR}/compactor`,
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      delete_request_store: "filesystem",
    },
    limits_config: {
      retention_period: loki.retention,
      ingestion_rate_mb: loki.ingestionRateMb,
      ingestion_burst_size_mb: loki.ingestionBurstMb,
      reject_old_samples: true,
      reject_old_samples_max_age: loki.rejectOlderThan,
      allow_structured_metadata: true,
    },
    analytics: { reporting_enabled: false },
  };
}
