/**
 * The CustomResourceDefinitions of the external-secrets.io group as this controller serves them,
 * compatible with ESO v2.9 (spec §1): ExternalSecret, ClusterExternalSecret, SecretStore and
 * ClusterSecretStore at v1 (v1beta1 still served, deprecated; v1 stored), PushSecret at v1alpha1. Schemas are
 * structural. Provider specs, generator specs and PushSecret metadata are kept as open objects
 * (`x-kubernetes-preserve-unknown-fields`), so every provider ESO knows is accepted. As in ESO
 * 2.9, the strategy fields (conversionStrategy, decodingStrategy, metadataPolicy, nullBytePolicy,
 * valuesDecodingStrategy) carry no default, so GitOps tools see no drift.
 * deploy/external-secrets/crds/ holds these objects as YAML (a test keeps them equal).
 */

import { providerKeys } from "./parse-store.js";

type Schema = Record<string, unknown>;

const str: Schema = { type: "string" };
const bool: Schema = { type: "boolean" };
const int: Schema = { type: "integer", format: "int32" };
const strMap: Schema = { type: "object", additionalProperties: { type: "string" } };
const open: Schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
const enumOf = (...values: string[]): Schema => ({ type: "string", enum: values });
const list = (items: Schema): Schema => ({ type: "array", items });
const obj = (properties: Record<string, Schema>, required?: string[]): Schema => ({
  type: "object",
  properties,
  ...(required === undefined ? {} : { required }),
});
const withDefault = (schema: Schema, value: unknown): Schema => ({ ...schema, default: value });

const labelSelector = obj({
  matchLabels: strMap,
  matchExpressions: list(obj({ key: str, operator: str, values: list(str) }, ["key", "operator"])),
});
const storeRef = obj({ name: str, kind: enumOf("SecretStore", "ClusterSecretStore") }, ["name"]);
const generatorRef = obj(
  { apiVersion: withDefault(str, "generators.external-secrets.io/v1alpha1"), kind: str, name: str },
  ["kind", "name"],
);
const decoding = enumOf("Auto", "Base64", "Base64URL", "None");
const conversion = enumOf("Default", "Unicode");
const nullBytePolicy = enumOf("Ignore", "Fail");
const remoteRef = obj(
  {
    key: str,
    property: str,
    version: str,
    metadataPolicy: enumOf("None", "Fetch"),
    conversionStrategy: conversion,
    decodingStrategy: decoding,
    nullBytePolicy,
  },
  ["key"],
);
const condition = obj(
  {
    type: str,
    status: str,
    reason: str,
    message: str,
    lastTransitionTime: { type: "string", format: "date-time" },
  },
  ["type", "status"],
);

const rewrite = obj({
  regexp: obj({ source: str, target: str }, ["source", "target"]),
  transform: obj({ template: str }, ["template"]),
  merge: obj({
    into: withDefault(str, ""),
    priority: list(str),
    priorityPolicy: withDefault(enumOf("IgnoreNotFound", "Strict"), "Strict"),
    conflictPolicy: withDefault(enumOf("Ignore", "Error"), "Error"),
    strategy: withDefault(enumOf("Extract", "JSON"), "Extract"),
  }),
});

const templateRef = obj(
  {
    name: str,
    items: list(
      obj({ key: str, templateAs: withDefault(enumOf("Values", "KeysAndValues"), "Values") }, [
        "key",
      ]),
    ),
  },
  ["name", "items"],
);

const template = obj({
  type: str,
  engineVersion: withDefault(enumOf("v2"), "v2"),
  mergePolicy: withDefault(enumOf("Replace", "Merge"), "Replace"),
  metadata: obj({ labels: strMap, annotations: strMap, finalizers: list(str) }),
  data: strMap,
  templateFrom: list(
    obj({
      configMap: templateRef,
      secret: templateRef,
      literal: str,
      target: withDefault(str, "Data"),
      valuesDecodingStrategy: decoding,
    }),
  ),
});

