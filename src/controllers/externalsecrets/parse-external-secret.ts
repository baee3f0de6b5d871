import { compileGoRegexp } from "./go-regexp.js";
import { parseGoDuration } from "../../templating/index.js";
import { FieldReader } from "./object-error.js";
import {
  compact,
  readConditions,
  readGeneratorRef,
  readMetadata,
  readStoreRef,
} from "./parse-common.js";
import type {
  ExternalSecret,
  ExternalSecretData,
  ExternalSecretDataFrom,
  ExternalSecretSpec,
  ExternalSecretStatus,
  ExternalSecretTarget,
  ExternalSecretTemplate,
  FindRef,
  RemoteRef,
  Rewrite,
  TemplateFrom,
  TemplateRef,
} from "./types.js";

const decodingStrategies = ["None", "Base64", "Base64URL", "Auto"] as const;
const conversionStrategies = ["Default", "Unicode"] as const;
const nullBytePolicies = ["Ignore", "Fail"] as const;
const secretKeyPattern = /^[-._a-zA-Z0-9]+$/;

/** The apiVersions an ExternalSecret manifest may carry (v1beta1 has the same shape). */
export const externalSecretApiVersions = ["external-secrets.io/v1", "external-secrets.io/v1beta1"];

/**
 * Parses and validates an ExternalSecret from its JSON/YAML form: the CRD's structure, then the
 * rules upstream's admission webhook enforces (spec §2.3), so a cluster without a webhook still
 * gets them.
 * @throws ObjectError naming the object and the field, e.g.
 *   `externalsecret "team-a/db": spec.data[0].remoteRef.key: required`
 */
export function parseExternalSecret(value: unknown): ExternalSecret {
  const top = new FieldReader("externalsecret").record(value, "(document)");
  const meta = top.metadata as { name?: unknown; namespace?: unknown } | undefined;
  const fields = new FieldReader(`externalsecret ${JSON.stringify(objectId(meta))}`);
  const apiVersion = fields.string(top.apiVersion, "apiVersion");
  if (!externalSecretApiVersions.includes(apiVersion)) {
    fields.fail("apiVersion", `must be one of ${externalSecretApiVersions.join(", ")}`);
  }
  if (top.kind !== "ExternalSecret") fields.fail("kind", "must be ExternalSecret");
  const metadata = readMetadata(fields, top.metadata, true);
  const spec = readExternalSecretSpec(fields, top.spec, "spec");
  const status = fields.optionalRecord(top.status, "status");
  return {
    apiVersion,
    kind: "ExternalSecret",
    metadata,
    spec,
    ...(status === undefined ? {} : { status: readStatus(fields, status) }),
  };
}

function objectId(meta: { name?: unknown; namespace?: unknown } | undefined): string {
  const name = typeof meta?.name === "string" ? meta.name : "";
  return typeof meta?.namespace === "string" ? `${meta.namespace}/${name}` : name;
}

function readStatus(fields: FieldReader, status: Record<string, unknown>): ExternalSecretStatus {
  const binding = fields.optionalRecord(status.binding, "status.binding");
  return compact({
    refreshTime: fields.optionalString(status.refreshTime, "status.refreshTime"),
    syncedResourceVersion: fields.optionalString(
      status.syncedResourceVersion,
      "status.syncedResourceVersion",
    ),
    conditions: readConditions(fields, status.conditions, "status.conditions"),
    binding:
      binding === undefined
        ? undefined
        : { name: fields.optionalString(binding.name, "status.binding.name") ?? "" },
  });
}

/**
 * Reads and validates an ExternalSecret spec found at `field` (also the `externalSecretSpec` of a
 * ClusterExternalSecret).
 * @throws ObjectError naming the field
 */
