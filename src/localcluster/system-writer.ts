import type { WriteOptions } from "./write-options.js";

/** Write options of the server's own controllers (never dry-run, never strict). */
export function systemWriteOptions(manager: string): WriteOptions {
  return { dryRun: false, manager, fieldValidation: "Ignore", force: false, warnings: [] };
}

/**
 * Runs `work` for each queued key on a later turn of the event loop, once per key however often
 * it was queued, so controllers react to store changes without re-entering the write in progress.
 */
export class DeferredQueue {
  #pending = new Set<string>();
  #scheduled: NodeJS.Immediate | undefined;
  #stopped = false;
  readonly #work: (key: string) => void;

  constructor(work: (key: string) => void) {
    this.#work = work;
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
      this.#work(key);
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#pending.clear();
  }
}
