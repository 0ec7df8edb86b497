/**
 * The pinned blackbox-exporter (v0.28.0, built from its Go module) with the blackbox.yml the prod
 * stack renders, on 127.0.0.1, probing a local HTTP server and a local TLS server whose certificate
 * expires in two days: what a probe reports, that it fails when the server goes away, that
 * Prometheus' multi-target job runs each probe with its URL as `instance`, and that the
 * certificate alert fires on the metric the exporter really exports.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { parse } from "yaml";
import { BLACKBOX_PROBE_PATH } from "../../configs/blackbox-exporter";
import { blackboxProbeJob, PrometheusConfig } from "../../configs/prometheus";
import { RuleFile } from "../../configs/rule-builder";
import { Probe } from "../../configs/settings";
import { toYaml } from "../../configs/yaml";
import { binary, describeWithBinaries, run, withBinaries } from "../helpers/binaries";
import { query, startPrometheus } from "../helpers/monitoring-processes";
import { freePort, ProcessGroup, waitFor, waitUntilReady } from "../helpers/processes";
import { render } from "../helpers/render";
import { stackSettings } from "../helpers/stack-settings";

/** One sample of the exporter's text output. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, as much of it as a probe's answer uses (no escaped quotes in label values). */
function parseMetrics(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** Go's text/template `humanize` for a value from 1 to 1000, as Prometheus formats it: `%.4g`. */
const humanize = (value: number) => String(Number(value.toPrecision(4)));

const listen = (server: net.Server) => new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
const close = (server: net.Server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

/** Answers every request 200, whatever its method, so GET and POST probes both succeed. */
const answerOk = (_: http.IncomingMessage, response: http.ServerResponse) => {
  response.writeHead(200, { "content-type": "text/plain" });
  response.end("ok\n");
};

describeWithBinaries("blackbox_exporter", "promtool")("blackbox-exporter with the rendered blackbox.yml, on 127.0.0.1", () => {
  const processes = new ProcessGroup();
  const servers: net.Server[] = [];
  let exporter: string;
  let httpUrl: string;
  let httpsUrl: string;
  let tlsAddress: string;
  let certificateNotAfter: number;
  let httpServer: http.Server;
  let rules: RuleFile;

  const probe = async (module: string, target: string): Promise<Sample[]> => {
    const response = await fetch(`${exporter}${BLACKBOX_PROBE_PATH}?${new URLSearchParams({ module, target })}`);
    if (!response.ok) throw new Error(`probe ${module} ${target}: ${response.status} ${await response.text()}`);
    return parseMetrics(await response.text());
  };
  const valueOf = (samples: Sample[], name: string) => samples.find((s) => s.name === name)?.value;

  beforeAll(async () => {
    try {
      const prod = await render({ stack: "prod" });
      rules = parse(prod.files["prometheus/rules/alerts.yml"]);
      const dir = processes.tempDir("blackbox");
      fs.writeFileSync(path.join(dir, "blackbox.yml"), prod.files["blackbox-exporter/blackbox.yml"]);

      // A self-signed certificate for 127.0.0.1 that expires in two days: inside CertificateExpiringSoon's critical window.
      const [keyFile, certFile] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile], { stdio: "ignore" });
      certificateNotAfter = Date.parse(new crypto.X509Certificate(fs.readFileSync(certFile)).validTo) / 1000;

      httpServer = http.createServer(answerOk);
      const tlsServer = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, answerOk);
      servers.push(httpServer, tlsServer);
      httpUrl = `http://127.0.0.1:${await listen(httpServer)}/health`;
      const tlsPort = await listen(tlsServer);
      httpsUrl = `https://127.0.0.1:${tlsPort}/`;
      tlsAddress = `127.0.0.1:${tlsPort}`;

      const address = `127.0.0.1:${await freePort()}`;
      // The exporter trusts the test's certificate as a root, as the cluster's would trust a public CA: Go reads SSL_CERT_FILE.
      const started = processes.start(
        "blackbox_exporter",
        binary("blackbox_exporter")!,
        [`--config.file=${path.join(dir, "blackbox.yml")}`, `--web.listen-address=${address}`],
        undefined,
        { SSL_CERT_FILE: certFile },
      );
      exporter = `http://${address}`;
      await waitUntilReady(started, `${exporter}/-/healthy`);
    } catch (err) {
      await processes.stopAll();
      throw err;
    }
  }, 60000);

  afterAll(async () => {
    await Promise.all(servers.map(close));
    await processes.stopAll();
  });

  test("http_2xx and http_post_2xx succeed against a server answering 200", async () => {
    for (const module of ["http_2xx", "http_post_2xx"]) {
      const samples = await probe(module, httpUrl);
      expect([module, valueOf(samples, "probe_success"), valueOf(samples, "probe_http_status_code")]).toEqual([module, 1, 200]);
    }
  });

  test("an https probe succeeds and reports the certificate's expiry; tcp_connect reaches the port", async () => {
    const samples = await probe("http_2xx", httpsUrl);
    expect(valueOf(samples, "probe_success")).toBe(1);
    expect(valueOf(samples, "probe_ssl_earliest_cert_expiry")).toBe(certificateNotAfter);
    expect(valueOf(await probe("tcp_connect", tlsAddress), "probe_success")).toBe(1);
  });

  test("the icmp module is not there unless the stack allows ICMP", async () => {
    const response = await fetch(`${exporter}${BLACKBOX_PROBE_PATH}?module=icmp&target=127.0.0.1`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Unknown module "icmp"/);
  });

  test("CertificateExpiringSoon fires, warning and critical, on the exporter's own metric and the rendered rules", async () => {
    const samples = await probe("http_2xx", httpsUrl);
    const expiry = samples.find((s) => s.name === "probe_ssl_earliest_cert_expiry")!;
    expect(expiry).toBeDefined();
    const dir = processes.tempDir("promtool");
    fs.writeFileSync(path.join(dir, "alerts.yml"), toYaml(rules));
    // promtool's clock starts at 0: the series holds the seconds left now, so time() - 0 is "now".
    const secondsLeft = Math.round(expiry.value - Date.now() / 1000);
    const labels = { job: "blackbox", instance: httpsUrl, probe: "tls-site", ...expiry.labels };
    const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === "CertificateExpiringSoon")!;
    const firedAt = 60 * (Number(/^(\d+)m$/.exec(rule.for!)![1]) + 1);
    const daysLeft = humanize((secondsLeft - firedAt) / 86400);
    const expected = (severity: string, threshold: string) => ({
      exp_labels: { ...labels, service: "tls-site", severity },
      exp_annotations: {
        summary: "Certificate of tls-site expires soon",
        description: `The earliest-expiring certificate ${httpsUrl} presents expires in ${daysLeft} days (threshold ${threshold}).`,
        runbook_url: `${stackSettings("prod").alerts.runbooksUrl}#certificateexpiringsoon`,
      },
    });
    const tests = {
      rule_files: ["alerts.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [{ series: `${expiry.name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`, values: `${secondsLeft}+0x30` }],
          alert_rule_test: [{ alertname: "CertificateExpiringSoon", eval_time: `${firedAt}s`, exp_alerts: [expected("warning", "14 days"), expected("critical", "3 days")] }],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, "tests.yml"), toYaml(tests));
    const result = run(binary("promtool")!, ["test", "rules", "tests.yml"], dir);
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  // Last: it stops the HTTP server.
  test("the probe fails once the server stops", async () => {
    await close(httpServer);
    const samples = await probe("http_2xx", httpUrl);
    expect(valueOf(samples, "probe_success")).toBe(0);
  });

  withBinaries("prometheus")("Prometheus' multi-target job runs each probe through the exporter, its URL the instance", async () => {
    const probes: Probe[] = [
      { name: "tls-site", url: httpsUrl, module: "http_2xx" },
      { name: "tls-port", url: tlsAddress, module: "tcp_connect" },
    ];
    const config: PrometheusConfig = {
      global: { scrape_interval: "1s", evaluation_interval: "1s", external_labels: {}, keep_dropped_targets: 100 },
      rule_files: [],
      scrape_configs: [blackboxProbeJob(probes, "1s", { kind: "static", targets: [exporter.replace("http://", "")] })],
    };
    const prometheus = await startPrometheus(processes, config, { groups: [] });
    const results = await waitFor(
      "both probes' probe_success in Prometheus",
      async () => {
        const result = await query(prometheus, 'probe_success{job="blackbox"}');
        return result.length === 2 ? result : undefined;
      },
      30000,
      () => processes.logs(),
    );
    const byProbe = Object.fromEntries(results.map((r) => [r.metric.probe, { instance: r.metric.instance, success: r.value[1] }]));
    expect(byProbe).toEqual({ "tls-site": { instance: httpsUrl, success: "1" }, "tls-port": { instance: tlsAddress, success: "1" } });
  }, 60000);
});
