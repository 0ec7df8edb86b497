/** `observability:alertmanager`: Alertmanager, its SMTP relay and its receivers (email, Slack, Discord). */
import { z } from "zod";
import { duration, email, hostPort, positiveSize, resources, serviceToggle, singleLine } from "./value-schemas";

export const SEVERITIES = ["critical", "warning", "info"] as const;
const severity = z.enum(SEVERITIES, {
  errorMap: () => ({ message: `must be one of ${SEVERITIES.join(", ")}` }),
});

const chatReceiver = {
  enabled: z.boolean().default(false),
  /** Severities this receiver gets, besides email. */
  severities: z.array(severity).nonempty("must name at least one severity").default(["critical"]).describe("Severities this receiver gets, besides email."),
};

export const alertmanagerSchema = z
  .object({
    ...serviceToggle,
    replicas: z.number().int("must be a whole number").min(1, "must be between 1 and 5").max(5, "must be between 1 and 5").default(1),
    storageGi: positiveSize.default(1),
    resolveTimeout: duration.default("5m"),
    groupWait: duration.default("10s"),
    groupInterval: duration.default("10s"),
    repeatInterval: duration.default("12h"),
    smtp: z
      .object({
        smarthost: hostPort.default("smtp.gmail.com:587"),
        from: email.default("alerts@cryptoorchestrator.com"),
        /** When set, `observability:smtpPassword` must be set as a secret. */
        authUsername: singleLine.optional().describe("When set, observability:smtpPassword must be set as a secret."),
        requireTls: z.boolean().default(true),
      })
      .strict()
      .default({}),
    email: z
      .object({
        /** The team's address: the default receiver, and a copy of every critical alert. */
        team: email.default("team@cryptoorchestrator.com").describe("The team's address: the default receiver, and a copy of every critical alert."),
        /** On-call address for critical alerts. */
        critical: email.default("oncall@cryptoorchestrator.com").describe("On-call address for critical alerts."),
        /** Address for warnings. */
        warning: email.default("team@cryptoorchestrator.com").describe("Address for warnings."),
      })
      .strict()
      .default({}),
    slack: z
      .object({ ...chatReceiver, channel: z.string().regex(/^[#@]?[\w.-]{1,80}$/, "must be a Slack channel like #alerts (letters, digits, _ . -, at most 80)").default("#alerts") })
      .strict()
      .default({}),
    discord: z.object(chatReceiver).strict().default({}),
    resources: resources("50m", "64Mi", "256Mi"),
  })
  .strict()
  .default({});
