/**
 * `prometheus.replicas: 2` with the real programs on 127.0.0.1: two Prometheus 3 replicas built from
 * the prod settings with the pair switched on, each given its name in PROMETHEUS_REPLICA as its
 * Deployment does, and one Alertmanager 0.34 from the same settings, mailing an SMTP sink.
 *
 * Only what a stack could set itself differs from prod: addresses (static targets instead of
 * Kubernetes discovery), intervals in seconds, a 2s `for:` on ApplicationDown, SMTP without TLS.
 * Needs the pinned builds: Prometheus 2 (Debian's) expands `${VAR}` in external labels only behind
 * a feature flag the deployed Prometheus 3 no longer has.
 */
import * as fs from "fs";
import * as path from "path";
import { buildAlertmanagerConfig, SECRET_FILES } from "../../configs/alertmanager";
import { buildAlertRules } from "../../configs/alert-rules";
import { buildPrometheusConfig, PROMETHEUS_REPLICA_LABEL } from "../../configs/prometheus";
import { StackSettings } from "../../configs/settings";
import { prometheusReplicaName } from "../../components/prometheus";
import { describeWithPinnedBinaries } from "../helpers/binaries";
import { clientPasswordsDir, getAlerts, STACK_USER_AUTH, startAlertmanager, Started } from "../helpers/monitoring-processes";
import { freePort, ProcessGroup, sleep, waitFor } from "../helpers/processes";
import { ownMetric, startPrometheusReplica, StartedReplica } from "../helpers/prometheus-replica";
import { stackSettings } from "../helpers/stack-settings";
import { ReceivedEmail, SmtpSink } from "./notification-sinks";
import { TradingApp } from "./trading-app";

const SCENARIO_MS = 55_000;
const SMTP_PASSWORD = "e2e-smtp-password";

