import { parse } from "yaml";
import { isPinnedImage } from "../../configs/images";
import { containersOf, find, render, RenderResult, runRenderCommand, WORKLOAD_KINDS } from "../helpers/render";

const SERVERS = ["prometheus", "alertmanager", "grafana", "loki"];
const AGENTS = ["promtail", "node-exporter"];

describe.each(["dev", "prod"])("the %s stack", (stack) => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await render({ stack });
  });

  // Alertmanager is a StatefulSet at every replica count, so a replica change only scales it (components/stateful-workload.ts).
  const singleReplica = (name: string) => name !== "alertmanager";

  test.each(SERVERS)("%s has a Service and its own volume: a Deployment with Recreate and a PVC when single-replica", (name) => {
    if (!singleReplica(name)) {
      const set = find(r, "StatefulSet", name);
      expect(set.spec.volumeClaimTemplates.map((t: any) => t.spec.accessModes)).toEqual([["ReadWriteOnce"]]);
      for (let i = 0; i < set.spec.replicas; i++) expect(find(r, "PersistentVolumeClaim", `data-${name}-${i}`).spec.accessModes).toEqual(["ReadWriteOnce"]);
      expect(find(r, "Service", name).spec.selector).toEqual(set.spec.selector.matchLabels);
      return;
    }
    const deployment = find(r, "Deployment", name);
    expect(deployment.spec.strategy.type).toBe("Recreate");
    const pvc = find(r, "PersistentVolumeClaim", `${name}-data`);
    expect(pvc.spec.accessModes).toEqual(["ReadWriteOnce"]);
    const claims = deployment.spec.template.spec.volumes.filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.persistentVolumeClaim.claimName);
    expect(claims).toEqual([pvc.metadata.name]);
    expect(find(r, "Service", name).spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  test.each(AGENTS)("%s runs as a DaemonSet on every node, with a Service", (name) => {
    const daemonSet = find(r, "DaemonSet", name);
    expect(daemonSet.spec.template.spec.tolerations).toEqual([{ operator: "Exists" }]);
    expect(find(r, "Service", name).spec.selector).toEqual(daemonSet.spec.selector.matchLabels);
  });

  test("every image is pinned and every container has requests, a memory limit and probes", () => {
    const workloads = r.manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind));
    // Dev adds its mail catcher; prod lists probes, so it runs blackbox-exporter.
    const byStack = stack === "dev" ? ["mailpit"] : ["blackbox-exporter"];
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(["alertmanager", "grafana", "kube-state-metrics", "loki", "node-exporter", "prometheus", "promtail", ...byStack].sort());
    for (const workload of workloads) {
      for (const c of containersOf(workload)) {
        const where = `${workload.kind}/${workload.metadata.name} container ${c.name}`;
        expect([where, isPinnedImage(c.image)]).toEqual([where, true]);
        expect([where, c.resources?.requests?.cpu, c.resources?.requests?.memory, c.resources?.limits?.memory].every(Boolean)).toBe(true);
        if (!workload.spec.template.spec.initContainers?.includes(c)) {
          expect([where, Boolean(c.livenessProbe && c.readinessProbe)]).toEqual([where, true]);
        }
        expect([where, c.securityContext?.allowPrivilegeEscalation]).toEqual([where, false]);
        expect([where, c.securityContext?.capabilities?.drop]).toEqual([where, ["ALL"]]);
      }
    }
  });

  test("the servers run as the numeric non-root users their images expect", () => {
    const uid = (name: string) => find(r, singleReplica(name) ? "Deployment" : "StatefulSet", name).spec.template.spec.securityContext;
    expect(uid("prometheus")).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } });
    expect(uid("alertmanager")).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    expect(uid("grafana")).toMatchObject({ runAsNonRoot: true, runAsUser: 472 });
    expect(uid("loki")).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
  });

  test("every object carries the standard labels", () => {
    for (const m of r.manifests.filter((m) => m.kind !== "Namespace")) {
      expect([m.kind, m.metadata.name, m.metadata.labels?.["app.kubernetes.io/part-of"], m.metadata.labels?.["app.kubernetes.io/managed-by"]]).toEqual([
        m.kind,
        m.metadata.name,
        "observability",
        "pulumi",
      ]);
    }
  });

  test("every service is a ComponentResource and every Kubernetes object has a parent", () => {
    const components = r.resources.filter((x) => x.type.startsWith("observability:index:")).map((x) => x.type);
    const expected = ["Alertmanager", "Grafana", "KubeStateMetrics", "Loki", "NetworkPolicies", "NodeExporter", "ObservabilityStack", "Prometheus", "Promtail", ...(stack === "dev" ? ["MailCatcher"] : ["BlackboxExporter"])];
    expect(components.sort()).toEqual(expected.sort().map((c) => `observability:index:${c}`));
    const orphans = r.resources.filter((x) => x.type !== "observability:index:ObservabilityStack" && !x.parent);
    expect(orphans).toEqual([]);
    // A workload belongs to the component of the same name; the dev mail catcher's component is named
    // for its role, its Deployment for the program it runs (Mailpit).
    const componentOf: Record<string, string> = { mailpit: "MailCatcher::mail-catcher" };
    for (const x of r.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment")) {
      const component = x.name.split("-").map((word) => `${word[0].toUpperCase()}${word.slice(1)}`).join("");
      expect(x.parent).toBe(`observability:index:${componentOf[x.name] ?? `${component}::${x.name}`}`);
    }
  });

  test("Grafana's datasources are the Prometheus, Loki and Alertmanager Services", () => {
    const datasources = parse(r.files["grafana/provisioning/datasources/datasources.yaml"]).datasources;
    const urlOf = (uid: string) => datasources.find((d: any) => d.uid === uid).url;
    expect(urlOf("prometheus")).toBe("http://prometheus.monitoring.svc.cluster.local:9090");
    expect(urlOf("loki")).toBe("http://loki.monitoring.svc.cluster.local:3100");
    expect(urlOf("alertmanager")).toBe("http://alertmanager.monitoring.svc.cluster.local:9093");
    expect(datasources.find((d: any) => d.isDefault).uid).toBe("prometheus");
    for (const [service, url] of [["prometheus", urlOf("prometheus")], ["loki", urlOf("loki")]]) {
      const port = find(r, "Service", service).spec.ports[0].port;
      expect(url).toContain(`${service}.monitoring.svc.cluster.local:${port}`);
    }
  });

  test("Promtail pushes to Loki's Service and Prometheus alerts every Alertmanager endpoint", () => {
    const promtail = parse(r.files["promtail/promtail.yaml"]);
    expect(promtail.clients[0].url).toBe("http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push");
    const prometheus = parse(r.files["prometheus/prometheus.yml"]);
    const [am] = prometheus.alerting.alertmanagers;
    expect(am.kubernetes_sd_configs).toEqual([{ role: "endpointslice", namespaces: { names: ["monitoring"] } }]);
    expect(am.relabel_configs[0]).toEqual({ source_labels: ["__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port_name"], regex: "alertmanager;http", action: "keep" });
  });

  test("Prometheus keeps its data within the volume, reloads changed files itself and serves no lifecycle API", () => {
    const args: string[] = containersOf(find(r, "Deployment", "prometheus"))[0].args;
    const pvc = find(r, "PersistentVolumeClaim", "prometheus-data");
    const gi = parseInt(pvc.spec.resources.requests.storage, 10);
    const size = Number(/--storage.tsdb.retention.size=(\d+)MB/.exec(args.join(" "))![1]);
    expect(size / (gi * 1024)).toBeCloseTo(0.85, 2);
    // No /-/reload, no /-/quit: nothing needs them, and one request could stop Prometheus.
    expect(args).not.toContain("--web.enable-lifecycle");
    expect(args).toEqual(expect.arrayContaining(["--config.auto-reload", "--enable-feature=extra-scrape-metrics", "--web.config.file=/etc/prometheus-web/web.yml"]));
    expect(args).toContain(`--storage.tsdb.retention.time=${stack === "prod" ? "30d" : "3d"}`);
  });

  test("stack outputs give URLs and port-forward commands; the admin password only as a secret", () => {
    expect(r.outputs.namespace).toBe("monitoring");
    expect(r.outputs.urls.grafana).toBe("http://grafana.monitoring.svc.cluster.local:3000");
    expect(r.outputs.portForward.grafana).toBe("kubectl -n monitoring port-forward svc/grafana 3000:3000");
    expect(r.outputs.grafanaAdminUser).toBe("admin");
    expect(r.outputs.grafanaAdminPassword).toEqual({ secret: true });
  });
});

describe("switching services off", () => {
  test("without Loki and a log agent there is no log pipeline and Grafana has no Loki datasource", async () => {
    const r = await render({ stack: "dev", set: ['loki={"enabled":false}', "logAgent=none"] });
    expect(r.manifests.some((m) => m.metadata?.name === "loki" || m.metadata?.name === "promtail")).toBe(false);
    const datasources = parse(r.files["grafana/provisioning/datasources/datasources.yaml"]).datasources.map((d: any) => d.uid);
    expect(datasources).toEqual(["prometheus", "alertmanager"]);
    const jobs = parse(r.files["prometheus/prometheus.yml"]).scrape_configs.map((j: any) => j.job_name);
    expect(jobs).not.toContain("loki");
  });
});

describe("render", () => {
  test("a bad setting exits non-zero with the settings error and writes nothing", async () => {
    const out = `${require("os").tmpdir()}/render-bad-${process.pid}`;
    const result = await runRenderCommand(["--stack", "dev", "--out", out, "--set", 'prometheus={"retention":"30x"}']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("observability:prometheus.retention: must be a duration");
    expect(require("fs").existsSync(out)).toBe(false);
  });
});
