// Sprig's numeric functions (numeric.go): int64 arithmetic with Go's wrap-around and division
// panics, spf13/cast conversions, decimal float arithmetic, until/seq and round.
import { sprint } from "../fmt.js";
import { goFunc, GoInt, GoSlice, type GoFunc } from "../value.js";
import { int, int64, num, toFloat64, toInt64 } from "./convert.js";

const any = "interface {}";

function wrap(v: bigint): GoInt {
  return int64(BigInt.asIntN(64, v));
}

function div(a: bigint, b: bigint): GoInt {
  if (b === 0n) throw new Error("runtime error: integer divide by zero");
  return wrap(a / b);
}

function mod(a: bigint, b: bigint): GoInt {
  if (b === 0n) throw new Error("runtime error: integer divide by zero");
  return wrap(a % b);
}

/** shopspring/decimal arithmetic on the shortest decimal forms of two float64s. */
function decimalOp(values: number[], op: "+" | "-" | "*" | "/"): number {
  // Each float is taken at its shortest decimal form (decimal.NewFromFloat), so 0.1 + 0.2 is 0.3.
  const toScaled = (f: number): [bigint, number] => {
    const [mant = "0", exp = "0"] = f.toExponential().split("e");
    const digits = mant.replace(".", "").replace("-", "");
    const frac = (mant.split(".")[1] ?? "").length;
    const scale = frac - Number(exp);
    const sign = f < 0 ? -1n : 1n;
    return scale >= 0
      ? [sign * BigInt(digits), scale]
      : [sign * BigInt(digits) * 10n ** BigInt(-scale), 0];
  };
  let [acc, accScale] = toScaled(values[0] ?? 0);
  for (const v of values.slice(1)) {
    const [x, xs] = toScaled(v);
    const scale = Math.max(accScale, xs);
    const a = acc * 10n ** BigInt(scale - accScale);
    const b = x * 10n ** BigInt(scale - xs);
    if (op === "+" || op === "-") {
      [acc, accScale] = [op === "+" ? a + b : a - b, scale];
    } else if (op === "*") {
      [acc, accScale] = [acc * x, accScale + xs];
    } else {
      if (x === 0n) throw new Error("decimal division by 0");
      // decimal.Div rounds to 16 fractional digits.
      const precision = 16;
      const numerator = acc * 10n ** BigInt(precision + xs);
      const q = numerator / (x * 10n ** BigInt(accScale));
      const r = numerator % (x * 10n ** BigInt(accScale));
      const twice = (r < 0n ? -r : r) * 2n;
      const den = x * 10n ** BigInt(accScale);
      const roundUp = twice >= (den < 0n ? -den : den);
      [acc, accScale] = [q + (roundUp ? (numerator < 0n !== den < 0n ? -1n : 1n) : 0n), precision];
    }
  }
  return Number(`${acc}e-${accScale}`);
}

function untilStep(start: number, stop: number, step: number): number[] {
  const v: number[] = [];
  if (stop < start) {
    if (step >= 0) return v;
    for (let i = start; i > stop; i += step) v.push(i);
    return v;
  }
  if (step <= 0) return v;
  for (let i = start; i < stop; i += step) v.push(i);
  return v;
}

function intSlice(values: number[]): GoSlice {
  return new GoSlice(
    "int",
    values.map((v) => int(v)),
  );
}

function seq(params: number[]): string {
  const join = (v: number[]): string => v.join(" ");
  switch (params.length) {
    case 0:
      return "";
    case 1: {
      const [end = 0] = params;
      const inc = end < 1 ? -1 : 1;
      return join(untilStep(1, end + inc, inc));
    }
    case 2: {
      const [start = 0, end = 0] = params;
      const step = end < start ? -1 : 1;
      return join(untilStep(start, end + step, step));
    }
    case 3: {
      const [start = 0, step = 0, end = 0] = params;
      let inc = 1;
      if (end < start) {
        inc = -1;
        if (step > 0) return "";
      }
      return join(untilStep(start, end + inc, step));
    }
    default:
      return "";
  }
}

