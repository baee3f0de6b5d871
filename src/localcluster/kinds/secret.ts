import { defineResource } from "../define-resource.js";
import { objectAt, stringAt } from "../json.js";
import type { Json, JsonObject } from "../json.js";
import type { ResourceType } from "../resource-type.js";
import { fieldError } from "../status.js";
import type { FieldError } from "../status.js";
import { builtinTable, column } from "../tables.js";
import {
  decodeBase64Map,
  decodeStringMap,
  immutableErrors,
  sizeErrors,
  validateDataKeys,
} from "./config-data.js";

/**
 * Folds `stringData` into `data` (base64) and defaults `type` to Opaque, as the Secret strategy
 * does on every write; `stringData` is never stored.
 */
export function normalizeSecret(obj: JsonObject): void {
  const stringData = objectAt(obj, "stringData");
  if (stringData !== undefined) {
    const data: JsonObject = { ...(objectAt(obj, "data") ?? {}) };
    for (const [key, value] of Object.entries(stringData)) {
      if (typeof value === "string") data[key] = Buffer.from(value, "utf8").toString("base64");
    }
    obj.data = data;
  }
  delete obj.stringData;
  if (obj.data === null) delete obj.data;
  if (typeof obj.type !== "string" || obj.type === "") obj.type = "Opaque";
}

type TypeRule = (data: JsonObject, obj: JsonObject) => FieldError[];

const requireKeys =
  (...keys: string[]): TypeRule =>
  (data) =>
    keys.filter((key) => !(key in data)).map((key) => fieldError.required(`data[${key}]`));

const requireJsonKey =
  (key: string): TypeRule =>
  (data) => {
    const value = data[key];
    if (typeof value !== "string") return [fieldError.required(`data[${key}]`)];
    try {
      JSON.parse(Buffer.from(value, "base64").toString("utf8"));
      return [];
    } catch (error) {
      return [
        fieldError.invalid(`data[${key}]`, "<secret contents redacted>", (error as Error).message),
      ];
    }
  };

const typeRules: Readonly<Record<string, TypeRule>> = {
  "kubernetes.io/service-account-token": (_data, obj) => {
    const annotations = objectAt(objectAt(obj, "metadata"), "annotations");
    const name = stringAt(annotations, "kubernetes.io/service-account.name") ?? "";
    return name === ""
      ? [fieldError.required("metadata.annotations[kubernetes.io/service-account.name]")]
      : [];
  },
  "kubernetes.io/dockercfg": requireJsonKey(".dockercfg"),
  "kubernetes.io/dockerconfigjson": requireJsonKey(".dockerconfigjson"),
  "kubernetes.io/basic-auth": (data) =>
    "username" in data || "password" in data
      ? []
      : [fieldError.required("data[username]"), fieldError.required("data[password]")],
  "kubernetes.io/ssh-auth": (data) => {
    const key = data["ssh-privatekey"];
    return typeof key === "string" && key !== ""
      ? []
      : [fieldError.required("data[ssh-privatekey]")];
  },
  "kubernetes.io/tls": requireKeys("tls.crt", "tls.key"),
};

function validateSecret(obj: JsonObject, old: JsonObject | undefined): FieldError[] {
  const data = objectAt(obj, "data") ?? {};
  const keys = validateDataKeys(data, "data", true);
  const type = stringAt(obj, "type") ?? "Opaque";
  const errors = [
    ...keys.errors,
    ...sizeErrors(keys.bytes),
    ...(typeRules[type]?.(data, obj) ?? []),
  ];
  if (old !== undefined) {
    const oldType = stringAt(old, "type") ?? "Opaque";
    if (oldType !== type) errors.push(fieldError.invalid("type", type, "field is immutable"));
    errors.push(...immutableErrors(obj, old, ["data"]));
  }
  return errors;
}

function dataCount(obj: JsonObject): Json {
  const data = objectAt(obj, "data");
  return data === undefined ? 0 : Object.keys(data).length;
}

/** core/v1 secrets. */
export const secrets: ResourceType = defineResource({
  group: "",
  version: "v1",
  resource: "secrets",
  kind: "Secret",
  namespaced: true,
  fieldLabels: { type: (obj) => stringAt(obj, "type") ?? "" },
  decode(obj) {
    decodeBase64Map(obj, "Secret", "data");
    decodeStringMap(obj, "Secret", "stringData");
  },
  prepareCreate: normalizeSecret,
  prepareUpdate: normalizeSecret,
  validate: validateSecret,
  table: builtinTable(
    [
      column("Type", "string", "Used to facilitate programmatic handling of secret data."),
      column("Data", "string", "Data contains the secret data."),
    ],
    (obj) => [stringAt(obj, "type") ?? "", dataCount(obj)],
  ),
});

function validateConfigMap(obj: JsonObject, old: JsonObject | undefined): FieldError[] {
  const data = objectAt(obj, "data");
  const binary = objectAt(obj, "binaryData");
  const textual = validateDataKeys(data, "data", false);
  const bytes = validateDataKeys(binary, "binaryData", true);
  const errors = [...textual.errors, ...bytes.errors, ...sizeErrors(textual.bytes + bytes.bytes)];
  for (const key of Object.keys(data ?? {})) {
    if (binary !== undefined && key in binary) {
      errors.push(
        fieldError.invalid(`data[${key}]`, key, "duplicate of key present in binaryData"),
      );
    }
  }
  if (old !== undefined) errors.push(...immutableErrors(obj, old, ["data", "binaryData"]));
  return errors;
}

/** core/v1 configmaps. */
export const configMaps: ResourceType = defineResource({
  group: "",
  version: "v1",
  resource: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
  shortNames: ["cm"],
  decode(obj) {
    decodeStringMap(obj, "ConfigMap", "data");
    decodeBase64Map(obj, "ConfigMap", "binaryData");
  },
  validate: validateConfigMap,
  table: builtinTable(
    [column("Data", "string", "Data contains the configuration data.")],
    (obj) => {
      const data = objectAt(obj, "data");
      const binary = objectAt(obj, "binaryData");
      return [Object.keys(data ?? {}).length + Object.keys(binary ?? {}).length];
    },
  ),
});
