import * as https from "https";

/** An object as the API server returns it: what the tests read of it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid: string; creationTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[]; deletionTimestamp?: string };
  [key: string]: any;
}

/** A refusal from the API server, carrying its status and message (`Forbidden`, `AlreadyExists`, `Invalid`...). */
export class KubeApiError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }
}

/**
 * A minimal client for the test cluster's API server: bearer token, TLS verified against the
 * server's own CA, JSON in and out. Errors name the request and carry the server's message.
 */
export class KubeApi {
  private readonly agent: https.Agent;

  constructor(readonly server: string, private readonly token: string, ca: string) {
    // No keep-alive: the API server closes idle connections, and a reused one fails with "socket hang up".
    this.agent = new https.Agent({ ca, keepAlive: false });
  }

  /** The same server, another identity (e.g. a ServiceAccount's token). */
  as(token: string): KubeApi {
    return new KubeApi(this.server, token, this.agent.options.ca as string);
  }

  request<T = any>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const url = new URL(path, this.server);
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: "application/json",
            ...(payload !== undefined ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve((text && res.headers["content-type"]?.includes("json") ? JSON.parse(text) : text) as T);
              return;
            }
            let parsed: any = {};
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = { message: text };
            }
            reject(new KubeApiError(status, parsed.reason ?? String(status), `${method} ${path}: ${status} ${parsed.reason ?? ""}: ${parsed.message ?? text}`));
          });
        },
      );
      req.on("error", (err) => reject(new Error(`${method} ${path}: ${err.message}`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get<T = KubeObject>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /** The object, or undefined when the server says it does not exist. */
  async find<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async list(path: string, query: Record<string, string> = {}): Promise<KubeObject[]> {
    const search = new URLSearchParams(query).toString();
    return (await this.get<{ items: KubeObject[] }>(search ? `${path}?${search}` : path)).items;
  }

  post<T = KubeObject>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  /** Server-side apply of a whole object, as field manager `observability-tests`. */
  apply(path: string, object: unknown): Promise<KubeObject> {
    return this.request("PATCH", `${path}?fieldManager=observability-tests&force=true`, object, "application/apply-patch+yaml");
  }

  delete(path: string): Promise<unknown> {
    return this.request("DELETE", path);
  }
}

/** The REST path of a namespaced or cluster-scoped resource collection or object. */
export function resourcePath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${namespace ? `/namespaces/${namespace}` : ""}/${plural}${name ? `/${name}` : ""}`;
}
