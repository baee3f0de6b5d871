/**
 * The external-secrets.io API objects, as this controller reads them (spec §2, §6, §7, §9). Optional
 * fields stay optional: the CRDs do not default the strategy fields (spec §1.2), so an absent value
 * means the upstream controller's fallback, decided where it is used.
 */

export const group = "external-secrets.io";
export const apiVersionV1 = "external-secrets.io/v1";
export const apiVersionV1alpha1 = "external-secrets.io/v1alpha1";

export type StringMap = Readonly<Record<string, string>>;

/** The metadata fields this controller reads. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
  readonly finalizers?: readonly string[];
  readonly deletionTimestamp?: string;
  readonly ownerReferences?: readonly OwnerReference[];
}

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: StringMap;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export const StoreKind = {
  secretStore: "SecretStore",
  clusterSecretStore: "ClusterSecretStore",
} as const;
export type StoreKind = (typeof StoreKind)[keyof typeof StoreKind];

export interface SecretStoreRef {
  readonly name: string;
  /** Empty means SecretStore. */
  readonly kind?: StoreKind;
}

export interface GeneratorRef {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
}

export const CreationPolicy = {
  owner: "Owner",
  orphan: "Orphan",
  merge: "Merge",
  none: "None",
  createOrMerge: "CreateOrMerge",
} as const;
export type CreationPolicy = (typeof CreationPolicy)[keyof typeof CreationPolicy];

export const DeletionPolicy = { retain: "Retain", delete: "Delete", merge: "Merge" } as const;
export type DeletionPolicy = (typeof DeletionPolicy)[keyof typeof DeletionPolicy];

export const RefreshPolicy = {
  periodic: "Periodic",
  onChange: "OnChange",
  createdOnce: "CreatedOnce",
} as const;
export type RefreshPolicy = (typeof RefreshPolicy)[keyof typeof RefreshPolicy];

/** `remoteRef` of a data[] entry and `extract` of a dataFrom[] entry. */
export interface RemoteRef {
  readonly key: string;
  readonly property?: string;
  readonly version?: string;
  readonly metadataPolicy?: "None" | "Fetch";
  readonly conversionStrategy?: "Default" | "Unicode";
  readonly decodingStrategy?: "None" | "Base64" | "Base64URL" | "Auto";
  readonly nullBytePolicy?: "Ignore" | "Fail";
}

export interface FindRef {
  readonly path?: string;
  readonly name?: { readonly regexp: string };
  readonly tags?: StringMap;
  readonly conversionStrategy?: "Default" | "Unicode";
  readonly decodingStrategy?: "None" | "Base64" | "Base64URL" | "Auto";
  readonly nullBytePolicy?: "Ignore" | "Fail";
}

export interface Rewrite {
  readonly regexp?: { readonly source: string; readonly target: string };
  readonly transform?: { readonly template: string };
  readonly merge?: {
    readonly into?: string;
    readonly priority?: readonly string[];
    readonly priorityPolicy?: "Strict" | "IgnoreNotFound";
    readonly conflictPolicy?: "Error" | "Ignore";
    readonly strategy?: "Extract" | "JSON";
  };
}

export interface ExternalSecretData {
  readonly secretKey: string;
  readonly remoteRef: RemoteRef;
  readonly sourceRef?: { readonly storeRef?: SecretStoreRef; readonly generatorRef?: GeneratorRef };
}

export interface ExternalSecretDataFrom {
  readonly extract?: RemoteRef;
  readonly find?: FindRef;
  readonly rewrite?: readonly Rewrite[];
  readonly sourceRef?: { readonly storeRef?: SecretStoreRef; readonly generatorRef?: GeneratorRef };
}

export interface TemplateRef {
  readonly name: string;
  readonly items: readonly {
    readonly key: string;
    readonly templateAs?: "Values" | "KeysAndValues";
  }[];
}

export interface TemplateFrom {
  readonly configMap?: TemplateRef;
  readonly secret?: TemplateRef;
  readonly literal?: string;
  /** Data, Annotations or Labels, compared case-insensitively; empty means Data. */
  readonly target?: string;
  readonly valuesDecodingStrategy?: "None" | "Base64" | "Base64URL" | "Auto";
}

export interface ExternalSecretTemplate {
  readonly type?: string;
  readonly engineVersion?: "v2";
  readonly mergePolicy?: "Replace" | "Merge";
  readonly metadata?: {
    readonly labels?: StringMap;
    readonly annotations?: StringMap;
    readonly finalizers?: readonly string[];
  };
  readonly data?: StringMap;
  readonly templateFrom?: readonly TemplateFrom[];
}

export interface ExternalSecretTarget {
  readonly name?: string;
  readonly creationPolicy?: CreationPolicy;
  readonly deletionPolicy?: DeletionPolicy;
  readonly immutable?: boolean;
  readonly template?: ExternalSecretTemplate;
  readonly manifest?: { readonly apiVersion: string; readonly kind: string };
}

export interface SyncWindows {
  readonly kind?: "allow" | "deny";
  readonly windows: readonly { readonly schedule: string; readonly duration: string }[];
}

