// The five stores behind one interface: parse plaintext, parse an encrypted file (splitting off
// the metadata), and write either form, each the way sops 3.13's store of that format does.
import { isAscii } from "node:buffer";
import { SopsError, SopsExitCode } from "../errors.js";
import { flattenMetadata, unflattenMetadata } from "../flatten.js";
import { parseMetadata, serializeMetadata, type Metadata } from "../metadata.js";
import {
  treeMap,
  type TreeBranches,
  type TreeItem,
  type TreeMap,
  type TreeValue,
} from "../tree.js";
import { bytesToStringValue } from "../values.js";
import { readDotenv, writeDotenv } from "./dotenv.js";
import { readIni, writeIni } from "./ini.js";
import { emitJsonDocumentBytes, emitJsonValue, parseJsonObject } from "./json.js";
import { readYaml } from "./yaml-read.js";
import { writeYaml, writeYamlValue } from "./yaml-write.js";

/** The file formats sops knows. */
export type Format = "yaml" | "json" | "dotenv" | "ini" | "binary";

/** Every format name, for validating `--input-type`/`--output-type`. */
export const FORMATS: readonly Format[] = ["yaml", "json", "dotenv", "ini", "binary"];

/**
 * The format sops picks for a file name: `.yaml`/`.yml`, `.json`, `.env`, `.ini`, anything else
 * (including no name) binary.
 */
export function formatForPath(path: string | undefined): Format {
  if (path === undefined) return "binary";
  if (path.endsWith(".yaml") || path.endsWith(".yml")) return "yaml";
  if (path.endsWith(".json")) return "json";
  if (path.endsWith(".env")) return "dotenv";
  if (path.endsWith(".ini")) return "ini";
  return "binary";
}

/** Store settings from `.sops.yaml` (`stores:`) or `--indent`. */
export interface StoreOptions {
  /** YAML indentation (0 = default 4); JSON indentation (-1 = tab). */
  indent?: number | undefined;
}

/** One format's reader and writer. */
export interface Store {
  readonly format: Format;
  /** Parses plaintext into branches. @throws Error describing the syntax problem */
  loadPlain(bytes: Uint8Array): TreeBranches;
  /** Parses an encrypted file. @throws SopsError (`sops metadata not found`, metadata errors) */
  loadEncrypted(bytes: Uint8Array): { branches: TreeBranches; metadata: Metadata };
  /** Writes plaintext. @throws Error when the tree does not fit the format */
  emitPlain(branches: TreeBranches): Uint8Array;
  /** Writes an encrypted file (branches already encrypted). */
  emitEncrypted(branches: TreeBranches, metadata: Metadata): Uint8Array;
  /** Writes one value, for `--extract`. */
  emitValue(value: TreeValue): Uint8Array;
  /** True when a plaintext branch already holds sops's reserved key(s). */
  hasSopsTopLevelKey(branch: TreeMap): boolean;
}

const utf8Decoder = new TextDecoder();

/**
 * Decodes a file as UTF-8 (invalid sequences replaced, a leading BOM dropped, as TextDecoder does).
 * Pure-ASCII input, every encrypted file in practice, is read as latin1 instead, which gives the
 * same string: Node returns a large latin1 string without building it on the JavaScript heap, and
 * for a file holding a megabyte value that heap allocation costs more than decrypting it.
 */
