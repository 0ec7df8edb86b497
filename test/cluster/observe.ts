/** What the tests read back from the test cluster's API server. */
import { KubeApi, KubeObject, resourcePath } from "../helpers/kube-api";

export interface WorkloadStatus {
  /** `Deployment monitoring/grafana` */
  name: string;
  desired: number;
  ready: number;
}

const WORKLOAD_KINDS = [
  { apiVersion: "apps/v1", plural: "deployments", kind: "Deployment", desired: (o: KubeObject) => o.spec.replicas ?? 1, ready: (o: KubeObject) => o.status?.readyReplicas ?? 0 },
  { apiVersion: "apps/v1", plural: "statefulsets", kind: "StatefulSet", desired: (o: KubeObject) => o.spec.replicas ?? 1, ready: (o: KubeObject) => o.status?.readyReplicas ?? 0 },
  { apiVersion: "apps/v1", plural: "daemonsets", kind: "DaemonSet", desired: (o: KubeObject) => o.status?.desiredNumberScheduled ?? 0, ready: (o: KubeObject) => o.status?.numberReady ?? 0 },
];

/** Every Deployment, StatefulSet and DaemonSet in the namespaces, with desired and ready replicas. */
export async function workloads(api: KubeApi, namespaces: string[]): Promise<WorkloadStatus[]> {
  const found: WorkloadStatus[] = [];
  for (const namespace of namespaces) {
    for (const kind of WORKLOAD_KINDS) {
      for (const o of await api.list(resourcePath(kind.apiVersion, kind.plural, namespace))) {
        found.push({ name: `${kind.kind} ${namespace}/${o.metadata.name}`, desired: kind.desired(o), ready: kind.ready(o) });
      }
    }
  }
  return found;
}

/** `namespace/name` → uid of every pod in the namespaces (a replaced pod gets a new uid). */
export async function podUids(api: KubeApi, namespaces: string[]): Promise<Record<string, string>> {
  const uids: Record<string, string> = {};
  for (const namespace of namespaces) {
    for (const pod of await api.list(resourcePath("v1", "pods", namespace))) uids[`${namespace}/${pod.metadata.name}`] = pod.metadata.uid;
  }
  return uids;
}

/** Pods whose uid differs between two snapshots, or that appeared or went away. */
export function changedPods(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}

/**
 * Events that say the API server refused to create a pod (Pod Security admission, quota, a bad
 * spec): `FailedCreate` on a ReplicaSet, StatefulSet or DaemonSet, with its message.
 */
export async function failedCreates(api: KubeApi, namespaces: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const namespace of namespaces) {
    for (const event of await api.list(resourcePath("v1", "events", namespace), { fieldSelector: "reason=FailedCreate" })) {
      found.push(`${event.involvedObject.kind} ${namespace}/${event.involvedObject.name}: ${event.message}`);
    }
  }
  return found;
}

export interface ClaimStatus {
  uid: string;
  storageClass: string;
  requested: string;
}

/** The namespace's PersistentVolumeClaims by name. */
export async function claims(api: KubeApi, namespace: string): Promise<Record<string, ClaimStatus>> {
  const found: Record<string, ClaimStatus> = {};
  for (const claim of await api.list(resourcePath("v1", "persistentvolumeclaims", namespace))) {
    found[claim.metadata.name] = { uid: claim.metadata.uid, storageClass: claim.spec.storageClassName, requested: claim.spec.resources.requests.storage };
  }
  return found;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

/** The API's resource types (discovery), for reading any object the stack created by its kind. */
export class ApiResources {
  private readonly byGroupVersion = new Map<string, Promise<ApiResource[]>>();

  constructor(private readonly api: KubeApi) {}

  private resources(apiVersion: string): Promise<ApiResource[]> {
    if (!this.byGroupVersion.has(apiVersion)) {
      const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      this.byGroupVersion.set(apiVersion, this.api.get<{ resources: ApiResource[] }>(path).then((r) => r.resources.filter((x) => !x.name.includes("/"))));
    }
    return this.byGroupVersion.get(apiVersion)!;
  }

  /** The REST path of an object given its apiVersion and kind. */
  async path(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<string> {
    const resource = (await this.resources(apiVersion)).find((r) => r.kind === kind);
    if (!resource) throw new Error(`the API has no kind ${kind} in ${apiVersion}`);
    return resourcePath(apiVersion, resource.name, resource.namespaced ? namespace : undefined, name);
  }

  /** Every object of every listable namespaced type in `namespace`, except the types named in `except`. */
  async everyObjectIn(namespace: string, except: string[] = []): Promise<KubeObject[]> {
    const groups = await this.api.get<{ groups: { preferredVersion: { groupVersion: string } }[] }>("/apis");
    const versions = ["v1", ...groups.groups.map((g) => g.preferredVersion.groupVersion)];
    const objects: KubeObject[] = [];
    for (const apiVersion of versions) {
      for (const resource of await this.resources(apiVersion)) {
        if (!resource.namespaced || !resource.verbs.includes("list") || except.includes(resource.name)) continue;
        objects.push(...(await this.api.list(resourcePath(apiVersion, resource.name, namespace))));
      }
    }
    return objects;
  }
}

/** A Kubernetes object in the stack's state: where to find it in the cluster. */
export interface StateObject {
  urn: string;
  /** `pulumi destroy` refuses to delete it. */
  protect: boolean;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
}

/** The Kubernetes objects a `pulumi stack export` says the stack created (not the ones it only read). */
export function stateObjects(resources: { urn: string; type: string; external?: boolean; protect?: boolean; outputs?: any }[]): StateObject[] {
  return resources
    .filter((r) => r.type.startsWith("kubernetes:") && !r.external && r.outputs?.metadata?.name)
    .map((r) => ({
      urn: r.urn,
      protect: r.protect === true,
      apiVersion: r.outputs.apiVersion,
      kind: r.outputs.kind,
      namespace: r.outputs.metadata.namespace,
      name: r.outputs.metadata.name,
      uid: r.outputs.metadata.uid,
    }));
}
