/**
 * Every Kubernetes object of every stack, validated offline against the Kubernetes OpenAPI schema
 * (kubernetes-models). A failure names the object (kind namespace/name) and the field, e.g.
 * `Deployment monitoring/prometheus: spec.template.spec.containers[0](prometheus).ports[0](http).containerPort: must be integer`.
 */
import { listStacks } from "../../scripts/offline";
import { render } from "../helpers/render";

type Model = { new (data: unknown): { validate(): void } };

/** The kubernetes-models class for an apiVersion and kind, e.g. apps/v1 Deployment. */
function modelFor(apiVersion: string, kind: string): Model {
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
function schemaProblems(manifest: Record<string, any>): string[] {
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

function badDeployment(): Record<string, any> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "x", namespace: "monitoring" },
    spec: { selector: {}, template: { spec: { containers: [{ name: "a", image: "a:1", ports: [{ name: "http", containerPort: "http" }] }] } } },
  };
}

test("the validator rejects a wrong field type, naming the field", () => {
  expect(() => new (modelFor("apps/v1", "Deployment"))(badDeployment()).validate()).toThrow(/containers\/0\/ports\/0\/containerPort must be integer/);
});

test("a problem names the object, the field path and the container", () => {
  expect(schemaProblems(badDeployment())).toEqual(["Deployment monitoring/x: spec.template.spec.containers[0](a).ports[0](http).containerPort: must be integer"]);
});

test("a missing required field and a oneOf quantity are each reported once, by field", () => {
  const d = badDeployment();
  d.spec.template.spec.containers[0].ports = [];
  delete d.spec.template.spec.containers[0].name;
  d.spec.template.spec.containers[0].resources = { requests: { cpu: { amount: 1 } } };
  expect(schemaProblems(d)).toEqual([
    "Deployment monitoring/x: spec.template.spec.containers[0].name: is required",
    "Deployment monitoring/x: spec.template.spec.containers[0].resources.requests.cpu: must be number, must be string, must match exactly one schema in \"oneOf\"",
  ]);
});

test("an object kubernetes-models has no schema for is reported, not skipped", () => {
  expect(schemaProblems({ apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "app", namespace: "monitoring" } })).toEqual([
    "ServiceMonitor monitoring/app: kubernetes-models has no schema for apiVersion monitoring.coreos.com/v1 kind ServiceMonitor (a custom resource needs its CRD's schema)",
  ]);
});

describe.each(listStacks())("every Kubernetes object of the %s stack", (stack) => {
  test("is valid against the Kubernetes OpenAPI schema", async () => {
    const r = await render({ stack });
    expect(r.manifests.length).toBeGreaterThan(25);
    expect(r.manifests.flatMap(schemaProblems)).toEqual([]);
  });
});
