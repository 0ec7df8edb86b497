/**
 * Every Kubernetes object of every stack, validated offline against the Kubernetes OpenAPI schema
 * (kubernetes-models). A failure names the object (kind namespace/name) and the field, e.g.
 * `Deployment monitoring/prometheus: spec.template.spec.containers[0](prometheus).ports[0](http).containerPort: must be integer`.
 */
import { listStacks } from "../../scripts/offline";
import { modelFor, schemaProblems } from "../helpers/kubernetes-schema";
import { render } from "../helpers/render";

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

/**
 * Fields of map type (Go `map[string]string`, `omitempty`): the API server stores an empty one as no
 * field at all, so an object sent with one differs from the live object on every preview, and an
 * immutable one is replaced on every `pulumi up` (found by test/cluster's `preview --expect-no-changes`).
 */
const MAP_FIELDS = new Set(["data", "stringData", "binaryData", "labels", "annotations", "nodeSelector", "matchLabels"]);

/** Each empty map-typed field of an object: `Kind namespace/name: path`. */
function emptyMaps(object: Record<string, any>): string[] {
  const found: string[] = [];
  const walk = (value: unknown, at: string) => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${at}[${i}]`));
    else if (value && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        const here = at ? `${at}.${key}` : key;
        if (MAP_FIELDS.has(key) && child && typeof child === "object" && !Array.isArray(child) && Object.keys(child).length === 0) found.push(here);
        else walk(child, here);
      }
    }
  };
  walk(object, "");
  return found.map((field) => `${object.kind} ${object.metadata?.namespace ?? ""}/${object.metadata?.name}: ${field}`);
}

test("an empty map field is found, with its object and path", () => {
  const secret = { kind: "Secret", metadata: { name: "receivers", namespace: "monitoring", labels: { a: "b" } }, stringData: {}, spec: { template: { metadata: { annotations: {} } } } };
  expect(emptyMaps(secret)).toEqual(["Secret monitoring/receivers: stringData", "Secret monitoring/receivers: spec.template.metadata.annotations"]);
});

describe.each(listStacks())("every Kubernetes object of the %s stack", (stack) => {
  test("is valid against the Kubernetes OpenAPI schema", async () => {
    const r = await render({ stack });
    expect(r.manifests.length).toBeGreaterThan(25);
    expect(r.manifests.flatMap(schemaProblems)).toEqual([]);
  });

  test("holds no empty map that the API server would drop (a difference on every preview)", async () => {
    expect((await render({ stack })).manifests.flatMap(emptyMaps)).toEqual([]);
  });
});
