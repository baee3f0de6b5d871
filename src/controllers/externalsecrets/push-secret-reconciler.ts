import type {
  CacheReader,
  KubeObject,
  ObjectRef,
  ReconcileContext,
  ReconcileOutcome,
  Reconciler,
} from "../../kube/index.js";
import { replaceStatus } from "./api-client.js";
import type { SecretsProvider } from "../../providers/index.js";
import { renderTemplateInto } from "./apply-template.js";
import { PushMessage, PushReason, setCondition } from "./conditions.js";
import { secretData } from "./desired-secret.js";
import { parseGoDuration } from "../../templating/index.js";
import { matchesLabelSelector } from "./label-selector.js";
import { Finalizers } from "./labels.js";
import { syncedResourceVersion } from "./object-hash.js";
import { parseSecretStore } from "./parse-store.js";
import {
  parsePushSecret,
  pushEntryKey,
  pushItems,
  pushOwnerIdentity,
  selectPushStores,
  staleRemoteEntries,
  storeStatusKey,
} from "./push-secret.js";
import { defaultRefreshIntervalMs } from "./refresh.js";
import type { EsoRuntime } from "./runtime.js";
import { redactValues } from "./status.js";
import { storeAccessProblem } from "./store-access.js";
import { fetchTemplateSources } from "./template-sources.js";
import {
  apiVersionV1alpha1,
  type PushSecret,
  type PushSecretData,
  type PushSecretStatus,
  type Secret,
  type SecretStore,
} from "./types.js";

/** The caches the PushSecret reconciler reads. */
export interface PushSecretCaches {
  readonly pushSecrets: CacheReader<KubeObject>;
  /** Every Secret (the source Secrets are watched, beyond ESO). */
  readonly secrets: CacheReader<KubeObject>;
  readonly secretStores: CacheReader<KubeObject>;
  readonly clusterSecretStores: CacheReader<KubeObject>;
}

/** Upstream requeues a PushSecret that is not due yet this long after its due time. */
const notDueSlackMs = 5_000;

function psRef(ps: PushSecret): ObjectRef {
  return {
    apiVersion: apiVersionV1alpha1,
    kind: "PushSecret",
    namespace: ps.metadata.namespace,
    name: ps.metadata.name,
  };
}

class PushFailure extends Error {}

/**
 * The keys of the PushSecrets whose source is `secret` (by name or label selector), so that a
 * rotated source Secret is pushed at once (beyond ESO, which waits for the next interval).
 */
export function pushSecretsForSource(
  pushSecrets: CacheReader<KubeObject>,
  secret: KubeObject,
): string[] {
  const namespace = secret.metadata?.namespace ?? "";
  return pushSecrets.byNamespace(namespace).flatMap((raw) => {
    const selector = (raw.spec as { selector?: { secret?: { name?: string; selector?: unknown } } })
      .selector?.secret;
    if (selector === undefined) return [];
    const named = selector.name !== undefined && selector.name !== "";
    const matches = named
      ? selector.name === secret.metadata?.name
      : selector.selector !== undefined &&
        matchesLabelSelector(
          selector.selector as Parameters<typeof matchesLabelSelector>[0],
          secret.metadata?.labels,
        );
    return matches ? [`${namespace}/${raw.metadata?.name ?? ""}`] : [];
  });
}

/**
 * The PushSecret reconciler (spec §9): source Secret by name or selector, template over the
 * source data, stores by name or label selector (namespace conditions enforced, no flood gate),
 * `updatePolicy`, `deletionPolicy` with its finalizer and the clean-up of entries no longer
 * produced, status with `syncedPushSecrets`, events and metrics as upstream. Beyond ESO: every
 * push carries an owner identity (`<cluster>/<namespace>/<name>`) so two hubs or two PushSecrets
 * pushing to one remote path refuse to overwrite each other, and a change of the source Secret
 * pushes at once.
 */
