import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { httpUrl, ServiceAddress } from "../configs/service-address";
import { ResourceSettings, StackSettings } from "../configs/settings";

type ContainerSecurityContext = k8s.types.input.core.v1.SecurityContext;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;

/** Annotation on every ConfigMap naming the folder of `render` output its files go to. */
export const RENDER_DIR_ANNOTATION = "observability.pulumi.com/render-dir";

export function labels(name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "observability",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The labels a selector matches on: stable for the life of the workload, so never the version. */
export function selectorLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name };
}

/**
 * The pod-level half of the "restricted" Pod Security Standard. Images that name their user
 * (`USER nobody`) need the numeric id here: the kubelet cannot prove a name is non-root.
 */
export function restrictedPodSecurity(uid: number): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function restrictedContainerSecurity(): ContainerSecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  };
}

export function containerResources(resources: ResourceSettings): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: resources.cpu, memory: resources.memory },
    limits: { memory: resources.memoryLimit },
  };
}

/** How often and how patiently the kubelet probes: a slow start is not a failure, one missed probe is not death. */
const LIVENESS_TIMING = { initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 };
const READINESS_TIMING = { initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };

/** Liveness and readiness on the upstream health endpoints; HTTPS without checking the certificate, as the kubelet does. */
export function httpProbes(livenessPath: string, readinessPath: string, port: string | number, scheme: "HTTP" | "HTTPS" = "HTTP") {
  const https = scheme === "HTTPS" ? { scheme } : {};
  return {
    livenessProbe: { httpGet: { path: livenessPath, port, ...https }, ...LIVENESS_TIMING },
    readinessProbe: { httpGet: { path: readinessPath, port, ...https }, ...READINESS_TIMING },
  };
}

/**
 * Liveness and readiness by a command inside the container, for servers that answer only with basic
 * auth: the command reads the password from a mounted file, so the pod spec never holds it (a kubelet
 * HTTP probe could only carry it as a literal header).
 */
export function execProbes(liveness: string[], readiness: string[]) {
  return {
    livenessProbe: { exec: { command: liveness }, ...LIVENESS_TIMING },
    readinessProbe: { exec: { command: readiness }, ...READINESS_TIMING },
  };
}

export interface CommonArgs {
  /** Namespace every object goes to. */
  namespace: pulumi.Input<string>;
}

/**
 * Options for what holds data. Protected, `pulumi destroy` stops at it; retained, Pulumi never
 * deletes it from the cluster even when it leaves the program.
 */
export function dataOptions(settings: Pick<StackSettings, "protectData">, opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
  return { ...opts, protect: settings.protectData, retainOnDelete: settings.protectData };
}

/**
 * A ConfigMap of generated files. `reloadable` ones keep a stable name (the process re-reads
 * them in place); the others are auto-named and immutable, so a change creates a new one and
 * rolls the pods that mount it.
 */
export function configFiles(
  logicalName: string,
  args: {
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    data: pulumi.Input<Record<string, pulumi.Input<string>>>;
    renderDir: string;
    stableName?: string;
  },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ConfigMap {
  return new k8s.core.v1.ConfigMap(
    logicalName,
    {
      metadata: {
        ...(args.stableName ? { name: args.stableName } : {}),
        namespace: args.namespace,
        labels: args.labels,
        annotations: { [RENDER_DIR_ANNOTATION]: args.renderDir },
      },
      ...(args.stableName ? {} : { immutable: true }),
      data: args.data,
    },
    opts,
  );
}

/**
 * A Secret of files, auto-named and immutable for the same reason as configFiles. With no files it
 * has no `stringData` at all: the API server stores an empty map as no field, so `stringData: {}`
 * would differ from the live object on every preview and replace the Secret (and roll its pods) on
 * every `pulumi up` (test/cluster: `preview --expect-no-changes`).
 */
export function secretFiles(
  logicalName: string,
  args: { namespace: pulumi.Input<string>; labels: Record<string, string>; stringData: Record<string, pulumi.Input<string>> },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    logicalName,
    {
      metadata: { namespace: args.namespace, labels: args.labels },
      type: "Opaque",
      immutable: true,
      ...(Object.keys(args.stringData).length > 0 ? { stringData: args.stringData } : {}),
    },
    opts,
  );
}

export interface ServicePort {
  name: string;
  port: number;
  protocol?: "TCP" | "UDP";
}

/** Service ports that target the container ports of the same name. */
export function servicePorts(ports: ServicePort[]): k8s.types.input.core.v1.ServicePort[] {
  return ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol ?? "TCP" }));
}

/** A ClusterIP Service; the returned address is what other services and Prometheus use. */
export function clusterService(
  name: string,
  args: {
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    ports: ServicePort[];
    /** Pods behind the Service; default `selectorLabels(name)`. */
    selector?: Record<string, string>;
  },
  opts: pulumi.CustomResourceOptions,
): { service: k8s.core.v1.Service; address: pulumi.Output<ServiceAddress> } {
  const service = new k8s.core.v1.Service(
    name,
    {
      metadata: { name, namespace: args.namespace, labels: args.labels },
      spec: {
        type: "ClusterIP",
        selector: args.selector ?? selectorLabels(name),
        ports: servicePorts(args.ports),
      },
    },
    opts,
  );
  const [primary] = args.ports;
  const address = pulumi
    .all([service.metadata.name, service.metadata.namespace])
    .apply(([service, namespace]): ServiceAddress => ({ kind: "kubernetes", service, namespace, port: primary.port, portName: primary.name }));
  return { service, address };
}