export function readExternalSecretSpec(
  fields: FieldReader,
  value: unknown,
  field: string,
): ExternalSecretSpec {
  const spec = fields.record(value, field);
  const refreshInterval = fields.optionalString(spec.refreshInterval, `${field}.refreshInterval`);
  if (refreshInterval !== undefined)
    readDuration(fields, refreshInterval, `${field}.refreshInterval`);
  const out: ExternalSecretSpec = compact({
    secretStoreRef:
      spec.secretStoreRef === undefined || spec.secretStoreRef === null
        ? undefined
        : readStoreRef(fields, spec.secretStoreRef, `${field}.secretStoreRef`),
    refreshPolicy: fields.optionalEnum(spec.refreshPolicy, `${field}.refreshPolicy`, [
      "Periodic",
      "OnChange",
      "CreatedOnce",
    ]),
    refreshInterval,
    syncWindows: readSyncWindows(fields, spec.syncWindows, `${field}.syncWindows`),
    target: readTarget(fields, spec.target, `${field}.target`),
    data: fields.optionalArray(spec.data, `${field}.data`, (item, itemField) =>
      readData(fields, item, itemField),
    ),
    dataFrom: fields.optionalArray(spec.dataFrom, `${field}.dataFrom`, (item, itemField) =>
      readDataFrom(fields, item, itemField),
    ),
  });
  validateSpec(fields, out, field);
  return out;
}

function readDuration(fields: FieldReader, text: string, field: string): number {
  try {
    return parseGoDuration(text);
  } catch (error) {
    return fields.fail(field, (error as Error).message);
  }
}

function readSyncWindows(
  fields: FieldReader,
  value: unknown,
  field: string,
): ExternalSecretSpec["syncWindows"] {
  const record = fields.optionalRecord(value, field);
  if (record === undefined) return undefined;
  const windows =
    fields.optionalArray(record.windows, `${field}.windows`, (item, itemField) => {
      const window = fields.record(item, itemField);
      const duration = fields.string(window.duration, `${itemField}.duration`);
      readDuration(fields, duration, `${itemField}.duration`);
      return { schedule: fields.string(window.schedule, `${itemField}.schedule`), duration };
    }) ?? [];
  return compact({
    kind: fields.optionalEnum(record.kind, `${field}.kind`, ["allow", "deny"]),
    windows,
  }) as NonNullable<ExternalSecretSpec["syncWindows"]>;
}

function readRemoteRef(fields: FieldReader, value: unknown, field: string): RemoteRef {
  const ref = fields.record(value, field);
  return {
    key: fields.string(ref.key, `${field}.key`),
    ...compact({
      property: fields.optionalString(ref.property, `${field}.property`),
      version: fields.optionalString(ref.version, `${field}.version`),
      metadataPolicy: fields.optionalEnum(ref.metadataPolicy, `${field}.metadataPolicy`, [
        "None",
        "Fetch",
      ]),
      conversionStrategy: fields.optionalEnum(
        ref.conversionStrategy,
        `${field}.conversionStrategy`,
        conversionStrategies,
      ),
      decodingStrategy: fields.optionalEnum(
        ref.decodingStrategy,
        `${field}.decodingStrategy`,
        decodingStrategies,
      ),
      nullBytePolicy: fields.optionalEnum(
        ref.nullBytePolicy,
        `${field}.nullBytePolicy`,
        nullBytePolicies,
      ),
    }),
  };
}

function readFind(fields: FieldReader, value: unknown, field: string): FindRef {
  const find = fields.record(value, field);
  const name = fields.optionalRecord(find.name, `${field}.name`);
  let regexp: string | undefined;
  if (name !== undefined) {
    regexp = fields.optionalString(name.regexp, `${field}.name.regexp`) ?? "";
    compileOrFail(fields, regexp, `${field}.name.regexp`);
  }
  return compact({
    path: fields.optionalString(find.path, `${field}.path`),
    name: regexp === undefined ? undefined : { regexp },
    tags: fields.optionalStringMap(find.tags, `${field}.tags`),
    conversionStrategy: fields.optionalEnum(
      find.conversionStrategy,
      `${field}.conversionStrategy`,
      conversionStrategies,
    ),
    decodingStrategy: fields.optionalEnum(
      find.decodingStrategy,
      `${field}.decodingStrategy`,
      decodingStrategies,
    ),
    nullBytePolicy: fields.optionalEnum(
      find.nullBytePolicy,
      `${field}.nullBytePolicy`,
      nullBytePolicies,
    ),
  });
}

