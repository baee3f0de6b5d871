// The Kubernetes objects this module reads and writes, in their wire shape (base64 strings in
// `data`), so that a controller can hand them to the API server unchanged.

/** An ownerReference, as Kubernetes serialises it. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The ObjectMeta fields kubeseal keeps (unknown fields are dropped, as Go's decoder does). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  selfLink?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
}

/** A `v1/Secret`; `data` values are standard base64, `stringData` values plain text. */
export interface Secret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  immutable?: boolean;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}

/** `spec.template` of a SealedSecret: what the generated Secret looks like. */
export interface SecretTemplate {
  metadata?: ObjectMeta;
  type?: string;
  immutable?: boolean;
  /** Go text/template sources rendered after decryption (§4.4). */
  data?: Record<string, string> | null;
}

/** A `bitnami.com/v1alpha1` SealedSecret. */
export interface SealedSecret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    template?: SecretTemplate;
    /** Legacy whole-Secret blob (base64), see §4.5. */
    data?: string | null;
    encryptedData: Record<string, string>;
  };
  status?: unknown;
}

/** apiVersion and kind of SealedSecrets. */
export const sealedSecretApiVersion = "bitnami.com/v1alpha1";
export const sealedSecretKind = "SealedSecret";
