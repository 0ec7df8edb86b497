/**
 * The real Prometheus and Alertmanager, started on 127.0.0.1 with the configs our builders produce and,
 * as deployed, behind basic auth (`--web.config.file` with the bcrypt hash the program computes): every
 * request a test makes logs in as the stack user, and one that does not is refused.
 */
import * as fs from "fs";
import * as path from "path";
import { ALERTMANAGER_FLAGS, AlertmanagerConfig } from "../../configs/alertmanager";
import { RuleFile } from "../../configs/rule-builder";
import { ALERTMANAGER_WEB_PASSWORD_FILE, PROMETHEUS_WEB_PASSWORD_FILE, PrometheusConfig, prometheusReloadAndScrapeFlags, RULES_DIR } from "../../configs/prometheus";
import { bcryptHash, buildWebConfig, STACK_WEB_USER } from "../../configs/web-auth";
import { toYaml } from "../../configs/yaml";
import { binary } from "./binaries";
import { freePort, ProcessGroup, RunningProcess, waitUntilReady } from "./processes";

/** The stack user's password in every test (the deployed stack's is a secret or generated). */
export const TEST_WEB_PASSWORD = "e2e-web-password";
/** The header every request of a test sends, as Grafana and Prometheus do with the password file. */
export const STACK_USER_AUTH = { authorization: `Basic ${Buffer.from(`${STACK_WEB_USER}:${TEST_WEB_PASSWORD}`).toString("base64")}` };

export interface Started {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, as a scrape or alerting target. */
  address: string;
  process: RunningProcess;
}

/** `--web.config.file` as the pod mounts it: the stack user, its password hashed as the program hashes it. */
export function writeWebConfig(processes: ProcessGroup, server: "prometheus" | "alertmanager"): string {
  const file = path.join(processes.tempDir(`${server}-web`), "web.yml");
  fs.writeFileSync(file, toYaml(buildWebConfig(bcryptHash(TEST_WEB_PASSWORD, `test/${server}`))));
  return file;
}

/** The folder of Prometheus' password files (its `secretsDir`): the stack user's password to both servers. */
export function clientPasswordsDir(processes: ProcessGroup): string {
  const dir = processes.tempDir("prometheus-secrets");
  for (const file of [PROMETHEUS_WEB_PASSWORD_FILE, ALERTMANAGER_WEB_PASSWORD_FILE]) fs.writeFileSync(path.join(dir, file), TEST_WEB_PASSWORD);
  return dir;
}

export async function startAlertmanager(processes: ProcessGroup, config: AlertmanagerConfig, port?: number): Promise<Started> {
  const dir = processes.tempDir("alertmanager");
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), toYaml(config));
  const listen = `127.0.0.1:${port ?? (await freePort())}`;
  const process = processes.start("alertmanager", binary("alertmanager")!, [
    `--config.file=${path.join(dir, "alertmanager.yml")}`,
    `--storage.path=${path.join(dir, "data")}`,
    `--web.config.file=${writeWebConfig(processes, "alertmanager")}`,
    ...ALERTMANAGER_FLAGS,
    `--web.listen-address=${listen}`,
    // A single instance: no gossip port to collide with anything.
    "--cluster.listen-address=",
  ]);
  await waitUntilReady(process, `http://${listen}/-/ready`, undefined, STACK_USER_AUTH);
  return { url: `http://${listen}`, address: listen, process };
}

export interface StartedAlertmanager extends Started {
  process: RunningProcess;
  /** Its gossip address. */
  mesh: string;
}

/**
 * An Alertmanager cluster of `replicas` on 127.0.0.1, gossiping as the StatefulSet's pods do (each
 * names every peer), behind basic auth as deployed. `peers` replaces the addresses to join (an empty
 * list starts a lone instance that never joins the others).
 */
