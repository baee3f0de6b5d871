// kubeseal's output (§6.3): Kubernetes pretty JSON with Go's member order, or YAML with sorted
// keys preceded by `---`.
import { GoMap, GoStruct, goJsonIndent, plainToGo, type GoValue } from "./go-json.js";
import { goYamlMarshal } from "./go-yaml.js";
import type { ObjectMeta, OwnerReference, SealedSecret, Secret, SecretTemplate } from "./types.js";

const nonEmpty = (value: string | undefined | null): string | undefined =>
  value === undefined || value === null || value === "" ? undefined : value;

function stringMap(map: Readonly<Record<string, string>> | undefined | null): GoMap | undefined {
  if (map === undefined || map === null || Object.keys(map).length === 0) return undefined;
  return new GoMap(Object.entries(map));
}

function list<T>(
  items: readonly T[] | undefined,
  convert: (item: T) => GoValue,
): GoValue[] | undefined {
  return items === undefined || items.length === 0 ? undefined : items.map(convert);
}

function ownerReference(ref: OwnerReference): GoStruct {
  return new GoStruct([
    ["apiVersion", ref.apiVersion],
    ["kind", ref.kind],
    ["name", ref.name],
    ["uid", ref.uid],
    ["controller", ref.controller],
    ["blockOwnerDeletion", ref.blockOwnerDeletion],
  ]);
}

const MANAGED_FIELDS_ORDER = [
  "manager",
  "operation",
  "apiVersion",
  "time",
  "fieldsType",
  "fieldsV1",
  "subresource",
];

// ManagedFieldsEntry is a struct; fieldsV1 is raw JSON, re-indented by Go in its own key order.
function managedFieldsEntry(entry: unknown): GoValue {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return plainToGo(entry);
  const record = entry as Record<string, unknown>;
  const raw = (value: unknown): GoValue =>
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? new GoStruct(Object.entries(value).map(([k, v]) => [k, raw(v)] as const))
      : plainToGo(value);
  return new GoStruct(
    MANAGED_FIELDS_ORDER.map((key) => {
      const value = record[key];
      if (value === undefined || value === null || value === "") return [key, undefined] as const;
      return [key, key === "fieldsV1" ? raw(value) : plainToGo(value)] as const;
    }),
  );
}

/** ObjectMeta in Go's member order with omitempty applied. */
export function objectMetaToGo(meta: ObjectMeta): GoStruct {
  return new GoStruct([
    ["name", nonEmpty(meta.name)],
    ["generateName", nonEmpty(meta.generateName)],
    ["namespace", nonEmpty(meta.namespace)],
    ["selfLink", nonEmpty(meta.selfLink)],
    ["uid", nonEmpty(meta.uid)],
    ["resourceVersion", nonEmpty(meta.resourceVersion)],
    ["generation", meta.generation === 0 ? undefined : meta.generation],
    ["creationTimestamp", nonEmpty(meta.creationTimestamp)],
    ["deletionTimestamp", nonEmpty(meta.deletionTimestamp)],
    ["deletionGracePeriodSeconds", meta.deletionGracePeriodSeconds],
    ["labels", stringMap(meta.labels)],
    ["annotations", stringMap(meta.annotations)],
    ["ownerReferences", list(meta.ownerReferences, ownerReference)],
    ["finalizers", list(meta.finalizers, (item) => item)],
    ["managedFields", list(meta.managedFields, managedFieldsEntry)],
  ]);
}

function templateToGo(template: SecretTemplate | undefined): GoStruct {
  return new GoStruct([
    ["metadata", objectMetaToGo(template?.metadata ?? {})],
    ["type", nonEmpty(template?.type)],
    ["immutable", template?.immutable],
    ["data", stringMap(template?.data)],
  ]);
}

/** A SealedSecret in Go's member order (kind, apiVersion, metadata, spec, status). */
export function sealedSecretToGo(sealed: SealedSecret): GoStruct {
  return new GoStruct([
    ["kind", nonEmpty(sealed.kind)],
    ["apiVersion", nonEmpty(sealed.apiVersion)],
    ["metadata", objectMetaToGo(sealed.metadata)],
    [
      "spec",
      new GoStruct([
        ["template", templateToGo(sealed.spec.template)],
        ["data", nonEmpty(sealed.spec.data)],
        ["encryptedData", new GoMap(Object.entries(sealed.spec.encryptedData))],
      ]),
    ],
    [
      "status",
      sealed.status === undefined || sealed.status === null ? undefined : plainToGo(sealed.status),
    ],
  ]);
}

/** A Secret in Go's member order (kind, apiVersion, metadata, immutable, data, stringData, type). */
export function secretToGo(secret: Secret): GoStruct {
  return new GoStruct([
    ["kind", nonEmpty(secret.kind)],
    ["apiVersion", nonEmpty(secret.apiVersion)],
    ["metadata", objectMetaToGo(secret.metadata)],
    ["immutable", secret.immutable],
    ["data", stringMap(secret.data)],
    ["stringData", stringMap(secret.stringData)],
    ["type", nonEmpty(secret.type)],
  ]);
}

/** Output formats kubeseal accepts for `-o`. */
export type OutputFormat = "json" | "yaml";

/**
 * Parses a `-o/--format` value as kubeseal does (case-insensitive; "" means json).
 * @throws Error `unsupported output format: <x>`
 */
export function parseOutputFormat(value: string): OutputFormat {
  const lower = value.toLowerCase();
  if (lower === "json" || lower === "") return "json";
  if (lower === "yaml") return "yaml";
  throw new Error(`unsupported output format: ${value}`);
}

/**
 * Prints one object as kubeseal does: pretty JSON followed by a newline, or `---\n` then YAML.
 * @param object a SealedSecret or a Secret (told apart by `spec`)
 */
export function formatObject(object: SealedSecret | Secret, format: OutputFormat): string {
  const tree = "spec" in object ? sealedSecretToGo(object) : secretToGo(object);
  return format === "json" ? `${goJsonIndent(tree)}\n` : `---\n${goYamlMarshal(tree)}`;
}

/**
 * Key Secrets as a `v1/List` in kubectl's YAML (sorted keys, no leading `---`): what
 * `kubectl get secret -l … -o yaml` gives and `--recovery-private-key` reads.
 */
export function formatSecretList(secrets: readonly Secret[]): string {
  return goYamlMarshal(
    new GoStruct([
      ["kind", "List"],
      ["apiVersion", "v1"],
      ["items", secrets.map(secretToGo)],
    ]),
  );
}
