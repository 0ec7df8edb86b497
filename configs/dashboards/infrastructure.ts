import type { DashboardDefinition } from "./definition";
import { buildDashboard, higherIsWorse, labelValuesVariable, promQuery, statPanel, Thresholds, timeSeriesPanel, units } from "./panels";
import { aggregate, and, rate, sumGauge, sumRate } from "./queries";

/** The job configs/prometheus.ts gives the node-exporter DaemonSet: the `job` variable's default. */
export const NODE_EXPORTER_JOB = "node-exporter";

const NODES = `job="$job", instance=~"$instance"`;
/** Real disks: not the pseudo and container filesystems every node also mounts. */
const DISKS = and(NODES, `fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs|autofs|fuse.*"`, `mountpoint!~"/run.*|/var/lib/kubelet/.*|/var/lib/containerd/.*|/var/lib/docker/.*"`);
/** Physical and bond interfaces: not loopback nor the per-pod virtual ones CNIs create. */
const INTERFACES = and(NODES, `device!~"lo|veth.*|cali.*|cilium.*|cni.*|flannel.*|docker.*|virbr.*|lxc.*|tunl.*|vxlan.*|genev.*|kube-ipvs.*"`);
/** The guide's table: CPU warning above 70 %, critical above 90 %; memory and disk 80 % and 95 %. */
const CPU = higherIsWorse(0.7, 0.9);
const MEMORY_AND_DISK = higherIsWorse(0.8, 0.95);
const AT_LEAST_ONE_UP: Thresholds = { base: "red", steps: [[1, "green"]] };

const cpuBusy = (labels: string[]) => `1 - ${aggregate("avg", rate("node_cpu_seconds_total", and(NODES, `mode="idle"`)), labels)}`;
const memoryUsed = (selector: string) => `1 - node_memory_MemAvailable_bytes{${selector}} / node_memory_MemTotal_bytes{${selector}}`;
const diskUsed = `1 - node_filesystem_avail_bytes{${DISKS}} / node_filesystem_size_bytes{${DISKS}}`;

