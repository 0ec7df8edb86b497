/** Requests straight to an address: the tests' transport, where each "pod" is a process on 127.0.0.1. */
import { HttpRequest, HttpResponse, PodPort, Transport } from "./model";

export class DirectTransport implements Transport {
  /** `baseUrl` maps a pod's port to where it listens, e.g. `http://127.0.0.1:41234`; undefined refuses the request. */
  constructor(private readonly baseUrl: (target: PodPort) => string | undefined, private readonly timeoutMs: number) {}

  async request(target: PodPort, path: string, init: HttpRequest = {}): Promise<HttpResponse> {
    const base = this.baseUrl(target);
    if (!base) throw new Error(`no route to ${target.namespace}/${target.pod}:${target.port}`);
    return httpRequest(`${base}${path}`, init, this.timeoutMs);
  }

  async close(): Promise<void> {}
}

/** One request bounded by `timeoutMs`; the error says which URL timed out. */
export async function httpRequest(url: string, init: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
  try {
    const response = await fetch(url, { method: init.method ?? "GET", headers: init.headers, body: init.body, signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, text: await response.text() };
  } catch (err: any) {
    const path = new URL(url).pathname;
    if (err?.name === "TimeoutError") throw new Error(`${path}: no answer within ${timeoutMs / 1000}s`);
    throw new Error(`${path}: ${err?.cause?.message ?? err?.message ?? err}`);
  }
}
