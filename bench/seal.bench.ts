// `npm run bench -- seal`: sealing throughput against the machine's RSA-4096 public-key rate
// (`openssl speed rsa4096`, measured in the same run), and the start-up cost of one
// `secretfleet seal --cert …` call against `node -e 0`. A second reference, node:crypto's own
// RSA-OAEP rate, shows how much of the gap to openssl is node itself.
import { spawnSync } from "node:child_process";
import {
  constants,
  createPublicKey,
  publicEncrypt,
  randomBytes,
  randomInt,
  type KeyObject,
} from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliPath, testdata } from "../test/support/paths.js";
import { collectGarbage } from "./heap.js";
import { opensslRsaRates, ratioLine } from "./limits.js";
import {
  parseSealingCertificate,
  prepareSecret,
  sealSecret,
  type Secret,
} from "../src/sealing/index.js";

const SECRETS = 10_000;
const VALUES = 5;
const CLI_RUNS = 15;
// Sealed untimed just before the timed run, as openssl's verify test runs right after its sign test.
const WARM_UP_SECRETS = 200;

// Values of 0..512 bytes (mean 256), as base64 `data` the way kubectl writes Secrets.
function makeSecrets(count: number): Secret[] {
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

function sealAll(
  secrets: readonly Secret[],
  publicKey: KeyObject,
): {
  seconds: number;
  cpuSeconds: number;
  bytes: number;
} {
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
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, bytes };
}

/**
 * RSA-4096 public operations per CPU-second through node:crypto's `publicEncrypt` as sealing calls
 * it (a KeyObject carrying OAEP-SHA256 and a label, a 32-byte session key), and without padding
 * (what a padding written in JavaScript could at best reach): the most any sealer built on
 * node:crypto can do on one core.
 */
function nodeRsaRates(publicKey: KeyObject, seconds: number): { oaep: number; raw: number } {
  const sessionKey = randomBytes(32);
  const label = Buffer.from("team-0/app-0");
  const block = Buffer.alloc(512, 1); // below the modulus, as a padded block is
  const copy = (): KeyObject =>
    createPublicKey({
      key: publicKey.export({ format: "der", type: "spki" }),
      format: "der",
      type: "spki",
    });
  const oaepKey = Object.assign(copy(), {
    padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: "sha256",
    oaepLabel: label,
  });
  const rawKey = Object.assign(copy(), { padding: constants.RSA_NO_PADDING });
  const rate = (operation: () => void): number => {
    let count = 0;
    const cpu = process.cpuUsage();
    let used = 0;
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      while (used < seconds) {
        for (let i = 0; i < 100; i++) operation();
        count += 100;
        const { user, system } = process.cpuUsage(cpu);
        used = (user + system) / 1e6;
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    return count / used;
  };
  return {
    oaep: rate(() => publicEncrypt(oaepKey, sessionKey)),
    raw: rate(() => publicEncrypt(rawKey, block)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function wallMs(args: string[], input = ""): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { input, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function cliStartup(): { node: number; seal: number } {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-bench-"));
  try {
    const input = join(dir, "secret.yaml");
    writeFileSync(
      input,
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: team-a\nstringData:\n  password: s3cret\n",
    );
    const seal = [
      cliPath,
      "seal",
      "--cert",
      testdata("sealing", "byo-4096.crt"),
      "-f",
      input,
      "-o",
      "yaml",
    ];
    wallMs(seal); // warm the compile cache and the page cache, as a second call in a script would be
    const node: number[] = [];
    const sealed: number[] = [];
    // Interleaved, so both see the same machine load.
    for (let i = 0; i < CLI_RUNS; i++) {
      node.push(wallMs(["-e", "0"]));
      sealed.push(wallMs(seal));
    }
    return { node: median(node), seal: median(sealed) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the workload and prints each rate beside its limit. */
export async function run(): Promise<void> {
  const secrets = makeSecrets(SECRETS);
  const warmUp = makeSecrets(WARM_UP_SECRETS);
  const items = SECRETS * VALUES;
  const { publicKey } = parseSealingCertificate(readFileSync(testdata("sealing", "byo-4096.crt")));
  const before = opensslRsaRates(4096, 3);
  const nodeBefore = nodeRsaRates(publicKey, 2);
  sealAll(warmUp, publicKey);
  // The 10,000 input Secrets were just built: without this, the timed run would also pay for
  // moving them to the old generation (~100 ms, ~2.5% of the run).
  collectGarbage();
  const result = sealAll(secrets, publicKey);
  const nodeAfter = nodeRsaRates(publicKey, 2);
  const after = opensslRsaRates(4096, 3);
  const limit = (before.publicPerSecond + after.publicPerSecond) / 2;
  const nodeOaep = (nodeBefore.oaep + nodeAfter.oaep) / 2;
  const nodeRaw = (nodeBefore.raw + nodeAfter.raw) / 2;
  process.stdout.write(
    `sealed ${SECRETS} Secrets x ${VALUES} values (${items} items, mean 256 B) with RSA-4096 in ` +
      `${result.seconds.toFixed(2)} s wall, ${result.cpuSeconds.toFixed(2)} s CPU (one thread)\n`,
  );
  process.stdout.write(
    `openssl speed rsa4096 public ops/s: ${before.publicPerSecond.toFixed(0)} before, ${after.publicPerSecond.toFixed(0)} after\n`,
  );
  process.stdout.write(
    `${ratioLine("seal items/s (wall)", items / result.seconds, limit, "items/s")} (goal >= 0.7)\n`,
  );
  process.stdout.write(
    `${ratioLine("seal items/CPU-s", items / result.cpuSeconds, limit, "items/s")}\n`,
  );
  process.stdout.write(
    `node:crypto publicEncrypt RSA-4096 ops/CPU-s: OAEP-SHA256 ${nodeBefore.oaep.toFixed(0)} before, ` +
      `${nodeAfter.oaep.toFixed(0)} after; no padding ${nodeBefore.raw.toFixed(0)} before, ${nodeAfter.raw.toFixed(0)} after\n`,
  );
  process.stdout.write(
    `${ratioLine("ceiling under node:crypto: OAEP ops/CPU-s", nodeOaep, limit, "ops/s")}; ` +
      `no padding ratio ${(nodeRaw / limit).toFixed(3)}\n`,
  );
  process.stdout.write(
    `${ratioLine("seal items/CPU-s against node:crypto's OAEP", items / result.cpuSeconds, nodeOaep, "items/s")}\n`,
  );
  const startup = cliStartup();
  process.stdout.write(
    `secretfleet seal --cert (one Secret): median ${startup.seal.toFixed(0)} ms vs node -e 0 ${startup.node.toFixed(0)} ms ` +
      `= ${(startup.seal - startup.node).toFixed(0)} ms above (goal <= 100 ms; ${CLI_RUNS} interleaved runs)\n`,
  );
  await Promise.resolve();
}
