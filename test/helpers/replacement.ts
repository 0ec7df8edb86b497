/**
 * What `pulumi up` would do to each recorded object when a stack goes from one render to another,
 * by pulumi-kubernetes' own rules (v4, provider/pkg/provider/diff.go `forceNew`): a changed field
 * on the list replaces the object (delete and create: a claim's data is gone), unless the resource
 * ignores that field (`ignoreChanges`: the engine keeps the old value before it diffs); an object
 * that leaves the program is deleted, unless it is `retainOnDelete` (Pulumi only forgets it).
 */
import { RenderResult } from "./render";

/** Fields whose change replaces the object, per kind; `metadata.name` and `.namespace` for every kind. */
const FORCE_NEW: Record<string, string[]> = {
  PersistentVolumeClaim: ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
  StatefulSet: ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
  Deployment: ["spec.selector"],
  DaemonSet: ["spec.selector"],
  Service: ["spec.clusterIP"],
};
const METADATA_FORCE_NEW = ["metadata.name", "metadata.namespace"];

export interface RecordedObject {
  /** `type::name`, standing in for the URN: the parent chain is the same in both renders of one program. */
  key: string;
  kind: string;
  manifest: Record<string, any>;
  protect: boolean;
  retainOnDelete: boolean;
  ignoreChanges: string[];
}

/** Pairs resources.json with manifests.yaml: both list the Kubernetes objects in registration order. */
export function recordedObjects(r: RenderResult): RecordedObject[] {
  const kubernetes = r.resources.filter((x) => x.type.startsWith("kubernetes:") && !/:(ConfigGroup|ConfigFile|Chart)$/.test(x.type));
  if (kubernetes.length !== r.manifests.length) throw new Error(`${kubernetes.length} Kubernetes resources but ${r.manifests.length} manifests in ${r.dir}`);
  return kubernetes.map((x, i) => {
    const manifest = r.manifests[i];
    if (!x.type.endsWith(`:${manifest.kind}`)) throw new Error(`resource ${x.type}::${x.name} paired with a ${manifest.kind}`);
    return { key: `${x.type}::${x.name}`, kind: manifest.kind, manifest, protect: x.protect, retainOnDelete: x.retainOnDelete, ignoreChanges: x.ignoreChanges ?? [] };
  });
}

const get = (value: any, path: string) => path.split(".").reduce((node, key) => node?.[key], value);

function set(value: any, path: string, field: unknown): void {
  const keys = path.split(".");
  let node = value;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  if (field === undefined) delete node[keys[keys.length - 1]];
  else node[keys[keys.length - 1]] = field;
}

/**
 * `blocked`: the object leaves the program but is protected, so the preview fails before any change;
 * `forget`: it leaves the program and is retainOnDelete, so Pulumi drops it from state and the cluster keeps it.
 */
export type Outcome = { key: string; action: "replace"; fields: string[] } | { key: string; action: "delete" | "forget" | "blocked" | "update" | "same" };

/** What happens to one object of `before` when the program renders `after` instead. */
export function outcome(before: RecordedObject, afterObjects: RecordedObject[]): Outcome {
  const after = afterObjects.find((o) => o.key === before.key);
  if (!after) return { key: before.key, action: before.protect ? "blocked" : before.retainOnDelete ? "forget" : "delete" };
  // The engine copies the old value of every ignored path into the new inputs before the provider diffs.
  const effective = JSON.parse(JSON.stringify(after.manifest));
  for (const path of after.ignoreChanges) set(effective, path, get(before.manifest, path));
  const changed = (path: string) => JSON.stringify(get(before.manifest, path)) !== JSON.stringify(get(effective, path));
  const replacing = [...METADATA_FORCE_NEW, ...(FORCE_NEW[before.kind] ?? [])].filter(changed);
  if (replacing.length > 0) return { key: before.key, action: "replace", fields: replacing };
  return { key: before.key, action: JSON.stringify(before.manifest) === JSON.stringify(effective) ? "same" : "update" };
}

/** The outcome for every object of `kind` in `before`. */
export function outcomes(before: RenderResult, after: RenderResult, kind: string): Outcome[] {
  const afterObjects = recordedObjects(after);
  return recordedObjects(before)
    .filter((o) => o.kind === kind)
    .map((o) => outcome(o, afterObjects));
}
