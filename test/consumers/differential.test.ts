/**
 * Our checkers against the parsers of the programs that read the values (test/consumers/main.go),
 * on generated inputs (generators.ts): wherever the consumer fails or changes a value we refuse it,
 * and what we accept the consumer reads unchanged and can use. Where our grammar is deliberately
 * narrower than the consumer (a safe subset), the test says so and checks only that direction,
 * plus the values users need, which must be accepted.
 */
import fc from "fast-check";
import { isGoDomainName, mailboxAddress, parseHostPort, parseHttpUrl, urlProblem } from "../../configs/settings/addresses";
import { goTemplateLiteralProblem, hostPortProblem, labelValueProblem, mailboxProblem, metricsPathProblem, prometheusDurationNs } from "../../configs/settings/grammars";
import { re2Alternation } from "../../configs/kubernetes-rules";
import { askConsumers, ConsumerAnswer, ConsumerRequest, DIFFERENTIAL_RUNS } from "../helpers/consumers";
import * as gen from "./generators";

const SEED = 20;

/** The inputs, each with the consumer's answer to `request(value)`. */
function withAnswers(values: string[], request: (value: string) => ConsumerRequest | ConsumerRequest[]): { value: string; answers: ConsumerAnswer[] }[] {
  const unique = [...new Set(values)];
  const requests = unique.map((v) => [request(v)].flat());
  const answers = askConsumers(requests.flat());
  let next = 0;
  return unique.map((value, i) => ({ value, answers: requests[i].map(() => answers[next++]) }));
}

/** The first few disagreements, readable in a failure message. */
const firstFew = <T>(items: T[]) => items.slice(0, 8);

const canonicalPort = (port: string) => /^[1-9]\d*$/.test(port) && Number(port) <= 65535;

describe("host:port, as Go's net.SplitHostPort and dialer read it (exporters, static targets, smarthost, object storage)", () => {
  const cases = withAnswers(gen.inputs(gen.validHostPort, DIFFERENTIAL_RUNS, SEED, gen.hostPort), (value) => ({ op: "hostPort", value }));

  test(`${DIFFERENTIAL_RUNS} generated values: accepted exactly where Go reads the host and port unchanged and can dial them`, () => {
    // Go dials a port written 080 or a bracketed IPv4 address, but reads it as another text (80,
    // 1.2.3.4): we refuse those, and the root name "." (never a target). Otherwise the two agree.
    const consumerTakes = ({ value, answers: [a] }: { value: string; answers: ConsumerAnswer[] }) =>
      a.ok && canonicalPort(a.port) && (a.ip ? a.ipv6 === value.startsWith("[") : a.domain && a.host !== ".");
    const disagreements = cases.filter((c) => (hostPortProblem(c.value) === undefined) !== consumerTakes(c));
    expect(firstFew(disagreements.map((c) => ({ value: c.value, ours: hostPortProblem(c.value) ?? "accepted", go: c.answers[0] })))).toEqual([]);
    // What the network policies read from an accepted value is what Go dials.
    const misread = cases.filter((c) => {
      const parsed = parseHostPort(c.value);
      return parsed && (parsed.host !== c.answers[0].host || String(parsed.port) !== c.answers[0].port);
    });
    expect(firstFew(misread.map((c) => c.value))).toEqual([]);
    expect(cases.filter((c) => hostPortProblem(c.value) === undefined).length).toBeGreaterThan(DIFFERENTIAL_RUNS / 20);
  });

  test.each(["redis-exporter.db:9121", "smtp.gmail.com:587", "smtp.example.com.:587", "10.0.0.5:9121", "[fd00::5]:9187", "[::ffff:10.0.0.1]:25", "REDIS.example.com:6379", "my_host.example.com:25", "localhost:1", "a:65535"])(
    "%s is accepted",
    (value) => expect(hostPortProblem(value)).toBeUndefined(),
  );

  test.each(["1.2.3.256:80", "010.0.0.1:80", "1.2.3:80", "[fe80::1%eth0]:80", "fe80::1:80", "host:0", "host:080", "host:65536", "host.:", "-host:80", "ho st:80", "hóst:80", "host\u2028:80", "[1.2.3.4]:80", ".:80"])(
    "%s is refused",
    (value) => expect(hostPortProblem(value)).toBeDefined(),
  );
});

