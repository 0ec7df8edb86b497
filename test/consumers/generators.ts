/**
 * Inputs for the differential tests: values shaped like each grammar's valid ones, then bent with
 * the edge cases that tell parsers apart (Unicode line and paragraph separators, NEL, control and
 * zero-width characters, percent escapes, backslashes, IPv6 zones, obsolete mail syntax, leading
 * zeros, octets over 255, trailing dots, `$`, `${}`, `$__file{}`, `{{ }}`).
 */
import fc from "fast-check";

export const EDGE_TOKENS = [
  "\u2028", "\u2029", "\u0085", "\u0000", "\t", "\n", "\r", "\u007f", "\u001b", "\u200b", "\u200d", "\ufeff", "\u00a0", " ",
  "%", "%2e", "%2F", "%25", "%zz", "%0a", "\\", "/", "//", "?", "#", "@", ":", "::", "[", "]", "%eth0", "%25eth0",
  "(comment)", "\"", "\"quoted\"", "<", ">", ",", ";", ".", "..", "0", "00", "010", "256", "999", "-", "_", "~",
  "$", "$$", "${}", "${X}", "$X", "$__file{/etc/passwd}", "$__env{HOME}", "${X:-d}", "{{", "}}", "{{ .Foo }}", "{{/* */}}",
  "é", "例", "ß", "İ", "\ud83d\ude00", "xn--", "=?utf-8?q?x?=",
];

const edgeToken = fc.constantFrom(...EDGE_TOKENS);

/** Applies up to three edits: insert an edge token, delete a character, or repeat a slice. */
export function bent(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 }), edgeToken);
  return fc.tuple(base, fc.array(edit, { maxLength: 3 })).map(([value, edits]) =>
    edits.reduce((s, [at, length, kind, token]) => {
      const i = s.length === 0 ? 0 : at % (s.length + 1);
      if (kind <= 1) return s.slice(0, i) + token + s.slice(i);
      if (kind === 2) return s.slice(0, i) + s.slice(i + 1);
      return s.slice(0, i) + s.slice(i, i + (length % 4) + 1) + s.slice(i);
    }, value),
  );
}

/**
 * As many inputs as `runs`: valid shapes, the same bent, odd shapes (`shape`, when given) and
 * arbitrary text. Only well-formed Unicode: a stack file is UTF-8, so a lone surrogate never arrives.
 */
export function inputs(valid: fc.Arbitrary<string>, runs: number, seed: number, shape: fc.Arbitrary<string> = valid): string[] {
  const arbitrary = fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 3, arbitrary: bent(valid) },
    { weight: 2, arbitrary: shape },
    { weight: 2, arbitrary: bent(shape) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 24 }) },
    { weight: 1, arbitrary: fc.array(edgeToken, { maxLength: 6 }).map((t) => t.join("")) },
  );
  return fc.sample(arbitrary, { numRuns: runs, seed }).filter((value) => !/[\ud800-\udfff]/u.test(value));
}

const letters = "abcdefghijklmnopqrstuvwxyz";
const chars = (alphabet: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });

export const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom("256", "300", "01", "00", "0x7f", "1e2"));
export const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
export const ipv6 = fc.oneof(
  fc.constantFrom("::1", "fd00::1", "2001:db8::8a2e:370:7334", "::ffff:1.2.3.4", "::ffff:01.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "00001::1", "::", "1::2::3", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "::ffff:256.1.1.1", "FD00::A"),
  fc.array(chars("0123456789abcdefABCDEF", 0, 5), { minLength: 2, maxLength: 9 }).map((g) => g.join(":")),
);
export const label = fc.oneof(chars(`${letters}0123456789-`, 1, 12), chars(`${letters}${letters.toUpperCase()}0123456789-_`, 1, 8), fc.constantFrom("a".repeat(63), "a".repeat(64), "xn--bcher-kva", "123"));
export const domain = fc.tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([labels, dot]) => labels.join(".") + (dot ? "." : ""));
export const host = fc.oneof({ weight: 4, arbitrary: domain }, { weight: 2, arbitrary: ipv4 }, { weight: 2, arbitrary: ipv6.map((ip) => `[${ip}]`) }, { weight: 1, arbitrary: ipv6 });
export const port = fc.oneof(fc.integer({ min: 1, max: 65535 }).map(String), fc.constantFrom("0", "65536", "99999", "080", "+80", "-1", "", "8o"));
export const hostPort = fc.tuple(host, port).map(([h, p]) => `${h}:${p}`);
const validLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
export const validDomain = fc.tuple(fc.array(validLabel, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([labels, dot]) => labels.join(".") + (dot ? "." : ""));
const validHost = fc.oneof(validDomain, fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join(".")), fc.constantFrom("[::1]", "[fd00::5]", "[2001:db8::1]"));
const validPort = fc.integer({ min: 1, max: 65535 }).map(String);
export const validHostPort = fc.tuple(validHost, validPort).map(([h, p]) => `${h}:${p}`);

