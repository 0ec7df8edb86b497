/**
 * Turns an offline render into what the policy pack sees: one PolicyResource per Kubernetes
 * object (type token, logical name, the object as its inputs, the `protect` option), and runs the
 * pack's policies on them the way the engine calls `validateResource`.
 */
import type { Policies, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { policies } from "../../policy/policies";
import { PolicyResource } from "../../policy/rules";
import { RenderResult } from "../helpers/render";

/** The type token a manifest's apiVersion and kind register as: `v1` Service → `kubernetes:core/v1:Service`. */
export function typeTokenOf(manifest: Record<string, any>): string {
  const apiVersion: string = manifest.apiVersion;
  return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${manifest.kind}`;
}

/**
 * Pairs resources.json (type, name, options, in registration order) with manifests.yaml (the
 * Kubernetes objects in the same order). Kubernetes component resources (ConfigGroup, Chart)
 * have no manifest of their own and are skipped.
 */
export function policyResources(render: RenderResult): PolicyResource[] {
  const result: PolicyResource[] = [];
  let next = 0;
  for (const resource of render.resources as (RenderResult["resources"][number] & { protect?: boolean })[]) {
    const manifest = render.manifests[next];
    if (!manifest || resource.type !== typeTokenOf(manifest)) continue;
    result.push({ type: resource.type, name: resource.name, props: manifest, protect: resource.protect === true });
    next++;
  }
  if (next !== render.manifests.length) {
    throw new Error(`only ${next} of ${render.manifests.length} manifests matched a resource of resources.json in ${render.dir}`);
  }
  return result;
}

export interface Violation {
  policy: string;
  message: string;
}

export function urnOf(stack: string, resource: Pick<PolicyResource, "type" | "name">): string {
  return `urn:pulumi:${stack}::observability::${resource.type}::${resource.name}`;
}

function optionsOf(resource: PolicyResource) {
  return {
    protect: resource.protect === true,
    ignoreChanges: [],
    aliases: [],
    additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  };
}

/**
 * Runs the pack's policies as the engine would for a preview of `stack`: each resource policy on
 * every resource, each stack policy once on all of them. `config` is the pack's config by policy.
 */
export function runPolicies(resources: PolicyResource[], stack: string, config: Record<string, object> = {}, only: Policies = policies): Violation[] {
  const violations: Violation[] = [];
  const common = (policyName: string) => ({
    stackTags: new Map<string, string>(),
    getConfig: () => (config[policyName] ?? {}) as any,
    notApplicable: (reason?: string) => {
      throw new Error(`notApplicable: ${reason}`);
    },
  });
  for (const policy of only) {
    const report = (message: string) => violations.push({ policy: policy.name, message });
    if ("validateStack" in policy) {
      const args = {
        ...common(policy.name),
        resources: resources.map((r) => ({
          type: r.type,
          name: r.name,
          urn: urnOf(stack, r),
          props: r.props,
          opts: optionsOf(r),
          dependencies: [],
          propertyDependencies: {},
          isType: () => false,
          asType: () => undefined,
        })),
      } as unknown as StackValidationArgs;
      policy.validateStack(args, report);
      continue;
    }
    for (const validate of [policy.validateResource ?? []].flat()) {
      for (const resource of resources) {
        const args = {
          ...common(policy.name),
          type: resource.type,
          name: resource.name,
          urn: urnOf(stack, resource),
          props: resource.props,
          opts: optionsOf(resource),
          isType: () => false,
          asType: () => undefined,
        } as unknown as ResourceValidationArgs;
        validate(args, report);
      }
    }
  }
  return violations;
}
