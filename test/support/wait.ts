// Waiting on a condition in tests: poll with a short pause, bounded in attempts and time, and
// fail naming what was awaited. Tests assert on conditions, never on how long something took.
import { setTimeout as pause } from "node:timers/promises";

export interface WaitOptions {
  /** Give up after this long (default 30 s: a loaded 2-core CI machine can take 10 s and more). */
  readonly timeoutMs?: number;
  /** Pause between probes (default 20 ms). */
  readonly intervalMs?: number;
}

/**
 * Resolves with the first truthy value `probe` returns; a probe that throws counts as "not yet".
 * @throws Error `timed out waiting for <what>` (with the last probe error) when time runs out
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.ceil(timeoutMs / intervalMs) + 1; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) break;
    await pause(intervalMs);
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}
