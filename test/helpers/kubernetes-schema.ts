/** Kubernetes objects validated offline against the Kubernetes OpenAPI schema (kubernetes-models). */
type Model = { new (data: unknown): { validate(): void } };

/** The kubernetes-models class for an apiVersion and kind, e.g. apps/v1 Deployment. */
export function modelFor(apiVersion: string, kind: string): Model {
  let model: Model | undefined;
  try {
    model = require(`kubernetes-models/${apiVersion}`)[kind];
  } catch {
    model = undefined;
  }
  if (!model) throw new Error(`kubernetes-models has no schema for apiVersion ${apiVersion} kind ${kind} (a custom resource needs its CRD's schema)`);
  return model;
}

/** `Deployment monitoring/prometheus`, `ClusterRole monitoring-prometheus`. */
function nameOf(manifest: Record<string, any>): string {
  const { name, namespace } = manifest.metadata ?? {};
  return `${manifest.kind ?? "<no kind>"} ${namespace ? `${namespace}/` : ""}${name ?? "<no name>"}`;
}

/** `/spec/template/spec/containers/0/ports/0` → `spec.template.spec.containers[0](prometheus).ports[0](http)`. */
function fieldPath(manifest: Record<string, any>, instancePath: string, missing?: string): string {
  const segments = instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (missing) segments.push(missing);
  let node: any = manifest;
  let path = "";
  for (const segment of segments) {
    if (Array.isArray(node) && /^\d+$/.test(segment)) {
      node = node[Number(segment)];
      path += `[${segment}]${typeof node?.name === "string" ? `(${node.name})` : ""}`;
    } else {
      node = node?.[segment];
      path += `${path ? "." : ""}${segment}`;
    }
  }
  return path || "(the object)";
}

/** One line per invalid field; empty when the object is valid. */
export function schemaProblems(manifest: Record<string, any>): string[] {
  const where = nameOf(manifest);
  let Model: Model;
  try {
    Model = modelFor(manifest.apiVersion, manifest.kind);
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
  try {
    new Model(manifest).validate();
    return [];
  } catch (err) {
    const errors = ((err as { errors?: { instancePath: string; message?: string; params?: { missingProperty?: string } }[] }).errors ?? []);
    if (errors.length === 0) return [`${where}: ${(err as Error).message}`];
    // ajv reports each branch of a oneOf: group the messages by field.
    const byField = new Map<string, string[]>();
    for (const e of errors) {
      const missing = e.params?.missingProperty;
      const field = fieldPath(manifest, e.instancePath, missing);
      const message = missing ? "is required" : e.message ?? "is invalid";
      byField.set(field, [...new Set([...(byField.get(field) ?? []), message])]);
    }
    return [...byField].map(([field, messages]) => `${where}: ${field}: ${messages.join(", ")}`);
  }
}
