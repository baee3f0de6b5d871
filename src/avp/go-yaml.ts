/**
 * The rules of gopkg.in/yaml.v2 (v2.4.0) that decide what a plain scalar means and in which order
 * map keys are written. argocd-vault-plugin reads manifests and writes its output through that
 * library, so both directions of our YAML handling share these functions.
 */

/** What a plain (unquoted) scalar resolves to. */
export type Resolved =
  | { readonly tag: "str"; readonly value: string }
  | { readonly tag: "null" }
  | { readonly tag: "bool"; readonly value: boolean }
  | { readonly tag: "int"; readonly value: bigint }
  | { readonly tag: "float"; readonly value: number }
  | { readonly tag: "timestamp"; readonly value: string }
  | { readonly tag: "merge" };

const resolveMap = new Map<string, Resolved>();
for (const word of ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) {
  resolveMap.set(word, { tag: "bool", value: true });
}
for (const word of ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) {
  resolveMap.set(word, { tag: "bool", value: false });
}
for (const word of ["", "~", "null", "Null", "NULL"]) resolveMap.set(word, { tag: "null" });
for (const word of [".nan", ".NaN", ".NAN"])
  resolveMap.set(word, { tag: "float", value: Number.NaN });
for (const word of [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]) {
  resolveMap.set(word, { tag: "float", value: Number.POSITIVE_INFINITY });
}
for (const word of ["-.inf", "-.Inf", "-.INF"]) {
  resolveMap.set(word, { tag: "float", value: Number.NEGATIVE_INFINITY });
}
resolveMap.set("<<", { tag: "merge" });

const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const uint64Max = 2n ** 64n - 1n;

function hintOf(text: string): string {
  if (text === "") return "N";
  const first = text.charAt(0);
  if (first === "+" || first === "-") return "S";
  if (first >= "0" && first <= "9") return "D";
  if ("yYnNtTfFoO~".includes(first)) return "M";
  if (first === ".") return ".";
  return "";
}

/**
 * go-yaml v2's `resolve("", text)`: the meaning of a plain scalar. Integers come back as bigint
 * (int64 or uint64 range), floats as numbers; timestamps are reported but, like go-yaml when it
 * decodes into `interface{}`, callers keep them as strings.
 */
export function resolvePlain(text: string): Resolved {
  const hint = hintOf(text);
  if (hint === "") return { tag: "str", value: text };
  const mapped = resolveMap.get(text);
  if (mapped !== undefined) return mapped;
  if (hint === ".") {
    const float = parseGoFloat(text);
    return float === undefined ? { tag: "str", value: text } : { tag: "float", value: float };
  }
  if (hint !== "D" && hint !== "S") return { tag: "str", value: text };
  if (isGoTimestamp(text)) return { tag: "timestamp", value: text };
  const plain = text.replaceAll("_", "");
  const integer = parseGoInt(plain);
  if (integer !== undefined) return { tag: "int", value: integer };
  if (yamlStyleFloat.test(plain)) {
    const float = parseGoFloat(plain);
    if (float !== undefined) return { tag: "float", value: float };
  }
  const binary = /^(-?)0b([01]+)$/.exec(plain);
  if (binary !== null) {
    const value = BigInt(`0b${binary[2] ?? ""}`) * (binary[1] === "-" ? -1n : 1n);
    if (value >= int64Min && value <= uint64Max) return { tag: "int", value };
  }
  return { tag: "str", value: text };
}

/** Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint(s, 0, 64)`: base prefixes, sign. */
function parseGoInt(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(
    text,
  );
  if (match === null) return undefined;
  const sign = match[1] ?? "";
  let digits = match[2] ?? "";
  if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  const magnitude = BigInt(digits.toLowerCase().replace(/^0([xob])/, "0$1"));
  const value = sign === "-" ? -magnitude : magnitude;
  if (sign === "" && value <= uint64Max) return value;
  return value >= int64Min && value <= int64Max ? value : undefined;
}

