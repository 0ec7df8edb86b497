/** `observability:alertmanager`: Alertmanager, its SMTP relay and its receivers (email, Slack, Discord). */
import { z } from "zod";
import { cidrProblem } from "./grammars";
import { duration, email, grammar, hostPort, port, positiveSize, resources, serviceToggle, singleLine } from "./value-schemas";

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
    /** The dead man's switch: the always-firing Watchdog alert, sent to observability:heartbeatUrl. */
    heartbeat: z
      .object({
        interval: duration
          .default("5m")
          .describe(
            "How often the Watchdog heartbeat reaches observability:heartbeatUrl (the Watchdog route's repeat_interval). The longest gap between two heartbeats is this plus alertmanager.groupInterval: set the heartbeat service's period to at least that. At least 4 times the longer of prometheus.alertResendDelay and prometheus.evaluationInterval (how long Alertmanager keeps an alert Prometheus stopped sending), so heartbeats stop within one interval plus the group interval after Prometheus dies; at most 1h.",
          ),
        egressPort: port.default(443).describe("The port of observability:heartbeatUrl, for the NetworkPolicy that lets Alertmanager reach it."),
        egressCidrs: z
          .array(grammar(cidrProblem))
          .optional()
          .describe("Where the heartbeat service's addresses lie, for the NetworkPolicy; unset: any address outside the cluster (networkPolicies.podCidrs and serviceCidrs left out)."),
      })
      .strict()
      .default({})
      .describe("The dead man's switch: the always-firing Watchdog alert, sent to observability:heartbeatUrl (unset: to no one)."),
    resources: resources("50m", "64Mi", "256Mi"),
  })
  .strict()
  .default({});
