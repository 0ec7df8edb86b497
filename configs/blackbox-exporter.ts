/**
 * blackbox-exporter: its modules (blackbox.yml, field names as in upstream's CONFIGURATION.md for
 * v0.28), its flags and port. Prometheus runs every probe through it (configs/prometheus.ts blackboxProbeJob).
 */
import { ProbeModule, StackSettings } from "./settings";

/** The Deployment, its pods' `app.kubernetes.io/name` and the Service. */
export const BLACKBOX_NAME = "blackbox-exporter";
export const BLACKBOX_PORT = 9115;
export const BLACKBOX_PROBE_PATH = "/probe";
/** Label naming the probe (its `name` setting) on every series and alert. */
export const PROBE_LABEL = "probe";
/** Upper bound of one probe; the exporter also stops half a second before Prometheus' scrape timeout. */
const PROBE_TIMEOUT = "10s";

interface IpProtocol {
  /** Clusters are IPv4-first more often than not; a host with only IPv6 still works through the fallback. */
  preferred_ip_protocol: "ip4" | "ip6";
  ip_protocol_fallback: boolean;
}

export interface BlackboxModule {
  prober: "http" | "tcp" | "icmp";
  timeout: string;
  http?: IpProtocol & { method: "GET" | "POST"; valid_status_codes: number[]; follow_redirects: boolean; fail_if_not_ssl?: boolean };
  tcp?: IpProtocol;
  icmp?: IpProtocol;
}

export interface BlackboxConfig {
  modules: Partial<Record<ProbeModule, BlackboxModule>>;
}

const ipProtocol: IpProtocol = { preferred_ip_protocol: "ip4", ip_protocol_fallback: true };
/** An empty list is blackbox-exporter's "any 2xx". */
const httpModule = (method: "GET" | "POST"): BlackboxModule => ({
  prober: "http",
  timeout: PROBE_TIMEOUT,
  http: { ...ipProtocol, method, valid_status_codes: [], follow_redirects: true },
});

/** Every module the settings allow; icmp only when the pod may ping (blackboxExporter.allowIcmp). */
export function buildBlackboxConfig(settings: Pick<StackSettings, "blackboxExporter">): BlackboxConfig {
  return {
    modules: {
      http_2xx: httpModule("GET"),
      http_post_2xx: httpModule("POST"),
      tcp_connect: { prober: "tcp", timeout: PROBE_TIMEOUT, tcp: ipProtocol },
      ...(settings.blackboxExporter.allowIcmp ? { icmp: { prober: "icmp" as const, timeout: PROBE_TIMEOUT, icmp: ipProtocol } } : {}),
    },
  };
}

/** The exporter's flags: its config, and the one port Prometheus scrapes. */
export function blackboxExporterArgs(configFile: string): string[] {
  return [`--config.file=${configFile}`, `--web.listen-address=:${BLACKBOX_PORT}`];
}
