// Plain-scalar typing as go-yaml v3 does it when decoding into interface{}: the MAC hashes the
// canonical form of each typed value and the `type` field names it, so a port that types `yes`,
// `0x1F` or `2024-01-01` differently computes a different MAC.
import { parseYamlTimestamp } from "../go-time.js";
import { floatValue, intValue, type TreeValue } from "../tree.js";
import { bytesToStringValue } from "../values.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

const FIXED: Record<string, TreeValue> = {
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
  "": null,
  "~": null,
  null: null,
  Null: null,
  NULL: null,
  ".nan": floatValue(NaN),
  ".NaN": floatValue(NaN),
  ".NAN": floatValue(NaN),
  ".inf": floatValue(Infinity),
  ".Inf": floatValue(Infinity),
  ".INF": floatValue(Infinity),
  "+.inf": floatValue(Infinity),
  "+.Inf": floatValue(Infinity),
  "+.INF": floatValue(Infinity),
  "-.inf": floatValue(-Infinity),
  "-.Inf": floatValue(-Infinity),
  "-.INF": floatValue(-Infinity),
};

/** Go `strconv.ParseInt(s, 0, 64)`-style parse: sign, then 0x / 0o / 0b / leading-0 octal / decimal. */
function parseGoBase0(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(
    text,
  );
  if (match === null) return undefined;
  const [, sign = "", digits = ""] = match;
  let value: bigint;
  if (/^0[oO]/.test(digits)) value = BigInt(`0o${digits.slice(2)}`);
  else if (/^0[0-7]+$/.test(digits)) value = BigInt(`0o${digits.slice(1)}`);
  else value = BigInt(digits);
  return sign === "-" ? -value : value;
}

function resolveNumber(text: string): TreeValue | undefined {
  const timestamp = parseYamlTimestamp(text);
  if (timestamp !== undefined) return { kind: "time", text: timestamp };
  const plain = text.replaceAll("_", "");
  const integer = parseGoBase0(plain);
  if (integer !== undefined) {
    if (integer >= INT64_MIN && integer <= INT64_MAX) return intValue(integer);
    if (integer >= 0n && integer <= UINT64_MAX) {
      return { kind: "unsupported", goType: "uint64", text: integer.toString() };
    }
  }
  if (YAML_STYLE_FLOAT.test(plain)) {
    const value = Number(plain);
    if (!Number.isNaN(value)) return floatValue(value);
  }
  return undefined;
}

/** The typed value go-yaml v3 gives an untagged plain scalar. */
export function resolvePlainScalar(text: string): TreeValue {
  if (text in FIXED) return FIXED[text] ?? null;
  const first = text[0] ?? "";
  if (first === ".") {
    const value = Number(text);
    if (/^\.[0-9]/.test(text) && YAML_STYLE_FLOAT.test(text) && !Number.isNaN(value)) {
      return floatValue(value);
    }
    return text;
  }
  if (/[0-9+-]/.test(first)) return resolveNumber(text) ?? text;
  return text;
}

/** True when a plain scalar with this text would not read back as the same string. */
export function needsQuoting(text: string): boolean {
  return typeof resolvePlainScalar(text) !== "string" || OLD_BOOLS.has(text) || isBase60Float(text);
}

// go-yaml quotes YAML 1.1 booleans and base-60 floats so that YAML 1.1 readers keep them strings.
const OLD_BOOLS = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "on",
  "On",
  "ON",
  "n",
  "N",
  "no",
  "No",
  "NO",
  "off",
  "Off",
  "OFF",
]);

function isBase60Float(text: string): boolean {
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(text);
}

/**
 * The value of a scalar with an explicit tag (`!!str`, `!!int`, …), as go-yaml resolves it.
 * @throws Error when the text does not fit the tag
 */
export function resolveTaggedScalar(tag: string, text: string): TreeValue {
  const short = tag.replace(/^tag:yaml\.org,2002:/, "!!");
  switch (short) {
    case "!!str":
      return text;
    case "!!binary":
      return bytesToStringValue(Buffer.from(text.replace(/\s+/g, ""), "base64"));
    case "!!null":
      return null;
    case "!!bool":
    case "!!int":
    case "!!float":
    case "!!timestamp": {
      const value = resolvePlainScalar(text);
      const kind =
        typeof value === "boolean"
          ? "!!bool"
          : typeof value === "object" && value !== null && !(value instanceof Uint8Array)
            ? { int: "!!int", float: "!!float", time: "!!timestamp" }[value.kind as string]
            : undefined;
      if (kind === short || (short === "!!float" && kind === "!!int")) {
        if (
          short === "!!float" &&
          kind === "!!int" &&
          typeof value === "object" &&
          value !== null &&
          "value" in value
        ) {
          return floatValue(Number(value.value));
        }
        return value;
      }
      throw new Error(`cannot decode a scalar as ${short}`);
    }
    default:
      // Local tags (`!foo`) decode to the plain string in an interface{} target.
      return text;
  }
}
