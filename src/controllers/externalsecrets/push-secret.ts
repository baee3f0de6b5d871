import { isManagedStore } from "./store-access.js";
import { matchesLabelSelector } from "./label-selector.js";
import { FieldReader } from "./object-error.js";
import {
  compact,
  readConditions,
  readGeneratorRef,
  readLabelSelector,
  readMetadata,
} from "./parse-common.js";
import { readTemplate } from "./parse-external-secret.js";
import { parseGoDuration } from "../../templating/index.js";
import { reverseKeys } from "./secret-keys.js";
import type {
  PushSecret,
  PushSecretData,
  PushSecretStatus,
  PushSecretStoreRef,
  SecretStore,
} from "./types.js";

/** PushSecret's only served version in ESO v2.9 (spec §1.1). */
export const pushSecretApiVersion = "external-secrets.io/v1alpha1";

/**
 * Parses and validates a PushSecret (external-secrets.io/v1alpha1).
 * @throws ObjectError naming the field
 */
export function parsePushSecret(value: unknown): PushSecret {
  const top = new FieldReader("pushsecret").record(value, "(document)");
  const meta = top.metadata as { name?: unknown; namespace?: unknown } | undefined;
  const id = `${typeof meta?.namespace === "string" ? meta.namespace : ""}/${typeof meta?.name === "string" ? meta.name : ""}`;
  const fields = new FieldReader(`pushsecret ${JSON.stringify(id)}`);
  if (top.kind !== "PushSecret") fields.fail("kind", "must be PushSecret");
  if (top.apiVersion !== pushSecretApiVersion)
    fields.fail("apiVersion", `must be ${pushSecretApiVersion}`);
  const metadata = readMetadata(fields, top.metadata, true);
  const spec = fields.record(top.spec, "spec");
  const refreshInterval = fields.optionalString(spec.refreshInterval, "spec.refreshInterval");
  if (refreshInterval !== undefined) {
    try {
      parseGoDuration(refreshInterval);
    } catch (error) {
      fields.fail("spec.refreshInterval", (error as Error).message);
    }
  }
  const storeRefs =
    fields.optionalArray(spec.secretStoreRefs, "spec.secretStoreRefs", (item, field) => {
      const ref = fields.record(item, field);
      const name = fields.optionalString(ref.name, `${field}.name`);
      const labelSelector =
        ref.labelSelector == null
          ? undefined
          : readLabelSelector(fields, ref.labelSelector, `${field}.labelSelector`);
      if ((name ?? "") === "" && labelSelector === undefined)
        fields.fail(field, "must set name or labelSelector");
      return compact({
        name,
        labelSelector,
        kind: fields.optionalEnum(ref.kind, `${field}.kind`, ["SecretStore", "ClusterSecretStore"]),
      });
    }) ?? [];
  const selector = fields.record(spec.selector, "spec.selector");
  const secret = fields.optionalRecord(selector.secret, "spec.selector.secret");
  const generatorRef =
    selector.generatorRef == null
      ? undefined
      : readGeneratorRef(fields, selector.generatorRef, "spec.selector.generatorRef");
  if ((secret === undefined) === (generatorRef === undefined))
    fields.fail("spec.selector", "must set exactly one of secret or generatorRef");
  const secretSelector =
    secret === undefined
      ? undefined
      : compact({
          name: fields.optionalString(secret.name, "spec.selector.secret.name"),
          selector:
            secret.selector == null
              ? undefined
              : readLabelSelector(fields, secret.selector, "spec.selector.secret.selector"),
        });
  if (
    secretSelector !== undefined &&
    (secretSelector.name ?? "") === "" &&
    secretSelector.selector === undefined
  ) {
    fields.fail("spec.selector.secret", "must set name or selector");
  }
  const status = fields.optionalRecord(top.status, "status");
  return {
    apiVersion: pushSecretApiVersion,
    kind: "PushSecret",
    metadata,
    spec: {
      secretStoreRefs: storeRefs,
      selector: compact({ secret: secretSelector, generatorRef }),
      ...compact({
        refreshInterval,
        updatePolicy: fields.optionalEnum(spec.updatePolicy, "spec.updatePolicy", [
          "Replace",
          "IfNotExists",
        ]),
        deletionPolicy: fields.optionalEnum(spec.deletionPolicy, "spec.deletionPolicy", [
          "Delete",
          "None",
        ]),
        data: fields.optionalArray(spec.data, "spec.data", (item, field) =>
          readPushData(fields, item, field),
        ),
        template: readTemplate(fields, spec.template, "spec.template"),
      }),
    },
    ...(status === undefined
      ? {}
      : {
          status: compact({
            refreshTime: fields.optionalString(status.refreshTime, "status.refreshTime"),
            syncedResourceVersion: fields.optionalString(
              status.syncedResourceVersion,
              "status.syncedResourceVersion",
            ),
            // Written by this controller; read back as is.
            syncedPushSecrets: fields.optionalRecord(
              status.syncedPushSecrets,
              "status.syncedPushSecrets",
            ) as PushSecretStatus["syncedPushSecrets"] | undefined,
            conditions: readConditions(fields, status.conditions, "status.conditions"),
          }),
        }),
  };
}

