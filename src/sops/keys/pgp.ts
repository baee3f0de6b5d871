// PGP master keys: the data key (or share) as an armored public-key-encrypted message. Keys come
// from armored key files given by the caller, GnuPG's legacy keyrings, or the user's GnuPG home
// (exported once with `gpg --export[-secret-keys]`); when that is not possible (a passphrase,
// an agent-held or smartcard key) the `gpg` binary does the work, as sops falls back to it too.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type * as OpenPgpModule from "openpgp";
import type { Key, PrivateKey } from "openpgp";
import type { Environment } from "./age.js";

// OpenPGP.js refuses RSA keys below 2047 bits by default; sops (go-crypto) and GnuPG accept the
// 1024-bit keys that still exist in the wild, including sops's own test key.
const OPENPGP_CONFIG = { minRSABits: 1024 };

type OpenPgp = typeof OpenPgpModule;
let openpgpModule: Promise<OpenPgp> | undefined;

/** Loads OpenPGP.js on first use (it is large; the CLI should not pay for it when not needed). */
function openpgp(): Promise<OpenPgp> {
  openpgpModule ??= import("openpgp");
  return openpgpModule;
}

/** Where the PGP key source looks, and what it may run. */
export interface PgpOptions {
  /** Environment (GNUPGHOME, SOPS_GPG_EXEC, HOME). */
  env: Environment;
  /** Armored private keys (possibly several per block) to try before GnuPG. */
  privateKeys?: readonly string[];
  /** Armored public keys to encrypt to before asking GnuPG. */
  publicKeys?: readonly string[];
  /** Whether the `gpg` binary may be used (default true). */
  useGnuPG?: boolean;
}

interface GpgResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

function normaliseFingerprint(fp: string): string {
  return fp.replaceAll(" ", "").replace(/!$/, "").toUpperCase();
}

function matchesFingerprint(key: Key, fp: string): boolean {
  const wanted = normaliseFingerprint(fp);
  const candidates = [key.getFingerprint(), ...key.getSubkeys().map((s) => s.getFingerprint())];
  return candidates.some((c) => c.toUpperCase().endsWith(wanted));
}

/**
 * Wraps and unwraps data keys with PGP keys. One instance caches the keys it has read, so a run
 * over many files reads each keyring (and runs each `gpg --export`) once.
 */
export class PgpKeyring {
  readonly #options: PgpOptions;
  #privateKeys: Promise<PrivateKey[]> | undefined;
  readonly #exported = new Map<string, Promise<PrivateKey[]>>();
  readonly #publicKeys = new Map<string, Promise<Key | undefined>>();

  constructor(options: PgpOptions) {
    this.#options = options;
  }