describe("URLs, as Go's net/url.Parse reads them (Grafana root URL, remote write, external Loki, runbooks, webhooks)", () => {
  const cases = withAnswers(gen.inputs(gen.validUrl, DIFFERENTIAL_RUNS, SEED + 1, gen.url), (value) => ({ op: "url", value }));

  /** Go reads the URL as this http(s) URL, unchanged (the scheme's case aside), and can connect to its host. */
  const consumerTakes = (value: string, a: ConsumerAnswer, query: boolean) =>
    a.ok &&
    ["http", "https"].includes(a.scheme) &&
    !a.user &&
    a.opaque === "" &&
    a.hostname !== "" &&
    (a.hostIP ? a.host.startsWith("[") === a.hostname.includes(":") : a.hostDomain && a.hostname !== ".") &&
    (a.port === "" ? !a.host.endsWith(":") : canonicalPort(a.port)) &&
    a.fragment === "" &&
    !value.includes("#") &&
    (query || (a.rawQuery === "" && !a.forceQuery)) &&
    a.string.toLowerCase() === value.toLowerCase() &&
    a.string.slice(a.scheme.length) === value.slice(a.scheme.length);

  test.each([false, true])(`${DIFFERENTIAL_RUNS} generated values (query allowed: %s): refused wherever Go fails or reads them changed; accepted ones read alike`, (query) => {
    const ours = (value: string) => urlProblem(value, ["https", "http"], "https://example.com", { query }) === undefined;
    // A deliberate subset: ASCII only, RFC 3986 characters in the path and query, no empty port or query.
    const wrongAccepts = cases.filter((c) => ours(c.value) && !consumerTakes(c.value, c.answers[0], query));
    expect(firstFew(wrongAccepts.map((c) => ({ value: c.value, go: c.answers[0] })))).toEqual([]);
    const misread = cases.filter((c) => {
      const parsed = parseHttpUrl(c.value, { query });
      if (typeof parsed === "string") return false;
      const a = c.answers[0];
      return parsed.scheme !== a.scheme || parsed.host !== a.hostname || parsed.path !== a.escapedPath || parsed.port !== Number(a.port || (a.scheme === "https" ? 443 : 80));
    });
    expect(firstFew(misread.map((c) => ({ value: c.value, ours: parseHttpUrl(c.value, { query }), go: c.answers[0] })))).toEqual([]);
    expect(cases.filter((c) => ours(c.value)).length).toBeGreaterThan(DIFFERENTIAL_RUNS / 20);
  });

  test.each([
    "https://grafana.example.com",
    "https://grafana.example.com/",
    "HTTPS://Grafana.Example.com/grafana/",
    "http://localhost:3000",
    "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push",
    "https://logs.example.com./loki/api/v1/push",
    "https://10.0.0.1:8443/a/b",
    "https://[fd00::1]:9443/push",
    "https://hooks.slack.com/services/T000/B000/XXXX",
    "https://git.example.com/org/repo/blob/main/docs/runbooks.md",
    "https://example.com/a%20b",
  ])("%s is accepted", (value) => expect(urlProblem(value, ["https", "http"], "e")).toBeUndefined());

  test.each([
    "https://user:pw@example.com/",
    "https://example.com:0/",
    "https://example.com:/",
    "https://exa mple.com/",
    "https://1.2.3.256/",
    "https://[fe80::1%25eth0]/",
    "https://example.com/\u2028",
    "https://例え.jp/",
    "https://example.com/a\\b",
    "https://example.com/%zz",
    "https://example.com/#frag",
    "https://example.com/?q=1",
    "javascript://example.com/",
    "https:///path",
  ])("%s is refused where paths are appended", (value) => expect(urlProblem(value, ["https", "http"], "e")).toBeDefined());
});

describe("mail addresses, as Alertmanager's Go net/mail reads from (ParseAddress) and to (ParseAddressList), then executes them as templates", () => {
  const cases = withAnswers(gen.inputs(gen.validMailbox, DIFFERENTIAL_RUNS, SEED + 2, gen.mailbox), (value) => [
    { op: "mailAddress", value },
    { op: "mailAddressList", value },
    { op: "template", value },
  ]);

  test(`${DIFFERENTIAL_RUNS} generated values: refused wherever Go fails, lists several addresses or the template changes it; accepted ones give the same address`, () => {
    // A deliberate subset of RFC 5322 (no comments, obsolete syntax, domain literals or { }).
    const wrongAccepts = cases.filter(({ value, answers: [single, list, template] }) => {
      if (mailboxProblem(value) !== undefined) return false;
      const address = mailboxAddress(value);
      return !single.ok || single.address !== address || !list.ok || list.addresses.length !== 1 || list.addresses[0] !== address || !template.ok || template.output !== value;
    });
    expect(firstFew(wrongAccepts.map((c) => ({ value: c.value, go: c.answers })))).toEqual([]);
    expect(cases.filter((c) => mailboxProblem(c.value) === undefined).length).toBeGreaterThan(DIFFERENTIAL_RUNS / 20);
  });

  test.each([
    "team@example.com",
    "first.last+alerts@sub.example.co.uk",
    "o'brien@example.ie",
    "Alerts <alerts@example.com>",
    '"Acme, Inc." <alerts@example.com>',
    "Jörg Müller <joerg@example.de>",
    "<alerts@example.com>",
    "root@localhost",
  ])("%s is accepted", (value) => expect(mailboxProblem(value)).toBeUndefined());

  test.each(["alerts", "a@b.", "a..b@example.com", "{{ .x }}@example.com", "a@example.com, b@example.com", "a@[1.2.3.4]", "(c) a@example.com", "Alerts <a@example.com", "a@example.com\u2028"])(
    "%s is refused",
    (value) => expect(mailboxProblem(value)).toBeDefined(),
  );
});