function round(a: unknown, p: GoInt, rOpt: number[]): number {
  const roundOn = rOpt[0] ?? 0.5;
  const val = toFloat64(a);
  const pow = 10 ** Number(p.value);
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

/** strconv.ParseInt(fmt.Sprint(v), 8, 64), 0 on error: unix permissions such as "0755" → 493. */
function toDecimal(v: unknown): GoInt {
  const m = /^([+-]?)([0-7]+)$/.exec(sprint([v]));
  if (m === null) return int64(0n);
  const n = (m[1] === "-" ? -1n : 1n) * BigInt("0o" + (m[2] ?? "0"));
  return int64(n >= -(2n ** 63n) && n < 2n ** 63n ? n : 0n);
}

/** Sprig's numeric functions. */
export const numericFunctions: Readonly<Record<string, GoFunc>> = {
  int64: goFunc([any], (v: unknown) => int64(toInt64(v))),
  int: goFunc([any], (v: unknown) => int(toInt64(v))),
  float64: goFunc([any], toFloat64),
  toDecimal: goFunc([any], toDecimal),
  add1: goFunc([any], (v: unknown) => wrap(toInt64(v) + 1n)),
  add: goFunc([], (...v: unknown[]) => wrap(v.reduce<bigint>((a, b) => a + toInt64(b), 0n)), any),
  sub: goFunc([any, any], (a: unknown, b: unknown) => wrap(toInt64(a) - toInt64(b))),
  div: goFunc([any, any], (a: unknown, b: unknown) => div(toInt64(a), toInt64(b))),
  mod: goFunc([any, any], (a: unknown, b: unknown) => mod(toInt64(a), toInt64(b))),
  mul: goFunc(
    [any],
    (a: unknown, ...v: unknown[]) =>
      wrap(v.reduce<bigint>((x, b) => BigInt.asIntN(64, x * toInt64(b)), toInt64(a))),
    any,
  ),
  randInt: goFunc(["int", "int"], (min: GoInt, max: GoInt) => {
    const span = num(max) - num(min);
    if (span <= 0) throw new Error("invalid argument to Intn");
    return int(Math.floor(Math.random() * span) + num(min));
  }),
  add1f: goFunc([any], (v: unknown) => decimalOp([toFloat64(v), 1], "+")),
  addf: goFunc([], (...v: unknown[]) => decimalOp([0, ...v.map(toFloat64)], "+"), any),
  subf: goFunc(
    [any],
    (a: unknown, ...v: unknown[]) => decimalOp([toFloat64(a), ...v.map(toFloat64)], "-"),
    any,
  ),
  mulf: goFunc(
    [any],
    (a: unknown, ...v: unknown[]) => decimalOp([toFloat64(a), ...v.map(toFloat64)], "*"),
    any,
  ),
  divf: goFunc(
    [any],
    (a: unknown, ...v: unknown[]) => decimalOp([toFloat64(a), ...v.map(toFloat64)], "/"),
    any,
  ),
  biggest: goFunc(
    [any],
    (a: unknown, ...v: unknown[]) =>
      int64(v.map(toInt64).reduce((x, y) => (y > x ? y : x), toInt64(a))),
    any,
  ),
  max: goFunc(
    [any],
    (a: unknown, ...v: unknown[]) =>
      int64(v.map(toInt64).reduce((x, y) => (y > x ? y : x), toInt64(a))),
    any,
  ),
  min: goFunc(
    [any],
    (a: unknown, ...v: unknown[]) =>
      int64(v.map(toInt64).reduce((x, y) => (y < x ? y : x), toInt64(a))),
    any,
  ),
  maxf: goFunc(
    [any],
    (a: unknown, ...v: unknown[]) =>
      v.map(toFloat64).reduce((x, y) => Math.max(x, y), toFloat64(a)),
    any,
  ),
  minf: goFunc(
    [any],
    (a: unknown, ...v: unknown[]) =>
      v.map(toFloat64).reduce((x, y) => Math.min(x, y), toFloat64(a)),
    any,
  ),
  ceil: goFunc([any], (a: unknown) => Math.ceil(toFloat64(a))),
  floor: goFunc([any], (a: unknown) => Math.floor(toFloat64(a))),
  round: goFunc([any, "int"], (a: unknown, p: GoInt, ...r: number[]) => round(a, p, r), "float64"),
  until: goFunc(["int"], (c: GoInt) => intSlice(untilStep(0, num(c), num(c) < 0 ? -1 : 1))),
  untilStep: goFunc(["int", "int", "int"], (a: GoInt, b: GoInt, s: GoInt) =>
    intSlice(untilStep(num(a), num(b), num(s))),
  ),
  seq: goFunc([], (...p: GoInt[]) => seq(p.map(num)), "int"),
};
