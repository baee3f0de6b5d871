import {
  isAlreadyExists,
  type CacheReader,
  type KubeObject,
  type ObjectRef,
  type ReconcileContext,
  type ReconcileOutcome,
  type Reconciler,
} from "../../kube/index.js";
import { replaceStatus } from "./api-client.js";
import type { TemplateSources } from "./apply-template.js";
import { EsEvent, EsMessage, EsReason, setCondition } from "./conditions.js";
import {
  fetchProviderData,
  type ProviderData,
  type ReaderResolver,
  type SecretsReader,
} from "./data-pipeline.js";
import {
  desiredSecret,
  MutationError,
  MutationFailure,
  planSecretWrite,
  secretData,
  targetSecretName,
} from "./desired-secret.js";
import { Finalizers, Labels } from "./labels.js";
import { createdByHash, fieldManagerFor } from "./object-hash.js";
import { parsedOnce } from "./parse-common.js";
import { parseExternalSecret } from "./parse-external-secret.js";
import {
  isTargetValid,
  nextRefreshDelay,
  refreshDecision,
  refreshIntervalMs,
  type RefreshCause,
} from "./refresh.js";
import type { EsoRuntime } from "./runtime.js";
import { withReadFreshness } from "./shared-reads.js";
import { fetchTemplateSources } from "./template-sources.js";
import { doneStatus, redactValues } from "./status.js";
import { isManagedStore, storeAccessProblem } from "./store-access.js";
import {
  apiVersionV1,
  type ExternalSecret,
  type ExternalSecretStatus,
  type Secret,
  type SecretStoreRef,
} from "./types.js";

/** The informer caches the ExternalSecret reconciler reads. */
export interface ExternalSecretCaches {
  readonly externalSecrets: CacheReader<KubeObject>;
  /**
   * Secrets labelled `reconcile.external-secrets.io/managed=true`, indexed by
   * {@link createdByIndex}.
   */
  readonly managedSecrets: CacheReader<KubeObject>;
}

/** The managed-Secret cache index on the created-by label (orphan cleanup after a rename). */
export const createdByIndex = "created-by";

/** Index function for {@link createdByIndex}: `<namespace>/<created-by label>`. */
export function createdByIndexValues(secret: KubeObject): string[] {
  const value = secret.metadata?.labels?.[Labels.createdBy];
  return value === undefined ? [] : [`${secret.metadata?.namespace ?? ""}/${value}`];
}

/** A failure that ends a reconcile with upstream's condition; `retry` says whether to back off. */
class SyncFailure extends Error {
  readonly conditionMessage: string;
  readonly retry: boolean;

  constructor(conditionMessage: string, detail: string, retry: boolean, cause?: unknown) {
    super(detail, cause === undefined ? undefined : { cause });
    this.conditionMessage = conditionMessage;
    this.retry = retry;
  }
}

const secretsApi = { apiVersion: "v1", kind: "Secret" } as const;

function esRef(es: ExternalSecret): ObjectRef {
  return {
    apiVersion: apiVersionV1,
    kind: "ExternalSecret",
    namespace: es.metadata.namespace,
    name: es.metadata.name,
  };
}

function metricObject(es: ExternalSecret): {
  name: string;
  namespace: string;
  labels?: Readonly<Record<string, string>>;
} {
  return {
    name: es.metadata.name,
    namespace: es.metadata.namespace,
    ...(es.metadata.labels === undefined ? {} : { labels: es.metadata.labels }),
  };
}

/** Every store an ExternalSecret reads from (spec.secretStoreRef and each sourceRef.storeRef). */
export function referencedStores(es: ExternalSecret): SecretStoreRef[] {
  const refs: SecretStoreRef[] = [];
  if (es.spec.secretStoreRef !== undefined) refs.push(es.spec.secretStoreRef);
  for (const entry of [...(es.spec.data ?? []), ...(es.spec.dataFrom ?? [])]) {
    const ref = entry.sourceRef?.storeRef;
    if (ref !== undefined) refs.push(ref);
  }
  return refs;
}

