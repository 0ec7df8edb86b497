import { render } from "../helpers/render";

/** The kubernetes-models class for an apiVersion and kind, e.g. apps/v1 Deployment. */
function modelFor(apiVersion: string, kind: string): { new (data: unknown): { validate(): void } } {
  const model = require(`kubernetes-models/${apiVersion}`)[kind];
  if (!model) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return model;
}

test("the validator rejects a wrong field type, naming the field", () => {
  const Deployment = modelFor("apps/v1", "Deployment");
  const bad = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { selector: {}, template: { spec: { containers: [{ name: "a", ports: [{ containerPort: "http" }] }] } } } };
  expect(() => new Deployment(bad).validate()).toThrow(/containers\/0\/ports\/0\/containerPort must be integer/);
});

describe.each(["dev", "prod"])("every Kubernetes object of the %s stack", (stack) => {
  test("is valid against the Kubernetes OpenAPI schema", async () => {
    const r = await render({ stack });
    const invalid: string[] = [];
    for (const manifest of r.manifests) {
      try {
        const Model = modelFor(manifest.apiVersion, manifest.kind);
        new Model(manifest).validate();
      } catch (err) {
        invalid.push(`${manifest.kind}/${manifest.metadata?.name}: ${(err as Error).message}`);
      }
    }
    expect(invalid).toEqual([]);
    expect(r.manifests.length).toBeGreaterThan(25);
  });
});
