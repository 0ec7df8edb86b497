/**
 * The Kubernetes objects verify reads, held in memory: what a deployed stack would show the API.
 * The tests fill it with the configs the builders render and the pods the processes stand for.
 */
import { ClusterReader, DaemonSetStatus, PodInfo } from "../../scripts/verify/model";

interface FakePod extends PodInfo {
  namespace: string;
  labels: Record<string, string>;
}

export class FakeCluster implements ClusterReader {
  readonly podList: FakePod[] = [];
  readonly configMaps = new Map<string, Record<string, string>>();
  readonly secrets = new Map<string, { labels: Record<string, string>; data: Record<string, string> }>();
  readonly daemonSets = new Map<string, DaemonSetStatus>();

  addPod(namespace: string, name: string, app: string, ready = true, node = "node-1"): this {
    this.podList.push({ namespace, name, ready, node, labels: { "app.kubernetes.io/name": app } });
    return this;
  }

  async pods(namespace: string, labels: Record<string, string>): Promise<PodInfo[]> {
    return this.podList
      .filter((p) => p.namespace === namespace && Object.entries(labels).every(([k, v]) => p.labels[k] === v))
      .map(({ name, ready, node }) => ({ name, ready, node }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async configMap(namespace: string, name: string) {
    return this.configMaps.get(`${namespace}/${name}`);
  }

  async configMapsNamed(namespace: string, prefix: string) {
    return Object.fromEntries([...this.configMaps].filter(([key]) => key.startsWith(`${namespace}/${prefix}`)).map(([key, data]) => [key.slice(namespace.length + 1), data]));
  }

  async secret(namespace: string, name: string) {
    return this.secrets.get(`${namespace}/${name}`)?.data;
  }

  async secretsLabelled(namespace: string, labels: Record<string, string>) {
    return Object.fromEntries(
      [...this.secrets]
        .filter(([key, s]) => key.startsWith(`${namespace}/`) && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .map(([key, s]) => [key.slice(namespace.length + 1), s.data]),
    );
  }

  async daemonSet(namespace: string, name: string) {
    return this.daemonSets.get(`${namespace}/${name}`);
  }
}
