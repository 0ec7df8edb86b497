/**
 * The policies of the pack, wired to the pure rules in rules.ts. Kept apart from index.ts (which
 * starts the pack's gRPC server) so tests can call each policy's `validateResource` as the engine
 * would. Only types are imported from @pulumi/policy: this file has no runtime dependency.
 */
import type { Policies, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import {
  checkConfigMapSecrets,
  checkDataProtection,
  checkImagesPinned,
  checkPodSecurity,
  checkResources,
  checkStatefulSetClaims,
  DEFAULT_PRODUCTION_STACKS,
  isProductionStack,
  PolicyResource,
  POD_SECURITY_EXCEPTIONS,
  stackOfUrn,
} from "./rules";

/** The config of the two production policies (`--policy-pack-config`). */
export interface DataProtectionConfig {
  /** Stack names that are production; default `prod` and `production`. */
  productionStacks?: string[];
}

function toPolicyResource(args: ResourceValidationArgs): PolicyResource {
  // props is passed through, never copied: during a preview it is a proxy that throws on unknown values.
  return { type: args.type, name: args.name, props: args.props, protect: args.opts?.protect };
}

function policy(
  name: string,
  description: string,
  check: (resource: PolicyResource, args: ResourceValidationArgs) => string[],
  extra: Partial<ResourceValidationPolicy> = {},
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    ...extra,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      if (!args.type.startsWith("kubernetes:")) return;
      for (const message of check(toPolicyResource(args), args)) reportViolation(message);
    },
  };
}

const productionConfigSchema = {
  properties: {
    productionStacks: { type: "array" as const, items: { type: "string" as const }, default: DEFAULT_PRODUCTION_STACKS },
  },
};

function isProduction(urn: string | undefined, config: DataProtectionConfig): boolean {
  return isProductionStack(urn ? stackOfUrn(urn) : undefined, config.productionStacks ?? DEFAULT_PRODUCTION_STACKS);
}

const statefulSetClaims: StackValidationPolicy = {
  name: "statefulset-claims-protected-in-production",
  description:
    "In a production stack a StatefulSet with volumeClaimTemplates is protected, or its namespace is protected or not managed by the stack, so its claims survive `pulumi destroy`.",
  enforcementLevel: "mandatory",
  configSchema: productionConfigSchema,
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const kube = args.resources.filter((r) => r.type.startsWith("kubernetes:"));
    if (!isProduction(kube[0]?.urn, args.getConfig<DataProtectionConfig>())) return;
    const byResource = new Map(kube.map((r) => [{ type: r.type, name: r.name, props: r.props, protect: r.opts?.protect } as PolicyResource, r.urn]));
    for (const finding of checkStatefulSetClaims([...byResource.keys()], true)) reportViolation(finding.message, byResource.get(finding.resource));
  },
};

export const policies: Policies = [
  policy("images-pinned", "Every container image is pinned to a version tag or a digest: never untagged, :latest or another moving tag.", checkImagesPinned),
  policy(
    "container-resources",
    "Every container, init containers included, sets CPU and memory requests and a memory limit.",
    checkResources,
  ),
  policy(
    "pod-security-restricted",
    "Pods meet the Kubernetes \"restricted\" Pod Security Standard (non-root, no privilege escalation, capabilities drop ALL, " +
      `seccomp RuntimeDefault, no host namespaces or hostPath). Named exceptions: ${POD_SECURITY_EXCEPTIONS.map((e) => `${e.kind} ${e.name}`).join(", ")} (see policy/README.md).`,
    (resource) => checkPodSecurity(resource),
  ),
  policy(
    "no-secrets-in-configmaps",
    "No ConfigMap holds a secret-looking value (password, token, API key, private key, Slack/Discord/Teams webhook URL, credentials in a URL).",
    checkConfigMapSecrets,
  ),
  policy(
    "data-protected-in-production",
    "In a production stack every PersistentVolumeClaim has the resource option protect: true, and no StatefulSet deletes its claims.",
    (resource, args) => checkDataProtection(resource, isProduction(args.urn, args.getConfig<DataProtectionConfig>())),
    { configSchema: productionConfigSchema },
  ),
  statefulSetClaims,
];