/** `http://<service>.<namespace>.svc.cluster.local:<port>` of an address. */
export function serviceUrl(address: pulumi.Output<ServiceAddress>): pulumi.Output<string> {
  return address.apply(httpUrl);
}

/** A ServiceAccount with a ClusterRole to read what its pod discovers through the API. */
export function discoveryAccount(
  name: string,
  args: {
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    resources: string[];
    discoveryResources?: string[];
    /** Non-resource paths it may GET through a kube-rbac-proxy (e.g. node-exporter's `/metrics`). */
    nonResourceUrls?: string[];
  },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ServiceAccount {
  const rules: k8s.types.input.rbac.v1.PolicyRule[] = [{ apiGroups: [""], resources: args.resources, verbs: ["get", "list", "watch"] }];
  if (args.discoveryResources && args.discoveryResources.length > 0) {
    rules.push({ apiGroups: ["discovery.k8s.io"], resources: args.discoveryResources, verbs: ["get", "list", "watch"] });
  }
  if (args.nonResourceUrls && args.nonResourceUrls.length > 0) rules.push({ nonResourceURLs: args.nonResourceUrls, verbs: ["get"] });
  return accountWithClusterRole(name, { namespace: args.namespace, labels: args.labels, rules }, opts);
}

/**
 * A ServiceAccount bound to a ClusterRole of exactly `rules`. Both cluster-scoped names carry the
 * namespace, so two stacks in one cluster never share them.
 */
export function accountWithClusterRole(
  name: string,
  args: { namespace: pulumi.Input<string>; labels: Record<string, string>; rules: k8s.types.input.rbac.v1.PolicyRule[] },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ServiceAccount {
  const account = new k8s.core.v1.ServiceAccount(name, { metadata: { name, namespace: args.namespace, labels: args.labels } }, opts);
  const roleName = pulumi.interpolate`${args.namespace}-${name}`;
  const role = new k8s.rbac.v1.ClusterRole(name, { metadata: { name: roleName, labels: args.labels }, rules: args.rules }, opts);
  new k8s.rbac.v1.ClusterRoleBinding(
    name,
    {
      metadata: { name: roleName, labels: args.labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
    },
    opts,
  );
  return account;
}

/** Prefer one replica per node, so losing a node loses one replica; still schedulable on a single-node cluster. */
export function spreadAcrossNodes(name: string, selector: Record<string, string> = selectorLabels(name)): k8s.types.input.core.v1.Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } } },
      ],
    },
  };
}

/** Voluntary disruptions (node drains, upgrades) take down one replica at a time. */
export function disruptionBudget(
  name: string,
  args: { namespace: pulumi.Input<string>; labels: Record<string, string>; selector?: Record<string, string> },
  opts: pulumi.CustomResourceOptions,
): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(
    name,
    { metadata: { name, namespace: args.namespace, labels: args.labels }, spec: { maxUnavailable: 1, selector: { matchLabels: args.selector ?? selectorLabels(name) } } },
    opts,
  );
}

/** Kubernetes' limit on one object; a ConfigMap above it would fail only at apply time. */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

/** Fails at preview time, naming the ConfigMap, its size and what to do, instead of at apply time. */
export function assertFitsConfigMap(name: string, data: Record<string, string>, contents: string, remedy: string): void {
  const bytes = Object.entries(data).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > CONFIGMAP_LIMIT_BYTES) {
    throw new Error(`ConfigMap ${name} would hold ${bytes} bytes of ${contents}, over Kubernetes' limit of ${CONFIGMAP_LIMIT_BYTES} bytes (1 MiB): ${remedy}`);
  }
}

/** A stateless server: one replica, rolled with the default RollingUpdate (nothing on disk to hand over). */
export function statelessDeployment(
  name: string,
  args: { namespace: pulumi.Input<string>; labels: Record<string, string>; podSpec: k8s.types.input.core.v1.PodSpec },
  opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
  return new k8s.apps.v1.Deployment(
    name,
    {
      metadata: { name, namespace: args.namespace, labels: args.labels },
      spec: { replicas: 1, selector: { matchLabels: selectorLabels(name) }, template: { metadata: { labels: args.labels }, spec: args.podSpec } },
    },
    opts,
  );
}

/**
 * The one shape every single-replica server takes: its data on a ReadWriteOnce volume, so the
 * `Recreate` strategy stops the old pod before the new one opens the same data directory.
 */
export function singleReplicaDeployment(
  name: string,
  args: { namespace: pulumi.Input<string>; labels: Record<string, string>; podSpec: k8s.types.input.core.v1.PodSpec; selector?: Record<string, string> },
  opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
  return new k8s.apps.v1.Deployment(
    name,
    {
      metadata: { name, namespace: args.namespace, labels: args.labels },
      spec: {
        replicas: 1,
        strategy: { type: "Recreate" },
        selector: { matchLabels: args.selector ?? selectorLabels(name) },
        template: { metadata: { labels: args.labels }, spec: args.podSpec },
      },
    },
    opts,
  );
}
