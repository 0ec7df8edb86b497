/**
 * The Kubernetes provider the cluster tests run is 4.25.0 (the only version the Go module proxy
 * serves); users run the version @pulumi/kubernetes asks for (4.34.2). What differs for this program
 * (provider CHANGELOG 4.29, pulumi/pulumi-kubernetes#4278): creating an object that already exists.
 * - 4.25 creates with server-side apply, so a create of an existing object silently takes it over
 *   ("upsert") and overwrites its fields;
 * - 4.29 and later create with a plain create, which fails with AlreadyExists unless the provider
 *   sets `upsertExistingObjects`.
 * So a step that passes here by taking over an object would fail for users. No test may depend on
 * it: `takenOver` finds every object a `pulumi up` reported as created that existed before the
 * command started, and the tests require it to be empty.
 */
import { EngineEvent, urnName } from "../helpers/pulumi-cli";

export const UPSERT_CAVEAT =
  "the tests' provider (4.25) takes over an existing object on create, where users' provider (4.29 and later) fails with AlreadyExists: README \"Tested against a real control plane\"";

/** Objects the run says it created whose creationTimestamp is older than the run: taken over, not created. */
export function takenOver(events: EngineEvent[], startedMs: number): string[] {
  const startedSecond = Math.floor(startedMs / 1000) * 1000;
  return events
    .map((e) => e.resOutputsEvent?.metadata)
    .filter((m): m is NonNullable<typeof m> => !!m && m.type.startsWith("kubernetes:") && (m.op === "create" || m.op === "create-replacement"))
    .filter((m) => {
      const created = m.new?.outputs?.metadata?.creationTimestamp;
      return typeof created === "string" && Date.parse(created) < startedSecond;
    })
    .map((m) => `${urnName(m.urn)} (created ${m.new?.outputs?.metadata?.creationTimestamp}): ${UPSERT_CAVEAT}`);
}
