/**
 * `loki.replicas: 3` with object storage and `prometheus.replicas: 2`, on the offline render of the
 * prod stack: what gets deployed, what reaches whom through the NetworkPolicies, and what a change
 * of either setting does to the volumes (pulumi-kubernetes' replace rules on the recorded inputs).
 */
import * as path from "path";
import { binary, run, withPinnedBinaries } from "../helpers/binaries";
import { allowed, Endpoint } from "../helpers/network-policy";
import { restrictedViolations } from "../helpers/pod-security";
import { containersOf, find, render, RenderResult } from "../helpers/render";
import { outcomes } from "../helpers/replacement";
import { policyResources, runPolicies } from "../policy/resources";

const CLAIM = "PersistentVolumeClaim";
/** prod's own Loki settings, with HA on (the render's --set replaces the whole object). */
const prodLoki = (overrides: Record<string, unknown>) =>
  `loki=${JSON.stringify({
    storageGi: 20,
    retention: "720h",
    resources: { cpu: "500m", memory: "1Gi", memoryLimit: "4Gi" },
    replicas: 3,
    objectStorage: { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", insecure: true, egressCidrs: ["10.20.0.0/16"] },
    ...overrides,
  })}`;
const prodPrometheus = (replicas: number) => `prometheus=${JSON.stringify({ storageGi: 100, retention: "30d", replicas, resources: { cpu: "1", memory: "4Gi", memoryLimit: "8Gi" } })}`;
const SECRET_KEY = "e2e-distinctive-object-store-key";
const byAction = (list: { key: string; action: string }[], action: string) => list.filter((o) => o.action === action).map((o) => o.key.split("::").pop()).sort();
const claimNames = (r: RenderResult) => r.manifests.filter((m) => m.kind === CLAIM).map((m) => m.metadata.name).sort();

