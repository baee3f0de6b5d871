import type { KubeClient } from "./client.js";
import type { LeaseLock, LeaseRecord } from "./leader-election.js";
import type { KubeObject } from "./types.js";

interface Lease extends KubeObject {
  spec?: Partial<LeaseRecord>;
}

/**
 * A LeaseLock on the coordination.k8s.io/v1 Lease `namespace/name`, with optimistic
 * concurrency: an update carries the resourceVersion read, so two candidates cannot both win.
 */
export function leaseLock(client: KubeClient, namespace: string, name: string): LeaseLock {
  const ref = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace, name };
  // The last Lease read, so an update keeps its labels and annotations.
  let last: Lease | undefined;
  return {
    async get() {
      const lease = await client.get<Lease>(ref);
      last = lease;
      if (lease === undefined) return undefined;
      const spec = lease.spec ?? {};
      return {
        record: {
          holderIdentity: spec.holderIdentity ?? "",
          leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
          acquireTime: spec.acquireTime ?? "",
          renewTime: spec.renewTime ?? "",
          leaseTransitions: spec.leaseTransitions ?? 0,
        },
        version: lease.metadata?.resourceVersion ?? "",
      };
    },
    async create(record) {
      last = await client.create<Lease>({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { namespace, name },
        spec: record,
      });
    },
    async update(record, version) {
      const base: Lease = last ?? { apiVersion: ref.apiVersion, kind: ref.kind };
      last = await client.replace<Lease>({
        ...base,
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { ...base.metadata, namespace, name, resourceVersion: version },
        spec: record,
      });
    },
    describe: () => `${namespace}/${name}`,
  };
}
