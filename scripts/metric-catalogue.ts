/**
 * `npm run metric-catalogue -- [--from modules,prometheus,node-exporter,blackbox-exporter] [--bin name=path]`: records configs/metric-catalogue/*.json,
 * what each scrape job's program exposes at the version the stack deploys.
 *
 * - prometheus (with Alertmanager), node-exporter: the pinned builds in .upstream/bin (`npm run upstream-tools`) run on 127.0.0.1 and are
 *   scraped: Prometheus (scraping itself and Alertmanager, with a rule file and Alertmanager to send
 *   to, so its labelled counters have children), Alertmanager (with a receiver), node-exporter (its
 *   default collectors on this machine), blackbox-exporter (its /probe answers, which the blackbox job
 *   scrapes). A family exposed without any series is kept with
 *   `labelsUnknown`, so the check never refuses a label it could not see.
 * - modules: from the Go module cache (`go mod download`), at the pinned versions:
 *   kube-state-metrics' docs/metrics tables for the resources it collects here, its README for its
 *   own list/watch counters; cAdvisor's metric definitions (metrics/prometheus.go) as the kubelet of
 *   the test cluster's Kubernetes release registers them (pkg/kubelet/server/server.go: its metric
 *   sets and label function); the kubelet's volume stats collector.
 *
 * Loki, Grafana, Promtail, Alloy, the databases' exporters and the app are recorded by hand from
 * their documentation (each file names its source); this script does not touch them.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { defaultImages } from "../configs/images";
import { KSM_RESOURCES } from "../configs/kube-state-metrics";
import type { Catalogue, CatalogueMetric, MetricType } from "../configs/metric-catalogue";
import { freePort, request as get, sleep, waitUntil as until } from "./local-http";
import { PROJECT_ROOT, releaseOf, UPSTREAM_BIN } from "./upstream-tools-plan";

const CATALOGUE_DIR = path.join(PROJECT_ROOT, "configs", "metric-catalogue");
/** The Kubernetes release of the test cluster (test/upstream/kubernetes): its kubelet registers cAdvisor's metrics. */
export const KUBERNETES_VERSION = "v1.34.4";

function write(name: string, catalogue: Catalogue): void {
  const metrics = [...catalogue.metrics].sort((a, b) => a.name.localeCompare(b.name));
  fs.writeFileSync(path.join(CATALOGUE_DIR, `${name}.json`), `${JSON.stringify({ ...catalogue, metrics }, null, 1)}\n`);
  console.log(`${name}.json: ${metrics.length} metric families (${catalogue.program} ${catalogue.version})`);
}

// ---------------------------------------------------------------------------------------------
// The text exposition format, as a scrape reads it.
// ---------------------------------------------------------------------------------------------

const SUFFIXES: Record<string, string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["_sum", "_count", ""], gaugehistogram: ["_bucket", "_gsum", "_gcount"] };

