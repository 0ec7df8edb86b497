/**
 * The stack's data claims across runs. Each run records every claim it declares (its setting and
 * size, its StorageClass in the cluster and whether that class allows volume expansion) in the stack
 * output `volumes`; the next run reads that output back (a StackReference to its own stack) to know
 * which claims exist and how large they are. A claim asked to grow waits, before it is registered,
 * for its class's answer: if the class does not allow expansion, the claim keeps its size and the
 * run fails with one line naming the setting (configs/volume-expansion.ts), as an error on the
 * claim: the preview fails, so `pulumi up` stops before it changes anything.
 *
 * Why the record holds the class's answer: in a preview, Pulumi's SDK reports a property missing
 * from an object read from the cluster as unknown, and a class without expansion usually has no
 * `allowVolumeExpansion` at all. So the preview decides from the recorded answer while the class's
 * resourceVersion is the one recorded with it, and from the class as read now otherwise; `pulumi up`
 * (no longer a preview) always reads the class now. The claim is never sent a size its class would
 * refuse: failing its input instead left the program waiting on it for about a minute (SDK 3.248)
 * before it failed; a logged error alone (`pulumi.log.error`) leaves the CLI's exit code 0.
 *
 * Without a previous `volumes` output (a new stack, or the first run of this version) nothing is
 * checked, and a refused growth fails as Kubernetes reports it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DeployedVolume, expansionRefusal, needsExpansion } from "../configs/volume-expansion";

/** The stack output holding the ledger. */
export const VOLUMES_OUTPUT = "volumes";

export interface LedgerClaim {
  name: string;
  namespace: pulumi.Input<string>;
  storageGi: number;
  /** The setting that sizes it, e.g. `observability:prometheus.storageGi`. */
  setting: string;
}

/**
 * This stack's fully qualified name. The engine always tells the program its organization; a
 * runtime that does not (Pulumi's unit-test mocks without one) gets the bare stack name, which
 * backends resolve within the current project.
 */
function ownStackName(): string {
  let organization: string | undefined;
  try {
    organization = pulumi.getOrganization();
  } catch {
    organization = undefined;
  }
  return organization ? `${organization}/${pulumi.getProject()}/${pulumi.getStack()}` : pulumi.getStack();
}

/**
 * Fails the run with `message` alone: thrown outside any promise, an uncaught RunError is what
 * Pulumi's runtime reports as its message (no stack) before it fails the run. (A rejected promise
 * reaches the same handler only about a minute later with SDK 3.248, measured; a ResourceError on
 * the claim would hold every later log line until the claim is registered.)
 */
function failRun(message: string): void {
  setImmediate(() => {
    throw new pulumi.RunError(message);
  });
}

/** Args of a component that holds data in claims. */
export interface DataArgs {
  /** Where its claims are recorded and their growth checked. */
  volumes: VolumeLedger;
}

export class VolumeLedger {
  private previousVolumes?: pulumi.Output<Record<string, DeployedVolume>>;
  /** One read per StorageClass and run. */
  private readonly classes = new Map<string, k8s.storage.v1.StorageClass>();
  private readonly recorded: pulumi.Output<[string, DeployedVolume]>[] = [];

  /** `parent`: the component the ledger's reads belong to; `fail`: how a refusal ends the run. */
  constructor(
    private readonly parent?: pulumi.Resource,
    private readonly fail: (message: string) => void = failRun,
  ) {}

  /** The last deployment's `volumes` output (empty for a stack never deployed with it). */
  private previous(): pulumi.Output<Record<string, DeployedVolume>> {
    if (!this.previousVolumes) {
      const reference = new pulumi.StackReference(`${pulumi.getStack()}-previous-volumes`, { name: ownStackName() }, { parent: this.parent });
      // `outputs` is secret as a whole when any output is (the Grafana password); the volumes are not.
      this.previousVolumes = pulumi.unsecret(reference.outputs.apply((outputs) => (outputs?.[VOLUMES_OUTPUT] ?? {}) as Record<string, DeployedVolume>));
    }
    return this.previousVolumes;
  }

  /** The StorageClass as the cluster has it now. */
  private storageClass(name: string): k8s.storage.v1.StorageClass {
    if (!this.classes.has(name)) this.classes.set(name, k8s.storage.v1.StorageClass.get(`storage-class-${name}`, name, { parent: this.parent }));
    return this.classes.get(name)!;
  }

  /**
   * The size a claim is given: the one asked for, or, when its class refuses the growth, the size it
   * has, so that nothing is sent that the API server would refuse. The refusal is the program's
   * error: Pulumi prints its one line (a RunError) and fails the run, preview or up.
   */
  size(claim: LedgerClaim): pulumi.Output<number> {
    const refusal = this.refusal(claim);
    refusal.apply((refused) => refused && this.fail(refused));
    return pulumi.all([refusal, this.previous(), claim.namespace]).apply(([refused, previous, namespace]) =>
      refused ? previous[`${namespace}/${claim.name}`].storageGi : claim.storageGi,
    );
  }

  /** Why the claim may not grow as asked, once known; undefined when it may (or does not grow). */
  refusal(claim: LedgerClaim): pulumi.Output<string | undefined> {
    return pulumi.all([this.previous(), claim.namespace]).apply(([previous, namespace]) => {
      const key = `${namespace}/${claim.name}`;
      const deployed = previous[key];
      if (!needsExpansion(deployed, claim.storageGi)) return pulumi.output(undefined);
      const decide = (allowVolumeExpansion: boolean | undefined) =>
        expansionRefusal({ claim: key, setting: claim.setting, deployedGi: deployed.storageGi, wantedGi: claim.storageGi, storageClass: deployed.storageClass, allowVolumeExpansion });
      const storageClass = this.storageClass(deployed.storageClass);
      return storageClass.metadata.apply((metadata) =>
        metadata?.resourceVersion !== undefined && metadata.resourceVersion === deployed.classVersion
          ? pulumi.output(decide(deployed.allowVolumeExpansion))
          : storageClass.allowVolumeExpansion.apply(decide),
      );
    });
  }

  /** Notes the claim, the size it was given, its class and the class's answer for the next run's `volumes` output. */
  record(claim: LedgerClaim, resource: k8s.core.v1.PersistentVolumeClaim, storageGi: pulumi.Input<number>): void {
    this.recorded.push(
      pulumi.all([resource.metadata.namespace, resource.metadata.name, resource.spec.storageClassName, storageGi]).apply(([namespace, name, storageClass, gi]) => {
        const entry: DeployedVolume = { setting: claim.setting, storageGi: gi };
        if (!storageClass) return pulumi.output<[string, DeployedVolume]>([`${namespace}/${name}`, entry]);
        const read = this.storageClass(storageClass);
        return pulumi.all([read.metadata, read.allowVolumeExpansion]).apply(([metadata, allowVolumeExpansion]): [string, DeployedVolume] => [
          `${namespace}/${name}`,
          { ...entry, storageClass, allowVolumeExpansion: allowVolumeExpansion === true, ...(metadata?.resourceVersion ? { classVersion: metadata.resourceVersion } : {}) },
        ]);
      }),
    );
  }

  /** Every claim of this run, for the stack output `volumes`. */
  volumes(): pulumi.Output<Record<string, DeployedVolume>> {
    return pulumi.all(this.recorded).apply((entries) => Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))));
  }
}