export interface ExternalSecretSpec {
  readonly secretStoreRef?: SecretStoreRef;
  readonly refreshPolicy?: RefreshPolicy;
  /** A Go duration; absent means the controller's default of 1 h (the CRD defaults it anyway). */
  readonly refreshInterval?: string;
  readonly syncWindows?: SyncWindows;
  readonly target?: ExternalSecretTarget;
  readonly data?: readonly ExternalSecretData[];
  readonly dataFrom?: readonly ExternalSecretDataFrom[];
}

export interface ExternalSecretStatus {
  readonly refreshTime?: string | null;
  readonly syncedResourceVersion?: string;
  readonly conditions?: readonly Condition[];
  readonly binding?: { readonly name: string };
}

export interface ExternalSecret {
  readonly apiVersion: string;
  readonly kind: "ExternalSecret";
  readonly metadata: ObjectMeta & { readonly namespace: string };
  readonly spec: ExternalSecretSpec;
  readonly status?: ExternalSecretStatus;
}

export interface ClusterExternalSecretSpec {
  readonly externalSecretName?: string;
  readonly externalSecretMetadata?: {
    readonly labels?: StringMap;
    readonly annotations?: StringMap;
  };
  readonly namespaceSelectors?: readonly LabelSelector[];
  readonly namespaceSelector?: LabelSelector;
  readonly namespaces?: readonly string[];
  readonly refreshTime?: string;
  readonly externalSecretSpec: ExternalSecretSpec;
}

export interface ClusterExternalSecretStatus {
  readonly externalSecretName?: string;
  readonly provisionedNamespaces?: readonly string[];
  readonly failedNamespaces?: readonly { readonly namespace: string; readonly reason?: string }[];
  readonly conditions?: readonly Condition[];
}

export interface ClusterExternalSecret {
  readonly apiVersion: string;
  readonly kind: "ClusterExternalSecret";
  readonly metadata: ObjectMeta;
  readonly spec: ClusterExternalSecretSpec;
  readonly status?: ClusterExternalSecretStatus;
}

export interface ClusterSecretStoreCondition {
  readonly namespaceSelector?: LabelSelector;
  readonly namespaces?: readonly string[];
  readonly namespaceRegexes?: readonly string[];
}

export interface SecretStoreSpec {
  readonly controller?: string;
  /** Exactly one provider key; its value is interpreted by src/providers. */
  readonly provider: Readonly<Record<string, unknown>>;
  readonly retrySettings?: { readonly maxRetries?: number; readonly retryInterval?: string };
  /** Seconds (number) or a Go duration string; 0 or absent means the controller default. */
  readonly refreshInterval?: number | string;
  readonly conditions?: readonly ClusterSecretStoreCondition[];
}

export interface SecretStoreStatus {
  readonly conditions?: readonly Condition[];
  readonly capabilities?: "ReadOnly" | "WriteOnly" | "ReadWrite";
}

export interface SecretStore {
  readonly apiVersion: string;
  readonly kind: StoreKind;
  readonly metadata: ObjectMeta;
  readonly spec: SecretStoreSpec;
  readonly status?: SecretStoreStatus;
}

export interface PushSecretStoreRef {
  readonly name?: string;
  readonly labelSelector?: LabelSelector;
  readonly kind?: StoreKind;
}

export interface PushSecretData {
  readonly match: {
    readonly secretKey?: string;
    readonly remoteRef: { readonly remoteKey: string; readonly property?: string };
  };
  readonly metadata?: unknown;
  readonly conversionStrategy?: "None" | "ReverseUnicode";
}

export interface PushSecretSpec {
  readonly refreshInterval?: string;
  readonly secretStoreRefs: readonly PushSecretStoreRef[];
  readonly updatePolicy?: "Replace" | "IfNotExists";
  readonly deletionPolicy?: "Delete" | "None";
  readonly selector: {
    readonly secret?: { readonly name?: string; readonly selector?: LabelSelector };
    readonly generatorRef?: GeneratorRef;
  };
  readonly data?: readonly PushSecretData[];
  readonly template?: ExternalSecretTemplate;
}

export interface PushSecretStatus {
  readonly refreshTime?: string | null;
  readonly syncedResourceVersion?: string;
  readonly syncedPushSecrets?: Readonly<Record<string, Readonly<Record<string, PushSecretData>>>>;
  readonly conditions?: readonly Condition[];
}

export interface PushSecret {
  readonly apiVersion: string;
  readonly kind: "PushSecret";
  readonly metadata: ObjectMeta & { readonly namespace: string };
  readonly spec: PushSecretSpec;
  readonly status?: PushSecretStatus;
}

/** A core/v1 Secret in its wire form (data values base64). */
export interface Secret {
  readonly apiVersion: "v1";
  readonly kind: "Secret";
  readonly metadata: ObjectMeta & {
    readonly namespace: string;
    readonly managedFields?: readonly ManagedFieldsEntry[];
  };
  readonly type?: string;
  readonly immutable?: boolean;
  readonly data?: StringMap;
}

export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly fieldsType?: string;
  readonly fieldsV1?: unknown;
}
