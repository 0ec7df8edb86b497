/**
 * Mailpit, dev's mail catcher: an SMTP server that keeps every message in memory and shows it in a
 * web UI, so a laptop cluster can see its alerts without a real relay. Flags as in Mailpit v1.33's
 * `mailpit --help`.
 */
export const MAIL_CATCHER_SMTP_PORT = 1025;
export const MAIL_CATCHER_HTTP_PORT = 8025;
/** Messages kept before the oldest are deleted: memory stays bounded without a volume. */
export const MAIL_CATCHER_MAX_MESSAGES = 500;

export function mailCatcherArgs(): string[] {
  return [
    `--smtp=0.0.0.0:${MAIL_CATCHER_SMTP_PORT}`,
    `--listen=0.0.0.0:${MAIL_CATCHER_HTTP_PORT}`,
    `--max=${MAIL_CATCHER_MAX_MESSAGES}`,
    // In-cluster peers have no reverse DNS worth waiting for, and a dev cluster has no need to phone home.
    "--smtp-disable-rdns",
    "--disable-version-check",
  ];
}