/** Families of a `/metrics` page: name, type, and every label name its series carry (`le`, `quantile` left to the type). */
export function parseExposition(text: string): CatalogueMetric[] {
  const families = new Map<string, { type: MetricType; labels: Set<string>; seen: boolean }>();
  const family = (name: string) => {
    if (!families.has(name)) families.set(name, { type: "untyped", labels: new Set(), seen: false });
    return families.get(name)!;
  };
  for (const line of text.split("\n")) {
    const typeLine = /^# TYPE (\S+) (\S+)/.exec(line);
    if (typeLine) {
      family(typeLine[1]).type = typeLine[2] as MetricType;
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s/.exec(line);
    if (!sample) continue;
    const [, series, , labelText = ""] = sample;
    // The family a series belongs to: itself, or a histogram's or summary's base name.
    const base = [...families.entries()].find(([name, f]) => (SUFFIXES[f.type] ?? [""]).some((suffix) => `${name}${suffix}` === series))?.[0] ?? series;
    const target = family(base);
    target.seen = true;
    for (const match of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) {
      if (!(match[1] === "le" && target.type.includes("histogram")) && !(match[1] === "quantile" && target.type === "summary")) target.labels.add(match[1]);
    }
  }
  return [...families.entries()].map(([name, f]) => ({ name, type: f.type, labels: [...f.labels].sort(), ...(f.seen ? {} : { labelsUnknown: true }) }));
}

// ---------------------------------------------------------------------------------------------
// The pinned binaries, scraped on 127.0.0.1.
// ---------------------------------------------------------------------------------------------





/** `--bin node_exporter=/path` runs that build instead of .upstream/bin's (it must report the pinned version). */
const binaryOverrides = new Map(process.argv.flatMap((arg, i) => (process.argv[i - 1] === "--bin" ? [arg.split("=") as [string, string]] : [])));

function start(binary: string, args: string[], cwd: string): ChildProcess {
  const file = binaryOverrides.get(binary) ?? path.join(UPSTREAM_BIN, binary);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run upstream-tools`);
  return spawn(file, args, { cwd, stdio: "ignore" });
}

function scrapeInto(name: string, image: keyof typeof defaultImages, binary: string, url: string): Promise<void> {
  const version = releaseOf(defaultImages[image]);
  return get(url).then((text) =>
    write(name, {
      program: name,
      version,
      source: `scraped from ${binaryOverrides.get(binary) ? binary : `.upstream/bin/${binary}`} ${version} (built from its Go module at the pinned version) on ${os.type()} ${os.arch()}, ${new Date().toISOString().slice(0, 10)}, by npm run metric-catalogue`,
      metrics: parseExposition(text),
    }),
  );
}

/** node-exporter with its default collectors on this machine. */
async function nodeExporterFromBinary(dir: string, children: ChildProcess[]): Promise<void> {
  const port = await freePort();
  children.push(start("node_exporter", [`--web.listen-address=127.0.0.1:${port}`], dir));
  await until("node-exporter to answer", async () => (await get(`http://127.0.0.1:${port}/metrics`)).length > 0, 60000);
  await scrapeInto("node-exporter", "nodeExporter", "node_exporter", `http://127.0.0.1:${port}/metrics`);
}

/** Prometheus scraping itself and Alertmanager, evaluating a rule and sending an alert, so its labelled counters have series. */
async function prometheusAndAlertmanagerFromBinaries(dir: string, children: ChildProcess[]): Promise<void> {
  const [promPort, amPort, amCluster] = [await freePort(), await freePort(), await freePort()];
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), "route: {receiver: sink}\nreceivers: [{name: sink, webhook_configs: [{url: 'http://127.0.0.1:9/never'}]}]\n");
  children.push(start("alertmanager", [`--config.file=${dir}/alertmanager.yml`, `--storage.path=${dir}/am`, `--web.listen-address=127.0.0.1:${amPort}`, `--cluster.listen-address=127.0.0.1:${amCluster}`], dir));
  fs.writeFileSync(path.join(dir, "rules.yml"), "groups: [{name: catalogue, interval: 1s, rules: [{record: 'catalogue:up:sum', expr: 'sum(up)'}, {alert: Always, expr: 'vector(1)'}]}]\n");
  fs.writeFileSync(
    path.join(dir, "prometheus.yml"),
    [
      "global: {scrape_interval: 1s, evaluation_interval: 1s}",
      "rule_files: [rules.yml]",
      `alerting: {alertmanagers: [{static_configs: [{targets: ['127.0.0.1:${amPort}']}]}]}`,
      `scrape_configs: [{job_name: prometheus, static_configs: [{targets: ['127.0.0.1:${promPort}']}]}, {job_name: alertmanager, static_configs: [{targets: ['127.0.0.1:${amPort}']}]}]`,
    ].join("\n"),
  );
  children.push(start("prometheus", [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${promPort}`], dir));
  await until("Prometheus and Alertmanager to be ready", async () => {
    await Promise.all([get(`http://127.0.0.1:${promPort}/-/ready`), get(`http://127.0.0.1:${amPort}/-/ready`)]);
    return true;
  }, 60000);
  // Long enough for scrapes, rule evaluations and a notification attempt to give the labelled counters children.
  await until("Prometheus to send an alert", async () => /prometheus_notifications_sent_total\{/.test(await get(`http://127.0.0.1:${promPort}/metrics`)), 60000);
  await sleep(5000);
  await scrapeInto("prometheus", "prometheus", "prometheus", `http://127.0.0.1:${promPort}/metrics`);
  await scrapeInto("alertmanager", "alertmanager", "alertmanager", `http://127.0.0.1:${amPort}/metrics`);
}

/**
 * blackbox-exporter's /probe answer, which is what the blackbox job scrapes: an https probe (with its
 * TLS series) of a local server with a throwaway certificate, and a tcp_connect probe, merged.
 */
async function blackboxExporterFromBinary(dir: string, children: ChildProcess[]): Promise<void> {
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`], { stdio: "ignore" });
  const server = https.createServer({ key: fs.readFileSync(`${dir}/key.pem`), cert: fs.readFileSync(`${dir}/cert.pem`) }, (_, res) => res.end("ok"));
  const [targetPort, port] = [await freePort(), await freePort()];
  await new Promise<void>((resolve) => server.listen(targetPort, "127.0.0.1", resolve));
  try {
    fs.writeFileSync(
      path.join(dir, "blackbox.yml"),
      "modules: {https_2xx: {prober: http, timeout: 5s, http: {tls_config: {insecure_skip_verify: true}}}, tcp_connect: {prober: tcp, timeout: 5s}}\n",
    );
    children.push(start("blackbox_exporter", [`--config.file=${dir}/blackbox.yml`, `--web.listen-address=127.0.0.1:${port}`], dir));
    await until("blackbox-exporter to answer", async () => (await get(`http://127.0.0.1:${port}/metrics`)).length > 0, 60000);
    const probe = (module: string, target: string) => get(`http://127.0.0.1:${port}/probe?module=${module}&target=${encodeURIComponent(target)}`);
    const answers = [await probe("https_2xx", `https://127.0.0.1:${targetPort}/`), await probe("tcp_connect", `127.0.0.1:${targetPort}`)];
    const version = releaseOf(defaultImages.blackboxExporter);
    const families = new Map<string, CatalogueMetric>();
    for (const metric of answers.flatMap(parseExposition)) {
      const known = families.get(metric.name);
      families.set(metric.name, known ? { ...known, labels: [...new Set([...known.labels, ...metric.labels])].sort() } : metric);
    }
    write("blackbox-exporter", {
      program: "blackbox-exporter",
      version,
      source: `the /probe answers (an https probe of a local server and a tcp_connect probe) of .upstream/bin/blackbox_exporter ${version} (built from its Go module at the pinned version) on ${os.type()} ${os.arch()}, ${new Date().toISOString().slice(0, 10)}, by npm run metric-catalogue`,
      metrics: [...families.values()],
    });
  } finally {
    server.close();
  }
}

