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
