import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { binary, run, withBinaries } from "../helpers/binaries";
import { render, RenderResult } from "../helpers/render";

/**
 * Debian's prometheus 2.42 is built without Kubernetes service discovery, so its promtool rejects
 * `kubernetes_sd_configs` as an unknown field. We check the rest of the file with the real tool by
 * giving it each job with that one block swapped for file-based discovery (relabelling, intervals
 * and paths are checked as written), and check the Kubernetes blocks against the reference here.
 */
function withoutKubernetesSd(config: any, podFilesDir: string): any {
  const swap = (block: any) => {
    if (!block.kubernetes_sd_configs) return block;
    const { kubernetes_sd_configs, ...rest } = block;
    // promtool checks that credential files exist; the ServiceAccount token exists only inside the pod.
    if (rest.authorization?.credentials_file) {
      const standIn = path.join(podFilesDir, path.basename(rest.authorization.credentials_file));
      fs.writeFileSync(standIn, "token");
      rest.authorization = { ...rest.authorization, credentials_file: standIn };
    }
    for (const sd of kubernetes_sd_configs) {
      expect(["pod", "endpoints", "endpointslice", "service", "node", "ingress"]).toContain(sd.role);
      expect(Object.keys(sd).every((k) => ["role", "namespaces", "selectors", "api_server", "attach_metadata"].includes(k))).toBe(true);
      if (sd.namespaces) expect(Array.isArray(sd.namespaces.names)).toBe(true);
    }
    return { ...rest, file_sd_configs: [{ files: ["sd/*.json"] }] };
  };
  return {
    ...config,
    scrape_configs: config.scrape_configs.map(swap),
    alerting: config.alerting ? { alertmanagers: config.alerting.alertmanagers.map(swap) } : undefined,
  };
}

function copyPrometheusFiles(r: RenderResult): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
  for (const [file, content] of Object.entries(r.files)) {
    if (!file.startsWith("prometheus/")) continue;
    const target = path.join(dir, file.slice("prometheus/".length));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  const config = parse(fs.readFileSync(path.join(dir, "prometheus.yml"), "utf8"));
  fs.writeFileSync(path.join(dir, "prometheus.yml"), stringify(withoutKubernetesSd(config, dir)));
  return dir;
}

describe.each(["dev", "prod"])("the %s stack's configs pass the upstream tools", (stack) => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await render({ stack });
  });

  withBinaries("promtool")("promtool check config (and the rule files it names)", () => {
    const dir = copyPrometheusFiles(r);
    const result = run(binary("promtool")!, ["check", "config", "prometheus.yml"], dir);
    expect(result.output).toContain("SUCCESS");
    expect(result.output).toMatch(/rules\/alerts\.yml/);
    expect(result.code).toBe(0);
  });

  withBinaries("promtool")("promtool check rules", () => {
    const dir = copyPrometheusFiles(r);
    const result = run(binary("promtool")!, ["check", "rules", "rules/alerts.yml"], dir);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.code).toBe(0);
  });

  withBinaries("amtool")("amtool check-config", () => {
    const file = path.join(r.dir, "files/alertmanager/alertmanager.yml");
    const result = run(binary("amtool")!, ["check-config", file]);
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });
});

describe("receiver variants", () => {
  withBinaries("amtool")("with Slack: amtool check-config passes and the webhook is read from the Secret file", async () => {
    const r = await render({ stack: "dev", set: ['alertmanager={"slack":{"enabled":true}}'], setSecret: ["slackWebhookUrl=https://hooks.slack.com/services/x"] });
    const result = run(binary("amtool")!, ["check-config", path.join(r.dir, "files/alertmanager/alertmanager.yml")]);
    expect(result.output).toContain("SUCCESS");
    expect(result.output).toContain("4 receivers");
    const slack = parse(r.files["alertmanager/alertmanager.yml"]).receivers.find((x: any) => x.name === "slack");
    expect(slack.slack_configs[0].api_url_file).toBe("/etc/alertmanager/secrets/slack-webhook-url");
  });

  // Debian's amtool is 0.25; discord's webhook_url_file arrived in 0.27 and works from 0.28, which we deploy.
  withBinaries("amtool")("with Discord: amtool 0.25 rejects only webhook_url_file (0.28+ field); the rest is checked structurally", async () => {
    const r = await render({ stack: "dev", set: ['alertmanager={"discord":{"enabled":true}}'], setSecret: ["discordWebhookUrl=https://discord.com/api/webhooks/x"] });
    const config = parse(r.files["alertmanager/alertmanager.yml"]);
    const discord = config.receivers.find((x: any) => x.name === "discord");
    expect(discord.discord_configs).toEqual([
      expect.objectContaining({ webhook_url_file: "/etc/alertmanager/secrets/discord-webhook-url", send_resolved: true, title: expect.any(String), message: expect.any(String) }),
    ]);
    const result = run(binary("amtool")!, ["check-config", path.join(r.dir, "files/alertmanager/alertmanager.yml")]);
    expect(result.code).not.toBe(0);
    const complaints = result.output.split("\n").filter((l) => /field .* not found/.test(l));
    expect(complaints).toEqual([expect.stringContaining("field webhook_url_file not found")]);
  });
});
