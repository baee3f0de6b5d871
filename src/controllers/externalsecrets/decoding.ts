/** How fetched values are decoded (`decodingStrategy`); an empty value means None. */
export const DecodingStrategy = {
  none: "None",
  base64: "Base64",
  base64Url: "Base64URL",
  auto: "Auto",
} as const;
export type DecodingStrategy = (typeof DecodingStrategy)[keyof typeof DecodingStrategy];

const stdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function reverseTable(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const stdTable = reverseTable(stdAlphabet);
const urlTable = reverseTable(urlAlphabet);

/**
 * Decodes padded base64 exactly as Go's `base64.StdEncoding` / `URLEncoding.DecodeString`: padding
 * is required, `\r` and `\n` are skipped anywhere, unused trailing bits are ignored, and any other
 * deviation fails. Node's own decoder is lenient (it stops at the first bad character), which would
 * turn bad input into silently truncated secrets.
 * @throws Error `illegal base64 data at input byte N` (Go's message; it never quotes the input)
 */
export function decodeGoBase64(input: Uint8Array, url = false): Buffer {
  const table = url ? urlTable : stdTable;
  const out: number[] = [];
  let si = 0;
  const next = (): number | undefined => {
    while (si < input.length && (input[si] === 0x0a || input[si] === 0x0d)) si++;
    return si < input.length ? input[si++] : undefined;
  };
  const fail = (at: number): never => {
    throw new Error(`illegal base64 data at input byte ${at}`);
  };
  for (;;) {
    const quantum: number[] = [];
    let padded = false;
    while (quantum.length < 4) {
      const quantumStart = si;
      const char = next();
      if (char === undefined) {
        if (quantum.length === 0) return Buffer.from(out);
        return fail(quantumStart - quantum.length);
      }
      if (char === 0x3d) {
        // "=" may only stand in the third or fourth place, and "==" must be complete.
        if (quantum.length < 2) return fail(si - 1);
        if (quantum.length === 2 && next() !== 0x3d) return fail(si - 1);
        padded = true;
        break;
      }
      const value = char < 128 ? (table[char] ?? -1) : -1;
      if (value < 0) return fail(si - 1);
      quantum.push(value);
    }
    const [a = 0, b = 0, c = 0, d = 0] = quantum;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    out.push((bits >> 16) & 0xff);
    if (quantum.length > 2) out.push((bits >> 8) & 0xff);
    if (quantum.length > 3) out.push(bits & 0xff);
    if (padded) {
      if (next() !== undefined) return fail(si - 1);
      return Buffer.from(out);
    }
  }
}

/**
 * Applies a decoding strategy to one fetched value (ESO `decoding.Decode`). `Auto` tries standard
 * base64, then URL base64, and otherwise keeps the raw bytes.
 * @throws Error on invalid base64 under Base64/Base64URL, or on an unknown strategy
 */
export function decodeValue(strategy: string | undefined, value: Uint8Array): Uint8Array {
  switch (strategy) {
    case undefined:
    case "":
    case DecodingStrategy.none:
      return value;
    case DecodingStrategy.base64:
      return decodeGoBase64(value);
    case DecodingStrategy.base64Url:
      return decodeGoBase64(value, true);
    case DecodingStrategy.auto:
      try {
        return decodeGoBase64(value);
      } catch {
        try {
          return decodeGoBase64(value, true);
        } catch {
          return value;
        }
      }
    default:
      throw new Error(`decoding strategy ${strategy} is not supported`);
  }
}

/**
 * Decodes every value of a map (ESO `decoding.DecodeMap`).
 * @throws Error `failure decoding key K: ...` naming the key, never the value
 */
export function decodeMap(
  strategy: string | undefined,
  values: ReadonlyMap<string, Uint8Array>,
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [key, value] of values) {
    try {
      out.set(key, decodeValue(strategy, value));
    } catch (error) {
      throw new Error(`failure decoding key ${key}: ${(error as Error).message}`, { cause: error });
    }
  }
  return out;
}
