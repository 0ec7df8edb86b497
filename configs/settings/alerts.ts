/** `observability:alerts`: every alert's thresholds and `for:` duration, and the window of its rates. */
import { z } from "zod";
import { goTemplateLiteralProblem, urlProblem } from "./grammars";
import { dnsLabel, duration, finite, grammar } from "./value-schemas";

/** A share of a whole, as the rules compare it: 0.05 is 5%. */
/** Strictly between 0 and 1: a share of 1 can never be exceeded, so its alert could never fire. */
const share = finite().gt(0, "must be a share above 0 and below 1, like 0.05 for 5%").lt(1, "must be a share above 0 and below 1, like 0.05 for 5%");
const seconds = finite().positive("must be greater than 0 seconds").max(1e9, "must be at most 1000000000 seconds");
const days = finite().positive("must be greater than 0 days").max(3650, "must be at most 3650 days");
const count = finite().int("must be a whole number").positive("must be greater than 0").max(1e9, "must be at most 1000000000");

/** How long a condition must hold before its alert fires (the rule's `for:`). */
const alertFor = (defaultFor: string) => ({ for: duration.default(defaultFor) });

/**
 * A warning/critical pair sharing one alert name: the critical inhibits the warning, so the
 * warning threshold must be the lower one.
 */
const thresholdPair = (value: z.ZodNumber, warning: number, critical: number, defaultFor: string) =>
  z
    .object({ warning: value.default(warning), critical: value.default(critical), ...alertFor(defaultFor) })
    .strict()
    // The order only means something between two valid thresholds; an invalid one has its own message.
    .refine(
      (pair) => !(value.safeParse(pair.warning).success && value.safeParse(pair.critical).success) || pair.warning < pair.critical,
      (pair) => ({ message: `must be below critical (${pair.critical})`, path: ["warning"] }),
    )
    .default({});
const threshold = (value: z.ZodNumber, defaultThreshold: number, defaultFor: string) =>
  z.object({ threshold: value.default(defaultThreshold), ...alertFor(defaultFor) }).strict().default({});
const forOnly = (defaultFor: string) => z.object(alertFor(defaultFor)).strict().default({});

