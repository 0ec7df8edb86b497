/**
 * Numbers and identifiers as the programs use them: dashboard ids a JavaScript number holds exactly,
 * image tags that name a release, metrics paths Prometheus sends unchanged, secrets that are one
 * line and keep their edges.
 */
import { isPinnedImage } from "../../configs/images";
import { settingsProblems } from "../helpers/stack-settings";

const problems = settingsProblems;

const dashboard = (id: number, revision: number) => ({ grafana: { communityDashboards: [{ id, revision }] } });

describe("numbers and identifiers", () => {
  test.each([
    ["a dashboard id past 2^53", dashboard(2 ** 53, 1), "grafana.communityDashboards[0].id", /safe integer/],
    ["a revision past 2^53", dashboard(1860, 1e300), "grafana.communityDashboards[0].revision", /safe integer/],
    ["latest", { images: { grafana: "grafana/grafana:latest" } }, "images.grafana", /release tag/],
    ["LATEST", { images: { grafana: "grafana/grafana:LATEST" } }, "images.grafana", /release tag/],
    ["main", { images: { loki: "grafana/loki:main" } }, "images.loki", /release tag/],
    ["stable", { images: { prometheus: "prom/prometheus:stable" } }, "images.prometheus", /release tag/],
    ["a bare major version", { images: { grafana: "grafana/grafana:13" } }, "images.grafana", /release tag/],
    ["nightly", { images: { alloy: "grafana/alloy:nightly" } }, "images.alloy", /release tag/],
    ["a metrics path with %", { app: { metricsPath: "/metrics%2Fx" } }, "app.metricsPath", /percent-encodes/],
    ["a metrics path with a space", { app: { metricsPath: "/my metrics" } }, "app.metricsPath", /percent-encodes/],
    ["a metrics path with !", { app: { metricsPath: "/metrics!" } }, "app.metricsPath", /percent-encodes/],
  ])("%s is refused", (_, values, key, message) => {
    const found = problems(values);
    expect(found.find((p) => p.startsWith(`observability:${key}: `))).toMatch(message);
  });

  test.each([
    ["image tags with a suffix, a v or four parts", { images: { grafana: "grafana/grafana:13.2.0-ubuntu", prometheus: "quay.io/prometheus/prometheus:v3.14.0", loki: "registry.example.com:5000/loki:3.7.7.1", alloy: "alloy:2024.01" } }],
    ["a dashboard id at 2^53 - 1", dashboard(2 ** 53 - 1, 41)],
    ["metrics paths Prometheus keeps", { app: { metricsPath: "/api/v1/metrics;format=prom:x@y$z&a+b=c,d~e" } }],
  ])("%s is accepted", (_, values) => {
    expect(problems(values)).toEqual([]);
  });

  test("every default image names a release", () => {
    const { defaultImages } = jest.requireActual("../../configs/images") as typeof import("../../configs/images");
    expect(Object.values(defaultImages).filter((image) => !isPinnedImage(image))).toEqual([]);
  });

  test.each([
    ["a line break", "smtpPassword", "pass\nword", /one line/],
    ["a carriage return", "lokiObjectStorageSecretKey", "key\r", /one line/],
    ["NEL", "grafanaAdminPassword", "pass\u0085word", /one line/],
    ["U+2028", "externalLokiPassword", "pass\u2028word", /one line/],
    ["a tab", "remoteWritePassword", "pass\tword", /one line/],
    ["a leading space", "smtpPassword", " password", /whitespace/],
    ["a trailing no-break space", "grafanaAdminPassword", "password\u00a0", /whitespace/],
  ])("a secret with %s is refused without showing it", (_, key, value, message) => {
    const found = problems({}, { [key]: { secure: true, value } });
    expect(found).toEqual([expect.stringMatching(new RegExp(`^observability:${key}: `))]);
    expect(found[0]).toMatch(message);
    expect(found[0]).not.toContain(value.trim());
  });
});
