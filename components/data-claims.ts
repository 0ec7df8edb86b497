/**
 * Claims that hold data: they grow in place and never change class. On a PersistentVolumeClaim,
 * pulumi-kubernetes replaces (deletes, then creates) on a `spec.storageClassName` change, which would
 * delete the data; a bigger `spec.resources.requests.storage` is updated in place.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../configs/settings";
import { dataOptions } from "./kube";
import { VolumeLedger } from "./volume-ledger";

/** Claim fields a change of which would replace the claim; a settings change must never reach them. */
export const CLAIM_IGNORED_FIELDS = ["spec.storageClassName"];

export const STORAGE_CLASS_MIGRATION = 'README "Changing settings safely": moving a volume to another storage class';

/**
 * The warning when a claim's live class is not the configured one, or undefined when they agree.
 * A claim keeps its class for life; only new claims get the configured one.
 */
export function storageClassDrift(claim: { namespace: string; name: string }, configured: string | undefined, live: string | undefined): string | undefined {
  if (configured === undefined || live === undefined || live === configured) return undefined;
  return (
    `PersistentVolumeClaim ${claim.namespace}/${claim.name} keeps storage class "${live}": observability:storageClass ("${configured}") ` +
    `applies only to claims created from now on, because changing a claim's class would delete its data. To move it: ${STORAGE_CLASS_MIGRATION}.`
  );
}

/**
 * A claim that grows in place and never changes class: `ignoreChanges` on its class, a warning
 * when the live class differs from the setting. Every claim of the stack is one: the single-replica
 * servers' fixed-name claims (persistentVolumeClaim below) and the StatefulSets' per-ordinal claims
 * (stateful-workload.ts).
 */
export function dataClaim(
  logicalName: string,
  args: {
    name: string;
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    storageGi: number;
    storageClass: string | undefined;
    /** The setting that sizes it, e.g. `observability:prometheus.storageGi`. */
    setting: string;
    volumes: VolumeLedger;
  },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.PersistentVolumeClaim {
  const ledgerClaim = { name: args.name, namespace: args.namespace, storageGi: args.storageGi, setting: args.setting };
  const storageGi = args.volumes.size(ledgerClaim);
  const claim = new k8s.core.v1.PersistentVolumeClaim(
    logicalName,
    {
      metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: args.storageClass,
        // Grows only once the ledger knows that the class allows it (volume-ledger.ts).
        resources: { requests: { storage: pulumi.interpolate`${storageGi}Gi` } },
      },
    },
    { ...opts, ignoreChanges: [...(opts.ignoreChanges ?? []), ...CLAIM_IGNORED_FIELDS] },
  );
  args.volumes.record(ledgerClaim, claim, storageGi);
  pulumi.all([claim.metadata.namespace, claim.metadata.name, claim.spec.storageClassName]).apply(([namespace, name, live]) => {
    const warning = storageClassDrift({ namespace, name }, args.storageClass, live);
    if (warning) pulumi.log.warn(warning, claim);
  });
  return claim;
}

/** The fixed-name claim of a single-replica server: `<name>-data`. */
export function persistentVolumeClaim(
  name: string,
  args: {
    namespace: pulumi.Input<string>;
    storageGi: number;
    /** The setting that sizes it, e.g. `observability:prometheus.storageGi`. */
    setting: string;
    settings: Pick<StackSettings, "protectData" | "storageClass">;
    labels: Record<string, string>;
    volumes: VolumeLedger;
  },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.PersistentVolumeClaim {
  const { namespace, labels, storageGi, setting, volumes } = args;
  return dataClaim(`${name}-data`, { name: `${name}-data`, namespace, labels, storageGi, setting, volumes, storageClass: args.settings.storageClass }, dataOptions(args.settings, opts));
}
