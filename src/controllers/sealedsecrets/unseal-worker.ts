// A worker thread of the unseal pool: holds the private keys it is sent and unseals the jobs it
// is given, one at a time, so RSA runs on every core while the main thread talks to the API.
import { parentPort } from "node:worker_threads";
import { unsealWithKeys, type UnsealKey } from "./unseal-core.js";
import type { PoolRequest, PoolResponse } from "./unseal-pool.js";

let keys: readonly UnsealKey[] = [];
const port = parentPort;
port?.on("message", (message: PoolRequest) => {
  if (message.type === "keys") {
    keys = message.keys;
    return;
  }
  let response: PoolResponse;
  try {
    response = { id: message.id, outcome: unsealWithKeys(keys, message.job) };
  } catch (error) {
    // Never the job's content: errors of unsealing are values; this is a bug or a bad object.
    response = { id: message.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});
