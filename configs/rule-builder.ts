/**
 * Prometheus rule files as typed objects, and the builder every rule set (alert-rules.ts,
 * kubernetes-rules.ts) writes its rules with: one runbook link, one way to pair severities.
 */
import { StackSettings } from "./settings";

/** An alerting rule, field names as in the upstream rule file format. */
export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels: { severity: Severity; [name: string]: string };
  annotations: { summary: string; description: string; runbook_url?: string; [name: string]: string | undefined };
}

/** `none`: the Watchdog only (dead-mans-switch.ts), which no receiver routes on and no inhibit rule mutes. */
export type Severity = "critical" | "warning" | "info" | "none";

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: AlertingRule[];
}

/** A recording rule: `record` names the series `expr` computes at every evaluation. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface RecordingRuleGroup {
  name: string;
  interval?: string;
  rules: RecordingRule[];
}

/** A rule file of recording rules only, so every consumer of a RuleFile keeps seeing alerts only. */
export interface RecordingRuleFile {
  groups: RecordingRuleGroup[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

export interface AlertRuleInputs {
  settings: Pick<StackSettings, "namespace" | "agentsNamespace" | "app" | "prometheus" | "alerts" | "kubeStateMetrics" | "loki" | "nodeExporter" | "alertmanager" | "logAgent" | "probes">;
}

/** The runbook of every alert: one `## <AlertName>` section each. */
export const RUNBOOKS_DOC = "docs/runbooks.md";

/** GitHub's anchor for a `## HighErrorRate` heading. */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}

export interface RuleText {
  summary: string;
  description: string;
}

interface PairSpec {
  limits: { warning: number; critical: number; for: string };
  /** The condition: the same value compared with each severity's threshold. */
  expr: (threshold: number, severity: Severity) => string;
  text: (threshold: string, severity: Severity) => RuleText;
  /** How a threshold reads in a description, e.g. 0.05 → `5%`. */
  format: (threshold: number) => string;
  labels?: Record<string, string>;
  /**
   * The rate window, when the value is an average over it. Once the cause is gone such an average
   * takes up to a window to fall, through the warning's band: the critical keeps firing (and the
   * warning muted) that long, so recovery does not page the team with a stale warning.
   */
  averagedOver?: string;
}

/** Pseudo and in-memory filesystems: never "full" in a way anyone can fix, or always full by design. */
export const PSEUDO_FILESYSTEMS = "tmpfs|ramfs|devtmpfs|overlay|squashfs|iso9660|nsfs|autofs|fuse.lxcfs";

/** PromQL string literal: JSON's escapes are Go's, which PromQL uses. */
export const quote = (value: string) => JSON.stringify(value);
export const percent = (share: number) => `${Number((share * 100).toPrecision(6))}%`;

export class RuleBuilder {
  constructor(private readonly runbooksUrl: string) {}

  rule(alert: string, severity: Severity, expr: string, forDuration: string, text: RuleText, labels: Record<string, string> = {}): AlertingRule {
    return {
      alert,
      expr,
      for: forDuration,
      labels: { severity, ...labels },
      annotations: { ...text, runbook_url: `${this.runbooksUrl}#${runbookAnchor(alert)}` },
    };
  }

  /**
   * One rule per severity under one name and one `for:`, so the guide's inhibit rule silences the
   * warning while the critical fires.
   */
  pair(alert: string, spec: PairSpec): AlertingRule[] {
    return (["warning", "critical"] as const).map((severity) => {
      const threshold = spec.limits[severity];
      const rule = this.rule(alert, severity, spec.expr(threshold, severity), spec.limits.for, spec.text(spec.format(threshold), severity), spec.labels);
      return severity === "critical" && spec.averagedOver ? { ...rule, keep_firing_for: spec.averagedOver } : rule;
    });
  }
}
