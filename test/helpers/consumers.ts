/**
 * The consumers' own parsers (test/consumers/main.go: Go's net/mail, net/url, net, text/template,
 * regexp, Prometheus' model, Loki's envsubst, Grafana's provisioning expansion), asked in batches:
 * one process answers a whole list of requests. The helper is built once per source version into
 * the temp folder (Go's build cache makes a rebuild after an edit quick).
 */
import { execFileSync, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const MODULE_DIR = path.resolve(__dirname, "..", "consumers");

export type ConsumerOp =
  | "mailAddress"
  | "mailAddressList"
  | "template"
  | "url"
  | "hostPort"
  | "relabelRegex"
  | "duration"
  | "labelName"
  | "labelValue"
  | "metricsPath"
  | "lokiExpandEnv"
  | "grafanaProvisioning"
  | "prometheusExternalLabel"
  | "pulumiStackYaml"
  | "pulumiPathValue";

export interface ConsumerRequest {
  op: ConsumerOp;
  value: string;
  env?: Record<string, string>;
  probes?: string[];
}

/** What the consumer made of the value: `ok` when its parser took it, and the parts it read. */
export type ConsumerAnswer = { ok: boolean; error?: string } & Record<string, any>;

let built: string | undefined;

/** The helper binary, built on first use for the current sources. */
export function consumersBinary(): string {
  if (built) return built;
  const hash = createHash("sha256");
  for (const file of ["go.mod", "go.sum", "main.go"]) hash.update(fs.readFileSync(path.join(MODULE_DIR, file)));
  const target = path.join(os.tmpdir(), `observability-consumers-${hash.digest("hex").slice(0, 16)}`);
  if (!fs.existsSync(target)) {
    // Several test files may build at once: each into its own name, then one atomic rename.
    const partial = `${target}.${process.pid}.partial`;
    execFileSync("go", ["build", "-buildvcs=false", "-o", partial, "."], { cwd: MODULE_DIR, stdio: ["ignore", "ignore", "pipe"] });
    fs.renameSync(partial, target);
  }
  built = target;
  return target;
}

/** Asks the consumers about every request at once; answers come back in the same order. */
export function askConsumers(requests: ConsumerRequest[]): ConsumerAnswer[] {
  if (requests.length === 0) return [];
  const result = spawnSync(consumersBinary(), [], { input: requests.map((r) => JSON.stringify(r)).join("\n") + "\n", encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`test/consumers failed (${result.status}): ${result.stderr}`);
  const answers = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as ConsumerAnswer);
  if (answers.length !== requests.length) throw new Error(`test/consumers answered ${answers.length} of ${requests.length} requests`);
  return answers;
}

/** How many generated inputs each grammar's differential test checks: 10,000 in CI, fewer locally. */
export const DIFFERENTIAL_RUNS = process.env.CI === "true" ? 10_000 : Number(process.env.DIFFERENTIAL_RUNS ?? 2_000);
