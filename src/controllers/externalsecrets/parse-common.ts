import type { FieldReader } from "./object-error.js";
import type {
  Condition,
  GeneratorRef,
  LabelSelector,
  LabelSelectorRequirement,
  ObjectMeta,
  OwnerReference,
  SecretStoreRef,
  StoreKind,
} from "./types.js";

const storeKinds: readonly StoreKind[] = ["SecretStore", "ClusterSecretStore"];

/** Reads `metadata`; `namespaced` objects must carry a namespace. */
export function readMetadata(
  fields: FieldReader,
  value: unknown,
  namespaced: boolean,
): ObjectMeta & { namespace: string } {
  const meta = fields.record(value, "metadata");
  const namespace = namespaced
    ? fields.string(meta.namespace, "metadata.namespace")
    : (fields.optionalString(meta.namespace, "metadata.namespace") ?? "");
  const generation = meta.generation;
  if (
    generation !== undefined &&
    (typeof generation !== "number" || !Number.isInteger(generation))
  ) {
    fields.fail("metadata.generation", "must be an integer");
  }
  return {
    name: fields.string(meta.name, "metadata.name"),
    namespace,
    ...compact({
      uid: fields.optionalString(meta.uid, "metadata.uid"),
      resourceVersion: fields.optionalString(meta.resourceVersion, "metadata.resourceVersion"),
      deletionTimestamp: fields.optionalString(
        meta.deletionTimestamp,
        "metadata.deletionTimestamp",
      ),
      generation,
      labels: fields.optionalStringMap(meta.labels, "metadata.labels"),
      annotations: fields.optionalStringMap(meta.annotations, "metadata.annotations"),
      finalizers: fields.optionalStringList(meta.finalizers, "metadata.finalizers"),
      ownerReferences: fields.optionalArray(
        meta.ownerReferences,
        "metadata.ownerReferences",
        (item, field) => readOwnerReference(fields, item, field),
      ),
    }),
  };
}

function readOwnerReference(fields: FieldReader, value: unknown, field: string): OwnerReference {
  const ref = fields.record(value, field);
  const controller = fields.optionalBoolean(ref.controller, `${field}.controller`);
  const block = fields.optionalBoolean(ref.blockOwnerDeletion, `${field}.blockOwnerDeletion`);
  return {
    apiVersion: fields.string(ref.apiVersion, `${field}.apiVersion`),
    kind: fields.string(ref.kind, `${field}.kind`),
    name: fields.string(ref.name, `${field}.name`),
    uid: fields.optionalString(ref.uid, `${field}.uid`) ?? "",
    ...(controller === undefined ? {} : { controller }),
    ...(block === undefined ? {} : { blockOwnerDeletion: block }),
  };
}

/** Reads a store reference; `kind` must be SecretStore or ClusterSecretStore when given. */
export function readStoreRef(fields: FieldReader, value: unknown, field: string): SecretStoreRef {
  const ref = fields.record(value, field);
  const kind = fields.optionalEnum(ref.kind, `${field}.kind`, storeKinds);
  return {
    name: fields.string(ref.name, `${field}.name`),
    ...(kind === undefined ? {} : { kind }),
  };
}

export function readGeneratorRef(fields: FieldReader, value: unknown, field: string): GeneratorRef {
  const ref = fields.record(value, field);
  const apiVersion = fields.optionalString(ref.apiVersion, `${field}.apiVersion`);
  return {
    kind: fields.string(ref.kind, `${field}.kind`),
    name: fields.string(ref.name, `${field}.name`),
    ...(apiVersion === undefined ? {} : { apiVersion }),
  };
}

const operators: readonly LabelSelectorRequirement["operator"][] = [
  "In",
  "NotIn",
  "Exists",
  "DoesNotExist",
];

/** Reads a Kubernetes LabelSelector, with the apimachinery rules on operator values. */
export function readLabelSelector(
  fields: FieldReader,
  value: unknown,
  field: string,
): LabelSelector {
  const selector = fields.record(value, field);
  const matchLabels = fields.optionalStringMap(selector.matchLabels, `${field}.matchLabels`);
  const matchExpressions = fields.optionalArray(
    selector.matchExpressions,
    `${field}.matchExpressions`,
    (item, itemField) => {
      const requirement = fields.record(item, itemField);
      const operator = fields.optionalEnum(
        requirement.operator,
        `${itemField}.operator`,
        operators,
      );
      if (operator === undefined) fields.fail(`${itemField}.operator`, "required");
      const values = fields.optionalStringList(requirement.values, `${itemField}.values`) ?? [];
      const needsValues = operator === "In" || operator === "NotIn";
      if (needsValues && values.length === 0) {
        fields.fail(`${itemField}.values`, `must be non-empty for operator ${operator}`);
      }
      if (!needsValues && values.length > 0) {
        fields.fail(`${itemField}.values`, `must be empty for operator ${operator}`);
      }
      return { key: fields.string(requirement.key, `${itemField}.key`), operator, values };
    },
  );
  return {
    ...(matchLabels === undefined ? {} : { matchLabels }),
    ...(matchExpressions === undefined ? {} : { matchExpressions }),
  };
}

/** Reads `status.conditions` leniently: a status this controller wrote, or another writer's. */
export function readConditions(
  fields: FieldReader,
  value: unknown,
  field: string,
): Condition[] | undefined {
  return fields.optionalArray(value, field, (item, itemField) => {
    const condition = fields.record(item, itemField);
    const status = fields.optionalEnum(condition.status, `${itemField}.status`, [
      "True",
      "False",
      "Unknown",
    ]);
    const out: Record<string, string> = {
      type: fields.string(condition.type, `${itemField}.type`),
      status: status ?? "Unknown",
    };
    for (const key of ["reason", "message", "lastTransitionTime"] as const) {
      const text = fields.optionalString(condition[key], `${itemField}.${key}`);
      if (text !== undefined) out[key] = text;
    }
    return out as unknown as Condition;
  });
}

/** Drops keys whose value is undefined, so objects satisfy exactOptionalPropertyTypes. */
export function compact<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = item;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/**
 * `parse` remembered per object: informer caches replace an object on every change and never
 * mutate one, so a parse of the same object gives the same result. A reconcile reads its
 * ExternalSecret and its stores several times, and every refresh reads the same store again.
 * Failures are not remembered (the caller reports them). Callers treat results as immutable.
 */
export function parsedOnce<T>(parse: (value: unknown) => T): (value: object) => T {
  const parsed = new WeakMap<object, T>();
  return (value) => {
    const known = parsed.get(value);
    if (known !== undefined) return known;
    const result = parse(value);
    parsed.set(value, result);
    return result;
  };
}