function readPushData(fields: FieldReader, value: unknown, field: string): PushSecretData {
  const entry = fields.record(value, field);
  const match = fields.record(entry.match, `${field}.match`);
  const remoteRef = fields.record(match.remoteRef, `${field}.match.remoteRef`);
  return {
    match: {
      remoteRef: {
        remoteKey: fields.string(remoteRef.remoteKey, `${field}.match.remoteRef.remoteKey`),
        ...compact({
          property: fields.optionalString(remoteRef.property, `${field}.match.remoteRef.property`),
        }),
      },
      ...compact({ secretKey: fields.optionalString(match.secretKey, `${field}.match.secretKey`) }),
    },
    ...compact({
      metadata: entry.metadata ?? undefined,
      conversionStrategy: fields.optionalEnum(
        entry.conversionStrategy,
        `${field}.conversionStrategy`,
        ["None", "ReverseUnicode"],
      ),
    }),
  };
}

/**
 * The stores a PushSecret pushes to (spec §9): named refs plus every store whose labels match a
 * ref's labelSelector (SecretStores of the PushSecret's namespace, or ClusterSecretStores); stores
 * being deleted and stores of another controller class are dropped.
 * @param stores the candidate stores (SecretStores in the PushSecret's namespace and all ClusterSecretStores)
 */
export function selectPushStores(
  ps: PushSecret,
  stores: readonly SecretStore[],
  controllerClass: string,
): SecretStore[] {
  const matches = (store: SecretStore, ref: PushSecretStoreRef): boolean => {
    const kind = ref.kind ?? "SecretStore";
    if (store.kind !== kind) return false;
    if (kind === "SecretStore" && store.metadata.namespace !== ps.metadata.namespace) return false;
    if ((ref.name ?? "") !== "") return store.metadata.name === ref.name;
    return (
      ref.labelSelector !== undefined &&
      matchesLabelSelector(ref.labelSelector, store.metadata.labels)
    );
  };
  return stores.filter(
    (store) =>
      store.metadata.deletionTimestamp === undefined &&
      isManagedStore(store, controllerClass) &&
      ps.spec.secretStoreRefs.some((ref) => matches(store, ref)),
  );
}

/** The key of a store in `status.syncedPushSecrets`: `<Kind>/<name>`. */
export function storeStatusKey(store: SecretStore): string {
  return `${store.kind}/${store.metadata.name}`;
}

/** The key of one pushed entry in `status.syncedPushSecrets[store]`: `<remoteKey>[/<property>]`. */
export function pushEntryKey(data: PushSecretData): string {
  const { remoteKey, property } = data.match.remoteRef;
  return property === undefined || property === "" ? remoteKey : `${remoteKey}/${property}`;
}

/** One entry to push, with the source data it reads (after the entry's key conversion). */
export interface PushItem {
  readonly data: PushSecretData;
  readonly source: Readonly<Record<string, Uint8Array>>;
}

/**
 * Resolves each `spec.data` entry against the source Secret's data: applies ReverseUnicode to the
 * source keys when asked, and checks that `secretKey` exists (empty means the whole Secret).
 * @throws Error naming the entry and key when the source lacks it (never a value)
 */
export function pushItems(ps: PushSecret, source: ReadonlyMap<string, Uint8Array>): PushItem[] {
  return (ps.spec.data ?? []).map((data, index) => {
    const converted = reverseKeys(data.conversionStrategy, source);
    const key = data.match.secretKey ?? "";
    if (key !== "" && !converted.has(key)) {
      throw new Error(
        `spec.data[${index}].match.secretKey: source secret has no key ${JSON.stringify(key)}`,
      );
    }
    return { data, source: Object.fromEntries(converted) };
  });
}

/**
 * The remote entries to delete under `deletionPolicy: Delete`: entries synced before
 * (`status.syncedPushSecrets`) that the current spec no longer produces, per store key.
 * @param produced store key → entry keys pushed in this pass
 */
export function staleRemoteEntries(
  ps: PushSecret,
  produced: ReadonlyMap<string, ReadonlySet<string>>,
): { readonly storeKey: string; readonly entryKey: string; readonly data: PushSecretData }[] {
  if (ps.spec.deletionPolicy !== "Delete") return [];
  const stale: { storeKey: string; entryKey: string; data: PushSecretData }[] = [];
  for (const [storeKey, entries] of Object.entries(ps.status?.syncedPushSecrets ?? {})) {
    for (const [entryKey, data] of Object.entries(entries)) {
      if (produced.get(storeKey)?.has(entryKey) !== true) stale.push({ storeKey, entryKey, data });
    }
  }
  return stale;
}

/**
 * secretfleet's owner identity for pushes (beyond ESO): `<cluster>/<namespace>/<name>`, written
 * next to ESO's `managed-by` marker (src/providers' `pushOwner`), so that two hubs or two
 * PushSecrets pushing to one remote path refuse to overwrite each other instead of flapping.
 * @param cluster this controller's cluster name (`--cluster-name`)
 */
export function pushOwnerIdentity(cluster: string, ps: PushSecret): string {
  return `${cluster}/${ps.metadata.namespace}/${ps.metadata.name}`;
}
