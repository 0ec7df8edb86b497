/** `observability:logAgent`, `promtail`, `alloy`: the DaemonSet that ships every pod's logs to Loki. */
import { z } from "zod";
import { resources } from "./value-schemas";

/** The DaemonSet that ships logs to Loki. Promtail is end-of-life; Alloy is its supported successor. */
export const logAgentSchema = z
  .enum(["promtail", "alloy", "none"], { errorMap: () => ({ message: "must be one of promtail, alloy, none" }) })
  .default("promtail")
  .describe("The DaemonSet that ships logs to Loki. Promtail is end-of-life; Alloy is its supported successor.");

/** The agent's container; whether it runs is `logAgent`. */
const agentResources = (cpu: string, memory: string, memoryLimit: string) =>
  z.object({ resources: resources(cpu, memory, memoryLimit) }).strict().default({});

export const promtailSchema = agentResources("50m", "64Mi", "256Mi");
export const alloySchema = agentResources("50m", "128Mi", "512Mi");

const linesPerSecond = z.number({ invalid_type_error: "must be a whole number of lines" }).int("must be a whole number of lines").min(1, "must be from 1 to 1000000 lines").max(1e6, "must be from 1 to 1000000 lines");

/** What one namespace may send through one node's agent: beyond it lines are dropped, not queued, so other namespaces' lines keep flowing. */
export const logAgentLimitsSchema = z
  .object({
    linesPerSecondPerNamespace: linesPerSecond.default(1000).describe("Log lines per second one namespace may send through the agent of one node; the excess is dropped and counted (Promtail and Alloy limit stage, by namespace)."),
    burstLinesPerNamespace: linesPerSecond.default(5000).describe("Lines a namespace may send at once above its rate before the excess is dropped."),
  })
  .strict()
  .refine((limits) => limits.burstLinesPerNamespace >= limits.linesPerSecondPerNamespace, (limits) => ({ message: `must be at least linesPerSecondPerNamespace (${limits.linesPerSecondPerNamespace})`, path: ["burstLinesPerNamespace"] }))
  .default({})
  .describe("Per-namespace rate limits in the log agents, so one noisy pod cannot rate-limit everyone's logs at Loki.");
