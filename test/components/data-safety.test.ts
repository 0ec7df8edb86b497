import { storageClassDrift } from "../../components/data-claims";
import { claimName } from "../../components/stateful-workload";
import { find, render, RenderResult } from "../helpers/render";
import { outcomes, recordedObjects } from "../helpers/replacement";

const CLAIM = "PersistentVolumeClaim";
const devAlertmanager = (overrides: Record<string, unknown>) => `alertmanager=${JSON.stringify({ storageGi: 1, ...overrides })}`;
const claimsOf = (r: RenderResult) => r.manifests.filter((m) => m.kind === CLAIM).map((m) => `${m.metadata.name} ${m.spec.resources.requests.storage}`).sort();
const byAction = (list: { key: string; action: string }[], action: string) => list.filter((o) => o.action === action).map((o) => o.key.split("::").pop());

describe("settings changes never replace or delete a claim (pulumi-kubernetes' replace rules on the recorded inputs and options)", () => {
  let one: RenderResult, three: RenderResult, bigger: RenderResult, withClass: RenderResult, prod: RenderResult, prodWithClass: RenderResult, prodOne: RenderResult;
  beforeAll(async () => {
    [one, three, bigger, withClass, prod, prodWithClass, prodOne] = await Promise.all([
      render({ stack: "dev" }),
      render({ stack: "dev", set: [devAlertmanager({ replicas: 3 })] }),
      render({ stack: "dev", set: [devAlertmanager({ storageGi: 2 })] }),
      render({ stack: "dev", set: ["storageClass=fast-ssd"] }),
      render({ stack: "prod" }),
      render({ stack: "prod", set: ["storageClass=fast-ssd"] }),
      render({ stack: "prod", set: [`alertmanager=${JSON.stringify({ storageGi: 2, smtp: { smarthost: "smtp.gmail.com:587", from: "alerts@cryptoorchestrator.com", authUsername: "alerts@cryptoorchestrator.com" } })}`] }),
    ]);
  }, 300_000); // seven renders, each a child process

  test("Alertmanager is a StatefulSet at one replica and at three, with the claims the controller would name", () => {
    expect(find(one, "StatefulSet", "alertmanager").spec.replicas).toBe(1);
    expect(find(three, "StatefulSet", "alertmanager").spec.replicas).toBe(3);
    expect(one.manifests.filter((m) => m.kind === "Deployment").map((m) => m.metadata.name)).not.toContain("alertmanager");
    expect(claimsOf(three).filter((c) => c.includes("alertmanager"))).toEqual([0, 1, 2].map((i) => `${claimName("data", "alertmanager", i)} 1Gi`));
    expect(find(three, "StatefulSet", "alertmanager").spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(["data"]);
  });

  test("replicas 1 → 3 adds claims and updates the StatefulSet in place", () => {
    const claims = outcomes(one, three, CLAIM);
    expect(byAction(claims, "replace")).toEqual([]);
    expect(byAction(claims, "delete")).toEqual([]);
    expect(outcomes(one, three, "StatefulSet")).toEqual([{ key: "kubernetes:apps/v1:StatefulSet::alertmanager", action: "update" }]);
  });

  test("replicas 3 → 1 scales down: the claims of ordinals 1 and 2 are forgotten by Pulumi, kept in the cluster", () => {
    const claims = outcomes(three, one, CLAIM);
    expect(byAction(claims, "replace")).toEqual([]);
    expect(byAction(claims, "delete")).toEqual([]);
    expect(byAction(claims, "forget")).toEqual(["data-alertmanager-1", "data-alertmanager-2"]);
    expect(outcomes(three, one, "StatefulSet")).toEqual([{ key: "kubernetes:apps/v1:StatefulSet::alertmanager", action: "update" }]);
    expect(find(one, "StatefulSet", "alertmanager").spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
  });

  test("prod 3 → 1 stops at the preview on the protected claims of ordinals 1 and 2: nothing is deleted, nothing changes until they are unprotected", () => {
    expect(find(prodOne, "StatefulSet", "alertmanager").spec.replicas).toBe(1);
    const claims = outcomes(prod, prodOne, CLAIM);
    expect(byAction(claims, "blocked")).toEqual(["data-alertmanager-1", "data-alertmanager-2"]);
    expect(byAction(claims, "delete")).toEqual([]);
    expect(byAction(claims, "replace")).toEqual([]);
    for (const claim of recordedObjects(prod).filter((o) => o.kind === CLAIM)) expect([claim.key, claim.protect]).toEqual([claim.key, true]);
  });

  test("1 → 2 Gi grows the claim in place and leaves the StatefulSet alone", () => {
    const claims = outcomes(one, bigger, CLAIM);
    expect(claims.filter((o) => o.action !== "same")).toEqual([{ key: "kubernetes:core/v1:PersistentVolumeClaim::data-alertmanager-0", action: "update" }]);
    expect(claimsOf(bigger)).toContain("data-alertmanager-0 2Gi");
    // The claim template changed in the inputs, but it is ignored: no replacement, no rollout.
    expect(find(bigger, "StatefulSet", "alertmanager").spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("2Gi");
    expect(outcomes(one, bigger, "StatefulSet")).toEqual([{ key: "kubernetes:apps/v1:StatefulSet::alertmanager", action: "same" }]);
  });

  test("setting storageClass replaces no claim, in dev (unprotected) and prod (protected), Alertmanager's and the single-replica servers'", () => {
    for (const [before, after] of [[one, withClass], [prod, prodWithClass]]) {
      const claims = outcomes(before, after, CLAIM);
      expect(claims.length).toBeGreaterThanOrEqual(4);
      expect(claims.filter((o) => o.action !== "same")).toEqual([]);
      expect(outcomes(before, after, "StatefulSet").map((o) => o.action)).toEqual(["same"]);
    }
    // The new class is in the inputs (a claim created from now on gets it), ignored on existing claims.
    for (const claim of recordedObjects(withClass).filter((o) => o.kind === CLAIM)) {
      expect([claim.key, claim.manifest.spec.storageClassName, claim.ignoreChanges]).toEqual([claim.key, "fast-ssd", ["spec.storageClassName"]]);
    }
  });

  test("the checker itself sees a replacement when a class change is not ignored", () => {
    const unguarded = { ...withClass, resources: withClass.resources.map((x) => ({ ...x, ignoreChanges: [] })) };
    expect(outcomes(one, unguarded, CLAIM).filter((o) => o.action === "replace").length).toBeGreaterThanOrEqual(4);
    const noRetain = { ...three, resources: three.resources.map((x) => ({ ...x, retainOnDelete: false })) };
    expect(byAction(outcomes(noRetain, one, CLAIM), "delete")).toEqual(["data-alertmanager-1", "data-alertmanager-2"]);
  });
});

describe("storage class drift warning", () => {
  const claim = { namespace: "monitoring", name: "prometheus-data" };
  test("names the claim, both classes and the migration when the live class differs", () => {
    const warning = storageClassDrift(claim, "fast-ssd", "standard");
    expect(warning).toContain("PersistentVolumeClaim monitoring/prometheus-data");
    expect(warning).toContain('"standard"');
    expect(warning).toContain('"fast-ssd"');
    expect(warning).toContain("moving a volume to another storage class");
  });
  test("stays quiet when the classes agree or no class is configured", () => {
    expect(storageClassDrift(claim, "fast-ssd", "fast-ssd")).toBeUndefined();
    expect(storageClassDrift(claim, undefined, "standard")).toBeUndefined();
  });
});
