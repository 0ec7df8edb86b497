import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KUBE_RBAC_PROXY_RULES, kubeRbacProxyArgs } from "../configs/kube-rbac-proxy";
import { NODE_EXPORTER_PORT } from "../configs/prometheus";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { accountWithClusterRole, clusterService, CommonArgs, containerResources, execProbes, httpProbes, labels, restrictedContainerSecurity, selectorLabels } from "./kube";

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

/**
 * The users node-exporter and its proxy run as: shared with no other workload of the stack. With the
 * host's PID namespace, a process can reach every process of the same user through /proc/<pid>/root
 * (their tokens, their mounted secrets); 65534 (nobody) would have reached Prometheus, Alertmanager
 * and kube-state-metrics, and host daemons running as nobody.
 */
export const NODE_EXPORTER_UID = 65100;
export const KUBE_RBAC_PROXY_UID = 65101;
/** node-exporter itself, on the node's loopback only: everything else goes through kube-rbac-proxy. */
const NODE_EXPORTER_LOCAL_ADDRESS = "127.0.0.1:9100";
/** kube-rbac-proxy's own /healthz, for the kubelet's probes (TLS, unauthenticated). */
const PROXY_HEALTH_PORT = 9102;
/** Where the proxy's own token (TokenReview, SubjectAccessReview) is mounted; node-exporter gets none. */
const PROXY_TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** node-exporter's image is busybox-based: its wget checks the exporter answers on loopback. */
const localGet = ["wget", "-q", "-O", "/dev/null", `http://${NODE_EXPORTER_LOCAL_ADDRESS}/`];

export interface NodeExporterArgs extends CommonArgs {
  settings: StackSettings;
}

/**
 * node-exporter on every node. It needs the host's network and PID namespaces and read-only views
 * of /proc, /sys and / to report the machine rather than its own container; otherwise it runs
 * unprivileged. It listens on the node's loopback only; kube-rbac-proxy serves it on the node's
 * address over TLS, to callers the API server authorises (TokenReview, then SubjectAccessReview of
 * GET /metrics), so no pod can read the host's details from :9100.
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

    // kube-rbac-proxy asks the API server whether the caller's token may GET /metrics; only Prometheus' may.
    const account = accountWithClusterRole(
      "node-exporter",
      {
        namespace,
        labels: meta,
        rules: KUBE_RBAC_PROXY_RULES,
      },
      parent,
    );

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
              serviceAccountName: account.metadata.name,
              // Only the proxy gets a token (the projected volume below): node-exporter reads the node, never the API.
              automountServiceAccountToken: false,
              hostNetwork: true,
              hostPID: true,
              dnsPolicy: "ClusterFirstWithHostNet",
              tolerations: [{ operator: "Exists" }],
              securityContext: { runAsNonRoot: true, runAsUser: NODE_EXPORTER_UID, runAsGroup: NODE_EXPORTER_UID, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "node-exporter",
                  image: settings.images.nodeExporter,
                  args: [
                    "--path.procfs=/host/proc",
                    "--path.sysfs=/host/sys",
                    "--path.rootfs=/host/root",
                    `--web.listen-address=${NODE_EXPORTER_LOCAL_ADDRESS}`,
                    `--collector.filesystem.mount-points-exclude=^/(${EXCLUDED_MOUNT_POINTS.join("|")})($|/)`,
                    `--collector.filesystem.fs-types-exclude=^(${EXCLUDED_FS_TYPES.join("|")})$`,
                  ],
                  volumeMounts: hostMounts.map((m) => ({
                    name: m.name,
                    mountPath: m.mountPath,
                    readOnly: true,
                    ...(m.name === "root" ? { mountPropagation: "HostToContainer" } : {}),
                  })),
                  resources: containerResources(settings.nodeExporter.resources),
                  securityContext: restrictedContainerSecurity(),
                  // On loopback, which the kubelet's HTTP probes (to the node's address) cannot reach.
                  ...execProbes(localGet, localGet),
                },
                {
                  name: "kube-rbac-proxy",
                  image: settings.images.kubeRbacProxy,
                  args: kubeRbacProxyArgs({ listen: `[$(NODE_IP)]:${NODE_EXPORTER_PORT}`, upstream: `http://${NODE_EXPORTER_LOCAL_ADDRESS}/`, healthPort: PROXY_HEALTH_PORT }),
                  env: [{ name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
                  ports: [{ name: "https", containerPort: NODE_EXPORTER_PORT, hostPort: NODE_EXPORTER_PORT }],
                  volumeMounts: [{ name: "proxy-token", mountPath: PROXY_TOKEN_DIR, readOnly: true }],
                  resources: { requests: { cpu: "10m", memory: "20Mi" }, limits: { memory: "64Mi" } },
                  securityContext: { ...restrictedContainerSecurity(), runAsUser: KUBE_RBAC_PROXY_UID, runAsGroup: KUBE_RBAC_PROXY_UID },
                  ...httpProbes("/healthz", "/healthz", PROXY_HEALTH_PORT, "HTTPS"),
                },
              ],
              volumes: [
                ...hostMounts.map((m) => ({ name: m.name, hostPath: { path: m.hostPath } })),
                {
                  name: "proxy-token",
                  projected: {
                    defaultMode: 0o440,
                    sources: [
                      { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
                      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                      { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
                    ],
                  },
                },
              ],
            },
          },
        },
      },
      parent,
    );

    this.address = clusterService("node-exporter", { namespace, labels: meta, ports: [{ name: "https", port: NODE_EXPORTER_PORT }] }, parent).address;
    this.registerOutputs({});
  }
}
