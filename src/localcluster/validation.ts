import { arrayAt, isObject, objectAt } from "./json.js";
import type { JsonObject } from "./json.js";
import { fieldError } from "./status.js";
import type { FieldError } from "./status.js";

const dns1123LabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNamePattern = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const configKeyPattern = /^[-._a-zA-Z0-9]+$/;

const subdomainHelp =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for " +
  "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelHelp =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must " +
  "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for " +
  "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Problems with `value` as a DNS-1123 subdomain (≤ 253), as apimachinery words them. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push("must be no more than 253 characters");
  if (!dns1123SubdomainPattern.test(value)) errors.push(subdomainHelp);
  return errors;
}

/** Problems with `value` as a DNS-1123 label (≤ 63). */
export function dns1123LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push("must be no more than 63 characters");
  if (!dns1123LabelPattern.test(value)) errors.push(labelHelp);
  return errors;
}

/** Problems with a qualified name (`prefix/name`), used for label keys and finalizers. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split("/");
  let name = value;
  const errors: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix === "") errors.push("prefix part must be non-empty");
    else errors.push(...dns1123SubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start " +
        "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', " +
        "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an " +
        "optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === "") errors.push("name part must be non-empty");
  else if (name.length > 63) errors.push("name part must be no more than 63 characters");
  else if (!qualifiedNamePattern.test(name)) {
    errors.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
        "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used " +
        "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return errors;
}

/** Problems with a label value. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push("must be no more than 63 characters");
  if (!labelValuePattern.test(value)) {
    errors.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or " +
        "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or " +
        "'my_value',  or '12345', regex used for validation is " +
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  }
  return errors;
}

/** Problems with a Secret/ConfigMap data key. */
export function configKeyErrors(key: string): string[] {
  const errors: string[] = [];
  if (key.length > 253) errors.push("must be no more than 253 characters");
  if (!configKeyPattern.test(key)) {
    errors.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. " +
        "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  }
  if (key === ".") errors.push("must not be '.'");
  else if (key === "..") errors.push("must not be '..'");
  else if (key.startsWith("..")) errors.push("must not start with '..'");
  return errors;
}

/** How an object's name is checked. */
export type NameRule = "subdomain" | "label" | "none";

const totalAnnotationSizeLimit = 256 * 1024;

/**
 * Validates `metadata` the way every kind does: name (by `rule`), labels, annotations size,
 * finalizers and owner references.
 */
export function validateObjectMeta(
  obj: JsonObject,
  rule: NameRule,
  namespaced: boolean,
  coreGroup = false,
): FieldError[] {
  const meta = objectAt(obj, "metadata") ?? {};
  const errors: FieldError[] = [];
  const name = typeof meta.name === "string" ? meta.name : "";
  if (name === "") {
    errors.push(fieldError.required("metadata.name", "name or generateName is required"));
  } else if (rule !== "none") {
    const problems = rule === "label" ? dns1123LabelErrors(name) : dns1123SubdomainErrors(name);
    for (const problem of problems) errors.push(fieldError.invalid("metadata.name", name, problem));
  }
  if (namespaced && (typeof meta.namespace !== "string" || meta.namespace === "")) {
    errors.push(fieldError.required("metadata.namespace"));
  }
  errors.push(...validateLabels(objectAt(meta, "labels")));
  errors.push(...validateAnnotations(objectAt(meta, "annotations")));
  errors.push(...validateFinalizers(meta, coreGroup));
  errors.push(...validateOwnerReferences(meta));
  return errors;
}

function validateLabels(labels: JsonObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const problem of qualifiedNameErrors(key)) {
      errors.push(fieldError.invalid("metadata.labels", key, problem));
    }
    if (typeof value !== "string") {
      errors.push(fieldError.typeInvalid(`metadata.labels`, value, "must be a string"));
      continue;
    }
    for (const problem of labelValueErrors(value)) {
      errors.push(fieldError.invalid("metadata.labels", value, problem));
    }
  }
  return errors;
}

function validateAnnotations(annotations: JsonObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    for (const problem of qualifiedNameErrors(key.toLowerCase())) {
      errors.push(fieldError.invalid("metadata.annotations", key, problem));
    }
    total += key.length + (typeof value === "string" ? value.length : 0);
  }
  if (total > totalAnnotationSizeLimit) {
    errors.push(
      fieldError.tooLong(
        "metadata.annotations",
        `must have at most ${totalAnnotationSizeLimit} bytes`,
      ),
    );
  }
  return errors;
}

const standardFinalizers = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

function validateFinalizers(meta: JsonObject, coreGroup: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  (arrayAt(meta, "finalizers") ?? []).forEach((finalizer, i) => {
    const field = `metadata.finalizers[${i}]`;
    if (typeof finalizer !== "string") {
      errors.push(fieldError.typeInvalid(field, finalizer, "must be a string"));
      return;
    }
    if (seen.has(finalizer)) errors.push(fieldError.duplicate(field, finalizer));
    seen.add(finalizer);
    for (const problem of qualifiedNameErrors(finalizer)) {
      errors.push(fieldError.invalid(field, finalizer, problem));
    }
    // Only core kinds insist on standard or domain-qualified names (pkg/apis/core/validation).
    if (coreGroup && !finalizer.includes("/") && !standardFinalizers.has(finalizer)) {
      errors.push(
        fieldError.invalid(
          field,
          finalizer,
          "name is neither a standard finalizer name nor is it fully qualified",
        ),
      );
    }
  });
  return errors;
}

function validateOwnerReferences(meta: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  let controllers = 0;
  (arrayAt(meta, "ownerReferences") ?? []).forEach((ref, i) => {
    const field = `metadata.ownerReferences[${i}]`;
    if (!isObject(ref)) {
      errors.push(fieldError.typeInvalid(field, ref, "must be an object"));
      return;
    }
    for (const key of ["apiVersion", "kind", "name", "uid"]) {
      const value = ref[key];
      if (typeof value !== "string" || value === "") {
        errors.push(fieldError.invalid(`${field}.${key}`, value ?? "", `${key} must not be empty`));
      }
    }
    if (ref.controller === true) controllers++;
  });
  if (controllers > 1) {
    errors.push(
      fieldError.invalid(
        "metadata.ownerReferences",
        "",
        "Only one reference can have Controller set to true",
      ),
    );
  }
  return errors;
}
