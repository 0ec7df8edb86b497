import { EVERY_COMPONENT } from "../../configs/dashboards/definition";
import { buildDashboards, provisionedDatasources } from "../../configs/dashboards";
import { KUBERNETES_WORKLOADS_UID } from "../../configs/dashboards/kubernetes-workloads";
import { buildKubernetesRecordingRules } from "../../configs/kubernetes-rules";
import { stackSettings } from "../helpers/stack-settings";

const dashboards = buildDashboards({ appJob: "fastapi", components: EVERY_COMPONENT, datasources: provisionedDatasources({ loki: true, alertmanager: true }) });
const byUid = (uid: string) => dashboards.find((d) => d.json.uid === uid)!;
const exprsOf = (uid: string): string[] =>
  [
    ...(byUid(uid).json.panels as any[]).flatMap((p) => (p.targets ?? []).map((t: any) => t.expr)),
    ...(byUid(uid).json.templating?.list ?? []).map((v: any) => (typeof v.query === "string" ? v.query : "")),
  ].filter(Boolean);

describe("the Kubernetes dashboards", () => {
  test("sit in the Kubernetes folder", () => {
    expect(dashboards.filter((d) => d.folder === "Kubernetes").map((d) => d.json.title)).toEqual(["Workloads", "Nodes and volumes"]);
  });

  test("every recorded series they read is one the Kubernetes recording rules write", () => {
    const recorded = new Set(buildKubernetesRecordingRules(stackSettings("prod")).groups.flatMap((g) => g.rules.map((r) => r.record)));
    const read = new Set(
      dashboards.filter((d) => d.folder === "Kubernetes").flatMap((d) => exprsOf(d.json.uid).flatMap((expr) => [...expr.matchAll(/([a-zA-Z_]\w*:[\w:]+)/g)].map((m) => m[1]))),
    );
    expect(read.size).toBeGreaterThan(5);
    for (const name of read) expect([name, recorded.has(name)]).toEqual([name, true]);
  });

  test("the Application dashboard links to Workloads, carrying its namespace and time range", () => {
    const links = byUid("observability-application").json.links ?? [];
    expect(links).toEqual([expect.objectContaining({ url: `/d/${KUBERNETES_WORKLOADS_UID}`, includeVars: true, keepTime: true })]);
    const workloadVariables = (byUid(KUBERNETES_WORKLOADS_UID).json.templating?.list ?? []).map((v: any) => v.name);
    const applicationVariables = (byUid("observability-application").json.templating?.list ?? []).map((v: any) => v.name);
    // includeVars passes every variable; the one both dashboards have is what narrows Workloads to the app's pods.
    expect(workloadVariables.filter((name: string) => applicationVariables.includes(name))).toEqual(["namespace"]);
  });
});
