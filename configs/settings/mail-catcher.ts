/** `observability:mailCatcher`: an in-cluster Mailpit that takes every alert mail on laptop clusters. */
import { z } from "zod";
import { resources } from "./value-schemas";

export const mailCatcherSchema = z
  .object({
    enabled: z.boolean().default(false),
    resources: resources("10m", "32Mi", "128Mi"),
  })
  .strict()
  .default({})
  .describe(
    "An in-cluster mail catcher (Mailpit) for laptop clusters (enabled: false; the dev stack turns it on): Alertmanager's smarthost becomes its Service, without TLS or auth, so every email receiver delivers there and nothing leaves the cluster; read the mail at http://localhost:8025 after the port-forward in the stack output portForward.mailpit. Messages live in memory (no volume).",
  );
