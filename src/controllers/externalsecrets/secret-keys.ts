/** Which runes a Secret key may hold, per upstream's check: Go `unicode.IsLetter`/`IsNumber`, `-`, `.`, `_`. */
const keyRune = /^[\p{L}\p{N}._-]$/u;

/** A key conversion (`conversionStrategy`): Default, Unicode, or empty (= Default). */
export type ConversionStrategy = "Default" | "Unicode" | "" | undefined;

/**
 * Converts one remote key name into a Secret key (ESO `convert`): every rune that is not a letter,
 * number, `-`, `.` or `_` becomes `_` (Default) or `_U%04x_` (Unicode).
 */
export function convertKey(strategy: ConversionStrategy, key: string): string {
  let out = "";
  for (const char of key) {
    if (keyRune.test(char)) out += char;
    else if (strategy === "Unicode")
      out += `_U${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}_`;
    else out += "_";
  }
  return out;
}

/**
 * Converts every key of a map; two keys that end up equal are an error (ESO `transformKeys`).
 * @throws Error `secret name collision during conversion: K`
 */
export function convertKeys<V>(
  strategy: ConversionStrategy,
  values: ReadonlyMap<string, V>,
): Map<string, V> {
  return transformKeys(values, (key) => convertKey(strategy, key));
}

function transformKeys<V>(
  values: ReadonlyMap<string, V>,
  transform: (key: string) => string,
): Map<string, V> {
  const out = new Map<string, V>();
  for (const [key, value] of values) {
    const converted = transform(key);
    if (out.has(converted))
      throw new Error(`secret name collision during conversion: ${converted}`);
    out.set(converted, value);
  }
  return out;
}

/**
 * Checks that every key can be a Secret key (ESO `ValidateKeys`): empty keys are dropped (a
 * remote entry without a name), longer than 253 bytes or a rune other than letter, number, `-`,
 * `.` and `_` is an error.
 * @returns the map without empty keys
 * @throws Error naming the offending key (key names are not secret values)
 */
export function validateKeys<V>(values: ReadonlyMap<string, V>): Map<string, V> {
  const out = new Map<string, V>();
  for (const [key, value] of values) {
    if (key === "") continue;
    const length = Buffer.byteLength(key);
    if (length > 253)
      throw new Error(
        `key has length ${length} but max is 253: ${JSON.stringify(key.slice(0, 40))}…`,
      );
    for (const char of key) {
      if (!keyRune.test(char)) {
        throw new Error(
          `key has invalid character ${JSON.stringify(char)}, only alphanumeric, '-', '.' and '_' are allowed: ${key}`,
        );
      }
    }
    out.set(key, value);
  }
  return out;
}

/**
 * A PushSecret's `conversionStrategy: ReverseUnicode`: turns `_U` + 4 or 5 hex digits + `_`
 * (e.g. `_U005b_`) back into the rune it stands for (ESO `reverse`); `None` or empty keeps the key.
 */
export function reverseKey(strategy: string | undefined, key: string): string {
  if (strategy !== "ReverseUnicode") return key;
  return key.replace(/_U([0-9a-fA-F]{4,5})_/g, (_match, hex: string) => {
    const codePoint = Number.parseInt(hex, 16);
    // Go's %c prints U+FFFD for a surrogate half, which is not a valid rune.
    return codePoint >= 0xd800 && codePoint <= 0xdfff ? "\uFFFD" : String.fromCodePoint(codePoint);
  });
}

/**
 * Reverses the keys of a map (ESO `ReverseKeys`).
 * @throws Error `secret name collision during conversion: K`
 */
export function reverseKeys<V>(
  strategy: string | undefined,
  values: ReadonlyMap<string, V>,
): Map<string, V> {
  return transformKeys(values, (key) => reverseKey(strategy, key));
}
