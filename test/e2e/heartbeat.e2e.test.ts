/**
 * The dead man's switch with real processes on 127.0.0.1: the prod stack's Prometheus pair and its
 * Alertmanager cluster of three, running the configs our builders produce, and a local sink standing
 * in for the heartbeat service. Only timings differ from prod, set through the stack's own settings
 * (evaluation interval and resend delay of 500ms, a 3s heartbeat, 1s group interval), and the
 * addresses (127.0.0.1 instead of Kubernetes discovery).
 *
 * Runs the pinned Prometheus 3.14 and Alertmanager 0.34 (`npm run upstream-tools`; required in CI):
 * the heartbeat's webhook reads its URL from a file (`url_file`, Alertmanager 0.26 and later).
 */
import * as fs from "fs";
import * as path from "path";
import { buildAlertmanagerConfig, SECRET_FILES } from "../../configs/alertmanager";
import { buildAlertRules } from "../../configs/alert-rules";
import { WATCHDOG_ALERT } from "../../configs/dead-mans-switch";
import { buildPrometheusConfig, commandLineFlags, prometheusSettingsFlags } from "../../configs/prometheus";
import { durationToMs, StackSettings } from "../../configs/settings";
import { prometheusReplicaName } from "../../components/prometheus";
import { describeWithPinnedBinaries } from "../helpers/binaries";
import { clientPasswordsDir, startAlertmanagerCluster, StartedAlertmanager } from "../helpers/monitoring-processes";
import { freePort, ProcessGroup, sleep, waitFor } from "../helpers/processes";
import { startPrometheusReplica, StartedReplica } from "../helpers/prometheus-replica";
import { stackSettings } from "../helpers/stack-settings";
import { HeartbeatSink } from "./notification-sinks";

/** How late a process on a loaded 2-core machine may act, on top of what the configuration promises. */
const SLACK_MS = 1500;
/**
 * How late the last heartbeat may come after a stop, on top of the promise, while the whole suite
 * loads the machine (seen: 1.9s). A stream that went on would still show: the test watches four
 * intervals, two more heartbeats' worth past this bound.
 */
const STOP_SLACK_MS = 3000;

