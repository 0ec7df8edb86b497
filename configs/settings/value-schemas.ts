/**
 * The kinds of value several services' settings share: durations, volume sizes, resources, names,
 * addresses. Each is checked against the grammar of the program that reads it (grammars.ts).
 */
import { z } from "zod";
import {
  cidrProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  DURATION_RULE,
  hostPortProblem,
  labelValueProblem,
  mailboxProblem,
  namespaceProblem,
  prometheusDurationNs,
  quantityValue,
  urlProblem,
} from "./grammars";

/**
 * A string checked against the grammar of the program that reads it (grammars.ts names the
 * upstream rule); the grammar's text, saying what is allowed, is the message.
 */
export const grammar = (...checks: ((value: string) => string | undefined)[]) =>
  z.string().superRefine((value, ctx) => {
    const problem = checks.map((check) => check(value)).find((p) => p !== undefined);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

/** Milliseconds of a Prometheus duration (NaN when Prometheus would refuse it). */
export function durationToMs(duration: string): number {
  const ns = prometheusDurationNs(duration);
  return ns === undefined ? NaN : Number(ns / 1000n) / 1000;
}

/** Prometheus' duration syntax (prometheus/common model.ParseDuration), above zero and within an int64 of nanoseconds. */
export const duration = grammar((value) => (prometheusDurationNs(value) ?? 0n) > 0n ? undefined : DURATION_RULE);

/** Whole GiB: the PVC asks for `<n>Gi`, and Prometheus' size retention is a share of it in MB, so a fraction could round to 0MB (size retention off). */
const MAX_STORAGE_GI = 65536;
export const positiveSize = z
  .number({ invalid_type_error: "must be a number of GiB" })
  .int(`must be a whole number of GiB from 1 to ${MAX_STORAGE_GI}`)
  .min(1, `must be a whole number of GiB from 1 to ${MAX_STORAGE_GI}`)
  .max(MAX_STORAGE_GI, `must be a whole number of GiB from 1 to ${MAX_STORAGE_GI}`);

/** Kubernetes quantities (apimachinery resource.Quantity), within what a container can sensibly ask for. */
const cpuQuantity = grammar((value) => {
  const cores = quantityValue(value);
  return cores !== undefined && cores >= 0.001 && cores <= 1024 ? undefined : "must be a CPU quantity like 250m, 0.5 or 2 (from 1m to 1024 cores)";
});
const memoryQuantity = grammar((value) => {
  const bytes = quantityValue(value);
  return bytes !== undefined && bytes >= 2 ** 22 && bytes <= 2 ** 42 ? undefined : "must be a memory quantity like 512Mi or 2Gi (from 4Mi to 4Ti; a plain number is bytes, m is thousandths)";
});

export const email = grammar(mailboxProblem);
export const hostPort = grammar(hostPortProblem);
export const dnsLabel = grammar(dns1123LabelProblem);
/** Names of cluster objects the stack refers to (StorageClass, IngressClass, Secret): RFC 1123 subdomains. */
export const dnsSubdomain = grammar(dns1123SubdomainProblem);
/** A namespace the stack creates and owns. */
export const namespaceName = grammar(namespaceProblem);
export const labelValue = grammar(labelValueProblem);
export const cidr = grammar(cidrProblem);
/** Numbers that reach a generated file: never Infinity (`1e400` in YAML), which PromQL would read as a metric name. */
export const finite = () => z.number().finite("must be a finite number");

/** A container's resources; the defaults are the service's own. */
export const resources = (cpu: string, memory: string, memoryLimit: string) =>
  z
    .object({
      /** CPU request; no CPU limit, so a busy pod is never throttled below what the node can give. */
      cpu: cpuQuantity.default(cpu).describe("CPU request; no CPU limit, so a busy pod is never throttled below what the node can give."),
      memory: memoryQuantity.default(memory),
      memoryLimit: memoryQuantity.default(memoryLimit),
    })
    .strict()
    // The scheduler reserves the request; a request above the limit is refused by the API server.
    .refine((r) => quantityValue(r.memory)! <= quantityValue(r.memoryLimit)!, (r) => ({ message: `must be at most memoryLimit (${r.memoryLimit})`, path: ["memory"] }))
    .default({});
export type ResourceSettings = z.infer<ReturnType<typeof resources>>;

export const serviceToggle = { enabled: z.boolean().default(true) };

/** A service that is only a container: on or off, and its resources. */
export const agentSchema = (cpu: string, memory: string, memoryLimit: string) =>
  z.object({ ...serviceToggle, resources: resources(cpu, memory, memoryLimit) }).strict().default({});

/** A TCP or UDP port number. */
export const port = z.number().int("must be a port between 1 and 65535").min(1, "must be a port between 1 and 65535").max(65535, "must be a port between 1 and 65535");

/**
 * https only: credentials are sent with every request. `query`: the program sends to the URL as it is
 * (remote write), rather than appending paths to it (a Loki base URL).
 */
export const httpsUrl = (options: { query?: boolean } = {}) =>
  grammar((value) => urlProblem(value, ["https"], "https://host/path (credentials are sent with every request)", options));
/** Text that lands in a YAML config file as one value: one line, no control characters. */
export const singleLine = grammar((value) => (value === "" ? "must be one line of text, not empty" : /[\u0000-\u001f\u007f]/.test(value) ? "must be one line without control characters" : undefined));