const externalSecretSpec = obj({
  secretStoreRef: storeRef,
  refreshPolicy: enumOf("CreatedOnce", "Periodic", "OnChange"),
  refreshInterval: withDefault(str, "1h0m0s"),
  syncWindows: obj(
    {
      kind: enumOf("allow", "deny"),
      windows: list(obj({ schedule: str, duration: str }, ["schedule", "duration"])),
    },
    ["kind", "windows"],
  ),
  target: withDefault(
    obj({
      name: str,
      creationPolicy: withDefault(
        enumOf("Owner", "Orphan", "Merge", "None", "CreateOrMerge"),
        "Owner",
      ),
      deletionPolicy: withDefault(enumOf("Delete", "Merge", "Retain"), "Retain"),
      immutable: bool,
      template,
      manifest: obj({ apiVersion: str, kind: str }, ["apiVersion", "kind"]),
    }),
    { creationPolicy: "Owner", deletionPolicy: "Retain" },
  ),
  data: list(
    obj(
      {
        secretKey: str,
        remoteRef,
        sourceRef: obj({ storeRef, generatorRef }),
      },
      ["secretKey", "remoteRef"],
    ),
  ),
  dataFrom: list(
    obj({
      extract: remoteRef,
      find: obj({
        path: str,
        name: obj({ regexp: str }),
        tags: strMap,
        conversionStrategy: conversion,
        decodingStrategy: decoding,
        nullBytePolicy,
      }),
      rewrite: list(rewrite),
      sourceRef: obj({ storeRef, generatorRef }),
    }),
  ),
});

const externalSecretStatus = obj({
  refreshTime: { type: "string", format: "date-time", nullable: true },
  syncedResourceVersion: str,
  conditions: list(condition),
  binding: obj({ name: withDefault(str, "") }),
});

const storeSpec = obj(
  {
    controller: str,
    provider: {
      ...obj(Object.fromEntries(providerKeys.map((key) => [key, open]))),
      minProperties: 1,
      maxProperties: 1,
    },
    retrySettings: obj({ maxRetries: int, retryInterval: str }),
    refreshInterval: { "x-kubernetes-int-or-string": true },
    conditions: list(
      obj({ namespaceSelector: labelSelector, namespaces: list(str), namespaceRegexes: list(str) }),
    ),
  },
  ["provider"],
);

const storeStatus = obj({ conditions: list(condition), capabilities: str });

const clusterExternalSecretSpec = obj(
  {
    externalSecretSpec: externalSecretSpec,
    externalSecretName: str,
    externalSecretMetadata: obj({ labels: strMap, annotations: strMap }),
    namespaceSelector: labelSelector,
    namespaceSelectors: list(labelSelector),
    namespaces: list(str),
    refreshTime: str,
  },
  ["externalSecretSpec"],
);

const clusterExternalSecretStatus = obj({
  externalSecretName: str,
  provisionedNamespaces: list(str),
  failedNamespaces: list(obj({ namespace: str, reason: str }, ["namespace"])),
  conditions: list(obj({ type: str, status: str, message: str }, ["type", "status"])),
});

const pushSecretData = obj(
  {
    match: obj(
      { secretKey: str, remoteRef: obj({ remoteKey: str, property: str }, ["remoteKey"]) },
      ["remoteRef"],
    ),
    metadata: open,
    conversionStrategy: withDefault(enumOf("None", "ReverseUnicode"), "None"),
  },
  ["match"],
);

const pushSecretSpec = obj(
  {
    refreshInterval: withDefault(str, "1h0m0s"),
    secretStoreRefs: list(
      obj({
        name: str,
        labelSelector,
        kind: withDefault(enumOf("SecretStore", "ClusterSecretStore"), "SecretStore"),
      }),
    ),
    updatePolicy: withDefault(enumOf("Replace", "IfNotExists"), "Replace"),
    deletionPolicy: withDefault(enumOf("Delete", "None"), "None"),
    selector: obj({ secret: obj({ name: str, selector: labelSelector }), generatorRef }),
    data: list(pushSecretData),
    dataTo: list(open),
    template,
  },
  ["secretStoreRefs", "selector"],
);

const pushSecretStatus = obj({
  refreshTime: { type: "string", format: "date-time", nullable: true },
  syncedResourceVersion: str,
  syncedPushSecrets: {
    type: "object",
    additionalProperties: { type: "object", additionalProperties: pushSecretData },
  },
  conditions: list(condition),
});

interface Column {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
}

