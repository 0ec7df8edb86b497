/** Where Alertmanager's notifications land in the e2e test: an SMTP server and a Slack webhook. */
import * as http from "http";
import { SMTPServer } from "smtp-server";

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

/** Accepts mail only after AUTH with the given credentials, like the prod relay. */
export class SmtpSink {
  readonly emails: ReceivedEmail[] = [];
  private readonly server: SMTPServer;

  constructor(credentials: { username: string; password: string }) {
    this.server = new SMTPServer({
      logger: false,
      // Plain SMTP on loopback: Alertmanager sends PLAIN credentials to 127.0.0.1 without TLS.
      disabledCommands: ["STARTTLS"],
      allowInsecureAuth: true,
      authMethods: ["PLAIN", "LOGIN"],
      onAuth: (auth, _session, callback) => {
        if (auth.username === credentials.username && auth.password === credentials.password) callback(null, { user: auth.username });
        else callback(new Error("Invalid username or password"));
      },
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

/** Answers like Slack's incoming webhooks and keeps every message posted. */
export class SlackSink {
  readonly messages: SlackMessage[] = [];
  private readonly server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const payload = JSON.parse(body) as { channel: string; attachments?: { title?: string; text?: string }[] };
      const attachments = payload.attachments ?? [];
      this.messages.push({ channel: payload.channel, titles: attachments.map((a) => a.title ?? ""), texts: attachments.map((a) => a.text ?? "") });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });

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
