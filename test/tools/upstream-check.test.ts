import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { binary, binaryVersion, isPinned, run, versionOlderThan, withBinaries, withPinnedBinaries } from "../helpers/binaries";
import { copyPrometheusFiles, withCredentialFilesIn } from "../helpers/prometheus-files";
import { render, RenderResult } from "../helpers/render";
import { deepMerge, rawStackSettings } from "../helpers/stack-settings";

/**
 * Debian's prometheus 2.42 (the fallback without Go) is built without Kubernetes service discovery,
 * so its promtool rejects `kubernetes_sd_configs` as an unknown field. On that build only, we check the
 * rest of the file with the real tool by giving it each job with that one block swapped for file-based
 * discovery (relabelling, intervals and paths are checked as written), and check the Kubernetes blocks
 * against the reference here. The pinned build (3.14, `npm run upstream-tools`) reads the file as rendered.
 */
function withoutKubernetesSd(config: any): any {
  const swap = (block: any) => {
    if (!block.kubernetes_sd_configs) return block;
    const { kubernetes_sd_configs, ...rest } = block;
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

const K8S_SD = "Kubernetes service discovery, which Debian's 2.42 is built without";
/** On the Debian fallback only; the pinned build runs the stricter test above it. */
const onDebianPromtool = isPinned("promtool")
  ? (name: string, fn: jest.ProvidesCallback) => test.skip(`${name} [skipped: the pinned promtool checks the file as rendered instead]`, fn)
  : withBinaries("promtool");

describe.each(["dev", "prod"])("the %s stack's configs pass the upstream tools", (stack) => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await render({ stack });
  });

  withPinnedBinaries(K8S_SD, "promtool")("promtool check config on prometheus.yml exactly as rendered, Kubernetes discovery included", () => {
    const rendered = path.join(r.dir, "files/prometheus/prometheus.yml");
    // Every key and value of the file byte for byte (what the server parses at start-up) ...
    const syntax = run(binary("promtool")!, ["check", "config", "--syntax-only", rendered]);
    expect(syntax.output).toContain("is valid prometheus config file syntax");
    expect(syntax.code).toBe(0);
    // ... and the full check: rule files named by the glob, lint, files that must exist, where only
    // the ServiceAccount token path moves to a stand-in (the pod mounts it; this machine has none).
    const dir = copyPrometheusFiles(r, withCredentialFilesIn);
    const full = run(binary("promtool")!, ["check", "config", "prometheus.yml"], dir);
    expect(full.output).toContain("SUCCESS");
    expect(full.output).toMatch(/rules\/alerts\.yml/);
    expect(full.code).toBe(0);
    expect(parse(fs.readFileSync(path.join(dir, "prometheus.yml"), "utf8")).scrape_configs).toEqual(
      expect.arrayContaining([expect.objectContaining({ kubernetes_sd_configs: expect.any(Array) })]),
    );
  });

  onDebianPromtool("promtool check config (Debian 2.42: Kubernetes discovery swapped for file discovery)", () => {
    const dir = copyPrometheusFiles(r, (config, d) => withoutKubernetesSd(withCredentialFilesIn(config, d)));
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
    expect(result.output).toContain("5 receivers"); // email, critical, warning, slack, and the Watchdog's null
    const slack = parse(r.files["alertmanager/alertmanager.yml"]).receivers.find((x: any) => x.name === "slack");
    expect(slack.slack_configs[0].api_url_file).toBe("/etc/alertmanager/secrets/slack-webhook-url");
  });

  // Discord's webhook_url_file arrived in 0.27 and works from 0.28; the stack deploys 0.34. An older
  // amtool (Debian's 0.25) must refuse that one field and nothing else; 0.28 and later must accept it.
  withBinaries("amtool")("with Discord: amtool passes (0.28+), or an older amtool refuses only webhook_url_file", async () => {
    const r = await render({ stack: "dev", set: ['alertmanager={"discord":{"enabled":true}}'], setSecret: ["discordWebhookUrl=https://discord.com/api/webhooks/x"] });
    const config = parse(r.files["alertmanager/alertmanager.yml"]);
    const discord = config.receivers.find((x: any) => x.name === "discord");
    expect(discord.discord_configs).toEqual([
      expect.objectContaining({ webhook_url_file: "/etc/alertmanager/secrets/discord-webhook-url", send_resolved: true, title: expect.any(String), message: expect.any(String) }),
    ]);
    const result = run(binary("amtool")!, ["check-config", path.join(r.dir, "files/alertmanager/alertmanager.yml")]);
    if (versionOlderThan(binaryVersion("amtool")!, "0.28.0")) {
      expect(result.code).not.toBe(0);
      const complaints = result.output.split("\n").filter((l) => /field .* not found/.test(l));
      expect(complaints).toEqual([expect.stringContaining("field webhook_url_file not found")]);
    } else {
      expect(result.output).toContain("SUCCESS");
      expect(result.output).toContain("5 receivers");
      expect(result.code).toBe(0);
    }
  });

  withPinnedBinaries("Discord's webhook_url_file, which Debian's 0.25 refuses", "amtool")("prod with Slack and Discord together: amtool check-config passes", async () => {
    // `--set alertmanager=…` replaces the whole key: merge into prod's own value.
    const alertmanager = deepMerge(rawStackSettings("prod").values.alertmanager as Record<string, unknown>, { slack: { enabled: true }, discord: { enabled: true } });
    const r = await render({
      stack: "prod",
      set: [`alertmanager=${JSON.stringify(alertmanager)}`],
      setSecret: ["slackWebhookUrl=https://hooks.slack.com/services/x", "discordWebhookUrl=https://discord.com/api/webhooks/x"],
    });
    const result = run(binary("amtool")!, ["check-config", path.join(r.dir, "files/alertmanager/alertmanager.yml")]);
    expect(result.output).toContain("SUCCESS");
    expect(result.output).toContain("6 receivers");
    expect(result.code).toBe(0);
  });
});
