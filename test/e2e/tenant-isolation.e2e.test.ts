/**
 * No tenant and no single compromised pod can blind the monitoring, shown with the pinned Prometheus
 * 3.14 and Alertmanager 0.34 on 127.0.0.1, running the configs our builders write for the dev stack
 * (static targets stand in for annotated pods: the same job, the same limits and relabelling):
 * - a target over its job's limits is refused whole while the others are scraped, and Prometheus'
 *   head stays within its budget (the memory figures are in README "Security model");
 * - a target cannot bring its own `up`, `cluster`, `severity`, `service`…, nor send Prometheus
 *   elsewhere with a redirect;
 * - without the stack user's password nobody can query, silence or stop anything, while the stack's
 *   own paths (alerts, probes) work; Prometheus picks up a changed rule and refuses a broken one by
 *   itself.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { buildAlertmanagerConfig, SECRET_FILES } from "../../configs/alertmanager";
import { buildAlertRules } from "../../configs/alert-rules";
import { buildPrometheusConfig, PROMETHEUS_WEB_PASSWORD_FILE, RULES_DIR } from "../../configs/prometheus";
import { scrapeLimits } from "../../configs/scrape-limits";
import { StackSettings } from "../../configs/settings";
import { amtoolStatusArgs, clientConfig, promtoolCheckArgs } from "../../configs/web-auth";
import { toYaml } from "../../configs/yaml";
import { binary, describeWithPinnedBinaries, run } from "../helpers/binaries";
import { clientPasswordsDir, query, STACK_USER_AUTH, startAlertmanager, startPrometheus, Started } from "../helpers/monitoring-processes";
import { freePort, ProcessGroup, sleep, waitFor } from "../helpers/processes";
import { stackSettings } from "../helpers/stack-settings";

/** A pod exposing what a careless or hostile tenant would: too many series, forged labels, a redirect. */
class Exposer {
  private server?: http.Server;
  hits = 0;
  constructor(readonly port: number, private readonly respond: (res: http.ServerResponse) => void) {}
  get address() {
    return `127.0.0.1:${this.port}`;
  }
  start(): Promise<void> {
    this.server = http.createServer((_req, res) => {
      this.hits++;
      this.respond(res);
    });
    return new Promise((resolve) => this.server!.listen(this.port, "127.0.0.1", () => resolve()));
  }
  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const text = (body: string) => (res: http.ServerResponse) => {
  res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
  res.end(body);
};
/** `count` series of one metric, each with its own label value: a cardinality explosion. */
const manySeries = (count: number) => Array.from({ length: count }, (_, i) => `tenant_requests_total{user_id="u${i}"} 1`).join("\n") + "\n";

/** Resident memory of a process, from /proc (Linux). */
const residentBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

describeWithPinnedBinaries("Prometheus 3's auto-reload and extra scrape metrics, Alertmanager 0.34's web config", "prometheus", "promtool", "alertmanager", "amtool")(
  "a tenant's pods, and anyone without the stack user's password, against the pinned Prometheus and Alertmanager",
  () => {
    const processes = new ProcessGroup();
    const exposers: Exposer[] = [];
    let settings: StackSettings;
    let prometheus: Started & { dir: string };
    let alertmanager: Started;
    let secretsDir: string;
    const named: Record<string, Exposer> = {};
    const bombers: Exposer[] = [];

    beforeAll(async () => {
      try {
        const ports = await Promise.all(Array.from({ length: 11 }, () => freePort()));
        const [prometheusPort, good, overSamples, forger, redirector, secret, ...bombs] = ports;
        const secretServer = new Exposer(secret, text("secret_metric 42\n"));
        named.good = new Exposer(good, text('fastapi_ok 1\nhttp_requests_total{status="200"} 10\n'));
        // Over the app's sample_limit (dev: 1310), small enough to be read whole.
        named.overSamples = new Exposer(overSamples, text(manySeries(5000)));
        named.forger = new Exposer(
          forger,
          text(
            [
              "up 0",
              "scrape_samples_scraped 999999",
              'ALERTS{alertname="KubeNodeNotReady",alertstate="firing",severity="critical"} 1',
              'forged_metric{cluster="elsewhere",env="prod",severity="critical",alertname="Watchdog",service="payments",prometheus_replica="prometheus-1",namespace="kube-system",job="node-exporter"} 1',
            ].join("\n") + "\n",
          ),
        );
        named.redirector = new Exposer(redirector, (res) => {
          res.writeHead(302, { location: `http://127.0.0.1:${secret}/metrics` });
          res.end();
        });
        // The attack: several pods of 200k series each (refused before they are parsed: the body limit).
        const bomb = manySeries(200_000);
        bombers.push(...bombs.map((port) => new Exposer(port, text(bomb))));
        exposers.push(secretServer, ...Object.values(named), ...bombers);
        named.secret = secretServer;
        await Promise.all(exposers.map((e) => e.start()));

        settings = stackSettings("dev", {
          prometheus: { scrapeInterval: "2s", evaluationInterval: "1s" },
          app: { scrapeInterval: "2s", staticTargets: [named.good, named.overSamples, named.forger, named.redirector, ...bombers].map((e) => e.address) },
          alerts: { scrapeSampleLimitHit: { for: "1s" }, rateWindow: "10s" },
        });
        const amSecrets = processes.tempDir("alertmanager-secrets");
        fs.writeFileSync(path.join(amSecrets, SECRET_FILES.smtpPassword), "not-used");
        alertmanager = await startAlertmanager(processes, buildAlertmanagerConfig({ settings: { ...settings, alertmanager: { ...settings.alertmanager, smtp: { ...settings.alertmanager.smtp, smarthost: `127.0.0.1:${await freePort()}` } } }, secretsDir: amSecrets }));
        secretsDir = clientPasswordsDir(processes);
        const config = buildPrometheusConfig({ settings, targets: { alertmanager: { kind: "static", targets: [alertmanager.address] } }, discoverAppPods: false, secretsDir });
        // Its own address here (in the pod it is localhost:9090): the self-scrape, with the password, feeds the limit alerts.
        config.scrape_configs[0].static_configs = [{ targets: [`127.0.0.1:${prometheusPort}`] }];
        prometheus = await startPrometheus(processes, config, buildAlertRules({ settings }), { reloadIntervalSeconds: 1, port: prometheusPort });
      } catch (err) {
        await Promise.allSettled([processes.stopAll(), ...exposers.map((e) => e.stop())]);
        throw err;
      }
    }, 60_000);

    afterAll(() => Promise.allSettled([processes.stopAll(), ...exposers.map((e) => e.stop())]));

    const upOf = async (e: Exposer) => (await query(prometheus, `up{instance="${e.address}"}`)).map((r) => r.value[1]);

    test("targets over their job's limits are refused whole, the good one is scraped, the head stays small, and ScrapeSampleLimitHit names the target", async () => {
      const limits = scrapeLimits(settings.app.job, settings);
      const fired = await waitFor(
        "ScrapeSampleLimitHit for the target over its sample_limit",
        async () => (await query(prometheus, 'ALERTS{alertname="ScrapeSampleLimitHit", alertstate="firing"}')).find((a) => a.metric.instance === named.overSamples.address),
        40_000,
        () => processes.logs(),
      );
      expect(fired.metric).toMatchObject({ job: "fastapi", severity: "warning" });
      expect(await upOf(named.overSamples)).toEqual(["0"]);
      expect(await upOf(named.good)).toEqual(["1"]);
      expect(await query(prometheus, `fastapi_ok{instance="${named.good.address}"}`)).toHaveLength(1);
      // What the refused target offered, against its limit (extra-scrape-metrics).
      const [offered] = await query(prometheus, `scrape_samples_scraped{instance="${named.overSamples.address}"}`);
      const [limit] = await query(prometheus, `scrape_sample_limit{instance="${named.overSamples.address}"}`);
      expect([Number(offered.value[1]), Number(limit.value[1])]).toEqual([5000, limits.sample_limit]);
      expect(await query(prometheus, "tenant_requests_total")).toEqual([]);
      for (const bomber of bombers) expect(await upOf(bomber)).toEqual(["0"]);
      // Nothing of 1M offered series got in: the head holds the stack's own few thousand at most.
      const [head] = await query(prometheus, 'prometheus_tsdb_head_series{job="prometheus"}');
      const rss = residentBytes(prometheus.process.pid!);
      process.stdout.write(`tenant-isolation: head series ${head?.value[1] ?? "n/a"}, Prometheus RSS ${Math.round(rss / 2 ** 20)} MiB with 5 targets of 200k series and one of 5k refused\n`);
      // 1,005,000 series offered; Prometheus' own and Alertmanager's few thousand stored (unlimited, the
      // same five targets took it to a million series and 1.7 GiB: README "Security model").
      expect(Number(head.value[1])).toBeLessThan(20_000);
      expect(rss).toBeLessThan(400 * 2 ** 20);
    }, 60_000);

    test("a target's own up and forged labels never reach Prometheus; its real up and our labels stay", async () => {
      await waitFor("the forger's series", async () => ((await query(prometheus, "forged_metric")).length > 0 ? true : undefined), 20_000, () => processes.logs());
      const [forged] = await query(prometheus, "forged_metric");
      expect(forged.metric).toEqual({
        __name__: "forged_metric",
        job: "fastapi",
        instance: named.forger.address,
        service: "fastapi",
        // A scraped label that clashes with one of ours is kept aside under another name, never as ours.
        exported_job: "node-exporter",
      });
      // Prometheus' own `up` for the forger: 1, the scrape worked; its `up 0` was dropped, and so were
      // its `scrape_samples_scraped` and the firing alert it claimed.
      expect(await upOf(named.forger)).toEqual(["1"]);
      expect((await query(prometheus, `scrape_samples_scraped{instance="${named.forger.address}"}`)).map((r) => r.value[1])).not.toContain("999999");
      expect(await query(prometheus, `ALERTS{instance="${named.forger.address}"}`)).toEqual([]);
    });

    test("a redirect is not followed: the target is down and the address it points to never hears from Prometheus", async () => {
      await waitFor("the redirecting target to be scraped", async () => ((await upOf(named.redirector)).length > 0 ? true : undefined), 20_000);
      expect(await upOf(named.redirector)).toEqual(["0"]);
      expect(named.redirector.hits).toBeGreaterThan(0);
      expect(named.secret.hits).toBe(0);
    });

    test("without the stack user's password nothing answers: no query, no silence, no reload, no quit", async () => {
      const anonymous = (url: string, init: RequestInit = {}) => fetch(url, init).then((r) => r.status);
      const silence = { matchers: [{ name: "alertname", value: ".+", isRegex: true, isEqual: true }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), createdBy: "tenant", comment: "shh" };
      const postSilence = (headers: Record<string, string>) =>
        fetch(`${alertmanager.url}/api/v2/silences`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(silence) }).then((r) => r.status);
      expect(await postSilence({})).toBe(401);
      expect(await postSilence({ authorization: `Basic ${Buffer.from("observability:wrong").toString("base64")}` })).toBe(401);
      expect(await anonymous(`${alertmanager.url}/api/v2/alerts`)).toBe(401);
      expect(await anonymous(`${prometheus.url}/api/v1/query?query=up`)).toBe(401);
      expect(await anonymous(`${prometheus.url}/-/quit`, { method: "POST" })).toBe(401);
      // Even logged in, the lifecycle API is off: one request cannot stop Prometheus.
      expect(await anonymous(`${prometheus.url}/-/quit`, { method: "POST", headers: STACK_USER_AUTH })).toBe(403);
      expect(await anonymous(`${prometheus.url}/-/reload`, { method: "POST", headers: STACK_USER_AUTH })).toBe(403);
      // The stack user may silence (Grafana, on-call through it).
      expect(await postSilence(STACK_USER_AUTH)).toBe(200);
    });

    test("the stack's own paths work with the password: Prometheus scrapes itself and Alertmanager, and delivers alerts", async () => {
      await waitFor("Prometheus to scrape Alertmanager and to send it alerts", async () => {
        const [am] = await query(prometheus, `up{job="alertmanager"}`);
        const [sent] = await query(prometheus, "prometheus_notifications_sent_total");
        const [errors] = await query(prometheus, "prometheus_notifications_errors_total");
        return am?.value[1] === "1" && Number(sent?.value[1]) > 0 && Number(errors?.value[1]) === 0 ? true : undefined;
      }, 30_000, () => processes.logs());
    }, 40_000);

    test("the probes the kubelet runs: promtool and amtool log in from a password file; without it they fail", () => {
      const clientFile = path.join(secretsDir, "probe-client.yml");
      fs.writeFileSync(clientFile, toYaml(clientConfig(path.join(secretsDir, PROMETHEUS_WEB_PASSWORD_FILE))));
      const promtool = (check: "healthy" | "ready", file: string) => run(binary("promtool")!, promtoolCheckArgs(check, prometheus.url, file));
      expect(promtool("healthy", clientFile)).toMatchObject({ code: 0 });
      expect(promtool("ready", clientFile)).toMatchObject({ code: 0 });
      const noPassword = path.join(secretsDir, "no-password.yml");
      fs.writeFileSync(noPassword, toYaml({ basic_auth: { username: "observability", password: "wrong" } }));
      expect(promtool("ready", noPassword).code).not.toBe(0);
      expect(run(binary("amtool")!, amtoolStatusArgs(alertmanager.url, clientFile))).toMatchObject({ code: 0 });
      expect(run(binary("amtool")!, amtoolStatusArgs(alertmanager.url, noPassword)).code).not.toBe(0);
    });

    test("a changed rule file is picked up without a restart; a broken one is refused and reported, the old rules kept", async () => {
      const rulesFile = path.join(prometheus.dir, RULES_DIR, "alerts.yml");
      const original = fs.readFileSync(rulesFile, "utf8");
      const groupNames = async () => {
        const response = await fetch(`${prometheus.url}/api/v1/rules`, { headers: STACK_USER_AUTH });
        return ((await response.json()) as { data: { groups: { name: string }[] } }).data.groups.map((g) => g.name);
      };
      const reloadOk = async () => (await query(prometheus, "prometheus_config_last_reload_successful"))[0]?.value[1];
      fs.writeFileSync(rulesFile, `${original}\n  - name: added-by-test\n    rules:\n      - record: test:up\n        expr: sum(up)\n`);
      await waitFor("the added rule group", async () => ((await groupNames()).includes("added-by-test") ? true : undefined), 20_000, () => processes.logs());
      fs.writeFileSync(rulesFile, `${original}\n  - name: broken\n    rules:\n      - record: test:broken\n        expr: sum(up\n`);
      await waitFor("Prometheus to report the failed reload", async () => ((await reloadOk()) === "0" ? true : undefined), 20_000, () => processes.logs());
      // Still the last good rules: nothing was dropped for the broken file.
      expect(await groupNames()).toContain("added-by-test");
      fs.writeFileSync(rulesFile, original);
      await waitFor("a good file to load again", async () => ((await reloadOk()) === "1" ? true : undefined), 20_000);
      expect(await groupNames()).not.toContain("added-by-test");
      await sleep(0);
    }, 60_000);
  },
);
