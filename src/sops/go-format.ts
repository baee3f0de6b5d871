// Go's number and time text forms, which sops writes into plaintexts and the MAC: a port must
// produce the same bytes or the MAC of a file it wrote disagrees with sops's.

/** Shortest round-trip digits and decimal exponent of a finite, non-zero |value|. */
function shortestDigits(value: number): { digits: string; pointAt: number } {
  // toExponential() without an argument yields the shortest digits that round-trip, as Go's
  // strconv does with precision -1.
  const [mantissa = "0", exponent = "0"] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  return { digits, pointAt: Number(exponent) + 1 };
}

function nonFinite(value: number): string | undefined {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return undefined;
}

/** Go `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatFloatF(value: number): string {
  const special = nonFinite(value);
  if (special !== undefined) return special;
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  if (value === 0) return `${sign}0`;
  const { digits, pointAt } = shortestDigits(value);
  if (pointAt <= 0) return `${sign}0.${"0".repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return `${sign}${digits}${"0".repeat(pointAt - digits.length)}`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** Go `strconv.FormatFloat(v, 'f', 1, 64)` for values that print as integers in 'G' form. */
function formatFloatOneDecimal(value: number): string {
  return value.toFixed(1);
}

/**
 * Go `strconv.FormatFloat(v, 'g' | 'G', -1, 64)`: shortest digits, exponent form when the decimal
 * exponent is below -4 or at least 6 (Go uses precision 6 for that choice when printing shortest).
 */
export function formatFloatG(value: number, upper = false): string {
  const special = nonFinite(value);
  if (special !== undefined) return special;
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  if (value === 0) return `${sign}0`;
  const { digits, pointAt } = shortestDigits(value);
  const exponent = pointAt - 1;
  if (exponent < -4 || exponent >= 6) {
    const mantissa = digits.length > 1 ? `${digits.slice(0, 1)}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? "-" : "+";
    const expDigits = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${mantissa}${upper ? "E" : "e"}${expSign}${expDigits}`;
  }
  return formatFloatF(value);
}

/** sops's `ValToString` for floats (dotenv and INI): `%G`, plus `.0` when it looks like an int. */
export function formatFloatForFlatStores(value: number): string {
  const result = formatFloatG(value, true);
  if (!result.includes(".") && !result.includes("E") && Number.isFinite(value)) {
    return formatFloatOneDecimal(value);
  }
  return result;
}
