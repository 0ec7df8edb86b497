/**
 * Dev mail you can see: the dev stack's Alertmanager mails the in-cluster mail catcher, and every
 * email receiver delivers there. The real Alertmanager runs the dev render's alertmanager.yml with
 * one change, the smarthost's address (the mail catcher's Service → a local SMTP server that, like
 * Mailpit, takes mail without TLS or authentication).
 */
import { parse } from "yaml";
import { AlertmanagerConfig } from "../../configs/alertmanager";
import { MAIL_CATCHER_SMTP_PORT } from "../../configs/mail-catcher";
import { binary } from "../helpers/binaries";
import { postAlerts, startAlertmanager } from "../helpers/monitoring-processes";
import { freePort, ProcessGroup, waitFor } from "../helpers/processes";
import { find, render, RenderResult } from "../helpers/render";
import { ReceivedEmail, SmtpSink } from "../e2e/notification-sinks";

describe("the dev stack mails its alerts to the in-cluster mail catcher", () => {
  let r: RenderResult;
  let config: AlertmanagerConfig;
  beforeAll(async () => {
    r = await render({ stack: "dev" });
    config = parse(r.files["alertmanager/alertmanager.yml"]);
  }, 120_000);

  test("Alertmanager's smarthost is the mail catcher's Service, plain SMTP without auth; prod keeps its relay", async () => {
    const service = find(r, "Service", "mailpit");
    const smtp = service.spec.ports.find((p: any) => p.name === "smtp");
    expect(smtp.port).toBe(MAIL_CATCHER_SMTP_PORT);
    expect(config.global).toMatchObject({ smtp_smarthost: `mailpit.${service.metadata.namespace}.svc.cluster.local:${smtp.port}`, smtp_require_tls: false });
    expect(config.global.smtp_auth_username).toBeUndefined();
    expect(r.outputs.portForward.mailpit).toBe("kubectl -n monitoring port-forward svc/mailpit 8025:8025");

    const prod = await render({ stack: "prod" });
    expect(parse(prod.files["alertmanager/alertmanager.yml"]).global).toMatchObject({ smtp_smarthost: "smtp.gmail.com:587", smtp_require_tls: true });
    expect(prod.manifests.filter((m) => m.metadata?.name === "mailpit")).toEqual([]);
    expect(prod.outputs.portForward.mailpit).toBeUndefined();
  }, 120_000);

  const describeWithAlertmanager = binary("prometheus-alertmanager") ? describe : describe.skip;
  describeWithAlertmanager("with the real Alertmanager", () => {
    const processes = new ProcessGroup();
    const catcher = new SmtpSink();
    afterAll(async () => {
      await Promise.allSettled([processes.stopAll(), catcher.close()]);
    });

    test("every email receiver delivers there: a critical to on-call and the team, a warning to the team", async () => {
      const smtpPort = await freePort();
      await catcher.listen(smtpPort);
      const alertmanager = await startAlertmanager(processes, { ...config, global: { ...config.global, smtp_smarthost: `127.0.0.1:${smtpPort}` } });
      // Different alert names: the critical would otherwise inhibit the warning of the same group.
      await postAlerts(alertmanager.url, [
        { labels: { alertname: "DevMailCritical", severity: "critical", service: "shop", cluster: "crypto-orchestrator" }, annotations: { summary: "critical in dev" } },
        { labels: { alertname: "DevMailWarning", severity: "warning", service: "shop", cluster: "crypto-orchestrator" }, annotations: { summary: "warning in dev" } },
      ]);

      const emailReceivers = config.receivers.filter((receiver) => receiver.email_configs);
      expect(emailReceivers.map((receiver) => receiver.name).sort()).toEqual(["critical", "email", "warning"]);
      const expected = [
        { to: config.receivers.find((x) => x.name === "critical")!.email_configs![0].to, subject: "[CRITICAL] DevMailCritical" },
        { to: config.receivers.find((x) => x.name === "email")!.email_configs![0].to, subject: expect.stringContaining("DevMailCritical") },
        { to: config.receivers.find((x) => x.name === "warning")!.email_configs![0].to, subject: "[WARNING] DevMailWarning" },
      ];
      const matches = (mail: ReceivedEmail, want: (typeof expected)[number]) => mail.to.includes(want.to) && expect.objectContaining({ subject: want.subject }).asymmetricMatch(mail);
      await waitFor(
        "a mail from each email receiver",
        () => (expected.every((want) => catcher.emails.some((mail) => matches(mail, want))) ? true : undefined),
        60_000,
        () => `caught: ${JSON.stringify(catcher.emails)}\n${processes.logs()}`,
      );
      for (const want of expected) expect(catcher.emails).toContainEqual(expect.objectContaining({ to: expect.arrayContaining([want.to]), subject: want.subject }));
    }, 90_000);
  });
});
