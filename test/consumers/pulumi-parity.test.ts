/**
 * The render reads a stack file and `--set` values exactly as the Pulumi CLI (v3.276) does: the
 * stack file through Go's yaml.v3 (anchors, aliases, merge keys, duplicate keys refused), `--path`
 * values typed by the CLI's coercion (strconv). Compared on generated inputs with the Go parsers
 * (test/consumers), plus the program's own refusals: a misspelt config namespace, and keys that are
 * JavaScript's object machinery at any depth.
 */
import fc from "fast-check";
import { namespaceTypoProblems, parseStackFileText } from "../../configs/pulumi-values";
import { parseSettings, SettingsError } from "../../configs/settings";
import { pathValue } from "../../scripts/render";
import { askConsumers, DIFFERENTIAL_RUNS } from "../helpers/consumers";
import { runRenderCommand } from "../helpers/render";

const SEED = 5;
/** Stack files are parsed twice in JavaScript per input: fewer than the value grammars, enough to reach every shape. */
const STACK_FILE_RUNS = Math.min(DIFFERENTIAL_RUNS, 3_000);

/** JSON with every object's keys sorted (Go's encoding/json sorts map keys). */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));

/** Stack files built from small pieces: anchors, aliases, merges of one map or several, keys written twice, YAML's odd scalars. */
const scalar = fc.constantFrom("1", "x", "true", "false", "yes", "no", "on", "~", "null", "1.5", "0x10", "0o17", "1_000", "1e3", ".inf", "2001-01-01", "2001-1-2T03:04:05Z", "2001-02-30", "'0123'", '"a: b"', "-0", "+20", "007", "[1, 2]", "{x: 1}");
const key = fc.constantFrom("a", "b", "c", "observability:app", "observability:namespace", "namespace");
const entry = fc.tuple(key, scalar).map(([k, v]) => `${k}: ${v}`);
const mapping = fc.array(entry, { minLength: 1, maxLength: 4 });
const stackFile = fc
  .tuple(mapping, mapping, mapping, fc.constantFrom("none", "merge", "mergeList", "alias", "mergeOverride"), fc.array(entry, { maxLength: 3 }))
  .map(([base, other, own, how, topLevel]) => {
    const indent = (lines: string[], n: number) => lines.map((l) => " ".repeat(n) + l).join("\n");
    const uses: Record<string, string> = {
      none: indent(own, 6),
      merge: `      <<: *base\n${indent(own, 6)}`,
      mergeList: `      <<: [*base, *other]\n${indent(own, 6)}`,
      alias: "",
      mergeOverride: `${indent(own, 6)}\n      <<: *other`,
    };
    const value = how === "alias" ? " *base" : `\n${uses[how]}`;
    return `config:\n  x-base: &base\n${indent(base, 4)}\n  x-other: &other\n${indent(other, 4)}\n  observability:app:${value}\n${indent(topLevel, 2)}\n`;
  });

describe("stack files, as the Pulumi CLI's yaml.v3 reads them", () => {
  test(`${STACK_FILE_RUNS} generated stack files: refused exactly where Pulumi refuses them, otherwise read to the same values`, () => {
    const files = [...new Set(fc.sample(stackFile, { numRuns: STACK_FILE_RUNS, seed: SEED }))];
    const answers = askConsumers(files.map((value) => ({ op: "pulumiStackYaml", value })));
    const disagreements = files.flatMap((text, i) => {
      const ours = parseStackFileText(text, "Pulumi.test.yaml");
      const go = answers[i];
      const same = typeof ours === "string" ? !go.ok : go.ok && canonical(ours) === canonical(JSON.parse(go.json));
      return same ? [] : [{ text, ours, go }];
    });
    expect(disagreements.slice(0, 5)).toEqual([]);
    expect(answers.filter((a) => a.ok).length).toBeGreaterThan(files.length / 10);
    expect(answers.filter((a) => !a.ok).length).toBeGreaterThan(files.length / 10);
  });

  test("a nested key written twice is refused in one line naming the file and line", () => {
    expect(parseStackFileText("config:\n  observability:app:\n    job: a\n    job: b\n", "Pulumi.dev.yaml")).toMatch(/^Pulumi\.dev\.yaml: a key is written twice in one mapping, which pulumi refuses at line 4, column 5; keep one$/);
  });
});

describe("--path values, typed as `pulumi config set --path` types them", () => {
  test(`${DIFFERENTIAL_RUNS} generated values: the same JSON value`, () => {
    const text = fc.oneof(
      fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n }).map(String),
      fc.tuple(fc.constantFrom("", "+", "-", "0", "00", " "), fc.nat().map(String), fc.constantFrom("", ".5", "e3", "x", " ")).map((p) => p.join("")),
      fc.constantFrom("true", "false", "True", "TRUE", "1", "0", "-0", "+0", "+20", "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809", "+9223372036854775808", "0x10", "1_000", ""),
    );
    const values = [...new Set(fc.sample(text, { numRuns: DIFFERENTIAL_RUNS, seed: SEED + 1 }))];
    const answers = askConsumers(values.map((value) => ({ op: "pulumiPathValue", value })));
    const disagreements = values.filter((v, i) => JSON.stringify(pathValue(v)) !== JSON.stringify(JSON.parse(answers[i].json)));
    expect(disagreements.slice(0, 8).map((v) => ({ v, ours: pathValue(v), pulumi: answers[values.indexOf(v)].json }))).toEqual([]);
  });
});

describe("keys the program refuses wherever they appear", () => {
  test("a config namespace within two edits of observability: did you mean", () => {
    expect(namespaceTypoProblems(["observabilty:namespace", "observability:namespace", "Observability:x", "obsrvabilty:y", "kubernetes:context", "namespace"], "observability")).toEqual([
      'observabilty:namespace: unknown config namespace "observabilty"; did you mean observability:namespace?',
      'Observability:x: unknown config namespace "Observability"; did you mean observability:x?',
      'obsrvabilty:y: unknown config namespace "obsrvabilty"; did you mean observability:y?',
    ]);
  });

  test("the render refuses a misspelt namespace before anything is written", async () => {
    const result = await runRenderCommand(["--stack", "dev", "--out", "/tmp/never-written-render", "--set", "observabilty:namespace=shop"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('observabilty:namespace: unknown config namespace "observabilty"; did you mean observability:namespace?');
  }, 60_000);

  test.each([
    ["__proto__ at the top", { __proto__x: 1 }, "__proto__"],
    ["constructor at the top", { constructor: "x" }, "constructor"],
    ["__proto__ inside a record", { grafana: { communityDashboards: [{ id: 1, revision: 1, datasources: JSON.parse('{"__proto__": "prometheus"}') }] } }, "__proto__"],
    ["prototype deep inside an object", { networkPolicies: { dns: { podLabels: { prototype: "x" } } } }, "prototype"],
    ["__proto__ in JSON text", { alertmanager: '{"smtp": {"__proto__": {"requireTls": false}}}' }, "__proto__"],
  ])("%s is refused by name", (_, values, key) => {
    const raw = JSON.parse(JSON.stringify(values).replace('"__proto__x"', '"__proto__"'));
    let problems: string[] = [];
    try {
      parseSettings({ values: raw, secrets: {} });
    } catch (err) {
      problems = (err as SettingsError).problems;
    }
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^observability:[\\w.\\[\\]]*${key}: "${key}" is not a setting at any level`))]);
  });
});
