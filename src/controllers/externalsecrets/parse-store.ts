import { compileGoRegexp } from "./go-regexp.js";
import { parseGoDuration } from "../../templating/index.js";
import { FieldReader } from "./object-error.js";
import { compact, readConditions, readLabelSelector, readMetadata } from "./parse-common.js";
import type { ClusterSecretStoreCondition, SecretStore, SecretStoreSpec } from "./types.js";

/** The provider keys of an external-secrets.io/v1 store (spec §7.1); exactly one is set. */
export const providerKeys = [
  "aws",
  "azurekv",
  "akeyless",
  "bitwardensecretsmanager",
  "vault",
  "ovh",
  "gcpsm",
  "oracle",
  "ibm",
  "yandexcertificatemanager",
  "yandexlockbox",
  "github",
  "gitlab",
  "onepassword",
  "onepasswordSDK",
  "webhook",
  "kubernetes",
  "crd",
  "fake",
  "senhasegura",
  "scaleway",
  "doppler",
  "previder",
  "onboardbase",
  "keepersecurity",
  "conjur",
  "delinea",
  "secretserver",
  "chef",
  "pulumi",
  "fortanix",
  "passworddepot",
  "passbolt",
  "dvls",
  "infisical",
  "beyondtrust",
  "beyondtrustworkloadcredentials",
  "cloudrusm",
  "volcengine",
  "ngrok",
  "barbican",
  "nebiusmysterybox",
  "openBao",
] as const;

/** The store controller's default re-validation period (`--store-requeue-interval`). */
export const defaultStoreRequeueMs = 5 * 60_000;

/**
 * Parses and validates a SecretStore or ClusterSecretStore: structure, exactly one provider,
 * namespaceRegexes that compile, a non-negative refreshInterval, and (for a SecretStore) the rule
 * that a reference inside the provider names no other namespace (spec §1.3, §7.3).
 * @throws ObjectError naming the object and field
 */
export function parseSecretStore(value: unknown): SecretStore {
  const top = new FieldReader("secretstore").record(value, "(document)");
  const kind = top.kind;
  const meta = top.metadata as { name?: unknown; namespace?: unknown } | undefined;
  const clusterScoped = kind === "ClusterSecretStore";
  const name = typeof meta?.name === "string" ? meta.name : "";
  const id =
    clusterScoped || typeof meta?.namespace !== "string" ? name : `${meta.namespace}/${name}`;
  const fields = new FieldReader(
    `${clusterScoped ? "clustersecretstore" : "secretstore"} ${JSON.stringify(id)}`,
  );
  if (kind !== "SecretStore" && kind !== "ClusterSecretStore")
    fields.fail("kind", "must be SecretStore or ClusterSecretStore");
  const apiVersion = fields.string(top.apiVersion, "apiVersion");
  if (apiVersion !== "external-secrets.io/v1" && apiVersion !== "external-secrets.io/v1beta1") {
    fields.fail("apiVersion", "must be external-secrets.io/v1 or external-secrets.io/v1beta1");
  }
  const metadata = readMetadata(fields, top.metadata, !clusterScoped);
  const spec = readStoreSpec(fields, top.spec, metadata.namespace, clusterScoped);
  const status = fields.optionalRecord(top.status, "status");
  return {
    apiVersion,
    kind: clusterScoped ? "ClusterSecretStore" : "SecretStore",
    metadata: clusterScoped ? { ...metadata, namespace: "" } : metadata,
    spec,
    ...(status === undefined
      ? {}
      : {
          status: compact({
            conditions: readConditions(fields, status.conditions, "status.conditions"),
            capabilities: fields.optionalEnum(status.capabilities, "status.capabilities", [
              "ReadOnly",
              "WriteOnly",
              "ReadWrite",
            ]),
          }),
        }),
  };
}

