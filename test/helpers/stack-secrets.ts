import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { GENERATED_SECRETS } from "../../configs/settings";
import { PROJECT_ROOT } from "../../scripts/upstream-tools-plan";

/**
 * The secrets a stack needs before the real engine can run it outside its owners' backend, each
 * with a distinctive throwaway value (`config set --secret` keys, `observability:` included):
 * - every `secure:` value of Pulumi.<stack>.yaml (prod's SMTP placeholder), which no other
 *   passphrase decrypts;
 * - every secret the program would otherwise generate with the random provider (GENERATED_SECRETS),
 *   whose plugin no registry here serves (README "Tested against a real control plane").
 */
export function previewSecrets(stack: string): Record<string, string> {
  const stackFile = parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  const secured = Object.entries<any>(stackFile.config ?? {})
    .filter(([, value]) => value && typeof value === "object" && "secure" in value)
    .map(([key]) => key);
  const keys = [...new Set([...secured, ...GENERATED_SECRETS.map((key) => `observability:${key}`)])];
  return Object.fromEntries(keys.map((key) => [key, `test-${key.split(":").pop()}-${randomBytes(12).toString("hex")}`]));
}