function compileOrFail(fields: FieldReader, pattern: string, field: string): void {
  try {
    compileGoRegexp(pattern);
  } catch (error) {
    fields.fail(field, `invalid regexp: ${(error as Error).message}`);
  }
}

function readSourceRef(
  fields: FieldReader,
  value: unknown,
  field: string,
): ExternalSecretData["sourceRef"] | undefined {
  const ref = fields.optionalRecord(value, field);
  if (ref === undefined) return undefined;
  return compact({
    storeRef:
      ref.storeRef == null ? undefined : readStoreRef(fields, ref.storeRef, `${field}.storeRef`),
    generatorRef:
      ref.generatorRef == null
        ? undefined
        : readGeneratorRef(fields, ref.generatorRef, `${field}.generatorRef`),
  });
}

function readData(fields: FieldReader, value: unknown, field: string): ExternalSecretData {
  const data = fields.record(value, field);
  const secretKey = fields.string(data.secretKey, `${field}.secretKey`);
  if (secretKey.length > 253 || !secretKeyPattern.test(secretKey)) {
    fields.fail(`${field}.secretKey`, "must match ^[-._a-zA-Z0-9]+$ and be at most 253 characters");
  }
  const sourceRef = readSourceRef(fields, data.sourceRef, `${field}.sourceRef`);
  // Upstream never runs a generator for data[] and then fails with an empty store name (spec §2.2).
  if (sourceRef?.generatorRef !== undefined) {
    fields.fail(`${field}.sourceRef.generatorRef`, "is not supported for data[]; use dataFrom[]");
  }
  return {
    secretKey,
    remoteRef: readRemoteRef(fields, data.remoteRef, `${field}.remoteRef`),
    ...compact({ sourceRef }),
  };
}

function readDataFrom(fields: FieldReader, value: unknown, field: string): ExternalSecretDataFrom {
  const entry = fields.record(value, field);
  const out = compact({
    extract:
      entry.extract == null ? undefined : readRemoteRef(fields, entry.extract, `${field}.extract`),
    find: entry.find == null ? undefined : readFind(fields, entry.find, `${field}.find`),
    rewrite: fields.optionalArray(entry.rewrite, `${field}.rewrite`, (item, itemField) =>
      readRewrite(fields, item, itemField),
    ),
    sourceRef: readSourceRef(fields, entry.sourceRef, `${field}.sourceRef`),
  });
  const kinds = [out.extract, out.find, out.sourceRef?.generatorRef].filter(
    (item) => item !== undefined,
  );
  if (kinds.length > 1)
    fields.fail(field, "extract, find, or generatorRef cannot be set at the same time");
  if (out.extract === undefined && out.find === undefined && out.sourceRef === undefined) {
    fields.fail(field, "either extract, find, or sourceRef must be set");
  }
  if (
    out.sourceRef !== undefined &&
    out.sourceRef.generatorRef === undefined &&
    out.sourceRef.storeRef === undefined
  ) {
    fields.fail(
      `${field}.sourceRef`,
      "generatorRef or storeRef must be set when using sourceRef in dataFrom",
    );
  }
  return out;
}

function readRewrite(fields: FieldReader, value: unknown, field: string): Rewrite {
  const rewrite = fields.record(value, field);
  const out: Rewrite = compact({
    regexp: readRegexpRewrite(fields, rewrite.regexp, `${field}.regexp`),
    transform:
      rewrite.transform == null
        ? undefined
        : {
            template: fields.string(
              fields.record(rewrite.transform, `${field}.transform`).template,
              `${field}.transform.template`,
            ),
          },
    merge: readMergeRewrite(fields, rewrite.merge, `${field}.merge`),
  });
  const count = [out.regexp, out.transform, out.merge].filter((item) => item !== undefined).length;
  if (count !== 1) fields.fail(field, "must set exactly one of regexp, transform or merge");
  return out;
}

function readRegexpRewrite(fields: FieldReader, value: unknown, field: string): Rewrite["regexp"] {
  const record = fields.optionalRecord(value, field);
  if (record === undefined) return undefined;
  const source = fields.string(record.source, `${field}.source`);
  compileOrFail(fields, source, `${field}.source`);
  return { source, target: fields.optionalString(record.target, `${field}.target`) ?? "" };
}

