// Reading Kubernetes manifests the way kubeseal does (YAML documents or a stream of JSON objects,
// decoded into Go structs that drop unknown fields), with errors that name the document and field
// and never quote the input: a snippet of a malformed Secret would leak its values.
import { parseAllDocuments, type Tags } from "yaml";
import { decodeGoBase64 } from "./go-base64.js";
import type { ObjectMeta, OwnerReference, SealedSecret, Secret, SecretTemplate } from "./types.js";

/** A document of a manifest stream, with a description for error messages. */
export interface ManifestDocument {
  /** 1-based position in the stream. */
  index: number;
  value: unknown;
}

/** Bad input: the message names the document and field and never contains input values. */
export class ManifestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ManifestError";
  }
}

// Like sigs.k8s.io/yaml (yaml.v2, YAML 1.1 booleans), but timestamps stay strings as they do there.
const withoutTimestamps = (tags: Tags): Tags =>
  tags.filter((tag) => typeof tag !== "object" || tag.tag !== "tag:yaml.org,2002:timestamp");

/**
 * Splits `text` into documents: a stream of JSON values when it starts with `{` (as Kubernetes'
 * YAMLOrJSONDecoder sniffs), else YAML documents separated by `---`. Empty documents are dropped.
 * @throws ManifestError with the line and column of a syntax error, never the text itself
 */
export function parseManifests(text: string): ManifestDocument[] {
  const values = /^\s*\{/.test(text) ? parseJsonStream(text) : parseYamlStream(text);
  return values
    .map((value, i) => ({ index: i + 1, value }))
    .filter((document) => document.value !== null && document.value !== undefined);
}

function parseYamlStream(text: string): unknown[] {
  const documents = parseAllDocuments(text, {
    version: "1.1",
    customTags: withoutTimestamps,
    prettyErrors: true, // computes linePos; its message (which quotes the input) is never used
  });
  const list = Array.isArray(documents) ? documents : [documents];
  return list.map((document, i) => {
    const error = document.errors[0];
    if (error !== undefined) {
      const where = error.linePos?.[0];
      const at = where === undefined ? "" : ` at line ${where.line}, column ${where.col}`;
      throw new ManifestError(`document ${i + 1}: invalid YAML${at} (${error.code})`);
    }
    try {
      return document.toJS({ maxAliasCount: 100 }) as unknown;
    } catch (cause) {
      throw new ManifestError(`document ${i + 1}: invalid YAML (${(cause as Error).name})`, {
        cause,
      });
    }
  });
}

// Splits concatenated JSON values by tracking nesting outside strings, then parses each.
function parseJsonStream(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === "{" || char === "[") {
      if (depth === 0) start = i;
      depth++;
    } else if (char === "}" || char === "]") {
      depth--;
      if (depth === 0) values.push(parseJson(text.slice(start, i + 1), values.length + 1));
      if (depth < 0) throw new ManifestError(`document ${values.length + 1}: invalid JSON`);
    } else if (depth === 0 && char !== undefined && !/\s/.test(char)) {
      throw new ManifestError(`document ${values.length + 1}: invalid JSON (not an object)`);
    }
  }
  if (depth !== 0 || inString) {
    throw new ManifestError(
      `document ${values.length + 1}: invalid JSON (unexpected end of input)`,
    );
  }
  return values;
}

