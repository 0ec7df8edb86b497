/**
 * One replica of a Prometheus pair on 127.0.0.1: the files laid out as the pod mounts them, and the
 * replica's name in the environment variable the external label expands, as its Deployment sets it.
 */
import * as fs from "fs";
import * as path from "path";
import { RuleFile } from "../../configs/rule-builder";
import { PROMETHEUS_REPLICA_ENV, PrometheusConfig, prometheusReloadAndScrapeFlags, RULES_DIR } from "../../configs/prometheus";
import { toYaml } from "../../configs/yaml";
import { binary } from "./binaries";
import { Started, STACK_USER_AUTH, writeWebConfig } from "./monitoring-processes";
import { freePort, ProcessGroup, waitUntilReady } from "./processes";

export type StartedReplica = Started;

/** `flags`: what settings add to the pod's command line (configs/prometheus.ts prometheusSettingsFlags). */
export async function startPrometheusReplica(processes: ProcessGroup, config: PrometheusConfig, rules: RuleFile, replica: string, flags: string[] = []): Promise<StartedReplica> {
  const dir = processes.tempDir(`prometheus-${replica}`);
  fs.mkdirSync(path.join(dir, RULES_DIR));
  fs.writeFileSync(path.join(dir, "prometheus.yml"), toYaml(config));
  fs.writeFileSync(path.join(dir, RULES_DIR, "alerts.yml"), toYaml(rules));
  const listen = `127.0.0.1:${await freePort()}`;
  // env(1) replaces itself with Prometheus, so stopping the process stops Prometheus.
  const process = processes.start(replica, "env", [
    `${PROMETHEUS_REPLICA_ENV}=${replica}`,
    binary("prometheus")!,
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    ...prometheusReloadAndScrapeFlags(),
    `--web.config.file=${writeWebConfig(processes, "prometheus")}`,
    `--web.listen-address=${listen}`,
    ...flags,
  ]);
  await waitUntilReady(process, `http://${listen}/-/ready`, undefined, STACK_USER_AUTH);
  return { url: `http://${listen}`, address: listen, process };
}

/** A counter or gauge of Prometheus' own /metrics, summed over its series; 0 when absent. */
export async function ownMetric(prometheusUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${prometheusUrl}/metrics`, { headers: STACK_USER_AUTH })).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}
