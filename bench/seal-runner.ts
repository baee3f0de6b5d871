// Child process of `npm run bench -- seal`, started pinned (taskset) to the core openssl runs on
// between its runs: builds the workload, prints "ready", then for each line "START END" read on
// stdin warms up, collects garbage, seals Secrets START..END-1 and prints the timing as one JSON
// line.
import { createInterface } from "node:readline";
import { collectGarbage } from "./heap.js";
import { benchPublicKey, makeSecrets, sealAll, SECRETS, WARM_UP_SECRETS } from "./seal-workload.js";

const publicKey = benchPublicKey();
const secrets = makeSecrets(SECRETS);
const warmUp = makeSecrets(WARM_UP_SECRETS);
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  const [start, end] = line.split(" ").map(Number);
  if (start === undefined || end === undefined || !(start < end)) break;
  sealAll(warmUp, publicKey);
  collectGarbage();
  process.stdout.write(`${JSON.stringify(sealAll(secrets.slice(start, end), publicKey))}\n`);
}
