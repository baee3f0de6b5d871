import type { WriteOptions } from "./write-options.js";

/** Write options of the server's own controllers (never dry-run, never strict). */
export function systemWriteOptions(manager: string): WriteOptions {
  return { dryRun: false, manager, fieldValidation: "Ignore", force: false, warnings: [] };
}

/** Where controllers report failures of their background work. */
export type ErrorReporter = (error: unknown, key: string) => void;

/**
 * Runs `work` for each queued key on a later turn of the event loop, once per key however often
 * it was queued, so controllers react to store changes without re-entering the write in progress.
 */
export class DeferredQueue {
  #pending = new Set<string>();
  #scheduled: NodeJS.Immediate | undefined;
  #stopped = false;
  readonly #work: (key: string) => void;
  readonly #report: ErrorReporter;

  /**
   * @param work what to do for one key
   * @param report told of a failure of `work`; the queue carries on with the other keys, and a
   *   later change re-queues the key
   */
  constructor(work: (key: string) => void, report: ErrorReporter) {
    this.#work = work;
    this.#report = report;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    this.#scheduled ??= setImmediate(() => {
      this.#run();
    });
  }

  #run(): void {
    this.#scheduled = undefined;
    const keys = [...this.#pending];
    this.#pending.clear();
    for (const key of keys) {
      if (this.#stopped) return;
      try {
        this.#work(key);
      } catch (error) {
        this.#report(error, key);
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#pending.clear();
  }
}
