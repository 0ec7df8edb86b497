/**
 * Config read exactly as Pulumi hands it to the program: top-level values as text, structures as
 * JSON text, `--path` fields typed (true/false, integers) or text, secret-marked keys only as secrets.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { readRawSettings, readStackSettings } from "../../components/stack-config";
import { duplicateConfigKeyProblems } from "../../configs/pulumi-values";
import { SettingsError, StackSettings } from "../../configs/settings";

/** The program's settings for this config, as `pulumi up` would hand it over; secretKeys are full keys. */
function settingsFor(config: Record<string, string>, secretKeys: string[] = []): StackSettings {
  const full = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `observability:${k}`, v]));
  pulumi.runtime.setAllConfig(full, secretKeys.map((k) => `observability:${k}`));
  return readStackSettings();
}

function problemsFor(config: Record<string, string>, secretKeys: string[] = []): string[] {
  try {
    settingsFor(config, secretKeys);
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).problems;
  }
  throw new Error("expected a SettingsError");
}

describe("stack config as Pulumi stores it", () => {
  test("a top-level value is text even when it looks like a number or a boolean", () => {
    const s = settingsFor({ cluster: "2024", environment: "true", storageClass: "ebs.csi.gp3", app: '{"namespaces": "all"}' });
    expect(s.cluster).toBe("2024");
    expect(s.environment).toBe("true");
    expect(s.storageClass).toBe("ebs.csi.gp3");
  });

  test("booleans and structures are decoded where the schema expects them", () => {
    const s = settingsFor({ protectData: "true", prometheus: JSON.stringify({ storageGi: 20, retention: "10d", resources: { cpu: 1, memory: "1Gi" } }) });
    expect(s.protectData).toBe(true);
    expect(s.prometheus).toMatchObject({ storageGi: 20, retention: "10d", resources: { cpu: "1", memory: "1Gi", memoryLimit: "2Gi" } });
  });

  test("--path stores 0.02 as text and 90 as a number: both read as numbers", () => {
    const s = settingsFor({ alerts: JSON.stringify({ highErrorRate: { warning: "0.02" }, highDatabaseConnections: { threshold: 90 } }) });
    expect(s.alerts.highErrorRate.warning).toBe(0.02);
    expect(s.alerts.highDatabaseConnections.threshold).toBe(90);
  });

  test("text that is not a structure where one is expected names the key", () => {
    expect(problemsFor({ prometheus: "retention=10d" })).toEqual(["observability:prometheus: must be object, got string"]);
    expect(problemsFor({ protectData: "yes" })).toEqual(["observability:protectData: must be boolean, got string"]);
  });

  test("a secret-marked key that is not a secret setting is refused by name, and never read", () => {
    const config = { alertmanager: JSON.stringify({ smtp: { authUsername: "user-7f3a9c1e" } }) };
    const problems = problemsFor(config, ["alertmanager"]);
    expect(problems).toEqual([expect.stringMatching(/^observability:alertmanager: is stored as a secret .* not a secret setting/)]);
    expect(problems.join("\n")).not.toContain("user-7f3a9c1e");
    expect(readRawSettings().values).not.toHaveProperty("alertmanager");
  });

  test("a secret setting is checked without its value reaching the settings or a message", () => {
    const problems = problemsFor({ smtpPassword: " ", slackWebhookUrl: "http://hooks.slack.com/services/T/B/secret-7f3a9c1e" }, ["smtpPassword", "slackWebhookUrl"]);
    expect(problems).toEqual([
      "observability:smtpPassword: must not be empty",
      expect.stringMatching(/^observability:slackWebhookUrl: must be a https:\/\/ URL/),
    ]);
    expect(problems.join("\n")).not.toContain("secret-7f3a9c1e");
    const s = settingsFor({ smtpPassword: "pw-7f3a9c1e", alertmanager: JSON.stringify({ smtp: { authUsername: "bob" } }) }, ["smtpPassword"]);
    expect(JSON.stringify(s)).not.toContain("pw-7f3a9c1e");
    expect(s.secretsSet.smtpPassword).toBe(true);
  });

  test("a secret setting stored in plain text is refused", () => {
    expect(problemsFor({ smtpPassword: "pw" })).toEqual([expect.stringContaining("observability:smtpPassword: must be stored encrypted")]);
  });

  test("a bare key and its observability: spelling are the same key: both set is an error", () => {
    expect(duplicateConfigKeyProblems(["namespace", "observability:namespace", "cluster", "kubernetes:context"], "observability")).toEqual([
      "observability:namespace: is set 2 times in the stack file (namespace, observability:namespace: the same key to Pulumi); keep one",
    ]);
    expect(duplicateConfigKeyProblems(["namespace", "observability:cluster"], "observability")).toEqual([]);
  });

  test("the program refuses a stack file that sets a key under both spellings", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));
    const cwd = process.cwd();
    try {
      fs.writeFileSync(path.join(dir, `Pulumi.${pulumi.getStack()}.yaml`), "config:\n  namespace: one\n  observability:namespace: two\n");
      process.chdir(dir);
      expect(problemsFor({ namespace: "two" })).toEqual([expect.stringMatching(/^observability:namespace: is set 2 times in the stack file \(namespace, observability:namespace/)]);
    } finally {
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
