/**
 * The configuration keys Loki and Promtail accept, for the blocks this program writes, as listed in
 * upstream's configuration reference (Loki: docs/sources/shared/configuration.md; Promtail:
 * docs/sources/send-data/promtail/configuration.md; the relabel, static and Kubernetes discovery
 * blocks Promtail shares with Prometheus: Prometheus' configuration reference). Only the blocks we
 * use are listed, each with every key the reference gives it that we might plausibly set, so a new
 * block or a misspelt key fails the test until someone checks it against the reference and adds it.
 *
 * A stand-in for `loki -verify-config` and a real Promtail: the Loki module (github.com/grafana/loki/v3,
 * which holds both) is AGPL-licensed and must not be built or downloaded here. The reference text
 * read is upstream's current one, newer than the pinned Loki 3.7.7 and Promtail 3.6.11; every key we
 * set is older than those releases, but a key added after them would pass this check.
 */

/** A block's keys: a nested block, a list of blocks, a map with free keys, or a value. */
export type Shape = { [key: string]: Shape | typeof VALUE | { listOf: Shape } | typeof FREE_MAP } | { oneOf: Shape[] };
export const VALUE = "value" as const;
/** A map whose keys are the user's (labels, JMESPath expressions). */
export const FREE_MAP = "free map" as const;
const listOf = (shape: Shape) => ({ listOf: shape });
const values = (...keys: string[]): Shape => Object.fromEntries(keys.map((k) => [k, VALUE]));

const ringKvstore = { kvstore: values("store", "prefix") };

const lokiS3 = values(
  "s3",
  "s3forcepathstyle",
  "bucketnames",
  "endpoint",
  "region",
  "access_key_id",
  "secret_access_key",
  "session_token",
  "insecure",
  "signature_version",
  "storage_class",
  "disable_dualstack",
);

/** Loki 3.x `loki.yaml`. */
export const LOKI: Shape = {
  target: VALUE,
  auth_enabled: VALUE,
  server: values("http_listen_address", "http_listen_port", "grpc_listen_address", "grpc_listen_port", "log_level", "log_format", "http_path_prefix", "graceful_shutdown_timeout"),
  common: {
    path_prefix: VALUE,
    storage: { filesystem: values("chunks_directory", "rules_directory"), s3: lokiS3 },
    persist_tokens: VALUE,
    replication_factor: VALUE,
    ring: { ...ringKvstore, ...values("heartbeat_period", "heartbeat_timeout", "instance_id", "instance_addr", "instance_port", "instance_interface_names", "zone_awareness_enabled") },
    instance_interface_names: VALUE,
    instance_addr: VALUE,
    compactor_address: VALUE,
    compactor_grpc_address: VALUE,
  },
  memberlist: values(
    "node_name",
    "randomize_node_name",
    "advertise_addr",
    "advertise_port",
    "cluster_label",
    "cluster_label_verification_disabled",
    "join_members",
    "min_join_backoff",
    "max_join_backoff",
    "max_join_retries",
    "abort_if_cluster_join_fails",
    "rejoin_interval",
    "left_ingesters_timeout",
    "leave_timeout",
    "bind_addr",
    "bind_port",
  ),
  ingester: {
    wal: values("enabled", "dir", "checkpoint_duration", "flush_on_shutdown", "replay_memory_ceiling"),
    ...values("chunk_idle_period", "chunk_retain_period", "chunk_target_size", "chunk_encoding", "max_chunk_age", "flush_check_period", "concurrent_flushes"),
  },
  schema_config: { configs: listOf({ ...values("from", "store", "object_store", "schema", "row_shards"), index: values("path_prefix", "prefix", "period") }) },
  storage_config: { tsdb_shipper: values("active_index_directory", "cache_location", "cache_ttl", "resync_interval") },
  compactor: values(
    "working_directory",
    "compaction_interval",
    "apply_retention_interval",
    "retention_enabled",
    "retention_delete_delay",
    "retention_delete_worker_count",
    "delete_request_store",
    "delete_request_store_key_prefix",
    "delete_request_cancel_period",
    "horizontal_scaling_mode",
  ),
  limits_config: values(
    "ingestion_rate_strategy",
    "ingestion_rate_mb",
    "ingestion_burst_size_mb",
    "max_label_names_per_series",
    "reject_old_samples",
    "reject_old_samples_max_age",
    "creation_grace_period",
    "max_line_size",
    "max_global_streams_per_user",
    "per_stream_rate_limit",
    "per_stream_rate_limit_burst",
    "max_query_series",
    "max_query_lookback",
    "max_query_length",
    "max_entries_limit_per_query",
    "query_timeout",
    "split_queries_by_interval",
    "volume_enabled",
    "deletion_mode",
    "retention_period",
    "allow_structured_metadata",
    "discover_log_levels",
    "discover_service_name",
  ),
  analytics: values("reporting_enabled", "usage_stats_url"),
};

