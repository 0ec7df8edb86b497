import { render } from "./helpers/render";

// Distinctive values: a leak anywhere would show up verbatim.
const SECRETS = {
  smtpPassword: "smtp-pass-7f3a9c1e",
  slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/slack-7f3a9c1e",
  discordWebhookUrl: "https://discord.com/api/webhooks/1/discord-7f3a9c1e",
  grafanaAdminPassword: "grafana-pass-7f3a9c1e",
};

describe("secret settings", () => {
  test("appear in no ConfigMap, no plain output and no rendered file; only inside Secrets", async () => {
    const r = await render({
      stack: "prod",
      set: ['alertmanager={"smtp":{"authUsername":"alerts@example.com"},"slack":{"enabled":true},"discord":{"enabled":true}}'],
      setSecret: Object.entries(SECRETS).map(([k, v]) => `${k}=${v}`),
    });
    const nonSecrets = r.manifests.filter((m) => m.kind !== "Secret");
    const everywhere = [JSON.stringify(nonSecrets), JSON.stringify(r.outputs), ...Object.values(r.files), JSON.stringify(r.resources)];
    for (const value of Object.values(SECRETS)) {
      for (const text of everywhere) expect(text.includes(value)).toBe(false);
    }
    // The Secrets hold the files the configs point at, redacted in the render.
    const secretKeys = r.manifests.filter((m) => m.kind === "Secret").flatMap((m) => Object.keys(m.stringData));
    expect(secretKeys.sort()).toEqual(["admin-password", "discord-webhook-url", "slack-webhook-url", "smtp-password"]);
    for (const secret of r.manifests.filter((m) => m.kind === "Secret")) {
      expect(Object.values(secret.stringData).every((v) => v === "<redacted>")).toBe(true);
    }
    expect(r.files["alertmanager/alertmanager.yml"]).toContain("smtp_auth_password_file: /etc/alertmanager/secrets/smtp-password");
    expect(r.outputs.grafanaAdminPassword).toEqual({ secret: true });
  });
});
