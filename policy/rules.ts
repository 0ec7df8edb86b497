/**
 * The policy pack's rules, as pure functions over plain Kubernetes objects.
 *
 * Nothing here imports `@pulumi/*`: `policies.ts` calls these on what the Pulumi engine sends the
 * pack, and the tests call them directly on what the offline render records (test/policy/).
 * Every rule returns one message per problem; a message names the object (kind, namespace/name),
 * the container when there is one, the field, and what to do about it.
 */

/** One resource as the engine registers it. */
export interface PolicyResource {
  /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
  type: string;
  /** Pulumi logical name; messages use it when the object has no `metadata.name`. */
  name: string;
  /** The resource's inputs: for a Kubernetes resource, the object itself. */
  props: Record<string, any>;
  /** The `protect` resource option. */
  protect?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Objects, pods and containers
// ---------------------------------------------------------------------------------------------

/** The Kubernetes kind of a type token (`kubernetes:apps/v1:Deployment` → `Deployment`), or undefined. */
export function kindOf(type: string): string | undefined {
  const match = /^kubernetes:[^:]+:([A-Za-z0-9]+)$/.exec(type);
  return match?.[1];
}

/** Where each kind keeps its pod spec. Patch and List types are partial or not objects: not checked. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ["spec"],
  PodTemplate: ["template", "spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** The pod spec of anything that runs pods, or undefined. */
export function podSpecOf(resource: PolicyResource): Record<string, any> | undefined {
  const path = POD_SPEC_PATHS[kindOf(resource.type) ?? ""];
  if (!path) return undefined;
  let node: any = resource.props;
  for (const key of path) node = node?.[key];
  return node && typeof node === "object" ? node : undefined;
}

/** Reads a value only for a message: during a preview it may be unknown, and naming must never fail. */
function readable<T>(read: () => T, fallback: T): T {
  try {
    return read() ?? fallback;
  } catch {
    return fallback;
  }
}

/** `Deployment monitoring/prometheus`: how every message names its object. */
export function describe(resource: PolicyResource): string {
  const kind = kindOf(resource.type) ?? resource.type;
  const name = readable(() => resource.props?.metadata?.name as string | undefined, undefined) ?? resource.name;
  const namespace = readable(() => resource.props?.metadata?.namespace as string | undefined, undefined);
  return `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

export interface ContainerRef {
  container: Record<string, any>;
  /** `container "prometheus"`, `init container "sync-admin-password"`. */
  label: string;
}

export function containersOf(pod: Record<string, any>): ContainerRef[] {
  const groups: [string, string][] = [
    ["initContainers", "init container"],
    ["containers", "container"],
    ["ephemeralContainers", "ephemeral container"],
  ];
  return groups.flatMap(([field, word]) =>
    ((pod[field] ?? []) as Record<string, any>[]).map((container) => ({ container, label: `${word} "${container?.name ?? "?"}"` })),
  );
}

// ---------------------------------------------------------------------------------------------
// Images pinned to a version
// ---------------------------------------------------------------------------------------------

/** Tags that move: whatever they point at today is not what they point at next week. */
export const MOVING_TAGS = ["latest", "main", "master", "stable", "edge", "nightly", "dev", "develop", "head"];

/** Why an image reference is not pinned, or undefined when it names a version tag or a digest. */
export function imageProblem(image: unknown): string | undefined {
  if (typeof image !== "string" || image.trim() === "") return "has no image";
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  if (image.includes("@")) return `image "${image}" has a malformed digest; pin a tag like repo/image:v1.2.3 or a full @sha256: digest`;
  const lastSegment = image.split("/").pop() ?? "";
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0 || colon === lastSegment.length - 1) {
    return `image "${image}" has no tag, so Kubernetes pulls :latest; pin a version, e.g. ${image.replace(/:$/, "")}:v1.2.3, or a digest`;
  }
  const tag = lastSegment.slice(colon + 1);
  if (MOVING_TAGS.includes(tag.toLowerCase())) {
    return `image "${image}" uses the moving tag ":${tag}"; pin a version, e.g. ${image.slice(0, image.length - tag.length)}v1.2.3, or a digest`;
  }
  return undefined;
}

export function checkImagesPinned(resource: PolicyResource): string[] {
  const pod = podSpecOf(resource);
  if (!pod) return [];
  return containersOf(pod).flatMap(({ container, label }) => {
    const problem = imageProblem(container.image);
    return problem ? [`${describe(resource)}: ${label} ${problem}`] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Requests and limits
// ---------------------------------------------------------------------------------------------

export function checkResources(resource: PolicyResource): string[] {
  const pod = podSpecOf(resource);
  if (!pod) return [];
  return containersOf(pod).flatMap(({ container, label }) => {
    const r = container.resources ?? {};
    const missing = [
      isSet(r.requests?.cpu) ? undefined : "CPU request (resources.requests.cpu)",
      isSet(r.requests?.memory) ? undefined : "memory request (resources.requests.memory)",
      isSet(r.limits?.memory) ? undefined : "memory limit (resources.limits.memory)",
    ].filter((m): m is string => m !== undefined);
    if (missing.length === 0) return [];
    return [
      `${describe(resource)}: ${label} has no ${missing.join(", no ")}; every container needs CPU and memory requests ` +
        "(so the scheduler places it where it fits) and a memory limit (so a leak kills the container, not its neighbours)",
    ];
  });
}

function isSet(quantity: unknown): boolean {
  return (typeof quantity === "string" && quantity.trim() !== "") || typeof quantity === "number";
}

// ---------------------------------------------------------------------------------------------
// The "restricted" Pod Security Standard
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
// ---------------------------------------------------------------------------------------------

/**
 * The controls checked. Baseline: host namespaces, privileged, hostPath volumes, host ports,
 * /proc mount type. Restricted on top: volume types, no privilege escalation, non-root, seccomp,
 * capabilities (drop ALL, add at most NET_BIND_SERVICE). Not checked: AppArmor, SELinux, sysctls
 * and Windows host processes, which this project never sets.
 */
export type PodSecurityControl =
  | "hostNetwork"
  | "hostPID"
  | "hostIPC"
  | "hostPath"
  | "volumeTypes"
  | "privileged"
  | "hostPorts"
  | "procMount"
  | "allowPrivilegeEscalation"
  | "runAsNonRoot"
  | "seccomp"
  | "dropAll"
  | "addCapabilities";

/**
 * A named workload allowed to break some controls, and why. An exception is narrow on purpose:
 * it matches one kind and `metadata.name`; its pod-level waivers apply to that pod only; its
 * container-level waivers apply only to the containers running `image` (a sidecar added to the
 * pod gets none); every control not listed still applies.
 */
export interface PodSecurityException {
  kind: string;
  /** `metadata.name` of the workload. */
  name: string;
  /** Repository name of the image (last path segment, no tag or registry), e.g. `promtail`. */
  image: string;
  /** Controls waived on the pod spec itself (host namespaces, volumes, pod-level security context). */
  pod: PodSecurityControl[];
  /** Controls waived on the containers that run `image`. */
  container: PodSecurityControl[];
  /** Capabilities those containers may add besides NET_BIND_SERVICE. */
  addCapabilities?: string[];
  reason: string;
}

/**
 * The node agents: they exist to read the node, which a pod under the restricted profile cannot.
 * They run in their own namespace, away from the servers' (see README). Everything not listed
 * still applies: no privilege escalation, drop ALL capabilities, seccomp RuntimeDefault,
 * read-only mounts where they can be.
 */
export const POD_SECURITY_EXCEPTIONS: PodSecurityException[] = [
  {
    kind: "DaemonSet",
    name: "promtail",
    image: "promtail",
    pod: ["hostPath", "runAsNonRoot"],
    container: ["runAsNonRoot"],
    reason:
      "tails the kubelet's pod logs on the node (/var/log/pods, root-owned 0640) and keeps its read positions there: " +
      "hostPath volumes and root, with no capability added (the adm group, a supplemental group, reads syslog's files)",
  },
  {
    kind: "DaemonSet",
    name: "alloy",
    image: "alloy",
    pod: ["hostPath", "runAsNonRoot"],
    container: ["runAsNonRoot"],
    reason: "Grafana Alloy, Promtail's successor, reads the same node log files for the same reason",
  },
  {
    kind: "DaemonSet",
    name: "node-exporter",
    // node-exporter itself listens on the node's loopback only; its kube-rbac-proxy holds the node's port.
    image: "kube-rbac-proxy",
    pod: ["hostNetwork", "hostPID", "hostPath"],
    container: ["hostPorts"],
    reason:
      "reports the node rather than its own container: the host's network and PID namespaces, read-only /proc, /sys and /; " +
      "its kube-rbac-proxy serves it on the node's address (TLS, callers the API server authorises)",
  },
];

/** Volume types the restricted profile allows. */
export const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

interface Finding {
  control: PodSecurityControl;
  /** The container the finding is about; undefined for the pod spec. */
  container?: ContainerRef;
  /** Capability names, for addCapabilities. */
  capabilities?: string[];
  message: string;
}

/** The repository name of an image: `docker.io/grafana/promtail:3.6.11` → `promtail`. */
export function imageRepository(image: unknown): string {
  if (typeof image !== "string") return "";
  const withoutDigest = image.split("@")[0];
  const lastSegment = withoutDigest.split("/").pop() ?? "";
  const colon = lastSegment.indexOf(":");
  return colon < 0 ? lastSegment : lastSegment.slice(0, colon);
}

export function checkPodSecurity(resource: PolicyResource, exceptions: PodSecurityException[] = POD_SECURITY_EXCEPTIONS): string[] {
  const pod = podSpecOf(resource);
  if (!pod) return [];
  const kind = kindOf(resource.type);
  const name = readable(() => resource.props?.metadata?.name as string | undefined, undefined);
  const exception = exceptions.find((e) => e.kind === kind && e.name === name);
  const where = describe(resource);

  return podSecurityFindings(pod)
    .filter((finding) => !waived(finding, exception))
    .map((finding) => `${where}: ${finding.container ? `${finding.container.label}: ` : ""}${finding.message} (restricted Pod Security Standard)`);
}

function waived(finding: Finding, exception: PodSecurityException | undefined): boolean {
  if (!exception) return false;
  if (!finding.container) return exception.pod.includes(finding.control);
  if (imageRepository(finding.container.container.image) !== exception.image) return false;
  if (!exception.container.includes(finding.control)) return false;
  if (finding.control === "addCapabilities") {
    return (finding.capabilities ?? []).every((cap) => (exception.addCapabilities ?? []).includes(cap));
  }
  return true;
}

function podSecurityFindings(pod: Record<string, any>): Finding[] {
  const findings: Finding[] = [];
  const podContext = pod.securityContext ?? {};

  for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (pod[field] === true) findings.push({ control: field, message: `spec.${field} is true; pods must not share the node's namespaces` });
  }
  for (const volume of (pod.volumes ?? []) as Record<string, any>[]) {
    const types = Object.keys(volume ?? {}).filter((key) => key !== "name");
    for (const type of types) {
      if (type === "hostPath") {
        findings.push({ control: "hostPath", message: `volume "${volume.name}" is a hostPath (${volume.hostPath?.path ?? "?"}); pods must not mount the node's files` });
      } else if (!RESTRICTED_VOLUME_TYPES.includes(type)) {
        findings.push({ control: "volumeTypes", message: `volume "${volume.name}" is of type ${type}; allowed are ${RESTRICTED_VOLUME_TYPES.join(", ")}` });
      }
    }
  }
  if (podContext.runAsNonRoot === false) {
    findings.push({ control: "runAsNonRoot", message: "spec.securityContext.runAsNonRoot is false; set it to true" });
  }
  if (podContext.runAsUser === 0) {
    findings.push({ control: "runAsNonRoot", message: "spec.securityContext.runAsUser is 0 (root); use a non-zero user id" });
  }
  if (podContext.seccompProfile?.type === "Unconfined") {
    findings.push({ control: "seccomp", message: "spec.securityContext.seccompProfile.type is Unconfined; use RuntimeDefault" });
  }

