/** `observability:networkPolicies`: the default-deny policies and the cluster addresses they let through. */
import { z } from "zod";
import { cidrProblem, labelKeyProblem } from "./grammars";
import { cidr, dnsLabel, grammar, labelValue, port } from "./value-schemas";

const PRIVATE_RANGES: [string, ...string[]] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
/** IPv4 private ranges and IPv6 unique local addresses. */
const PRIVATE_RANGES_V4_V6 = [...PRIVATE_RANGES, "fc00::/7"];
/** A range cut out of 0.0.0.0/0 or ::/0: Kubernetes requires an `except` to lie strictly inside its `cidr`. */
const internetExceptCidr = grammar(cidrProblem, (value) => (/\/0$/.test(value) ? "must be narrower than /0: it is cut out of the whole internet" : undefined));
export const networkPoliciesSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe("Default-deny NetworkPolicies in both namespaces, then exactly the paths the stack uses. A CNI that ignores NetworkPolicies loses nothing by it."),
    /** Namespace of the ingress controller allowed to reach Grafana. */
    ingressNamespace: dnsLabel.default("ingress-nginx").describe("Namespace of the ingress controller allowed to reach Grafana."),
    /** Where the nodes' addresses lie: node-exporter listens on the host network. */
    nodeCidrs: z.array(cidr).nonempty().default(PRIVATE_RANGES).describe("Where the nodes' addresses lie: node-exporter listens on the host network."),
    /** Where the Kubernetes API server lies, for service discovery. */
    apiServerCidrs: z.array(cidr).nonempty().default(PRIVATE_RANGES).describe("Where the Kubernetes API server lies, for service discovery."),
    apiServerPorts: z.array(port).nonempty().default([443, 6443]),
    podCidrs: z
      .array(internetExceptCidr)
      .default(PRIVATE_RANGES_V4_V6)
      .describe(
        "The cluster's pod address ranges, left out of every internet egress rule (SMTP, Slack, Discord, plugins, remote write). Default: every private range, which holds the pod range of kubeadm, kind, k3s, EKS, GKE and AKS; set your cluster's own to let Alertmanager reach a relay at another private address.",
      ),
    serviceCidrs: z
      .array(internetExceptCidr)
      .default(["10.96.0.0/12"])
      .describe("The cluster's Service (ClusterIP) ranges, left out of internet egress like podCidrs. Default: kubeadm's and kind's 10.96.0.0/12."),
    dns: z
      .object({
        namespace: dnsLabel.default("kube-system").describe("Namespace of the cluster DNS pods."),
        podLabels: z
          .record(grammar(labelKeyProblem), labelValue)
          .refine((labels) => Object.keys(labels).length > 0, { message: "must name at least one label, e.g. {k8s-app: kube-dns}" })
          .default({ "k8s-app": "kube-dns" })
          .describe("Labels of the cluster DNS pods (CoreDNS keeps kube-dns's k8s-app: kube-dns)."),
      })
      .strict()
      .default({})
      .describe("The cluster DNS pods: the only destination of DNS egress (port 53) from the stack's pods."),
  })
  .strict()
  .default({});
