import type { DashboardDefinition } from "./definition";
import { appJobVariables, buildDashboard, informational, lowerIsWorse, promQuery, statPanel, Thresholds, timeSeriesPanel, units, when } from "./panels";
import { APP_JOB, gaugeBy, sumGauge, sumRate } from "./queries";

/**
 * The jobs configs/prometheus.ts gives postgres_exporter and redis_exporter when
 * `observability:exporters.postgres` / `.redis` are set; their panels are built only then.
 */
export const EXPORTER_JOBS = { postgres: "postgresql", redis: "redis" } as const;
const POSTGRES = `job="${EXPORTER_JOBS.postgres}"`;
const REDIS = `job="${EXPORTER_JOBS.redis}"`;

/** HighDatabaseConnections fires above 80 active connections. */
const CONNECTIONS: Thresholds = { base: "green", steps: [[80, "orange"]] };
const HIT_RATE = lowerIsWorse(0.8, 0.5);
const UP: Thresholds = { base: "red", steps: [[1, "green"]] };

/** hits / (hits + misses), by `labels`. */
function hitRate(hits: string, misses: string, selector: string, labels: string[] = []): string {
  const sumHits = sumRate(hits, selector, labels);
  return `${sumHits} / (${sumHits} + ${sumRate(misses, selector, labels)})`;
}

export const databaseAndCache: DashboardDefinition = {
  folder: "Infrastructure",
  datasources: ["prometheus"],
  build: ({ appJob, components }) =>
    buildDashboard({
      uid: "observability-database-cache",
      title: "Database and cache",
      description: "Database connections and transactions, cache hit rates, and task queues: from the app and from postgres_exporter and redis_exporter.",
      tags: ["infrastructure", "database", "cache"],
      variables: appJobVariables("database_connections_active", appJob),
      sections: [
        {
          row: "Overview",
          panels: [
            statPanel({ title: "App database connections", description: "database_connections_active over the app's instances. HighDatabaseConnections fires above 80.", thresholds: CONNECTIONS, query: promQuery(sumGauge("database_connections_active", APP_JOB)) }),
            statPanel({ title: "App cache hit rate", description: "Share of the app's cache lookups that hit, every cache type.", unit: units.PercentUnit, decimals: 1, thresholds: HIT_RATE, query: promQuery(hitRate("cache_hits_total", "cache_misses_total", APP_JOB)) }),
            statPanel({ title: "Queued tasks", description: "Tasks waiting in every queue (task_queue_size).", query: promQuery(sumGauge("task_queue_size", APP_JOB)) }),
            ...when(components.exporters.postgres, statPanel({ title: "PostgreSQL up", description: "postgres_exporter reaches the database (pg_up).", thresholds: UP, query: promQuery(gaugeBy("min", "pg_up", POSTGRES)) })),
            ...when(components.exporters.redis, statPanel({ title: "Redis up", description: "redis_exporter reaches Redis (redis_up).", thresholds: UP, query: promQuery(gaugeBy("min", "redis_up", REDIS)) })),
            ...when(components.exporters.redis, statPanel({ title: "Redis hit rate", description: "Share of Redis keyspace lookups that hit.", unit: units.PercentUnit, decimals: 1, thresholds: HIT_RATE, query: promQuery(hitRate("redis_keyspace_hits_total", "redis_keyspace_misses_total", REDIS)) })),
          ],
        },
        {
          row: "Database",
          panels: [
            timeSeriesPanel({ title: "App database connections by instance", description: "Active connections each app instance holds; dashed line at the alert's 80.", thresholds: CONNECTIONS, queries: [promQuery(sumGauge("database_connections_active", APP_JOB, ["instance"]), "{{instance}}")] }),
            ...when(components.exporters.postgres, timeSeriesPanel({
              title: "PostgreSQL connections",
              description: "Backends per database against the server's max_connections.",
              queries: [promQuery(sumGauge("pg_stat_database_numbackends", POSTGRES, ["datname"]), "{{datname}}"), promQuery(gaugeBy("max", "pg_settings_max_connections", POSTGRES), "max_connections")],
            })),
            ...when(components.exporters.postgres, timeSeriesPanel({
              title: "Longest running transaction",
              description: "Age of the oldest open transaction per database and state: the exporter's view of query duration; long idle-in-transaction holds locks.",
              unit: units.Seconds,
              queries: [promQuery(gaugeBy("max", "pg_stat_activity_max_tx_duration", POSTGRES, ["datname", "state"]), "{{datname}} {{state}}")],
            })),
            ...when(components.exporters.postgres, timeSeriesPanel({
              title: "PostgreSQL transactions",
              description: "Commits and rollbacks per second, per database.",
              unit: units.OpsPerSecond,
              queries: [promQuery(sumRate("pg_stat_database_xact_commit", POSTGRES, ["datname"]), "{{datname}} commits"), promQuery(sumRate("pg_stat_database_xact_rollback", POSTGRES, ["datname"]), "{{datname}} rollbacks")],
            })),
            ...when(components.exporters.postgres, timeSeriesPanel({
              title: "PostgreSQL deadlocks",
              description: "Deadlocks detected per second, per database: anything above zero deserves a look.",
              unit: units.Short,
              thresholds: { base: "green", steps: [[0.001, "red"]] },
              queries: [promQuery(sumRate("pg_stat_database_deadlocks", POSTGRES, ["datname"]), "{{datname}}")],
            })),
          ],
        },
        {
          row: "Cache",
          panels: [
            timeSeriesPanel({
              title: "App cache hit rate by cache type",
              description: "Share of lookups that hit, per cache type; dashed lines at 80 % and 50 %.",
              unit: units.PercentUnit,
              min: 0,
              max: 1,
              thresholds: HIT_RATE,
              queries: [promQuery(hitRate("cache_hits_total", "cache_misses_total", APP_JOB, ["cache_type"]), "{{cache_type}}")],
            }),
            ...when(components.exporters.redis, timeSeriesPanel({
              title: "Redis memory",
              description: "Memory Redis uses against its maxmemory (0 when unlimited).",
              unit: units.BytesIEC,
              queries: [promQuery(sumGauge("redis_memory_used_bytes", REDIS), "used"), promQuery(sumGauge("redis_memory_max_bytes", REDIS), "max")],
            })),
            ...when(components.exporters.redis, timeSeriesPanel({ title: "Redis connected clients", description: "Clients connected to Redis.", thresholds: informational(), queries: [promQuery(sumGauge("redis_connected_clients", REDIS), "clients")] })),
            ...when(components.exporters.redis, timeSeriesPanel({
              title: "Redis evictions and expirations",
              description: "Keys evicted for memory and keys expired, per second: steady evictions mean the cache is too small.",
              unit: units.Short,
              queries: [promQuery(sumRate("redis_evicted_keys_total", REDIS), "evicted"), promQuery(sumRate("redis_expired_keys_total", REDIS), "expired")],
            })),
          ],
        },
        {
          row: "Queues",
          panels: [
            timeSeriesPanel({ title: "Queue sizes", description: "Tasks waiting, per queue: a line that only grows means the workers cannot keep up.", width: 24, queries: [promQuery(sumGauge("task_queue_size", APP_JOB, ["queue_name"]), "{{queue_name}}")] }),
          ],
        },
      ],
    }),
};