export function pushSecretReconciler(rt: EsoRuntime, caches: PushSecretCaches): Reconciler {
  // What each PushSecret last pushed from (source names and resourceVersions): a rotated source
  // differs and is pushed. Empty after a restart, so every PushSecret checks its remote once.
  const pushedFrom = new Map<string, string>();
  return async (key, context) => {
    const raw = caches.pushSecrets.get(key);
    const object = { name: context.name, namespace: context.namespace ?? "" };
    if (raw === undefined) {
      pushedFrom.delete(key);
      rt.metrics.forget("pushsecret", object);
      return undefined;
    }
    const started = rt.now();
    try {
      return await new PushRun(rt, caches, pushedFrom, key, context).run(raw, started);
    } finally {
      rt.metrics.duration("pushsecret", object, rt.now() - started);
    }
  };
}

class PushRun {
  readonly #rt: EsoRuntime;
  readonly #caches: PushSecretCaches;
  readonly #pushedFrom: Map<string, string>;
  readonly #key: string;
  readonly #context: ReconcileContext;

  constructor(
    rt: EsoRuntime,
    caches: PushSecretCaches,
    pushedFrom: Map<string, string>,
    key: string,
    context: ReconcileContext,
  ) {
    this.#rt = rt;
    this.#caches = caches;
    this.#pushedFrom = pushedFrom;
    this.#key = key;
    this.#context = context;
  }

