import { renderTemplateInto, type TemplateSources } from "./apply-template.js";
import { Annotations, Labels } from "./labels.js";
import { ownedKeys, type OwnedKeys } from "./managed-fields.js";
import { createdByHash, fieldManagerFor, secretDataHash } from "./object-hash.js";
import { templateProblem } from "./parse-external-secret.js";
import type { TemplateRenderer } from "./template-renderer.js";
import { apiVersionV1, type ExternalSecret, type OwnerReference, type Secret } from "./types.js";

/** Why a desired Secret cannot be produced; the reconciler maps each to upstream's condition. */
export const MutationFailure = {
  /** Another ExternalSecret is the Secret's controller owner (no retry). */
  isOwned: "isOwned",
  /** Another controller owns the Secret, so Owner cannot set its reference (no retry). */
  setControllerRef: "setControllerRef",
  /** The template is invalid or failed to render. */
  template: "template",
} as const;
export type MutationFailure = (typeof MutationFailure)[keyof typeof MutationFailure];

/** A failed mutation, with the reason class the reconciler branches on. */
export class MutationError extends Error {
  readonly failure: MutationFailure;

  constructor(failure: MutationFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MutationError";
    this.failure = failure;
  }
}

/** What the mutation needs besides the ExternalSecret and its data map. */
export interface MutationContext {
  readonly render: TemplateRenderer;
  readonly templateSources: TemplateSources;
}

/** The name of the Secret an ExternalSecret manages: `target.name`, or the ExternalSecret's name. */
export function targetSecretName(es: ExternalSecret): string {
  const name = es.spec.target?.name ?? "";
  return name === "" ? es.metadata.name : name;
}

/** Decodes a wire Secret's data (base64 values) into bytes. */
export function secretData(secret: Secret | undefined): Map<string, Uint8Array> {
  return new Map(
    Object.entries(secret?.data ?? {}).map(([key, value]) => [key, Buffer.from(value, "base64")]),
  );
}