/** Prometheus' relabel_config, which Promtail's scrape configs share. */
const relabelConfig = values("source_labels", "separator", "target_label", "regex", "modulus", "replacement", "action");

/** Promtail's pipeline stages we may write; each stage is an object with one key. */
const pipelineStage: Shape = {
  oneOf: [
    { cri: {} },
    { docker: {} },
    { json: { expressions: FREE_MAP, source: VALUE } },
    { regex: values("expression", "source") },
    { labels: FREE_MAP },
    { structured_metadata: FREE_MAP },
    { labeldrop: VALUE },
    { limit: values("rate", "burst", "by_label_name", "max_distinct_labels", "drop") },
    { timestamp: values("source", "format", "location") },
    { output: values("source") },
  ],
};
// A match stage nests stages of the same grammar.
(pipelineStage as { oneOf: Shape[] }).oneOf.push({ match: { selector: VALUE, pipeline_name: VALUE, stages: listOf(pipelineStage) } });

/** Promtail 3.x `promtail.yaml`. */
export const PROMTAIL: Shape = {
  server: values("disable", "http_listen_address", "http_listen_port", "grpc_listen_address", "grpc_listen_port", "log_level", "http_path_prefix", "health_check_target", "enable_runtime_reload"),
  clients: listOf({
    ...values("url", "tenant_id", "batchwait", "batchsize", "bearer_token", "bearer_token_file", "proxy_url", "timeout", "drop_rate_limited_batches"),
    headers: FREE_MAP,
    basic_auth: values("username", "password", "password_file"),
    tls_config: values("ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"),
    backoff_config: values("min_period", "max_period", "max_retries"),
    external_labels: FREE_MAP,
  }),
  positions: values("filename", "sync_period", "ignore_invalid_yaml"),
  scrape_configs: listOf({
    job_name: VALUE,
    pipeline_stages: listOf(pipelineStage),
    relabel_configs: listOf(relabelConfig),
    static_configs: listOf({ targets: VALUE, labels: FREE_MAP }),
    kubernetes_sd_configs: listOf({ ...values("role", "api_server", "kubeconfig_file"), namespaces: values("own_namespace", "names"), selectors: listOf(values("role", "label", "field")) }),
  }),
};

/** Every key path in `config` that `shape` does not allow, e.g. `compactor.horizontal_scaling_modes`. */
export function unknownKeys(config: unknown, shape: Shape, at = ""): string[] {
  if ("oneOf" in shape && Array.isArray((shape as { oneOf: Shape[] }).oneOf)) {
    const candidates = (shape as { oneOf: Shape[] }).oneOf;
    const results = candidates.map((candidate) => unknownKeys(config, candidate, at));
    const fits = results.find((problems) => problems.length === 0);
    if (fits) return fits;
    const keys = config && typeof config === "object" ? Object.keys(config).join(", ") : String(config);
    return [`${at || "(root)"}: {${keys}} is none of the stages the reference lists`];
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) return [`${at || "(root)"}: expected a block`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    const path = at ? `${at}.${key}` : key;
    const expected = (shape as Record<string, unknown>)[key];
    if (expected === undefined) problems.push(`${path}: not a key of this block in the reference`);
    else if (expected === VALUE || expected === FREE_MAP) continue;
    else if (typeof expected === "object" && expected !== null && "listOf" in expected) {
      if (!Array.isArray(value)) problems.push(`${path}: expected a list`);
      else value.forEach((item, i) => problems.push(...unknownKeys(item, (expected as { listOf: Shape }).listOf, `${path}[${i}]`)));
    } else problems.push(...unknownKeys(value, expected as Shape, path));
  }
  return problems;
}