function readStoreSpec(
  fields: FieldReader,
  value: unknown,
  namespace: string,
  clusterScoped: boolean,
): SecretStoreSpec {
  const spec = fields.record(value, "spec");
  const provider = fields.record(spec.provider, "spec.provider");
  const keys = Object.keys(provider).filter(
    (key) => provider[key] !== undefined && provider[key] !== null,
  );
  if (keys.length !== 1)
    fields.fail("spec.provider", `must set exactly one provider, found ${keys.length}`);
  const [providerKey = ""] = keys;
  if (!(providerKeys as readonly string[]).includes(providerKey)) {
    fields.fail(`spec.provider.${providerKey}`, "is not a known provider");
  }
  fields.record(provider[providerKey], `spec.provider.${providerKey}`);
  if (!clusterScoped)
    checkReferenceNamespaces(
      fields,
      provider[providerKey],
      `spec.provider.${providerKey}`,
      namespace,
    );
  const retry = fields.optionalRecord(spec.retrySettings, "spec.retrySettings");
  return {
    provider,
    ...compact({
      controller: fields.optionalString(spec.controller, "spec.controller"),
      retrySettings:
        retry === undefined
          ? undefined
          : compact({
              maxRetries: readInteger(fields, retry.maxRetries, "spec.retrySettings.maxRetries"),
              retryInterval: fields.optionalString(
                retry.retryInterval,
                "spec.retrySettings.retryInterval",
              ),
            }),
      refreshInterval: readRefreshInterval(fields, spec.refreshInterval),
      conditions: fields.optionalArray(spec.conditions, "spec.conditions", (item, field) =>
        readCondition(fields, item, field),
      ),
    }),
  };
}

function readInteger(fields: FieldReader, value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value))
    return fields.fail(field, "must be an integer");
  return value;
}

function readRefreshInterval(fields: FieldReader, value: unknown): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0)
      fields.fail("spec.refreshInterval", "must be a non-negative number of seconds");
    return value;
  }
  const text = fields.optionalString(value, "spec.refreshInterval") ?? "";
  let ms: number;
  try {
    ms = /^[0-9]+$/.test(text) ? Number(text) * 1000 : parseGoDuration(text);
  } catch (error) {
    return fields.fail("spec.refreshInterval", (error as Error).message);
  }
  if (ms < 0) fields.fail("spec.refreshInterval", "must not be negative");
  return text;
}

function readCondition(
  fields: FieldReader,
  value: unknown,
  field: string,
): ClusterSecretStoreCondition {
  const condition = fields.record(value, field);
  const regexes = fields.optionalStringList(
    condition.namespaceRegexes,
    `${field}.namespaceRegexes`,
  );
  regexes?.forEach((pattern, index) => {
    try {
      compileGoRegexp(pattern);
    } catch (error) {
      fields.fail(
        `${field}.namespaceRegexes[${index}]`,
        `invalid regexp: ${(error as Error).message}`,
      );
    }
  });
  return compact({
    namespaceSelector:
      condition.namespaceSelector == null
        ? undefined
        : readLabelSelector(fields, condition.namespaceSelector, `${field}.namespaceSelector`),
    namespaces: fields.optionalStringList(condition.namespaces, `${field}.namespaces`),
    namespaceRegexes: regexes,
  });
}

// Every object with a string `name` and a string `namespace` inside a provider spec is a
// reference (SecretKeySelector, ServiceAccountSelector, CAProvider); a namespaced store may only
// point into its own namespace (upstream's ValidateSecretSelector / ValidateReferentSecretSelector).
function checkReferenceNamespaces(
  fields: FieldReader,
  value: unknown,
  field: string,
  namespace: string,
): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkReferenceNamespaces(fields, item, `${field}[${index}]`, namespace);
    });
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const record = value as Record<string, unknown>;
  if (
    typeof record.name === "string" &&
    typeof record.namespace === "string" &&
    record.namespace !== namespace
  ) {
    fields.fail(
      `${field}.namespace`,
      "namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore",
    );
  }
  for (const [key, item] of Object.entries(record))
    checkReferenceNamespaces(fields, item, `${field}.${key}`, namespace);
}

/** The provider key a store uses (`vault`, `kubernetes`, `fake`, …). */
export function storeProviderKey(store: SecretStore): string {
  return Object.keys(store.spec.provider).find((key) => store.spec.provider[key] != null) ?? "";
}

/**
 * How often a store is re-validated: `spec.refreshInterval` (seconds, or a Go duration) when
 * positive, else the controller's `--store-requeue-interval`.
 */
export function storeRequeueMs(store: SecretStore, fallbackMs = defaultStoreRequeueMs): number {
  const interval = store.spec.refreshInterval;
  if (interval === undefined) return fallbackMs;
  const ms =
    typeof interval === "number"
      ? interval * 1000
      : /^[0-9]+$/.test(interval)
        ? Number(interval) * 1000
        : parseGoDuration(interval);
  return ms > 0 ? ms : fallbackMs;
}