/** Alert thresholds and `for:` durations, one key per alert (the alert's name in camelCase); defaults are the guide's. */
export const alertsSchema = z
  .object({
    /** Window of every rate() and latency quantile: at least four scrape intervals, so a missed scrape does not blank it. */
    rateWindow: duration.default("5m").describe("Window of every rate() and latency quantile: at least twice the slowest scrape interval it covers (app.scrapeInterval, prometheus.scrapeInterval), so rate() always has two samples; four intervals survive a missed scrape."),
    /** Where people read docs/runbooks.md (e.g. its page on your Git host); every rule links to its section there. */
    runbooksUrl: grammar(
      goTemplateLiteralProblem,
      (value) =>
        /^https?:/i.test(value)
          ? value.includes("#")
            ? "must be a URL without #fragment (each rule adds its section's anchor)"
            : urlProblem(value, ["https", "http"], "https://git.example.com/observability/blob/main/docs/runbooks.md", { query: true })
          : /^[\w./-]+$/.test(value)
            ? undefined
            : "must be an http(s) URL without #fragment, like https://git.example.com/observability/blob/main/docs/runbooks.md, or a relative path like docs/runbooks.md",
    )
      .default("docs/runbooks.md")
      .describe("Where people read docs/runbooks.md (e.g. its page on your Git host); every rule links to its section there."),
    /** Share of the app's requests answered with a 5xx status. */
    highErrorRate: thresholdPair(share, 0.01, 0.05, "5m").describe("Share of the app's requests answered with a 5xx status."),
    /** 95th percentile response time of the app, in seconds. */
    highResponseTime: thresholdPair(seconds, 1, 3, "5m").describe("95th percentile response time of the app, in seconds."),
    applicationDown: forOnly("1m"),
    /** Active database connections of one app instance. */
    highDatabaseConnections: threshold(count, 80, "5m").describe("Active database connections of one app instance."),
    /** Share of trades that fail, per exchange. */
    highTradeFailureRate: thresholdPair(share, 0.05, 0.1, "5m").describe("Share of trades that fail, per exchange."),
    /** 95th percentile order execution time per exchange, in seconds. */
    slowOrderExecution: threshold(seconds, 5, "5m").describe("95th percentile order execution time per exchange, in seconds."),
    /** Share of a node's CPU time spent busy. */
    highCpuUsage: thresholdPair(share, 0.7, 0.9, "10m").describe("Share of a node's CPU time spent busy."),
    /** Share of a node's memory not available to new processes. */
    highMemoryUsage: thresholdPair(share, 0.8, 0.95, "5m").describe("Share of a node's memory not available to new processes."),
    /** Share of a node's real (not in-memory, not read-only) filesystem in use. */
    highDiskUsage: thresholdPair(share, 0.8, 0.95, "5m").describe("Share of a node's real (not in-memory, not read-only) filesystem in use."),
    /** Share of a monitoring PVC in use; the warning also needs the volume to be filling up (see docs/runbooks.md). */
    monitoringVolumeFull: thresholdPair(share, 0.8, 0.95, "5m").describe("Share of a monitoring PVC in use; the warning also needs the volume to be filling up (see docs/runbooks.md)."),
    targetDown: forOnly("5m"),
    prometheusRuleEvaluationFailures: forOnly("5m"),
    prometheusNotificationsFailing: forOnly("5m"),
    prometheusNotConnectedToAlertmanagers: forOnly("5m"),
    alertmanagerNotificationsFailing: forOnly("5m"),
    lokiDown: forOnly("5m"),
    lokiDiscardingLogs: forOnly("15m"),
    logAgentDown: forOnly("5m"),
    logAgentDroppingLogs: forOnly("5m"),
    scrapeSampleLimitHit: forOnly("5m").describe("ScrapeSampleLimitHit: how long a target may keep exceeding its job's sample_limit (and be refused) before the alert fires."),
    prometheusHeadSeriesNearBudget: threshold(share, 0.8, "15m").describe(
      "PrometheusHeadSeriesNearBudget: share of the series budget (prometheus.scrapeLimits.seriesBudget) Prometheus' head block may hold before the alert fires, and for how long.",
    ),
    prometheusConfigReloadFailed: forOnly("10m").describe("PrometheusConfigReloadFailed: how long Prometheus may keep running an older config because the newest one (prometheus.yml or a rule file) was refused."),
    /** Which namespaces the Kubernetes alerts (pods, workloads, volumes) watch; node alerts watch every node. */
    kubernetes: z
      .object({
        namespaces: z
          .array(dnsLabel)
          .optional()
          .describe(
            "Namespaces whose pods, workloads and volumes the Kubernetes alerts watch. Unset: the app's namespaces (app.namespaces) plus the stack's own two; when app.namespaces is all, every namespace. An empty list also means every namespace.",
          ),
      })
      .strict()
      .default({}),
    kubePodCrashLooping: forOnly("15m").describe("KubePodCrashLooping: how long a container must keep crash-looping (CrashLoopBackOff)."),
    kubePodNotReady: forOnly("15m").describe("KubePodNotReady: how long a pod (not a Job's) may stay Pending or Unknown."),
    kubeDeploymentReplicasMismatch: forOnly("15m").describe("KubeDeploymentReplicasMismatch: how long a Deployment may have fewer available replicas than it wants, with no rollout progress."),
    kubeDeploymentRolloutStuck: forOnly("15m").describe("KubeDeploymentRolloutStuck: how long a Deployment's Progressing condition may stay false."),
    kubeStatefulSetReplicasMismatch: forOnly("15m").describe("KubeStatefulSetReplicasMismatch: how long a StatefulSet may have fewer ready replicas than it wants, with no rollout progress."),
    kubeDaemonSetRolloutStuck: forOnly("15m").describe("KubeDaemonSetRolloutStuck: how long a DaemonSet's pods may stay unscheduled, outdated, unavailable or misscheduled without progress."),
    kubeContainerWaiting: forOnly("1h").describe("KubeContainerWaiting: how long a container may wait (image pull, config error…); crash loops have their own alert."),
    kubeJobFailed: forOnly("15m").describe("KubeJobFailed: how long a failed Job is reported before the alert fires."),
    kubeContainerOOMKilled: z
      .object({ window: duration.default("10m").describe("How far back a restart caused by an OOM kill raises the alert; it resolves this long after the last one.") })
      .strict()
      .default({})
      .describe("KubeContainerOOMKilled: a container restarted after being killed for exceeding its memory limit."),
    containerMemoryNearLimit: threshold(share, 0.9, "15m").describe("ContainerMemoryNearLimit: share of a container's memory limit its working set uses (0.9 = 90%), and for how long."),
    cpuThrottlingHigh: threshold(share, 0.25, "15m").describe("CPUThrottlingHigh: share of a container's CFS periods in which it was throttled (0.25 = 25%), and for how long."),
    kubePersistentVolumeFillingUp: thresholdPair(share, 0.85, 0.97, "5m").describe(
      "KubePersistentVolumeFillingUp: share of a PVC in use; the warning also needs it full within 4 days at the last 6h's rate, the critical does not.",
    ),
    kubePersistentVolumeErrors: forOnly("5m").describe("KubePersistentVolumeErrors: how long a PersistentVolume may stay Failed or Pending."),
    kubeNodeNotReady: forOnly("15m").describe("KubeNodeNotReady: how long a node may report Ready=false or unknown."),
    kubeletDown: forOnly("15m").describe("KubeletDown: how long a kubelet's /metrics or /metrics/cadvisor scrape may fail."),
    kubeStateMetricsDown: forOnly("5m").describe("KubeStateMetricsDown: how long kube-state-metrics may fail its scrapes (every Kubernetes alert is blind meanwhile)."),
    nodeFilesystemSpaceFillingUp: thresholdPair(share, 0.85, 0.9, "1h").describe(
      "NodeFilesystemSpaceFillingUp: share of a node filesystem in use, with the last 6h's trend running it out of space (warning: within 24h, critical: within 4h).",
    ),
    nodeFilesystemAlmostOutOfSpace: thresholdPair(share, 0.95, 0.97, "30m").describe("NodeFilesystemAlmostOutOfSpace: share of a node filesystem in use, trend or not."),
    probeFailed: forOnly("2m").describe("ProbeFailed: how long a probe (observability:probes) may keep failing before the critical alert fires."),
    probeSlow: threshold(seconds, 2, "10m").describe("ProbeSlow: 95th percentile of a probe's duration over the rate window, in seconds, and for how long."),
    certificateExpiringSoon: z
      .object({
        warningDays: days.default(14).describe("Days before the earliest certificate of an https probe expires when the warning fires."),
        criticalDays: days.default(3).describe("Days before expiry when the critical fires; below warningDays."),
        ...alertFor("10m"),
      })
      .strict()
      // Fewer days left is worse: the critical threshold is the lower one.
      .refine(
        (pair) => !(days.safeParse(pair.warningDays).success && days.safeParse(pair.criticalDays).success) || pair.criticalDays < pair.warningDays,
        (pair) => ({ message: `must be below warningDays (${pair.warningDays})`, path: ["criticalDays"] }),
      )
      .default({})
      .describe("CertificateExpiringSoon: days left on the earliest-expiring certificate an https probe sees."),
  })
  .strict()
  .default({});
export type AlertSettings = z.infer<typeof alertsSchema>;
