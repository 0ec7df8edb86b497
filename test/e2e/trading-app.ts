/**
 * A stand-in for the team's FastAPI backend: the metrics the guide tells it to export, served by
 * prom-client, with behaviour the test controls (its share of 5xx answers; up or down).
 */
import * as http from "http";
import { Socket } from "net";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

const ORDERS_ENDPOINT = "/api/orders";

export class TradingApp {
  private readonly registry = new Registry();
  private readonly requests: Counter<"method" | "endpoint" | "status">;
  private readonly requestDuration: Histogram<"method" | "endpoint">;
  private readonly trades: Counter<"exchange" | "symbol" | "side" | "status">;
  private readonly orderLatency: Histogram<"exchange" | "order_type">;
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private served = 0;
  /** Every n-th order request fails with a 503; 0 means none does. */
  private failEvery = 0;

  constructor(readonly port: number) {
    const registers = [this.registry];
    this.requests = new Counter({ name: "http_requests_total", help: "Total HTTP requests", labelNames: ["method", "endpoint", "status"], registers });
    this.requestDuration = new Histogram({ name: "http_request_duration_seconds", help: "HTTP request duration in seconds", labelNames: ["method", "endpoint"], registers });
    this.trades = new Counter({ name: "trades_total", help: "Total number of trades executed", labelNames: ["exchange", "symbol", "side", "status"], registers });
    this.orderLatency = new Histogram({
      name: "order_execution_latency_seconds",
      help: "Order execution latency in seconds",
      labelNames: ["exchange", "order_type"],
      buckets: [0.1, 0.5, 1.0, 2.0, 5.0, 10.0],
      registers,
    });
    new Gauge({ name: "database_connections_active", help: "Number of active database connections", registers }).set(12);
    // Both outcomes exist from the first scrape, so a ratio never starts from a half-born series.
    for (const status of ["200", "503"]) this.requests.inc({ method: "POST", endpoint: ORDERS_ENDPOINT, status }, 0);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** 0.1 makes every tenth order request fail, exactly 10%. */
  setErrorShare(share: number): void {
    this.failEvery = share > 0 ? Math.round(1 / share) : 0;
  }

  start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
  }

  /** Like a crashed process: the port refuses connections and open ones are cut. */
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.url === "/metrics") {
      res.writeHead(200, { "content-type": this.registry.contentType });
      res.end(await this.registry.metrics());
      return;
    }
    const stopTimer = this.requestDuration.startTimer({ method: req.method ?? "GET", endpoint: ORDERS_ENDPOINT });
    this.served++;
    const fails = this.failEvery > 0 && this.served % this.failEvery === 0;
    const status = fails ? 503 : 200;
    if (!fails) {
      this.trades.inc({ exchange: "binance", symbol: "BTCUSDT", side: "buy", status: "filled" });
      this.orderLatency.observe({ exchange: "binance", order_type: "market" }, 0.05);
    }
    this.requests.inc({ method: req.method ?? "GET", endpoint: ORDERS_ENDPOINT, status: String(status) });
    stopTimer();
    res.writeHead(status, { "content-type": "application/json" });
    res.end(fails ? '{"error":"exchange unavailable"}' : '{"status":"filled"}');
  }
}

/** Steady order traffic against the app; requests while it is down simply fail, like a client's would. */
export function driveTraffic(app: TradingApp, requestsPerSecond: number): { stop(): void } {
  const agent = new http.Agent({ keepAlive: false });
  const timer = setInterval(() => {
    for (let i = 0; i < requestsPerSecond / 10; i++) {
      const req = http.request({ host: "127.0.0.1", port: app.port, path: ORDERS_ENDPOINT, method: "POST", agent }, (res) => res.resume());
      req.on("error", () => undefined);
      req.end();
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      agent.destroy();
    },
  };
}
