import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EXTERNAL_LOKI_PASSWORD_FILE, LOG_AGENT_SECRETS_DIR } from "../configs/log-destination";
import { ServiceAddress } from "../configs/service-address";
import { ResourceSettings } from "../configs/settings";
import { clusterService, configFiles, containerResources, discoveryAccount, httpProbes, labels, restrictedContainerSecurity, secretFiles, selectorLabels } from "./kube";

/** The `adm` group on Debian and Ubuntu nodes. */
const ADM_GID = 4;

export interface LogAgentSpec {
  /** Kubernetes name of the DaemonSet, Service and ServiceAccount. */
  name: string;
  namespace: pulumi.Input<string>;
  image: string;
  args: string[];
  /** The config file, named as the agent reads it under configDir. */
  configFile: { name: string; content: pulumi.Input<string> };
  configDir: string;
  /** Host folder for the read positions. */
  stateDir: string;
  port: number;
  /** The agent's readiness endpoint on that port. */
  readyPath: string;
  resources: ResourceSettings;
  /** `observability:externalLokiPassword`, when logs go to an external Loki. */
  externalLokiPassword?: pulumi.Output<string>;
}

/**
 * What Promtail and Alloy share: a DaemonSet on every node reading the kubelet's pod log files and
 * the node's /var/log read-only, with its read positions on the host. Both run as root (without any
 * capability) because the kubelet writes pod logs root-owned 0640; that is why they live outside the
 * restricted namespace.
 */
export function logAgentDaemonSet(spec: LogAgentSpec, parent: pulumi.ComponentResource): pulumi.Output<ServiceAddress> {
  const opts = { parent };
  const meta = labels(spec.name, "log-agent");
  const config = configFiles(
    `${spec.name}-config`,
    { namespace: spec.namespace, labels: meta, renderDir: spec.name, data: { [spec.configFile.name]: spec.configFile.content } },
    opts,
  );
  const account = discoveryAccount(spec.name, { namespace: spec.namespace, labels: meta, resources: ["pods", "nodes"] }, opts);
  const secret = spec.externalLokiPassword
    ? secretFiles(`${spec.name}-external-loki`, { namespace: spec.namespace, labels: meta, stringData: { [EXTERNAL_LOKI_PASSWORD_FILE]: spec.externalLokiPassword } }, opts)
    : undefined;

  new k8s.apps.v1.DaemonSet(
    spec.name,
    {
      metadata: { name: spec.name, namespace: spec.namespace, labels: meta },
      spec: {
        selector: { matchLabels: selectorLabels(spec.name) },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: meta },
          spec: {
            serviceAccountName: account.metadata.name,
            // Control-plane nodes run pods too: their logs matter as much as anyone's.
            tolerations: [{ operator: "Exists" }],
            // Root because the kubelet writes pod logs root-owned 0640 and the read positions live in a
            // root-owned host folder; no capability is added, so root reads only what root owns, and
            // GID 4 (`adm` on Debian and Ubuntu nodes, the group of syslog's 0640 files under /var/log)
            // lets it read those through group membership instead of DAC_READ_SEARCH.
            securityContext: { runAsUser: 0, runAsGroup: 0, supplementalGroups: [ADM_GID], seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: spec.name,
                image: spec.image,
                args: spec.args,
                env: [{ name: "HOSTNAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
                ports: [{ name: "http", containerPort: spec.port }],
                volumeMounts: [
                  { name: "config", mountPath: spec.configDir, readOnly: true },
                  { name: "pod-logs", mountPath: "/var/log/pods", readOnly: true },
                  { name: "node-logs", mountPath: "/var/log", readOnly: true },
                  { name: "state", mountPath: spec.stateDir },
                  { name: "tmp", mountPath: "/tmp" },
                  ...(secret ? [{ name: "secrets", mountPath: LOG_AGENT_SECRETS_DIR, readOnly: true }] : []),
                ],
                resources: containerResources(spec.resources),
                securityContext: restrictedContainerSecurity(),
                ...httpProbes(spec.readyPath, spec.readyPath, "http"),
              },
            ],
            volumes: [
              { name: "config", configMap: { name: config.metadata.name } },
              { name: "pod-logs", hostPath: { path: "/var/log/pods", type: "Directory" } },
              { name: "node-logs", hostPath: { path: "/var/log", type: "Directory" } },
              { name: "state", hostPath: { path: spec.stateDir, type: "DirectoryOrCreate" } },
              { name: "tmp", emptyDir: {} },
              ...(secret ? [{ name: "secrets", secret: { secretName: secret.metadata.name, defaultMode: 0o400 } }] : []),
            ],
          },
        },
      },
    },
    opts,
  );
  return clusterService(spec.name, { namespace: spec.namespace, labels: meta, ports: [{ name: "http", port: spec.port }] }, opts).address;
}