  get #home(): string {
    const env = this.#options.env;
    return env.GNUPGHOME !== undefined && env.GNUPGHOME !== ""
      ? env.GNUPGHOME
      : join(env.HOME ?? homedir(), ".gnupg");
  }

  #gpg(args: readonly string[], input: Uint8Array | string): Promise<GpgResult> {
    const env = this.#options.env;
    const program =
      env.SOPS_GPG_EXEC !== undefined && env.SOPS_GPG_EXEC !== "" ? env.SOPS_GPG_EXEC : "gpg";
    const homeArgs =
      env.GNUPGHOME !== undefined && env.GNUPGHOME !== "" ? ["--homedir", env.GNUPGHOME] : [];
    return new Promise((resolve) => {
      const child = spawn(program, [...homeArgs, ...args], {
        env: { ...env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      child.on("error", (error) => {
        resolve({ status: null, stdout: Buffer.alloc(0), stderr: error.message });
      });
      child.on("close", (status) => {
        resolve({
          status,
          stdout: Buffer.concat(out),
          stderr: Buffer.concat(err).toString("utf8").trim(),
        });
      });
      child.stdin.on("error", () => undefined);
      child.stdin.end(input);
    });
  }

  /** Keys given by the caller plus the legacy secret keyring, read once. */
  #localPrivateKeys(): Promise<PrivateKey[]> {
    this.#privateKeys ??= (async () => {
      const pgp = await openpgp();
      const keys: PrivateKey[] = [];
      for (const armoredKeys of this.#options.privateKeys ?? []) {
        keys.push(...(await pgp.readPrivateKeys({ armoredKeys, config: OPENPGP_CONFIG })));
      }
      try {
        const binaryKeys = readFileSync(join(this.#home, "secring.gpg"));
        keys.push(...(await pgp.readPrivateKeys({ binaryKeys, config: OPENPGP_CONFIG })));
      } catch {
        // No legacy keyring (GnuPG ≥ 2.1 keeps keys elsewhere): GnuPG is asked below.
      }
      return keys;
    })();
    return this.#privateKeys;
  }

  /** The secret key for `fp` exported from the GnuPG home, when it can be exported unattended. */
  #exportedPrivateKeys(fp: string): Promise<PrivateKey[]> {
    const wanted = normaliseFingerprint(fp);
    let keys = this.#exported.get(wanted);
    if (keys === undefined) {
      keys = (async () => {
        if (this.#options.useGnuPG === false) return [];
        const result = await this.#gpg(
          ["--batch", "--pinentry-mode", "error", "--export-secret-keys", wanted],
          "",
        );
        if (result.status !== 0 || result.stdout.length === 0) return [];
        const pgp = await openpgp();
        try {
          const found = await pgp.readPrivateKeys({
            binaryKeys: result.stdout,
            config: OPENPGP_CONFIG,
          });
          return found.filter((k) => k.isDecrypted());
        } catch {
          return [];
        }
      })();
      this.#exported.set(wanted, keys);
    }
    return keys;
  }

  async #openWithOpenPgp(armoredMessage: string, keys: PrivateKey[]): Promise<Uint8Array> {
    const pgp = await openpgp();
    const usable = keys.filter((k) => k.isDecrypted());
    if (usable.length === 0) throw new Error("no private key available");
    const message = await pgp.readMessage({ armoredMessage, config: OPENPGP_CONFIG });
    // OpenPGP.js's overloads mention web stream types our lib settings leave out; the call is on
    // a complete binary message, whose result is a Uint8Array.
    const decrypt = pgp.decrypt as unknown as (options: {
      message: typeof message;
      decryptionKeys: PrivateKey[];
      format: "binary";
      config: typeof OPENPGP_CONFIG;
    }) => Promise<{ data: Uint8Array }>;
    const { data } = await decrypt({
      message,
      decryptionKeys: usable,
      format: "binary",
      config: OPENPGP_CONFIG,
    });
    return data;
  }

  /**
   * Opens one armored PGP message holding a data key (or share).
   * @throws Error in sops's shape: `could not decrypt data key with PGP key: …`
   */
  async unwrap(fingerprint: string, armoredMessage: string): Promise<Uint8Array> {
    const errors: string[] = [];
    try {
      const keys = [
        ...(await this.#localPrivateKeys()),
        ...(await this.#exportedPrivateKeys(fingerprint)),
      ];
      return await this.#openWithOpenPgp(armoredMessage, keys);
    } catch (error) {
      errors.push(`openpgp error: ${(error as Error).message}`);
    }
    if (this.#options.useGnuPG !== false) {
      const result = await this.#gpg(["-d"], armoredMessage);
      if (result.status === 0 && result.stdout.length > 0) return new Uint8Array(result.stdout);
      const reason = result.status === 0 ? "zero bytes returned" : result.stderr;
      errors.push(`GnuPG binary error: failed to decrypt sops data key with pgp: ${reason}`);
    }
    throw new Error(`could not decrypt data key with PGP key: ${errors.join("; ")}`);
  }

  #publicKey(fp: string): Promise<Key | undefined> {
    const wanted = normaliseFingerprint(fp);
    let key = this.#publicKeys.get(wanted);
    if (key === undefined) {
      key = (async () => {
        const pgp = await openpgp();
        for (const armoredKeys of this.#options.publicKeys ?? []) {
          const found = (await pgp.readKeys({ armoredKeys, config: OPENPGP_CONFIG })).find((k) =>
            matchesFingerprint(k, wanted),
          );
          if (found !== undefined) return found;
        }
        for (const armoredKeys of this.#options.privateKeys ?? []) {
          const found = (await pgp.readPrivateKeys({ armoredKeys, config: OPENPGP_CONFIG })).find(
            (k) => matchesFingerprint(k, wanted),
          );
          if (found !== undefined) return found.toPublic();
        }
        if (this.#options.useGnuPG === false) return undefined;
        const result = await this.#gpg(["--batch", "--export", wanted], "");
        if (result.status !== 0 || result.stdout.length === 0) return undefined;
        return (await pgp.readKeys({ binaryKeys: result.stdout, config: OPENPGP_CONFIG })).find(
          (k) => matchesFingerprint(k, wanted),
        );
      })();
      this.#publicKeys.set(wanted, key);
    }
    return key;
  }

  /**
   * Encrypts `dataKey` to the key `fingerprint`, armored (trimmed, as sops stores gpg's output).
   * @throws Error in sops's shape: `could not encrypt data key with PGP key: …`
   */
  async wrap(fingerprint: string, dataKey: Uint8Array): Promise<string> {
    const errors: string[] = [];
    try {
      const key = await this.#publicKey(fingerprint);
      if (key === undefined)
        throw new Error(`key with fingerprint ${fingerprint} is not available`);
      const pgp = await openpgp();
      const message = await pgp.createMessage({ binary: dataKey });
      const encrypt = pgp.encrypt as unknown as (options: {
        message: typeof message;
        encryptionKeys: Key;
        format: "armored";
        config: typeof OPENPGP_CONFIG;
      }) => Promise<string>;
      const armored = await encrypt({
        message,
        encryptionKeys: key,
        format: "armored",
        config: OPENPGP_CONFIG,
      });
      return armored.trim();
    } catch (error) {
      errors.push(`openpgp error: ${(error as Error).message}`);
    }
    if (this.#options.useGnuPG !== false) {
      const fp = normaliseFingerprint(fingerprint);
      const args = [
        "--no-default-recipient",
        "--yes",
        "--encrypt",
        "-a",
        "-r",
        fp,
        "--trusted-key",
        fp.slice(-16),
        "--no-encrypt-to",
      ];
      const result = await this.#gpg(args, dataKey);
      if (result.status === 0) return result.stdout.toString("utf8").trim();
      errors.push(`GnuPG binary error: failed to encrypt sops data key with pgp: ${result.stderr}`);
    }
    throw new Error(`could not encrypt data key with PGP key: ${errors.join("; ")}`);
  }
}
