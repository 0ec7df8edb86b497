/**
 * The whole alert path with real processes on 127.0.0.1: an app exporting the guide's metrics, the
 * real Prometheus and Alertmanager running the configs our builders produce from the prod stack's
 * settings, and sinks standing in for the SMTP relay and Slack.
 *
 * Only what a stack could set itself differs from prod, passed through parseSettings: addresses
 * (static targets instead of Kubernetes discovery: there is no cluster here), intervals and rate
 * window scaled to seconds, short `for:` on the two alerts the scenarios trigger, SMTP without TLS on
 * loopback, and Slack enabled with its secret; Discord too where Alertmanager reads its
 * `webhook_url_file` (0.28 and later: the pinned 0.34, not Debian's 0.25).
 *
 * Runs the pinned Prometheus 3.14 and Alertmanager 0.34 (`npm run upstream-tools`; required in CI),
 * or Debian's 2.42 and 0.25 without Go: nothing here depends on what differs between them.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { buildAlertmanagerConfig, SECRET_FILES } from "../../configs/alertmanager";
import { buildAlertRules } from "../../configs/alert-rules";
import { buildPrometheusConfig } from "../../configs/prometheus";
import { StackSettings } from "../../configs/settings";
import { binary, binaryVersion, versionOlderThan } from "../helpers/binaries";
import { clientPasswordsDir, getAlerts, startAlertmanager, startPrometheus, Started } from "../helpers/monitoring-processes";
import { freePort, ProcessGroup, sleep, waitFor } from "../helpers/processes";
import { stackSettings } from "../helpers/stack-settings";
import { DiscordMessage, DiscordSink, ReceivedEmail, SlackMessage, SlackSink, SmtpSink } from "./notification-sinks";
import { driveTraffic, TradingApp } from "./trading-app";

/** Each scenario must end within a minute; waits share this budget so a timeout names what never came. */
const SCENARIO_MS = 55_000;
const SMTP_PASSWORD = "e2e-smtp-password";
/**
 * What a hostile pod scraped as the app exposes: its own `up` (0, to fake an outage), a firing-looking
 * series with the labels that steer routing, and request counters claiming another cluster and service.
 */
const HOSTILE_METRICS = [
  "up 0",
  'ALERTS{alertname="Watchdog",alertstate="firing",severity="critical"} 1',
  'http_requests_total{method="GET",endpoint="/",status="500",cluster="elsewhere",severity="critical",service="payments",alertname="Watchdog"} 7',
].join("\n") + "\n";

const haveBinaries = ["prometheus", "alertmanager"].every((name) => binary(name));
const describeWithBinaries = haveBinaries ? describe : describe.skip;
/** Alertmanager before 0.28 refuses Discord's webhook_url_file, which the deployed 0.34 reads. */
const withDiscord = haveBinaries && !versionOlderThan(binaryVersion("alertmanager")!, "0.28.0");