/** Go's `strconv.ParseFloat(s, 64)` for decimal text; undefined on syntax errors and overflow. */
function parseGoFloat(text: string): number | undefined {
  if (!yamlStyleFloat.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** True for a string that would be a YAML 1.1 base-60 float (`1:20`), which go-yaml quotes. */
export function isBase60Float(text: string): boolean {
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(text);
}

const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * go-yaml v2's timestamp check: `time.Parse` with `2006-1-2T15:4:5.999999999Z07:00` (also with `t`),
 * `2006-1-2 15:4:5.999999999` and `2006-1-2`.
 */
export function isGoTimestamp(text: string): boolean {
  const match =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(
      text,
    );
  if (match === null) return false;
  const [, year = "", month = "", day = "", separator, hour, minute, second, zone] = match;
  const monthNumber = Number(month);
  const dayNumber = Number(day);
  if (monthNumber < 1 || monthNumber > 12 || dayNumber < 1) return false;
  const leap = Number(year) % 4 === 0 && (Number(year) % 100 !== 0 || Number(year) % 400 === 0);
  const limit = monthNumber === 2 && !leap ? 28 : (daysInMonth[monthNumber - 1] ?? 31);
  if (dayNumber > limit) return false;
  if (separator === undefined) return true;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return false;
  // "T"/"t" forms need a zone; the space form must not have one.
  return separator === " " ? zone === undefined : zone !== undefined;
}

/** Go's `strconv.FormatFloat(f, 'g', -1, 64)` as go-yaml writes floats (`.inf`, `.nan`). */
export function formatGoFloatG(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  if (value === Number.POSITIVE_INFINITY) return ".inf";
  if (value === Number.NEGATIVE_INFINITY) return "-.inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace(/^-/, "").replace(".", "");
  const exponent = Number(exponentText);
  const sign = negative ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    const head = digits.charAt(0);
    const tail = digits.slice(1);
    const expSign = exponent < 0 ? "-" : "+";
    const expDigits = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${head}${tail === "" ? "" : `.${tail}`}e${expSign}${expDigits}`;
  }
  const point = exponent + 1;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const letter = /\p{L}/u;
const digit = /\p{Nd}/u;

/**
 * go-yaml v2's map key order (`keyList.Less`) for string keys: letters by code point, a non-letter
 * before a letter, and runs of digits compared as numbers (`key9` < `key10`).
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return keyLess(a, b) ? -1 : 1;
}

function keyLess(a: string, b: string): boolean {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < left.length && i < right.length; i++) {
    const x = left[i] ?? "";
    const y = right[i] ?? "";
    if (x === y) continue;
    const xLetter = letter.test(x);
    const yLetter = letter.test(y);
    if (xLetter && yLetter) return codePoint(x) < codePoint(y);
    if (xLetter || yLetter) return yLetter;
    return digitRunLess(left, right, i);
  }
  return left.length < right.length;
}

function digitRunLess(left: readonly string[], right: readonly string[], at: number): boolean {
  let leftNumber = 0n;
  let rightNumber = 0n;
  if (left[at] === "0" || right[at] === "0") {
    // A zero after non-zero digits continues a number: go-yaml seeds both runs with 1 then.
    for (let j = at - 1; j >= 0 && digit.test(left[j] ?? ""); j--) {
      if (left[j] !== "0") {
        leftNumber = 1n;
        rightNumber = 1n;
        break;
      }
    }
  }
  let i = at;
  for (; i < left.length && digit.test(left[i] ?? ""); i++) {
    leftNumber = leftNumber * 10n + BigInt(codePoint(left[i] ?? "0") - 48);
  }
  let j = at;
  for (; j < right.length && digit.test(right[j] ?? ""); j++) {
    rightNumber = rightNumber * 10n + BigInt(codePoint(right[j] ?? "0") - 48);
  }
  if (leftNumber !== rightNumber) return leftNumber < rightNumber;
  if (i !== j) return i < j;
  return codePoint(left[at] ?? "") < codePoint(right[at] ?? "");
}

function codePoint(char: string): number {
  return char.codePointAt(0) ?? 0;
}
