/** `observability:nodeExporter`: node-exporter on every node (host metrics: CPU, memory, disks). */
import { agentSchema } from "./value-schemas";

export const nodeExporterSchema = agentSchema("20m", "32Mi", "128Mi");
