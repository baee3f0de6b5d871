import { parseAllDocuments, parseDocument, type Document, type Tags } from "yaml";
import type { JsonValue } from "./json.js";

/**
 * Parses YAML the way Argo CD's Go code reads it (go-yaml v2 through sigs.k8s.io/yaml, then JSON):
 * YAML 1.1 scalars (`yes`/`no`/`on`/`off`/`y`/`n` are booleans, also as keys, which then become
 * "true"/"false"; `0755` is octal; `1_000` is 1000), timestamps stay strings, every number is a
 * double, and only the FIRST document of a multi-document text is read. An empty text gives null.
 * @throws Error with the parser's message (line and column) when the first document is malformed
 */
export function parseYaml11(text: string): JsonValue {
  const documents = parseAllDocuments(text, {
    version: "1.1" as const,
    schema: "yaml-1.1",
    ...options,
  });
  if (!Array.isArray(documents)) return null; // an empty stream
  const first = documents[0];
  if (first === undefined) return null;
  return toJson(first);
}

/**
 * Parses every document of a YAML 1.1 text (Kubernetes manifests as kubectl reads them),
 * skipping empty documents.
 * @throws Error naming the document index (from 1) when one is malformed
 */
export function parseYaml11Documents(text: string): JsonValue[] {
  const documents = parseAllDocuments(text, {
    version: "1.1" as const,
    schema: "yaml-1.1",
    ...options,
  });
  if (!Array.isArray(documents)) return [];
  const values: JsonValue[] = [];
  documents.forEach((document, index) => {
    const value = toJson(document, documents.length > 1 ? index + 1 : undefined);
    if (value !== null) values.push(value);
  });
  return values;
}

/**
 * Parses a single YAML 1.1 document; for text that must be exactly one value.
 * @throws Error with the parser's message when malformed
 */
export function parseYaml11Single(text: string): JsonValue {
  return toJson(parseDocument(text, { version: "1.1" as const, schema: "yaml-1.1", ...options }));
}

// Timestamps are not resolved: sigs.k8s.io/yaml hands them to JSON as the text written.
const options = { customTags: (tags: Tags): Tags => tags.filter(notTimestamp) };

function notTimestamp(tag: Tags[number]): boolean {
  return !(typeof tag === "object" && "tag" in tag && tag.tag === "tag:yaml.org,2002:timestamp");
}

function toJson(document: Document.Parsed, index?: number): JsonValue {
  const error = document.errors[0];
  if (error !== undefined) {
    const where = index === undefined ? "" : `document ${index}: `;
    throw new Error(`${where}${(error.message.split("\n")[0] ?? error.message).replace(/:$/, "")}`);
  }
  return (document.toJS({ maxAliasCount: 1000 }) ?? null) as JsonValue;
}
