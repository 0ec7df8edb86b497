/** `observability:exporters`: exporters the app's databases already run, scraped as jobs of their own. */
import { z } from "zod";
import { hostPort } from "./value-schemas";

export const exportersSchema = z
  .object({
    redis: hostPort.optional().describe("host:port of a Redis exporter; reached as app.staticTargets are (a Service name in its namespace, an address as itself)."),
    postgres: hostPort.optional().describe("host:port of a PostgreSQL exporter; reached as app.staticTargets are (a Service name in its namespace, an address as itself)."),
  })
  .strict()
  .default({});
