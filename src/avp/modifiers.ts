import { createHash } from "node:crypto";
import { isJsonObject, isJsonNumber } from "../providers/index.js";
import { goJsonUnmarshal } from "./go-json.js";
import { parseJsonPath } from "./jsonpath.js";
import { decodeYamlDocument } from "./manifest-reader.js";
import { goTypeName, type AvpValue } from "./value.js";

/** A modifier that failed; the message is what AVP puts after `<name>: `. */
export class ModifierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModifierError";
  }
}

type Modifier = (params: readonly string[], input: AvpValue) => AvpValue;

function requireString(input: AvpValue, suffix = ""): string {
  if (typeof input !== "string")
    throw new ModifierError(`invalid datatype ${goTypeName(input)}${suffix}`);
  return input;
}

function noParams(params: readonly string[]): void {
  if (params.length > 0) throw new ModifierError("invalid parameters");
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Go's `base64.StdEncoding.DecodeString`: padded standard alphabet, `\r` and `\n` skipped anywhere.
 * On invalid input Go still returns what it decoded before the bad quantum (and a padded quantum
 * followed by garbage), which AVP's `base64decode` uses as its result.
 * @returns the decoded bytes and whether the whole input was valid
 */
export function goBase64Decode(text: string): { bytes: Buffer; valid: boolean } {
  const out: number[] = [];
  let si = 0;
  const skipBreaks = (): void => {
    while (si < text.length && (text.charAt(si) === "\n" || text.charAt(si) === "\r")) si++;
  };
  for (;;) {
    const quantum: number[] = [];
    let padded = false;
    while (quantum.length < 4) {
      if (si === text.length) {
        if (quantum.length === 0) return { bytes: Buffer.from(out), valid: true };
        return { bytes: Buffer.from(out), valid: false };
      }
      const char = text.charAt(si++);
      const value = base64Alphabet.indexOf(char);
      if (value >= 0) {
        quantum.push(value);
        continue;
      }
      if (char === "\n" || char === "\r") continue;
      if (char !== "=" || quantum.length < 2) return { bytes: Buffer.from(out), valid: false };
      if (quantum.length === 2) {
        skipBreaks();
        if (si === text.length || text.charAt(si) !== "=")
          return { bytes: Buffer.from(out), valid: false };
        si++;
      }
      padded = true;
      break;
    }
    const bits = quantum.reduce((acc, value) => acc * 64 + value, 0) * 64 ** (4 - quantum.length);
    out.push(
      ...[(bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff].slice(0, quantum.length - 1),
    );
    if (padded) {
      skipBreaks();
      return { bytes: Buffer.from(out), valid: si === text.length };
    }
  }
}

function indent(params: readonly string[], input: AvpValue): AvpValue {
  if (params.length !== 1) throw new ModifierError("invalid parameters");
  const levelText = params[0] ?? "";
  if (!/^[+-]?\d+$/.test(levelText)) throw new ModifierError("invalid indentation level");
  const level = Number(levelText);
  const text = requireString(input);
  const lines = text.split("\n");
  let out = (lines[0] ?? "").trim();
  if (lines.length > 1) out += "\n";
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.length === 0) continue;
    out += " ".repeat(Math.max(level, 0)) + line.trim();
    if (i < lines.length - 1) out += "\n";
  }
  return out;
}

function jsonPath(params: readonly string[], input: AvpValue): AvpValue {
  if (params.length < 1) throw new ModifierError("invalid parameters");
  let evaluate: (data: AvpValue) => string;
  try {
    evaluate = parseJsonPath(params.join(" "));
  } catch (error) {
    throw new ModifierError((error as Error).message);
  }
  let data = input;
  // Strings (and json.Number, a string type in Go) are parsed as JSON first, numbers as float64.
  if (typeof input === "string" || isJsonNumber(input)) {
    data = parseJsonText(isJsonNumber(input) ? input.text : input);
  }
  try {
    return evaluate(data);
  } catch (error) {
    throw new ModifierError((error as Error).message);
  }
}

function parseJsonText(text: string): AvpValue {
  try {
    return goJsonUnmarshal(text);
  } catch (error) {
    throw new ModifierError((error as Error).message);
  }
}

function yamlParse(params: readonly string[], input: AvpValue): AvpValue {
  noParams(params);
  const text = requireString(input);
  let value: AvpValue | undefined;
  try {
    value = decodeYamlDocument(text);
  } catch (error) {
    throw new ModifierError((error as Error).message);
  }
  // sigs.k8s.io/yaml goes through JSON into interface{}: every number becomes a float64.
  return value === undefined ? null : toFloat64(value);
}

function toFloat64(value: AvpValue): AvpValue {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(toFloat64);
  if (isJsonObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, toFloat64(inner as AvpValue)]),
    );
  }
  return value;
}

const modifiers: Readonly<Record<string, Modifier>> = {
  base64encode: (params, input) => {
    noParams(params);
    return Buffer.from(requireString(input), "utf8").toString("base64");
  },
  base64decode: (params, input) => {
    noParams(params);
    return goBase64Decode(requireString(input)).bytes.toString("utf8");
  },
  jsonPath,
  jsonParse: (params, input) => {
    noParams(params);
    return parseJsonText(requireString(input));
  },
  yamlParse,
  indent,
  sha256sum: (params, input) => {
    noParams(params);
    return createHash("sha256")
      .update(requireString(input, ", expected string"), "utf8")
      .digest("hex");
  },
};

/** The modifier called `name`, or undefined when AVP has none by that name. */
export function findModifier(name: string): Modifier | undefined {
  return Object.hasOwn(modifiers, name) ? modifiers[name] : undefined;
}