const pathSegment = chars(`${letters}0123456789-._~!$&'()*+,;=:@%`, 0, 10);
export const path = fc.array(pathSegment, { maxLength: 4 }).map((segments) => segments.map((s) => `/${s}`).join(""));
export const url = fc
  .tuple(fc.constantFrom("https", "http", "HTTPS", "Http", "ftp", "javascript", ""), host, fc.option(port), path, fc.option(chars(`${letters}=&%+`, 0, 8)), fc.option(chars(letters, 0, 4)), fc.option(fc.constantFrom("user@", "user:pw@", ":@")))
  .map(([scheme, h, p, pth, query, fragment, user]) => `${scheme}://${user ?? ""}${h}${p === null ? "" : `:${p}`}${pth}${query === null ? "" : `?${query}`}${fragment === null ? "" : `#${fragment}`}`);

const validPath = fc.array(fc.stringMatching(/^[a-z0-9._~-]{0,8}$/), { maxLength: 4 }).map((segments) => segments.map((seg) => `/${seg}`).join(""));
export const validUrl = fc
  .tuple(fc.constantFrom("https", "http"), validHost, fc.option(validPort), validPath, fc.option(fc.stringMatching(/^[a-z]{1,4}=[a-z0-9]{1,4}$/)))
  .map(([scheme, h, p, pth, query]) => `${scheme}://${h}${p === null ? "" : `:${p}`}${pth}${query === null ? "" : `?${query}`}`);

const localAtom = chars(`${letters}0123456789!#$%&'*+/=?^_\`{|}~-`, 1, 8);
const localPart = fc.oneof(fc.array(localAtom, { minLength: 1, maxLength: 3 }).map((a) => a.join(".")), fc.constantFrom('"quoted local"', '"a\\"b"', ".a", "a.", "a..b"));
const mailDomain = fc.oneof(domain, fc.constantFrom("[1.2.3.4]", "[IPv6:::1]", "example.com.", "-a.com"));
const address = fc.tuple(localPart, mailDomain).map(([l, d]) => `${l}@${d}`);
const displayName = fc.oneof(
  fc.array(chars(`${letters}ÄéJörg0123456789.'-`, 1, 8), { minLength: 1, maxLength: 3 }).map((w) => w.join(" ")),
  chars(`${letters} ,.;:()<>@\\`, 0, 10).map((s) => `"${s}"`),
  fc.constantFrom("=?utf-8?q?Alerts?=", "(comment)", "Alerts (team)", "  "),
);
export const validMailbox = fc
  .tuple(fc.option(fc.stringMatching(/^[A-Z][a-z]{0,6}( [A-Z][a-z]{0,6})?$/)), fc.stringMatching(/^[a-z0-9._+-]{1,10}$/), validDomain)
  .map(([name, local, d]) => (name === null ? `${local}@${d}` : `${name} <${local}@${d}>`));
export const mailbox = fc.oneof(address, fc.tuple(displayName, address).map(([n, a]) => `${n} <${a}>`), fc.tuple(address, address).map(([a, b]) => `${a}, ${b}`), address.map((a) => `<${a}>`));

export const validDuration = fc
  .array(fc.tuple(fc.nat({ max: 500 }), fc.boolean()), { minLength: 7, maxLength: 7 })
  .map((parts) => parts.map(([n, on], i) => (on ? `${n}${["y", "w", "d", "h", "m", "s", "ms"][i]}` : "")).join("") || "0");
export const duration = fc.oneof(
  fc.array(fc.tuple(fc.oneof(fc.nat({ max: 1000 }).map(String), fc.constantFrom("0", "01", "292", "293", "9223372036", "106751", "99999999999999999999")), fc.constantFrom("y", "w", "d", "h", "m", "s", "ms", "us", "µs", "ns", "")), { minLength: 1, maxLength: 4 }).map((parts) => parts.map(([n, u]) => n + u).join("")),
  fc.constantFrom("0", "", "1.5h", "-1s", "1h1h", "1m1h", "+1s", "1 s", "1S"),
);

export const metricsPath = fc.oneof(path, path.map((p) => p || "/"), fc.constantFrom("/metrics", "metrics", "/a b", "/a?b", "/a#b", "/%41", "/é", "/a/../b", "//x", "/a\\b"));