describe("durations, as Prometheus' model.ParseDuration reads them (Prometheus, Alertmanager, Loki)", () => {
  const cases = withAnswers(gen.inputs(gen.validDuration, DIFFERENTIAL_RUNS, SEED + 3, gen.duration), (value) => ({ op: "duration", value }));

  test(`${DIFFERENTIAL_RUNS} generated values: the same verdict and the same length in nanoseconds`, () => {
    const disagreements = cases.filter(({ value, answers: [a] }) => {
      const ours = prometheusDurationNs(value);
      return a.ok ? ours === undefined || String(ours) !== a.ns : ours !== undefined;
    });
    expect(firstFew(disagreements.map((c) => ({ value: c.value, ours: String(prometheusDurationNs(c.value)), go: c.answers[0] })))).toEqual([]);
    expect(cases.filter((c) => c.answers[0].ok).length).toBeGreaterThan(DIFFERENTIAL_RUNS / 20);
  });
});

describe("text inside Go templates (alert annotations, Alertmanager fields), as text/template executes it", () => {
  const text = fc.string({ unit: fc.constantFrom("a", " ", "{", "}", "$", ".", "/", "\\", '"', "-", "\n", "("), maxLength: 16 });
  const cases = withAnswers(gen.inputs(text, DIFFERENTIAL_RUNS, SEED + 4), (value) => ({ op: "template", value }));

  test(`${DIFFERENTIAL_RUNS} generated values: what we accept executes to itself`, () => {
    // Narrower than Go: `}}` alone is literal text to Go, and refused here.
    const changed = cases.filter(({ value, answers: [a] }) => goTemplateLiteralProblem(value) === undefined && (!a.ok || a.output !== value));
    expect(firstFew(changed.map((c) => ({ value: c.value, go: c.answers[0] })))).toEqual([]);
  });
});

describe("label values, as Prometheus 3 validates them", () => {
  const cases = withAnswers(gen.inputs(gen.label, DIFFERENTIAL_RUNS, SEED + 5), (value) => ({ op: "labelValue", value }));

  test(`${DIFFERENTIAL_RUNS} generated values: what we accept (Kubernetes label values, a subset) Prometheus takes`, () => {
    const wrongAccepts = cases.filter(({ value, answers: [a] }) => labelValueProblem(value) === undefined && !a.ok);
    expect(firstFew(wrongAccepts.map((c) => c.value))).toEqual([]);
  });
});

describe("regexes we build from settings (namespace matchers), as Prometheus compiles them (RE2, anchored)", () => {
  const names = fc.array(fc.oneof(gen.label, fc.string({ unit: "grapheme", maxLength: 8 }), gen.bent(gen.label)), { minLength: 1, maxLength: 4 });
  const lists = fc.sample(names, { numRuns: DIFFERENTIAL_RUNS, seed: SEED + 6 });

  test(`${DIFFERENTIAL_RUNS} generated lists: each compiles and matches exactly its own values`, () => {
    const answers = askConsumers(lists.map((list) => ({ op: "relabelRegex", value: re2Alternation(list), probes: [...list, ...list.map((n) => `${n}x`), ...list.map((n) => `x${n}`), "", "."] })));
    const wrong = lists.filter((list, i) => {
      const a = answers[i];
      if (!a.ok) return true;
      const expected = [...list.map(() => true), ...list.map((n) => list.includes(`${n}x`)), ...list.map((n) => list.includes(`x${n}`)), list.includes(""), list.includes(".")];
      return a.matches.some((m: boolean, j: number) => m !== expected[j]);
    });
    expect(firstFew(wrong)).toEqual([]);
  });
});

describe("app.metricsPath, as Prometheus writes it into each scrape request (url.URL{Path}.EscapedPath)", () => {
  const cases = withAnswers(gen.inputs(gen.metricsPath, DIFFERENTIAL_RUNS, SEED + 7), (value) => ({ op: "metricsPath", value }));

  test(`${DIFFERENTIAL_RUNS} generated values: accepted exactly where the path goes on the wire unchanged`, () => {
    const disagreements = cases.filter(({ value, answers: [a] }) => (metricsPathProblem(value) === undefined) !== (a.ok && value.startsWith("/") && a.escapedPath === value));
    expect(firstFew(disagreements.map((c) => ({ value: c.value, go: c.answers[0] })))).toEqual([]);
  });
});

test("the TypeScript mirror of Go's resolver name check agrees with it on every generated host", () => {
  const hosts = [...new Set(gen.inputs(gen.validDomain, DIFFERENTIAL_RUNS, SEED + 8, gen.domain))];
  const answers = askConsumers(hosts.map((h) => ({ op: "hostPort", value: `${h}:1` })));
  const disagreements = hosts.filter((h, i) => answers[i].ok && answers[i].host === h && h !== "." && isGoDomainName(h) !== answers[i].domain);
  expect(firstFew(disagreements)).toEqual([]);
});
