import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GENERATED_SECRETS } from "../configs/settings";
import { render, runRenderCommand } from "./helpers/render";

// Distinctive values: a leak anywhere would show up verbatim.
const SECRETS = {
  smtpPassword: "smtp-pass-7f3a9c1e",
  slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/slack-7f3a9c1e",
  discordWebhookUrl: "https://discord.com/api/webhooks/1/discord-7f3a9c1e",
  grafanaAdminPassword: "grafana-pass-7f3a9c1e",
  grafanaOidcClientSecret: "oidc-secret-7f3a9c1e",
  prometheusWebPassword: "prometheus-web-7f3a9c1e",
  alertmanagerWebPassword: "alertmanager-web-7f3a9c1e",
  grafanaSecretKey: "grafana-key-7f3a9c1e",
};
const SSO = {
  storageGi: 10,
  ingress: { host: "grafana.example.com", tlsSecretName: "grafana-tls" },
  auth: { oidc: { clientId: "grafana", authUrl: "https://id.example.com/auth", tokenUrl: "https://id.example.com/token", apiUrl: "https://id.example.com/userinfo" } },
};

describe("secret settings", () => {
  test("appear in no ConfigMap, no plain output and no rendered file; only inside Secrets", async () => {
    const r = await render({
      stack: "prod",
      set: ['alertmanager={"smtp":{"authUsername":"alerts@example.com"},"slack":{"enabled":true},"discord":{"enabled":true}}', `grafana=${JSON.stringify(SSO)}`],
      setSecret: Object.entries(SECRETS).map(([k, v]) => `${k}=${v}`),
    });
    const nonSecrets = r.manifests.filter((m) => m.kind !== "Secret");
    const everywhere = [JSON.stringify(nonSecrets), JSON.stringify(r.outputs), ...Object.values(r.files), JSON.stringify(r.resources)];
    for (const value of Object.values(SECRETS)) {
      for (const text of everywhere) expect(text.includes(value)).toBe(false);
    }
    // The Secrets hold the files the configs point at, redacted in the render.
    const secretKeys = r.manifests.filter((m) => m.kind === "Secret").flatMap((m) => Object.keys(m.stringData));
    expect(secretKeys.sort()).toEqual([
      "admin-password",
      "alertmanager-web-password",
      "discord-webhook-url",
      "oidc-client-secret",
      // The stack user's credentials for each server's clients (prometheus-web-client, alertmanager-web-client) …
      "password",
      "password",
      "prometheus-web-password",
      "secret-key",
      "slack-webhook-url",
      "smtp-password",
      "username",
      "username",
      // … and each server's bcrypt hash (prometheus-web-config, alertmanager-web-config).
      "web.yml",
      "web.yml",
    ]);
    for (const secret of r.manifests.filter((m) => m.kind === "Secret")) {
      expect(Object.values(secret.stringData).every((v) => v === "<redacted>")).toBe(true);
    }
    expect(r.files["alertmanager/alertmanager.yml"]).toContain("smtp_auth_password_file: /etc/alertmanager/secrets/smtp-password");
    expect(r.outputs.grafanaAdminPassword).toEqual({ secret: true });
    // With every secret the program would otherwise generate set, it needs no random provider (test/helpers/stack-secrets.ts).
    expect(GENERATED_SECRETS.filter((key) => !(key in SECRETS))).toEqual([]);
    expect(r.resources.filter((resource) => resource.type.startsWith("random:"))).toEqual([]);
    // Grafana reads the OIDC client secret from its mounted Secret: grafana.ini names only the file.
    expect(r.files["grafana/grafana.ini"]).toContain("client_secret = $__file{/etc/grafana/secrets/oidc-client-secret}");
  });

  test("a field of a structured setting stored as a secret is refused by name and reaches no file", async () => {
    // `pulumi config set --secret --path observability:alertmanager.smtp.authUsername …` marks the whole key secret.
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "structured-secret-")), "out");
    try {
      const result = await runRenderCommand(["--stack", "prod", "--out", out, "--set-secret", "alertmanager.smtp.authUsername=user-7f3a9c1e"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^observability:alertmanager: is stored as a secret .* not a secret setting/m);
      expect(`${result.stdout}${result.stderr}`).not.toContain("user-7f3a9c1e");
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
