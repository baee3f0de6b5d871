import {
  ApplicationSetError,
  GitRepositories,
  RenderCache,
  generateApplications,
  readApplicationSet,
  type ApplicationSet,
  type ClusterSecret,
  type GenerateResult,
  type JsonObject,
} from "../../argocd/index.js";
import {
  isAlreadyExists,
  type CacheReader,
  type Clock,
  type EventRecorder,
  type KubeClient,
  type KubeObject,
  type ReconcileContext,
  type ReconcileOutcome,
} from "../../kube/index.js";
import {
  readControllerFields,
  refreshAnnotation,
  requeueAfterMs,
  type ControllerFields,
} from "./appset-fields.js";
import { readClusterSecrets } from "./cluster-secrets.js";
import {
  Reason,
  mergeConditions,
  outcomeConditions,
  storedConditions,
  type ReconcileOutcomeReport,
} from "./conditions.js";
import {
  argoApiVersion,
  isOwnedBy,
  planApplications,
  planUpdate,
  resourcesFinalizer,
  type AppSetRef,
  type ApplicationWrite,
  type Plan,
  type PlanInput,
} from "./plan.js";
import {
  allowsDelete,
  effectivePolicy,
  type ApplicationsSyncPolicy,
  type PolicySettings,
} from "./policy.js";
import { resourceStatuses, statusPatch } from "./status.js";

/** Argo CD re-queues an ApplicationSet this long after a generation or validation error. */
export const errorRequeueMs = 3 * 60_000;
/** Default poll interval of git generators (ARGOCD_APPLICATIONSET_CONTROLLER_REQUEUE_AFTER). */
export const defaultRequeueAfterMs = 3 * 60_000;

/** Settings of the ApplicationSet reconciler (the controller's flags, already parsed). */
export interface ReconcilerSettings {
  /** The Argo CD namespace: ApplicationSets, cluster Secrets and AppProjects live here. */
  readonly namespace: string;
  readonly policy: PolicySettings;
  /** Refuse to delete more than this many Applications in one reconcile (none when absent). */
  readonly maxDeletions?: number;
  /** repoURL as written in ApplicationSets → path of a local git repository. */
  readonly repositories: ReadonlyMap<string, string>;
  readonly defaultRequeueAfterMs?: number;
  readonly globalPreservedAnnotations?: readonly string[];
  readonly globalPreservedLabels?: readonly string[];
  readonly newGitFileGlobbing?: boolean;
  readonly maxResourcesStatusCount?: number;
  /** Field manager of every write (Argo CD's controller is `argocd-applicationset-controller`). */
  readonly fieldManager?: string;
  readonly gitBinary?: string;
}

/** What the reconciler reads and writes through (informer caches, the client, events). */
export interface ReconcilerDeps {
  readonly client: KubeClient;
  readonly appSets: CacheReader<KubeObject>;
  readonly applications: CacheReader<KubeObject>;
  readonly clusterSecrets: CacheReader<KubeObject>;
  /** AppProjects of the Argo CD namespace; project names are not checked when absent. */
  readonly projects?: CacheReader<KubeObject>;
  readonly events: EventRecorder;
  readonly clock: Clock;
}

/** The error condition a reconcile step ends with. */
interface StepError {
  readonly reason: string;
  readonly message: string;
}

/** An ApplicationSet read and checked, with the controller's own fields. */
interface Prepared {
  readonly appSet: ApplicationSet;
  readonly fields: ControllerFields;
  readonly policy: ApplicationsSyncPolicy;
  readonly requeueMs: number;
}

/** Applications the reconcile wrote or deleted, to report them before the caches catch up. */
interface Written {
  readonly objects: Map<string, KubeObject>;
  readonly deleted: Set<string>;
}

/**
 * Reconciles one ApplicationSet into Applications (spec §2, §5): generate, validate, create or
 * update per policy, delete what is no longer generated (policy and `maxDeletions` permitting),
 * and report conditions and owned resources on the status. A generator or render error writes
 * no Application and deletes none. Reads come from informer caches; writes go through the client.
 */
export class ApplicationSetReconciler {
  readonly #settings: ReconcilerSettings;
  readonly #deps: ReconcilerDeps;
  readonly #fieldManager: string;
  readonly #renderCaches = new Map<string, { stamp: string; cache: RenderCache; size: number }>();

  constructor(settings: ReconcilerSettings, deps: ReconcilerDeps) {
    this.#settings = settings;
    this.#deps = deps;
    this.#fieldManager = settings.fieldManager ?? "argocd-applicationset-controller";
  }

