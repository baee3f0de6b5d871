import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type MessagePort,
} from "node:worker_threads";

/** The outcome of running one jq program over one JSON document. */
export type JqOutcome =
  | { readonly kind: "ok"; readonly outputs: unknown[] }
  | { readonly kind: "timeout" }
  | { readonly kind: "compile-error"; readonly message: string }
  | { readonly kind: "runtime-error"; readonly message: string };

interface Running {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

let running: Running | undefined;

/**
 * Runs a jq program (the real jq, compiled to WebAssembly by jq-web) over a JSON value and waits
 * for it synchronously, at most `timeoutMs`. jq runs in a worker thread; a program that runs too
 * long is stopped by terminating that worker (a fresh one starts on the next call).
 */
export function runJq(filter: string, input: unknown, timeoutMs: number): JqOutcome {
  const jq = ensureWorker();
  Atomics.store(jq.flag, 0, 0);
  jq.port.postMessage({ input: JSON.stringify(input), filter });
  if (Atomics.wait(jq.flag, 0, 0, timeoutMs) === "timed-out") {
    stopJq();
    return { kind: "timeout" };
  }
  const reply = receiveMessageOnPort(jq.port)?.message as
    { output?: string; error?: string } | undefined;
  if (reply?.output !== undefined) {
    const lines = reply.output.split("\n").filter((line) => line !== "");
    return { kind: "ok", outputs: lines.map((line) => JSON.parse(line) as unknown) };
  }
  const message = reply?.error ?? "jq gave no answer";
  const code = /Non-zero exit code: (\d+)/.exec(message)?.[1];
  const detail = message.replace(/^Non-zero exit code: \d+\n?/, "").trim();
  return code === "3"
    ? { kind: "compile-error", message: detail }
    : { kind: "runtime-error", message: detail };
}

/** Stops the jq worker (tests call it to end cleanly; it restarts on demand). */
export function stopJq(): void {
  if (running === undefined) return;
  void running.worker.terminate();
  running.port.close();
  running = undefined;
}

function ensureWorker(): Running {
  if (running !== undefined) return running;
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL("./jq-worker.js", import.meta.url), {
    workerData: { flag, port: port2 },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  // Loading and compiling the WebAssembly module happens once per worker; bound it generously.
  if (Atomics.wait(flag, 1, 0, 30_000) === "timed-out") {
    void worker.terminate();
    throw new Error("jq did not start within 30s");
  }
  running = { worker, port: port1, flag };
  return running;
}
