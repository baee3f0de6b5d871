const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration string (`1h0m0s`, `5m`, `1.5h`, `300ms`, `0`) into milliseconds, with the
 * grammar of Go's `time.ParseDuration`.
 * @throws Error `time: invalid duration "x"` (Go's wording) when the text is not a duration
 */
export function parseGoDuration(text: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)([a-zµμ]+)/u;
  while (rest !== "") {
    const match = part.exec(rest);
    const number = match?.[1];
    const unit = unitMs[match?.[2] ?? ""];
    if (
      match === null ||
      number === undefined ||
      number === "" ||
      number === "." ||
      unit === undefined
    ) {
      throw invalid();
    }
    total += Number(number) * unit;
    rest = rest.slice(match[0].length);
  }
  return sign * total;
}