export async function startAlertmanagerCluster(processes: ProcessGroup, config: AlertmanagerConfig, replicas: number, options: { peers?: string[] } = {}): Promise<StartedAlertmanager[]> {
  const meshPorts = await Promise.all(Array.from({ length: replicas }, () => freePort()));
  const mesh = meshPorts.map((port) => `127.0.0.1:${port}`);
  const peers = options.peers ?? mesh;
  const webConfig = writeWebConfig(processes, "alertmanager");
  return Promise.all(
    mesh.map(async (address, i) => {
      const dir = processes.tempDir(`alertmanager-${i}`);
      fs.writeFileSync(path.join(dir, "alertmanager.yml"), toYaml(config));
      const listen = `127.0.0.1:${await freePort()}`;
      const process = processes.start(`alertmanager-${i}`, binary("alertmanager")!, [
        `--config.file=${path.join(dir, "alertmanager.yml")}`,
        `--storage.path=${path.join(dir, "data")}`,
        `--web.listen-address=${listen}`,
        `--web.config.file=${webConfig}`,
        `--cluster.listen-address=${address}`,
        `--cluster.advertise-address=${address}`,
        ...ALERTMANAGER_FLAGS,
        ...peers.map((peer) => `--cluster.peer=${peer}`),
      ]);
      await waitUntilReady(process, `http://${listen}/-/ready`, 60_000, STACK_USER_AUTH);
      return { url: `http://${listen}`, address: listen, process, mesh: address };
    }),
  );
}

/**
 * Lays the files out as the pod mounts them (prometheus.yml beside rules/, which its `rule_files` glob
 * names) and runs Prometheus with the deployed flags; returns the config folder, to change files in place.
 */
export async function startPrometheus(
  processes: ProcessGroup,
  config: PrometheusConfig,
  rules: RuleFile,
  options: { port?: number; reloadIntervalSeconds?: number; name?: string } = {},
): Promise<Started & { dir: string }> {
  const dir = processes.tempDir(options.name ?? "prometheus");
  fs.mkdirSync(path.join(dir, RULES_DIR));
  fs.writeFileSync(path.join(dir, "prometheus.yml"), toYaml(config));
  fs.writeFileSync(path.join(dir, RULES_DIR, "alerts.yml"), toYaml(rules));
  const listen = `127.0.0.1:${options.port ?? (await freePort())}`;
  const process = processes.start(options.name ?? "prometheus", binary("prometheus")!, [
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    ...prometheusReloadAndScrapeFlags(options.reloadIntervalSeconds),
    `--web.config.file=${writeWebConfig(processes, "prometheus")}`,
    `--web.listen-address=${listen}`,
  ]);
  await waitUntilReady(process, `http://${listen}/-/ready`, undefined, STACK_USER_AUTH);
  return { url: `http://${listen}`, address: listen, process, dir };
}

/** A PromQL instant query against a Prometheus of the tests, as the stack user. */
export async function query(prometheus: Pick<Started, "url">, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: expr })}`, { headers: STACK_USER_AUTH });
  if (!response.ok) throw new Error(`query ${expr}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
}

/** An alert as Alertmanager's API v2 returns it (the fields the tests read). */
export interface GettableAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receivers: { name: string }[];
  status: { state: "unprocessed" | "active" | "suppressed"; inhibitedBy: string[]; silencedBy: string[] };
}

export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export async function postAlerts(alertmanagerUrl: string, alerts: PostableAlert[]): Promise<void> {
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json", ...STACK_USER_AUTH }, body: JSON.stringify(alerts) });
  if (!response.ok) throw new Error(`POST /api/v2/alerts: ${response.status} ${await response.text()}`);
}

/** `query` as the API takes it, e.g. `{ inhibited: "false" }`. */
export async function getAlerts(alertmanagerUrl: string, query: Record<string, string> = {}): Promise<GettableAlert[]> {
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts?${new URLSearchParams(query)}`, { headers: STACK_USER_AUTH });
  if (!response.ok) throw new Error(`GET /api/v2/alerts: ${response.status} ${await response.text()}`);
  return (await response.json()) as GettableAlert[];
}
