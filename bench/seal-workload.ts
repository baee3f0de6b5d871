// The seal benchmark's workload, shared by bench/seal.bench.ts and the pinned child process
// bench/seal-runner.ts: 10,000 Secrets × 5 values (0..512 bytes, mean 256) sealed with RSA-4096.
import { randomBytes, randomInt, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { testdata } from "../test/support/paths.js";
import {
  parseSealingCertificate,
  prepareSecret,
  sealSecret,
  type Secret,
} from "../src/sealing/index.js";

export const SECRETS = 10_000;
export const VALUES = 5;
/** Sealed untimed just before timing, as openssl's verify test runs right after its sign test. */
export const WARM_UP_SECRETS = 100;

/** The benchmark certificate's public key (testdata/sealing/byo-4096.crt). */
export function benchPublicKey(): KeyObject {
  return parseSealingCertificate(readFileSync(testdata("sealing", "byo-4096.crt"))).publicKey;
}

/** Secrets with values of 0..512 bytes (mean 256), as base64 `data` the way kubectl writes them. */
export function makeSecrets(count: number): Secret[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `app-${i}`, namespace: `team-${i % 50}` },
    data: Object.fromEntries(
      Array.from({ length: VALUES }, (_, v) => [
        `value-${v}`,
        randomBytes(randomInt(0, 513)).toString("base64"),
      ]),
    ),
  }));
}

/** One timed pass: wall and CPU seconds (this process, all threads) to seal every Secret. */
export function sealAll(
  secrets: readonly Secret[],
  publicKey: KeyObject,
): { seconds: number; cpuSeconds: number } {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let bytes = 0;
  for (const secret of secrets) {
    const sealed = sealSecret(
      prepareSecret(secret, { namespace: "default", namespaceExplicit: false }),
      publicKey,
    );
    for (const value of Object.values(sealed.spec.encryptedData)) bytes += value.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  if (bytes === 0) throw new Error("nothing was sealed");
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}