function parseJson(text: string, index: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    // V8's message quotes the input; keep only the position.
    const position = /position (\d+)/.exec((cause as Error).message)?.[1];
    const at = position === undefined ? "" : ` at offset ${position}`;
    throw new ManifestError(`document ${index}: invalid JSON${at}`, { cause: undefined });
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Reads typed fields of one object, naming the path in errors. */
class Fields {
  readonly #object: Json;
  readonly #path: string;

  constructor(object: Json, path: string) {
    this.#object = object;
    this.#path = path;
  }

  #fail(key: string, expected: string): never {
    throw new ManifestError(`${this.#path}${key}: must be ${expected}`);
  }

  string(key: string): string | undefined {
    const value = this.#object[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") this.#fail(key, "a string");
    return value;
  }

  nullableString(key: string): string | null | undefined {
    return this.#object[key] === null ? null : this.string(key);
  }

  number(key: string): number | undefined {
    const value = this.#object[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value)) this.#fail(key, "an integer");
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.#object[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") this.#fail(key, "a boolean");
    return value;
  }

  stringMap(key: string): Record<string, string> | undefined {
    const value = this.#object[key];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) this.#fail(key, "a map of strings");
    const result: Record<string, string> = {};
    for (const [name, item] of Object.entries(value)) {
      if (item === null) {
        result[name] = ""; // Go decodes null into a map of strings as ""
        continue;
      }
      if (typeof item !== "string") this.#fail(`${key}.${name}`, "a string");
      result[name] = item;
    }
    return result;
  }

  strings(key: string): string[] | undefined {
    const value = this.#object[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      this.#fail(key, "a list of strings");
    }
    return value as string[];
  }

  object(key: string): Fields | undefined {
    const value = this.#object[key];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) this.#fail(key, "an object");
    return new Fields(value, `${this.#path}${key}.`);
  }

  list(key: string): unknown[] | undefined {
    const value = this.#object[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) this.#fail(key, "a list");
    return value as unknown[];
  }

  raw(key: string): unknown {
    return this.#object[key];
  }

  get path(): string {
    return this.#path;
  }
}

// Adds `value` under `key` unless it is undefined (exactOptionalPropertyTypes forbids undefined).
function put<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}

function decodeOwnerReferences(fields: Fields): OwnerReference[] | undefined {
  const list = fields.list("ownerReferences");
  return list?.map((item, i) => {
    if (!isObject(item))
      throw new ManifestError(`${fields.path}ownerReferences[${i}]: must be an object`);
    const ref = new Fields(item, `${fields.path}ownerReferences[${i}].`);
    const result: OwnerReference = {
      apiVersion: ref.string("apiVersion") ?? "",
      kind: ref.string("kind") ?? "",
      name: ref.string("name") ?? "",
      uid: ref.string("uid") ?? "",
    };
    put(result, "controller", ref.boolean("controller"));
    put(result, "blockOwnerDeletion", ref.boolean("blockOwnerDeletion"));
    return result;
  });
}

function decodeMeta(fields: Fields | undefined): ObjectMeta {
  const meta: ObjectMeta = {};
  if (fields === undefined) return meta;
  for (const key of [
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
  ] as const) {
    put(meta, key, fields.string(key));
  }
  put(meta, "generation", fields.number("generation"));
  put(meta, "creationTimestamp", fields.nullableString("creationTimestamp"));
  put(meta, "deletionTimestamp", fields.nullableString("deletionTimestamp"));
  put(meta, "deletionGracePeriodSeconds", fields.number("deletionGracePeriodSeconds"));
  put(meta, "labels", fields.stringMap("labels"));
  put(meta, "annotations", fields.stringMap("annotations"));
  put(meta, "ownerReferences", decodeOwnerReferences(fields));
  put(meta, "finalizers", fields.strings("finalizers"));
  put(meta, "managedFields", fields.list("managedFields"));
  return meta;
}

/** Describes a document for messages: `document 2 ("team-a/db")`. */
export function describeDocument(index: number, value: unknown): string {
  const meta = isObject(value) && isObject(value.metadata) ? value.metadata : {};
  const name = typeof meta.name === "string" ? meta.name : "";
  const namespace = typeof meta.namespace === "string" ? meta.namespace : "";
  const id = namespace === "" ? name : `${namespace}/${name}`;
  return id === "" || id === "/" ? `document ${index}` : `document ${index} ("${id}")`;
}

function rootFields(document: ManifestDocument): Fields {
  if (!isObject(document.value)) {
    throw new ManifestError(`${describeDocument(document.index, document.value)}: not an object`);
  }
  return new Fields(document.value, `${describeDocument(document.index, document.value)}: `);
}

