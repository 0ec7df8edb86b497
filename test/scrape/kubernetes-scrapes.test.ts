/**
 * The rendered kubelet, cAdvisor and kube-state-metrics scrape jobs, run by the real Prometheus
 * against HTTP servers on 127.0.0.1 that answer like a kubelet and like kube-state-metrics. There is
 * no cluster: each job's Kubernetes discovery is swapped for a static target carrying the `__meta_*`
 * labels discovery would give it, and https with the pod's token for plain http. Everything else,
 * relabelling and metric filtering included, runs as rendered.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { parse } from "yaml";
import { toYaml } from "../../configs/yaml";
import { binary } from "../helpers/binaries";
import { freePort, ProcessGroup, waitFor, waitUntilReady } from "../helpers/processes";
import { render } from "../helpers/render";

const CADVISOR_TEXT = [
  "# TYPE container_cpu_usage_seconds_total counter",
  'container_cpu_usage_seconds_total{container="api",cpu="total",id="/kubepods/pod1/c1",image="app:1",name="c1",namespace="trading",pod="api-1"} 12.5',
  'container_cpu_usage_seconds_total{container="",cpu="total",id="/kubepods/pod2",image="",name="",namespace="trading",pod="batch-1"} 3',
  // A system cgroup: no pod.
  'container_cpu_usage_seconds_total{container="",cpu="total",id="/system.slice/containerd.service",image="",name="",namespace="",pod=""} 99',
  "# TYPE container_cpu_cfs_throttled_periods_total counter",
  'container_cpu_cfs_throttled_periods_total{container="api",id="/kubepods/pod1/c1",image="app:1",name="c1",namespace="trading",pod="api-1"} 4',
  "# TYPE container_memory_working_set_bytes gauge",
  'container_memory_working_set_bytes{container="api",id="/kubepods/pod1/c1",image="app:1",name="c1",namespace="trading",pod="api-1"} 1048576',
  "# TYPE container_tasks_state gauge",
  'container_tasks_state{container="api",id="/kubepods/pod1/c1",image="app:1",name="c1",namespace="trading",pod="api-1",state="running"} 3',
  "# TYPE container_spec_memory_limit_bytes gauge",
  'container_spec_memory_limit_bytes{container="api",id="/kubepods/pod1/c1",image="app:1",name="c1",namespace="trading",pod="api-1"} 2097152',
  "# TYPE container_network_receive_bytes_total counter",
  'container_network_receive_bytes_total{id="/kubepods/pod1",interface="eth0",name="",namespace="trading",pod="api-1"} 100',
  'container_network_receive_bytes_total{id="/kubepods/pod1",interface="veth1234",name="",namespace="trading",pod="api-1"} 100',
  "",
].join("\n");

const KUBELET_TEXT = [
  "# TYPE kubelet_volume_stats_capacity_bytes gauge",
  'kubelet_volume_stats_capacity_bytes{namespace="trading",persistentvolumeclaim="postgres-data"} 1000',
  "# TYPE kubelet_running_pods gauge",
  "kubelet_running_pods 12",
  "",
].join("\n");

const KSM_TEXT = [
  "# TYPE kube_pod_info gauge",
  'kube_pod_info{namespace="trading",pod="api-1",uid="u1",node="worker-2",host_ip="10.0.0.6",pod_ip="10.244.1.7",created_by_kind="ReplicaSet",created_by_name="api-7d9f8",priority_class="",host_network="false"} 1',
  "# TYPE kube_node_status_condition gauge",
  'kube_node_status_condition{node="worker-2",condition="Ready",status="true"} 1',
  "",
].join("\n");

function server(paths: Record<string, string>): http.Server {
  return http.createServer((req, res) => {
    const body = paths[req.url ?? ""];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(body);
  });
}

/** The job with its Kubernetes discovery replaced by one static target, labelled as discovery would label it. */
function runLocally(job: any, target: string, meta: Record<string, string>): any {
  const { kubernetes_sd_configs: _sd, authorization: _auth, tls_config: _tls, ...rest } = job;
  // The `keep` rule matching the Service and port name: give the target exactly what it keeps.
  const keep = (job.relabel_configs ?? []).find((r: any) => r.action === "keep");
  const kept = keep ? Object.fromEntries(keep.source_labels.map((label: string, i: number) => [label, keep.regex.split(";")[i]])) : {};
  return { ...rest, scheme: "http", scrape_interval: "1s", static_configs: [{ targets: [target], labels: { ...kept, ...meta } }] };
}

