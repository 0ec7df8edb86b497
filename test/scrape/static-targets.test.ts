/**
 * The targets a stack lists by address (`app.staticTargets`, `exporters.redis`/`postgres`) are
 * scraped: the real Prometheus runs the rendered prometheus.yml and lists each one as an active,
 * healthy target of the job the alert rules and dashboards select. The targets are HTTP servers on
 * 127.0.0.1.
 *
 * The pinned Prometheus runs the file as rendered (its Kubernetes discovery simply finds no API
 * server here). Debian's 2.42 is built without Kubernetes discovery, so for it each
 * `kubernetes_sd_configs` block is swapped for an empty file-based discovery, as in
 * test/tools/upstream-check.test.ts; the static jobs and their relabelling run as written.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { parse, stringify } from "yaml";
import { binary, isPinned } from "../helpers/binaries";
import { freePort, ProcessGroup, waitFor, waitUntilReady } from "../helpers/processes";
import { render } from "../helpers/render";

interface ApiTarget {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  health: "up" | "down" | "unknown";
  lastError: string;
}

/** A /metrics endpoint, as the app or an exporter serves it. */
function metricsServer(): http.Server {
  return http.createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end("# TYPE test_target_info gauge\ntest_target_info 1\n");
  });
}

function withoutKubernetesSd(config: any): any {
  const swap = (block: any) => {
    if (!block.kubernetes_sd_configs) return block;
    const { kubernetes_sd_configs: _, ...rest } = block;
    return { ...rest, file_sd_configs: [{ files: ["sd/*.json"] }] };
  };
  return { ...config, scrape_configs: config.scrape_configs.map(swap), alerting: config.alerting && { alertmanagers: config.alerting.alertmanagers.map(swap) } };
}

const describeWithPrometheus = binary("prometheus") ? describe : describe.skip;

describeWithPrometheus("static and exporter targets under the real Prometheus", () => {
  const processes = new ProcessGroup();
  const servers: http.Server[] = [];
  /** Address → the `job` label its series must carry. */
  const expected = new Map<string, string>();
  let url = "";

  beforeAll(async () => {
    try {
      const [app1, app2, redis, postgres, prometheusPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
      for (const port of [app1, app2, redis, postgres]) {
        const server = metricsServer();
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      }
      const address = (port: number) => `127.0.0.1:${port}`;
      expected.set(address(app1), "fastapi").set(address(app2), "fastapi").set(address(redis), "redis").set(address(postgres), "postgresql");

      const r = await render({
        stack: "dev",
        set: [
          `prometheus=${JSON.stringify({ scrapeInterval: "1s", evaluationInterval: "1s" })}`,
          `app=${JSON.stringify({ scrapeInterval: "1s", staticTargets: [address(app1), address(app2)] })}`,
          `exporters=${JSON.stringify({ redis: address(redis), postgres: address(postgres) })}`,
          // Four local targets every second: the load this Prometheus carries, not a cluster's.
          "capacity.activeSeries=2000",
        ],
      });
      const dir = processes.tempDir("prometheus-static-targets");
      for (const [file, content] of Object.entries(r.files)) {
        if (!file.startsWith("prometheus/")) continue;
        const target = path.join(dir, file.slice("prometheus/".length));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
      }
      if (!isPinned("prometheus")) {
        fs.mkdirSync(path.join(dir, "sd"));
        fs.writeFileSync(path.join(dir, "prometheus.yml"), stringify(withoutKubernetesSd(parse(r.files["prometheus/prometheus.yml"]))));
      }
      url = `http://127.0.0.1:${prometheusPort}`;
      const prometheus = processes.start("prometheus", binary("prometheus")!, [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
      ]);
      await waitUntilReady(prometheus, `${url}/-/ready`);
    } catch (err) {
      await stopEverything();
      throw err;
    }
  }, 90_000);

  async function stopEverything(): Promise<void> {
    await Promise.allSettled([processes.stopAll(), ...servers.map((s) => new Promise((resolve) => s.close(resolve)))]);
  }
  afterAll(stopEverything);

  async function targets(): Promise<{ activeTargets: ApiTarget[]; droppedTargets: ApiTarget[] }> {
    const response = await fetch(`${url}/api/v1/targets?state=any`);
    if (!response.ok) throw new Error(`GET /api/v1/targets: ${response.status}`);
    return ((await response.json()) as { data: { activeTargets: ApiTarget[]; droppedTargets: ApiTarget[] } }).data;
  }

  test("every configured target is active, scraped, and carries its job label; none is dropped", async () => {
    const healthy = await waitFor(
      "every static and exporter target to be active and up",
      async () => {
        const { activeTargets } = await targets();
        const ours = activeTargets.filter((t) => expected.has(t.labels.instance));
        return ours.length === expected.size && ours.every((t) => t.health === "up") ? ours : undefined;
      },
      30_000,
      () => processes.logs(),
    );
    expect(Object.fromEntries(healthy.map((t) => [t.labels.instance, t.labels.job]))).toEqual(Object.fromEntries(expected));
    const { droppedTargets } = await targets();
    expect(droppedTargets.filter((t) => expected.has(t.discoveredLabels.__address__))).toEqual([]);
  }, 45_000);
});
