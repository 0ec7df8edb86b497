import { EVERY_COMPONENT } from "../../configs/dashboards/definition";
import * as pulumi from "@pulumi/pulumi";
import { buildDashboards, provisionedDatasources, ProvisionedDashboard } from "../../configs/dashboards";
import { ServiceAddress } from "../../configs/service-address";
import { parseSettings } from "../../configs/settings";

/** A real dashboard padded to `bytes` of JSON, as a dashboard grown past reason would be. */
function dashboardOfSize(uid: string, folder: string, bytes: number): ProvisionedDashboard {
  const base = buildDashboards({ appJob: "fastapi", components: EVERY_COMPONENT, datasources: ["prometheus"] }).find((d) => d.json.uid === "observability-stack-health")!;
  const json = { ...base.json, uid, description: "" };
  json.description = "x".repeat(bytes - JSON.stringify(json, null, 2).length);
  return { folder, json };
}

const MiB = 1024 * 1024;

describe("the 1 MiB ConfigMap limit", () => {
  let Grafana: typeof import("../../components/grafana").Grafana;
  let VolumeLedger: typeof import("../../components/volume-ledger").VolumeLedger;
  const grafana = (dashboards: ProvisionedDashboard[]) => () =>
    new Grafana("grafana", {
      settings: parseSettings({ values: {}, secrets: {} }),
      namespace: "monitoring",
      datasources: { prometheus: pulumi.output<ServiceAddress>({ kind: "kubernetes", service: "prometheus", namespace: "monitoring", port: 9090, portName: "http" }) },
      webPasswords: { prometheus: pulumi.secret("test-password") },
      dashboards,
      volumes: new VolumeLedger(),
    });

  beforeAll(async () => {
    // Pulumi's unit-test pattern: mocks first, then load the component, as `pulumi preview` would run it.
    await pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs }, "observability", "test", false);
    ({ Grafana } = await import("../../components/grafana"));
    ({ VolumeLedger } = await import("../../components/volume-ledger"));
  });

  test("a dashboards folder over 1 MiB stops the program, naming the ConfigMap and its size", () => {
    const folder = [dashboardOfSize("big-a", "Application", 0.6 * MiB), dashboardOfSize("big-b", "Application", 0.6 * MiB)];
    expect(grafana(folder)).toThrow(/^ConfigMap grafana-dashboards-application would hold 125\d{4} bytes of dashboards, over Kubernetes' limit of 1048576 bytes \(1 MiB\)/);
  });

  test("the limit is per folder: the same dashboards in two folders fit", () => {
    expect(grafana([dashboardOfSize("big-a", "Application", 0.6 * MiB), dashboardOfSize("big-b", "Infrastructure", 0.6 * MiB)])).not.toThrow();
  });

  test("the stack's own folders are far below the limit", () => {
    const dashboards = buildDashboards({ appJob: "fastapi", components: EVERY_COMPONENT, datasources: provisionedDatasources({ loki: true, alertmanager: true }) });
    const bytesPerFolder = new Map<string, number>();
    for (const d of dashboards) bytesPerFolder.set(d.folder, (bytesPerFolder.get(d.folder) ?? 0) + Buffer.byteLength(JSON.stringify(d.json, null, 2)));
    for (const bytes of bytesPerFolder.values()) expect(bytes).toBeLessThan(MiB / 4);
    expect(grafana(dashboards)).not.toThrow();
  });
});
