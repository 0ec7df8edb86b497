/**
 * `observability:probes` and `observability:blackboxExporter`: what users reach, probed from the
 * cluster by blackbox-exporter. Each target is checked as the module's prober reads it: an http(s)
 * URL (Go's net/url), host:port (net.SplitHostPort), or an IP address for ICMP.
 */
import { z } from "zod";
import { canonicalUrlProblem, hostPortProblem, ipAddressProblem, labelValueProblem } from "./grammars";
import { settingKey } from "./problems";
import { duration, grammar, resources } from "./value-schemas";

/** The modules the exporter's config defines (configs/blackbox-exporter.ts), by what they prove. */
export const PROBE_MODULES = ["http_2xx", "http_post_2xx", "tcp_connect", "icmp"] as const;
export type ProbeModule = (typeof PROBE_MODULES)[number];

/** What the probe's `url` must be for its module, as that prober reads its target. */
export function probeTargetProblem(module: ProbeModule, target: string): string | undefined {
  switch (module) {
    case "http_2xx":
    case "http_post_2xx":
      return canonicalUrlProblem(target, ["https", "http"], "https://shop.example.com/health");
    case "tcp_connect":
      return hostPortProblem(target);
    case "icmp": {
      // A NetworkPolicy has no ICMP port and cannot name a host: only an address can be allowed exactly.
      const problem = ipAddressProblem(target);
      return problem ? `${problem} (an icmp probe's egress NetworkPolicy allows exactly that address)` : undefined;
    }
  }
}

const probeSchema = z
  .object({
    name: grammar(labelValueProblem).describe("The probe's name: its `probe` label in every series and alert; unique."),
    url: z.string().describe("What to probe: an http(s) URL for http_2xx and http_post_2xx, host:port for tcp_connect, an IP address for icmp."),
    module: z
      .enum(PROBE_MODULES, { errorMap: () => ({ message: `must be one of ${PROBE_MODULES.join(", ")}` }) })
      .default("http_2xx")
      .describe("http_2xx (a GET answered 2xx), http_post_2xx (a POST answered 2xx), tcp_connect (a TCP connection), icmp (an echo reply; needs blackboxExporter.allowIcmp)."),
  })
  .strict()
  .superRefine((probe, ctx) => {
    const problem = probeTargetProblem(probe.module, probe.url);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: ["url"] });
  });
export type Probe = z.infer<typeof probeSchema>;

export const probesSchema = z
  .array(probeSchema)
  .default([])
  .refine((list) => new Set(list.map((p) => p.name)).size === list.length, { message: "must not use the same probe name twice" })
  .describe("Endpoints probed from the cluster by blackbox-exporter ({name, url, module}); empty (the default) deploys no exporter.");

export const blackboxExporterSchema = z
  .object({
    interval: duration.default("30s").describe("How often every probe runs (the probe job's scrape interval)."),
    allowIcmp: z
      .boolean()
      .default(false)
      .describe(
        "Let the exporter send ICMP echo requests (module icmp): its pod gets the namespaced sysctl net.ipv4.ping_group_range for its group, so it pings through unprivileged ICMP sockets; no capability is added and the pod stays within the restricted Pod Security Standard (see README, Probes).",
      ),
    resources: resources("10m", "32Mi", "128Mi"),
  })
  .strict()
  .default({});

/** An icmp probe needs the exporter's pod to be allowed to ping. */
export function icmpProblems(probes: Probe[], allowIcmp: boolean): string[] {
  if (allowIcmp) return [];
  return probes.flatMap((probe, i) =>
    probe.module === "icmp"
      ? [`${settingKey(["probes", i, "module"])}: icmp needs ${settingKey(["blackboxExporter", "allowIcmp"])}: true (the exporter's pod then pings through unprivileged ICMP sockets; see README, Probes)`]
      : [],
  );
}
