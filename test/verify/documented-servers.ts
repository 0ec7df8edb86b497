/**
 * Grafana and Loki as their HTTP API documentation describes them, for the endpoints verify calls:
 * they are AGPL and never built here. Each answer's shape is the documented example (Grafana 13.2
 * "HTTP API": Other → Health API, Data source → health by uid, Dashboard → get by uid, Search; Loki
 * 3.7 "Loki HTTP API": /ready, POST /loki/api/v1/push, GET /loki/api/v1/query_range, GET /config),
 * with this stack's values. Each server records the requests it got, and can be told to misbehave
 * the way a broken deployment would.
 */
import * as http from "http";
import { AddressInfo } from "net";

interface Recorded {
  method: string;
  path: string;
  authorization?: string;
  body: string;
}

abstract class DocumentedServer {
  readonly requests: Recorded[] = [];
  private readonly server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      this.requests.push({ method: req.method ?? "GET", path: url.pathname + url.search, authorization: req.headers.authorization, body });
      const [status, type, payload] = this.answer(req.method ?? "GET", url, body, req.headers.authorization);
      res.writeHead(status, { "content-type": type });
      res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
    });
  });

  protected abstract answer(method: string, url: URL, body: string, authorization?: string): [number, string, unknown];

  /** On 127.0.0.1, at `port` (default: one the OS picks). */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const JSON_TYPE = "application/json";

export class DocumentedGrafana extends DocumentedServer {
  /** uid → the datasource's health check answer; unset uids are healthy. */
  readonly datasourceErrors = new Map<string, string>();
  /** Dashboards provisioned and present, by uid, with their folder. */
  readonly dashboards = new Map<string, { title: string; folderTitle: string }>();

  constructor(private readonly login: string) {
    super();
  }

  protected answer(_method: string, url: URL, _body: string, authorization?: string): [number, string, unknown] {
    if (url.pathname === "/api/health") return [200, JSON_TYPE, { commit: "087143285", database: "ok", version: "13.2.0" }];
    if (authorization !== `Basic ${Buffer.from(this.login).toString("base64")}`) return [401, JSON_TYPE, { message: "Unauthorized" }];
    const health = /^\/api\/datasources\/uid\/([^/]+)\/health$/.exec(url.pathname);
    if (health) {
      const error = this.datasourceErrors.get(decodeURIComponent(health[1]));
      return error ? [400, JSON_TYPE, { status: "ERROR", message: error }] : [200, JSON_TYPE, { status: "OK", message: "Data source is working" }];
    }
    const dashboard = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(url.pathname);
    if (dashboard) {
      const found = this.dashboards.get(decodeURIComponent(dashboard[1]));
      return found
        ? [200, JSON_TYPE, { dashboard: { uid: dashboard[1], title: found.title, version: 1 }, meta: { isStarred: false, provisioned: true, folderTitle: found.folderTitle } }]
        : [404, JSON_TYPE, { message: "Dashboard not found" }];
    }
    if (url.pathname === "/api/search") {
      return [200, JSON_TYPE, [...this.dashboards].map(([uid, d], id) => ({ id, uid, title: d.title, type: "dash-db", folderTitle: d.folderTitle, tags: [], isStarred: false }))];
    }
    return [404, JSON_TYPE, { message: "Not found" }];
  }
}

export class DocumentedLoki extends DocumentedServer {
  readonly lines: { labels: Record<string, string>; ns: string; line: string }[] = [];
  /** Accepts pushes but never returns them (a broken store). */
  losesLines = false;
  retentionEnabled = true;

  constructor(private readonly retentionPeriod: string) {
    super();
  }

  protected answer(method: string, url: URL, body: string): [number, string, unknown] {
    if (url.pathname === "/ready") return [200, "text/plain", "ready\n"];
    if (url.pathname === "/loki/api/v1/push" && method === "POST") {
      const push = JSON.parse(body) as { streams: { stream: Record<string, string>; values: [string, string][] }[] };
      if (!this.losesLines) for (const s of push.streams) for (const [ns, line] of s.values) this.lines.push({ labels: s.stream, ns, line });
      return [204, "text/plain", ""];
    }
    if (url.pathname === "/loki/api/v1/query_range") {
      // Only the selector verify sends: {name="value"}.
      const [, name, value] = /^\{(\w+)="([^"]*)"\}$/.exec(url.searchParams.get("query") ?? "") ?? [];
      const matching = this.lines.filter((l) => l.labels[name] === value);
      const result = matching.length ? [{ stream: matching[0].labels, values: matching.map((l) => [l.ns, l.line]) }] : [];
      return [200, JSON_TYPE, { status: "success", data: { resultType: "streams", result, stats: {} } }];
    }
    if (url.pathname === "/config") {
      return [200, "text/plain; charset=utf-8", `auth_enabled: false\ncompactor:\n  working_directory: /loki/compactor\n  retention_enabled: ${this.retentionEnabled}\n  retention_delete_delay: 2h0m0s\nlimits_config:\n  retention_period: ${this.retentionPeriod}\n  ingestion_rate_mb: 10\n`];
    }
    return [404, "text/plain", "404 page not found\n"];
  }
}

/** A log agent's /metrics: Promtail's counters, as it exposes them. */
export class AgentMetrics extends DocumentedServer {
  dropped = 0;
  failedPushes = 0;
  protected answer(): [number, string, unknown] {
    return [
      200,
      "text/plain; version=0.0.4",
      [
        "# HELP promtail_dropped_entries_total Number of log entries dropped because failed to be sent to the ingester after all retries.",
        "# TYPE promtail_dropped_entries_total counter",
        `promtail_dropped_entries_total{host="loki.monitoring.svc.cluster.local:3100",reason="ingester_error",tenant=""} ${this.dropped}`,
        "# TYPE promtail_request_duration_seconds histogram",
        `promtail_request_duration_seconds_count{host="loki.monitoring.svc.cluster.local:3100",status_code="204"} 120`,
        `promtail_request_duration_seconds_count{host="loki.monitoring.svc.cluster.local:3100",status_code="500"} ${this.failedPushes}`,
        "",
      ].join("\n"),
    ];
  }
}
