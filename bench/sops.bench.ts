// `npm run bench -- sops`: SOPS encryption and decryption against the cost of the cryptography
// alone, measured in the same run:
// - a YAML file with 10,000 values of 64 bytes, encrypted and decrypted end to end (parse, walk,
//   MAC, write), beside a loop doing only AES-256-GCM + SHA-512 per value (goal: ratio ≥ 0.3);
// - one 1 MiB value, beside `openssl speed -evp aes-256-gcm` (goal: ratio ≥ 0.2), and beside
//   two bounds measured in the same run: the format's floor (AES-256-GCM plus the SHA-512 the MAC
//   needs over the same bytes, both from `openssl speed`) and node:crypto's own AES-256-GCM on the
//   same buffer (what this runtime does with a fresh output buffer per call, as every real use has);
// - 500 small files opened with one age identity: key unwraps counted (goal: one per file).
// Rates are per user-CPU second, the divisor `openssl speed` uses too: on a shared machine wall
// time would mostly measure the neighbours.
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  AgeIdentities,
  KeySources,
  encryptBranches,
  loadPlain,
  newAgeKey,
  openEncrypted,
  parseAgeIdentities,
  storeFor,
  type CreationSettings,
} from "../src/sops/index.js";
import { sopsTestKeys } from "../test/support/sops.js";
import { opensslSpeed, ratioLine } from "./limits.js";

const VALUES = 10_000;
const VALUE_BYTES = 64;
const FILES = 500;
const LARGE = 1024 * 1024;
const LARGE_ROUNDS = 5;

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function identities(): AgeIdentities {
  const text = readFileSync(sopsTestKeys.ageIdentityFile, "utf8");
  return new AgeIdentities(parseAgeIdentities(text, false));
}

function sources(ids: AgeIdentities): KeySources {
  return new KeySources({}, { ageIdentities: ids, useGnuPG: false });
}

const settings: CreationSettings = {
  keyGroups: [[newAgeKey(sopsTestKeys.ageRecipient)]],
  shamirThreshold: 0,
  rules: { unencryptedSuffix: "_unencrypted" },
};

/**
 * Runs `work` once to warm up (JIT, lazily loaded code), then three more times, and returns the
 * median user CPU seconds of those three: every side of a ratio is measured the same way.
 */
async function cpuSeconds(work: () => Promise<void> | void): Promise<number> {
  await work();
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = process.cpuUsage();
    await work();
    runs.push(process.cpuUsage(start).user / 1e6);
  }
  return runs.sort((a, b) => a - b)[1] ?? Number.NaN;
}

/** The cryptography every value needs and nothing else: one AES-256-GCM seal and a hash update. */
async function cryptoOnly(values: readonly Buffer[]): Promise<number> {
  const key = randomBytes(32);
  const used = await cpuSeconds(() => {
    const hash = createHash("sha512");
    for (const [i, value] of values.entries()) {
      const cipher = createCipheriv("aes-256-gcm", key, randomBytes(32));
      cipher.setAAD(Buffer.from(`key${i}:`));
      cipher.update(value);
      cipher.final();
      cipher.getAuthTag();
      hash.update(value);
    }
    hash.digest();
  });
  return values.length / used;
}

async function manyValues(): Promise<void> {
  const values = Array.from({ length: VALUES }, () =>
    Buffer.from(randomBytes(48).toString("base64")),
  );
  const yaml = values.map((v, i) => `key${i}: ${v.toString("utf8")}\n`).join("");
  const store = storeFor("yaml");
  const keys = sources(identities());
  const limit = await cryptoOnly(values);
  let encrypted: Uint8Array = new Uint8Array();
  const encryptSeconds = await cpuSeconds(async () => {
    encrypted = await encryptBranches(loadPlain(Buffer.from(yaml), "yaml"), store, settings, keys);
  });
  let output: Uint8Array = new Uint8Array();
  const decryptSeconds = await cpuSeconds(async () => {
    const doc = await openEncrypted(encrypted, { format: "yaml", sources: keys });
    output = store.emitPlain(doc.branches);
  });
  if (Buffer.from(output).toString("utf8") !== yaml) throw new Error("round trip changed the file");
  say(
    `${VALUES} values of ${VALUE_BYTES} B in one YAML file, against AES-256-GCM + SHA-512 per value`,
  );
  say(
    ratioLine("encrypt (parse, encrypt, MAC, write)", VALUES / encryptSeconds, limit, "values/s"),
  );
  say(
    ratioLine(
      "decrypt (parse, decrypt, verify MAC, write)",
      VALUES / decryptSeconds,
      limit,
      "values/s",
    ),
  );
}