function decodeFile(bytes: Uint8Array): string {
  if (!isAscii(bytes)) return utf8Decoder.decode(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}
const encode = (text: string): Uint8Array => Buffer.from(text, "utf8");

type Flatten = "none" | "belowTop" | "full";

function notFound(): SopsError {
  return new SopsError("sops metadata not found", SopsExitCode.ErrorGeneric);
}

/** Removes the `sops` entry from every document and reads it from the first (sops's ExtractMetadata). */
function extractNested(
  branches: TreeBranches,
  flatten: Exclude<Flatten, "full">,
): { branches: TreeBranches; metadata: Metadata } {
  let found: TreeMap | undefined;
  const stripped = branches.map((branch, index) => {
    const kept: TreeItem[] = [];
    for (const item of branch.items) {
      if (item.key !== "sops") {
        kept.push(item);
        continue;
      }
      if (index !== 0) continue;
      if (found !== undefined)
        throw new SopsError("Found duplicate sops entry", SopsExitCode.ErrorGeneric);
      const value = item.value;
      if (
        typeof value !== "object" ||
        value === null ||
        value instanceof Uint8Array ||
        value.kind !== "map"
      ) {
        throw new SopsError("Found sops entry that is not a mapping", SopsExitCode.ErrorGeneric);
      }
      found = value;
    }
    return treeMap(kept);
  });
  if (found === undefined) throw notFound();
  const metadataMap =
    flatten === "belowTop" ? unflattenMetadata(unescapeNewlines(found.items)) : found;
  return { branches: stripped, metadata: parseMetadata(metadataMap) };
}

function unescapeNewlines(items: readonly TreeItem[]): TreeItem[] {
  return items.map((item) => ({
    key: item.key,
    value: typeof item.value === "string" ? item.value.replaceAll("\\n", "\n") : item.value,
  }));
}

function extractFull(branches: TreeBranches): { branches: TreeBranches; metadata: Metadata } {
  const first = branches[0];
  if (first === undefined) throw notFound();
  const metadataItems: TreeItem[] = [];
  const kept: TreeItem[] = [];
  for (const item of first.items) {
    if (typeof item.key === "string" && item.key.startsWith("sops_")) {
      metadataItems.push({ key: item.key.slice("sops_".length), value: item.value });
    } else {
      kept.push(item);
    }
  }
  if (metadataItems.length === 0) throw notFound();
  return {
    branches: [treeMap(kept), ...branches.slice(1)],
    metadata: parseMetadata(unflattenMetadata(metadataItems)),
  };
}

/** Appends the metadata to every document, flattened as the store needs (sops's SerializeMetadata). */
function withMetadata(branches: TreeBranches, metadata: Metadata, flatten: Flatten): TreeBranches {
  const map = serializeMetadata(metadata);
  let entries: TreeItem[];
  if (flatten === "none") {
    entries = [{ key: "sops", value: map }];
  } else {
    const flat = flattenMetadata(map, flatten === "full" ? "sops_" : "").map((item) => ({
      key: item.key,
      value: typeof item.value === "string" ? item.value.replaceAll("\n", "\\n") : item.value,
    }));
    entries = flatten === "full" ? flat : [{ key: "sops", value: treeMap(flat) }];
  }
  return branches.map((branch) => {
    for (const item of branch.items) {
      if (typeof item.key !== "string") continue;
      if (flatten === "full" && item.key.startsWith("sops_")) {
        throw new SopsError(
          `Found key ${JSON.stringify(item.key)} in encrypted data, which starts with the reserved key prefix "sops_" for SOPS metadata`,
          SopsExitCode.ErrorGeneric,
        );
      }
      if (flatten !== "full" && item.key === "sops") {
        throw new SopsError(
          'Found key "sops" in encrypted data, which is a reserved key used for SOPS metadata',
          SopsExitCode.ErrorGeneric,
        );
      }
    }
    return treeMap([...branch.items, ...entries]);
  });
}

function hasSopsKey(branch: TreeMap): boolean {
  return branch.items.some((item) => item.key === "sops");
}

class YamlStore implements Store {
  readonly format = "yaml";
  readonly #indent: number;

  constructor(options: StoreOptions) {
    const indent = options.indent ?? 0;
    if (indent < 0)
      throw new SopsError("YAML Negative indentation not accepted", SopsExitCode.ErrorGeneric);
    this.#indent = indent === 0 ? 4 : indent;
  }

  loadPlain(bytes: Uint8Array): TreeBranches {
    return readYaml(decodeFile(bytes));
  }

  loadEncrypted(bytes: Uint8Array): { branches: TreeBranches; metadata: Metadata } {
    return extractNested(this.loadPlain(bytes), "none");
  }

  emitPlain(branches: TreeBranches): Uint8Array {
    return encode(writeYaml(branches, this.#indent));
  }

  emitEncrypted(branches: TreeBranches, metadata: Metadata): Uint8Array {
    return this.emitPlain(withMetadata(branches, metadata, "none"));
  }

  emitValue(value: TreeValue): Uint8Array {
    return encode(writeYamlValue(value, this.#indent));
  }

  hasSopsTopLevelKey(branch: TreeMap): boolean {
    return hasSopsKey(branch);
  }
}

class JsonStore implements Store {
  readonly format: Format = "json";
  readonly #indent: number;

  constructor(options: StoreOptions) {
    this.#indent = options.indent ?? -1;
  }

  loadPlain(bytes: Uint8Array): TreeBranches {
    return [parseJsonObject(decodeFile(bytes))];
  }

  loadEncrypted(bytes: Uint8Array): { branches: TreeBranches; metadata: Metadata } {
    return extractNested(JsonStore.prototype.loadPlain.call(this, bytes), "none");
  }

  emitPlain(branches: TreeBranches): Uint8Array {
    return emitJsonDocumentBytes(branches[0] ?? treeMap(), this.#indent);
  }

  emitEncrypted(branches: TreeBranches, metadata: Metadata): Uint8Array {
    return JsonStore.prototype.emitPlain.call(this, withMetadata(branches, metadata, "none"));
  }

  emitValue(value: TreeValue): Uint8Array {
    return encode(emitJsonValue(value, this.#indent));
  }

  hasSopsTopLevelKey(branch: TreeMap): boolean {
    return hasSopsKey(branch);
  }
}

class BinaryStore extends JsonStore {
  override readonly format: Format = "binary";

  override loadPlain(bytes: Uint8Array): TreeBranches {
    return [treeMap([{ key: "data", value: bytesToStringValue(bytes) }])];
  }

  override emitPlain(branches: TreeBranches): Uint8Array {
    if (branches.length !== 1) {
      throw new Error("error emitting binary store: there must be exactly one tree branch");
    }
    const data = branches[0]?.items.find((item) => item.key === "data");
    if (data === undefined) throw new Error(binaryHint("no binary data found in tree"));
    if (typeof data.value === "string") return encode(data.value);
    if (data.value instanceof Uint8Array) return data.value;
    throw new Error(binaryHint("'data' key in tree does not have a string value"));
  }

  override emitValue(): Uint8Array {
    throw new Error(
      "Binary files are not structured and extracting a single value is not possible",
    );
  }
}

function binaryHint(reason: string): string {
  return `error emitting binary store: ${reason}\n\nThis is likely because the file is not a binary file; use --output-type to choose the output format`;
}

class DotenvStore implements Store {
  readonly format = "dotenv";

  loadPlain(bytes: Uint8Array): TreeBranches {
    return [readDotenv(decodeFile(bytes))];
  }

  loadEncrypted(bytes: Uint8Array): { branches: TreeBranches; metadata: Metadata } {
    return extractFull(this.loadPlain(bytes));
  }

  emitPlain(branches: TreeBranches): Uint8Array {
    return encode(writeDotenv(branches[0] ?? treeMap()));
  }

  emitEncrypted(branches: TreeBranches, metadata: Metadata): Uint8Array {
    return this.emitPlain(withMetadata(branches, metadata, "full"));
  }

  emitValue(value: TreeValue): Uint8Array {
    if (typeof value === "string") return encode(value);
    if (value instanceof Uint8Array) return value;
    throw new Error("the dotenv store only supports emitting strings");
  }

  hasSopsTopLevelKey(branch: TreeMap): boolean {
    return branch.items.some(
      (item) => typeof item.key === "string" && item.key.startsWith("sops_"),
    );
  }
}

class IniStore implements Store {
  readonly format = "ini";

  loadPlain(bytes: Uint8Array): TreeBranches {
    return [readIni(decodeFile(bytes))];
  }

  loadEncrypted(bytes: Uint8Array): { branches: TreeBranches; metadata: Metadata } {
    return extractNested(this.loadPlain(bytes), "belowTop");
  }

  emitPlain(branches: TreeBranches): Uint8Array {
    return encode(writeIni(branches[0] ?? treeMap()));
  }

  emitEncrypted(branches: TreeBranches, metadata: Metadata): Uint8Array {
    return this.emitPlain(withMetadata(branches, metadata, "belowTop"));
  }

  emitValue(value: TreeValue): Uint8Array {
    return encode(emitJsonValue(value, -1));
  }

  hasSopsTopLevelKey(branch: TreeMap): boolean {
    return hasSopsKey(branch);
  }
}

/**
 * The store for a format.
 * @throws SopsError for a negative YAML indent
 */
export function storeFor(format: Format, options: StoreOptions = {}): Store {
  switch (format) {
    case "yaml":
      return new YamlStore(options);
    case "json":
      return new JsonStore(options);
    case "binary":
      return new BinaryStore(options);
    case "dotenv":
      return new DotenvStore();
    case "ini":
      return new IniStore();
  }
}
