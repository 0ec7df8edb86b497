/** The real Prometheus and Alertmanager, started on 127.0.0.1 with the configs our builders produce. */
import * as fs from "fs";
import * as path from "path";
import { ALERTMANAGER_FLAGS, AlertmanagerConfig } from "../../configs/alertmanager";
import { RuleFile } from "../../configs/rule-builder";
import { PrometheusConfig, RULES_DIR } from "../../configs/prometheus";
import { toYaml } from "../../configs/yaml";
import { binary } from "./binaries";
import { freePort, ProcessGroup, RunningProcess, waitUntilReady } from "./processes";

export interface Started {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, as a scrape or alerting target. */
  address: string;
}

export async function startAlertmanager(processes: ProcessGroup, config: AlertmanagerConfig, port?: number): Promise<Started> {
  const dir = processes.tempDir("alertmanager");
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), toYaml(config));
  const listen = `127.0.0.1:${port ?? (await freePort())}`;
  const process = processes.start("alertmanager", binary("alertmanager")!, [
    `--config.file=${path.join(dir, "alertmanager.yml")}`,
    `--storage.path=${path.join(dir, "data")}`,
    `--web.listen-address=${listen}`,
    // A single instance: no gossip port to collide with anything.
    "--cluster.listen-address=",
  ]);
  await waitUntilReady(process, `http://${listen}/-/ready`);
  return { url: `http://${listen}`, address: listen };
}

export interface StartedAlertmanager extends Started {
  process: RunningProcess;
  /** Its gossip address. */
  mesh: string;
}

/**
 * An Alertmanager cluster of `replicas` on 127.0.0.1, gossiping as the StatefulSet's pods do (each
 * names every peer); `secretsDir` holds the files the config reads. `peers` adds addresses to join
 * (an empty list starts a lone instance that never joins the others).
 */
export async function startAlertmanagerCluster(processes: ProcessGroup, config: AlertmanagerConfig, replicas: number, options: { peers?: string[] } = {}): Promise<StartedAlertmanager[]> {
  const meshPorts = await Promise.all(Array.from({ length: replicas }, () => freePort()));
  const mesh = meshPorts.map((port) => `127.0.0.1:${port}`);
  const peers = options.peers ?? mesh;
  const started = await Promise.all(
    mesh.map(async (address, i) => {
      const dir = processes.tempDir(`alertmanager-${i}`);
      fs.writeFileSync(path.join(dir, "alertmanager.yml"), toYaml(config));
      const listen = `127.0.0.1:${await freePort()}`;
      const process = processes.start(`alertmanager-${i}`, binary("alertmanager")!, [
        `--config.file=${path.join(dir, "alertmanager.yml")}`,
        `--storage.path=${path.join(dir, "data")}`,
        `--web.listen-address=${listen}`,
        `--cluster.listen-address=${address}`,
        `--cluster.advertise-address=${address}`,
        ...ALERTMANAGER_FLAGS,
        ...peers.map((peer) => `--cluster.peer=${peer}`),
      ]);
      await waitUntilReady(process, `http://${listen}/-/ready`, 60_000);
      return { url: `http://${listen}`, address: listen, process, mesh: address };
    }),
  );
  return started;
}

/** Lays the files out as the pod mounts them: prometheus.yml beside rules/, which its `rule_files` glob names. */
export async function startPrometheus(processes: ProcessGroup, config: PrometheusConfig, rules: RuleFile, port?: number, flags: string[] = []): Promise<Started & { process: RunningProcess }> {
  const dir = processes.tempDir("prometheus");
  fs.mkdirSync(path.join(dir, RULES_DIR));
  fs.writeFileSync(path.join(dir, "prometheus.yml"), toYaml(config));
  fs.writeFileSync(path.join(dir, RULES_DIR, "alerts.yml"), toYaml(rules));
  const listen = `127.0.0.1:${port ?? (await freePort())}`;
  const process = processes.start("prometheus", binary("prometheus")!, [
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=${listen}`,
    ...flags,
  ]);
  await waitUntilReady(process, `http://${listen}/-/ready`);
  return { url: `http://${listen}`, address: listen, process };
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
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) });
  if (!response.ok) throw new Error(`POST /api/v2/alerts: ${response.status} ${await response.text()}`);
}

/** `query` as the API takes it, e.g. `{ inhibited: "false" }`. */
export async function getAlerts(alertmanagerUrl: string, query: Record<string, string> = {}): Promise<GettableAlert[]> {
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts?${new URLSearchParams(query)}`);
  if (!response.ok) throw new Error(`GET /api/v2/alerts: ${response.status} ${await response.text()}`);
  return (await response.json()) as GettableAlert[];
}
