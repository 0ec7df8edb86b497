/**
 * A StatefulSet whose per-replica volumes survive every settings change: size, replica count and
 * storage class. Reuse it for any replicated server with a volume per replica (Alertmanager today;
 * Loki and Prometheus HA next).
 *
 * What pulumi-kubernetes does with a plain StatefulSet (its diff rules, provider/pkg/provider/diff.go):
 * `spec.volumeClaimTemplates`, `serviceName`, `podManagementPolicy` and `selector` force a
 * replacement (every replica down at once), and a grown template never reaches the claims the
 * controller already made. On a PersistentVolumeClaim, `spec.storageClassName` and `accessModes`
 * force a replacement (delete, then create: the data is gone), while `spec.resources.requests.storage`
 * is updated in place (Kubernetes expands the volume when its class allows expansion).
 *
 * So `statefulWorkload`:
 * - creates the claim of every ordinal itself, named as the controller would name it
 *   (`<volume>-<statefulset>-<ordinal>`, e.g. `data-alertmanager-0`), before the StatefulSet; the
 *   controller finds them by name and never creates its own;
 * - keeps `volumeClaimTemplates` as first created (`ignoreChanges`): a size or class change reaches
 *   the claims, never the StatefulSet;
 * - ignores `spec.storageClassName` on the claims, so a class change never replaces one: it applies
 *   to claims created from then on, and `storageClassDrift` warns (`pulumi.log.warn`) naming every
 *   claim whose live class differs and the README's migration;
 * - sets `retainOnDelete` on every claim: scaling down (or removing the workload) makes Pulumi forget
 *   the claims of the removed ordinals without deleting them, and the StatefulSet's retention policy
 *   (`whenScaled`/`whenDeleted: Retain`) keeps Kubernetes from deleting them either. Scaling up again
 *   re-creates those claims in the program: since pulumi-kubernetes 4.29 a create of an existing
 *   object fails (AlreadyExists), so adopt them first (`pulumi import`, README "Changing settings
 *   safely") or delete them if their data is no longer wanted;
 * - with `protectData` (prod) also `protect`s every claim, as the policy pack requires of every
 *   claim in production: `pulumi destroy` stops at them, and a scale-down stops at the preview,
 *   before anything changes, naming the claims of the removed ordinals; `pulumi state unprotect`
 *   on those (README "Changing settings safely") confirms it, and the next `pulumi up` scales down
 *   and forgets them, still without deleting them.
 *
 * It also creates the headless Service that governs the StatefulSet (`peers`): each replica's DNS
 * name, published before the pods are ready, because a replica of a clustered server (Alertmanager's
 * gossip mesh, Loki's memberlist ring) becomes ready only after it has joined its peers. The caller
 * supplies a pod spec that mounts the volume `volume.name` without listing it in `volumes` (the claim
 * template provides it). Keep `peers.name` and `podManagementPolicy` constant for the life of the
 * workload: both force a replacement.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../configs/settings";
import { dataClaim } from "./data-claims";
import { selectorLabels, ServicePort, servicePorts } from "./kube";
import { VolumeLedger } from "./volume-ledger";

export interface StatefulWorkloadArgs {
  /** Kubernetes name of the StatefulSet (and the `app.kubernetes.io/name` its selector matches); pods are `<name>-<ordinal>`. */
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  /** Replicas; a change only scales (and rolls the pods if the pod spec changes with it). */
  replicas: number;
  /**
   * The headless Service through which the replicas find each other: its Pulumi resource name, its
   * Kubernetes name (constant for the workload's life) and the peer ports.
   */
  peers: { resourceName: string; name: string; ports: ServicePort[] };
  /** Pod spec; its containers mount `volume.name`, which must not be among its `volumes`. */
  podSpec: k8s.types.input.core.v1.PodSpec;
  /**
   * The per-replica volume: its name in the pod spec, its size and the setting that sizes it. A bigger
   * size grows every claim in place, where the class allows it (volume-ledger.ts).
   */
  volume: { name: string; storageGi: number; setting: string };
  volumes: VolumeLedger;
  /** `storageClass` for new claims (unset: the cluster default); `protectData` protects the claims. */
  settings: Pick<StackSettings, "storageClass" | "protectData">;
  /** Default `Parallel`: replicas that must find each other (gossip, memberlist) start together. Constant for the workload's life. */
  podManagementPolicy?: "Parallel" | "OrderedReady";
}

export interface StatefulWorkload {
  statefulSet: k8s.apps.v1.StatefulSet;
  /** The claims the program owns, ordinal 0 first. */
  claims: k8s.core.v1.PersistentVolumeClaim[];
  /** The headless Service governing the StatefulSet. */
  peers: k8s.core.v1.Service;
}

/** The name the StatefulSet controller gives the claim of one ordinal: `<volume>-<statefulset>-<ordinal>`. */
export function claimName(volume: string, statefulSet: string, ordinal: number): string {
  return `${volume}-${statefulSet}-${ordinal}`;
}

/** See the file's header for what this guarantees. */
export function statefulWorkload(logicalName: string, args: StatefulWorkloadArgs, opts: pulumi.CustomResourceOptions): StatefulWorkload {
  const peers = new k8s.core.v1.Service(
    args.peers.resourceName,
    {
      metadata: { name: args.peers.name, namespace: args.namespace, labels: args.labels },
      spec: {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: selectorLabels(args.name),
        ports: servicePorts(args.peers.ports),
      },
    },
    opts,
  );
  const claimTemplate = {
    accessModes: ["ReadWriteOnce"],
    storageClassName: args.settings.storageClass,
    resources: { requests: { storage: `${args.volume.storageGi}Gi` } },
  };
  const claims = Array.from({ length: args.replicas }, (_, ordinal) => {
    const name = claimName(args.volume.name, args.name, ordinal);
    return dataClaim(
      name,
      {
        name,
        namespace: args.namespace,
        labels: args.labels,
        storageGi: args.volume.storageGi,
        storageClass: args.settings.storageClass,
        setting: args.volume.setting,
        volumes: args.volumes,
      },
      { ...opts, protect: args.settings.protectData, retainOnDelete: true },
    );
  });
  const statefulSet = new k8s.apps.v1.StatefulSet(
    logicalName,
    {
      metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
      spec: {
        replicas: args.replicas,
        serviceName: peers.metadata.name,
        podManagementPolicy: args.podManagementPolicy ?? "Parallel",
        selector: { matchLabels: selectorLabels(args.name) },
        template: { metadata: { labels: args.labels }, spec: args.podSpec },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        // Used only if a claim is missing (the program creates them first); frozen at creation below.
        volumeClaimTemplates: [{ metadata: { name: args.volume.name, labels: args.labels }, spec: claimTemplate }],
      },
    },
    {
      ...opts,
      dependsOn: [...pulumiDependencies(opts.dependsOn), ...claims],
      ignoreChanges: [...(opts.ignoreChanges ?? []), "spec.volumeClaimTemplates"],
    },
  );
  return { statefulSet, claims, peers };
}

function pulumiDependencies(dependsOn: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  if (dependsOn === undefined) return [];
  return Array.isArray(dependsOn) ? dependsOn : [dependsOn as pulumi.Input<pulumi.Resource>];
}
