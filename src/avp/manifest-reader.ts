import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar, type Document } from "yaml";
import { goJsonFloat, goJsonMarshal } from "../providers/index.js";
import { goJsonStream } from "./go-json.js";
import { formatGoFloatG, resolvePlain } from "./go-yaml.js";
import { isAvpObject, unstructuredNumber, type AvpObject, type AvpValue } from "./value.js";

/**
 * Reading manifests as argocd-vault-plugin does (Kubernetes' YAML-or-JSON decoder into
 * `unstructured.Unstructured`): a stream whose first byte is `{` is JSON, anything else is YAML
 * split on `---` lines and read with go-yaml v2 rules (YAML 1.1 booleans, octal and hex integers,
 * merge keys), converted to JSON, then to int64/float64 numbers.
 */

/** A manifest reading error, worded like the Go libraries' errors. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/** go-yaml's value before sigs.k8s.io/yaml turns it into JSON (keys may be any scalar). */
type GoValue = null | boolean | string | bigint | number | GoValue[] | GoMap;
interface GoMap {
  readonly entries: Map<string, { readonly key: GoValue; value: GoValue }>;
}

const aliasBudget = 1_000_000;

/**
 * Splits a YAML stream on document separator lines (`---`, optionally followed by a comment), as
 * apimachinery's YAMLReader does.
 * @throws ManifestError "invalid Yaml document separator: …" for `---` followed by other text
 */
export function splitYamlDocuments(text: string): string[] {
  const documents: string[] = [];
  let buffer = "";
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  for (const line of lines) {
    if (line.startsWith("---")) {
      const trimmed = line.slice(3).trim();
      if (trimmed !== "" && !trimmed.startsWith("#")) {
        throw new ManifestError(`invalid Yaml document separator: ${trimmed}`);
      }
      if (buffer !== "") documents.push(buffer);
      buffer = "";
      continue;
    }
    buffer += line;
  }
  if (buffer !== "") documents.push(buffer);
  return documents;
}

/**
 * Decodes one YAML document the way `sigs.k8s.io/yaml.Unmarshal` does for AVP: go-yaml v2 into
 * `interface{}`, converted to JSON. Returns undefined for an empty document (comments only).
 * @throws ManifestError "error converting YAML to JSON: yaml: line N: …" for syntax errors
 */
export function decodeYamlDocument(text: string): AvpValue | undefined {
  const documents = parseAllDocuments(text, {
    version: "1.1",
    schema: "failsafe",
    uniqueKeys: false,
    prettyErrors: false,
    strict: false,
  });
  const document = Array.isArray(documents) ? documents[0] : undefined;
  if (document === undefined) return undefined;
  const error = document.errors[0];
  if (error !== undefined) {
    const lineAt = (offset: number): number => text.slice(0, offset).split("\n").length;
    const next = document.errors[1];
    // A block mapping nested in a compact one spans lines: libyaml stops at the line of its ':'.
    const problemLine =
      error.code === "BLOCK_AS_IMPLICIT_KEY" && next?.code === "MULTILINE_IMPLICIT_KEY"
        ? lineAt(next.pos[1])
        : lineAt(error.pos[0]);
    throw new ManifestError(
      `error converting YAML to JSON: yaml: ${goYamlProblem(error.code, error.message, problemLine)}`,
    );
  }
  if (document.contents === null) return undefined;
  let goValue: GoValue;
  try {
    goValue = new GoYamlDecoder(document).decode(document.contents);
  } catch (cause) {
    throw new ManifestError(`error converting YAML to JSON: yaml: ${(cause as Error).message}`);
  }
  if (goValue === null) return undefined;
  try {
    return toJsonValue(goValue);
  } catch (cause) {
    throw new ManifestError(`error converting YAML to JSON: ${(cause as Error).message}`);
  }
}

