// What the controller does to the target Secret once a SealedSecret is unsealed (§7.8 steps 5–8):
// create it, update it, leave it, or refuse because it belongs to someone else. Pure: the caller
// performs the API calls.
import type { OwnerReference, Secret } from "../../sealing/index.js";

/** Lets the controller take over, and recreate, a Secret it did not create. */
export const managedAnnotation = "sealedsecrets.bitnami.com/managed";
/** Makes the controller merge its items into an existing Secret instead of replacing them. */
export const patchAnnotation = "sealedsecrets.bitnami.com/patch";

/** The next step for the target Secret. */
export type SecretPlan =
  | { readonly action: "create"; readonly secret: Secret }
  | { readonly action: "update"; readonly secret: Secret }
  | { readonly action: "none" }
  | { readonly action: "unmanaged"; readonly message: string };

const annotated = (secret: Secret, key: string): boolean =>
  secret.metadata.annotations?.[key] === "true";

/** True when `secret` has a controller ownerReference with `uid` (metav1.IsControlledBy). */
export function isControlledBy(secret: Secret, uid: string): boolean {
  return (secret.metadata.ownerReferences ?? []).some(
    (ref: OwnerReference) => ref.controller === true && ref.uid === uid,
  );
}

/**
 * True when the controller may write `secret` on behalf of the SealedSecret `uid`: it is
 * controlled by it, or annotated `managed: "true"` or `patch: "true"` (§7.8 step 6).
 */
export function mayManage(secret: Secret, uid: string): boolean {
  return (
    isControlledBy(secret, uid) ||
    annotated(secret, managedAnnotation) ||
    annotated(secret, patchAnnotation)
  );
}

/** The message of the ownership gate, as upstream words it. */
export function unmanagedMessage(name: string): string {
  return `Resource ${JSON.stringify(name)} already exists and is not managed by SealedSecret`;
}

/**
 * The Secret the controller wants, computed from the existing one (§7.8 step 7): with
 * `patch: "true"` the unsealed items, labels and annotations are merged in (ownerReferences
 * replaced only if it is also `managed: "true"`); otherwise data, labels, annotations and
 * ownerReferences are replaced. `type` always comes from the unsealed Secret (empty means
 * Opaque, as the API server defaults it); `immutable`,
 * finalizers and every other field of the existing Secret are kept.
 */
export function desiredSecret(existing: Secret, unsealed: Secret): Secret {
  const desired = structuredClone(existing);
  const meta = desired.metadata;
  const wanted = unsealed.metadata;
  if (annotated(existing, patchAnnotation)) {
    desired.data = { ...existing.data, ...unsealed.data };
    meta.labels = { ...meta.labels, ...wanted.labels };
    meta.annotations = { ...meta.annotations, ...wanted.annotations };
    if (annotated(existing, managedAnnotation))
      setOrDelete(meta, "ownerReferences", wanted.ownerReferences);
  } else {
    setOrDelete(desired, "data", unsealed.data);
    setOrDelete(meta, "labels", wanted.labels);
    setOrDelete(meta, "annotations", wanted.annotations);
    setOrDelete(meta, "ownerReferences", wanted.ownerReferences);
  }
  // The API server stores an empty type as Opaque; comparing "" with it would update forever.
  desired.type = unsealed.type === undefined || unsealed.type === "" ? "Opaque" : unsealed.type;
  return desired;
}

function setOrDelete<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value === undefined) Reflect.deleteProperty(target, key);
  else target[key] = structuredClone(value);
}

/**
 * Plans the write of the target Secret.
 * @param existing the Secret as it is now, or undefined if there is none
 * @param unsealed the Secret unsealing produced (with namespace, name and ownerReferences set)
 * @param uid the SealedSecret's uid (for the ownership gate)
 * @returns create when there is no Secret; unmanaged when the existing one is not ours to
 *   write; update when the desired Secret differs semantically from the existing one; else none
 */
export function planSecret(
  existing: Secret | undefined,
  unsealed: Secret,
  uid: string,
): SecretPlan {
  if (existing === undefined)
    return { action: "create", secret: { ...unsealed, apiVersion: "v1", kind: "Secret" } };
  if (!mayManage(existing, uid))
    return { action: "unmanaged", message: unmanagedMessage(existing.metadata.name ?? "") };
  const desired = desiredSecret(existing, unsealed);
  return semanticallyEqual(existing, desired)
    ? { action: "none" }
    : { action: "update", secret: desired };
}

/**
 * Kubernetes' apimachinery `equality.Semantic.DeepEqual` on JSON values: like a deep equality,
 * except that an absent, null or empty map or list equals another absent, null or empty one.
 */
export function semanticallyEqual(a: unknown, b: unknown): boolean {
  if (isEmptyCollection(a) && isEmptyCollection(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => semanticallyEqual(item, b[index]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!semanticallyEqual(a[key], b[key])) return false;
    return true;
  }
  return a === b;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEmptyCollection(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}