/** Throughput on 16 KiB blocks from `openssl speed` for one algorithm row, in MB/s. */
function opensslRate(args: readonly string[], row: string): number {
  const output = opensslSpeed(args, 2);
  const line = output.split("\n").find((l) => l.trim().toLowerCase().startsWith(`${row} `));
  const last = line?.trim().split(/\s+/).at(-1);
  if (last === undefined) throw new Error(`cannot read the ${row} row of "openssl speed"`);
  return Number.parseFloat(last) / 1000;
}

/** node:crypto's AES-256-GCM alone on one buffer, MB/s: the best this runtime does here. */
async function nodeAesGcm(data: Buffer): Promise<number> {
  const key = randomBytes(32);
  const used = await cpuSeconds(() => {
    for (let i = 0; i < LARGE_ROUNDS; i++) {
      const cipher = createCipheriv("aes-256-gcm", key, randomBytes(32));
      cipher.update(data);
      cipher.final();
    }
  });
  return (LARGE_ROUNDS * data.length) / 1e6 / used;
}

async function oneLargeValue(): Promise<void> {
  const plain = randomBytes(LARGE);
  const store = storeFor("binary");
  const keys = sources(identities());
  const limit = opensslRate(["-evp", "aes-256-gcm"], "aes-256-gcm");
  // The MAC hashes every plaintext byte with SHA-512 on both ways: with AES-256-GCM, the least
  // work the format itself asks per byte.
  const sha512 = opensslRate(["sha512"], "sha512");
  const floor = 1 / (1 / limit + 1 / sha512);
  const runtime = await nodeAesGcm(plain);
  const binary: CreationSettings = { ...settings, rules: {} };
  let encrypted: Uint8Array = new Uint8Array();
  const encryptSeconds = await cpuSeconds(async () => {
    for (let i = 0; i < LARGE_ROUNDS; i++) {
      encrypted = await encryptBranches(loadPlain(plain, "binary"), store, binary, keys);
    }
  });
  const decryptSeconds = await cpuSeconds(async () => {
    for (let i = 0; i < LARGE_ROUNDS; i++) {
      const doc = await openEncrypted(encrypted, { format: "binary", sources: keys });
      if (!Buffer.from(store.emitPlain(doc.branches)).equals(plain))
        throw new Error("1 MiB round trip failed");
    }
  });
  const mb = (LARGE_ROUNDS * LARGE) / 1e6;
  say("one 1 MiB value (binary store), against openssl speed -evp aes-256-gcm (16 KiB blocks)");
  say(ratioLine("encrypt", mb / encryptSeconds, limit, "MB/s"));
  say(ratioLine("decrypt", mb / decryptSeconds, limit, "MB/s"));
  say(ratioLine("format floor: AES-256-GCM + SHA-512 (openssl speed)", floor, limit, "MB/s"));
  say(ratioLine("node:crypto AES-256-GCM alone, same buffer", runtime, limit, "MB/s"));
  say(ratioLine("encrypt against node:crypto alone", mb / encryptSeconds, runtime, "MB/s"));
  say(ratioLine("decrypt against node:crypto alone", mb / decryptSeconds, runtime, "MB/s"));
}

async function manyFiles(): Promise<void> {
  const store = storeFor("yaml");
  const writer = sources(identities());
  const files: Uint8Array[] = [];
  for (let i = 0; i < FILES; i++) {
    files.push(
      await encryptBranches(
        loadPlain(Buffer.from(`password: value-${i}\n`), "yaml"),
        store,
        settings,
        writer,
      ),
    );
  }
  const reader = identities();
  const keys = sources(reader);
  // Measured once: the point is the unwrap count of one pass over the files, not a steady state.
  const start = process.cpuUsage();
  for (const file of files) await openEncrypted(file, { format: "yaml", sources: keys });
  const used = process.cpuUsage(start).user / 1e6;
  say(
    `${FILES} small files, one age identity: ${(FILES / used).toFixed(1)} files/s, ` +
      `${reader.unwraps} key unwraps = ${(reader.unwraps / FILES).toFixed(2)} per file (goal 1.00)`,
  );
}

/** Runs the three SOPS workloads. */
export async function run(): Promise<void> {
  await manyValues();
  await oneLargeValue();
  await manyFiles();
}