describeWithPinnedBinaries("Prometheus 3 expands ${PROMETHEUS_REPLICA} in external labels", "prometheus", "alertmanager")(
  "a Prometheus pair alerts once, and still alerts with one replica down",
  () => {
    const processes = new ProcessGroup();
    let smtp: SmtpSink | undefined;
    const apps: TradingApp[] = [];
    let settings: StackSettings;
    let alertmanager: Started;
    const replicas: StartedReplica[] = [];

    async function stopEverything(): Promise<void> {
      await Promise.allSettled([processes.stopAll(), ...apps.map((app) => app.stop()), smtp?.close()]);
    }

    beforeAll(async () => {
      try {
        const [smtpPort, ...appPorts] = await Promise.all([freePort(), freePort(), freePort()]);
        settings = stackSettings("prod", {
          prometheus: { replicas: 2, scrapeInterval: "1s", evaluationInterval: "1s" },
          // A few local targets every second: the load these processes carry, not prod's.
          capacity: { activeSeries: 2000 },
          app: { scrapeInterval: "1s", staticTargets: appPorts.map((port) => `127.0.0.1:${port}`) },
          alertmanager: { groupWait: "1s", groupInterval: "1s", smtp: { smarthost: `127.0.0.1:${smtpPort}`, requireTls: false } },
          alerts: { applicationDown: { for: "2s" } },
        });
        smtp = new SmtpSink({ username: settings.alertmanager.smtp.authUsername!, password: SMTP_PASSWORD });
        const secretsDir = processes.tempDir("alertmanager-secrets");
        fs.writeFileSync(path.join(secretsDir, SECRET_FILES.smtpPassword), SMTP_PASSWORD);
        apps.push(...appPorts.map((port) => new TradingApp(port)));
        await Promise.all([smtp.listen(smtpPort), ...apps.map((app) => app.start())]);

        alertmanager = await startAlertmanager(processes, buildAlertmanagerConfig({ settings, secretsDir }));
        const config = buildPrometheusConfig({ settings, targets: { alertmanager: { kind: "static", targets: [alertmanager.address] } }, discoverAppPods: false, secretsDir: clientPasswordsDir(processes) });
        const rules = buildAlertRules({ settings });
        for (let index = 0; index < settings.prometheus.replicas; index++) {
          replicas.push(await startPrometheusReplica(processes, config, rules, prometheusReplicaName(index)));
        }
      } catch (err) {
        await stopEverything();
        throw err;
      }
    }, 30_000);

    afterAll(stopEverything);

    let deadline = 0;
    beforeEach(() => {
      deadline = Date.now() + SCENARIO_MS;
    });
    const remaining = () => Math.max(0, deadline - Date.now());
    const emails = () => smtp?.emails ?? [];
    const diagnostics = () => `emails: ${JSON.stringify(emails().map((e) => [e.to, e.subject]))}\n${processes.logs()}`;
    /** Firing ApplicationDown mails to on-call that name the instance (the default template lists each alert's labels). */
    const downEmailsFor = (instance: string): ReceivedEmail[] =>
      emails().filter((e) => e.to.includes(settings.alertmanager.email.critical) && e.subject === "[CRITICAL] ApplicationDown" && e.body.includes(instance));
    const applicationDownAlerts = async (instance: string) =>
      (await getAlerts(alertmanager.url, { filter: 'alertname="ApplicationDown"' })).filter((a) => a.labels.instance === instance);
    const notificationsSent = (replica: StartedReplica) => ownMetric(replica.url, "prometheus_notifications_sent_total");

    test("each replica carries its own name as external label", async () => {
      for (const [index, replica] of replicas.entries()) {
        // /federate adds the external labels to every series it returns; wait for the first scrape.
        const federated = await waitFor(
          `a federated series from ${prometheusReplicaName(index)}`,
          async () => {
            const text = await (await fetch(`${replica.url}/federate?${new URLSearchParams({ "match[]": "up" })}`, { headers: STACK_USER_AUTH })).text();
            return text.includes("up{") ? text : undefined;
          },
          remaining(),
          diagnostics,
        );
        expect(federated).toContain(`${PROMETHEUS_REPLICA_LABEL}="${prometheusReplicaName(index)}"`);
      }
    }, 60_000);

    test("one instance down: both replicas fire, Alertmanager holds one alert without the replica label and mails on-call once", async () => {
      const [down] = apps;
      const sentBefore = await Promise.all(replicas.map(notificationsSent));
      await down.stop();

      const [email] = await waitFor("the on-call email for the stopped instance", () => (downEmailsFor(down.address).length > 0 ? downEmailsFor(down.address) : undefined), remaining(), diagnostics);
      expect(email.body).not.toContain(PROMETHEUS_REPLICA_LABEL);
      // Both replicas have sent their copy of the alert before we count.
      await waitFor(
        "both replicas to send the alert",
        async () => ((await Promise.all(replicas.map(notificationsSent))).every((sent, i) => sent > sentBefore[i]) ? true : undefined),
        remaining(),
        diagnostics,
      );
      const alerts = await applicationDownAlerts(down.address);
      expect(alerts).toHaveLength(1);
      expect(Object.keys(alerts[0].labels)).not.toContain(PROMETHEUS_REPLICA_LABEL);
      expect(alerts[0].labels).toMatchObject({ cluster: settings.cluster, env: settings.environment, severity: "critical" });

      // Several group intervals later a second replica's copy has still not become a second mail.
      await sleep(4000);
      expect(downEmailsFor(down.address)).toHaveLength(1);
    }, 60_000);

    test("with replica 0 stopped, a new failure still reaches on-call through the other replica", async () => {
      const [stopped, survivor] = replicas;
      await stopped.process.stop();
      const sentBefore = await notificationsSent(survivor);
      const down = apps[1];
      await down.stop();

      await waitFor("the on-call email for the second stopped instance", () => (downEmailsFor(down.address).length > 0 ? true : undefined), remaining(), diagnostics);
      expect(await notificationsSent(survivor)).toBeGreaterThan(sentBefore);
      const alerts = await applicationDownAlerts(down.address);
      expect(alerts).toHaveLength(1);
      expect(Object.keys(alerts[0].labels)).not.toContain(PROMETHEUS_REPLICA_LABEL);
    }, 60_000);
  },
);