describe("HA Loki and a Prometheus pair in the prod render", () => {
  let prod: RenderResult, ha: RenderResult, five: RenderResult;
  beforeAll(async () => {
    const secret = [`lokiObjectStorageSecretKey=${SECRET_KEY}`];
    [prod, ha, five] = await Promise.all([
      render({ stack: "prod" }),
      render({ stack: "prod", set: [prodLoki({}), prodPrometheus(2)], setSecret: secret }),
      render({ stack: "prod", set: [prodLoki({ replicas: 5, storageGi: 30 }), prodPrometheus(2)], setSecret: secret }),
    ]);
  }, 300_000);

  describe("Loki", () => {
    test("a 3-replica StatefulSet with a claim per replica, spread across nodes, one down at a time", () => {
      const sts = find(ha, "StatefulSet", "loki");
      expect(sts.spec).toMatchObject({ replicas: 3, serviceName: "loki-memberlist", podManagementPolicy: "Parallel" });
      expect(claimNames(ha).filter((n) => n.includes("loki"))).toEqual(["data-loki-0", "data-loki-1", "data-loki-2"]);
      expect(find(ha, CLAIM, "data-loki-0").spec.resources.requests.storage).toBe("20Gi");
      expect(sts.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
      expect(find(ha, "PodDisruptionBudget", "loki").spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: sts.spec.selector.matchLabels } });
      expect(ha.manifests.filter((m) => m.kind === "Deployment").map((m) => m.metadata.name)).not.toContain("loki");
      expect(restrictedViolations(sts.spec.template.spec)).toEqual([]);
    });

    test("memberlist through a headless Service that lists instances before they are ready; clients keep the Service loki", () => {
      const peers = find(ha, "Service", "loki-memberlist");
      expect(peers.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
      expect(peers.spec.ports).toEqual(expect.arrayContaining([expect.objectContaining({ port: 7946, protocol: "TCP" })]));
      const client = find(ha, "Service", "loki");
      expect(client.spec.ports.map((p: any) => p.port)).toEqual([3100, 9096]);
      expect(client.spec).toEqual(find(prod, "Service", "loki").spec);
      expect(ha.outputs.urls.loki).toBe("http://loki.monitoring.svc.cluster.local:3100");
      expect(ha.outputs.urls.prometheus).toBe(prod.outputs.urls.prometheus);
    });

    test("each pod reads its own config file if there is one (loki-0: the main compactor), with the secret key from a Secret", () => {
      const [loki] = containersOf(find(ha, "StatefulSet", "loki"));
      expect(loki.args).toEqual(["-config.file=/etc/loki/$(POD_NAME).yaml,/etc/loki/loki.yaml", "-config.expand-env=true", "-target=all"]);
      expect(loki.env).toEqual(
        expect.arrayContaining([
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "LOKI_S3_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: expect.stringMatching(/^loki-object-storage-/), key: "secret-access-key" } } },
        ]),
      );
      expect(Object.keys(ha.files).filter((f) => f.startsWith("loki/")).sort()).toEqual(["loki/loki-0.yaml", "loki/loki.yaml"]);
      expect(ha.files["loki/loki-0.yaml"]).toContain("horizontal_scaling_mode: main");
      expect(ha.files["loki/loki.yaml"]).toContain("horizontal_scaling_mode: worker");
      const everythingButSecrets = JSON.stringify([ha.files, ha.outputs, ha.manifests.filter((m) => m.kind !== "Secret")]);
      expect(everythingButSecrets).not.toContain(SECRET_KEY);
      expect(find(ha, "Secret", loki.env[1].valueFrom.secretKeyRef.name).type).toBe("Opaque");
    });

    test("NetworkPolicies: instances reach each other's memberlist and gRPC ports, and the bucket's port in egressCidrs only", () => {
      const policies = ha.manifests.filter((m) => m.kind === "NetworkPolicy");
      const lokiPod = (i: number): Endpoint => ({ kind: "pod", name: `loki-${i}`, namespace: "monitoring", labels: find(ha, "StatefulSet", "loki").spec.template.metadata.labels });
      const grafana: Endpoint = { kind: "pod", name: "grafana", namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } };
      const bucket = (ip: string): Endpoint => ({ kind: "ip", name: "minio", ip });
      for (const [port, protocol] of [[7946, "TCP"], [7946, "UDP"], [9096, "TCP"]] as const) {
        expect([port, protocol, allowed(policies, { from: lokiPod(0), to: lokiPod(1), port, protocol })]).toEqual([port, protocol, true]);
      }
      expect(allowed(policies, { from: lokiPod(2), to: bucket("10.20.3.4"), port: 9000, protocol: "TCP" })).toBe(true);
      expect(allowed(policies, { from: lokiPod(2), to: bucket("10.20.3.4"), port: 443, protocol: "TCP" })).toBe(false);
      expect(allowed(policies, { from: lokiPod(2), to: bucket("192.168.1.1"), port: 9000, protocol: "TCP" })).toBe(false);
      expect(allowed(policies, { from: grafana, to: lokiPod(0), port: 3100, protocol: "TCP" })).toBe(true);
      expect(allowed(policies, { from: grafana, to: lokiPod(0), port: 7946, protocol: "TCP" })).toBe(false);
    });

    test("1 → 3 replicas: prod's single volume is protected, so the preview stops instead of deleting it", () => {
      const claims = outcomes(prod, ha, CLAIM);
      expect(claims.find((o) => o.key.endsWith("::loki-data"))).toEqual({ key: "kubernetes:core/v1:PersistentVolumeClaim::loki-data", action: "blocked" });
      expect(byAction(claims, "delete")).toEqual([]);
    });

    test("3 → 5 replicas and 20 → 30 GiB: claims grow in place, two are added, the StatefulSet is updated, nothing replaced", () => {
      const claims = outcomes(ha, five, CLAIM);
      expect(byAction(claims, "replace")).toEqual([]);
      expect(byAction(claims, "update")).toEqual(["data-loki-0", "data-loki-1", "data-loki-2"]);
      expect(claimNames(five).filter((n) => n.includes("loki"))).toEqual(["data-loki-0", "data-loki-1", "data-loki-2", "data-loki-3", "data-loki-4"]);
      expect(outcomes(ha, five, "StatefulSet").filter((o) => o.key.endsWith("::loki"))).toEqual([{ key: "kubernetes:apps/v1:StatefulSet::loki", action: "update" }]);
    });

    test("prod 5 → 3 replicas stops at the preview on the removed instances' protected claims; nothing is deleted", () => {
      const claims = outcomes(five, ha, CLAIM);
      expect(byAction(claims, "blocked")).toEqual(["data-loki-3", "data-loki-4"]);
      expect(byAction(claims, "delete")).toEqual([]);
      // Unprotected (`pulumi state unprotect`), they are forgotten, not deleted: retainOnDelete.
      expect(five.resources.filter((r) => r.name.startsWith("data-loki-")).map((r) => r.retainOnDelete)).toEqual([true, true, true, true, true]);
    });
  });

  describe("Prometheus", () => {
    test("two replicas, each a Recreate Deployment on its own volume, named in PROMETHEUS_REPLICA", () => {
      const replicas = ["prometheus", "prometheus-1"].map((name) => find(ha, "Deployment", name));
      expect(replicas.map((d) => d.spec.strategy.type)).toEqual(["Recreate", "Recreate"]);
      expect(replicas.map((d) => d.spec.template.spec.volumes.find((v: any) => v.name === "data").persistentVolumeClaim.claimName)).toEqual(["prometheus-data", "prometheus-1-data"]);
      expect(replicas.map((d) => containersOf(d)[0].env)).toEqual([
        [{ name: "PROMETHEUS_REPLICA", value: "prometheus" }],
        [{ name: "PROMETHEUS_REPLICA", value: "prometheus-1" }],
      ]);
      // Neither Deployment's selector picks the other's pods.
      const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
      expect(matches(replicas[0].spec.selector.matchLabels, replicas[1].spec.template.metadata.labels)).toBe(false);
      expect(matches(replicas[1].spec.selector.matchLabels, replicas[0].spec.template.metadata.labels)).toBe(false);
      // The Service (Grafana's datasource) and the budget cover both.
      for (const selector of [find(ha, "Service", "prometheus").spec.selector, find(ha, "PodDisruptionBudget", "prometheus").spec.selector.matchLabels]) {
        expect(replicas.map((d) => matches(selector, d.spec.template.metadata.labels))).toEqual([true, true]);
      }
      for (const d of replicas) expect(restrictedViolations(d.spec.template.spec)).toEqual([]);
    });

    test("the rendered prometheus.yml labels each replica and drops that label from alerts", () => {
      expect(ha.files["prometheus/prometheus.yml"]).toMatch(/external_labels:\n(.*\n)*? {4}prometheus_replica: \$\{PROMETHEUS_REPLICA\}\n/);
      expect(ha.files["prometheus/prometheus.yml"]).toMatch(/alert_relabel_configs:\n {4}- regex: prometheus_replica\n {6}action: labeldrop\n/);
      // One replica: no external label, and none dropped from alerts (a scraped one is dropped from the app's series).
      expect(prod.files["prometheus/prometheus.yml"]).not.toMatch(/external_labels:\n(.*\n)*? {4}prometheus_replica/);
      expect(prod.files["prometheus/prometheus.yml"]).not.toContain("alert_relabel_configs");
    });

    test("the second replica reaches Alertmanager and is reached by Grafana like the first", () => {
      const policies = ha.manifests.filter((m) => m.kind === "NetworkPolicy");
      const replica: Endpoint = { kind: "pod", name: "prometheus-1-x", namespace: "monitoring", labels: find(ha, "Deployment", "prometheus-1").spec.template.metadata.labels };
      const alertmanager: Endpoint = { kind: "pod", name: "alertmanager-0", namespace: "monitoring", labels: find(ha, "StatefulSet", "alertmanager").spec.template.metadata.labels };
      const grafana: Endpoint = { kind: "pod", name: "grafana", namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } };
      expect(allowed(policies, { from: replica, to: alertmanager, port: 9093, protocol: "TCP" })).toBe(true);
      expect(allowed(policies, { from: grafana, to: replica, port: 9090, protocol: "TCP" })).toBe(true);
    });

    test("1 → 2 keeps the first replica's volume and Deployment; prod's 2 → 1 stops at the second's protected claim, deleting none", () => {
      const up = outcomes(prod, ha, CLAIM);
      expect(up.find((o) => o.key.endsWith("::prometheus-data"))?.action).toBe("same");
      expect(outcomes(prod, ha, "Deployment").find((o) => o.key.endsWith("::prometheus"))?.action).toBe("update");
      const down = outcomes(ha, prod, CLAIM);
      expect(down.find((o) => o.key.endsWith("::prometheus-1-data"))?.action).toBe("blocked");
      expect(down.find((o) => o.key.endsWith("::prometheus-data"))?.action).toBe("same");
      expect(ha.resources.find((r) => r.name === "prometheus-1-data")?.retainOnDelete).toBe(true);
    });
  });

  test("the policy pack passes the HA render as a production stack", () => {
    expect(runPolicies(policyResources(ha), "prod")).toEqual([]);
    expect(runPolicies(policyResources(five), "prod")).toEqual([]);
  });

  withPinnedBinaries("Kubernetes service discovery and ${VAR} in external labels", "promtool")("the pinned promtool accepts the pair's prometheus.yml", () => {
    const result = run(binary("promtool")!, ["check", "config", "--syntax-only", path.join(ha.dir, "files/prometheus/prometheus.yml")]);
    expect(result).toMatchObject({ code: 0 });
  });

  test("every new object is valid against the Kubernetes schema", () => {
    const problems: string[] = [];
    for (const m of ha.manifests.filter((m) => /^(loki|data-loki|prometheus)/.test(m.metadata.name))) {
      const Model = require(`kubernetes-models/${m.apiVersion}`)[m.kind];
      try {
        new Model(m).validate();
      } catch (err) {
        problems.push(`${m.kind} ${m.metadata.name}: ${(err as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
