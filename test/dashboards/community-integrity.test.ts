import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildCommunityDashboardsScript } from "../../configs/dashboards/community";
import { GRAFANA_COMMUNITY_DASHBOARDS_DIR } from "../../configs/grafana";
import { parseSettings } from "../../configs/settings";

/** A stand-in `curl` on PATH that "downloads" $STUB_BODY into the file after -o. */
const CURL_STUB = `#!/bin/sh
while [ "$#" -gt 0 ]; do
  if [ "$1" = "-o" ]; then printf '%s' "$STUB_BODY" > "$2"; shift; fi
  shift
done
`;

const BODY = '{"title":"Node Exporter Full","panels":[{"datasource":"${DS_PROMETHEUS}"}]}';
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("community dashboards are checked against their pinned sha256 (the init container's script, run with sh against a stub curl)", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "community-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "curl"), CURL_STUB, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(entry: Record<string, unknown>, body: string) {
    const [dashboard] = parseSettings({ values: { grafana: { communityDashboards: [entry] } }, secrets: {} }).grafana.communityDashboards;
    // The script writes under Grafana's data folder; here under the test's own.
    const script = buildCommunityDashboardsScript([dashboard], ["prometheus"]).split(GRAFANA_COMMUNITY_DASHBOARDS_DIR).join(path.join(dir, "out"));
    const result = spawnSync("sh", ["-c", script], { env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, STUB_BODY: body }, encoding: "utf8" });
    const file = path.join(dir, "out", "Community", "1860.json");
    return { code: result.status, stderr: result.stderr, written: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined };
  }

  test("a download matching the pinned sha256 is mapped to our datasource and written", () => {
    const r = run({ id: 1860, revision: 41, sha256: sha256(BODY) }, BODY);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.written!).panels[0].datasource).toBe("prometheus");
  });

  test("a download that differs fails the container, names both digests and writes nothing", () => {
    const r = run({ id: 1860, revision: 41, sha256: sha256(BODY) }, BODY.replace("Full", "Tampered"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the stack pins ${sha256(BODY)}`);
    expect(r.stderr).toContain(sha256(BODY.replace("Full", "Tampered")));
    expect(r.written).toBeUndefined();
  });

  test("without a sha256 the pinned revision is fetched unchecked", () => {
    expect(run({ id: 1860, revision: 41 }, BODY).code).toBe(0);
  });

  test("a sha256 that is not 64 lowercase hex digits is refused at preview, naming the key", () => {
    expect(() => parseSettings({ values: { grafana: { communityDashboards: [{ id: 1860, revision: 41, sha256: "ABC" }] } }, secrets: {} })).toThrow(
      "observability:grafana.communityDashboards[0].sha256: must be the file's SHA-256 as sha256sum prints it: 64 lowercase hex digits",
    );
  });
});