const describeWithPrometheus = binary("prometheus") ? describe : describe.skip;

describeWithPrometheus("the kubelet, cAdvisor and kube-state-metrics jobs under the real Prometheus", () => {
  const processes = new ProcessGroup();
  const servers = [server({ "/metrics": KUBELET_TEXT, "/metrics/cadvisor": CADVISOR_TEXT }), server({ "/metrics": KSM_TEXT })];
  let url: string;

  const query = async (expr: string): Promise<Record<string, string>[]> => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await response.json()) as { data: { result: { metric: Record<string, string> }[] } };
    return body.data.result.map((r) => r.metric);
  };

  beforeAll(async () => {
    const [kubeletPort, ksmPort, prometheusPort] = await Promise.all([freePort(), freePort(), freePort()]);
    await Promise.all(servers.map((s, i) => new Promise<void>((resolve) => s.listen(i === 0 ? kubeletPort : ksmPort, "127.0.0.1", resolve))));
    const rendered = parse((await render({ stack: "prod" })).files["prometheus/prometheus.yml"]);
    const job = (name: string) => rendered.scrape_configs.find((j: any) => j.job_name === name);
    const node = { __meta_kubernetes_node_name: "worker-1" };
    const ksmPod = { __meta_kubernetes_pod_name: "kube-state-metrics-6d5f-abcde", __meta_kubernetes_pod_node_name: "worker-3", __meta_kubernetes_namespace: "monitoring" };
    const config = {
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      scrape_configs: [
        runLocally(job("kubelet"), `127.0.0.1:${kubeletPort}`, node),
        runLocally(job("kubelet-cadvisor"), `127.0.0.1:${kubeletPort}`, node),
        runLocally(job("kube-state-metrics"), `127.0.0.1:${ksmPort}`, ksmPod),
      ],
    };
    const dir = processes.tempDir("prometheus-k8s-scrapes");
    fs.writeFileSync(path.join(dir, "prometheus.yml"), toYaml(config));
    const listen = `127.0.0.1:${prometheusPort}`;
    const prometheus = processes.start("prometheus", binary("prometheus")!, [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=${listen}`]);
    url = `http://${listen}`;
    await waitUntilReady(prometheus, `${url}/-/ready`);
    await waitFor("every target scraped once", async () => ((await query("up == 1")).length === 3 ? true : undefined), 30_000, () => processes.logs());
  }, 60_000);

  afterAll(async () => {
    await processes.stopAll();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  test("both kubelet endpoints are active targets of job kubelet, told apart by metrics_path, labelled with their node", async () => {
    const ups = await query('up{job="kubelet"}');
    expect(ups.map((m) => `${m.metrics_path} ${m.node}`).sort()).toEqual(["/metrics worker-1", "/metrics/cadvisor worker-1"]);
  });

  test("cAdvisor's container series arrive (the volume-stats keep filter is the other job's); the dropped ones do not", async () => {
    const names = async (selector: string) => [...new Set((await query(`{${selector}}`)).map((m) => m.__name__))].sort();
    expect(await names('job="kubelet", metrics_path="/metrics/cadvisor", __name__=~"container_.+"')).toEqual([
      "container_cpu_cfs_throttled_periods_total",
      "container_cpu_usage_seconds_total",
      "container_memory_working_set_bytes",
      "container_network_receive_bytes_total",
    ]);
    expect((await query('container_network_receive_bytes_total{job="kubelet"}')).map((m) => m.interface)).toEqual(["eth0"]);
    // Both label shapes stay (the recording rules choose); the system cgroup with no pod goes.
    expect((await query('container_cpu_usage_seconds_total{job="kubelet"}')).map((m) => `${m.pod}/${m.container ?? ""}`).sort()).toEqual(["api-1/api", "batch-1/"]);
    expect(await names('job="kubelet", metrics_path="/metrics", __name__!="up", __name__!~"scrape_.+"')).toEqual(["kubelet_volume_stats_capacity_bytes"]);
  });

  test("kube-state-metrics' series keep the namespace, pod and node they describe; a node's series get none of KSM's own pod", async () => {
    const [pod] = await query('kube_pod_info{job="kube-state-metrics"}');
    expect(pod).toMatchObject({ namespace: "trading", pod: "api-1", node: "worker-2" });
    const [condition] = await query('kube_node_status_condition{job="kube-state-metrics"}');
    expect(condition.node).toBe("worker-2");
    expect(condition.namespace).toBeUndefined();
    expect(condition.pod).toBeUndefined();
  });
});
