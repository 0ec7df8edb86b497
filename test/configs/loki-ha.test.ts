/**
 * The HA Loki config, checked without a Loki binary (its module is AGPL-licensed: not built here).
 * Every key path is held against Loki 3.7's configuration reference (docs/sources/shared/
 * configuration.md, block by block, and examples/ha-monolithic/config/loki.yaml for 3.7.2), and
 * the secret key's way into the file is run the way Loki runs it: substitute `${VAR}`, then parse.
 */
import { parse } from "yaml";
import {
  buildLokiConfig,
  buildLokiHaConfig,
  buildLokiHaConfigFiles,
  LOKI_CONFIG_FILE,
  LOKI_MAIN_CONFIG_FILE,
  LOKI_S3_SECRET_ENV,
  lokiSecretForYaml,
} from "../../configs/loki";
import { parseSettings, StackSettings } from "../../configs/settings";

const settings: StackSettings = parseSettings({
  values: { namespace: "monitoring", loki: { replicas: 3, retention: "720h", objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", insecure: true } } },
  secrets: { lokiObjectStorageSecretKey: { secure: true } },
});

/**
 * The key paths of Loki 3.7's reference this stack writes, by block (`[]` marks a list element).
 * A key missing here is a key Loki would refuse at start ("field not found"): add it only after
 * reading it in the reference of the version in configs/images.ts.
 */
const REFERENCE_KEYS = new Set([
  "auth_enabled",
  // server
  "server.http_listen_port",
  "server.grpc_listen_port",
  "server.log_level",
  // common
  "common.path_prefix",
  "common.instance_addr",
  "common.replication_factor",
  "common.compactor_grpc_address",
  "common.ring.kvstore.store",
  "common.storage.filesystem.chunks_directory",
  "common.storage.filesystem.rules_directory",
  // s3_storage_config under common.storage.s3
  "common.storage.s3.endpoint",
  "common.storage.s3.bucketnames",
  "common.storage.s3.region",
  "common.storage.s3.access_key_id",
  "common.storage.s3.secret_access_key",
  "common.storage.s3.insecure",
  "common.storage.s3.s3forcepathstyle",
  // memberlist
  "memberlist.join_members[]",
  "memberlist.bind_port",
  "memberlist.cluster_label",
  "memberlist.abort_if_cluster_join_fails",
  // ingester
  "ingester.wal.enabled",
  "ingester.wal.dir",
  "ingester.wal.flush_on_shutdown",
  "ingester.wal.replay_memory_ceiling",
  // schema_config / period_config
  "schema_config.configs[].from",
  "schema_config.configs[].store",
  "schema_config.configs[].object_store",
  "schema_config.configs[].schema",
  "schema_config.configs[].index.prefix",
  "schema_config.configs[].index.period",
  // storage_config
  "storage_config.tsdb_shipper.active_index_directory",
  "storage_config.tsdb_shipper.cache_location",
  // compactor
  "compactor.working_directory",
  "compactor.compaction_interval",
  "compactor.retention_enabled",
  "compactor.retention_delete_delay",
  "compactor.delete_request_store",
  "compactor.horizontal_scaling_mode",
  // limits_config
  "limits_config.retention_period",
  "limits_config.ingestion_rate_mb",
  "limits_config.ingestion_burst_size_mb",
  "limits_config.reject_old_samples",
  "limits_config.reject_old_samples_max_age",
  "limits_config.allow_structured_metadata",
  "limits_config.creation_grace_period",
  "limits_config.per_stream_rate_limit",
  "limits_config.per_stream_rate_limit_burst",
  "limits_config.deletion_mode",
  // analytics
  "analytics.reporting_enabled",
]);

function keyPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => keyPaths(item, `${prefix}[]`));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([key, child]) => keyPaths(child, prefix ? `${prefix}.${key}` : key));
  return [prefix];
}

/** What Loki does with -config.expand-env=true before it parses the file: `${VAR}` replaced, once. */
const expandEnv = (text: string, env: Record<string, string>) => text.replace(/\$\{(\w+)\}/g, (_, name: string) => env[name] ?? "");

