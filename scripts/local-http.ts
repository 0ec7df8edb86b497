/** Small helpers for scripts that run upstream programs on 127.0.0.1 and read them over HTTP. */
import * as http from "http";
import * as net from "net";

/** A port nobody listens on right now, on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The body of a 2xx answer; anything else, or no answer within 30s, is an error naming the URL. */
export function request(url: string, method = "GET"): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, timeout: 30000 }, (response) => {
      let body = "";
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => (response.statusCode && response.statusCode < 300 ? resolve(body) : reject(new Error(`${url}: HTTP ${response.statusCode} ${body.slice(0, 200)}`))));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`${url}: timed out`)));
    req.end();
  });
}

/** Polls `check` every half second until it holds; the error says what never happened. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(500);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}
