// Where RSA runs: a pool of worker threads (every core busy while the main thread serves the
// API and informers), or inline on the calling thread (tests, `--unseal-workers 0`).
import { Worker } from "node:worker_threads";
import type { Logger } from "../../kube/index.js";
import {
  unsealWithKeys,
  type UnsealJob,
  type UnsealKey,
  type UnsealOutcome,
} from "./unseal-core.js";

/** Unseals SealedSecrets with the current keys. */
export interface Unsealer {
  /** Replaces the keys (jobs submitted afterwards use the new set). */
  setKeys(keys: readonly UnsealKey[]): void;
  /**
   * Unseals one SealedSecret; unsealing failures are in `outcome.result`, never thrown.
   * @throws Error when the unsealer is closed or a worker died
   */
  unseal(job: UnsealJob): Promise<UnsealOutcome>;
  /** Stops the workers; pending jobs are rejected. */
  close(): Promise<void>;
}

/** Unseals on the calling thread. */
export function inlineUnsealer(): Unsealer {
  let keys: readonly UnsealKey[] = [];
  let closed = false;
  return {
    setKeys(next) {
      keys = next;
    },
    unseal(job) {
      if (closed) return Promise.reject(new Error("unsealer is closed"));
      return Promise.resolve(unsealWithKeys(keys, job));
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}

/** A message to a worker. */
export type PoolRequest =
  | { readonly type: "keys"; readonly keys: readonly UnsealKey[] }
  | { readonly type: "unseal"; readonly id: number; readonly job: UnsealJob };

/** A worker's answer. */
export type PoolResponse =
  | { readonly id: number; readonly outcome: UnsealOutcome }
  | { readonly id: number; readonly error: string };

interface Pending {
  readonly resolve: (outcome: UnsealOutcome) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  readonly pending: Map<number, Pending>;
}

/**
 * A pool of `size` worker threads. Each job goes to the worker with the fewest jobs in flight;
 * keys are sent to every worker (message order guarantees a job sees the keys set before it).
 * A worker that dies fails its jobs and is replaced.
 */
export class WorkerPoolUnsealer implements Unsealer {
  readonly #workers: PoolWorker[] = [];
  readonly #log: Logger;
  #keys: readonly UnsealKey[] = [];
  #nextId = 0;
  #closed = false;

  constructor(size: number, logger: Logger) {
    this.#log = logger;
    for (let i = 0; i < Math.max(1, size); i++) this.#workers.push(this.#spawn());
  }

  /** Number of worker threads. */
  get size(): number {
    return this.#workers.length;
  }

  setKeys(keys: readonly UnsealKey[]): void {
    this.#keys = keys;
    for (const slot of this.#workers)
      slot.worker.postMessage({ type: "keys", keys } satisfies PoolRequest);
  }

  unseal(job: UnsealJob): Promise<UnsealOutcome> {
    if (this.#closed) return Promise.reject(new Error("unsealer is closed"));
    let slot = this.#workers[0];
    for (const candidate of this.#workers)
      if (slot === undefined || candidate.pending.size < slot.pending.size) slot = candidate;
    if (slot === undefined) return Promise.reject(new Error("unsealer has no workers"));
    const id = this.#nextId++;
    const target = slot;
    return new Promise<UnsealOutcome>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage({ type: "unseal", id, job } satisfies PoolRequest);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#workers.map(async (slot) => {
        this.#failAll(slot, new Error("unsealer is closed"));
        await slot.worker.terminate();
      }),
    );
  }

  #spawn(): PoolWorker {
    const slot: PoolWorker = { worker: this.#start(), pending: new Map() };
    this.#wire(slot);
    return slot;
  }

  #start(): Worker {
    const worker = new Worker(new URL("./unseal-worker.js", import.meta.url));
    if (this.#keys.length > 0)
      worker.postMessage({ type: "keys", keys: this.#keys } satisfies PoolRequest);
    return worker;
  }

  #wire(slot: PoolWorker): void {
    const worker = slot.worker;
    worker.on("message", (response: PoolResponse) => {
      const pending = slot.pending.get(response.id);
      if (pending === undefined) return;
      slot.pending.delete(response.id);
      if ("outcome" in response) pending.resolve(response.outcome);
      else pending.reject(new Error(`unseal worker failed: ${response.error}`));
    });
    worker.on("error", (error) => {
      this.#log.error({ err: error }, "unseal worker crashed");
    });
    worker.on("exit", () => {
      this.#failAll(slot, new Error("unseal worker exited"));
      if (this.#closed) return;
      slot.worker = this.#start();
      this.#wire(slot);
    });
    // An idle worker must not keep a stopping process alive.
    worker.unref();
  }

  #failAll(slot: PoolWorker, error: Error): void {
    for (const pending of slot.pending.values()) pending.reject(error);
    slot.pending.clear();
  }
}
