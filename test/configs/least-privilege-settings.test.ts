import { buildNetworkPolicies, internet } from "../../configs/network-policies";
import { parseSettings, SettingsError } from "../../configs/settings";

const parse = (values: Record<string, unknown>) => parseSettings({ values, secrets: {} });
const problems = (values: Record<string, unknown>): string[] => {
  try {
    parse(values);
    return [];
  } catch (err) {
    return (err as SettingsError).problems;
  }
};

describe("observability:grafana.plugins", () => {
  test("is empty by default", () => {
    expect(parse({}).grafana.plugins).toEqual([]);
  });

  test("takes pinned plugins", () => {
    expect(parse({ grafana: { plugins: ["grafana-clock-panel@2.1.8", "yesoreyeram-infinity-datasource@3.3.0-beta.1"] } }).grafana.plugins).toHaveLength(2);
  });

  test.each([
    ["grafana-clock-panel", "must be a plugin id with its pinned version"],
    ["grafana-clock-panel@latest", "must be a plugin id with its pinned version"],
    ["grafana-clock-panel@2.1", "must be a plugin id with its pinned version"],
    ["grafana-clock-panel@2.1.8,evil@1.0.0", "must be a plugin id with its pinned version"],
    ["grafana-clock-panel@2.1.8@https://example.com/p.zip", "must be a plugin id with its pinned version"],
  ])("refuses %j, naming the key", (plugin, message) => {
    expect(problems({ grafana: { plugins: [plugin] } })).toEqual([expect.stringContaining(`observability:grafana.plugins[0]: ${message}`)]);
  });

  test("refuses the same plugin twice", () => {
    expect(problems({ grafana: { plugins: ["a-panel@1.0.0", "a-panel@2.0.0"] } })).toEqual(["observability:grafana.plugins: must not list the same plugin twice"]);
  });
});

describe("observability:networkPolicies", () => {
  test("on by default, DNS to kube-dns in kube-system, the cluster's ranges left out of internet egress", () => {
    const np = parse({}).networkPolicies;
    expect(np.enabled).toBe(true);
    expect(np.dns).toEqual({ namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } });
    expect(internet(np)).toEqual([
      { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "10.96.0.0/12"].filter((c) => !c.includes(":")) } },
      { ipBlock: { cidr: "::/0", except: ["fc00::/7"] } },
    ]);
  });

  test("a cluster's own ranges and DNS pods replace the defaults", () => {
    const settings = parse({ networkPolicies: { podCidrs: ["10.42.0.0/16", "fd00:42::/56"], serviceCidrs: ["10.43.0.0/16"], dns: { podLabels: { "k8s-app": "coredns" } } } });
    expect(internet(settings.networkPolicies)).toEqual([
      { ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16", "10.43.0.0/16"] } },
      { ipBlock: { cidr: "::/0", except: ["fd00:42::/56"] } },
    ]);
    const dns = buildNetworkPolicies(settings).find((p) => p.name === "allow-dns")!;
    expect(dns.spec.egress![0].to).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "coredns" } } }]);
  });

  test.each([
    [{ podCidrs: ["10.0.0.0/33"] }, "observability:networkPolicies.podCidrs[0]: must be a CIDR"],
    [{ serviceCidrs: ["10.96.0.1/12"] }, "observability:networkPolicies.serviceCidrs[0]: must be a CIDR"],
    [{ podCidrs: ["0.0.0.0/0"] }, "observability:networkPolicies.podCidrs[0]: must be narrower than /0"],
    [{ dns: { podLabels: {} } }, "observability:networkPolicies.dns.podLabels: must name at least one label"],
    [{ dns: { podLabels: { "bad key!": "x" } } }, "observability:networkPolicies.dns.podLabels.bad key!: must be a Kubernetes label key"],
    [{ dns: { namespace: "Kube_System" } }, "observability:networkPolicies.dns.namespace: must be a DNS label"],
  ])("refuses %j, naming the key", (networkPolicies, message) => {
    expect(problems({ networkPolicies })).toEqual([expect.stringContaining(message)]);
  });

  test("the agents' namespace gets its own default deny and DNS policy, and the log agent only its paths", () => {
    const policies = buildNetworkPolicies(parse({})).filter((p) => p.namespace === "agents");
    expect(policies.map((p) => p.name)).toEqual(["default-deny", "allow-dns", "promtail"]);
    expect(buildNetworkPolicies(parse({ logAgent: "none", nodeExporter: { enabled: false } })).filter((p) => p.namespace === "agents")).toEqual([]);
  });
});
