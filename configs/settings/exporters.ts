/** `observability:exporters`: exporters the app's databases already run, scraped as jobs of their own. */
import { z } from "zod";
import { hostPort } from "./value-schemas";

export const exportersSchema = z
  .object({ redis: hostPort.optional(), postgres: hostPort.optional() })
  .strict()
  .default({});