  for (const ref of containersOf(pod)) {
    const c = ref.container;
    const sc = c.securityContext ?? {};
    const add = (control: PodSecurityControl, message: string, capabilities?: string[]) => findings.push({ control, container: ref, message, capabilities });

    if (sc.privileged === true) add("privileged", "securityContext.privileged is true; containers must not be privileged");
    const hostPorts = ((c.ports ?? []) as Record<string, any>[]).filter((p) => p?.hostPort !== undefined && p.hostPort !== 0).map((p) => p.hostPort);
    if (hostPorts.length > 0) add("hostPorts", `ports use hostPort ${hostPorts.join(", ")}; containers must not bind the node's ports`);
    if (sc.procMount !== undefined && sc.procMount !== "Default") add("procMount", `securityContext.procMount is ${sc.procMount}; use Default`);
    if (sc.allowPrivilegeEscalation !== false) {
      add("allowPrivilegeEscalation", "securityContext.allowPrivilegeEscalation is not false; set allowPrivilegeEscalation: false");
    }
    const runAsNonRoot = sc.runAsNonRoot ?? podContext.runAsNonRoot;
    const runAsUser = sc.runAsUser ?? podContext.runAsUser;
    if (runAsNonRoot !== true) {
      add("runAsNonRoot", "runAsNonRoot is not true (set it in the pod's or the container's securityContext, with a numeric non-root runAsUser)");
    } else if (runAsUser === 0) {
      add("runAsNonRoot", "runAsUser is 0 (root) although runAsNonRoot is true; use a non-zero user id");
    }
    const seccomp = sc.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
      add("seccomp", `seccompProfile.type is ${seccomp ?? "unset"}; set seccompProfile: {type: RuntimeDefault} in the pod's or the container's securityContext`);
    }
    const drop = ((sc.capabilities?.drop ?? []) as string[]).map((cap) => String(cap).toUpperCase());
    if (!drop.includes("ALL")) add("dropAll", "securityContext.capabilities.drop does not include ALL; set capabilities: {drop: [ALL]}");
    const added = ((sc.capabilities?.add ?? []) as string[]).map((cap) => String(cap).toUpperCase().replace(/^CAP_/, "")).filter((cap) => cap !== "NET_BIND_SERVICE");
    if (added.length > 0) {
      add("addCapabilities", `securityContext.capabilities.add has ${added.join(", ")}; only NET_BIND_SERVICE may be added`, added);
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// No secret in a ConfigMap
// ---------------------------------------------------------------------------------------------

export interface SecretFinding {
  /** 1-based line of the value inside the ConfigMap entry. */
  line: number;
  /** What it looks like, e.g. "a Slack webhook URL"; never the value itself. */
  what: string;
}

/** Values that are secrets whatever key holds them. */
const SECRET_VALUE_PATTERNS: [RegExp, string][] = [
  [/hooks\.slack\.com\/(services|workflows|triggers)\//i, "a Slack webhook URL"],
  [/(discord|discordapp)\.com\/api\/webhooks\/\d+\//i, "a Discord webhook URL"],
  [/\.webhook\.office\.com\/|outlook\.office(365)?\.com\/webhook/i, "a Microsoft Teams webhook URL"],
  [/chat\.googleapis\.com\/v1\/spaces\/[^\s"']*key=/i, "a Google Chat webhook URL"],
  [/api\.telegram\.org\/bot\d+:[\w-]+/i, "a Telegram bot token"],
  [/events\.pagerduty\.com\/integration\/[a-z0-9]{32}/i, "a PagerDuty integration URL"],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s\/:@'"<>{}$]*:(?!\$|\{\{|<|%)[^\s\/@'"<>]+@[^\s\/'"]/i, "a URL with a user name and password in it"],
  [/-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/, "a private key"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\bglsa_[A-Za-z0-9_]{20,}/, "a Grafana service account token"],
  [/\bglc_[A-Za-z0-9+\/=_-]{20,}/, "a Grafana Cloud token"],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, "a JSON Web Token"],
];

/** Key names that hold secrets: password, client_secret, api_key, token, credentials... */
const SECRET_KEY = /(pass(word|wd)|secret|secret[_-]?key|token|api[_-]?key|private[_-]?key|access[_-]?key|credentials?|bearer)$|^(pass(word|wd)|secret|token|credentials?)[_-]/i;
/** Keys that name where a secret is or how it behaves, not the secret: `password_file`, `existingSecret`, `token_ttl`... */
const REFERENCE_KEY = /(file|path|dir|name|ref|url|uri|endpoint|enabled|type|header|env|id|length|ttl|seconds|minutes|hours|days|duration|interval|policy|mode)$|^(existing|use|enable|disable|skip|allow|require)/i;
/** Values that are not a literal secret: a reference, a placeholder, a flag, a number or a duration. */
const NOT_A_SECRET_VALUE = /^(|~|null|true|false|yes|no|on|off|[-+]?\d+(\.\d+)?|\d+(ms|s|m|h|d|w|y)|\$__(file|env|vault)\{.*\}|\$\{.*\}|\$\(.*\)|\$[A-Z_][A-Z0-9_]*|\{\{.*\}\}|<.*>|\/.*|[|>][-+]?|\{|\[)$/i;

/** One `key: value` (YAML), `key = value` (INI), `"key": "value"` (JSON) or `KEY=value` line. */
const ASSIGNMENT = /^\s*(?:-\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*(.*?)\s*,?\s*$/;

/** Where a text holds something that looks like a secret. Finds, never prints. */
export function findSecretLikeValues(text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    for (const [pattern, what] of SECRET_VALUE_PATTERNS) {
      if (pattern.test(line)) {
        findings.push({ line: index + 1, what });
        return;
      }
    }
    const assignment = ASSIGNMENT.exec(line);
    if (assignment && secretKeyWithLiteral(assignment[1], assignment[2])) {
      findings.push({ line: index + 1, what: `a literal value for "${assignment[1]}"` });
    }
  });
  return findings;
}

function secretKeyWithLiteral(key: string, rawValue: string): boolean {
  if (!SECRET_KEY.test(key) || REFERENCE_KEY.test(key)) return false;
  const value = rawValue.replace(/\s+[#;].*$/, "").replace(/^["']|["']$/g, "").trim();
  return !NOT_A_SECRET_VALUE.test(value);
}

export function checkConfigMapSecrets(resource: PolicyResource): string[] {
  if (kindOf(resource.type) !== "ConfigMap") return [];
  const where = describe(resource);
  const messages: string[] = [];
  const report = (field: string, key: string, findings: SecretFinding[]) => {
    for (const finding of findings) {
      messages.push(
        `${where}: ${field}["${key}"] line ${finding.line} holds what looks like ${finding.what}; ConfigMaps are readable by anyone ` +
          "who can read the namespace: put the value in a Secret and point the config at it (a *_file path, $__file{...}, or an env var from a secretKeyRef)",
      );
    }
  };
  const data = (resource.props.data ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (typeof value !== "string") continue;
    const findings = findSecretLikeValues(value);
    // An entry whose key is itself a secret name, e.g. GF_SECURITY_ADMIN_PASSWORD: hunter2 (envFrom).
    if (findings.length === 0 && !value.includes("\n") && secretKeyWithLiteral(key, value)) findings.push({ line: 1, what: `a literal value for "${key}"` });
    report("data", key, findings);
  }
  const binaryData = (resource.props.binaryData ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(binaryData)) {
    const value = binaryData[key];
    if (typeof value === "string") report("binaryData", key, findSecretLikeValues(Buffer.from(value, "base64").toString("utf8")));
  }
  return messages;
}

// ---------------------------------------------------------------------------------------------
// Data protected from deletion in production
// ---------------------------------------------------------------------------------------------

/** Stacks whose data the policy protects, unless the pack's config names others (`productionStacks`). */
export const DEFAULT_PRODUCTION_STACKS = ["prod", "production"];

/** The stack of a URN: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOfUrn(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

export function isProductionStack(stack: string | undefined, productionStacks: string[] = DEFAULT_PRODUCTION_STACKS): boolean {
  return stack !== undefined && productionStacks.includes(stack);
}

/**
 * In production, what holds data cannot be deleted by a `pulumi destroy` or by a refactor that
 * drops it: every PVC has `protect: true`, and a StatefulSet never deletes the claims of its
 * volumeClaimTemplates (its `persistentVolumeClaimRetentionPolicy` keeps the default, Retain).
 */
export function checkDataProtection(resource: PolicyResource, production: boolean): string[] {
  if (!production) return [];
  const kind = kindOf(resource.type);
  if (kind === "PersistentVolumeClaim" && resource.protect !== true) {
    return [
      `${describe(resource)} is not protected in a production stack, so \`pulumi destroy\` or a change that drops it deletes the data; ` +
        "create it with the resource option protect: true (this project: observability:protectData: true in the stack file)",
    ];
  }
  if (kind === "StatefulSet" && hasClaimTemplates(resource)) {
    const retention = resource.props.spec?.persistentVolumeClaimRetentionPolicy ?? {};
    return ["whenDeleted", "whenScaled"]
      .filter((when) => retention[when] === "Delete")
      .map((when) => `${describe(resource)}: spec.persistentVolumeClaimRetentionPolicy.${when} is Delete in a production stack; use Retain (the default) so its claims outlive it`);
  }
  return [];
}

function hasClaimTemplates(resource: PolicyResource): boolean {
  return ((resource.props.spec?.volumeClaimTemplates ?? []) as unknown[]).length > 0;
}

export interface StackFinding {
  resource: PolicyResource;
  message: string;
}

/**
 * A StatefulSet's claims are not Pulumi resources, so nothing protects them by itself: deleting
 * their namespace deletes them. In production a StatefulSet with volumeClaimTemplates is either
 * protected itself (its namespace cannot be deleted before it) or lives in a namespace that is
 * protected or not managed by this stack. Needs the whole stack, hence a stack policy.
 */
export function checkStatefulSetClaims(resources: PolicyResource[], production: boolean): StackFinding[] {
  if (!production) return [];
  const namespaces = new Map(resources.filter((r) => kindOf(r.type) === "Namespace").map((r) => [r.props.metadata?.name as string, r]));
  return resources
    .filter((r) => kindOf(r.type) === "StatefulSet" && hasClaimTemplates(r) && r.protect !== true)
    .flatMap((r) => {
      const namespaceName = r.props.metadata?.namespace as string | undefined;
      const namespace = namespaceName ? namespaces.get(namespaceName) : undefined;
      if (!namespace || namespace.protect === true) return [];
      return [
        {
          resource: r,
          message:
            `${describe(r)} keeps data in volumeClaimTemplates, whose claims no Pulumi resource protects, and neither it nor its Namespace ${namespaceName} ` +
            "is protected in a production stack: `pulumi destroy` would delete the namespace and the claims with it; protect one of them (protect: true)",
        },
      ];
    });
}
