/**
 * A claim asked to grow on a StorageClass without volume expansion keeps its size, and the run fails
 * with one line naming the setting; the real engine's side of it (preview and up refused, nothing
 * changed, no exception) is in test/cluster/lifecycle.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { DeployedVolume, expansionRefusal, needsExpansion } from "../../configs/volume-expansion";

/** What the last deployment recorded, and each StorageClass in the "cluster" as a read returns it. */
const deployed: Record<string, DeployedVolume> = {
  "monitoring/prometheus-data": { setting: "observability:prometheus.storageGi", storageGi: 5, storageClass: "standard", allowVolumeExpansion: false, classVersion: "7" },
};
const classes: Record<string, { metadata: { resourceVersion: string }; allowVolumeExpansion?: boolean }> = {
  // As kind's default class: no allowVolumeExpansion at all, which a preview's read reports as unknown.
  standard: { metadata: { resourceVersion: "7" } },
  expandable: { metadata: { resourceVersion: "3" }, allowVolumeExpansion: true },
};

describe("expansionRefusal", () => {
  const base = { claim: "monitoring/prometheus-data", setting: "observability:prometheus.storageGi", deployedGi: 5, wantedGi: 6, storageClass: "standard" };

  test("a class without allowVolumeExpansion refuses growth, in one line naming the setting, the claim, both sizes and the class", () => {
    const refusal = expansionRefusal({ ...base, allowVolumeExpansion: undefined });
    expect(refusal).toBe(
      'observability:prometheus.storageGi: PersistentVolumeClaim monitoring/prometheus-data cannot grow from 5Gi to 6Gi: its StorageClass "standard" does not allow volume expansion (allowVolumeExpansion is not true). Keep 5, or move the volume to a class that allows it (README "Changing settings safely").',
    );
    expect(refusal).not.toContain("\n");
    expect(expansionRefusal({ ...base, allowVolumeExpansion: false })).toBe(refusal);
  });

  test("a class that allows expansion, or no growth, is no refusal", () => {
    expect(expansionRefusal({ ...base, allowVolumeExpansion: true })).toBeUndefined();
    expect(expansionRefusal({ ...base, wantedGi: 5, allowVolumeExpansion: false })).toBeUndefined();
  });

  test("only an existing claim with a known class, asked to grow, needs the class's permission", () => {
    expect(needsExpansion(undefined, 6)).toBe(false);
    expect(needsExpansion({ setting: "s", storageGi: 5 }, 6)).toBe(false);
    expect(needsExpansion({ setting: "s", storageGi: 5, storageClass: "standard" }, 5)).toBe(false);
    expect(needsExpansion({ setting: "s", storageGi: 5, storageClass: "standard" }, 4)).toBe(false);
    expect(needsExpansion({ setting: "s", storageGi: 5, storageClass: "standard" }, 6)).toBe(true);
  });
});

describe("VolumeLedger under Pulumi's mocks, in a preview", () => {
  let VolumeLedger: typeof import("../../components/volume-ledger").VolumeLedger;
  const reads: string[] = [];

  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          if (args.type === "pulumi:pulumi:StackReference") return { id: args.inputs.name, state: { name: args.inputs.name, outputs: { volumes: deployed } } };
          if (args.type === "kubernetes:storage.k8s.io/v1:StorageClass") {
            reads.push(args.id!);
            return { id: args.id!, state: classes[args.id!] };
          }
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "observability",
      "dev",
      true,
    );
    ({ VolumeLedger } = await import("../../components/volume-ledger"));
  });

  const claim = (name: string, storageGi: number) => ({ name, namespace: "monitoring", storageGi, setting: "observability:prometheus.storageGi" });
  const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
  const request = (ledger: InstanceType<typeof VolumeLedger>, name: string, storageGi: number) => resolved(ledger.size(claim(name, storageGi)));

  test("growth on an unchanged class that did not allow expansion is refused in the preview, from the recorded answer, naming the setting; the claim keeps its size", async () => {
    const failures: string[] = [];
    const ledger = new VolumeLedger(undefined, (message) => failures.push(message));
    expect(await request(ledger, "prometheus-data", 6)).toBe(5);
    expect(failures).toEqual([expect.stringMatching(/^observability:prometheus\.storageGi: PersistentVolumeClaim monitoring\/prometheus-data cannot grow from 5Gi to 6Gi/)]);
    expect(await resolved(ledger.refusal(claim("prometheus-data", 6)))).toMatch(
      /^observability:prometheus\.storageGi: PersistentVolumeClaim monitoring\/prometheus-data cannot grow from 5Gi to 6Gi: its StorageClass "standard"/,
    );
    expect(reads).toEqual(["standard"]);
  });

  test("the same size or a new claim: the size as asked, and no read", async () => {
    reads.length = 0;
    expect(await resolved(new VolumeLedger().refusal(claim("prometheus-data", 5)))).toBeUndefined();
    const ledger = new VolumeLedger();
    expect(await request(ledger, "prometheus-data", 5)).toBe(5);
    expect(await request(ledger, "loki-data", 50)).toBe(50);
    expect(reads).toEqual([]);
  });

  test("a class changed since the deployment (another resourceVersion) is asked again: one that now allows expansion lets the claim grow", async () => {
    reads.length = 0;
    deployed["monitoring/prometheus-data"] = { ...deployed["monitoring/prometheus-data"], storageClass: "expandable", classVersion: "2" };
    expect(await request(new VolumeLedger(), "prometheus-data", 8)).toBe(8);
    expect(reads).toEqual(["expandable"]);
  });
});
