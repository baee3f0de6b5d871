import { randomInt, randomUUID } from "node:crypto";
import { clone, deepEqual, deleteKey, objectAt, scalarText } from "./json.js";
import type { JsonObject } from "./json.js";
import { baseEntries, finishEntries, recordUpdate, rfc3339 } from "./managed-fields.js";
import type { ManagedEntry } from "./managed-fields.js";
import {
  deletionTimestampOf,
  finalizersOf,
  metadataOf,
  nameOf,
  resourceVersionOf,
  setFinalizers,
  uidOf,
} from "./object-meta.js";
import { apiVersionOf } from "./resource-type.js";
import type { ResourceType, WriteContext } from "./resource-type.js";
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  fieldError,
  forbidden,
  invalid,
  notFound,
  successStatus,
} from "./status.js";
import type { FieldError } from "./status.js";
import type { Store } from "./store.js";
import { validateObjectMeta } from "./validation.js";
import { checkTypeMeta, toServed, toStored } from "./versioning.js";
import type { DeleteOptions, WriteOptions } from "./write-options.js";

/** Metadata the server owns on create; client values are dropped. */
const serverOwnedOnCreate = [
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
  "selfLink",
];

/** Metadata carried from the stored object on every update. */
const carriedOnUpdate = [
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
];

const generateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
const namespacesKey = "/namespaces";

/** How an update records field ownership: as an Update by a manager, or entries apply computed. */
export type Ownership = { kind: "update" } | { kind: "apply"; entries: ManagedEntry[] };

/** The object a write addresses. */
export interface ObjectTarget {
  type: ResourceType;
  namespace: string;
  name: string;
  /** "" for the main resource, else status or finalize. */
  subresource: string;
}

/** The result of a write: the object as served, and the HTTP status to answer with. */
export interface WriteResult {
  object: JsonObject;
  status: number;
}

/**
 * The write path shared by every resource: create, update (PUT and patches once applied),
 * and delete with finalizers and propagation policies. Kind behaviour comes from the
 * ResourceType's hooks; storage and revisions from the Store.
 */
export class ObjectWrites {
  #store: Store;
  #clock: () => Date;

  constructor(store: Store, clock: () => Date = () => new Date()) {
    this.#store = store;
    this.#clock = clock;
  }

  /** The store this writes to. */
  get store(): Store {
    return this.#store;
  }

  /** The clock used for timestamps. */
  now(): Date {
    return this.#clock();
  }

  /**
   * Creates an object (POST).
   * @throws ApiError 400/403/404/405/409/422 as kube-apiserver would
   */
  create(
    type: ResourceType,
    namespace: string,
    body: JsonObject,
    options: WriteOptions,
    ownership: Ownership = { kind: "update" },
  ): WriteResult {
    if (type.terminating === true) {
      throw new ApiError(
        405,
        "MethodNotAllowed",
        "create not allowed while custom resource definition is terminating",
      );
    }
    const obj = clone(body);
    checkTypeMeta(type, obj);
    type.decode?.(obj);
    this.#checkNamespace(type, namespace, obj);
    const ctx = this.#context("", options);
    this.#pruneAndDefault(type, obj, options);
    const meta = metadataOf(obj);
    for (const key of serverOwnedOnCreate) deleteKey(meta, key);
    if (type.statusSubresource) delete obj.status;
    type.prepareCreate?.(obj, ctx);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(ctx.now);
    if (type.hasGeneration) meta.generation = 1;
    const generated = typeof meta.name !== "string" || meta.name === "";
    if (generated && typeof meta.generateName === "string" && meta.generateName !== "") {
      meta.name = this.#generateName(type, namespace, meta.generateName);
    }
    this.#validate(type, obj, undefined);
    if (ownership.kind === "apply") finishEntries(obj, ownership.entries, type.schema);
    else
      recordUpdate(
        undefined,
        obj,
        baseEntries(undefined, body),
        this.#fieldContext(type, "", options, ctx.now),
      );
    const scopeNamespace = type.namespaced ? namespace : "";
    if (this.#store.get(type.storageKey, scopeNamespace, nameOf(obj)) !== undefined) {
      const error = alreadyExists(type, nameOf(obj));
      if (!generated) throw error;
      throw new ApiError(
        409,
        "AlreadyExists",
        `${error.message}, the server was not able to generate a unique name for the object`,
        {
          ...error.details,
          retryAfterSeconds: 1,
        },
      );
    }
    if (options.dryRun) return { object: toServed(type, obj), status: 201 };
    const stored = this.#store.create(type.storageKey, toStored(type, obj));
    return { object: toServed(type, stored), status: 201 };
  }

