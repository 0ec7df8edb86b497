import * as pulumi from "@pulumi/pulumi";
import { BLACKBOX_NAME, BLACKBOX_PORT, blackboxExporterArgs, buildBlackboxConfig } from "../configs/blackbox-exporter";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import * as k8s from "@pulumi/kubernetes";
import { clusterService, CommonArgs, configFiles, containerResources, httpProbes, labels, restrictedContainerSecurity, restrictedPodSecurity, statelessDeployment } from "./kube";

const CONFIG_DIR = "/etc/blackbox-exporter";
const CONFIG_FILE = "blackbox.yml";
/** The image's user (nobody). */
const BLACKBOX_UID = 65534;

export interface BlackboxExporterArgs extends CommonArgs {
  settings: StackSettings;
}

/**
 * The kernel lets a process open unprivileged ICMP sockets when its group lies in this range; the
 * sysctl is namespaced to the pod and on Kubernetes' list of safe sysctls, which the restricted
 * Pod Security Standard allows. The exporter tries such a socket before a raw one (NET_RAW).
 */
export function icmpSysctls(allowIcmp: boolean): k8s.types.input.core.v1.Sysctl[] {
  return allowIcmp ? [{ name: "net.ipv4.ping_group_range", value: `${BLACKBOX_UID} ${BLACKBOX_UID}` }] : [];
}

/**
 * blackbox-exporter, which runs each probe when Prometheus scrapes `/probe?target=…&module=…`.
 * Stateless, so a plain rolling Deployment. Its modules come from code, not from the probe list
 * (that lives in Prometheus' config): an auto-named ConfigMap rolls the pod on the rare change.
 */
export class BlackboxExporter extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;

  constructor(name: string, args: BlackboxExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:BlackboxExporter", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels(BLACKBOX_NAME, "probes");
    const config = configFiles(
      `${name}-config`,
      { namespace, labels: meta, renderDir: "blackbox-exporter", data: { [CONFIG_FILE]: toYaml(buildBlackboxConfig(settings)) } },
      parent,
    );
    const sysctls = icmpSysctls(settings.blackboxExporter.allowIcmp);

    statelessDeployment(
      BLACKBOX_NAME,
      {
        namespace,
        labels: meta,
        podSpec: {
          // It calls no Kubernetes API.
          automountServiceAccountToken: false,
          securityContext: { ...restrictedPodSecurity(BLACKBOX_UID), ...(sysctls.length > 0 ? { sysctls } : {}) },
          containers: [
            {
              name: BLACKBOX_NAME,
              image: settings.images.blackboxExporter,
              args: blackboxExporterArgs(`${CONFIG_DIR}/${CONFIG_FILE}`),
              ports: [{ name: "http", containerPort: BLACKBOX_PORT }],
              volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
              resources: containerResources(settings.blackboxExporter.resources),
              securityContext: restrictedContainerSecurity(),
              ...httpProbes("/-/healthy", "/-/healthy", "http"),
            },
          ],
          volumes: [{ name: "config", configMap: { name: config.metadata.name } }],
        },
      },
      parent,
    );

    const { address } = clusterService(BLACKBOX_NAME, { namespace, labels: meta, ports: [{ name: "http", port: BLACKBOX_PORT }] }, parent);
    this.address = address;
    this.registerOutputs({ address });
  }
}
