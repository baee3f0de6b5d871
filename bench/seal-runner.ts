// Child process of `npm run bench -- seal`, pinned (taskset) to the core openssl runs on between
// its runs, so that its GC threads count too: builds the workload, prints "ready", then for each
// "go" read on stdin warms up, collects garbage, seals all Secrets once and prints the timing as
// one JSON line.
import { createInterface } from "node:readline";
import { collectGarbage } from "./heap.js";
import { benchPublicKey, makeSecrets, sealAll, SECRETS, WARM_UP_SECRETS } from "./seal-workload.js";

const publicKey = benchPublicKey();
const secrets = makeSecrets(SECRETS);
const warmUp = makeSecrets(WARM_UP_SECRETS);
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== "go") break;
  sealAll(warmUp, publicKey);
  collectGarbage();
  process.stdout.write(`${JSON.stringify(sealAll(secrets, publicKey))}\n`);
}