async function fromBinaries(programs: string[]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "metric-catalogue-"));
  const children: ChildProcess[] = [];
  try {
    if (programs.includes("node-exporter")) await nodeExporterFromBinary(dir, children);
    if (programs.includes("prometheus")) await prometheusAndAlertmanagerFromBinaries(dir, children);
    if (programs.includes("blackbox-exporter")) await blackboxExporterFromBinary(dir, children);
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await sleep(1000);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Sources and documentation from the Go module cache.
// ---------------------------------------------------------------------------------------------

function moduleDir(module: string, version: string): string {
  const out = execFileSync("go", ["mod", "download", "-json", `${module}@${version}`], { encoding: "utf8", cwd: os.tmpdir(), env: { ...process.env, GOFLAGS: "-mod=mod" } });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

const TYPES: Record<string, MetricType> = { gauge: "gauge", counter: "counter", histogram: "histogram", summary: "summary", info: "info", stateset: "stateset" };

/** kube-state-metrics' docs/metrics tables: `| name | type | description | [unit |] labels | status |`. */
function ksmFromDocs(): void {
  const version = releaseOf(defaultImages.kubeStateMetrics);
  const dir = moduleDir("k8s.io/kube-state-metrics/v2", `v${version}`);
  const metrics: CatalogueMetric[] = [];
  for (const resource of Object.keys(KSM_RESOURCES)) {
    const singular = resource.replace(/s$/, "");
    const file = execFileSync("sh", ["-c", 'ls "$1"/docs/metrics/*/"$2"-metrics.md', "sh", dir, singular], { encoding: "utf8" }).trim().split("\n")[0];
    const rows = fs.readFileSync(file, "utf8").split("\n").filter((line) => /^\|\s*kube_/.test(line));
    const header = fs.readFileSync(file, "utf8").split("\n").find((line) => /^\|\s*Metric name/i.test(line))!.split("|").map((cell) => cell.trim().toLowerCase());
    const labelsColumn = header.findIndex((cell) => cell.startsWith("labels"));
    for (const row of rows) {
      const cells = row.split("|").map((cell) => cell.trim());
      const labels = [...cells[labelsColumn].matchAll(/`([a-zA-Z_][a-zA-Z0-9_]*)`\s*=/g)].map((m) => m[1]).filter((label) => !label.includes("_ANNOTATION") && !label.includes("_LABEL"));
      const name = cells[1].replace(/`/g, "");
      // kube_<resource>_labels carries the allowlisted labels, named label_<key> (configs/kube-state-metrics.ts KSM_POD_LABELS).
      metrics.push({ name, type: TYPES[cells[2].toLowerCase()] ?? "gauge", labels: [...new Set(labels)].sort(), ...(name.endsWith("_labels") || name.endsWith("_annotations") ? { labelsUnknown: true } : {}), source: `docs/metrics/${path.relative(path.join(dir, "docs", "metrics"), file)}` });
    }
  }
  write("kube-state-metrics", { program: "kube-state-metrics", version, source: `k8s.io/kube-state-metrics/v2@v${version} docs/metrics/*, the tables of the resources configs/kube-state-metrics.ts collects (read from the Go module by npm run metric-catalogue)`, metrics });
  const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");
  const selfMetrics = [...new Set([...readme.matchAll(/^(kube_state_metrics_[a-z_]+)\{([^}]*)\}/gm)].map((m) => `${m[1]}|${[...m[2].matchAll(/(\w+)=/g)].map((l) => l[1]).join(",")}`))];
  write("kube-state-metrics-telemetry", {
    program: "kube-state-metrics",
    version,
    source: `k8s.io/kube-state-metrics/v2@v${version} README.md "Kube-state-metrics self metrics" (the telemetry port), read from the Go module by npm run metric-catalogue`,
    metrics: selfMetrics.map((entry) => {
      const [name, labels] = entry.split("|");
      return { name, type: "counter" as const, labels: labels.split(",").filter(Boolean) };
    }),
  });
}

/** cAdvisor's container metrics as the kubelet registers them: its metric sets, its label function. */
function cadvisorFromSource(): void {
  const kubernetes = moduleDir("k8s.io/kubernetes", KUBERNETES_VERSION);
  const goMod = fs.readFileSync(path.join(kubernetes, "go.mod"), "utf8");
  const cadvisorVersion = /github\.com\/google\/cadvisor (v\S+)/.exec(goMod)![1];
  const server = fs.readFileSync(path.join(kubernetes, "pkg", "kubelet", "server", "server.go"), "utf8");
  const included = new Set([...server.slice(server.indexOf("includedMetrics := cadvisormetrics.MetricSet{")).split("}\n")[0].matchAll(/cadvisormetrics\.(\w+):/g)].map((m) => m[1]));
  const labelFunction = server.slice(server.indexOf("func containerPrometheusLabelsFunc"));
  const baseLabels = ["id", "name", "image", ...[...labelFunction.slice(0, labelFunction.indexOf("return set")).matchAll(/^\s+"(\w+)":\s/gm)].map((m) => m[1])];
  const cadvisor = moduleDir("github.com/google/cadvisor", cadvisorVersion);
  const source = fs.readFileSync(path.join(cadvisor, "metrics", "prometheus.go"), "utf8");
  const metrics: CatalogueMetric[] = [];
  let set: string | undefined;
  for (const line of source.slice(source.indexOf("func NewPrometheusCollector"), source.indexOf("func (c *PrometheusCollector) Describe")).split("\n")) {
    const block = /^\tif includedMetrics\.Has\(container\.(\w+)\)/.exec(line);
    if (block) set = block[1];
    else if (/^\t}$/.test(line)) set = undefined;
    const name = /^\s+name:\s+"(\w+)"/.exec(line);
    if (name && (set === undefined || included.has(set))) metrics.push({ name: name[1], type: /_total$/.test(name[1]) ? "counter" : "gauge", labels: [...baseLabels] });
    const extra = /^\s+extraLabels:\s+\[\]string\{([^}]*)\}/.exec(line);
    if (extra && metrics.length > 0 && (set === undefined || included.has(set))) metrics[metrics.length - 1].labels.push(...[...extra[1].matchAll(/"(\w+)"/g)].map((m) => m[1]));
  }
  // Per-container spec and start-time series, registered outside the metric sets.
  for (const m of source.matchAll(/prometheus\.NewDesc\("(container_\w+)",[^,]+,\s*(\w+)/g)) if (!metrics.some((x) => x.name === m[1])) metrics.push({ name: m[1], type: "gauge", labels: [...baseLabels] });
  write("cadvisor", {
    program: "cadvisor",
    version: cadvisorVersion.slice(1),
    source: `github.com/google/cadvisor@${cadvisorVersion} metrics/prometheus.go, as k8s.io/kubernetes@${KUBERNETES_VERSION} pkg/kubelet/server/server.go registers it on /metrics/cadvisor (metric sets ${[...included].join(", ")}; labels of containerPrometheusLabelsFunc), read from the Go modules by npm run metric-catalogue`,
    metrics: metrics.map((m) => ({ ...m, labels: [...new Set(m.labels)].sort() })),
  });
}

/** The kubelet's volume stats (the only kubelet series the kubelet job keeps). */
function kubeletFromSource(): void {
  const kubernetes = moduleDir("k8s.io/kubernetes", KUBERNETES_VERSION);
  const keys = fs.readFileSync(path.join(kubernetes, "pkg", "kubelet", "metrics", "metrics.go"), "utf8");
  const collector = fs.readFileSync(path.join(kubernetes, "pkg", "kubelet", "metrics", "collectors", "volume_stats.go"), "utf8");
  const metrics = [...collector.matchAll(/BuildFQName\("", kubeletmetrics\.KubeletSubsystem, kubeletmetrics\.(\w+)\),\s*"[^"]*",\s*\[\]string\{([^}]*)\}/g)].map((m) => {
    const key = new RegExp(`${m[1]}\\s*=\\s*"(\\w+)"`).exec(keys)![1];
    return { name: `kubelet_${key}`, type: "gauge" as const, labels: [...m[2].matchAll(/"(\w+)"/g)].map((l) => l[1]) };
  });
  write("kubelet", {
    program: "kubelet",
    version: KUBERNETES_VERSION.slice(1),
    source: `k8s.io/kubernetes@${KUBERNETES_VERSION} pkg/kubelet/metrics/collectors/volume_stats.go (the kubelet job keeps kubelet_volume_stats_* only), read from the Go module by npm run metric-catalogue`,
    metrics,
  });
}

async function main(): Promise<void> {
  const fromIndex = process.argv.indexOf("--from");
  const from = fromIndex >= 0 ? process.argv[fromIndex + 1].split(",") : ["modules", "prometheus", "node-exporter", "blackbox-exporter"];
  if (from.includes("modules")) {
    ksmFromDocs();
    cadvisorFromSource();
    kubeletFromSource();
  }
  await fromBinaries(from);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`metric-catalogue: ${err.stack ?? err}`);
    process.exit(1);
  });
}
