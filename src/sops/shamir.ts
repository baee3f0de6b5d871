// Shamir secret sharing over GF(2^8) as sops uses it (HashiCorp Vault's scheme): the AES field
// (x^8 + x^4 + x^3 + x + 1), one random polynomial per secret byte, share i evaluated at x = i
// and the x-coordinate appended as the share's last byte. Written here because it is a few dozen
// lines, must match sops bit for bit, and no maintained npm package uses this exact share layout
// (see docs/adr/sops-shamir.md).
import { randomBytes } from "node:crypto";

/** Multiplication in GF(2^8) with the AES reduction polynomial. */
export function gfMultiply(a: number, b: number): number {
  let result = 0;
  let x = a;
  let y = b;
  while (y > 0) {
    if ((y & 1) !== 0) result ^= x;
    x = (x << 1) ^ ((x & 0x80) !== 0 ? 0x11b : 0);
    y >>= 1;
  }
  return result & 0xff;
}

/** Multiplicative inverse (a^254); 0 has none. */
function gfInverse(a: number): number {
  if (a === 0) throw new Error("divide by zero");
  let result = 1;
  let base = a;
  let exponent = 254;
  while (exponent > 0) {
    if ((exponent & 1) !== 0) result = gfMultiply(result, base);
    base = gfMultiply(base, base);
    exponent >>= 1;
  }
  return result;
}

function evaluate(coefficients: Uint8Array, x: number): number {
  // Horner's rule from the highest coefficient down.
  let out = 0;
  for (let i = coefficients.length - 1; i >= 0; i--)
    out = gfMultiply(out, x) ^ (coefficients[i] ?? 0);
  return out;
}

/**
 * Splits `secret` into `parts` shares, any `threshold` of which recover it.
 * @param random source of polynomial coefficients (injectable for tests)
 * @throws Error with sops's texts for out-of-range parameters or an empty secret
 */
export function shamirSplit(
  secret: Uint8Array,
  parts: number,
  threshold: number,
  random: (size: number) => Uint8Array = randomBytes,
): Uint8Array[] {
  if (parts < threshold) throw new Error("parts cannot be less than threshold");
  if (parts > 255) throw new Error("parts cannot exceed 255");
  if (threshold < 2) throw new Error("threshold must be at least 2");
  if (threshold > 255) throw new Error("threshold cannot exceed 255");
  if (secret.length === 0) throw new Error("cannot split an empty secret");
  const shares = Array.from({ length: parts }, (_, i) => {
    const share = new Uint8Array(secret.length + 1);
    share[secret.length] = i + 1;
    return share;
  });
  secret.forEach((byte, index) => {
    const coefficients = new Uint8Array(threshold);
    coefficients[0] = byte;
    coefficients.set(random(threshold - 1), 1);
    shares.forEach((share, i) => {
      share[index] = evaluate(coefficients, i + 1);
    });
  });
  return shares;
}

/**
 * Recombines shares by Lagrange interpolation at x = 0.
 * @throws Error with sops's texts (fewer than two parts, unequal lengths, duplicate parts)
 */
export function shamirCombine(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length < 2)
    throw new Error("less than two parts cannot be used to reconstruct the secret");
  const length = parts[0]?.length ?? 0;
  if (length < 2) throw new Error("parts must be at least two bytes");
  if (parts.some((p) => p.length !== length)) throw new Error("all parts must be the same length");
  const xs = parts.map((p) => p[length - 1] ?? 0);
  if (new Set(xs).size !== xs.length) throw new Error("duplicate part detected");
  const secret = new Uint8Array(length - 1);
  for (let index = 0; index < secret.length; index++) {
    let value = 0;
    xs.forEach((xi, i) => {
      let basis = 1;
      xs.forEach((xj, j) => {
        if (i !== j) basis = gfMultiply(basis, gfMultiply(xj, gfInverse(xi ^ xj)));
      });
      value ^= gfMultiply(parts[i]?.[index] ?? 0, basis);
    });
    secret[index] = value;
  }
  return secret;
}
