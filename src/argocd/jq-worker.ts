// Runs jq (jq-web, WebAssembly) for jq-runner.ts in a worker thread, so that a runaway expression
// can be stopped by terminating the worker. Protocol: see jq-runner.ts.
import { createRequire } from "node:module";
import { workerData, type MessagePort } from "node:worker_threads";

interface Jq {
  raw(input: string, filter: string, flags: string[]): string | undefined;
}

const { flag, port } = workerData as { flag: Int32Array; port: MessagePort };
const require = createRequire(import.meta.url);
const jq = (await (require("jq-web") as Promise<Jq>)) satisfies Jq;

function answer(message: object): void {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

port.on("message", (request: { input: string; filter: string }) => {
  try {
    // jq-web returns undefined when the program writes nothing.
    answer({ output: jq.raw(request.input, request.filter, ["-c"]) ?? "" });
  } catch (error) {
    answer({ error: error instanceof Error ? error.message : String(error) });
  }
});

// Ready: the WebAssembly module is compiled.
Atomics.store(flag, 1, 1);
Atomics.notify(flag, 1);
