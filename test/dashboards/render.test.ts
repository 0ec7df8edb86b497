import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { GRAFANA_COMMUNITY_DASHBOARDS_DIR } from "../../configs/grafana";
import { defaultImages } from "../../configs/images";
import { containersOf, find, render, RenderResult } from "../helpers/render";

const DASHBOARD_FILE = /^grafana\/dashboards\/([^/]+)\/([^/]+)\.json$/;

const COMMUNITY = [
  { id: 1860, revision: 41, folder: "Infrastructure" },
  { id: 13639, revision: 2, folder: "Observability", datasources: { DS_LOKI: "loki" } },
];
// Each render is a child process: start the three together, the tests await the one they need.
const renders = {
  prod: render({ stack: "prod" }),
  community: render({ stack: "dev", set: [`grafana=${JSON.stringify({ communityDashboards: COMMUNITY })}`] }),
  withoutLoki: render({ stack: "dev", set: ['loki={"enabled":false}', "logAgent=none"] }),
};

/** Every datasource reference anywhere in a dashboard's JSON. */
function datasourceRefs(node: unknown): { type?: string; uid?: string }[] {
  if (Array.isArray(node)) return node.flatMap(datasourceRefs);
  if (node === null || typeof node !== "object") return [];
  const record = node as Record<string, unknown>;
  return [...(record.datasource && typeof record.datasource === "object" ? [record.datasource as { uid?: string }] : []), ...Object.values(record).flatMap(datasourceRefs)];
}

describe("npm run render -- --stack prod", () => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await renders.prod;
  });

  test("writes at least the seven dashboards, one file per dashboard under its Grafana folder, each parsing with a unique uid", () => {
    const files = Object.keys(r.files).filter((f) => DASHBOARD_FILE.test(f));
    expect(files.length).toBeGreaterThanOrEqual(7);
    const uids = files.map((file) => {
      const [, folder, name] = DASHBOARD_FILE.exec(file)!;
      const json = JSON.parse(r.files[file]);
      expect([file, json.uid, ["Application", "Infrastructure", "Kubernetes", "Observability"].includes(folder)]).toEqual([file, name, true]);
      return json.uid;
    });
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.sort()).toEqual(
      ["application", "database-cache", "infrastructure", "kubernetes-nodes-volumes", "kubernetes-workloads", "logs", "ml", "stack-health", "trading"].map((n) => `observability-${n}`),
    );
  });

  test("every datasource a dashboard names is in the rendered datasources provisioning", () => {
    const provisioned = parse(r.files["grafana/provisioning/datasources/datasources.yaml"]).datasources.map((d: any) => `${d.type}/${d.uid}`);
    const dashboards = Object.keys(r.files).filter((f) => DASHBOARD_FILE.test(f));
    for (const file of dashboards) {
      for (const ref of datasourceRefs(JSON.parse(r.files[file]))) expect([file, provisioned.includes(`${ref.type}/${ref.uid}`)]).toEqual([file, true]);
    }
  });

  test("Grafana's alerting view gets the stack's Alertmanager as a datasource", () => {
    const alertmanager = parse(r.files["grafana/provisioning/datasources/datasources.yaml"]).datasources.find((d: any) => d.type === "alertmanager");
    expect(alertmanager).toMatchObject({
      uid: "alertmanager",
      url: "http://alertmanager.monitoring.svc.cluster.local:9093",
      jsonData: { implementation: "prometheus" },
    });
  });

  test("each folder is a stable-named ConfigMap mounted whole at its folder, so the provider sees real directories", () => {
    const grafana = find(r, "Deployment", "grafana").spec.template.spec;
    const container = grafana.containers.find((c: any) => c.name === "grafana");
    for (const folder of ["Application", "Infrastructure", "Kubernetes", "Observability"]) {
      const map = find(r, "ConfigMap", `grafana-dashboards-${folder.toLowerCase()}`);
      expect(map.immutable).toBeUndefined();
      const volume = grafana.volumes.find((v: any) => v.configMap?.name === map.metadata.name);
      expect(volume.configMap.items).toBeUndefined();
      expect(container.volumeMounts).toContainEqual({ name: volume.name, mountPath: `/var/lib/grafana/dashboards/${folder}`, readOnly: true });
    }
    const providers = parse(r.files["grafana/provisioning/dashboards/providers.yaml"]).providers;
    expect(providers).toEqual([expect.objectContaining({ name: "observability", options: { path: "/var/lib/grafana/dashboards", foldersFromFilesStructure: true } })]);
    expect(grafana.initContainers.map((c: any) => c.name)).not.toContain("fetch-community-dashboards");
  });
});

