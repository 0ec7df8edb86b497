import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildNetworkPolicies } from "../configs/network-policies";
import { StackSettings } from "../configs/settings";
import { CommonArgs, labels } from "./kube";

export interface NetworkPoliciesArgs extends CommonArgs {
  settings: StackSettings;
  /** The agents' namespace, when the stack has one: it gets its own default deny and paths. */
  agentsNamespace?: pulumi.Input<string>;
}

/** Default deny for each of the stack's namespaces, and the paths the stack uses, each a NetworkPolicy. */
export class NetworkPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:NetworkPolicies", name, {}, opts);
    const meta = labels("network-policies", "network");
    for (const policy of buildNetworkPolicies(args.settings)) {
      const inAgents = policy.namespace === "agents";
      if (inAgents && args.agentsNamespace === undefined) throw new Error(`NetworkPolicy ${policy.name} is for the agents' namespace, which this stack does not create`);
      new k8s.networking.v1.NetworkPolicy(
        inAgents ? `${name}-agents-${policy.name}` : `${name}-${policy.name}`,
        { metadata: { name: policy.name, namespace: inAgents ? args.agentsNamespace! : args.namespace, labels: meta }, spec: policy.spec },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