function readMergeRewrite(fields: FieldReader, value: unknown, field: string): Rewrite["merge"] {
  const record = fields.optionalRecord(value, field);
  if (record === undefined) return undefined;
  const merge = compact({
    into: fields.optionalString(record.into, `${field}.into`),
    priority: fields.optionalStringList(record.priority, `${field}.priority`),
    priorityPolicy: fields.optionalEnum(record.priorityPolicy, `${field}.priorityPolicy`, [
      "Strict",
      "IgnoreNotFound",
    ]),
    conflictPolicy: fields.optionalEnum(record.conflictPolicy, `${field}.conflictPolicy`, [
      "Error",
      "Ignore",
    ]),
    strategy: fields.optionalEnum(record.strategy, `${field}.strategy`, ["Extract", "JSON"]),
  });
  if (merge.strategy === "JSON" && (merge.into ?? "") === "")
    fields.fail(`${field}.into`, "required with strategy JSON");
  return merge;
}

function readTarget(
  fields: FieldReader,
  value: unknown,
  field: string,
): ExternalSecretTarget | undefined {
  const target = fields.optionalRecord(value, field);
  if (target === undefined) return undefined;
  const manifest = fields.optionalRecord(target.manifest, `${field}.manifest`);
  return compact({
    name: fields.optionalString(target.name, `${field}.name`),
    creationPolicy: fields.optionalEnum(target.creationPolicy, `${field}.creationPolicy`, [
      "Owner",
      "Orphan",
      "Merge",
      "None",
      "CreateOrMerge",
    ]),
    deletionPolicy: fields.optionalEnum(target.deletionPolicy, `${field}.deletionPolicy`, [
      "Retain",
      "Delete",
      "Merge",
    ]),
    immutable: fields.optionalBoolean(target.immutable, `${field}.immutable`),
    template: readTemplate(fields, target.template, `${field}.template`),
    manifest:
      manifest === undefined
        ? undefined
        : {
            apiVersion: fields.string(manifest.apiVersion, `${field}.manifest.apiVersion`),
            kind: fields.string(manifest.kind, `${field}.manifest.kind`),
          },
  });
}

/**
 * Reads `target.template` (also a PushSecret's `template`).
 * @throws ObjectError naming the field
 */
export function readTemplate(
  fields: FieldReader,
  value: unknown,
  field: string,
): ExternalSecretTemplate | undefined {
  const template = fields.optionalRecord(value, field);
  if (template === undefined) return undefined;
  const metadata = fields.optionalRecord(template.metadata, `${field}.metadata`);
  return compact({
    type: fields.optionalString(template.type, `${field}.type`),
    engineVersion: fields.optionalEnum(template.engineVersion, `${field}.engineVersion`, ["v2"]),
    mergePolicy: fields.optionalEnum(template.mergePolicy, `${field}.mergePolicy`, [
      "Replace",
      "Merge",
    ]),
    metadata:
      metadata === undefined
        ? undefined
        : compact({
            labels: fields.optionalStringMap(metadata.labels, `${field}.metadata.labels`),
            annotations: fields.optionalStringMap(
              metadata.annotations,
              `${field}.metadata.annotations`,
            ),
            finalizers: fields.optionalStringList(
              metadata.finalizers,
              `${field}.metadata.finalizers`,
            ),
          }),
    data: fields.optionalStringMap(template.data, `${field}.data`),
    templateFrom: fields.optionalArray(
      template.templateFrom,
      `${field}.templateFrom`,
      (item, itemField) => readTemplateFrom(fields, item, itemField),
    ),
  });
}

function readTemplateFrom(fields: FieldReader, value: unknown, field: string): TemplateFrom {
  const entry = fields.record(value, field);
  return compact({
    configMap: readTemplateRef(fields, entry.configMap, `${field}.configMap`),
    secret: readTemplateRef(fields, entry.secret, `${field}.secret`),
    literal: fields.optionalString(entry.literal, `${field}.literal`),
    target: fields.optionalString(entry.target, `${field}.target`),
    valuesDecodingStrategy: fields.optionalEnum(
      entry.valuesDecodingStrategy,
      `${field}.valuesDecodingStrategy`,
      decodingStrategies,
    ),
  });
}

