import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildPromtailConfig, PROMTAIL_HTTP_PORT, PROMTAIL_POSITIONS_DIR } from "../configs/promtail";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import { clusterService, CommonArgs, configFiles, containerResources, discoveryAccount, httpProbes, labels, selectorLabels } from "./kube";

const CONFIG_DIR = "/etc/promtail";

export interface PromtailArgs extends CommonArgs {
  settings: StackSettings;
  loki: pulumi.Output<ServiceAddress>;
}

/**
 * Promtail on every node, shipping pod and system logs to Loki. It runs as root because the
 * kubelet writes pod logs root-owned 0640: that is why it cannot meet the restricted profile.
 */
export class Promtail extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;

  constructor(name: string, args: PromtailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:Promtail", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels("promtail", "log-agent");

    const configYaml = args.loki.apply((loki) => toYaml(buildPromtailConfig({ settings, loki })));
    const config = configFiles(`${name}-config`, { namespace, labels: meta, renderDir: "promtail", data: { "promtail.yaml": configYaml } }, parent);
    const account = discoveryAccount("promtail", { namespace, labels: meta, resources: ["pods", "nodes"] }, parent);

    new k8s.apps.v1.DaemonSet(
      name,
      {
        metadata: { name: "promtail", namespace, labels: meta },
        spec: {
          selector: { matchLabels: selectorLabels("promtail") },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels: meta },
            spec: {
              serviceAccountName: account.metadata.name,
              // Control-plane nodes run pods too: their logs matter as much as anyone's.
              tolerations: [{ operator: "Exists" }],
              securityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "promtail",
                  image: settings.images.promtail,
                  args: [`-config.file=${CONFIG_DIR}/promtail.yaml`],
                  env: [{ name: "HOSTNAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                  ports: [{ name: "http", containerPort: PROMTAIL_HTTP_PORT }],
                  volumeMounts: [
                    { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                    { name: "pod-logs", mountPath: "/var/log/pods", readOnly: true },
                    { name: "node-logs", mountPath: "/var/log", readOnly: true },
                    { name: "positions", mountPath: PROMTAIL_POSITIONS_DIR },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                  resources: containerResources(settings.promtail.resources),
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    // Root without DAC_OVERRIDE still reads root-owned files; DAC_READ_SEARCH covers syslog's adm-owned ones.
                    capabilities: { drop: ["ALL"], add: ["DAC_READ_SEARCH"] },
                  },
                  ...httpProbes("/ready", "/ready", "http"),
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "pod-logs", hostPath: { path: "/var/log/pods", type: "Directory" } },
                { name: "node-logs", hostPath: { path: "/var/log", type: "Directory" } },
                { name: "positions", hostPath: { path: PROMTAIL_POSITIONS_DIR, type: "DirectoryOrCreate" } },
                { name: "tmp", emptyDir: {} },
              ],
            },
          },
        },
      },
      parent,
    );

    this.address = clusterService("promtail", { namespace, labels: meta, ports: [{ name: "http", port: PROMTAIL_HTTP_PORT }] }, parent).address;
    this.registerOutputs({});
  }
}
