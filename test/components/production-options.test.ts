import { parse } from "yaml";
import { buildAlloyConfig, toAlloy } from "../../configs/alloy";
import { logDestination } from "../../configs/log-destination";
import { internet } from "../../configs/network-policies";
import { buildPromtailConfig } from "../../configs/promtail";
import { parseSettings } from "../../configs/settings";
import { containersOf, find, render } from "../helpers/render";
import { stackSettings } from "../helpers/stack-settings";

const REMOTE_WRITE = { url: "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push", username: "123456" };
const EXTERNAL_LOKI = { url: "https://logs-prod-eu-west-0.grafana.net/loki/api/v1/push", username: "654321" };

describe("the guide's production options", () => {
  test("remote_write to Grafana Cloud with basic auth read from a Secret file", async () => {
    const r = await render({
      stack: "dev",
      set: [`prometheus=${JSON.stringify({ storageGi: 5, retention: "3d", remoteWrite: REMOTE_WRITE })}`],
      setSecret: ["remoteWritePassword=rw-secret-1234"],
    });
    const config = parse(r.files["prometheus/prometheus.yml"]);
    expect(config.remote_write).toEqual([{ url: REMOTE_WRITE.url, basic_auth: { username: "123456", password_file: "/etc/prometheus-secrets/remote-write-password" } }]);
    const spec = find(r, "Deployment", "prometheus").spec.template.spec;
    // One folder of password files: the remote store's beside the stack user's (Prometheus' own and Alertmanager's).
    const sources = spec.volumes.find((v: any) => v.name === "secrets").projected.sources.map((s: any) => s.secret);
    const remoteWrite = r.manifests.find((m) => m.kind === "Secret" && sources.some((s: any) => s.name === m.metadata.name && !s.items))!;
    expect(Object.keys(remoteWrite.stringData)).toEqual(["remote-write-password"]);
    expect(sources.filter((s: any) => s.items).map((s: any) => [s.name, s.items])).toEqual([
      ["prometheus-web-client", [{ key: "password", path: "prometheus-web-password" }]],
      ["alertmanager-web-client", [{ key: "password", path: "alertmanager-web-password" }]],
    ]);
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: "secrets", mountPath: "/etc/prometheus-secrets", readOnly: true });
  });

  describe("an external Loki", () => {
    const external = { set: [`externalLoki=${JSON.stringify(EXTERNAL_LOKI)}`], setSecret: ["externalLokiPassword=loki-secret-1234"] };

    test("the log agent pushes to it with basic auth; no in-cluster Loki is deployed or scraped", async () => {
      const r = await render({ stack: "dev", ...external });
      const client = parse(r.files["promtail/promtail.yaml"]).clients[0];
      expect(client).toMatchObject({ url: EXTERNAL_LOKI.url, basic_auth: { username: "654321", password_file: "/etc/log-agent-secrets/external-loki-password" } });
      expect(r.manifests.filter((m) => m.metadata?.name === "loki" || m.metadata?.name === "loki-data")).toEqual([]);
      expect(parse(r.files["prometheus/prometheus.yml"]).scrape_configs.map((j: any) => j.job_name)).not.toContain("loki");
      expect(r.outputs.urls.loki).toBeUndefined();
      // Alerts about the in-cluster Loki would watch series that never exist.
      const alerts = parse(r.files["prometheus/rules/alerts.yml"]).groups.flatMap((g: any) => g.rules.map((rule: any) => rule.alert));
      expect(alerts).not.toContain("LokiDown");
      expect(alerts).not.toContain("LokiDiscardingLogs");
      expect(alerts).toContain("LogAgentDown");
    });

    test("Grafana's Loki datasource reads from it, with the password from Grafana's Secret, so the Logs dashboard has data", async () => {
      const r = await render({ stack: "dev", ...external });
      const datasourcesYaml = r.files["grafana/provisioning/datasources/datasources.yaml"];
      const loki = parse(datasourcesYaml).datasources.find((d: any) => d.uid === "loki");
      expect(loki).toMatchObject({
        type: "loki",
        url: "https://logs-prod-eu-west-0.grafana.net",
        basicAuth: true,
        basicAuthUser: "654321",
        secureJsonData: { basicAuthPassword: "$__file{/etc/grafana/secrets/external-loki-password}" },
      });
      expect(datasourcesYaml).not.toContain("loki-secret-1234");
      const spec = find(r, "Deployment", "grafana").spec.template.spec;
      const mount = spec.containers[0].volumeMounts.find((m: any) => m.mountPath === "/etc/grafana/secrets");
      const secretName = spec.volumes.find((v: any) => v.name === mount.name).secret.secretName;
      const secret = r.manifests.find((m) => m.kind === "Secret" && m.metadata.name === secretName)!;
      expect(Object.keys(secret.stringData)).toContain("external-loki-password");
      expect(Object.keys(r.files)).toContain("grafana/dashboards/Observability/observability-logs.json");
    });

    test("with network policies, Grafana may reach it on its https port", async () => {
      const r = await render({ stack: "prod", ...external });
      const grafana = find(r, "NetworkPolicy", "grafana").spec;
      // Anywhere outside the cluster: its pod and Service ranges are cut out.
      expect(grafana.egress).toContainEqual({ to: internet(stackSettings("prod").networkPolicies), ports: [{ port: 443, protocol: "TCP" }] });
      expect(r.manifests.some((m) => m.kind === "NetworkPolicy" && m.metadata.name === "loki")).toBe(false);
    });

    test("loki.enabled: true keeps the in-cluster Loki (and its data) beside it; Grafana still reads the external one", async () => {
      const r = await render({ stack: "dev", ...external, set: [...external.set, `loki=${JSON.stringify({ enabled: true, storageGi: 5 })}`] });
      expect(find(r, "Deployment", "loki")).toBeDefined();
      expect(parse(r.files["grafana/provisioning/datasources/datasources.yaml"]).datasources.find((d: any) => d.uid === "loki").url).toBe("https://logs-prod-eu-west-0.grafana.net");
    });
  });

  test("off by default", async () => {
    const r = await render({ stack: "prod" });
    expect(parse(r.files["prometheus/prometheus.yml"]).remote_write).toBeUndefined();
    expect(parse(r.files["promtail/promtail.yaml"]).clients[0].basic_auth).toBeUndefined();
  });
});