describe("HA Loki config (loki.replicas: 3)", () => {
  const files = buildLokiHaConfigFiles(settings);
  const main = parse(files[LOKI_MAIN_CONFIG_FILE]);
  const worker = parse(files[LOKI_CONFIG_FILE]);

  test("writes only keys of Loki 3.7's reference, in both modes", () => {
    for (const config of [main, worker, buildLokiConfig(settings)]) {
      expect(keyPaths(config).filter((path) => !REFERENCE_KEYS.has(path))).toEqual([]);
    }
  });

  test("memberlist ring through the headless Service, replication factor 3, chunks and index in the bucket", () => {
    expect(worker.common).toMatchObject({
      replication_factor: 3,
      ring: { kvstore: { store: "memberlist" } },
      storage: { s3: { endpoint: "minio.storage:9000", bucketnames: "loki", region: "us-east-1", access_key_id: "loki", insecure: true, s3forcepathstyle: true } },
    });
    expect(worker.common.storage.filesystem).toBeUndefined();
    expect(worker.memberlist).toMatchObject({ join_members: ["dns+loki-memberlist.monitoring.svc.cluster.local:7946"], bind_port: 7946, cluster_label: "monitoring-loki" });
    expect(worker.schema_config.configs).toEqual([expect.objectContaining({ store: "tsdb", object_store: "s3", schema: "v13" })]);
    // The schema's first day stays the single instance's: the date must never move.
    expect(worker.schema_config.configs[0].from).toBe(buildLokiConfig(settings).schema_config.configs[0].from);
  });

  test("WAL on and flushed to the bucket on shutdown, so a stopped instance loses no acknowledged line", () => {
    expect(worker.ingester.wal).toMatchObject({ enabled: true, dir: "/loki/wal", flush_on_shutdown: true });
  });

  test("replaying the WAL after a crash stays within the container's memory limit (three quarters of it)", () => {
    expect(settings.loki.resources.memoryLimit).toBe("1Gi");
    expect(worker.ingester.wal.replay_memory_ceiling).toBe("768MB");
  });

  test("one main compactor (loki-0, which every instance calls) and workers; the files differ in nothing else", () => {
    expect(main.compactor.horizontal_scaling_mode).toBe("main");
    expect(worker.compactor.horizontal_scaling_mode).toBe("worker");
    expect(worker.common.compactor_grpc_address).toBe("loki-0.loki-memberlist.monitoring.svc.cluster.local:9096");
    expect(worker.compactor).toMatchObject({ retention_enabled: true, delete_request_store: "s3" });
    expect({ ...main, compactor: { ...main.compactor, horizontal_scaling_mode: "worker" } }).toEqual(worker);
  });

  test("the secret key is a reference to the environment, never the key itself", () => {
    for (const text of Object.values(files)) {
      expect(text).toContain(`secret_access_key: '\${${LOKI_S3_SECRET_ENV}}'`);
    }
  });

  test.each(["plain-Key/With+Base64=", "it's", `q"uo\\te`, "colon: # hash", "${NOT_EXPANDED_AGAIN}", "  spaced  ", "ünïcødé"])(
    "the secret %p reaches Loki's S3 client unchanged once substituted and parsed",
    (secret) => {
      const expanded = expandEnv(files[LOKI_CONFIG_FILE], { [LOKI_S3_SECRET_ENV]: lokiSecretForYaml(secret) });
      expect(parse(expanded).common.storage.s3.secret_access_key).toBe(secret);
    },
  );

  test("a secret with a line break is refused, naming the key", () => {
    expect(() => lokiSecretForYaml("line\nbreak")).toThrow(/^observability:lokiObjectStorageSecretKey: must be one line/);
  });

  test("without object storage the HA config is refused, naming the key", () => {
    expect(() => buildLokiHaConfig({ ...settings, loki: { ...settings.loki, objectStorage: undefined } }, "worker")).toThrow(/observability:loki\.objectStorage/);
  });
});
