/**
 * Whether a PersistentVolumeClaim may grow to a new `storageGi`. Kubernetes grows a claim in place
 * only when its StorageClass has `allowVolumeExpansion: true`; otherwise the API server refuses the
 * update ("only dynamically provisioned pvc can be resized and the storageclass that provisions the
 * pvc must support resize"), after the preview has shown it as a harmless update. The program asks
 * first (components/volume-ledger.ts) and refuses with this one line, naming the setting.
 */

/** A claim as the last deployment left it: the stack output `volumes`, keyed `namespace/name`. */
export interface DeployedVolume {
  /** The setting that sizes it, e.g. `observability:prometheus.storageGi`. */
  setting: string;
  storageGi: number;
  /** The claim's class in the cluster (it keeps the one it was created with). */
  storageClass?: string;
  /** Whether that class allowed expansion when the deployment read it ... */
  allowVolumeExpansion?: boolean;
  /** ... and the class's resourceVersion then: the same version now means the same answer. */
  classVersion?: string;
}

/** Growth that needs the class's permission: the claim exists, has a class, and is asked to be larger. */
export function needsExpansion(deployed: DeployedVolume | undefined, wantedGi: number): deployed is DeployedVolume & { storageClass: string } {
  return deployed !== undefined && deployed.storageClass !== undefined && wantedGi > deployed.storageGi;
}

/** The refusal when the class does not allow expansion, or undefined when the claim may grow. */
export function expansionRefusal(args: { claim: string; setting: string; deployedGi: number; wantedGi: number; storageClass: string; allowVolumeExpansion: boolean | undefined }): string | undefined {
  if (args.allowVolumeExpansion === true || args.wantedGi <= args.deployedGi) return undefined;
  return (
    `${args.setting}: PersistentVolumeClaim ${args.claim} cannot grow from ${args.deployedGi}Gi to ${args.wantedGi}Gi: its StorageClass "${args.storageClass}" ` +
    `does not allow volume expansion (allowVolumeExpansion is not true). Keep ${args.deployedGi}, or move the volume to a class that allows it ` +
    `(README "Changing settings safely").`
  );
}
