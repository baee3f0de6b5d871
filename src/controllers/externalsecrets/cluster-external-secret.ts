import { Annotations } from "./labels.js";
import { matchesLabelSelector } from "./label-selector.js";
import { FieldReader } from "./object-error.js";
import { compact, readConditions, readLabelSelector, readMetadata } from "./parse-common.js";
import { readExternalSecretSpec } from "./parse-external-secret.js";
import { parseGoDuration } from "../../templating/index.js";
import type { NamespaceInfo } from "./store-access.js";
import {
  apiVersionV1,
  type ClusterExternalSecret,
  type ClusterExternalSecretStatus,
  type ExternalSecretSpec,
  type LabelSelector,
  type ObjectMeta,
  type OwnerReference,
} from "./types.js";

/**
 * Parses and validates a ClusterExternalSecret; its `externalSecretSpec` gets every ExternalSecret rule.
 * @throws ObjectError naming the field
 */
export function parseClusterExternalSecret(value: unknown): ClusterExternalSecret {
  const top = new FieldReader("clusterexternalsecret").record(value, "(document)");
  const meta = top.metadata as { name?: unknown } | undefined;
  const fields = new FieldReader(
    `clusterexternalsecret ${JSON.stringify(typeof meta?.name === "string" ? meta.name : "")}`,
  );
  if (top.kind !== "ClusterExternalSecret") fields.fail("kind", "must be ClusterExternalSecret");
  const apiVersion = fields.string(top.apiVersion, "apiVersion");
  const metadata = readMetadata(fields, top.metadata, false);
  const spec = fields.record(top.spec, "spec");
  const refreshTime = fields.optionalString(spec.refreshTime, "spec.refreshTime");
  if (refreshTime !== undefined) {
    try {
      parseGoDuration(refreshTime);
    } catch (error) {
      fields.fail("spec.refreshTime", (error as Error).message);
    }
  }
  const esMeta = fields.optionalRecord(spec.externalSecretMetadata, "spec.externalSecretMetadata");
  const status = fields.optionalRecord(top.status, "status");
  return {
    apiVersion,
    kind: "ClusterExternalSecret",
    metadata,
    spec: {
      externalSecretSpec: readExternalSecretSpec(
        fields,
        spec.externalSecretSpec,
        "spec.externalSecretSpec",
      ),
      ...compact({
        externalSecretName: fields.optionalString(
          spec.externalSecretName,
          "spec.externalSecretName",
        ),
        externalSecretMetadata:
          esMeta === undefined
            ? undefined
            : compact({
                labels: fields.optionalStringMap(
                  esMeta.labels,
                  "spec.externalSecretMetadata.labels",
                ),
                annotations: fields.optionalStringMap(
                  esMeta.annotations,
                  "spec.externalSecretMetadata.annotations",
                ),
              }),
        namespaceSelectors: fields.optionalArray(
          spec.namespaceSelectors,
          "spec.namespaceSelectors",
          (item, field) => readLabelSelector(fields, item, field),
        ),
        namespaceSelector:
          spec.namespaceSelector == null
            ? undefined
            : readLabelSelector(fields, spec.namespaceSelector, "spec.namespaceSelector"),
        namespaces: fields.optionalStringList(spec.namespaces, "spec.namespaces"),
        refreshTime,
      }),
    },
    ...(status === undefined
      ? {}
      : {
          status: compact({
            externalSecretName: fields.optionalString(
              status.externalSecretName,
              "status.externalSecretName",
            ),
            provisionedNamespaces: fields.optionalStringList(
              status.provisionedNamespaces,
              "status.provisionedNamespaces",
            ),
            conditions: readConditions(fields, status.conditions, "status.conditions"),
          }),
        }),
  };
}

/** A namespace as the fan-out sees it. */
export interface FanOutNamespace extends NamespaceInfo {
  readonly terminating?: boolean;
}

/** What exists in one namespace under the name the ExternalSecret would get. */
export type ExistingExternalSecret = { readonly controllerOwner?: OwnerReference } | undefined;

/** The ExternalSecret a ClusterExternalSecret wants in one namespace. */
export interface FannedOutExternalSecret {
  readonly apiVersion: typeof apiVersionV1;
  readonly kind: "ExternalSecret";
  readonly metadata: ObjectMeta & { readonly namespace: string };
  readonly spec: ExternalSecretSpec;
}

export interface FanOutPlan {
  /** The name every generated ExternalSecret gets (`externalSecretName` or the CES name). */
  readonly externalSecretName: string;
  /** Create or update these (labels, annotations and spec replaced wholesale). */
  readonly apply: readonly FannedOutExternalSecret[];
  /** Delete these ExternalSecrets, when this CES controls them (de-selected namespaces, renamed ES). */
  readonly remove: readonly { readonly namespace: string; readonly name: string }[];
  /** Namespaces that cannot be provisioned, with upstream's reason. */
  readonly failed: readonly { readonly namespace: string; readonly reason: string }[];
}