describe("community dashboards", () => {
  let r: RenderResult;
  let script: string;
  beforeAll(async () => {
    r = await renders.community;
    const fetcher = containersOf(find(r, "Deployment", "grafana")).find((c) => c.name === "fetch-community-dashboards")!;
    script = fetcher.args[0];
  });

  test("are fetched by a restricted init container with the pinned curl image into an emptyDir the second provider reads", () => {
    const spec = find(r, "Deployment", "grafana").spec.template.spec;
    const fetcher = spec.initContainers.find((c: any) => c.name === "fetch-community-dashboards");
    expect(fetcher.image).toBe(defaultImages.curl);
    expect(fetcher.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 472,
      runAsGroup: 472,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(fetcher.resources.limits.memory).toBeDefined();
    expect(fetcher.volumeMounts).toEqual([{ name: "community-dashboards", mountPath: GRAFANA_COMMUNITY_DASHBOARDS_DIR }]);
    expect(spec.volumes).toContainEqual({ name: "community-dashboards", emptyDir: {} });
    const grafana = spec.containers.find((c: any) => c.name === "grafana");
    expect(grafana.volumeMounts).toContainEqual({ name: "community-dashboards", mountPath: GRAFANA_COMMUNITY_DASHBOARDS_DIR, readOnly: true });
    const providers = parse(r.files["grafana/provisioning/dashboards/providers.yaml"]).providers;
    expect(providers.map((p: any) => [p.name, p.options.path])).toEqual([
      ["observability", "/var/lib/grafana/dashboards"],
      ["community", GRAFANA_COMMUNITY_DASHBOARDS_DIR],
    ]);
  });

  test("the script downloads each id and revision from grafana.com and maps its datasource inputs to our uids", () => {
    // Run it with a stand-in curl that serves a dashboard using the inputs, as grafana.com's export does.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "community-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, "curl"),
      `#!/bin/sh\nout=""; url=""\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift;; https://*) url="$1";; esac; shift; done\n` +
        `printf '{"url":"%s","panels":[{"datasource":{"type":"prometheus","uid":"\${DS_PROMETHEUS}"}},{"datasource":"\${DS_LOKI}"}]}' "$url" > "$out"\n`,
      { mode: 0o755 },
    );
    const output = execFileSync("sh", ["-c", script.split(GRAFANA_COMMUNITY_DASHBOARDS_DIR).join(path.join(dir, "out"))], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: "utf8",
    });
    expect(output).toContain("fetched https://grafana.com/api/dashboards/1860/revisions/41/download");

    const nodeExporterFull = JSON.parse(fs.readFileSync(path.join(dir, "out/Infrastructure/1860.json"), "utf8"));
    expect(nodeExporterFull.url).toBe("https://grafana.com/api/dashboards/1860/revisions/41/download");
    // Default mapping: DS_PROMETHEUS only; an input it does not map stays as it is.
    expect(nodeExporterFull.panels).toEqual([{ datasource: { type: "prometheus", uid: "prometheus" } }, { datasource: "${DS_LOKI}" }]);

    const lokiDashboard = JSON.parse(fs.readFileSync(path.join(dir, "out/Observability/13639.json"), "utf8"));
    expect(lokiDashboard.url).toBe("https://grafana.com/api/dashboards/13639/revisions/2/download");
    expect(lokiDashboard.panels[1]).toEqual({ datasource: "loki" });
    expect(fs.readdirSync(path.join(dir, "out/Observability"))).toEqual(["13639.json"]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("a stack without Loki", () => {
  test("gets no Logs dashboard, so no panel points at a datasource that is not there", async () => {
    const r = await renders.withoutLoki;
    const files = Object.keys(r.files).filter((f) => DASHBOARD_FILE.test(f));
    expect(files).toHaveLength(8);
    expect(files).not.toContain("grafana/dashboards/Observability/observability-logs.json");
  });
});
