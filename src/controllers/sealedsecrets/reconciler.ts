// Reconciling one SealedSecret into its Secret (§7.8–7.11), with the in-sync shortcut of
// digest.ts: a Secret whose digest proves it matches the SealedSecret costs no RSA operation.
import {
  decodeSealedSecret,
  sealedSecretApiVersion,
  sealedSecretKind,
  unsealSealedSecret,
  type SealedSecret,
  type Secret,
} from "../../sealing/index.js";
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  splitKey,
  type Clock,
  type EventType,
  type KubeClient,
  type KubeObject,
  type Logger,
} from "../../kube/index.js";
import type { ControllerConfig } from "./config.js";
import {
  computeMac,
  digestAnnotation,
  formatDigest,
  parseDigest,
  producedData,
  verifyDigest,
} from "./digest.js";
import type { KeyRing } from "./keys.js";
import type { ControllerMetrics } from "./metrics.js";
import { mayManage, planSecret, type SecretPlan } from "./secret-plan.js";
import { nextStatus, type SealedSecretStatus } from "./status.js";
import type { Unsealer } from "./unseal-pool.js";

/** Event reasons and texts, as upstream's (§7.11). */
export const eventReasons = {
  unsealed: "Unsealed",
  unsealFailed: "ErrUnsealFailed",
  updateFailed: "ErrUpdateFailed",
} as const;

/** The message of the Normal `Unsealed` event. */
export const unsealedMessage = "SealedSecret unsealed successfully";

/** Where events go (kube's EventRecorder in production). */
export interface EventSink {
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}

/** A SealedSecret as the cache holds it: the raw object, with its status. */
export interface SealedSecretObject extends KubeObject {
  spec?: unknown;
  status?: SealedSecretStatus;
}

/** A reconcile that failed; `retry` false for errors a retry cannot fix (an immutable Secret). */
export class ReconcileError extends Error {
  readonly retry: boolean;

  constructor(message: string, retry = true, options?: ErrorOptions) {
    super(message, options);
    this.name = "ReconcileError";
    this.retry = retry;
  }
}

/** What one reconcile did, for tests and the benchmark. */
export interface ReconcileReport {
  /** RSA operations it made (0 when the digest proved the Secret in sync). */
  readonly rsaOperations: number;
  readonly secretWrite?: "create" | "update";
  readonly statusWritten: boolean;
}

/** What the reconciler needs from the controller. */
export interface ReconcilerDeps {
  readonly client: KubeClient;
  readonly config: ControllerConfig;
  readonly ring: KeyRing;
  readonly unsealer: Unsealer;
  readonly events: EventSink;
  readonly metrics: ControllerMetrics;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The cached SealedSecret of a key, or undefined when it is gone. */
  sealedSecret(key: string): SealedSecretObject | undefined;
  /** The Secret `namespace/name` as the controller last saw it (cache or GET). */
  secret(namespace: string, name: string, signal: AbortSignal): Promise<Secret | undefined>;
}

const immutableSuffix = "field is immutable when `immutable` is set";

function immutableMessage(key: string): string {
  return (
    `Error updating ${key}: the target Secret is immutable. Once a Secret is marked as immutable, ` +
    "it is not possible to revert this change nor to mutate the contents of the data field. " +
    "You can only delete and recreate the Secret."
  );
}

/**
 * Reconciles SealedSecrets one key at a time (the caller never runs two for one key). Remembers
 * which key opened each SealedSecret, so the next unseal tries it first.
 */