export const infrastructure: DashboardDefinition = {
  folder: "Infrastructure",
  datasources: ["prometheus"],
  requires: (components) => components.nodeExporter,
  build: () =>
    buildDashboard({
      uid: "observability-infrastructure",
      title: "Infrastructure",
      description: "Every node from node-exporter: CPU, memory, disk usage and I/O, network.",
      tags: ["infrastructure", "node-exporter"],
      variables: [
        labelValuesVariable("job", { label: "Job", datasource: "prometheus", query: "label_values(node_uname_info, job)", multi: false, defaultValue: NODE_EXPORTER_JOB }),
        labelValuesVariable("instance", { label: "Instance", datasource: "prometheus", query: `label_values(node_uname_info{job="$job"}, instance)` }),
      ],
      sections: [
        {
          row: "Overview",
          panels: [
            statPanel({ title: "Nodes up", description: "node-exporter instances answering scrapes: one per node.", thresholds: AT_LEAST_ONE_UP, width: 6, query: promQuery(sumGauge("up", NODES)) }),
            statPanel({ title: "CPU busy", description: "Share of CPU time not idle, averaged over the selected nodes.", unit: units.PercentUnit, decimals: 1, thresholds: CPU, width: 6, query: promQuery(cpuBusy([])) }),
            statPanel({
              title: "Memory used",
              description: "Share of memory not available to new processes, over the selected nodes.",
              unit: units.PercentUnit,
              decimals: 1,
              thresholds: MEMORY_AND_DISK,
              width: 6,
              query: promQuery(`1 - ${sumGauge("node_memory_MemAvailable_bytes", NODES)} / ${sumGauge("node_memory_MemTotal_bytes", NODES)}`),
            }),
            statPanel({ title: "Fullest disk", description: "The highest usage of any filesystem on the selected nodes.", unit: units.PercentUnit, decimals: 1, thresholds: MEMORY_AND_DISK, width: 6, query: promQuery(aggregate("max", diskUsed)) }),
          ],
        },
        {
          row: "CPU and memory",
          panels: [
            timeSeriesPanel({ title: "CPU busy by node", description: "Share of CPU time not idle, per node; dashed lines at 70 % and 90 %.", unit: units.PercentUnit, min: 0, max: 1, thresholds: CPU, queries: [promQuery(cpuBusy(["instance"]), "{{instance}}")] }),
            timeSeriesPanel({
              title: "CPU time by mode",
              description: "Where the busy CPU time goes (user, system, iowait, steal…), averaged over the selected nodes.",
              unit: units.PercentUnit,
              stacked: true,
              queries: [promQuery(aggregate("avg", rate("node_cpu_seconds_total", and(NODES, `mode!="idle"`)), ["mode"]), "{{mode}}")],
            }),
            timeSeriesPanel({ title: "Memory used by node", description: "Share of memory not available, per node; dashed lines at 80 % and 95 %.", unit: units.PercentUnit, min: 0, max: 1, thresholds: MEMORY_AND_DISK, queries: [promQuery(memoryUsed(NODES), "{{instance}}")] }),
            timeSeriesPanel({
              title: "Load per CPU",
              description: "5-minute load average divided by the node's CPU count: above 1, work waits for a CPU.",
              queries: [promQuery(`${sumGauge("node_load5", NODES, ["instance"])} / ${aggregate("count", `node_cpu_seconds_total{${and(NODES, `mode="idle"`)}}`, ["instance"])}`, "{{instance}}")],
            }),
          ],
        },
        {
          row: "Disk",
          panels: [
            timeSeriesPanel({ title: "Disk usage by mount point", description: "Share of each filesystem in use; dashed lines at 80 % and 95 %.", unit: units.PercentUnit, min: 0, max: 1, thresholds: MEMORY_AND_DISK, queries: [promQuery(diskUsed, "{{instance}} {{mountpoint}}")] }),
            timeSeriesPanel({
              title: "Disk throughput",
              description: "Bytes read and written per second, per node.",
              unit: units.BytesPerSecondSI,
              queries: [
                promQuery(sumRate("node_disk_read_bytes_total", NODES, ["instance"]), "{{instance}} read"),
                promQuery(sumRate("node_disk_written_bytes_total", NODES, ["instance"]), "{{instance}} written"),
              ],
            }),
            timeSeriesPanel({
              title: "Disk busy time",
              description: "Share of time each device had I/O in flight: near 100 % the disk is saturated.",
              unit: units.PercentUnit,
              thresholds: MEMORY_AND_DISK,
              queries: [promQuery(aggregate("max", rate("node_disk_io_time_seconds_total", NODES), ["instance", "device"]), "{{instance}} {{device}}")],
            }),
            timeSeriesPanel({
              title: "Disk operations",
              description: "Reads and writes completed per second, per node.",
              unit: units.IOOpsPerSecond,
              queries: [
                promQuery(sumRate("node_disk_reads_completed_total", NODES, ["instance"]), "{{instance}} reads"),
                promQuery(sumRate("node_disk_writes_completed_total", NODES, ["instance"]), "{{instance}} writes"),
              ],
            }),
          ],
        },
        {
          row: "Network",
          panels: [
            timeSeriesPanel({
              title: "Network traffic",
              description: "Bytes received and sent per second on the nodes' physical interfaces.",
              unit: units.BytesPerSecondSI,
              queries: [
                promQuery(sumRate("node_network_receive_bytes_total", INTERFACES, ["instance"]), "{{instance}} received"),
                promQuery(sumRate("node_network_transmit_bytes_total", INTERFACES, ["instance"]), "{{instance}} sent"),
              ],
            }),
            timeSeriesPanel({
              title: "Network errors and drops",
              description: "Packets per second that the interfaces failed or dropped: anything above zero deserves a look.",
              unit: units.Short,
              queries: [
                promQuery(sumRate("node_network_receive_errs_total", INTERFACES, ["instance"]), "{{instance}} receive errors"),
                promQuery(sumRate("node_network_transmit_errs_total", INTERFACES, ["instance"]), "{{instance}} transmit errors"),
                promQuery(sumRate("node_network_receive_drop_total", INTERFACES, ["instance"]), "{{instance}} receive drops"),
                promQuery(sumRate("node_network_transmit_drop_total", INTERFACES, ["instance"]), "{{instance}} transmit drops"),
              ],
            }),
          ],
        },
      ],
    }),
};