describeWithPinnedBinaries("Alertmanager 0.26+ reads the webhook URL from url_file", "prometheus", "alertmanager")(
  "the Watchdog heartbeat: one stream from the Prometheus pair and the Alertmanager cluster, and silence when either dies",
  () => {
    const processes = new ProcessGroup();
    const sink = new HeartbeatSink();
    let settings: StackSettings;
    let alertmanagers: StartedAlertmanager[];
    let replicas: StartedReplica[];
    let intervalMs: number;
    let groupIntervalMs: number;

    const startPrometheusPair = () => {
      const config = buildPrometheusConfig({
        settings,
        targets: { alertmanager: { kind: "static", targets: alertmanagers.map((a) => a.address) } },
        discoverAppPods: false,
        secretsDir: clientPasswordsDir(processes),
      });
      const flags = commandLineFlags(prometheusSettingsFlags(settings));
      return Promise.all([0, 1].map((i) => startPrometheusReplica(processes, config, buildAlertRules({ settings }), prometheusReplicaName(i), flags)));
    };

    beforeAll(async () => {
      try {
        const [sinkPort, closedSmtpPort] = await Promise.all([freePort(), freePort()]);
        settings = stackSettings(
          "prod",
          {
            prometheus: { replicas: 2, scrapeInterval: "1s", evaluationInterval: "500ms", alertResendDelay: "500ms" },
            app: { scrapeInterval: "1s" },
            alertmanager: { groupWait: "1s", groupInterval: "1s", heartbeat: { interval: "3s" }, smtp: { smarthost: `127.0.0.1:${closedSmtpPort}`, requireTls: false } },
            alerts: { rateWindow: "10s" },
            // A loopback stack: a few thousand series scraped every second, no probes of the internet.
            capacity: { activeSeries: 2000 },
            probes: [],
          },
          ["heartbeatUrl"],
        );
        intervalMs = durationToMs(settings.alertmanager.heartbeat.interval);
        groupIntervalMs = durationToMs(settings.alertmanager.groupInterval);
        const secretsDir = processes.tempDir("alertmanager-secrets");
        fs.writeFileSync(path.join(secretsDir, SECRET_FILES.smtpPassword), "not-used");
        fs.writeFileSync(path.join(secretsDir, SECRET_FILES.heartbeatUrl), `http://127.0.0.1:${sinkPort}/ping/e2e-check`);
        await sink.listen(sinkPort);
        alertmanagers = await startAlertmanagerCluster(processes, buildAlertmanagerConfig({ settings, secretsDir }), settings.alertmanager.replicas);
        replicas = await startPrometheusPair();
      } catch (err) {
        await Promise.allSettled([processes.stopAll(), sink.close()]);
        throw err;
      }
    }, 120_000);

    afterAll(() => Promise.allSettled([processes.stopAll(), sink.close()]));

    const diagnostics = () => `heartbeats at: ${JSON.stringify(sink.messages.map((m) => m.at - sink.messages[0]?.at))}\n${processes.logs()}`;
    const heartbeatsAfter = (since: number) => sink.messages.filter((m) => m.at > since);
    const gaps = (since: number) => {
      const times = heartbeatsAfter(since).map((m) => m.at);
      return times.slice(1).map((t, i) => t - times[i]);
    };
    /** Waits for `count` heartbeats after `since`; returns them. */
    const waitForHeartbeats = (count: number, since: number, timeoutMs: number) =>
      waitFor(`${count} heartbeats`, () => (heartbeatsAfter(since).length >= count ? heartbeatsAfter(since) : undefined), timeoutMs, diagnostics);

    test("heartbeats arrive every interval, one stream for two Prometheus replicas and three Alertmanagers, each carrying only the Watchdog", async () => {
      // The cluster settles its gossip before its first notification.
      const first = await waitForHeartbeats(1, 0, 60_000);
      const since = first[0].at - 1;
      await waitForHeartbeats(5, since, 6 * (intervalMs + groupIntervalMs) + SLACK_MS);
      for (const gap of gaps(since)) {
        // Two streams (one per Prometheus or per Alertmanager) would put pings much closer than an interval.
        expect(gap).toBeGreaterThanOrEqual(intervalMs - SLACK_MS / 3);
        expect(gap).toBeLessThanOrEqual(intervalMs + groupIntervalMs + SLACK_MS);
      }
      expect(new Set(sink.messages.flatMap((m) => m.alertnames))).toEqual(new Set([WATCHDOG_ALERT]));
      expect(new Set(sink.messages.map((m) => m.path))).toEqual(new Set(["/ping/e2e-check"]));
    }, 90_000);

    test("one Alertmanager of three stops: the heartbeat goes on, still one stream", async () => {
      const stoppedAt = Date.now();
      await alertmanagers[0].process.stop();
      await waitForHeartbeats(3, stoppedAt, 3 * (intervalMs + groupIntervalMs) + 15_000 + SLACK_MS);
      // The survivors wait their turn in the cluster (15s peer timeout per position) only while they still count the stopped one.
      for (const gap of gaps(stoppedAt)) expect(gap).toBeGreaterThanOrEqual(intervalMs - SLACK_MS / 3);
    }, 90_000);

    test("both Prometheus replicas stop: heartbeats stop within one interval plus the group interval", async () => {
      const stoppedAt = Date.now();
      await Promise.all(replicas.map((r) => r.process.stop()));
      // Long enough for two more heartbeats past the bound had anything kept sending them.
      await sleep(4 * intervalMs);
      const late = heartbeatsAfter(stoppedAt + intervalMs + groupIntervalMs + STOP_SLACK_MS);
      expect(late.map((m) => m.at - stoppedAt)).toEqual([]);
    }, 60_000);

    test("Prometheus back: heartbeats resume; every Alertmanager stops: they stop within one interval plus the group interval", async () => {
      const restartedAt = Date.now();
      replicas = await startPrometheusPair();
      await waitForHeartbeats(2, restartedAt, 30_000);
      const stoppedAt = Date.now();
      await Promise.all(alertmanagers.map((a) => a.process.stop()));
      await sleep(4 * intervalMs);
      expect(heartbeatsAfter(stoppedAt + intervalMs + groupIntervalMs + STOP_SLACK_MS).map((m) => m.at - stoppedAt)).toEqual([]);
    }, 90_000);
  },
);