  #generateName(type: ResourceType, namespace: string, prefix: string): string {
    const base = prefix.slice(0, 58);
    let candidate = base;
    for (let attempt = 0; attempt < 8; attempt++) {
      candidate = base;
      for (let i = 0; i < 5; i++)
        candidate += generateNameAlphabet[randomInt(generateNameAlphabet.length)] ?? "x";
      if (
        this.#store.get(type.storageKey, type.namespaced ? namespace : "", candidate) === undefined
      )
        break;
    }
    return candidate;
  }

  #checkNamespace(type: ResourceType, namespace: string, obj: JsonObject): void {
    const meta = metadataOf(obj);
    if (!type.namespaced) {
      delete meta.namespace;
      return;
    }
    if (
      typeof meta.namespace === "string" &&
      meta.namespace !== "" &&
      meta.namespace !== namespace
    ) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    meta.namespace = namespace;
    const ns = this.#store.get(namespacesKey, "", namespace);
    if (ns === undefined) throw notFound({ group: "", resource: "namespaces" }, namespace);
    if (deletionTimestampOf(ns) !== undefined) {
      throw forbidden(
        type,
        nameOf(obj),
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        [
          {
            reason: "NamespaceTerminating",
            field: "metadata.namespace",
            message: `namespace ${namespace} is being terminated`,
          },
        ],
      );
    }
  }

  #pruneAndDefault(type: ResourceType, obj: JsonObject, options: WriteOptions): void {
    if (type.prune !== undefined) {
      const unknown = type.prune(obj);
      if (unknown.length > 0 && options.fieldValidation === "Strict") {
        const list = unknown.map((f) => `unknown field "${f}"`).join(", ");
        throw badRequest(
          `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${list}`,
        );
      }
      if (options.fieldValidation === "Warn")
        options.warnings.push(...unknown.map((f) => `unknown field "${f}"`));
    }
    type.applyDefaults?.(obj);
  }

  #context(subresource: string, options: WriteOptions): WriteContext {
    return {
      now: this.#clock(),
      subresource,
      warnings: options.warnings,
      fieldValidation: options.fieldValidation,
    };
  }

  #fieldContext(type: ResourceType, subresource: string, options: WriteOptions, now: Date) {
    return {
      manager: options.manager,
      apiVersion: apiVersionOf(type),
      subresource,
      now,
      schema: type.schema,
      statusSubresource: type.statusSubresource,
    };
  }

  #validate(type: ResourceType, obj: JsonObject, old: JsonObject | undefined): void {
    const errors: FieldError[] = [
      ...validateObjectMeta(obj, type.nameRule, type.namespaced, type.group === ""),
      ...(type.validate?.(obj, old) ?? []),
    ];
    if (old !== undefined) errors.push(...finalizerRules(obj, old));
    if (errors.length > 0) throw invalid(type, nameOf(obj), errors);
  }

  /** The stored object in its served version, or 404. */
  existing(type: ResourceType, namespace: string, name: string): JsonObject {
    const stored = this.#store.get(type.storageKey, type.namespaced ? namespace : "", name);
    if (stored === undefined) throw notFound(type, name);
    return toServed(type, stored);
  }

  /**
   * Replaces an object (PUT), or stores the result of a patch. `body` is the full new object.
   * @param requireResourceVersion true for PUT (custom resources refuse unconditional updates)
   * @throws ApiError 400/404/409/422
   */
  update(
    target: ObjectTarget,
    body: JsonObject,
    options: WriteOptions,
    requireResourceVersion = false,
  ): WriteResult {
    const { type, namespace, name, subresource } = target;
    const old = this.existing(type, namespace, name);
    const obj = clone(body);
    checkTypeMeta(type, obj);
    type.decode?.(obj);
    const meta = metadataOf(obj);
    if (meta.name !== name) {
      throw badRequest(
        `the name of the object (${typeof meta.name === "string" ? meta.name : ""}) does not match the name on the URL (${name})`,
      );
    }
    if (type.namespaced) {
      if (
        typeof meta.namespace === "string" &&
        meta.namespace !== "" &&
        meta.namespace !== namespace
      ) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = namespace;
    } else deleteKey(meta, "namespace");
    if (requireResourceVersion && !type.unconditionalUpdate && resourceVersionOf(obj) === "") {
      throw invalid(type, name, [
        fieldError.invalid("metadata.resourceVersion", "0x0", "must be specified for an update"),
      ]);
    }
    return this.commitUpdate(type, old, obj, subresource, options, { kind: "update" });
  }

  /**
   * The common tail of every update: preconditions, subresource scoping, server-owned fields,
   * kind hooks, validation, generation, managedFields, no-op detection, finalizer completion.
   */
  commitUpdate(
    type: ResourceType,
    old: JsonObject,
    candidate: JsonObject,
    subresource: string,
    options: WriteOptions,
    ownership: Ownership,
  ): WriteResult {
    const name = nameOf(old);
    const rv = resourceVersionOf(candidate);
    if (rv !== "" && rv !== resourceVersionOf(old)) throw conflict(type, name);
    const uid = uidOf(candidate);
    if (uid !== "" && uid !== uidOf(old)) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${uidOf(old)}`,
      );
    }
    this.#pruneAndDefault(type, candidate, options);
    const obj = scopeToSubresource(type, old, candidate, subresource);
    const meta = metadataOf(obj);
    const oldMeta = metadataOf(old);
    for (const key of carriedOnUpdate) {
      const value = oldMeta[key];
      if (value === undefined) deleteKey(meta, key);
      else meta[key] = value;
    }
    meta.resourceVersion = resourceVersionOf(old);
    const ctx = this.#context(subresource, options);
    type.prepareUpdate?.(obj, old, ctx);
    this.#validate(type, obj, old);
    if (type.hasGeneration && !deepEqual(specView(type, obj), specView(type, old))) {
      meta.generation = (typeof oldMeta.generation === "number" ? oldMeta.generation : 0) + 1;
    }
    if (ownership.kind === "apply") finishEntries(obj, ownership.entries, type.schema);
    else
      recordUpdate(
        old,
        obj,
        baseEntries(old, candidate),
        this.#fieldContext(type, subresource, options, ctx.now),
      );
    if (deepEqual(obj, old)) return { object: old, status: 200 };
    if (
      deletionTimestampOf(obj) !== undefined &&
      finalizersOf(obj).length === 0 &&
      type.holdsDeletion?.(obj) !== true
    ) {
      return { object: this.#remove(type, obj, options.dryRun), status: 200 };
    }
    if (options.dryRun) return { object: obj, status: 200 };
    const previous = this.#store.get(
      type.storageKey,
      type.namespaced ? (typeof meta.namespace === "string" ? meta.namespace : "") : "",
      name,
    );
    if (previous === undefined) throw notFound(type, name);
    const stored = this.#store.update(type.storageKey, toStored(type, obj), previous);
    return { object: toServed(type, stored), status: 200 };
  }

  #remove(type: ResourceType, obj: JsonObject, dryRun: boolean): JsonObject {
    if (dryRun) return obj;
    const namespace = type.namespaced ? (objectAt(obj, "metadata")?.namespace ?? "") : "";
    const previous = this.#store.get(
      type.storageKey,
      typeof namespace === "string" ? namespace : "",
      nameOf(obj),
    );
    if (previous === undefined) return obj;
    return toServed(type, this.#store.remove(type.storageKey, previous));
  }

  /**
   * Deletes an object: at once when nothing holds it, otherwise marks it (deletionTimestamp)
   * and adds the finalizer of the propagation policy for the garbage collector.
   * @returns the object (still present or deleted) or a success Status, and the HTTP status
   * @throws ApiError 404, 409 on failed preconditions
   */
  delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions): WriteResult {
    const old = this.existing(type, namespace, name);
    type.checkDelete?.(old);
    const pre = options.preconditions;
    if (pre.uid !== undefined && pre.uid !== uidOf(old)) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uidOf(old)}`,
      );
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== resourceVersionOf(old)) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${resourceVersionOf(old)}`,
      );
    }
    const finalizers = finalizersOf(old);
    const policy = options.propagationPolicy;
    const wanted = [...finalizers];
    const policyFinalizer =
      policy === "Orphan" ? "orphan" : policy === "Foreground" ? "foregroundDeletion" : undefined;
    if (policyFinalizer !== undefined && !wanted.includes(policyFinalizer))
      wanted.push(policyFinalizer);
    if (policy !== undefined && policy !== "Orphan") removeItem(wanted, "orphan");
    if (policy !== undefined && policy !== "Foreground") removeItem(wanted, "foregroundDeletion");
    if (deletionTimestampOf(old) === undefined) {
      for (const f of type.deletionFinalizers ?? []) if (!wanted.includes(f)) wanted.push(f);
    }
    if (wanted.length === 0 && type.holdsDeletion?.(old) !== true) {
      const removed = this.#remove(type, old, options.dryRun);
      if (type.returnsDeletedObject) return { object: removed, status: 200 };
      return {
        object: successStatus({ name, group: type.group, kind: type.resource, uid: uidOf(old) }),
        status: 200,
      };
    }
    return { object: this.markDeleting(type, old, wanted, options.dryRun), status: 200 };
  }

  /** Sets deletionTimestamp (once) and the given finalizers; returns the object as stored. */
  markDeleting(
    type: ResourceType,
    old: JsonObject,
    finalizers: readonly string[],
    dryRun: boolean,
  ): JsonObject {
    const obj = clone(old);
    const meta = metadataOf(obj);
    if (meta.deletionTimestamp === undefined) {
      meta.deletionTimestamp = rfc3339(this.#clock());
      meta.deletionGracePeriodSeconds = 0;
      if (type.hasGeneration)
        meta.generation = (typeof meta.generation === "number" ? meta.generation : 0) + 1;
      type.beginDeletion?.(obj);
    }
    setFinalizers(obj, finalizers);
    if (deepEqual(obj, old) || dryRun) return obj;
    const previous = this.#store.get(
      type.storageKey,
      type.namespaced ? scalarText(meta.namespace) : "",
      nameOf(obj),
    );
    if (previous === undefined) return obj;
    return toServed(type, this.#store.update(type.storageKey, toStored(type, obj), previous));
  }
}

function removeItem(list: string[], item: string): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

/** What generation tracks: everything but metadata (and status with a status subresource). */
function specView(type: ResourceType, obj: JsonObject): JsonObject {
  const out: JsonObject = { ...obj };
  delete out.metadata;
  delete out.apiVersion;
  delete out.kind;
  if (type.statusSubresource) delete out.status;
  return out;
}

/**
 * Main-resource writes keep the stored status; /status writes keep everything but status
 * (metadata included, apart from the precondition and managedFields the request carries).
 */
function scopeToSubresource(
  type: ResourceType,
  old: JsonObject,
  candidate: JsonObject,
  subresource: string,
): JsonObject {
  if (subresource === "status") {
    const obj = clone(old);
    if (candidate.status === undefined) delete obj.status;
    else obj.status = candidate.status;
    const meta = metadataOf(obj);
    const incoming = objectAt(candidate, "metadata");
    if (incoming?.managedFields !== undefined) meta.managedFields = incoming.managedFields;
    return obj;
  }
  if (subresource === "" && type.statusSubresource) {
    if (old.status === undefined) delete candidate.status;
    else candidate.status = old.status;
  }
  return candidate;
}

/** No finalizer may be added once deletion started. */
function finalizerRules(obj: JsonObject, old: JsonObject): FieldError[] {
  if (deletionTimestampOf(old) === undefined) return [];
  const before = new Set(finalizersOf(old));
  const added = finalizersOf(obj).filter((f) => !before.has(f));
  if (added.length === 0) return [];
  return [
    fieldError.forbidden(
      "metadata.finalizers",
      `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => `"${f}"`).join(", ")}}`,
    ),
  ];
}