/**
 * libyaml's wording and line for the problems both parsers see the same way. go-yaml reports a
 * parser error (bad indentation) at the line before the offending one, a scanner error (a tab used
 * as indentation, a ':' where a mapping cannot start) at the offending line.
 */
function goYamlProblem(code: string, message: string, line: number): string {
  if (code === "BAD_INDENT") return `line ${Math.max(line - 1, 1)}: did not find expected key`;
  if (code === "TAB_AS_INDENT") return `line ${line}: found character that cannot start any token`;
  if (code === "BLOCK_AS_IMPLICIT_KEY")
    return `line ${line}: mapping values are not allowed in this context`;
  return `line ${line}: ${lowerFirst(message)}`;
}

function lowerFirst(text: string): string {
  const firstLine = text.split("\n")[0] ?? text;
  return firstLine.charAt(0).toLowerCase() + firstLine.slice(1);
}

class GoYamlDecoder {
  readonly #document: Document;
  #budget = aliasBudget;

  constructor(document: Document) {
    this.#document = document;
  }

  decode(node: unknown): GoValue {
    if (--this.#budget < 0) throw new Error("document contains excessive aliasing");
    if (isAlias(node)) {
      const target = node.resolve(this.#document);
      if (target === undefined) throw new Error(`unknown anchor '${node.source}' referenced`);
      return this.decode(target);
    }
    if (isScalar(node)) return this.#scalar(node);
    if (isSeq(node)) return node.items.map((item) => this.decode(item));
    if (isMap(node)) return this.#mapping(node.items);
    return null;
  }

  #mapping(items: readonly { key: unknown; value: unknown }[]): GoMap {
    const out: GoMap = { entries: new Map() };
    for (const pair of items) {
      if (this.#isMergeKey(pair.key)) {
        this.#merge(pair.value, out);
        continue;
      }
      const key = this.decode(pair.key);
      const value = pair.value === null ? null : this.decode(pair.value);
      out.entries.set(keyIdentity(key), { key, value });
    }
    return out;
  }

  #isMergeKey(key: unknown): boolean {
    return (
      isScalar(key) &&
      key.value === "<<" &&
      ((key.type === Scalar.PLAIN && key.tag === undefined) ||
        key.tag === "tag:yaml.org,2002:merge")
    );
  }

  #merge(value: unknown, out: GoMap): void {
    const wantMap = (): never => {
      throw new Error("map merge requires map or sequence of maps as the value");
    };
    const target = isAlias(value) ? value.resolve(this.#document) : value;
    if (isMap(target)) {
      this.#mergeInto(target, out);
      return;
    }
    if (!isSeq(target)) wantMap();
    // Earlier maps take precedence, so apply them last.
    for (const item of [...(target as { items: unknown[] }).items].reverse()) {
      const resolved = isAlias(item) ? item.resolve(this.#document) : item;
      if (!isMap(resolved)) wantMap();
      this.#mergeInto(resolved, out);
    }
  }

  #mergeInto(source: unknown, out: GoMap): void {
    const merged = this.decode(source);
    if (
      merged === null ||
      typeof merged !== "object" ||
      Array.isArray(merged) ||
      !("entries" in merged)
    )
      return;
    for (const [identity, entry] of merged.entries) out.entries.set(identity, entry);
  }

  #scalar(node: Scalar): GoValue {
    const text = typeof node.value === "string" ? node.value : String(node.value);
    const tag = node.tag;
    if (tag === undefined || tag === "!") {
      if (node.type !== Scalar.PLAIN || tag === "!") return text;
      return fromResolved(text);
    }
    switch (tag) {
      case "tag:yaml.org,2002:str":
      case "tag:yaml.org,2002:timestamp":
        return text;
      case "tag:yaml.org,2002:binary":
        return Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8");
      case "tag:yaml.org,2002:int":
      case "tag:yaml.org,2002:float":
      case "tag:yaml.org,2002:bool":
      case "tag:yaml.org,2002:null":
        return taggedScalar(text, tag.slice("tag:yaml.org,2002:".length));
      default:
        // go-yaml keeps the text of a scalar with a tag it does not resolve.
        return text;
    }
  }
}

