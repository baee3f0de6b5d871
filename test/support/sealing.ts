// Fixtures for tests of the sealing module: the key pairs made once with openssl under
// testdata/sealing/ (see its README), loaded as KeyObjects.
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { testdata } from "./paths.js";

/** A committed test key pair. */
export interface TestKeyPair {
  certificatePath: string;
  keyPath: string;
  certificatePem: string;
  keyPem: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

function load(name: string): TestKeyPair {
  const certificatePath = testdata("sealing", `${name}.crt`);
  const keyPath = testdata("sealing", `${name}.key`);
  const certificatePem = readFileSync(certificatePath, "utf8");
  const keyPem = readFileSync(keyPath, "utf8");
  return {
    certificatePath,
    keyPath,
    certificatePem,
    keyPem,
    publicKey: createPublicKey(certificatePem),
    privateKey: createPrivateKey(keyPem),
  };
}

/** The 2048-bit BYO pair (fast; most unit tests use it). */
export const byo2048: TestKeyPair = load("byo-2048");
/** The 4096-bit BYO pair made with the seeds' recipe. */
export const byo4096: TestKeyPair = load("byo-4096");
/** Path of a file under testdata/sealing. */
export const sealingData = (name: string): string => testdata("sealing", name);
