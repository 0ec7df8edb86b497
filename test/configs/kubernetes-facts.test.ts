/**
 * Kubernetes' own rules for what the settings name: Ingress hosts, label keys, object names, the
 * namespaces the stack takes over, and the size of what it puts into a ConfigMap.
 */
import { prometheusConfigFile } from "../../components/prometheus";
import { parseSettings } from "../../configs/settings";
import { settingsProblems } from "../helpers/stack-settings";

const problems = settingsProblems;

const name64 = "a".repeat(64);

describe("Kubernetes facts", () => {
  test.each([
    ["an IPv4 address as the Ingress host (Ingress matches the Host header by name)", { grafana: { ingress: { host: "10.0.0.1" } } }, "grafana.ingress.host"],
    ["an IPv6 address as the Ingress host", { grafana: { ingress: { host: "fd00::1" } } }, "grafana.ingress.host"],
    ["an Ingress host label over 63 characters (DNS cannot resolve it)", { grafana: { ingress: { host: `${name64}.example.com` } } }, "grafana.ingress.host"],
    ["a label key prefix over 253 characters", { networkPolicies: { dns: { podLabels: { [`${"a.".repeat(127)}a/k8s-app`]: "kube-dns" } } } }, "networkPolicies.dns.podLabels"],
    ["a label key with two slashes", { networkPolicies: { dns: { podLabels: { "a/b/c": "kube-dns" } } } }, "networkPolicies.dns.podLabels"],
    ["a label key name over 63 characters", { networkPolicies: { dns: { podLabels: { [name64]: "kube-dns" } } } }, "networkPolicies.dns.podLabels"],
    ["the ingress controller's namespace as the stack's", { namespace: "ingress-nginx" }, "namespace"],
    ["the cluster DNS's namespace as the agents'", { networkPolicies: { dns: { namespace: "dns" } }, agentsNamespace: "dns" }, "agentsNamespace"],
    ["an app namespace as the stack's", { namespace: "shop", app: { namespaces: ["shop"] } }, "namespace"],
    ["a custom ingress namespace as the agents'", { networkPolicies: { ingressNamespace: "traefik" }, agentsNamespace: "traefik" }, "agentsNamespace"],
    ["any kube-* namespace", { namespace: "kube-flannel" }, "namespace"],
  ])("%s is refused", (_, values, key) => {
    expect(problems(values)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^observability:${key.replace(/\./g, "\\.")}[.:\\[]`))]));
  });

  test.each([
    ["a 64-character StorageClass label (object names are DNS subdomains: 253 in all, no limit per label)", { storageClass: `${name64}.example.com` }],
    ["a 64-character IngressClass and TLS Secret name", { grafana: { ingress: { host: "grafana.example.com", className: name64, tlsSecretName: `${name64}-tls` } } }],
    ["a label key with a 253-character prefix", { networkPolicies: { dns: { podLabels: { [`${"a.".repeat(126)}a/k8s-app`]: "kube-dns" } } } }],
    ["an Ingress host of 63-character labels", { grafana: { ingress: { host: `${"a".repeat(63)}.example.com`, tlsSecretName: "grafana-tls" } } }],
  ])("%s is accepted", (_, values) => {
    expect(problems(values)).toEqual([]);
  });

  test("prometheus.yml gets the 1 MiB ConfigMap check, naming the setting that grew it", () => {
    const settings = parseSettings({ values: { app: { staticTargets: Array.from({ length: 60_000 }, (_, i) => `app-${i}.example.com:9100`) } }, secrets: {} });
    expect(() => prometheusConfigFile({ settings, targets: {}, discoverAppPods: true })).toThrow(
      /^ConfigMap prometheus-config would hold \d+ bytes of scrape configuration, over Kubernetes' limit of 1048576 bytes \(1 MiB\): scrape fewer static targets \(observability:app\.staticTargets\)/,
    );
    expect(() => prometheusConfigFile({ settings: parseSettings({ values: {}, secrets: {} }), targets: {}, discoverAppPods: true })).not.toThrow();
  });
});