function encodeData(data: ReadonlyMap<string, Uint8Array>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of data) {
    Object.defineProperty(out, key, {
      value: Buffer.from(value).toString("base64"),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

/**
 * The Secret an ExternalSecret wants, given the Secret that exists (spec §4.3, ESO's
 * `mutationFunc`): owned keys removed, template or ES metadata applied, the data baseline kept only
 * under Merge/CreateOrMerge, ownership set, then the managed label and the data-hash annotation
 * over the final data. An existing Secret under `target.immutable` keeps its data and metadata;
 * only ownership and ESO's own label/annotation are refreshed.
 * @param existing the current Secret, or undefined when it does not exist
 * @param data the provider data map (spec §2.3)
 * @returns the desired Secret in wire form; resourceVersion and uid are kept from `existing`
 * @throws MutationError (`isOwned`, `setControllerRef`, `template`); messages carry no values
 */
export function desiredSecret(
  existing: Secret | undefined,
  es: ExternalSecret,
  data: ReadonlyMap<string, Uint8Array>,
  context: MutationContext,
): Secret {
  const parts: SecretParts = {
    labels: { ...existing?.metadata.labels },
    annotations: { ...existing?.metadata.annotations },
    finalizers: [...(existing?.metadata.finalizers ?? [])],
    data: secretData(existing),
    type: existing?.type,
  };
  const exists = existing !== undefined && (existing.metadata.uid ?? "") !== "";
  // An existing Secret under target.immutable is left as it is, apart from ownership and the
  // managed label and hash below.
  if (!exists || es.spec.target?.immutable !== true) mutate(parts, existing, es, data, context);
  const ownerReferences = applyOwnership(
    es,
    existing?.metadata.ownerReferences ?? [],
    parts.labels,
  );
  parts.labels[Labels.managed] = Labels.managedValue;
  parts.annotations[Annotations.dataHash] = secretDataHash(parts.data);
  return buildSecret(existing, es, parts, ownerReferences);
}

interface SecretParts {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  finalizers: string[];
  data: Map<string, Uint8Array>;
  type: string | undefined;
}

// Steps 2a-2f of spec §4.3: drop what this ES's field manager owned, apply metadata, reset the data
// baseline unless merging, then the data map and/or the template.
function mutate(
  parts: SecretParts,
  existing: Secret | undefined,
  es: ExternalSecret,
  data: ReadonlyMap<string, Uint8Array>,
  context: MutationContext,
): void {
  const owned = ownedKeys(existing?.metadata.managedFields, fieldManagerFor(es.metadata.name));
  for (const key of owned.data) parts.data.delete(key);
  const template = es.spec.target?.template;
  const problem = templateProblem(template);
  if (problem !== undefined) {
    throw new MutationError(
      MutationFailure.template,
      `could not apply template: ${problem.message}`,
    );
  }
  applyMetadata(parts, existing, es, owned);
  const creationPolicy = es.spec.target?.creationPolicy ?? "Owner";
  if (creationPolicy !== "Merge" && creationPolicy !== "CreateOrMerge") parts.data.clear();
  if (template === undefined) {
    for (const [key, value] of data) parts.data.set(key, value);
    return;
  }
  if ((template.type ?? "") !== "") parts.type = template.type;
  const noTemplate =
    Object.keys(template.data ?? {}).length === 0 && (template.templateFrom ?? []).length === 0;
  if (template.mergePolicy === "Merge" || noTemplate) {
    for (const [key, value] of data) parts.data.set(key, value);
  }
  try {
    renderTemplateInto(template, data, parts, context.templateSources, context.render);
  } catch (error) {
    throw new MutationError(MutationFailure.template, (error as Error).message, { cause: error });
  }
}

// Step 2c: labels and annotations (this ES's old keys removed; then the ES's own metadata without a
// template, or the template's raw metadata and finalizers with one).
function applyMetadata(
  parts: SecretParts,
  existing: Secret | undefined,
  es: ExternalSecret,
  owned: OwnedKeys,
): void {
  const template = es.spec.target?.template;
  for (const key of owned.labels) Reflect.deleteProperty(parts.labels, key);
  for (const key of owned.annotations) Reflect.deleteProperty(parts.annotations, key);
  Object.assign(
    parts.labels,
    template === undefined ? es.metadata.labels : template.metadata?.labels,
  );
  Object.assign(
    parts.annotations,
    template === undefined ? es.metadata.annotations : template.metadata?.annotations,
  );
  if (template !== undefined && existing?.metadata.deletionTimestamp === undefined) {
    for (const finalizer of template.metadata?.finalizers ?? []) {
      if (!parts.finalizers.includes(finalizer)) parts.finalizers.push(finalizer);
    }
  }
}

function withoutKeys<T extends object>(value: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([key]) => !keys.includes(key)),
  ) as Partial<T>;
}

function buildSecret(
  existing: Secret | undefined,
  es: ExternalSecret,
  parts: SecretParts,
  ownerReferences: OwnerReference[],
): Secret {
  // managedFields belong to the API server; ownerReferences and finalizers are recomputed.
  const kept = withoutKeys(existing?.metadata ?? {}, [
    "managedFields",
    "ownerReferences",
    "finalizers",
  ]);
  const immutable = es.spec.target?.immutable === true ? true : existing?.immutable;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      ...kept,
      name: existing?.metadata.name ?? targetSecretName(es),
      namespace: es.metadata.namespace,
      labels: parts.labels,
      annotations: parts.annotations,
      ...(parts.finalizers.length > 0 ? { finalizers: parts.finalizers } : {}),
      ...(ownerReferences.length > 0 ? { ownerReferences } : {}),
    },
    // A Secret created without a type is Opaque; say so, rather than rely on the API server.
    type: parts.type ?? "Opaque",
    ...(immutable === undefined ? {} : { immutable }),
    data: encodeData(parts.data),
  };
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

function isExternalSecretRef(ref: OwnerReference): boolean {
  return groupOf(ref.apiVersion) === "external-secrets.io" && ref.kind === "ExternalSecret";
}

