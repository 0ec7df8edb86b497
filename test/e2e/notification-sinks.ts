/** Where Alertmanager's notifications land in the e2e test: an SMTP server, a Slack and a Discord webhook. */
import * as http from "http";
import { SMTPServer, SMTPServerOptions } from "smtp-server";

export interface ReceivedEmail {
  /** Envelope recipients: who the mail was delivered to. */
  to: string[];
  subject: string;
  /** The body with quoted-printable soft breaks and escapes undone, so text can be searched. */
  body: string;
}

export interface SlackMessage {
  channel: string;
  titles: string[];
  texts: string[];
}

/**
 * An SMTP server on loopback. With credentials it accepts mail only after AUTH, like the prod relay;
 * without, it takes mail with neither TLS nor AUTH, as the dev stack's Mailpit does.
 */
export class SmtpSink {
  readonly emails: ReceivedEmail[] = [];
  private readonly server: SMTPServer;

  constructor(credentials?: { username: string; password: string }) {
    const auth: SMTPServerOptions = credentials
      ? {
          // Plain SMTP on loopback: Alertmanager sends PLAIN credentials to 127.0.0.1 without TLS.
          disabledCommands: ["STARTTLS"],
          allowInsecureAuth: true,
          authMethods: ["PLAIN", "LOGIN"],
          onAuth: (auth, _session, callback) => {
            if (auth.username === credentials.username && auth.password === credentials.password) callback(null, { user: credentials.username });
            else callback(new Error("Invalid username or password"));
          },
        }
      : { disabledCommands: ["STARTTLS", "AUTH"], authOptional: true };
    this.server = new SMTPServer({
      logger: false,
      ...auth,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          this.emails.push(parseEmail(Buffer.concat(chunks).toString("utf8"), session.envelope.rcptTo.map((r) => r.address)));
          callback();
        });
      },
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function parseEmail(raw: string, to: string[]): ReceivedEmail {
  const headerEnd = raw.indexOf("\r\n\r\n");
  const headers = raw.slice(0, headerEnd).replace(/\r\n[ \t]+/g, " ");
  const subject = /^Subject: (.*)$/im.exec(headers)?.[1] ?? "";
  const body = raw
    .slice(headerEnd + 4)
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { to, subject, body };
}

/** A webhook receiver on 127.0.0.1 that keeps what each JSON POST carried. */
abstract class WebhookSink<Message> {
  readonly messages: Message[] = [];
  private readonly server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      this.messages.push(this.read(JSON.parse(body), req.url ?? ""));
      res.writeHead(this.okStatus, { "content-type": "text/plain" });
      res.end(this.okBody);
    });
  });

  protected abstract readonly okStatus: number;
  /** What the real service answers; Alertmanager retries a Slack post whose answer is not `ok`. */
  protected abstract readonly okBody: string;
  protected abstract read(payload: any, path: string): Message;

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Answers like Slack's incoming webhooks. */
export class SlackSink extends WebhookSink<SlackMessage> {
  protected readonly okStatus: number = 200;
  protected readonly okBody: string = "ok";
  protected read(payload: { channel: string; attachments?: { title?: string; text?: string }[] }): SlackMessage {
    const attachments = payload.attachments ?? [];
    return { channel: payload.channel, titles: attachments.map((a) => a.title ?? ""), texts: attachments.map((a) => a.text ?? "") };
  }
}

export interface DiscordMessage {
  /** The webhook path the message was posted to (it carries the webhook's id and token). */
  path: string;
  titles: string[];
  descriptions: string[];
}

/** Answers like Discord's webhooks (204 No Content); Alertmanager sends its title and message as an embed. */
export class DiscordSink extends WebhookSink<DiscordMessage> {
  protected readonly okStatus = 204;
  protected readonly okBody = "";
  protected read(payload: { embeds?: { title?: string; description?: string }[] }, path: string): DiscordMessage {
    const embeds = payload.embeds ?? [];
    return { path, titles: embeds.map((e) => e.title ?? ""), descriptions: embeds.map((e) => e.description ?? "") };
  }
}

export interface Heartbeat {
  /** When it arrived (Date.now()). */
  at: number;
  path: string;
  alertnames: string[];
}

/**
 * A heartbeat service (healthchecks.io and the like): it only counts pings. With `failing`, it
 * answers 500 to every one, like a service that is down or a revoked URL.
 */
export class HeartbeatSink extends WebhookSink<Heartbeat> {
  protected get okStatus(): number {
    return this.failing ? 500 : 200;
  }
  protected readonly okBody = "OK";

  constructor(private readonly failing = false) {
    super();
  }

  protected read(payload: { alerts?: { labels?: Record<string, string> }[] }, path: string): Heartbeat {
    return { at: Date.now(), path, alertnames: (payload.alerts ?? []).map((a) => a.labels?.alertname ?? "") };
  }
}