const ageColumn: Column = { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" };
const readyStatus: Column = {
  name: "Status",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
};
const ready: Column = {
  name: "Ready",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};

function version(
  name: string,
  spec: Schema,
  status: Schema,
  options: {
    served: boolean;
    storage: boolean;
    deprecated?: boolean;
    columns: Column[];
    selectableFields?: string[];
  },
): Schema {
  return {
    name,
    served: options.served,
    storage: options.storage,
    ...(options.deprecated === true ? { deprecated: true } : {}),
    ...(options.selectableFields === undefined
      ? {}
      : { selectableFields: options.selectableFields.map((jsonPath) => ({ jsonPath })) }),
    additionalPrinterColumns: options.columns,
    schema: {
      openAPIV3Schema: obj({
        apiVersion: str,
        kind: str,
        metadata: { type: "object" },
        spec,
        status,
      }),
    },
    subresources: { status: {} },
  };
}

function crd(
  kind: string,
  plural: string,
  scope: "Namespaced" | "Cluster",
  shortNames: string[],
  versions: Schema[],
): Schema {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${plural}.external-secrets.io`,
      labels: { "external-secrets.io/component": "controller" },
    },
    spec: {
      group: "external-secrets.io",
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: kind.toLowerCase(),
        categories: ["external-secrets"],
        ...(shortNames.length > 0 ? { shortNames } : {}),
      },
      scope,
      versions,
    },
  };
}

function servedV1(
  spec: Schema,
  status: Schema,
  columns: Column[],
  selectableFields?: string[],
): Schema[] {
  return [
    version("v1", spec, status, {
      served: true,
      storage: true,
      columns,
      ...(selectableFields ? { selectableFields } : {}),
    }),
    // ESO 2.9 stopped serving v1beta1; issue 5 asks for it to stay served (same schema, v1 stored,
    // no conversion needed: see docs/adr/controllers-externalsecrets-core.md).
    version("v1beta1", spec, status, { served: true, storage: false, deprecated: true, columns }),
  ];
}

const esColumns: Column[] = [
  { name: "StoreType", type: "string", jsonPath: ".spec.secretStoreRef.kind" },
  { name: "Store", type: "string", jsonPath: ".spec.secretStoreRef.name" },
  { name: "Refresh Interval", type: "string", jsonPath: ".spec.refreshInterval" },
  readyStatus,
  ready,
  { name: "Last Sync", type: "date", jsonPath: ".status.refreshTime" },
];
const storeColumns: Column[] = [
  ageColumn,
  readyStatus,
  { name: "Capabilities", type: "string", jsonPath: ".status.capabilities" },
  ready,
];

/** The CRDs, one object per kind, in the order they are best applied. */
export function externalSecretsCrds(): Schema[] {
  return [
    crd(
      "ExternalSecret",
      "externalsecrets",
      "Namespaced",
      ["es"],
      servedV1(externalSecretSpec, externalSecretStatus, esColumns, [
        ".spec.secretStoreRef.name",
        ".spec.secretStoreRef.kind",
        ".spec.target.name",
        ".spec.refreshInterval",
      ]),
    ),
    crd(
      "ClusterExternalSecret",
      "clusterexternalsecrets",
      "Cluster",
      ["ces"],
      servedV1(clusterExternalSecretSpec, clusterExternalSecretStatus, [
        { name: "Store", type: "string", jsonPath: ".spec.externalSecretSpec.secretStoreRef.name" },
        { name: "Refresh Interval", type: "string", jsonPath: ".spec.refreshTime" },
        ready,
      ]),
    ),
    crd(
      "SecretStore",
      "secretstores",
      "Namespaced",
      ["ss"],
      servedV1(storeSpec, storeStatus, storeColumns),
    ),
    crd(
      "ClusterSecretStore",
      "clustersecretstores",
      "Cluster",
      ["css"],
      servedV1(storeSpec, storeStatus, storeColumns),
    ),
    crd(
      "PushSecret",
      "pushsecrets",
      "Namespaced",
      ["ps"],
      [
        version("v1alpha1", pushSecretSpec, pushSecretStatus, {
          served: true,
          storage: true,
          columns: [
            ageColumn,
            readyStatus,
            { name: "Last Sync", type: "date", jsonPath: ".status.refreshTime" },
          ],
        }),
      ],
    ),
  ];
}
