/**
 * Alerts made in Grafana's UI reach the stack's Alertmanager through a provisioned contact point
 * (configs/grafana-alerting.ts) and are routed there like Prometheus' rules: checked with amtool's
 * own routing code on both stacks' rendered alertmanager.yml, for the labels Grafana gives an alert.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ALERTMANAGER_CLIENT, ALERTMANAGER_WEB_PASSWORD_FILE, GRAFANA_SECRETS_DIR } from "../../configs/grafana";
import { STACK_WEB_USER } from "../../configs/web-auth";
import { AlertingProvisioningFile, buildAlertingProvisioning, STACK_CONTACT_POINT } from "../../configs/grafana-alerting";
import { ServiceAddress } from "../../configs/service-address";
import { parseSettings } from "../../configs/settings";
import { binary, run, withBinaries } from "../helpers/binaries";
import { render, RenderResult } from "../helpers/render";

const ALERTMANAGER_FILE = "alertmanager/alertmanager.yml";
const ALERTING_FILE = "grafana/provisioning/alerting/alerting.yaml";

/** The receivers an alert with these labels reaches, as Alertmanager's routing code resolves them. */
function receiversOf(configFile: string, labels: Record<string, string>): string[] {
  const result = run(binary("amtool")!, ["config", "routes", "test", `--config.file=${configFile}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  if (result.code !== 0) throw new Error(`amtool config routes test failed:\n${result.output}`);
  return result.output.trim().split(",");
}

/** What Grafana puts on an alert made in its UI: the folder, the rule's title as alertname, and the labels the user adds. */
const grafanaAlert = (severity?: string) => ({ grafana_folder: "Trading", alertname: "OrdersStalled", ...(severity ? { severity } : {}) });

describe.each([
  ["prod", { critical: ["critical", "email"], warning: ["warning"], none: ["email"] }],
  ["dev", { critical: ["critical", "email"], warning: ["warning"], none: ["email"] }],
])("Grafana-managed alerts in the %s stack", (stack, expected) => {
  let r: RenderResult;
  let configFile: string;
  beforeAll(async () => {
    r = await render({ stack });
    configFile = path.join(r.dir, "files", ALERTMANAGER_FILE);
  });

  test("Grafana's own Alertmanager forwards every alert, ungrouped, to the stack's Alertmanager Service", () => {
    const file = parse(r.files[ALERTING_FILE]) as AlertingProvisioningFile;
    const [contactPoint] = file.contactPoints;
    expect(contactPoint.receivers).toEqual([
      {
        uid: expect.any(String),
        type: "prometheus-alertmanager",
        settings: { url: "http://alertmanager.monitoring.svc.cluster.local:9093", basicAuthUser: STACK_WEB_USER, basicAuthPassword: `$__file{${GRAFANA_SECRETS_DIR}/${ALERTMANAGER_WEB_PASSWORD_FILE}}` },
        disableResolveMessage: false,
      },
    ]);
    expect(file.policies).toEqual([expect.objectContaining({ orgId: 1, receiver: contactPoint.name, group_by: ["..."] })]);
    // The datasource stays off for Grafana-managed alerts: both paths on would deliver each alert twice.
    const datasources = parse(r.files["grafana/provisioning/datasources/datasources.yaml"]).datasources;
    expect(datasources.find((d: any) => d.type === "alertmanager").jsonData.handleGrafanaManagedAlerts).toBe(false);
  });

  withBinaries("amtool")("a rule made in Grafana with a severity is routed exactly like a Prometheus rule of that severity", () => {
    expect(receiversOf(configFile, grafanaAlert("critical"))).toEqual(expected.critical);
    expect(receiversOf(configFile, grafanaAlert("warning"))).toEqual(expected.warning);
    // The same receivers as the stack's own rules, whose labels carry the cluster too.
    for (const severity of ["critical", "warning"]) {
      expect(receiversOf(configFile, grafanaAlert(severity))).toEqual(receiversOf(configFile, { alertname: "HighErrorRate", severity, cluster: "crypto-orchestrator" }));
    }
  });

  withBinaries("amtool")("a rule made in Grafana without a severity reaches the team's default receiver", () => {
    expect(receiversOf(configFile, grafanaAlert())).toEqual(expected.none);
  });
});

describe("the Alertmanager's client credentials", () => {
  test("the contact point logs in as the stack user, its password read from Grafana's Secret: the provisioning file holds only the path", () => {
    const file = buildAlertingProvisioning("http://alertmanager.monitoring.svc.cluster.local:9093", ALERTMANAGER_CLIENT);
    expect(file.contactPoints[0].receivers[0].settings).toEqual({
      url: "http://alertmanager.monitoring.svc.cluster.local:9093",
      basicAuthUser: STACK_WEB_USER,
      basicAuthPassword: `$__file{${GRAFANA_SECRETS_DIR}/${ALERTMANAGER_WEB_PASSWORD_FILE}}`,
    });
    expect(file.policies[0].receiver).toBe(STACK_CONTACT_POINT);
  });

  test("Grafana's Secret holds the Alertmanager password; the contact point and the datasource read that one file", async () => {
    const created: { type: string; name: string; inputs: any }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          created.push({ type: args.type, name: args.name, inputs: args.inputs });
          return { id: `${args.name}-id`, state: { ...args.inputs, metadata: { name: args.inputs.metadata?.name ?? `${args.name}-generated`, ...args.inputs.metadata } } };
        },
        call: (args) => args.inputs,
      },
      "observability",
      "test",
      false,
    );
    const { Grafana } = await import("../../components/grafana");
    const { VolumeLedger } = await import("../../components/volume-ledger");
    const address = (service: string, port: number) => pulumi.output<ServiceAddress>({ kind: "kubernetes", service, namespace: "monitoring", port, portName: "http" });
    new Grafana("grafana", {
      settings: parseSettings({ values: {}, secrets: {} }),
      namespace: "monitoring",
      datasources: { prometheus: address("prometheus", 9090), alertmanager: address("alertmanager", 9093) },
      dashboards: [],
      webPasswords: { prometheus: pulumi.secret("p"), alertmanager: pulumi.secret("a") },
      volumes: new VolumeLedger(),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const secret = created.find((c) => c.type === "kubernetes:core/v1:Secret" && c.name === "grafana-admin")!.inputs;
    // The Secret's data is a Pulumi secret as a whole: the mocks see it wrapped with its signature.
    const stringData = "value" in secret.stringData ? secret.stringData.value : secret.stringData;
    expect(Object.keys(stringData)).toContain(ALERTMANAGER_WEB_PASSWORD_FILE);
    const data = (suffix: string) => created.find((c) => c.type === "kubernetes:core/v1:ConfigMap" && c.name === `grafana-${suffix}`)!.inputs.data;
    const passwordFile = `$__file{${GRAFANA_SECRETS_DIR}/${ALERTMANAGER_WEB_PASSWORD_FILE}}`;
    expect(parse(data("alerting")["alerting.yaml"]).contactPoints[0].receivers[0].settings.basicAuthPassword).toBe(passwordFile);
    const datasource = parse(data("datasources")["datasources.yaml"]).datasources.find((d: any) => d.type === "alertmanager");
    expect([datasource.basicAuth, datasource.basicAuthUser, datasource.secureJsonData]).toEqual([true, STACK_WEB_USER, { basicAuthPassword: passwordFile }]);
  });
});
