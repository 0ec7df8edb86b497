import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NODE_EXPORTER_PORT } from "../configs/prometheus";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { clusterService, CommonArgs, containerResources, httpProbes, labels, restrictedContainerSecurity, selectorLabels } from "./kube";

/**
 * A `--collector.filesystem.*-exclude` flag replaces node-exporter's default list, so ours starts
 * from upstream's defaults for the pinned release (defMountPointsExcluded and defFSTypesExcluded in
 * collector/filesystem_linux.go, node_exporter v1.12.1) and appends what this stack also leaves out.
 */
const UPSTREAM_EXCLUDED_MOUNT_POINTS = ["dev", "proc", "run/credentials/.+", "sys", "var/lib/docker/.+", "var/lib/containers/storage/.+"];
const UPSTREAM_EXCLUDED_FS_TYPES = [
  "autofs", "binfmt_misc", "bpf", "cgroup2?", "configfs", "debugfs", "devpts", "devtmpfs", "fusectl", "hugetlbfs", "iso9660", "mqueue",
  "nsfs", "overlay", "proc", "procfs", "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "erofs", "sysfs", "tracefs",
];
/** Runtime state and the kubelet's per-pod volumes (each PVC is watched through kubelet_volume_stats instead). */
export const EXCLUDED_MOUNT_POINTS = [...UPSTREAM_EXCLUDED_MOUNT_POINTS, "run", "var/lib/kubelet/.+"];
/** In-memory filesystems: they fill and empty with memory use, which the memory alerts already cover. */
export const EXCLUDED_FS_TYPES = [...UPSTREAM_EXCLUDED_FS_TYPES, "tmpfs"];

export interface NodeExporterArgs extends CommonArgs {
  settings: StackSettings;
}

/**
 * node-exporter on every node. It needs the host's network and PID namespaces and read-only views
 * of /proc, /sys and / to report the machine rather than its own container; otherwise it runs
 * unprivileged.
 */
export class NodeExporter extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;

  constructor(name: string, args: NodeExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:NodeExporter", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels("node-exporter", "node-metrics");
    const hostMounts = [
      { name: "proc", hostPath: "/proc", mountPath: "/host/proc" },
      { name: "sys", hostPath: "/sys", mountPath: "/host/sys" },
      { name: "root", hostPath: "/", mountPath: "/host/root" },
    ];

    new k8s.apps.v1.DaemonSet(
      name,
      {
        metadata: { name: "node-exporter", namespace, labels: meta },
        spec: {
          selector: { matchLabels: selectorLabels("node-exporter") },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels: meta },
            spec: {
              // node-exporter reads the node, never the Kubernetes API.
              automountServiceAccountToken: false,
              hostNetwork: true,
              hostPID: true,
              dnsPolicy: "ClusterFirstWithHostNet",
              tolerations: [{ operator: "Exists" }],
              securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "node-exporter",
                  image: settings.images.nodeExporter,
                  args: [
                    "--path.procfs=/host/proc",
                    "--path.sysfs=/host/sys",
                    "--path.rootfs=/host/root",
                    `--web.listen-address=:${NODE_EXPORTER_PORT}`,
                    `--collector.filesystem.mount-points-exclude=^/(${EXCLUDED_MOUNT_POINTS.join("|")})($|/)`,
                    `--collector.filesystem.fs-types-exclude=^(${EXCLUDED_FS_TYPES.join("|")})$`,
                  ],
                  ports: [{ name: "metrics", containerPort: NODE_EXPORTER_PORT, hostPort: NODE_EXPORTER_PORT }],
                  volumeMounts: hostMounts.map((m) => ({
                    name: m.name,
                    mountPath: m.mountPath,
                    readOnly: true,
                    ...(m.name === "root" ? { mountPropagation: "HostToContainer" } : {}),
                  })),
                  resources: containerResources(settings.nodeExporter.resources),
                  securityContext: restrictedContainerSecurity(),
                  ...httpProbes("/", "/", "metrics"),
                },
              ],
              volumes: hostMounts.map((m) => ({ name: m.name, hostPath: { path: m.hostPath } })),
            },
          },
        },
      },
      parent,
    );

    this.address = clusterService("node-exporter", { namespace, labels: meta, ports: [{ name: "metrics", port: NODE_EXPORTER_PORT }] }, parent).address;
    this.registerOutputs({});
  }
}
