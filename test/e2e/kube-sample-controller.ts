// The sample controller of src/kube's end-to-end tests (not shipped): for every ConfigMap
// labelled `sample.secretfleet.dev/copy=true` it keeps a ConfigMap `<name>-copy` in the same
// namespace holding the same data, owned by the source, written with server-side apply. It
// watches the copies too, so a copy edited or deleted by hand is put back.
import type {
  EventRecorder,
  KubeClient,
  KubeObject,
  Manager,
  ReconcileContext,
  ReconcileOutcome,
} from "../../src/kube/index.js";
import { ownerKeys } from "../../src/kube/index.js";

export const copyLabel = "sample.secretfleet.dev/copy";
export const fieldManager = "sample-copier";

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** Registers the sample controller on `manager`; returns the informers it uses. */
export function addSampleController(manager: Manager, options: { workers?: number } = {}): void {
  const sources = manager.informer<ConfigMap>({
    apiVersion: "v1",
    kind: "ConfigMap",
    labelSelector: `${copyLabel}=true`,
  });
  const copies = manager.informer<ConfigMap>({
    apiVersion: "v1",
    kind: "ConfigMap",
    labelSelector: `${copyLabel}=copy`,
  });
  const events = manager.eventRecorder("sample-copier");
  manager.addController({
    name: "sample-copier",
    workers: options.workers ?? 2,
    watches: [{ informer: sources }, { informer: copies, map: ownerKeys("ConfigMap") }],
    reconcile: (key, context) =>
      reconcileCopy(manager.client, events, sources.cache.get(key), context),
  });
}

async function reconcileCopy(
  client: KubeClient,
  events: EventRecorder,
  source: ConfigMap | undefined,
  { namespace, name, signal }: ReconcileContext,
): Promise<ReconcileOutcome | undefined> {
  // Gone: the copy goes with it through its owner reference (garbage collection).
  if (source === undefined) return undefined;
  const uid = source.metadata?.uid ?? "";
  await client.apply(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: `${name}-copy`,
        ...(namespace === undefined ? {} : { namespace }),
        labels: { [copyLabel]: "copy" },
        ownerReferences: [
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            name,
            uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      data: source.data ?? {},
    },
    { fieldManager, force: true, signal },
  );
  events.event(source, "Normal", "Copied", `copied ${Object.keys(source.data ?? {}).length} keys`);
  return undefined;
}