// ESO `applyOwnership` with controller-runtime's SetControllerReference / RemoveControllerReference.
function applyOwnership(
  es: ExternalSecret,
  references: readonly OwnerReference[],
  labels: Record<string, string>,
): OwnerReference[] {
  const controller = references.find((ref) => ref.controller === true);
  const ownerIsEs = controller !== undefined && isExternalSecretRef(controller);
  const ownerIsThis = ownerIsEs && controller.name === es.metadata.name;
  if (ownerIsEs && !ownerIsThis) {
    throw new MutationError(
      MutationFailure.isOwned,
      `secret is owned by another ExternalSecret: ${controller.name}`,
    );
  }
  const owner = (es.spec.target?.creationPolicy ?? "Owner") === "Owner";
  let out = [...references];
  if (owner) {
    if (controller !== undefined && !ownerIsThis) {
      throw new MutationError(
        MutationFailure.setControllerRef,
        `could not set controller reference on secret: object is already owned by another ${controller.kind} controller ${controller.name}`,
      );
    }
    const reference: OwnerReference = {
      apiVersion: apiVersionV1,
      kind: "ExternalSecret",
      name: es.metadata.name,
      uid: es.metadata.uid ?? "",
      controller: true,
      blockOwnerDeletion: true,
    };
    const index = out.findIndex((ref) => isExternalSecretRef(ref) && ref.name === es.metadata.name);
    if (index >= 0) out[index] = reference;
    else out.push(reference);
    labels[Labels.createdBy] = createdByHash(es.metadata.namespace, es.metadata.name);
  } else {
    if (ownerIsThis)
      out = out.filter((ref) => !(isExternalSecretRef(ref) && ref.name === es.metadata.name));
    Reflect.deleteProperty(labels, Labels.createdBy);
  }
  return out;
}

/** What writing the desired Secret takes. */
export type SecretWrite =
  | { readonly action: "create"; readonly secret: Secret }
  | { readonly action: "update"; readonly secret: Secret }
  | { readonly action: "none" }
  /** The existing Secret is immutable and its data or type would change: only metadata is written. */
  | { readonly action: "immutableConflict"; readonly metadataUpdate: Secret | undefined };

/**
 * Decides the write for a desired Secret (ESO `createSecret`/`updateSecret`): nothing when it
 * equals the existing one, and the immutable-Secret rule (spec §4.7).
 */
export function planSecretWrite(existing: Secret | undefined, desired: Secret): SecretWrite {
  if (existing === undefined || (existing.metadata.uid ?? "") === "")
    return { action: "create", secret: desired };
  const existingMeta = withoutKeys(existing.metadata, ["managedFields"]);
  const before = { ...existing, metadata: existingMeta };
  if (sameJson(before, desired)) return { action: "none" };
  if (existing.immutable === true) {
    const metadataChanged = !sameJson(existingMeta, desired.metadata);
    const withNewMeta = { ...before, metadata: desired.metadata };
    const dataChanged = !sameJson(withNewMeta, desired);
    if (dataChanged || !metadataChanged) {
      return {
        action: "immutableConflict",
        metadataUpdate: metadataChanged ? withNewMeta : undefined,
      };
    }
  }
  return { action: "update", secret: desired };
}

/**
 * Semantic equality of two JSON-shaped values: key order does not matter, and an empty map or
 * list equals an absent one (Kubernetes' equality.Semantic treats nil and empty maps alike only
 * through the round trip; for Secrets an empty labels map and no labels write the same object).
 * Equal to comparing the JSON of both with empty maps and lists dropped and keys sorted, without
 * building either: every refresh compares its desired Secret with the cached one.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  const voidA = isVoid(a);
  const voidB = isVoid(b);
  if (voidA || voidB) return voidA && voidB;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    // In a list an empty item is written as null, as JSON.stringify writes undefined.
    return a.every((item: unknown, i) => {
      const other: unknown = b[i];
      const nullA = item === null || isVoid(item);
      const nullB = other === null || isVoid(other);
      return nullA || nullB ? nullA && nullB : sameJson(item, other);
    });
  }
  if (isRecord(a) || isRecord(b)) {
    if (!isRecord(a) || !isRecord(b)) return false;
    let kept = 0;
    for (const key of Object.keys(a)) {
      if (isVoid(a[key])) continue;
      kept++;
      if (!sameJson(a[key], b[key])) return false;
    }
    for (const key of Object.keys(b)) if (!isVoid(b[key])) kept--;
    return kept === 0;
  }
  return typeof a === "number" && typeof b === "number"
    ? JSON.stringify(a) === JSON.stringify(b)
    : a === b;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// What the comparison leaves out: absent, an empty list, or a map of such values only.
function isVoid(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.values(value).every(isVoid);
}
