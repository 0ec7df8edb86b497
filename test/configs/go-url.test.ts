/**
 * The URLs the settings accept for Go programs (a probe's target, Grafana's OAuth endpoints) are
 * read by Go's net/url exactly as our check reads them: a differential test against Go itself, on
 * generated URLs with the parts where the WHATWG parser and Go's disagree (case, escapes, dot
 * segments, default ports, IPv6, non-ASCII).
 */
import * as fc from "fast-check";
import { canonicalUrlProblem } from "../../configs/settings/grammars";
import { askConsumers } from "../helpers/consumers";
import { withBinaries } from "../helpers/binaries";

interface GoReading {
  error?: string;
  scheme?: string;
  hostname?: string;
  port?: string;
  path?: string;
  query?: string;
  user?: boolean;
}

/** How Go's net/url.Parse reads each URL (test/consumers, one process for the batch). */
function goParse(urls: string[]): GoReading[] {
  return askConsumers(urls.map((value) => ({ op: "url" as const, value }))).map((a) =>
    a.ok ? { scheme: a.scheme, hostname: a.hostname, port: a.port, path: a.escapedPath, query: a.rawQuery, user: a.user } : { error: a.error },
  );
}

const label = fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/);
const host = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join(".")),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((octets) => octets.join(".")),
  fc.constantFrom("[::1]", "[2001:db8::10]", "[fd00:0:0::1]", "bücher.example", "EXAMPLE.com", "a_b.example"),
);
const port = fc.option(fc.oneof(fc.integer({ min: 1, max: 65535 }).map(String), fc.constantFrom("80", "443", "0", "99999", "")), { nil: undefined });
const segment = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9._~-]{0,8}$/),
  fc.constantFrom(".", "..", "%41", "%zz", "%", "a%2Fb", "ä", "a b", "a:b", "@", "!$&'()*+,;="),
);
const query = fc.option(fc.constantFrom("a=1", "a=1&b=2", "q=%20x", "x=ä", "", "a=%zz"), { nil: undefined });
const url = fc
  .tuple(fc.constantFrom("https", "http", "HTTPS", "ftp"), host, port, fc.array(segment, { maxLength: 4 }), query, fc.boolean())
  .map(([scheme, h, p, segments, q, trailingSlash]) => `${scheme}://${h}${p === undefined ? "" : `:${p}`}/${segments.join("/")}${trailingSlash && segments.length > 0 ? "/" : ""}${q === undefined ? "" : `?${q}`}`);

describe("URLs for Go programs", () => {
  withBinaries("go")("every URL the settings accept, Go reads with the same scheme, host, port, path and query", () => {
    const samples = fc.sample(url, { numRuns: 20000, seed: 42 });
    const accepted = samples.filter((u) => canonicalUrlProblem(u, ["https", "http"], "https://example.com/") === undefined);
    // Enough of both kinds that the comparison means something.
    expect(accepted.length).toBeGreaterThan(200);
    expect(samples.length - accepted.length).toBeGreaterThan(300);
    const go = goParse(accepted);
    const disagreements = accepted.flatMap((u, i) => {
      const whatwg = new URL(u);
      const ours: GoReading = {
        scheme: whatwg.protocol.slice(0, -1),
        hostname: whatwg.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: whatwg.port,
        path: whatwg.pathname,
        query: whatwg.search.slice(1),
        user: false,
      };
      const sorted = (reading: GoReading) => JSON.stringify(reading, Object.keys(reading).sort());
      return sorted(go[i]) === sorted(ours) ? [] : [{ url: u, go: go[i], ours }];
    });
    expect(disagreements.slice(0, 5)).toEqual([]);
  }, 60000);

  withBinaries("go")("Go refuses what the check refuses for its escapes", () => {
    expect(goParse(["https://shop.example.com/a%zzb"])[0].error).toMatch(/invalid URL escape/);
    expect(canonicalUrlProblem("https://shop.example.com/a%zzb", ["https"], "https://example.com/")).toMatch(/%XX escapes/);
  });
});
