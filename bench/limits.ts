import { execFileSync } from "node:child_process";

/** Formats one benchmark line: our rate, the limit, and their ratio. */
export function ratioLine(label: string, ours: number, limit: number, unit: string): string {
  const ratio = limit > 0 ? ours / limit : Number.NaN;
  return `${label}: ${ours.toFixed(1)} ${unit} vs limit ${limit.toFixed(1)} ${unit} = ratio ${ratio.toFixed(3)}`;
}

/**
 * `command args`, or the same under `taskset -c CPU` when `cpu` is given, as [command, args].
 */
export function onCpu(
  cpu: number | undefined,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return cpu === undefined
    ? [command, [...args]]
    : ["taskset", ["-c", String(cpu), command, ...args]];
}

/**
 * Runs `openssl speed` for `seconds` (pinned to `cpu` when given) and returns its output, which
 * callers parse for the row they need. Measured in the same run as the workload, so both see the
 * same machine.
 */
export function opensslSpeed(args: readonly string[], seconds = 3, cpu?: number): string {
  const [command, commandArgs] = onCpu(cpu, "openssl", [
    "speed",
    "-seconds",
    String(seconds),
    ...args,
  ]);
  return execFileSync(command, commandArgs, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** RSA sign/verify (private/public) operations per second for one key size, from `openssl speed`. */
export function opensslRsaRates(
  bits: number,
  seconds = 3,
  cpu?: number,
): { privatePerSecond: number; publicPerSecond: number } {
  return parseRsaRates(opensslSpeed([`rsa${bits}`], seconds, cpu), bits);
}

/**
 * Reads the sign/s and verify/s of one key size from the output of `openssl speed rsaBITS`.
 * @throws Error when the row is missing
 */
function parseRsaRates(
  output: string,
  bits: number,
): { privatePerSecond: number; publicPerSecond: number } {
  // Row: "rsa 4096 bits 0.004860s 0.000076s    205.8  13222.4" (sign/s, verify/s at the end)
  const row = output
    .split("\n")
    .find((line) => new RegExp(`^rsa\\s+${bits} bits`).test(line.trim()));
  const numbers =
    row
      ?.trim()
      .split(/\s+/)
      .map(Number)
      .filter((n) => !Number.isNaN(n)) ?? [];
  const privatePerSecond = numbers.at(-2);
  const publicPerSecond = numbers.at(-1);
  if (privatePerSecond === undefined || publicPerSecond === undefined) {
    throw new Error(`cannot read the rsa${bits} row of "openssl speed"`);
  }
  return { privatePerSecond, publicPerSecond };
}
