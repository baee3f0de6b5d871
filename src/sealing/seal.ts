import type { KeyObject } from "node:crypto";
import { decodeGoBase64 } from "./go-base64.js";
import { hybridEncrypt } from "./hybrid.js";
import { labelFor, Scope, scopeOf, withScopeAnnotations } from "./scope.js";
import type { ObjectMeta, SealedSecret, Secret } from "./types.js";

// Annotations that hold a plaintext copy of the object (kubectl apply, kubecfg): never sealed along.
const LAST_APPLIED = [
  "kubectl.kubernetes.io/last-applied-configuration",
  "kubecfg.ksonnet.io/last-applied-configuration",
];

/** How kubeseal adjusts each input Secret before sealing it (§6.5 steps 1–7). */
export interface SealOptions {
  /** `--scope`: rewrites the scope annotations unless strict. */
  scope?: Scope;
  /** `--name`: replaces the Secret's name. */
  name?: string;
  /** `--merge-into`: the target file's namespace replaces the Secret's. */
  overrideNamespace?: string;
  /** The resolved namespace (`-n`, kubeconfig context, else `default`). */
  namespace: string;
  /** Whether `-n` (or SEALED_SECRETS_NAMESPACE) set it, which enables the mismatch check. */
  namespaceExplicit: boolean;
  /** `--allow-empty-data`. */
  allowEmptyData?: boolean;
}

/**
 * Applies kubeseal's per-Secret steps (§6.5 1–7) to a copy of `secret`: empty-data check, name
 * override, scope annotations, namespace defaulting and mismatch check, server field clean-up.
 * The copy is new down to its metadata; values below that (data, labels, …) are shared with
 * `secret` and are only read by sealing.
 * @throws Error with kubeseal's messages
 */
export function prepareSecret(secret: Secret, options: SealOptions): Secret {
  // A copy of what changes only: structuredClone of the whole Secret cost ~1.5% of sealing.
  const result: Secret = { ...secret, metadata: { ...secret.metadata } };
  const empty =
    Object.keys(result.data ?? {}).length === 0 &&
    Object.keys(result.stringData ?? {}).length === 0;
  if (empty && options.allowEmptyData !== true) {
    throw new Error(
      "secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, --allow-empty-data can be used",
    );
  }
  const meta = result.metadata;
  if (options.name !== undefined && options.name !== "") meta.name = options.name;
  if (meta.name === undefined || meta.name === "")
    throw new Error("missing metadata.name in input Secret");
  if (options.overrideNamespace !== undefined && options.overrideNamespace !== "") {
    meta.namespace = options.overrideNamespace;
  }
  if (options.scope !== undefined && options.scope !== Scope.strict) {
    meta.annotations = withScopeAnnotations(meta.annotations, options.scope);
  }
  if (scopeOf(meta.annotations) !== Scope.clusterWide) {
    const own = meta.namespace ?? "";
    if (options.namespaceExplicit && own !== "" && own !== options.namespace) {
      throw new Error(
        `namespace mismatch: input secret is in namespace "${own}" but "${options.namespace}" was specified`,
      );
    }
    if (own === "") meta.namespace = options.namespace;
  }
  delete meta.selfLink;
  delete meta.uid;
  delete meta.resourceVersion;
  delete meta.generation;
  delete meta.creationTimestamp;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  return result;
}

function templateMetadata(meta: ObjectMeta): ObjectMeta {
  const copy = { ...meta }; // nested values are shared, as in prepareSecret
  if (copy.annotations !== undefined) {
    copy.annotations = Object.fromEntries(
      Object.entries(copy.annotations).filter(([key]) => !LAST_APPLIED.includes(key)),
    );
  }
  delete copy.ownerReferences;
  return copy;
}

/**
 * Seals one Secret as upstream's `NewSealedSecret` does (§6.5 step 8): each `data` item (base64
 * decoded) and then each `stringData` item (UTF-8) is encrypted separately with the label of the
 * Secret's namespace, name and scope annotations; `spec.template` keeps the Secret's metadata
 * (minus last-applied annotations and ownerReferences), type and immutable; the top-level metadata
 * holds name, namespace and only the scope annotation. The template's metadata is a new object whose
 * nested values (labels, finalizers, …) are shared with `secret`.
 * @param publicKey the RSA key of the sealing certificate
 * @throws Error `secret must declare a namespace` for a non-cluster-wide Secret without one
 */
export function sealSecret(secret: Secret, publicKey: KeyObject): SealedSecret {
  const meta = secret.metadata;
  const scope = scopeOf(meta.annotations);
  const namespace = meta.namespace ?? "";
  const name = meta.name ?? "";
  if (scope !== Scope.clusterWide && namespace === "")
    throw new Error("secret must declare a namespace");
  const label = labelFor(namespace, name, scope);
  const encryptedData: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    encryptedData[key] = hybridEncrypt(publicKey, decodeGoBase64(value), label).toString("base64");
  }
  for (const [key, value] of Object.entries(secret.stringData ?? {})) {
    encryptedData[key] = hybridEncrypt(publicKey, Buffer.from(value, "utf8"), label).toString(
      "base64",
    );
  }
  const topMeta: ObjectMeta = {};
  if (name !== "") topMeta.name = name;
  if (namespace !== "") topMeta.namespace = namespace;
  const scopeAnnotations = withScopeAnnotations(undefined, scope);
  if (Object.keys(scopeAnnotations).length > 0) topMeta.annotations = scopeAnnotations;
  const sealed: SealedSecret = {
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    metadata: topMeta,
    spec: { template: { metadata: templateMetadata(meta) }, encryptedData },
  };
  const template = sealed.spec.template ?? {};
  if (secret.type !== undefined && secret.type !== "") template.type = secret.type;
  if (secret.immutable !== undefined) template.immutable = secret.immutable;
  return sealed;
}

/**
 * Encrypts one raw value for `--raw`: the label comes from `scope`, `namespace` and `name` only.
 * @returns the standard base64 of the blob
 */
export function sealRawValue(
  publicKey: KeyObject,
  value: Uint8Array,
  target: { scope: Scope; namespace: string; name: string },
): string {
  return hybridEncrypt(
    publicKey,
    value,
    labelFor(target.namespace, target.name, target.scope),
  ).toString("base64");
}