function fromResolved(text: string): GoValue {
  const resolved = resolvePlain(text);
  switch (resolved.tag) {
    case "null":
      return null;
    case "bool":
    case "int":
    case "float":
      return resolved.value;
    default:
      // Strings, timestamps (kept as text when decoding into interface{}) and "<<" outside a key.
      return text;
  }
}

function taggedScalar(text: string, tag: string): GoValue {
  const resolved = resolvePlain(text);
  const wanted = tag === "int" || tag === "float" || tag === "bool" || tag === "null";
  if (wanted && resolved.tag === tag) return fromResolved(text);
  if (tag === "float" && resolved.tag === "int") return Number(resolved.value);
  const shown = resolved.tag === "timestamp" || resolved.tag === "merge" ? "str" : resolved.tag;
  throw new Error(`cannot decode !!${shown} \`${text}\` as a !!${tag}`);
}

function keyIdentity(key: GoValue): string {
  if (typeof key === "string") return `s:${key}`;
  if (typeof key === "bigint") return `i:${key.toString()}`;
  if (typeof key === "number") return `f:${String(key)}`;
  if (typeof key === "boolean") return `b:${String(key)}`;
  if (key === null) return "n:";
  return `o:${Math.random()}`;
}

/** sigs.k8s.io/yaml's conversion to JSON, then Kubernetes' unstructured number rule. */
function toJsonValue(value: GoValue): AvpValue {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "bigint") return unstructuredNumber(value.toString());
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new Error(`json: unsupported value: ${formatGoFloatG(value)}`);
    return unstructuredNumber(goJsonFloat(value));
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  const out: AvpObject = {};
  for (const { key, value: inner } of value.entries.values()) {
    out[jsonKey(key)] = toJsonValue(inner);
  }
  return out;
}

function jsonKey(key: GoValue): string {
  if (typeof key === "string") return key;
  if (typeof key === "bigint") return key.toString();
  if (typeof key === "boolean") return key ? "true" : "false";
  if (typeof key === "number") return formatGoFloatG(Math.fround(key));
  throw new Error(`Unsupported map key of type: ${key === null ? "%!s(<nil>)" : "map"}`);
}

/**
 * Reads every manifest of one file or of stdin, in order.
 * @throws ManifestError worded like AVP's decoder errors
 */
export function readManifests(bytes: Uint8Array): AvpObject[] {
  const text = Buffer.from(bytes).toString("utf8");
  // The decoder peeks at a single byte: only a leading `{` selects JSON.
  if (text.startsWith("{")) {
    let values: AvpValue[];
    try {
      values = goJsonStream(text, unstructuredNumber);
    } catch (cause) {
      throw new ManifestError((cause as Error).message);
    }
    return values.map((value) => asManifest(value, ""));
  }
  const manifests: AvpObject[] = [];
  for (const chunk of splitYamlDocuments(text)) {
    const value = decodeYamlDocument(chunk);
    if (value === undefined) continue;
    manifests.push(asManifest(value, "error unmarshaling JSON: while decoding JSON: "));
  }
  return manifests;
}

function asManifest(value: AvpValue, prefix: string): AvpObject {
  if (!isAvpObject(value)) {
    const kind = Array.isArray(value)
      ? "array"
      : typeof value === "string"
        ? "string"
        : typeof value === "boolean"
          ? "bool"
          : value === null
            ? "null"
            : "number";
    throw new ManifestError(
      `${prefix}json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`,
    );
  }
  const kind = value.kind;
  if (typeof kind !== "string" || kind === "") {
    throw new ManifestError(`${prefix}Object 'Kind' is missing in '${goJsonMarshal(value)}'`);
  }
  return value;
}
