import * as fs from "fs";
import { z } from "zod";
import { settingsSchema } from "../../configs/settings";
import { README, readmeWithReference, settingsReference } from "../../scripts/settings-reference";

/** Every leaf key of the schema, as the reference spells it (`grafana.communityDashboards[].id`). */
function leafKeys(schema: z.ZodTypeAny, key: string): string[] {
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional || schema instanceof z.ZodEffects) {
    schema = schema instanceof z.ZodEffects ? schema.innerType() : schema._def.innerType;
  }
  if (schema instanceof z.ZodArray && leafKeys(schema.element, "").length > 1) return leafKeys(schema.element, `${key}[]`);
  if (schema instanceof z.ZodObject) return Object.entries(schema.shape as Record<string, z.ZodTypeAny>).flatMap(([k, v]) => leafKeys(v, key ? `${key}.${k}` : k));
  return [key];
}

describe("README settings reference", () => {
  test("is what npm run settings-reference generates from the schema (run it after changing configs/settings/)", () => {
    const readme = fs.readFileSync(README, "utf8");
    expect(readme).toBe(readmeWithReference(readme));
  });

  test("lists every key of the schema with its type and default", () => {
    const reference = settingsReference();
    const keys = leafKeys(settingsSchema, "");
    expect(keys.length).toBeGreaterThan(50);
    for (const key of keys) expect(reference).toMatch(new RegExp(`^\\| \`${key.replace(/[.[\]]/g, "\\$&")}\` \\| \\S`, "m"));
    expect(reference).toMatch(/^\| `prometheus\.retention` \| string \| `7d` \| a duration like 15s/m);
    expect(reference).toMatch(/^\| `alerts\.highErrorRate\.warning` \| number \| `0\.01` \| finite, > 0, < 1 \|/m);
    expect(reference).toMatch(/^\| `logAgent` \| string \| `promtail` \| one of promtail, alloy, none \|/m);
    expect(reference).toMatch(/^\| `slackWebhookUrl` \| secret \| unset \| an https:\/\/ URL/m);
  });
});