  async run(raw: KubeObject, started: number): Promise<ReconcileOutcome | undefined> {
    let ps: PushSecret;
    try {
      ps = parsePushSecret(raw);
    } catch (error) {
      this.#rt.events.event(raw, "Warning", PushReason.errored, (error as Error).message);
      return undefined;
    }
    const finalizers = ps.metadata.finalizers ?? [];
    const hasFinalizer = finalizers.includes(Finalizers.pushSecret);
    if (ps.metadata.deletionTimestamp !== undefined) {
      if (!hasFinalizer) return undefined;
      await this.#deleteRemote(ps, ps.status?.syncedPushSecrets ?? {});
      await this.#setFinalizers(
        ps,
        finalizers.filter((f) => f !== Finalizers.pushSecret),
      );
      this.#rt.metrics.forget("pushsecret", {
        name: ps.metadata.name,
        namespace: ps.metadata.namespace,
      });
      return undefined;
    }
    const wantsFinalizer = ps.spec.deletionPolicy === "Delete";
    if (wantsFinalizer !== hasFinalizer) {
      ps = await this.#setFinalizers(
        ps,
        wantsFinalizer
          ? [...finalizers, Finalizers.pushSecret]
          : finalizers.filter((f) => f !== Finalizers.pushSecret),
      );
    }
    try {
      return await this.#push(ps, raw, started);
    } catch (error) {
      const detail = (error as Error).message;
      this.#rt.events.event(raw, "Warning", PushReason.errored, detail);
      await this.#writeStatus(ps, {
        ...ps.status,
        conditions: setCondition(
          ps.status?.conditions,
          { type: "Ready", status: "False", reason: PushReason.errored, message: detail },
          new Date(this.#rt.now()).toISOString(),
        ),
      }).catch(() => undefined);
      this.#rt.metrics.condition("pushsecret", metricObject(ps), "Ready", "False");
      throw error;
    }
  }

  async #push(
    ps: PushSecret,
    raw: KubeObject,
    started: number,
  ): Promise<ReconcileOutcome | undefined> {
    const sources = this.#sources(ps);
    if (sources === "deleted") return this.#sourceDeleted(ps, raw);
    const fingerprint = sources
      .map((s) => `${s.metadata.name}@${s.metadata.resourceVersion ?? ""}`)
      .join(",");
    const intervalMs =
      ps.spec.refreshInterval === undefined
        ? defaultRefreshIntervalMs
        : parseGoDuration(ps.spec.refreshInterval);
    const remaining = this.#remainingMs(ps, intervalMs);
    if (remaining !== undefined && this.#pushedFrom.get(this.#key) === fingerprint) {
      return remaining === Infinity ? undefined : { requeueAfter: remaining + notDueSlackMs };
    }
    const startedAt = new Date(started).toISOString();
    const { synced, unchanged } = await this.#pushToStores(ps, sources);
    const stale = staleRemoteEntries(
      ps,
      new Map(
        Object.entries(synced).map(([store, entries]) => [store, new Set(Object.keys(entries))]),
      ),
    );
    await this.#deleteRemote(
      ps,
      Object.fromEntries(stale.map((entry) => [entry.storeKey, { [entry.entryKey]: entry.data }])),
    );
    const message = unchanged ? PushMessage.syncedUnchanged : PushMessage.synced;
    const status: PushSecretStatus = {
      ...ps.status,
      refreshTime: startedAt,
      syncedResourceVersion: syncedResourceVersion(ps.metadata),
      syncedPushSecrets: synced,
      conditions: setCondition(
        ps.status?.conditions,
        { type: "Ready", status: "True", reason: PushReason.synced, message },
        startedAt,
      ),
    };
    await this.#writeStatus(ps, status);
    this.#pushedFrom.set(this.#key, fingerprint);
    this.#rt.events.event(raw, "Normal", PushReason.synced, message);
    this.#rt.metrics.condition("pushsecret", metricObject(ps), "Ready", "True");
    return intervalMs > 0 ? { requeueAfter: intervalMs } : undefined;
  }

  // undefined: a push is due (never pushed, spec or metadata changed, interval elapsed);
  // otherwise how long until it is (Infinity for refreshInterval 0).
  #remainingMs(ps: PushSecret, intervalMs: number): number | undefined {
    const refreshTime = ps.status?.refreshTime ?? "";
    if (
      refreshTime === "" ||
      ps.status?.syncedResourceVersion !== syncedResourceVersion(ps.metadata)
    )
      return undefined;
    if (intervalMs <= 0) return Infinity;
    const remaining = Date.parse(refreshTime) + intervalMs - this.#rt.now();
    return remaining > 0 ? remaining : undefined;
  }

  #sources(ps: PushSecret): (Secret & KubeObject)[] | "deleted" {
    const selector = ps.spec.selector.secret;
    if (selector === undefined)
      throw new PushFailure(
        "spec.selector.generatorRef: generators are not supported by this controller",
      );
    const namespace = ps.metadata.namespace;
    if ((selector.name ?? "") !== "") {
      const found = this.#caches.secrets.get(`${namespace}/${selector.name ?? ""}`);
      if (found !== undefined) return [found as Secret & KubeObject];
      const pushedBefore = Object.keys(ps.status?.syncedPushSecrets ?? {}).length > 0;
      if (ps.spec.deletionPolicy === "Delete" && pushedBefore) return "deleted";
      throw new PushFailure(
        `could not get source secret: secret "${namespace}/${selector.name ?? ""}" not found`,
      );
    }
    return this.#caches.secrets
      .byNamespace(namespace)
      .filter((secret) =>
        selector.selector === undefined
          ? false
          : matchesLabelSelector(selector.selector, secret.metadata?.labels),
      )
      .sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1)) as (Secret &
      KubeObject)[];
  }

  // The named source is gone under deletionPolicy Delete: clean the remote up (spec §9).
  async #sourceDeleted(ps: PushSecret, raw: KubeObject): Promise<undefined> {
    await this.#deleteRemote(ps, ps.status?.syncedPushSecrets ?? {});
    const now = new Date(this.#rt.now()).toISOString();
    await this.#writeStatus(ps, {
      ...ps.status,
      syncedPushSecrets: {},
      conditions: setCondition(
        ps.status?.conditions,
        {
          type: "Ready",
          status: "False",
          reason: PushReason.sourceDeleted,
          message: PushMessage.sourceDeleted,
        },
        now,
      ),
    });
    this.#rt.events.event(raw, "Warning", PushReason.sourceDeleted, PushMessage.sourceDeleted);
    this.#rt.metrics.condition("pushsecret", metricObject(ps), "Ready", "False");
    return undefined;
  }

  async #pushToStores(
    ps: PushSecret,
    sources: readonly (Secret & KubeObject)[],
  ): Promise<{ synced: Record<string, Record<string, PushSecretData>>; unchanged: boolean }> {
    const synced: Record<string, Record<string, PushSecretData>> = {};
    let unchanged = false;
    const payloads = await Promise.all(sources.map((source) => this.#payload(ps, source)));
    for (const store of this.#stores(ps)) {
      const provider = await this.#provider(ps, store);
      const entries: Record<string, PushSecretData> = {};
      for (const payload of payloads) {
        for (const item of pushItems(ps, payload)) {
          const remoteRef = item.data.match.remoteRef;
          const entryKey = pushEntryKey(item.data);
          try {
            if (
              ps.spec.updatePolicy === "IfNotExists" &&
              (await provider.secretExists(remoteRef))
            ) {
              unchanged = true;
            } else {
              await provider.pushSecret(item.source, {
                remoteRef,
                ...(item.data.match.secretKey === undefined || item.data.match.secretKey === ""
                  ? {}
                  : { secretKey: item.data.match.secretKey }),
                ...(item.data.metadata === undefined ? {} : { metadata: item.data.metadata }),
              });
            }
          } catch (error) {
            throw new PushFailure(
              `set secret failed: could not write remote ref ${entryKey} to target secretstore ${store.metadata.name}: ${redactValues((error as Error).message, payload.values())}`,
              { cause: error },
            );
          }
          entries[entryKey] = item.data;
        }
      }
      synced[storeStatusKey(store)] = entries;
    }
    return { synced, unchanged };
  }

  // The data a source Secret pushes: its own data, with templated keys added or overriding.
  async #payload(ps: PushSecret, source: Secret & KubeObject): Promise<Map<string, Uint8Array>> {
    const data = secretData(source);
    const template = ps.spec.template;
    if (template === undefined) return data;
    const target = { data: new Map(data), labels: {}, annotations: {} };
    const sources = await fetchTemplateSources(
      this.#rt.api,
      ps.metadata.namespace,
      template,
      this.#context.signal,
    );
    try {
      renderTemplateInto(template, data, target, sources, this.#rt.render);
    } catch (error) {
      throw new PushFailure(redactValues((error as Error).message, data.values()), {
        cause: error,
      });
    }
    return target.data;
  }

  #stores(ps: PushSecret): SecretStore[] {
    const candidates = [
      ...this.#caches.secretStores.byNamespace(ps.metadata.namespace),
      ...this.#caches.clusterSecretStores.list(),
    ].flatMap((raw) => {
      try {
        return [parseSecretStore(raw)];
      } catch {
        return [];
      }
    });
    return selectPushStores(ps, candidates, this.#rt.controllerClass);
  }

  async #provider(ps: PushSecret, store: SecretStore): Promise<SecretsProvider> {
    const namespace = ps.metadata.namespace;
    const problem = storeAccessProblem(
      { name: store.metadata.name, kind: store.kind },
      store,
      this.#rt.lookups.namespace(namespace),
      { controllerClass: this.#rt.controllerClass, floodGate: false },
    );
    if (problem !== undefined) throw new PushFailure(problem);
    const client = await this.#rt.clients.get(store, namespace);
    return client.forPush(pushOwnerIdentity(this.#rt.clusterName, ps));
  }

  // Deletes remote entries (deletionPolicy Delete), per "<Kind>/<name>" store key.
  async #deleteRemote(
    ps: PushSecret,
    entries: Readonly<Record<string, Readonly<Record<string, PushSecretData>>>>,
  ): Promise<void> {
    for (const [storeKey, byEntry] of Object.entries(entries)) {
      const slash = storeKey.indexOf("/");
      const kind =
        storeKey.slice(0, slash) === "ClusterSecretStore" ? "ClusterSecretStore" : "SecretStore";
      const store = this.#rt.lookups.store(kind, ps.metadata.namespace, storeKey.slice(slash + 1));
      if (store === undefined) continue;
      const provider = await this.#provider(ps, store);
      for (const data of Object.values(byEntry)) await provider.deleteSecret(data.match.remoteRef);
    }
  }

  async #setFinalizers(ps: PushSecret, finalizers: string[]): Promise<PushSecret> {
    const patched = await this.#rt.api.patch(
      psRef(ps),
      { metadata: { finalizers, resourceVersion: ps.metadata.resourceVersion } },
      "merge",
      { signal: this.#context.signal },
    );
    return {
      ...ps,
      metadata: {
        ...ps.metadata,
        finalizers,
        ...(patched.metadata?.resourceVersion === undefined
          ? {}
          : { resourceVersion: patched.metadata.resourceVersion }),
      },
    };
  }

  async #writeStatus(ps: PushSecret, status: PushSecretStatus): Promise<void> {
    if (JSON.stringify(ps.status ?? {}) === JSON.stringify(status)) return;
    await replaceStatus(this.#rt.api, psRef(ps), status, this.#context.signal);
  }
}

function metricObject(ps: PushSecret): { name: string; namespace: string } {
  return { name: ps.metadata.name, namespace: ps.metadata.namespace };
}
