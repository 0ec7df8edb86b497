import { parse } from "yaml";
import { restrictedViolations } from "../helpers/pod-security";
import { find, render, RenderResult } from "../helpers/render";

/** Every `kubernetes_sd_configs` block of a prometheus.yml, scrape jobs and alerting alike. */
function kubernetesDiscoveries(prometheusYml: string): { where: string; role: string }[] {
  const config = parse(prometheusYml);
  const blocks = [
    ...config.scrape_configs.map((job: any) => ({ where: `job ${job.job_name}`, block: job })),
    ...(config.alerting?.alertmanagers ?? []).map((am: any, i: number) => ({ where: `alertmanagers[${i}]`, block: am })),
  ];
  return blocks.flatMap(({ where, block }: any) => (block.kubernetes_sd_configs ?? []).map((sd: any) => ({ where, role: sd.role })));
}

describe("service discovery reads EndpointSlices (core/v1 Endpoints is deprecated since Kubernetes 1.33)", () => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await render({ stack: "prod" });
  }, 120_000);

  test("no scrape job or Alertmanager discovery uses role endpoints; Services are found through endpointslice", () => {
    const discoveries = kubernetesDiscoveries(r.files["prometheus/prometheus.yml"]);
    expect(discoveries.filter((d) => d.role === "endpoints")).toEqual([]);
    expect(discoveries).toEqual(expect.arrayContaining([{ where: "alertmanagers[0]", role: "endpointslice" }, { where: "job node-exporter", role: "endpointslice" }]));
    const relabelSources = JSON.stringify(parse(r.files["prometheus/prometheus.yml"]));
    expect(relabelSources).not.toMatch(/__meta_kubernetes_endpoint_/);
  });

  test("Prometheus may list EndpointSlices and no longer core Endpoints", () => {
    const rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] = find(r, "ClusterRole", "monitoring-prometheus").rules;
    expect(rules).toContainEqual({ apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] });
    expect(rules.filter((rule) => rule.apiGroups?.includes("")).flatMap((rule) => rule.resources)).not.toContain("endpoints");
  });
});

describe("node-exporter's filesystem excludes add to upstream's defaults", () => {
  let flags: Record<string, RegExp>;
  beforeAll(async () => {
    const r = await render({ stack: "prod" });
    const args: string[] = find(r, "DaemonSet", "node-exporter").spec.template.spec.containers[0].args;
    flags = Object.fromEntries(
      args.filter((a) => a.startsWith("--collector.filesystem.")).map((a) => [a.slice(2, a.indexOf("=")), new RegExp(a.slice(a.indexOf("=") + 1))]),
    );
  }, 120_000);

  test.each([
    // Upstream's defaults in node_exporter v1.12.1 (collector/filesystem_linux.go) ...
    ["fs-types", ["erofs", "squashfs", "overlay", "cgroup2", "nsfs", "selinuxfs"]],
    // ... and ours.
    ["fs-types", ["tmpfs"]],
    ["mount-points", ["/run/credentials/systemd-journald.service", "/var/lib/containers/storage/overlay", "/dev/shm", "/proc", "/sys/fs/cgroup"]],
    ["mount-points", ["/run", "/var/lib/kubelet/pods/1234/volumes/x", "/var/lib/docker/overlay2"]],
  ])("%s excludes %p", (kind, values) => {
    const exclude = flags[`collector.filesystem.${kind}-exclude`];
    for (const value of values) expect([value, exclude.test(value)]).toEqual([value, true]);
  });

  test("real filesystems are still reported", () => {
    for (const fsType of ["ext4", "xfs", "btrfs", "zfs"]) expect([fsType, flags["collector.filesystem.fs-types-exclude"].test(fsType)]).toEqual([fsType, false]);
    for (const mount of ["/", "/home", "/var/lib/kubelet", "/data"]) expect([mount, flags["collector.filesystem.mount-points-exclude"].test(mount)]).toEqual([mount, false]);
  });
});

describe("dev's mail catcher", () => {
  test("meets the restricted profile of the servers' namespace and keeps no volume", async () => {
    const r = await render({ stack: "dev" });
    const spec = find(r, "Deployment", "mailpit").spec.template.spec;
    expect(find(r, "Deployment", "mailpit").metadata.namespace).toBe("monitoring");
    expect(restrictedViolations(spec)).toEqual([]);
    expect(spec.volumes.filter((v: any) => v.persistentVolumeClaim)).toEqual([]);
    expect(r.manifests.filter((m) => m.kind === "PersistentVolumeClaim" && /mail/.test(m.metadata.name))).toEqual([]);
  }, 120_000);
});