describeWithBinaries("an alert travels from a failing app to the people on call", () => {
  const processes = new ProcessGroup();
  const slack = new SlackSink();
  const discord = new DiscordSink();
  let smtp: SmtpSink | undefined;
  let app: TradingApp;
  let traffic: { stop(): void } | undefined;
  let settings: StackSettings;
  let alertmanager: Started;

  let hostile: http.Server | undefined;
  let hostileAddress = "";

  async function stopEverything(): Promise<void> {
    traffic?.stop();
    hostile?.closeAllConnections();
    await Promise.allSettled([processes.stopAll(), app?.stop(), smtp?.close(), slack.close(), discord.close(), new Promise((resolve) => (hostile ? hostile.close(resolve) : resolve(undefined)))]);
  }

  beforeAll(async () => {
    try {
      const [appPort, smtpPort, slackPort, discordPort, hostilePort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
      settings = stackSettings(
        "prod",
        {
          prometheus: { scrapeInterval: "1s", evaluationInterval: "1s" },
          // A few local targets every second: the load these processes carry, not prod's.
          capacity: { activeSeries: 2000 },
          // A hostile target beside the app, scraped as the app: it forges labels and its own `up`.
          app: { scrapeInterval: "1s", staticTargets: [`127.0.0.1:${appPort}`, `127.0.0.1:${hostilePort}`] },
          // Prod's probes run as often, so the short rate window below still holds two of their samples.
          blackboxExporter: { interval: "1s" },
          alertmanager: {
            groupWait: "1s",
            groupInterval: "1s",
            smtp: { smarthost: `127.0.0.1:${smtpPort}`, requireTls: false },
            slack: { enabled: true },
            discord: { enabled: withDiscord },
          },
          alerts: { rateWindow: "10s", highErrorRate: { for: "2s" }, applicationDown: { for: "2s" } },
        },
        withDiscord ? ["slackWebhookUrl", "discordWebhookUrl"] : ["slackWebhookUrl"],
      );
      // The relay checks prod's SMTP user and the password Alertmanager reads from its secret file.
      smtp = new SmtpSink({ username: settings.alertmanager.smtp.authUsername!, password: SMTP_PASSWORD });
      const secretsDir = processes.tempDir("alertmanager-secrets");
      fs.writeFileSync(path.join(secretsDir, SECRET_FILES.smtpPassword), SMTP_PASSWORD);
      fs.writeFileSync(path.join(secretsDir, SECRET_FILES.slackWebhookUrl), `http://127.0.0.1:${slackPort}/services/T0/B0/e2e`);
      fs.writeFileSync(path.join(secretsDir, SECRET_FILES.discordWebhookUrl), `http://127.0.0.1:${discordPort}/api/webhooks/0/e2e`);

      hostile = http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        res.end(HOSTILE_METRICS);
      });
      await new Promise<void>((resolve) => hostile!.listen(hostilePort, "127.0.0.1", () => resolve()));
      hostileAddress = `127.0.0.1:${hostilePort}`;
      app = new TradingApp(appPort);
      await Promise.all([app.start(), smtp.listen(smtpPort), slack.listen(slackPort), discord.listen(discordPort)]);
      // The app already fails 10% when Prometheus first scrapes it. An error share that ramps up
      // crosses 1% before 5%, and then the warning rightly fires first: the inhibit rule silences a
      // warning only while its critical fires. Starting at 10% makes both fire in one evaluation.
      app.setErrorShare(0.1);
      traffic = driveTraffic(app, 50);

      alertmanager = await startAlertmanager(processes, buildAlertmanagerConfig({ settings, secretsDir }));
      const prometheusConfig = buildPrometheusConfig({
        settings,
        targets: { alertmanager: { kind: "static", targets: [alertmanager.address] } },
        discoverAppPods: false,
        secretsDir: clientPasswordsDir(processes),
      });
      await startPrometheus(processes, prometheusConfig, buildAlertRules({ settings }));
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
  const diagnostics = () =>
    `emails: ${JSON.stringify(emails().map((e) => [e.to, e.subject]))}\nslack: ${JSON.stringify(slack.messages.map((m) => m.titles))}\n` +
    `discord: ${JSON.stringify(discord.messages.map((m) => m.titles))}\n${processes.logs()}`;
  const emailTo = (address: string, matches: (e: ReceivedEmail) => boolean) => () => emails().find((e) => e.to.includes(address) && matches(e));
  const warningEmails = (alert: string) => emails().filter((e) => e.subject === `[WARNING] ${alert}`);
  const slackTitled = (title: string) => () => slack.messages.find((m) => m.titles.some((t) => t.startsWith(title)));
  const waitForEmail = (what: string, address: string, matches: (e: ReceivedEmail) => boolean): Promise<ReceivedEmail> =>
    waitFor(what, emailTo(address, matches), remaining(), diagnostics);
  /** The default email template lists an alert under "Resolved" once it is. */
  const isResolved = (e: ReceivedEmail) => />\[\d+\] Resolved<\/strong>/.test(e.body);
  const waitForSlack = (title: string): Promise<SlackMessage> => waitFor(`a Slack message titled ${title}`, slackTitled(title), remaining(), diagnostics);
  const waitForDiscord = (title: string): Promise<DiscordMessage> =>
    waitFor(`a Discord message titled ${title}`, () => discord.messages.find((m) => m.titles.some((t) => t.startsWith(title))), remaining(), diagnostics);

  const chats = withDiscord ? "Slack and Discord" : "Slack";
  test(`5xx on 10% of requests: [CRITICAL] HighErrorRate reaches on-call and ${chats}, the warning is inhibited`, async () => {
    const { critical: onCall } = settings.alertmanager.email;
    const email = await waitForEmail("the on-call email", onCall, (e) => e.subject === "[CRITICAL] HighErrorRate");
    // The description carries the measured share: 10% of the app's requests, give or take the one
    // request a window boundary can cut.
    const share = /([\d.]+)% of requests to fastapi were answered with a 5xx status/.exec(email.body)?.[1];
    expect(Number(share)).toBeGreaterThan(8);
    expect(Number(share)).toBeLessThan(12);
    const message = await waitForSlack("[FIRING:1] HighErrorRate");
    expect(message.channel).toBe(settings.alertmanager.slack.channel);
    expect(message.texts.join("\n")).toContain("*critical*");
    if (withDiscord) {
      // Posted to the URL Alertmanager read from its secret file.
      const posted = await waitForDiscord("[FIRING:1] HighErrorRate");
      expect(posted.path).toBe("/api/webhooks/0/e2e");
      expect(posted.descriptions.join("\n")).toContain("*critical*");
    }

    // Positive proof, not only silence: Alertmanager holds the warning, muted by the critical.
    const alerts = await getAlerts(alertmanager.url, { filter: 'alertname="HighErrorRate"' });
    const critical = alerts.find((a) => a.labels.severity === "critical")!;
    const warning = alerts.find((a) => a.labels.severity === "warning");
    expect(warning?.status).toMatchObject({ state: "suppressed", inhibitedBy: [critical.fingerprint] });
    expect(critical.labels).toMatchObject({ cluster: settings.cluster, job: settings.app.job });

    // Several group intervals later, still no warning mail for this group.
    await sleep(4000);
    expect(warningEmails("HighErrorRate")).toEqual([]);
  }, 60_000);

  test(`errors stop: resolved notifications reach on-call, the team and ${chats}, and the warning never speaks`, async () => {
    app.setErrorShare(0);
    const { team, critical: onCall } = settings.alertmanager.email;
    await waitForEmail("the team's resolved email", team, (e) => e.subject.startsWith("[RESOLVED] HighErrorRate"));
    await waitForEmail("on-call's resolved email", onCall, (e) => e.subject === "[CRITICAL] HighErrorRate" && isResolved(e));
    await waitForSlack("[RESOLVED] HighErrorRate");
    if (withDiscord) await waitForDiscord("[RESOLVED] HighErrorRate");
    // The 5xx share fell through the warning's band while the critical still fired (keep_firing_for),
    // so the warning resolved unseen; a released one would be sent within a group interval.
    await sleep(3000);
    expect(warningEmails("HighErrorRate")).toEqual([]);
    expect(discord.messages.flatMap((m) => m.descriptions).filter((d) => d.includes("*warning*"))).toEqual([]);
  }, 60_000);

  test("the app stops: ApplicationDown reaches on-call and Slack", async () => {
    await app.stop();
    const email = await waitForEmail("the on-call email", settings.alertmanager.email.critical, (e) => e.subject === "[CRITICAL] ApplicationDown");
    expect(email.body).toContain(`Prometheus has failed to scrape ${app.address} of fastapi`);
    await waitForSlack("[FIRING:1] ApplicationDown");
  }, 60_000);

  test("the hostile target's forged labels and `up` reach no alert and no notification", async () => {
    const alerts = await getAlerts(alertmanager.url);
    expect(alerts.filter((a) => a.labels.instance === hostileAddress).map((a) => a.labels.alertname)).toEqual([]);
    for (const alert of alerts) expect([alert.labels.alertname, alert.labels.cluster]).toEqual([alert.labels.alertname, settings.cluster]);
    const sent = [...emails().map((e) => e.subject), ...slack.messages.flatMap((m) => m.titles)].join("\n");
    expect(sent).not.toMatch(/Watchdog|elsewhere/);
  });

  test("the app recovers: resolved notifications reach on-call, the team and Slack", async () => {
    await app.start();
    const { team, critical: onCall } = settings.alertmanager.email;
    await waitForEmail("the team's resolved email", team, (e) => e.subject.startsWith("[RESOLVED] ApplicationDown"));
    await waitForEmail("on-call's resolved email", onCall, (e) => e.subject === "[CRITICAL] ApplicationDown" && isResolved(e));
    await waitForSlack("[RESOLVED] ApplicationDown");
  }, 60_000);
});