function readTemplateRef(
  fields: FieldReader,
  value: unknown,
  field: string,
): TemplateRef | undefined {
  const ref = fields.optionalRecord(value, field);
  if (ref === undefined) return undefined;
  return {
    name: fields.string(ref.name, `${field}.name`),
    items:
      fields.optionalArray(ref.items, `${field}.items`, (item, itemField) => {
        const record = fields.record(item, itemField);
        return {
          key: fields.string(record.key, `${itemField}.key`),
          ...compact({
            templateAs: fields.optionalEnum(record.templateAs, `${itemField}.templateAs`, [
              "Values",
              "KeysAndValues",
            ]),
          }),
        };
      }) ?? [],
  };
}

// The cross-field rules of upstream's validating webhook (spec §2.3).
function validateSpec(fields: FieldReader, spec: ExternalSecretSpec, field: string): void {
  if ((spec.data?.length ?? 0) === 0 && (spec.dataFrom?.length ?? 0) === 0) {
    fields.fail(field, "either data or dataFrom should be specified");
  }
  const creation = spec.target?.creationPolicy ?? "Owner";
  const deletion = spec.target?.deletionPolicy ?? "Retain";
  if (
    deletion === "Delete" &&
    (creation === "Merge" || creation === "None" || creation === "CreateOrMerge")
  ) {
    fields.fail(
      `${field}.target.deletionPolicy`,
      "deletionPolicy=Delete must not be used when the controller doesn't own the secret, set creationPolicy=Owner",
    );
  }
  if (deletion === "Merge" && creation === "None") {
    fields.fail(
      `${field}.target.deletionPolicy`,
      "deletionPolicy=Merge must not be used with creationPolicy=None",
    );
  }
  if (deletion === "Retain") {
    const seen = new Set<string>();
    spec.data?.forEach((entry, index) => {
      if (seen.has(entry.secretKey))
        fields.fail(`${field}.data[${index}].secretKey`, `duplicate secretKey ${entry.secretKey}`);
      seen.add(entry.secretKey);
    });
  }
  const problem = templateProblem(spec.target?.template);
  if (problem !== undefined)
    fields.fail(`${field}.target.template${problem.field}`, problem.message);
}

/**
 * The template restrictions upstream applies at admission and again at reconcile time: no
 * bootstrap tokens, no service-account tokens minted through annotations, and templateFrom
 * targets limited to Data, Annotations and Labels when the target is a Secret.
 * @returns the offending sub-field (relative to the template) and message, or undefined
 */
export function templateProblem(
  template: ExternalSecretTemplate | undefined,
): { field: string; message: string } | undefined {
  if (template === undefined) return undefined;
  if (template.type === "bootstrap.kubernetes.io/token") {
    return {
      field: ".type",
      message: `template.type="bootstrap.kubernetes.io/token" is not allowed`,
    };
  }
  const froms = template.templateFrom ?? [];
  if (template.type === "kubernetes.io/service-account-token") {
    if (template.metadata?.annotations?.["kubernetes.io/service-account.name"] !== undefined) {
      return {
        field: ".metadata.annotations",
        message: `template.type="kubernetes.io/service-account-token" with annotation "kubernetes.io/service-account.name" is not allowed`,
      };
    }
    const index = froms.findIndex((from) => (from.target ?? "").toLowerCase() === "annotations");
    if (index >= 0) {
      return {
        field: `.templateFrom[${index}].target`,
        message: `template.type="kubernetes.io/service-account-token" with templateFrom target="Annotations" is not allowed`,
      };
    }
  }
  const badTarget = froms.findIndex(
    (from) => !["", "data", "annotations", "labels"].includes((from.target ?? "").toLowerCase()),
  );
  if (badTarget >= 0) {
    return {
      field: `.templateFrom[${badTarget}].target`,
      message: `templateFrom target=${JSON.stringify(froms[badTarget]?.target)} is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"`,
    };
  }
  return undefined;
}
