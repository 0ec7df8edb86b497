/**
 * The policy pack on what the program really registers: every stack passes every policy, the
 * Pod Security exceptions are used by the node agents and nothing else, and the stacks' own
 * objects, broken one thing at a time, fail with a clear message.
 */
import { listStacks } from "../../scripts/offline";
import { checkPodSecurity, isProductionStack, kindOf, PolicyResource, podSpecOf, POD_SECURITY_EXCEPTIONS } from "../../policy/rules";
import { render } from "../helpers/render";
import { policyResources, runPolicies } from "./resources";

const STACKS = listStacks();

function clone(resource: PolicyResource): PolicyResource {
  return { ...resource, props: JSON.parse(JSON.stringify(resource.props)) };
}

function pick(resources: PolicyResource[], kind: string, predicate: (r: PolicyResource) => boolean = () => true): PolicyResource {
  const found = resources.find((r) => kindOf(r.type) === kind && predicate(r));
  if (!found) throw new Error(`no ${kind} in the stack`);
  return clone(found);
}

test("the stacks under test are the stack files of the project", () => {
  expect(STACKS).toEqual(expect.arrayContaining(["dev", "prod"]));
});

test("with Alloy as the log agent, prod passes too, Alloy through its own exception", async () => {
  const resources = policyResources(await render({ stack: "prod", set: ["logAgent=alloy"] }));
  expect(runPolicies(resources, "prod")).toEqual([]);
  const alloy = resources.find((r) => kindOf(r.type) === "DaemonSet" && r.props.metadata.name === "alloy");
  expect(alloy).toBeDefined();
  expect(checkPodSecurity(alloy!, []).length).toBeGreaterThan(0);
});

describe.each(STACKS)("the %s stack", (stack) => {
  let resources: PolicyResource[];
  beforeAll(async () => {
    resources = policyResources(await render({ stack }));
  });

  test("passes every policy of the pack", () => {
    expect(resources.length).toBeGreaterThan(20);
    expect(runPolicies(resources, stack)).toEqual([]);
  });

  test("needs a Pod Security exception only for the node agents that have one", () => {
    const workloads = resources.filter((r) => podSpecOf(r));
    expect(workloads.length).toBeGreaterThan(0);
    const failingWithout = workloads.filter((r) => checkPodSecurity(r, []).length > 0).map((r) => `${kindOf(r.type)}/${r.props.metadata.name}`);
    const excepted = POD_SECURITY_EXCEPTIONS.map((e) => `${e.kind}/${e.name}`);
    expect(failingWithout.filter((w) => !excepted.includes(w))).toEqual([]);
    // Each agent deployed really needs its exception: a stale one would hide nothing and should go.
    const agents = workloads.map((r) => `${kindOf(r.type)}/${r.props.metadata.name}`).filter((w) => excepted.includes(w));
    expect(failingWithout.sort()).toEqual(agents.sort());
  });

  test("in production every PVC is protected from deletion; elsewhere it need not be", () => {
    const pvcs = resources.filter((r) => kindOf(r.type) === "PersistentVolumeClaim");
    expect(pvcs.length).toBeGreaterThan(0);
    if (isProductionStack(stack)) {
      expect(pvcs.filter((p) => !p.protect).map((p) => p.props.metadata.name)).toEqual([]);
    } else {
      // Marked production through the pack's config, the same stack must fail on each unprotected PVC.
      const violations = runPolicies(resources, stack, { "data-protected-in-production": { productionStacks: [stack] } });
      for (const pvc of pvcs.filter((p) => !p.protect)) {
        expect(violations.map((v) => v.message)).toContainEqual(expect.stringContaining(`PersistentVolumeClaim ${pvc.props.metadata.namespace}/${pvc.props.metadata.name} is not protected`));
      }
    }
  });

  describe("its own objects, broken one thing at a time, fail with a message naming object and field", () => {
    test("an image moved to :latest", () => {
      const d = pick(resources, "Deployment");
      const c = podSpecOf(d)!.containers[0];
      c.image = c.image.replace(/(@sha256:[a-f0-9]+|:[^:/]+)$/, "") + ":latest";
      expect(runPolicies([d], stack)).toEqual([
        { policy: "images-pinned", message: expect.stringMatching(new RegExp(`^Deployment ${d.props.metadata.namespace}/${d.props.metadata.name}: container "${c.name}" image ".*:latest" uses the moving tag`)) },
      ]);
    });

    test("a memory limit removed", () => {
      const d = pick(resources, "Deployment");
      const c = podSpecOf(d)!.containers[0];
      delete c.resources.limits.memory;
      expect(runPolicies([d], stack)).toEqual([
        { policy: "container-resources", message: expect.stringContaining(`container "${c.name}" has no memory limit (resources.limits.memory)`) },
      ]);
    });

    test("privilege escalation allowed", () => {
      const d = pick(resources, "Deployment");
      const c = podSpecOf(d)!.containers[0];
      c.securityContext.allowPrivilegeEscalation = true;
      expect(runPolicies([d], stack)).toEqual([
        {
          policy: "pod-security-restricted",
          message: `Deployment ${d.props.metadata.namespace}/${d.props.metadata.name}: container "${c.name}": securityContext.allowPrivilegeEscalation is not false; set allowPrivilegeEscalation: false (restricted Pod Security Standard)`,
        },
      ]);
    });

    test("a root sidecar added to a node agent gets none of the agent's waivers", () => {
      const names = POD_SECURITY_EXCEPTIONS.map((e) => e.name);
      const agent = resources.find((r) => kindOf(r.type) === "DaemonSet" && names.includes(r.props.metadata.name));
      if (!agent) return; // no agent in this stack: nothing to break
      const ds = clone(agent);
      const pod = podSpecOf(ds)!;
      pod.containers.push({ ...JSON.parse(JSON.stringify(pod.containers[0])), name: "debug", image: "docker.io/library/busybox:1.37", securityContext: { runAsUser: 0 } });
      const messages = runPolicies([ds], stack).map((v) => v.message);
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.every((m) => m.includes('container "debug"'))).toBe(true);
    });

    test("a password written into a ConfigMap", () => {
      const cm = pick(resources, "ConfigMap", (r) => Object.keys(r.props.data ?? {}).length > 0);
      const [key] = Object.keys(cm.props.data);
      cm.props.data[key] = `${cm.props.data[key]}\nsmtp_auth_password: hunter2\n`;
      const violations = runPolicies([cm], stack);
      expect(violations).toEqual([
        { policy: "no-secrets-in-configmaps", message: expect.stringMatching(new RegExp(`^ConfigMap ${cm.props.metadata.namespace}/${cm.props.metadata.name}: data\\["${key.replace(/\./g, "\\.")}"\\] line \\d+ holds what looks like a literal value for "smtp_auth_password"`)) },
      ]);
      expect(violations[0].message).not.toContain("hunter2");
    });

    test("a PVC unprotected, in a stack marked production", () => {
      const pvc = pick(resources, "PersistentVolumeClaim");
      pvc.protect = false;
      expect(runPolicies([pvc], stack, { "data-protected-in-production": { productionStacks: [stack] } })).toEqual([
        { policy: "data-protected-in-production", message: expect.stringContaining(`PersistentVolumeClaim ${pvc.props.metadata.namespace}/${pvc.props.metadata.name} is not protected in a production stack`) },
      ]);
    });
  });
});