/**
 * Decodes one document as a `v1/Secret`, as kubeseal does: unknown fields are dropped and `kind`
 * is not required, but a document that names another kind is refused (kubeseal would seal it).
 * `data` values are checked as Go's base64 decoder checks them.
 * @throws ManifestError naming the document and field
 */
export function decodeSecret(document: ManifestDocument): Secret {
  const fields = rootFields(document);
  const kind = fields.string("kind");
  const apiVersion = fields.string("apiVersion");
  if (
    (kind !== undefined && kind !== "Secret") ||
    (apiVersion !== undefined && apiVersion !== "v1")
  ) {
    throw new ManifestError(
      `${fields.path}not a v1/Secret (apiVersion "${apiVersion ?? ""}", kind "${kind ?? ""}")`,
    );
  }
  const secret: Secret = { metadata: decodeMeta(fields.object("metadata")) };
  put(secret, "apiVersion", apiVersion);
  put(secret, "kind", kind);
  put(secret, "immutable", fields.boolean("immutable"));
  const data = fields.stringMap("data");
  for (const [key, value] of Object.entries(data ?? {})) {
    try {
      decodeGoBase64(value);
    } catch (cause) {
      throw new ManifestError(`${fields.path}data.${key}: ${(cause as Error).message}`, { cause });
    }
  }
  put(secret, "data", data);
  put(secret, "stringData", fields.stringMap("stringData"));
  put(secret, "type", fields.string("type"));
  return secret;
}

/** True when a decoded Secret is the zero object (kubeseal skips those documents). */
export function isEmptySecret(secret: Secret): boolean {
  return Object.keys(secret).length === 1 && Object.keys(secret.metadata).length === 0;
}

// Upstream keeps a non-string encryptedData value as an empty item that then fails to decrypt,
// so one malformed entry never makes the whole object unreadable (§4.2).
function lenientStringMap(fields: Fields, key: string): Record<string, string> {
  const value = fields.raw(key);
  if (!isObject(value)) return {};
  const result: Record<string, string> = {};
  for (const [name, item] of Object.entries(value))
    result[name] = typeof item === "string" ? item : "";
  return result;
}

function decodeTemplate(fields: Fields | undefined): SecretTemplate | undefined {
  if (fields === undefined) return undefined;
  const template: SecretTemplate = {};
  const metadata = fields.object("metadata");
  if (metadata !== undefined) template.metadata = decodeMeta(metadata);
  put(template, "type", fields.string("type"));
  put(template, "immutable", fields.boolean("immutable"));
  if (fields.raw("data") === null) template.data = null;
  else put(template, "data", fields.stringMap("data"));
  return template;
}

/**
 * Decodes one document as a SealedSecret. With `requireTypeMeta` (kubeseal's decoder for
 * `--recovery-unseal` and `--merge-into`), apiVersion and kind must say `bitnami.com/v1alpha1`
 * `SealedSecret`; without it (a controller's cache), they are not checked.
 * @throws ManifestError naming the document and field
 */
export function decodeSealedSecret(
  document: ManifestDocument,
  options: { requireTypeMeta?: boolean } = {},
): SealedSecret {
  const fields = rootFields(document);
  const apiVersion = fields.string("apiVersion");
  const kind = fields.string("kind");
  if (
    options.requireTypeMeta === true &&
    (apiVersion !== "bitnami.com/v1alpha1" || kind !== "SealedSecret")
  ) {
    throw new ManifestError(
      `${fields.path}not a bitnami.com/v1alpha1 SealedSecret (apiVersion "${apiVersion ?? ""}", kind "${kind ?? ""}")`,
    );
  }
  const spec = fields.object("spec");
  const sealed: SealedSecret = {
    metadata: decodeMeta(fields.object("metadata")),
    spec: { encryptedData: spec === undefined ? {} : lenientStringMap(spec, "encryptedData") },
  };
  put(sealed, "apiVersion", apiVersion);
  put(sealed, "kind", kind);
  const template = decodeTemplate(spec?.object("template"));
  if (template !== undefined) sealed.spec.template = template;
  const legacy = spec?.nullableString("data");
  if (legacy !== undefined && legacy !== null) sealed.spec.data = legacy;
  return sealed;
}
