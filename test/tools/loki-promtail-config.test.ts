/**
 * Every key of every Loki and Promtail config the program can render, checked against the keys of
 * upstream's configuration reference (loki-promtail-reference.ts).
 *
 * Why not the real programs: the issue asks for `loki -verify-config` and a logs end-to-end test with
 * a real Loki 3.7 and Promtail 3.6, built from their Go module like Prometheus and Alertmanager are.
 * Both live in github.com/grafana/loki/v3, which is AGPL-licensed; this project may not build or
 * download it. This check catches unknown or misspelt keys in the blocks we write; it cannot catch
 * a wrong value, a combination Loki refuses at start-up, or a pipeline that mislabels lines.
 */
import { parse } from "yaml";
import { deepMerge, rawStackSettings } from "../helpers/stack-settings";
import { render, RenderResult } from "../helpers/render";
import { LOKI, PROMTAIL, unknownKeys } from "./loki-promtail-reference";

/** `--set key=…` replaces the whole key, so merge the change into the stack's own value. */
const withStackValue = (stack: string, key: string, change: Record<string, unknown>) =>
  `${key}=${JSON.stringify(deepMerge((rawStackSettings(stack).values[key] as Record<string, unknown>) ?? {}, change))}`;

const variants: [string, () => Promise<RenderResult>][] = [
  ["dev", () => render({ stack: "dev" })],
  ["prod", () => render({ stack: "prod" })],
  [
    "prod, Loki HA on object storage (main and worker compactor configs)",
    () =>
      render({
        stack: "prod",
        set: [withStackValue("prod", "loki", { replicas: 3, objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", insecure: true } })],
        setSecret: ["lokiObjectStorageSecretKey=not-a-real-key"],
      }),
  ],
  [
    "prod, agents pushing to an external Loki with basic auth",
    () =>
      render({
        stack: "prod",
        set: ['externalLoki={"url":"https://logs.example.com/loki/api/v1/push","username":"123456"}'],
        setSecret: ["externalLokiPassword=not-a-real-password"],
      }),
  ],
];

describe.each(variants)("%s: Loki and Promtail configs use only keys of the upstream reference", (_name, renderVariant) => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await renderVariant();
  });

  test("every Loki config", () => {
    const files = Object.keys(r.files).filter((f) => f.startsWith("loki/"));
    for (const file of files) expect({ file, unknown: unknownKeys(parse(r.files[file]), LOKI) }).toEqual({ file, unknown: [] });
  });

  test("every Promtail config", () => {
    const files = Object.keys(r.files).filter((f) => f.startsWith("promtail/"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect({ file, unknown: unknownKeys(parse(r.files[file]), PROMTAIL) }).toEqual({ file, unknown: [] });
  });
});

test("the variants cover single Loki, both HA roles and the external-Loki client", async () => {
  const [dev, , ha, external] = await Promise.all(variants.map(([, renderVariant]) => renderVariant()));
  expect(parse(dev.files["loki/loki.yaml"]).common.storage.filesystem).toBeDefined();
  const haFiles = Object.keys(ha.files).filter((f) => f.startsWith("loki/"));
  expect(haFiles.map((f) => parse(ha.files[f]).compactor.horizontal_scaling_mode).sort()).toEqual(["main", "worker"]);
  expect(parse(external.files["promtail/promtail.yaml"]).clients[0].basic_auth).toMatchObject({ username: "123456", password_file: expect.any(String) });
});

describe("the reference check", () => {
  test("names a misspelt key with its path", () => {
    const config = { compactor: { working_directory: "/loki/compactor", horizontal_scaling_modes: "main" }, schema_config: { configs: [{ from: "2024-04-01", index: { prefix: "index_", periode: "24h" } }] } };
    expect(unknownKeys(config, LOKI)).toEqual([
      "compactor.horizontal_scaling_modes: not a key of this block in the reference",
      "schema_config.configs[0].index.periode: not a key of this block in the reference",
    ]);
  });

  test("refuses a pipeline stage the reference does not list, also inside a match stage", () => {
    const config = { scrape_configs: [{ job_name: "x", pipeline_stages: [{ cri: {} }, { match: { selector: '{app="a"}', stages: [{ jsonn: { expressions: { level: "level" } } }] } }] }] };
    expect(unknownKeys(config, PROMTAIL)).toEqual([expect.stringMatching(/^scrape_configs\[0\]\.pipeline_stages\[1\]: \{match\} is none of the stages/)]);
  });
});
