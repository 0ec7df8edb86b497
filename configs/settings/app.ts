/** `observability:app`: the application the stack monitors (its scrape job, pods and logs). */
import { z } from "zod";
import { BUILT_IN_JOB_NAMES } from "../scrape-jobs";
import { settingKey } from "./problems";
import { metricsPathProblem } from "./grammars";
import { dnsLabel, duration, grammar, hostPort, labelValue } from "./value-schemas";

export const appSchema = z
  .object({
    /** Job name of the FastAPI backend: the alert rules select on it. */
    job: z
      .string()
      // A safe grammar instead of escaping: the name is a PromQL matcher value, a relabel regex (RE2,
      // anchored) and a label value in every rule; built-in job names are refused by appJobProblems.
      .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, "must be a job name of letters, digits, '_' and '-', starting with a letter or '_', at most 63 characters")
      .default("fastapi")
      .describe("Job name of the app's scrape job; the alert rules select on it. Not the name of a built-in job (prometheus, node-exporter, kubelet, …)."),
    scrapeInterval: duration.default("10s"),
    metricsPath: grammar(metricsPathProblem)
      .default("/metrics")
      .describe("Path of the app's metrics; pods override it with the prometheus.io/path annotation."),
    /**
     * Namespaces whose annotated pods are the app: scraped as its job, read by its alert rules, their
     * JSON logs parsed. "all" opens every namespace to any pod that asks; required outside dev.
     */
    namespaces: z
      .union([z.literal("all"), z.array(dnsLabel).nonempty("must list at least one namespace, or be \"all\"")], {
        errorMap: (issue, ctx) => (issue.code === "invalid_union" ? { message: 'must be a list of namespaces like [trading], or "all"' } : { message: ctx.defaultError }),
      })
      .optional()
      .describe(
        'Namespaces whose annotated pods are the app: scraped as its job, read by its alert rules, their JSON logs parsed; a pod anywhere else cannot page on-call as the app. "all" for every namespace. Required unless environment is dev (where unset means "all").',
      ),
    /** Targets outside the cluster, scraped as the same job. */
    staticTargets: z
      .array(hostPort)
      .default([])
      .describe(
        "Targets outside the app's pods, scraped as the same job. Prometheus' NetworkPolicy opens each on its port: an IP address as itself, a Service name (svc, svc.namespace.svc, svc.namespace.svc.cluster.local) in its namespace, a two-label name (svc.namespace or example.com, which the resolver tries as a Service first) both in that namespace and outside the cluster, any other name outside the cluster (a final dot, example.com.:9100, means outside only).",
      ),
    /** Value of the pods' `app` label that selects the JSON log pipeline. */
    logAppLabel: labelValue.default("crypto-orchestrator").describe("Value of the pods' app label that selects the JSON log pipeline."),
  })
  .strict()
  .default({});

/** Stacks whose `environment` is this may leave `app.namespaces` unset (meaning "all"): a laptop cluster has no tenants. */
export const DEV_ENVIRONMENT = "dev";

/** Outside dev, the stack must say which namespaces are the app's: every other pod is a tenant. */
export function appNamespacesProblems(app: z.infer<typeof appSchema>, environment: string): string[] {
  if (app.namespaces !== undefined || environment === DEV_ENVIRONMENT) return [];
  return [
    `${settingKey(["app", "namespaces"])}: is required because ${settingKey(["environment"])} is ${environment}, not ${DEV_ENVIRONMENT}: list the namespaces of the app's pods, e.g. [trading], so a pod elsewhere cannot be scraped, alert or page as the app; or set "all" to accept annotated pods of every namespace`,
  ];
}

/** The app's job is selected by name in rules and dashboards: a built-in job's name would mix the two. */
export function appJobProblems(app: Pick<z.infer<typeof appSchema>, "job">): string[] {
  if (!BUILT_IN_JOB_NAMES.includes(app.job)) return [];
  return [`${settingKey(["app", "job"])}: must not be the name of a built-in scrape job (${BUILT_IN_JOB_NAMES.join(", ")})`];
}