describe("Grafana Ingress", () => {
  test("host, class and TLS from settings; Grafana's root URL follows the host", async () => {
    const r = await render({
      stack: "dev",
      set: [`grafana=${JSON.stringify({ storageGi: 1, ingress: { host: "grafana.example.com", className: "nginx", tlsSecretName: "grafana-tls" } })}`],
    });
    const ingress = find(r, "Ingress", "grafana");
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.tls).toEqual([{ hosts: ["grafana.example.com"], secretName: "grafana-tls" }]);
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: "grafana", port: { name: "http" } });
    expect(r.files["grafana/grafana.ini"]).toContain("root_url = https://grafana.example.com/");
  });

  test("none unless asked", async () => {
    const r = await render({ stack: "dev" });
    expect(r.manifests.filter((m) => m.kind === "Ingress")).toEqual([]);
  });
});

describe("a supported log agent: Alloy", () => {
  test("logAgent alloy replaces Promtail with an Alloy DaemonSet in the agents' namespace, scraped by Prometheus", async () => {
    const r = await render({ stack: "prod", set: ["logAgent=alloy"] });
    expect(r.manifests.some((m) => m.metadata?.name === "promtail")).toBe(false);
    const alloy = find(r, "DaemonSet", "alloy");
    expect(alloy.metadata.namespace).toBe("monitoring-agents");
    const [container] = containersOf(alloy);
    expect(container.image).toMatch(/^docker\.io\/grafana\/alloy:v\d+\.\d+\.\d+$/);
    expect(container.args).toEqual(expect.arrayContaining(["run", "/etc/alloy/config.alloy", "--storage.path=/var/lib/alloy"]));
    const state = alloy.spec.template.spec.volumes.find((v: any) => v.name === "state");
    expect(state.hostPath).toEqual({ path: "/var/lib/alloy", type: "DirectoryOrCreate" });
    expect(r.files["alloy/config.alloy"]).toContain('url = "http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push"');
    const jobs = parse(r.files["prometheus/prometheus.yml"]).scrape_configs.map((j: any) => j.job_name);
    expect(jobs).toContain("alloy");
    expect(jobs).not.toContain("promtail");
    // Loki lets the agent in, whichever it is.
    const loki = r.manifests.find((m) => m.kind === "NetworkPolicy" && m.metadata.name === "loki")!;
    expect(JSON.stringify(loki.spec.ingress)).toContain('"app.kubernetes.io/name":"alloy"');
  });

  test("the same discovery, labels and FastAPI pipeline as Promtail", () => {
    const settings = parseSettings({ values: {}, secrets: {} });
    const destination = logDestination(settings, { kind: "static", targets: ["loki:3100"] });
    const promtail = buildPromtailConfig({ settings, destination });
    const alloy = toAlloy(buildAlloyConfig({ settings, destination }));
    const promtailPods = promtail.scrape_configs.find((j) => j.job_name === "kubernetes-pods")!;
    for (const rule of promtailPods.relabel_configs!.filter((x) => x.target_label && x.target_label !== "__host__")) {
      expect(alloy).toContain(`target_label = ${JSON.stringify(rule.target_label)}`);
      if (rule.replacement) expect(alloy).toContain(`replacement = ${JSON.stringify(rule.replacement)}`);
    }
    expect(alloy).toContain('selector = "{app=\\"crypto-orchestrator\\"}"');
    expect(alloy).toMatch(/stage\.json \{\n\s+expressions = \{\n\s+"timestamp" = "timestamp",\n\s+"level" = "level",\n\s+"message" = "message",\n\s+"module" = "name",/);
    expect(alloy).toMatch(/stage\.labels \{\n\s+values = \{\n\s+"level" = "",\n\s+\}/);
    expect(alloy).toMatch(/stage\.structured_metadata \{\n\s+values = \{\n\s+"module" = "",\n\s+\}/);
    expect(alloy).toMatch(/stage\.limit \{\n\s+rate = 1000\n\s+burst = 5000\n\s+by_label_name = "namespace"\n\s+max_distinct_labels = 10000\n\s+drop = true\n\s+\}/);
    expect(alloy).toMatch(/stage\.timestamp \{\n\s+source = "timestamp"\n\s+format = "RFC3339"/);
    expect(alloy).toContain('field = "spec.nodeName=" + sys.env("HOSTNAME")');
    expect(alloy).toMatch(/"__path__" = "\/var\/log\/\*log",\n\s+"job" = "varlogs",/);
  });
});