  /** Reconciles the ApplicationSet `key` (`namespace/name`). Throws to be retried with backoff. */
  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileOutcome | undefined> {
    const object = this.#deps.appSets.get(key);
    if (object === undefined) {
      this.#renderCaches.delete(key);
      return undefined;
    }
    if (object.metadata?.deletionTimestamp !== undefined) {
      await this.#finishDeletion(object, context);
      return undefined;
    }
    let prepared: Prepared;
    try {
      prepared = this.#prepare(object);
    } catch (error) {
      if (!(error instanceof ApplicationSetError)) throw error;
      const message = `${error.field === "" ? "" : `${error.field}: `}${error.message}`;
      context.log.warn({ error: message }, "invalid ApplicationSet");
      await this.#writeStatus(
        object,
        {
          error: { reason: Reason.ApplicationGenerationFromParamsError, message },
          parametersGenerated: false,
        },
        {},
        context,
      );
      return undefined;
    }
    return this.#reconcilePrepared(object, prepared, context);
  }

  #prepare(object: KubeObject): Prepared {
    const appSet = readApplicationSet(object, this.#settings.namespace);
    const fields = readControllerFields(object as JsonObject);
    let policy: ApplicationsSyncPolicy;
    try {
      policy = effectivePolicy(fields.ownPolicy, this.#settings.policy);
    } catch (error) {
      throw new ApplicationSetError((error as Error).message, "spec.syncPolicy.applicationsSync");
    }
    const requeueMs = requeueAfterMs(
      appSet.generators,
      this.#settings.defaultRequeueAfterMs ?? defaultRequeueAfterMs,
    );
    return { appSet, fields, policy, requeueMs };
  }

  async #reconcilePrepared(
    object: KubeObject,
    prepared: Prepared,
    context: ReconcileContext,
  ): Promise<ReconcileOutcome | undefined> {
    const { clusters, problems } = readClusterSecrets(this.#deps.clusterSecrets.list());
    for (const problem of problems) context.log.warn({ problem }, "skipping a cluster Secret");
    const result = await this.#generate(object, prepared.appSet, clusters);
    for (const warning of result.warnings) context.log.warn({ warning }, "ApplicationSet warning");
    if (result.error !== undefined) {
      context.log.warn(
        { reason: result.error.reason, error: result.error.message },
        "generation failed; nothing written",
      );
      await this.#writeStatus(
        object,
        { error: result.error, parametersGenerated: false },
        {},
        context,
      );
      return { requeueAfter: errorRequeueMs };
    }
    const ref = appSetRef(object);
    const input: PlanInput = {
      appSet: ref,
      applications: result.applications,
      generatedNames: result.generatedNames,
      live: this.#liveApplications(ref.namespace),
      policy: prepared.policy,
      compare: {
        preservedAnnotations: [
          ...prepared.fields.preservedAnnotations,
          ...(this.#settings.globalPreservedAnnotations ?? []),
        ],
        preservedLabels: [
          ...prepared.fields.preservedLabels,
          ...(this.#settings.globalPreservedLabels ?? []),
        ],
        ignoreApplicationDifferences: prepared.fields.ignoreApplicationDifferences,
      },
      clusters,
      maxDeletions: this.#settings.maxDeletions,
    };
    const plan = planApplications(input);
    const written: Written = { objects: new Map(), deleted: new Set() };
    const writeError = await this.#performWrites(object, plan.writes, input, written, context);
    let error: StepError | undefined = writeError ?? validationError(result);
    if (writeError === undefined) {
      error = (await this.#performDeletions(object, plan, written, context)) ?? error;
      if (prepared.fields.refreshRequested)
        error = (await this.#removeRefreshAnnotation(object, context)) ?? error;
    }
    await this.#writeStatus(
      object,
      { ...(error === undefined ? {} : { error }), parametersGenerated: true },
      written,
      context,
    );
    if (writeError !== undefined) throw new Error(writeError.message);
    const requeue =
      prepared.requeueMs > 0 ? prepared.requeueMs : result.invalid.length > 0 ? errorRequeueMs : 0;
    return requeue > 0 ? { requeueAfter: requeue } : undefined;
  }

  async #generate(
    object: KubeObject,
    appSet: ApplicationSet,
    clusters: ClusterSecret[],
  ): Promise<GenerateResult> {
    // A new reader per reconcile: revisions are resolved afresh each time (a poll must see new
    // commits), while objects are read from the repositories without a checkout.
    const git = new GitRepositories(this.#settings.repositories, this.#settings.gitBinary);
    try {
      const projects = this.#deps.projects?.list().map((p) => p.metadata?.name ?? "");
      return await generateApplications(appSet, {
        clusterSecrets: clusters,
        git,
        newGitFileGlobbing: this.#settings.newGitFileGlobbing ?? false,
        ...(projects === undefined ? {} : { projects }),
        renderCache: this.#renderCache(object),
      });
    } finally {
      await git.close();
    }
  }

  /**
   * The render memo of an ApplicationSet, renewed when its spec changes (a new generation) or
   * when it has grown well past what the last generation needed, so it cannot grow without end.
   */
  #renderCache(object: KubeObject): RenderCache {
    const key = `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
    const stamp = `${object.metadata?.uid ?? ""}/${String(object.metadata?.generation ?? "")}`;
    const entry = this.#renderCaches.get(key);
    if (entry?.stamp === stamp && entry.cache.size <= 2 * entry.size + 100) {
      entry.size = Math.max(entry.size, entry.cache.size);
      return entry.cache;
    }
    const cache = new RenderCache();
    this.#renderCaches.set(key, { stamp, cache, size: 0 });
    return cache;
  }

  #liveApplications(namespace: string): Map<string, KubeObject> {
    const live = new Map<string, KubeObject>();
    for (const app of this.#deps.applications.byNamespace(namespace))
      live.set(app.metadata?.name ?? "", app);
    return live;
  }

  async #performWrites(
    object: KubeObject,
    writes: readonly ApplicationWrite[],
    input: PlanInput,
    written: Written,
    context: ReconcileContext,
  ): Promise<StepError | undefined> {
    let first: StepError | undefined;
    for (const write of writes) {
      try {
        const done = await this.#write(object, write, input, context);
        if (done !== undefined) written.objects.set(write.name, done);
      } catch (error) {
        const reason =
          write.kind === "create" ? Reason.CreateApplicationError : Reason.UpdateApplicationError;
        const message = error instanceof Error ? error.message : String(error);
        context.log.error(
          { app: write.name, error: message },
          `failed to ${write.kind} Application`,
        );
        first ??= { reason: write.kind === "fail" ? write.reason : reason, message };
      }
    }
    return first;
  }

  /** Performs one write; returns the stored object, or undefined when nothing was written. */
  async #write(
    object: KubeObject,
    write: ApplicationWrite,
    input: PlanInput,
    context: ReconcileContext,
  ): Promise<KubeObject | undefined> {
    const options = { signal: context.signal, fieldManager: this.#fieldManager };
    if (write.kind === "fail") throw new Error(write.message);
    if (write.kind === "update") {
      const stored = await this.#deps.client.patch(
        appRef(input.appSet.namespace, write.name),
        write.patch,
        "merge",
        options,
      );
      this.#record(object, "Normal", "updated", `updated Application "${write.name}"`);
      return stored;
    }
    try {
      const stored = await this.#deps.client.create(write.object, options);
      this.#record(object, "Normal", "created", `created Application "${write.name}"`);
      return stored;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    // The cache had not seen it yet: compare with the stored object instead.
    const live = await this.#deps.client.get(appRef(input.appSet.namespace, write.name), {
      signal: context.signal,
    });
    const generated = input.applications.find(
      (app) => (app.metadata as { name?: string } | undefined)?.name === write.name,
    );
    if (live === undefined || generated === undefined)
      throw new Error(`Application "${write.name}" changed while it was created; retrying`);
    const update = planUpdate(live, generated, input);
    return update === undefined ? undefined : this.#write(object, update, input, context);
  }

  async #performDeletions(
    object: KubeObject,
    plan: Plan,
    written: Written,
    context: ReconcileContext,
  ): Promise<StepError | undefined> {
    const blocked = plan.blockedDeletions;
    if (blocked !== undefined) {
      const shown = blocked.names.slice(0, 10).join(", ");
      const more = blocked.names.length > 10 ? ` and ${blocked.names.length - 10} more` : "";
      const message = `refusing to delete ${blocked.names.length} Applications, more than --max-deletions ${blocked.limit} allows in one reconcile: ${shown}${more}`;
      context.log.warn(
        { count: blocked.names.length, limit: blocked.limit },
        "deletions blocked by --max-deletions",
      );
      this.#record(object, "Warning", "DeletionsBlocked", message);
      return { reason: Reason.DeleteApplicationError, message };
    }
    const namespace = object.metadata?.namespace ?? "";
    for (const deletion of plan.deletions) {
      try {
        if (deletion.finalizers !== undefined) {
          await this.#deps.client.patch(
            appRef(namespace, deletion.name),
            {
              metadata: {
                finalizers: deletion.finalizers.length === 0 ? null : deletion.finalizers,
              },
            },
            "merge",
            { signal: context.signal, fieldManager: this.#fieldManager },
          );
          this.#record(
            object,
            "Normal",
            "Updated",
            `Updated Application "${deletion.name}" finalizer before deletion, because application has an invalid destination`,
          );
        }
        await this.#deps.client.delete(appRef(namespace, deletion.name), {
          signal: context.signal,
          preconditions: { uid: deletion.uid },
        });
        written.deleted.add(deletion.name);
        this.#record(object, "Normal", "Deleted", `Deleted Application "${deletion.name}"`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        context.log.error({ app: deletion.name, error: message }, "failed to delete Application");
        return { reason: Reason.DeleteApplicationError, message };
      }
    }
    return undefined;
  }

  async #removeRefreshAnnotation(
    object: KubeObject,
    context: ReconcileContext,
  ): Promise<StepError | undefined> {
    try {
      await this.#deps.client.patch(
        appSetObjectRef(object),
        { metadata: { annotations: { [refreshAnnotation]: null } } },
        "merge",
        { signal: context.signal, fieldManager: this.#fieldManager },
      );
      return undefined;
    } catch (error) {
      return { reason: Reason.RefreshApplicationError, message: (error as Error).message };
    }
  }

  /**
   * An ApplicationSet being deleted (it carries a finalizer): when the policy forbids deleting
   * Applications, its owner reference is taken off them so garbage collection keeps them; then
   * the resources finalizer is removed from the ApplicationSet (spec §2 step 1).
   */
  async #finishDeletion(object: KubeObject, context: ReconcileContext): Promise<void> {
    const options = { signal: context.signal, fieldManager: this.#fieldManager };
    let policy = this.#settings.policy.policy;
    try {
      policy = effectivePolicy(
        readControllerFields(object as JsonObject).ownPolicy,
        this.#settings.policy,
      );
    } catch {
      // A malformed policy field: the controller's own policy decides.
    }
    const ref = appSetRef(object);
    if (!allowsDelete(policy)) {
      for (const app of this.#liveApplications(ref.namespace).values()) {
        if (!isOwnedBy(app, ref.name)) continue;
        const owners = (app.metadata?.ownerReferences ?? []).filter(
          (owner) => !(owner.kind === "ApplicationSet" && owner.name === ref.name),
        );
        await this.#deps.client.patch(
          appRef(ref.namespace, app.metadata?.name ?? ""),
          { metadata: { ownerReferences: owners.length === 0 ? null : owners } },
          "merge",
          options,
        );
        context.log.info(
          { app: app.metadata?.name },
          "kept Application of a deleted ApplicationSet (policy forbids deletion)",
        );
      }
    }
    const finalizers = object.metadata?.finalizers ?? [];
    if (finalizers.includes(resourcesFinalizer)) {
      const kept = finalizers.filter((f) => f !== resourcesFinalizer);
      await this.#deps.client.patch(
        appSetObjectRef(object),
        { metadata: { finalizers: kept.length === 0 ? null : kept } },
        "merge",
        options,
      );
    }
  }

  /** Writes conditions and owned resources to the status, only when they changed. */
  async #writeStatus(
    object: KubeObject,
    outcome: ReconcileOutcomeReport,
    written: Partial<Written>,
    context: ReconcileContext,
  ): Promise<void> {
    const ref = appSetRef(object);
    const owned = new Map<string, KubeObject>();
    for (const app of this.#liveApplications(ref.namespace).values())
      if (isOwnedBy(app, ref.name)) owned.set(app.metadata?.name ?? "", app);
    for (const [name, app] of written.objects ?? [])
      if (isOwnedBy(app, ref.name)) owned.set(name, app);
    for (const name of written.deleted ?? []) owned.delete(name);
    const now = new Date(this.#deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const conditions = mergeConditions(
      storedConditions(object.status),
      outcomeConditions(outcome),
      now,
    );
    const patch = statusPatch(
      object.status,
      conditions,
      resourceStatuses([...owned.values()], this.#settings.maxResourcesStatusCount),
    );
    if (patch === undefined) return;
    await this.#deps.client.patchStatus(appSetObjectRef(object), patch, "merge", {
      signal: context.signal,
      fieldManager: this.#fieldManager,
    });
  }

  #record(object: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void {
    this.#deps.events.event(
      { ...object, apiVersion: argoApiVersion, kind: "ApplicationSet" },
      type,
      reason,
      message,
    );
  }
}

/** The ErrorOccurred condition of validation failures, if any (spec §5.5). */
function validationError(result: GenerateResult): StepError | undefined {
  const condition = result.conditions.find(
    (c) => c.type === "ErrorOccurred" && c.status === "True",
  );
  return condition === undefined
    ? undefined
    : { reason: condition.reason, message: condition.message };
}

function appSetRef(object: KubeObject): AppSetRef {
  return {
    name: object.metadata?.name ?? "",
    namespace: object.metadata?.namespace ?? "",
    uid: object.metadata?.uid ?? "",
  };
}

function appRef(
  namespace: string,
  name: string,
): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: argoApiVersion, kind: "Application", namespace, name };
}

function appSetObjectRef(object: KubeObject): {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
} {
  return {
    apiVersion: argoApiVersion,
    kind: "ApplicationSet",
    namespace: object.metadata?.namespace ?? "",
    name: object.metadata?.name ?? "",
  };
}