/** Whether a controller owner reference points at the ClusterExternalSecret `name`. */
export function isOwnedByClusterExternalSecret(
  owner: OwnerReference | undefined,
  name: string,
): boolean {
  return (
    owner !== undefined &&
    owner.apiVersion.startsWith("external-secrets.io/") &&
    owner.kind === "ClusterExternalSecret" &&
    owner.name === name
  );
}

/** The namespaces a ClusterExternalSecret selects: any selector, the deprecated one, or by name. */
export function selectedNamespaces(
  ces: ClusterExternalSecret,
  namespaces: readonly FanOutNamespace[],
): FanOutNamespace[] {
  const selectors: LabelSelector[] = [
    ...(ces.spec.namespaceSelector === undefined ? [] : [ces.spec.namespaceSelector]),
    ...(ces.spec.namespaceSelectors ?? []),
  ];
  const names = ces.spec.namespaces ?? [];
  return namespaces.filter(
    (namespace) =>
      names.includes(namespace.name) ||
      selectors.some((selector) =>
        matchesLabelSelector(selector, {
          ...namespace.labels,
          "kubernetes.io/metadata.name": namespace.name,
        }),
      ),
  );
}

/**
 * Plans one ClusterExternalSecret reconcile (spec §6): one ExternalSecret per selected,
 * non-terminating namespace; a namespace whose same-named ExternalSecret another owner controls
 * fails with "external secret already exists in namespace"; ExternalSecrets in namespaces no
 * longer selected, or under a previous name, are removed. No namespace finalizers (spec §6 advice).
 * @param existing what exists under the ExternalSecret name, by namespace
 */
export function planFanOut(
  ces: ClusterExternalSecret,
  namespaces: readonly FanOutNamespace[],
  existing: ReadonlyMap<string, ExistingExternalSecret>,
): FanOutPlan {
  const name = ces.spec.externalSecretName ?? ces.metadata.name;
  const selected = selectedNamespaces(ces, namespaces);
  const selectedNames = new Set(selected.map((namespace) => namespace.name));
  const provisioned = ces.status?.provisionedNamespaces ?? [];
  const previousName = ces.status?.externalSecretName ?? "";
  const remove = [
    ...(previousName !== "" && previousName !== name
      ? provisioned.map((namespace) => ({ namespace, name: previousName }))
      : []),
    ...provisioned
      .filter((namespace) => !selectedNames.has(namespace))
      .map((namespace) => ({ namespace, name })),
  ];
  const apply: FannedOutExternalSecret[] = [];
  const failed: { namespace: string; reason: string }[] = [];
  for (const namespace of selected) {
    if (namespace.terminating === true) continue;
    const current = existing.get(namespace.name);
    if (
      current !== undefined &&
      !isOwnedByClusterExternalSecret(current.controllerOwner, ces.metadata.name)
    ) {
      failed.push({
        namespace: namespace.name,
        reason: "external secret already exists in namespace",
      });
      continue;
    }
    apply.push(fannedOut(ces, name, namespace.name));
  }
  return { externalSecretName: name, apply, remove, failed };
}

function fannedOut(
  ces: ClusterExternalSecret,
  name: string,
  namespace: string,
): FannedOutExternalSecret {
  const annotations: Record<string, string> = { ...ces.spec.externalSecretMetadata?.annotations };
  const forceSync = ces.metadata.annotations?.[Annotations.forceSync];
  if (forceSync === undefined) Reflect.deleteProperty(annotations, Annotations.forceSync);
  else annotations[Annotations.forceSync] = forceSync;
  const labels = ces.spec.externalSecretMetadata?.labels;
  return {
    apiVersion: apiVersionV1,
    kind: "ExternalSecret",
    metadata: {
      name,
      namespace,
      ...(labels === undefined ? {} : { labels: { ...labels } }),
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
      ownerReferences: [
        {
          apiVersion: apiVersionV1,
          kind: "ClusterExternalSecret",
          name: ces.metadata.name,
          uid: ces.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: ces.spec.externalSecretSpec,
  };
}

/**
 * The ClusterExternalSecret status after applying a plan: provisioned and failed namespaces
 * sorted; Ready=True, or Ready=False "one or more namespaces failed" (no reason, as upstream).
 * @param provisioned namespaces whose ExternalSecret was written
 * @param failed failures from the plan plus write errors, by namespace
 */
export function fanOutStatus(
  ces: ClusterExternalSecret,
  externalSecretName: string,
  provisioned: readonly string[],
  failed: readonly { readonly namespace: string; readonly reason: string }[],
): ClusterExternalSecretStatus {
  const sortedFailed = [...failed].sort((a, b) =>
    a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0,
  );
  const condition =
    failed.length === 0
      ? { type: "Ready", status: "True" as const }
      : { type: "Ready", status: "False" as const, message: "one or more namespaces failed" };
  // Upstream's CES condition has only type, status and message, replaced on every pass.
  const conditions = [
    ...(ces.status?.conditions ?? []).filter((item) => item.type !== "Ready"),
    condition,
  ];
  return {
    externalSecretName,
    provisionedNamespaces: [...provisioned].sort(),
    ...(sortedFailed.length === 0 ? {} : { failedNamespaces: sortedFailed }),
    conditions,
  };
}
