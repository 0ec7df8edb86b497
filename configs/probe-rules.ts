/**
 * Alerts on the probes of `observability:probes` (blackbox-exporter): a probe failing, a probe
 * slow, a certificate close to expiry. Each alert's `service` is the probe's name, so Alertmanager
 * groups and inhibits per probe.
 */
import { PROBE_LABEL } from "./blackbox-exporter";
import { AlertingRule, quote, RuleBuilder } from "./rule-builder";
import { SCRAPE_JOBS } from "./scrape-jobs";
import { AlertSettings } from "./settings";

const probe = `{{ $labels.${PROBE_LABEL} }}`;
const target = "{{ $labels.instance }}";
const job = `job=${quote(SCRAPE_JOBS.blackbox)}`;
const days = (value: number) => `${value} days`;

export function probeRules(build: RuleBuilder, alerts: AlertSettings): AlertingRule[] {
  const w = alerts.rateWindow;
  const service = { service: probe };
  const cert = alerts.certificateExpiringSoon;
  return [
    // The exporter answered, and the probe itself failed: TargetDown covers an exporter that does not answer.
    build.rule(
      "ProbeFailed",
      "critical",
      `probe_success{${job}} == 0`,
      alerts.probeFailed.for,
      {
        summary: `Probe ${probe} fails`,
        description: `Every probe of ${target} (${probe}) has failed for ${alerts.probeFailed.for}: users cannot reach it from the cluster, or it answers with an error.`,
      },
      service,
    ),
    build.rule(
      "ProbeSlow",
      "warning",
      `quantile_over_time(0.95, probe_duration_seconds{${job}}[${w}]) > ${alerts.probeSlow.threshold}`,
      alerts.probeSlow.for,
      {
        summary: `Probe ${probe} is slow`,
        description: `The 95th percentile duration of the probes of ${target} (${probe}) is {{ $value | humanizeDuration }} over the last ${w} (threshold ${alerts.probeSlow.threshold}s).`,
      },
      service,
    ),
    ...build.pair("CertificateExpiringSoon", {
      limits: { warning: cert.warningDays, critical: cert.criticalDays, for: cert.for },
      // Fewer days left is worse: each severity fires below its number of days.
      expr: (t) => `(probe_ssl_earliest_cert_expiry{${job}} - time()) / 86400 < ${t}`,
      text: (t) => ({
        summary: `Certificate of ${probe} expires soon`,
        description: `The earliest-expiring certificate ${target} presents expires in {{ $value | humanize }} days (threshold ${t}).`,
      }),
      format: days,
      labels: service,
    }),
  ];
}