/**
 * The ExternalSecret reconciler (ESO's `Reconcile`, spec §4): finalizer and deletion, controller
 * class, refresh decision with jitter, the provider data pipeline through cached per-store clients
 * and shared reads, the Secret mutation with ESO's labels, annotations, hash and field manager,
 * the creation/deletion policies, orphan cleanup after a target rename, the immutable rule,
 * status and events with upstream's reasons, and ESO's metrics. A provider error never touches
 * the Secret: the last good data stays, Ready turns False with the reason, and the key is
 * retried with backoff.
 */
export function externalSecretReconciler(rt: EsoRuntime, caches: ExternalSecretCaches): Reconciler {
  const reconciler = new ExternalSecretReconciler(rt, caches);
  return (key, context) => reconciler.reconcile(key, context);
}

class ExternalSecretReconciler {
  readonly #rt: EsoRuntime;
  readonly #caches: ExternalSecretCaches;
  readonly #parse = parsedOnce(parseExternalSecret);

  constructor(rt: EsoRuntime, caches: ExternalSecretCaches) {
    this.#rt = rt;
    this.#caches = caches;
  }

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileOutcome | undefined> {
    const raw = this.#caches.externalSecrets.get(key);
    if (raw === undefined) {
      this.#rt.metrics.forget("externalsecret", {
        name: context.name,
        namespace: context.namespace ?? "",
      });
      return undefined;
    }
    const started = this.#rt.now();
    let es: ExternalSecret;
    try {
      es = this.#parse(raw);
    } catch (error) {
      await this.#markInvalid(raw, error as Error, context);
      return undefined;
    }
    try {
      return await this.#reconcile(es, raw, context, started);
    } finally {
      this.#rt.metrics.duration("externalsecret", metricObject(es), this.#rt.now() - started);
    }
  }

  async #reconcile(
    parsed: ExternalSecret,
    raw: KubeObject,
    context: ReconcileContext,
    started: number,
  ): Promise<ReconcileOutcome | undefined> {
    let es = parsed;
    if (es.metadata.deletionTimestamp !== undefined) {
      await this.#finalize(es, context);
      return undefined;
    }
    if (!(es.metadata.finalizers ?? []).includes(Finalizers.externalSecret)) {
      es = await this.#addFinalizer(es, context);
    }
    const stores = referencedStores(es);
    if (!this.#rt.clusterStoreEnabled && stores.some((ref) => ref.kind === "ClusterSecretStore"))
      return undefined;
    if (!this.#sameControllerClass(es, stores)) return undefined;
    const existing = this.#cachedTarget(es);
    const decision = refreshDecision(
      es,
      isTargetValid(existing, es),
      { now: this.#rt.now(), startedAt: this.#rt.startedAt },
      this.#rt.jitter,
    );
    if (!decision.sync) {
      return decision.requeueAfterMs === undefined
        ? undefined
        : { requeueAfter: decision.requeueAfterMs };
    }
    try {
      return await this.#sync(es, raw, existing, decision.cause, context, started);
    } catch (error) {
      if (!(error instanceof SyncFailure)) throw error;
      await this.#fail(es, raw, error, context, existing);
      if (error.retry) throw error;
      return undefined;
    }
  }

  /** The target Secret as the managed-Secret cache has it (undefined when absent or unlabelled). */
  #cachedTarget(es: ExternalSecret): Secret | undefined {
    const found = this.#caches.managedSecrets.get(
      `${es.metadata.namespace}/${targetSecretName(es)}`,
    );
    return found as Secret | undefined;
  }

  async #sync(
    es: ExternalSecret,
    raw: KubeObject,
    cached: Secret | undefined,
    cause: RefreshCause | undefined,
    context: ReconcileContext,
    started: number,
  ): Promise<ReconcileOutcome | undefined> {
    const startedAt = new Date(started).toISOString();
    const creationPolicy = es.spec.target?.creationPolicy ?? "Owner";
    const deletionPolicy = es.spec.target?.deletionPolicy ?? "Retain";
    const provider = await this.#fetch(es, cause);
    for (const event of provider.events)
      this.#rt.events.event(raw, event.type, event.reason, event.message);
    if (creationPolicy === "None") {
      return this.#done(es, EsReason.synced, EsMessage.synced, startedAt, undefined, context);
    }
    if (provider.data.size === 0 && deletionPolicy !== "Merge") {
      return deletionPolicy === "Delete"
        ? this.#deleteForEmptyData(es, raw, cached, startedAt, context)
        : this.#done(es, EsReason.synced, EsMessage.syncedRetain, startedAt, undefined, context);
    }
    if (creationPolicy === "Owner") await this.#deleteOrphans(es, raw, context);
    let existing = cached;
    if (
      existing === undefined &&
      (creationPolicy === "Merge" || creationPolicy === "CreateOrMerge")
    )
      existing = await this.#readTarget(es, context);
    if (existing === undefined && creationPolicy === "Merge") {
      return this.#done(es, EsReason.missing, EsMessage.missing, startedAt, undefined, context);
    }
    const sources = await this.#templateSources(es, context);
    await this.#write(es, raw, existing, provider, sources, context);
    return this.#done(
      es,
      EsReason.synced,
      EsMessage.synced,
      startedAt,
      targetSecretName(es),
      context,
    );
  }

  async #fetch(es: ExternalSecret, cause: RefreshCause | undefined): Promise<ProviderData> {
    // A forced sync (spec or annotation change) reads afresh; any other may share a recent read
    // of the same path, at most a tenth of the refresh interval old (see the ADR).
    const maxAgeMs =
      cause === "specChanged"
        ? 0
        : Math.min(
            this.#rt.readCacheMaxAgeMs,
            Math.max(0, refreshIntervalMs(es)) * this.#rt.jitter.earlyFraction,
          );
    try {
      return await withReadFreshness({ maxAgeMs }, () =>
        fetchProviderData(es, this.#resolver(es), this.#rt.render),
      );
    } catch (error) {
      throw new SyncFailure(EsMessage.errorGetSecretData, (error as Error).message, true, error);
    }
  }

  #resolver(es: ExternalSecret): ReaderResolver {
    const namespace = es.metadata.namespace;
    return async (ref) => {
      const kind = ref.kind ?? "SecretStore";
      let store;
      try {
        store = this.#rt.lookups.store(kind, namespace, ref.name);
      } catch (error) {
        throw new Error(
          `could not get ${kind} ${JSON.stringify(ref.name)}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      const problem = storeAccessProblem(ref, store, this.#rt.lookups.namespace(namespace), {
        controllerClass: this.#rt.controllerClass,
        floodGate: this.#rt.floodGate,
      });
      if (problem !== undefined || store === undefined) throw new Error(problem);
      const client = await this.#rt.clients.get(store, namespace);
      return forgetOnAuthError(client.provider, (error) => {
        this.#rt.clients.forgetOnAuthError(store, namespace, error);
      });
    };
  }

  #sameControllerClass(es: ExternalSecret, refs: readonly SecretStoreRef[]): boolean {
    return refs.every((ref) => {
      try {
        const store = this.#rt.lookups.store(
          ref.kind ?? "SecretStore",
          es.metadata.namespace,
          ref.name,
        );
        return store === undefined || isManagedStore(store, this.#rt.controllerClass);
      } catch {
        // A malformed store is reported by the data fetch, not skipped.
        return true;
      }
    });
  }

  async #readTarget(es: ExternalSecret, context: ReconcileContext): Promise<Secret | undefined> {
    try {
      return await this.#rt.api.get<Secret & KubeObject>(
        { ...secretsApi, namespace: es.metadata.namespace, name: targetSecretName(es) },
        { signal: context.signal },
      );
    } catch (error) {
      throw new SyncFailure(EsMessage.errorUpdateSecret, (error as Error).message, true, error);
    }
  }

  async #templateSources(es: ExternalSecret, context: ReconcileContext): Promise<TemplateSources> {
    try {
      return await fetchTemplateSources(
        this.#rt.api,
        es.metadata.namespace,
        es.spec.target?.template,
        context.signal,
      );
    } catch (error) {
      throw new SyncFailure(EsMessage.errorUpdateSecret, (error as Error).message, true, error);
    }
  }

  // Mutate and write (spec §4.3, §4.5, §4.7); an optimistic create that finds the Secret already
  // there (unlabelled, so not in the cache) reads it and adopts it.
  async #write(
    es: ExternalSecret,
    raw: KubeObject,
    found: Secret | undefined,
    provider: ProviderData,
    sources: TemplateSources,
    context: ReconcileContext,
  ): Promise<void> {
    let existing = found;
    for (let attempt = 0; attempt < 2; attempt++) {
      const plan = planSecretWrite(existing, this.#desired(es, existing, provider, sources));
      const options = { fieldManager: fieldManagerFor(es.metadata.name), signal: context.signal };
      try {
        switch (plan.action) {
          case "none":
            return;
          case "create":
            await this.#rt.api.create(plan.secret as Secret & KubeObject, options);
            this.#rt.events.event(raw, "Normal", EsEvent.created.reason, EsEvent.created.message);
            return;
          case "update":
            await this.#rt.api.replace(plan.secret as Secret & KubeObject, options);
            this.#rt.events.event(raw, "Normal", EsEvent.updated.reason, EsEvent.updated.message);
            return;
          case "immutableConflict":
            if (plan.metadataUpdate !== undefined)
              await this.#rt.api.replace(plan.metadataUpdate as Secret & KubeObject, options);
            throw new SyncFailure(
              EsMessage.errorUpdateImmutable,
              "the target Secret is immutable and its data would change",
              false,
            );
        }
      } catch (error) {
        if (error instanceof SyncFailure) throw error;
        if (plan.action === "create" && isAlreadyExists(error) && attempt === 0) {
          existing = await this.#readTarget(es, context);
          continue;
        }
        throw new SyncFailure(EsMessage.errorUpdateSecret, (error as Error).message, true, error);
      }
    }
  }

  #desired(
    es: ExternalSecret,
    existing: Secret | undefined,
    provider: ProviderData,
    sources: TemplateSources,
  ): Secret {
    try {
      return desiredSecret(existing, es, provider.data, {
        render: this.#rt.render,
        templateSources: sources,
      });
    } catch (error) {
      if (!(error instanceof MutationError)) throw error;
      const message =
        error.failure === MutationFailure.isOwned
          ? EsMessage.errorIsOwned
          : error.failure === MutationFailure.setControllerRef
            ? EsMessage.errorBecomeOwner
            : EsMessage.errorUpdateSecret;
      throw new SyncFailure(
        message,
        redactValues(error.message, provider.data.values()),
        error.failure === MutationFailure.template,
        error,
      );
    }
  }

  // Empty data under deletionPolicy Delete (spec §4.2 step 9): only an Owner may delete.
  async #deleteForEmptyData(
    es: ExternalSecret,
    raw: KubeObject,
    cached: Secret | undefined,
    startedAt: string,
    context: ReconcileContext,
  ): Promise<ReconcileOutcome | undefined> {
    if ((es.spec.target?.creationPolicy ?? "Owner") !== "Owner") {
      throw new SyncFailure(
        EsMessage.errorDeleteSecret,
        "deletionPolicy Delete requires creationPolicy Owner",
        false,
      );
    }
    try {
      const deleted = await this.#rt.api.delete(
        { ...secretsApi, namespace: es.metadata.namespace, name: targetSecretName(es) },
        {
          signal: context.signal,
          ...(cached?.metadata.uid === undefined
            ? {}
            : { preconditions: { uid: cached.metadata.uid } }),
        },
      );
      if (deleted)
        this.#rt.events.event(raw, "Normal", EsEvent.deleted.reason, EsEvent.deleted.message);
    } catch (error) {
      throw new SyncFailure(EsMessage.errorDeleteSecret, (error as Error).message, true, error);
    }
    return this.#done(es, EsReason.deleted, EsMessage.deleted, startedAt, undefined, context);
  }

  // Owner: Secrets this ES created under another name (after a target rename) go (spec §4.6).
  async #deleteOrphans(
    es: ExternalSecret,
    raw: KubeObject,
    context: ReconcileContext,
  ): Promise<void> {
    const hash = createdByHash(es.metadata.namespace, es.metadata.name);
    const target = targetSecretName(es);
    const orphans = this.#caches.managedSecrets
      .byIndex(createdByIndex, `${es.metadata.namespace}/${hash}`)
      .filter((secret) => secret.metadata?.name !== target);
    for (const orphan of orphans) {
      try {
        const deleted = await this.#rt.api.delete(
          { ...secretsApi, namespace: es.metadata.namespace, name: orphan.metadata?.name ?? "" },
          { signal: context.signal },
        );
        if (deleted) {
          this.#rt.events.event(
            raw,
            "Normal",
            EsEvent.deletedOrphaned.reason,
            EsEvent.deletedOrphaned.message,
          );
        }
      } catch (error) {
        throw new SyncFailure(EsMessage.errorDeleteOrphaned, (error as Error).message, true, error);
      }
    }
  }

  async #addFinalizer(es: ExternalSecret, context: ReconcileContext): Promise<ExternalSecret> {
    const finalizers = [...(es.metadata.finalizers ?? []), Finalizers.externalSecret];
    const patched = await this.#rt.api.patch(
      esRef(es),
      { metadata: { finalizers, resourceVersion: es.metadata.resourceVersion } },
      "merge",
      { signal: context.signal },
    );
    return {
      ...es,
      metadata: {
        ...es.metadata,
        finalizers,
        ...(patched.metadata?.resourceVersion === undefined
          ? {}
          : { resourceVersion: patched.metadata.resourceVersion }),
      },
    };
  }

  // ES deletion (spec §4.10): under deletionPolicy Delete the Secret goes if this ES controls it;
  // then the finalizer is removed.
  async #finalize(es: ExternalSecret, context: ReconcileContext): Promise<void> {
    const finalizers = es.metadata.finalizers ?? [];
    if (!finalizers.includes(Finalizers.externalSecret)) return;
    if (es.spec.target?.deletionPolicy === "Delete") {
      const target = this.#cachedTarget(es) ?? (await this.#readTarget(es, context));
      const owner = target?.metadata.ownerReferences?.find((ref) => ref.controller === true);
      if (
        target !== undefined &&
        owner?.kind === "ExternalSecret" &&
        owner.name === es.metadata.name &&
        (es.metadata.uid === undefined || owner.uid === es.metadata.uid)
      ) {
        await this.#rt.api.delete(
          { ...secretsApi, namespace: es.metadata.namespace, name: target.metadata.name },
          { signal: context.signal },
        );
      }
    }
    await this.#rt.api.patch(
      esRef(es),
      {
        metadata: {
          finalizers: finalizers.filter((name) => name !== Finalizers.externalSecret),
          resourceVersion: es.metadata.resourceVersion,
        },
      },
      "merge",
      { signal: context.signal },
    );
    this.#rt.metrics.forget("externalsecret", metricObject(es));
  }

  async #done(
    es: ExternalSecret,
    reason: (typeof EsReason)[keyof typeof EsReason],
    message: string,
    startedAt: string,
    bindingName: string | undefined,
    context: ReconcileContext,
  ): Promise<ReconcileOutcome | undefined> {
    const status = doneStatus(es, reason, message, startedAt, bindingName);
    await this.#writeStatus(es, status, context);
    this.#rt.metrics.syncCall(metricObject(es), false);
    this.#rt.metrics.condition("externalsecret", metricObject(es), "Ready", "True");
    const after = nextRefreshDelay(
      { ...es, status },
      { now: this.#rt.now(), startedAt: this.#rt.startedAt },
      this.#rt.jitter,
    );
    return after === undefined ? undefined : { requeueAfter: Math.max(1, after) };
  }

  async #fail(
    es: ExternalSecret,
    raw: KubeObject,
    failure: SyncFailure,
    context: ReconcileContext,
    existing: Secret | undefined,
  ): Promise<void> {
    // Providers and the template engine keep values out of their messages; redact anyway what
    // the last good Secret holds, in case one quotes it.
    const detail = redactValues(failure.message, secretData(existing).values());
    this.#rt.events.event(raw, "Warning", EsEvent.updateFailedReason, detail);
    this.#rt.log.warn(
      {
        namespace: es.metadata.namespace,
        name: es.metadata.name,
        reason: failure.conditionMessage,
      },
      detail,
    );
    const status: ExternalSecretStatus = {
      ...es.status,
      conditions: setCondition(
        es.status?.conditions,
        {
          type: "Ready",
          status: "False",
          reason: EsReason.syncedError,
          message: `${failure.conditionMessage}: ${detail}`,
        },
        new Date(this.#rt.now()).toISOString(),
      ),
    };
    await this.#writeStatus(es, status, context).catch((error: unknown) => {
      context.log.warn({ err: error }, "cannot write the failed status");
    });
    this.#rt.metrics.syncCall(metricObject(es), true);
    this.#rt.metrics.condition("externalsecret", metricObject(es), "Ready", "False");
  }

  async #writeStatus(
    es: ExternalSecret,
    status: ExternalSecretStatus,
    context: ReconcileContext,
  ): Promise<void> {
    if (JSON.stringify(es.status ?? {}) === JSON.stringify(status)) return;
    await replaceStatus(this.#rt.api, esRef(es), status, context.signal);
  }

  // An object the controller cannot read (it bypassed admission): Ready=False with the field.
  async #markInvalid(raw: KubeObject, error: Error, context: ReconcileContext): Promise<void> {
    const namespace = raw.metadata?.namespace ?? "";
    const name = raw.metadata?.name ?? "";
    this.#rt.events.event(raw, "Warning", EsEvent.updateFailedReason, error.message);
    const current = (raw.status as ExternalSecretStatus | undefined)?.conditions;
    const conditions = setCondition(
      Array.isArray(current) ? current : undefined,
      {
        type: "Ready",
        status: "False",
        reason: EsReason.syncedError,
        message: `${EsMessage.errorGetSecretData}: ${error.message}`,
      },
      new Date(this.#rt.now()).toISOString(),
    );
    if (JSON.stringify(conditions) === JSON.stringify(current)) return;
    await this.#rt.api
      .patchStatus(
        { apiVersion: raw.apiVersion ?? apiVersionV1, kind: "ExternalSecret", namespace, name },
        { status: { conditions } },
        "merge",
        { signal: context.signal },
      )
      .catch((writeError: unknown) => {
        context.log.warn({ err: writeError }, "cannot write the failed status");
      });
    this.#rt.metrics.condition("externalsecret", { name, namespace }, "Ready", "False");
  }
}

// A reader that reports credential refusals to the client cache.
function forgetOnAuthError(
  reader: SecretsReader,
  onError: (error: unknown) => void,
): SecretsReader {
  const guard = <T>(result: Promise<T>): Promise<T> =>
    result.catch((error: unknown) => {
      onError(error);
      throw error;
    });
  return {
    getSecret: (ref) => guard(reader.getSecret(ref)),
    getSecretMap: (ref) => guard(reader.getSecretMap(ref)),
    getAllSecrets: (find) => guard(reader.getAllSecrets(find)),
  };
}
