import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildNetworkPolicies } from "../configs/network-policies";
import { StackSettings } from "../configs/settings";
import { CommonArgs, labels } from "./kube";

export interface NetworkPoliciesArgs extends CommonArgs {
  settings: StackSettings;
}

/** Default deny for the servers' namespace, and the paths the stack uses, each a NetworkPolicy. */
export class NetworkPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:NetworkPolicies", name, {}, opts);
    const meta = labels("network-policies", "network");
    for (const policy of buildNetworkPolicies(args.settings)) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${policy.name}`,
        { metadata: { name: policy.name, namespace: args.namespace, labels: meta }, spec: policy.spec },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