export class Reconciler {
  readonly #deps: ReconcilerDeps;
  /** SealedSecret uid → fingerprint of the key that opened it. */
  readonly #openedBy = new Map<string, string>();
  #rsaOperations = 0;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
  }

  /** RSA operations made by every reconcile so far (failed ones included). */
  get rsaOperations(): number {
    return this.#rsaOperations;
  }

  /** Forgets what was remembered about a deleted SealedSecret. */
  forget(uid: string): void {
    this.#openedBy.delete(uid);
  }

  /** The fingerprint of the key that last opened the SealedSecret `uid`. */
  openedBy(uid: string): string | undefined {
    return this.#openedBy.get(uid);
  }

  /**
   * Makes the Secret of `key` match its SealedSecret and records the outcome on its status.
   * @throws ReconcileError when unsealing or writing failed (the status says why)
   */
  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileReport> {
    const deps = this.#deps;
    deps.metrics.unsealRequest();
    const raw = deps.sealedSecret(key);
    if (raw === undefined) {
      await this.#gone(key, signal);
      return { rsaOperations: 0, statusWritten: false };
    }
    const object: SealedSecretObject = {
      ...raw,
      apiVersion: sealedSecretApiVersion,
      kind: sealedSecretKind,
    };
    let outcome: { rsaOperations: number; secretWrite?: "create" | "update" } = {
      rsaOperations: 0,
    };
    let failure: ReconcileError | undefined;
    try {
      outcome = await this.#sync(key, object, signal);
    } catch (error) {
      failure =
        error instanceof ReconcileError
          ? error
          : new ReconcileError((error as Error).message, true, { cause: error });
    }
    const statusWritten = await this.#writeStatus(object, failure?.message, signal);
    if (failure === undefined && (outcome.secretWrite !== undefined || statusWritten))
      deps.events.event(object, "Normal", eventReasons.unsealed, unsealedMessage);
    if (failure !== undefined) throw failure;
    return { ...outcome, statusWritten };
  }

  async #gone(key: string, signal: AbortSignal): Promise<void> {
    // The Secret carries an ownerReference: Kubernetes' garbage collector deletes it (§7.9).
    if (!this.#deps.config.oldGcBehavior) return;
    const { namespace, name } = splitKey(key);
    await this.#deps.client.delete(
      { apiVersion: "v1", kind: "Secret", namespace: namespace ?? "", name },
      { signal },
    );
  }

  async #sync(
    key: string,
    object: SealedSecretObject,
    signal: AbortSignal,
  ): Promise<{ rsaOperations: number; secretWrite?: "create" | "update" }> {
    const deps = this.#deps;
    const namespace = object.metadata?.namespace ?? "";
    const name = object.metadata?.name ?? "";
    const uid = object.metadata?.uid ?? "";
    let sealed: SealedSecret;
    try {
      sealed = decodeSealedSecret({ index: 1, value: object });
    } catch (error) {
      return this.#unsealFailed(object, (error as Error).message);
    }
    const existing = await deps.secret(namespace, name, signal);
    let unsealed: Secret;
    let rsaOperations = 0;
    const proven =
      existing !== undefined && mayManage(existing, uid)
        ? verifyDigest(sealed, existing.metadata.annotations, existing.data, (fingerprint) =>
            deps.ring.digestKey(fingerprint),
          )
        : undefined;
    let fingerprint: string | undefined;
    if (proven !== undefined) {
      deps.metrics.inSyncSkip();
      unsealed = { ...withoutItems(sealed), data: proven.data };
      fingerprint = proven.fingerprint;
    } else {
      const result = await deps.unsealer.unseal({
        sealed,
        hints: this.#hints(object, existing),
        acceptV1Data: deps.config.acceptV1Data,
      });
      rsaOperations = result.rsaOperations;
      this.#rsaOperations += rsaOperations;
      deps.metrics.rsaOperations(rsaOperations);
      if (!result.result.ok) return this.#unsealFailed(object, result.result.error);
      unsealed = result.result.secret;
      fingerprint = result.fingerprint ?? deps.ring.latest()?.fingerprint;
    }
    if (fingerprint !== undefined && uid !== "") this.#openedBy.set(uid, fingerprint);
    this.#addDigest(sealed, unsealed, fingerprint);
    const secretWrite = await this.#apply(key, object, unsealed, existing, signal);
    return { rsaOperations, ...(secretWrite === undefined ? {} : { secretWrite }) };
  }

  #unsealFailed(object: SealedSecretObject, error: string): never {
    const deps = this.#deps;
    deps.events.event(object, "Warning", eventReasons.unsealFailed, `Failed to unseal: ${error}`);
    deps.metrics.unsealError("unseal", object.metadata?.namespace ?? "");
    throw new ReconcileError(error);
  }

  /** Keys to try first: the one that opened it before, then the newest one when it was made. */
  #hints(object: SealedSecretObject, existing: Secret | undefined): string[] {
    const hints: string[] = [];
    const remembered = this.#openedBy.get(object.metadata?.uid ?? "");
    if (remembered !== undefined) hints.push(remembered);
    const fromDigest = parseDigest(existing?.metadata.annotations?.[digestAnnotation]);
    if (fromDigest !== undefined) hints.push(fromDigest.fingerprint);
    const created = Date.parse(object.metadata?.creationTimestamp ?? "");
    if (!Number.isNaN(created)) {
      // creationTimestamp has whole seconds: a key made in the same second may have sealed it.
      let best: { fingerprint: string; orderingTime: number } | undefined;
      for (const key of this.#deps.ring.keys()) {
        if (key.orderingTime > created + 999) continue;
        if (best === undefined || key.orderingTime > best.orderingTime) best = key;
      }
      if (best !== undefined) hints.push(best.fingerprint);
    }
    return hints;
  }

  #addDigest(sealed: SealedSecret, unsealed: Secret, fingerprint: string | undefined): void {
    if (fingerprint === undefined) return;
    const hmacKey = this.#deps.ring.digestKey(fingerprint);
    const data = producedData(sealed, unsealed.data);
    if (hmacKey === undefined || data === undefined) return;
    unsealed.metadata.annotations = {
      ...unsealed.metadata.annotations,
      [digestAnnotation]: formatDigest({ fingerprint, mac: computeMac(hmacKey, sealed, data) }),
    };
  }

  async #apply(
    key: string,
    object: SealedSecretObject,
    unsealed: Secret,
    existing: Secret | undefined,
    signal: AbortSignal,
  ): Promise<"create" | "update" | undefined> {
    const namespace = object.metadata?.namespace ?? "";
    const name = object.metadata?.name ?? "";
    const uid = object.metadata?.uid ?? "";
    let current = existing;
    // A stale cache shows up as AlreadyExists or Conflict: read the Secret again, plan again.
    for (let attempt = 0; ; attempt++) {
      const plan: SecretPlan = planSecret(current, unsealed, uid);
      try {
        return await this.#write(object, plan, signal);
      } catch (error) {
        const stale = isAlreadyExists(error) || isConflict(error);
        if (!stale || attempt >= 2) throw this.#updateFailed(key, object, error);
        current = await this.#fresh(namespace, name, signal);
      }
    }
  }

  async #fresh(namespace: string, name: string, signal: AbortSignal): Promise<Secret | undefined> {
    return this.#deps.client.get<Secret & KubeObject>(
      { apiVersion: "v1", kind: "Secret", namespace, name },
      { signal },
    );
  }

  async #write(
    object: SealedSecretObject,
    plan: SecretPlan,
    signal: AbortSignal,
  ): Promise<"create" | "update" | undefined> {
    const deps = this.#deps;
    const uid = object.metadata?.uid ?? "";
    switch (plan.action) {
      case "none":
        return undefined;
      case "unmanaged":
        deps.events.event(object, "Warning", eventReasons.updateFailed, plan.message);
        deps.metrics.unsealError("unmanaged", object.metadata?.namespace ?? "");
        throw new ReconcileError(`failed update: ${plan.message}`);
      case "create": {
        const created = await deps.client.create<Secret & KubeObject>(
          plan.secret as Secret & KubeObject,
          {
            signal,
          },
        );
        deps.metrics.secretWrite("create");
        // Upstream checks ownership after creating too: a Secret created without an owner
        // (skip-set-owner-references) and without `managed: "true"` is then refused (§9 item 10).
        if (!mayManage(created, uid)) {
          const message = `Resource ${JSON.stringify(created.metadata.name ?? "")} already exists and is not managed by SealedSecret`;
          deps.events.event(object, "Warning", eventReasons.updateFailed, message);
          deps.metrics.unsealError("unmanaged", object.metadata?.namespace ?? "");
          throw new ReconcileError(`failed update: ${message}`);
        }
        return "create";
      }
      case "update":
        await deps.client.replace<Secret & KubeObject>(plan.secret as Secret & KubeObject, {
          signal,
        });
        deps.metrics.secretWrite("update");
        return "update";
    }
  }

  #updateFailed(key: string, object: SealedSecretObject, error: unknown): ReconcileError {
    if (error instanceof ReconcileError) return error;
    const deps = this.#deps;
    const text = apiMessage(error);
    const immutable = text.endsWith(immutableSuffix);
    deps.events.event(
      object,
      "Warning",
      eventReasons.updateFailed,
      immutable ? immutableMessage(key) : text,
    );
    deps.metrics.unsealError("update", object.metadata?.namespace ?? "");
    return new ReconcileError(text, !immutable, { cause: error });
  }

  /** Writes the status per §7.10; returns whether it wrote. Failures are logged and counted. */
  async #writeStatus(
    object: SealedSecretObject,
    error: string | undefined,
    signal: AbortSignal,
  ): Promise<boolean> {
    const deps = this.#deps;
    if (!deps.config.updateStatus) {
      deps.metrics.observeCondition(object.metadata ?? {}, object.status);
      return false;
    }
    let target = object;
    for (let attempt = 0; attempt < 3; attempt++) {
      const decision = nextStatus(
        target.status,
        target.metadata?.generation ?? 0,
        error,
        deps.clock.now(),
      );
      if (!decision.write) {
        deps.metrics.observeCondition(target.metadata ?? {}, decision.status);
        return false;
      }
      try {
        await deps.client.updateStatus({ ...target, status: decision.status }, { signal });
        deps.metrics.observeCondition(target.metadata ?? {}, decision.status);
        return true;
      } catch (statusError) {
        if (isNotFound(statusError)) return false;
        if (!isConflict(statusError) || attempt === 2) {
          deps.logger.error(
            { err: statusError, key: keyOf(object) },
            "cannot update SealedSecret status",
          );
          deps.metrics.unsealError("status", object.metadata?.namespace ?? "");
          return false;
        }
        const fresh = await deps.client
          .get<SealedSecretObject>(refOf(object), { signal })
          .catch(() => undefined);
        if (fresh === undefined) return false;
        target = { ...fresh, apiVersion: sealedSecretApiVersion, kind: sealedSecretKind };
      }
    }
    return false;
  }
}

function keyOf(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

function refOf(object: KubeObject): {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
} {
  return {
    apiVersion: sealedSecretApiVersion,
    kind: sealedSecretKind,
    namespace: object.metadata?.namespace ?? "",
    name: object.metadata?.name ?? "",
  };
}

/** The server's message of an API error (what upstream shows in events), else the error text. */
function apiMessage(error: unknown): string {
  if (typeof error === "object" && error !== null && "serverMessage" in error) {
    const message = error.serverMessage;
    if (typeof message === "string" && message !== "") return message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The Secret unsealing gives, without its items: metadata, type, immutable and ownerReferences
 * from the template, through the same code as a full unseal, with nothing to decrypt.
 */
function withoutItems(sealed: SealedSecret): Secret {
  const template = sealed.spec.template;
  const shell: SealedSecret = {
    ...sealed,
    spec: {
      encryptedData: {},
      ...(template === undefined ? {} : { template: { ...template, data: null } }),
    },
  };
  const result = unsealSealedSecret(shell, []);
  if (!result.ok) throw new Error(`cannot build the Secret's metadata: ${result.error}`);
  return result.secret;
}
