// age master keys: the data key (or Shamir share) as an armored age file for one recipient, and
// the identities that open it, gathered once from the places sops looks (SOPS_AGE_KEY,
// SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, <config dir>/sops/age/keys.txt).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Decrypter, Encrypter, armor } from "age-encryption";
import { splitShellWords } from "./shell-words.js";

/** Environment variables the age key source reads. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Checks that a recipient parses (X25519 `age1…`, hybrid `age1pq1…`, tag recipients).
 * @throws Error naming the recipient otherwise (ssh and plugin recipients are not supported)
 */
export function validateAgeRecipient(recipient: string): string {
  const trimmed = recipient.trim();
  if (trimmed.startsWith("ssh-")) {
    throw new Error(`ssh recipients are not supported by secretfleet: ${JSON.stringify(trimmed)}`);
  }
  if (!trimmed.startsWith("age1")) {
    throw new Error(`failed to parse input, unknown recipient type: ${JSON.stringify(trimmed)}`);
  }
  try {
    new Encrypter().addRecipient(trimmed);
  } catch (error) {
    const plugin = !trimmed.startsWith("age1pq1") && trimmed.slice(4).includes("1");
    const reason = plugin ? "age plugin recipients are not supported" : (error as Error).message;
    throw new Error(
      `failed to parse input as Bech32-encoded age public key ${JSON.stringify(trimmed)}: ${reason}`,
      {
        cause: error,
      },
    );
  }
  return trimmed;
}

/**
 * Wraps `dataKey` for one age recipient as sops does: a complete armored age file (64-column
 * base64 lines, final newline) with a single stanza.
 * @throws Error naming the recipient when it does not parse
 */
export async function wrapForAgeRecipient(recipient: string, dataKey: Uint8Array): Promise<string> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(validateAgeRecipient(recipient));
  return armor.encode(await encrypter.encrypt(dataKey));
}

/** Parses identity text: one identity per line (or several per line when `multiplePerLine`). */
export function parseAgeIdentities(text: string, multiplePerLine: boolean): string[] {
  const identities: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === "" || line.startsWith("#")) continue;
    const words = multiplePerLine ? line.split(/\s+/).filter((w) => w !== "") : [line.trim()];
    for (const word of words) {
      if (word.startsWith("AGE-SECRET-KEY-1") || word.startsWith("AGE-SECRET-KEY-PQ-1")) {
        identities.push(word);
      } else if (word.startsWith("AGE-PLUGIN-")) {
        throw new Error("age plugin identities are not supported");
      } else if (
        word.startsWith("-----BEGIN AGE ENCRYPTED FILE-----") ||
        word.startsWith("age-encryption.org")
      ) {
        throw new Error("passphrase-protected age identity files are not supported");
      } else {
        throw new Error("malformed secret key: unknown identity type");
      }
    }
  }
  return identities;
}

/** The default key file: `$XDG_CONFIG_HOME/sops/age/keys.txt`, else `~/.config/sops/age/keys.txt`. */
export function defaultAgeKeyFile(env: Environment): string {
  const configHome =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ""
      ? env.XDG_CONFIG_HOME
      : join(env.HOME ?? homedir(), ".config");
  return join(configHome, "sops", "age", "keys.txt");
}

function formatLocations(locations: readonly string[]): string {
  if (locations.length === 0) return "";
  const quoted = locations.map((l) => `'${l}'`);
  const list =
    quoted.length === 1
      ? ` ${quoted[0] ?? ""}`
      : quoted.length === 2
        ? `s ${quoted[0] ?? ""} and ${quoted[1] ?? ""}`
        : `s ${quoted.slice(0, -1).join(", ")}, and ${quoted.at(-1) ?? ""}`;
  return `. Did not find keys in location${list}.`;
}

/**
 * The age identities available to this process, loaded once. Unwrapping counts its attempts so a
 * benchmark can check that every file costs one unwrap.
 */
export class AgeIdentities {
  readonly identities: readonly string[];
  readonly loadErrors: readonly string[];
  readonly unusedLocations: readonly string[];
  #decrypter: Decrypter | undefined;
  #unwraps = 0;

  constructor(
    identities: readonly string[],
    loadErrors: readonly string[] = [],
    unusedLocations: readonly string[] = [],
  ) {
    this.identities = identities;
    this.loadErrors = loadErrors;
    this.unusedLocations = unusedLocations;
  }

  /** How many age files this set has tried to open. */
  get unwraps(): number {
    return this.#unwraps;
  }

  #suffix(): string {
    const errors =
      this.loadErrors.length > 0
        ? `. Errors while loading age identities: ${this.loadErrors.join("; ")}`
        : "";
    return `${errors}${formatLocations(this.unusedLocations)}`;
  }

  /**
   * Opens one armored age file holding a data key (or share).
   * @throws Error with sops's texts: no identities loaded, or none matched
   */
  async unwrap(armored: string): Promise<Uint8Array> {
    if (this.identities.length === 0)
      throw new Error(`failed to load age identities${this.#suffix()}`);
    if (this.#decrypter === undefined) {
      const decrypter = new Decrypter();
      for (const identity of this.identities) decrypter.addIdentity(identity);
      this.#decrypter = decrypter;
    }
    this.#unwraps++;
    let file: Uint8Array;
    try {
      file = armor.decode(armored);
    } catch (error) {
      throw new Error(`failed to create armored age reader: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      return await this.#decrypter.decrypt(file);
    } catch (error) {
      const reason = /no identity matched/i.test((error as Error).message)
        ? "no identity matched any of the recipients"
        : (error as Error).message;
      throw new Error(
        `failed to create reader for decrypting sops data key with age: ${reason}${this.#suffix()}`,
        {
          cause: error,
        },
      );
    }
  }
}

function runKeyCommand(command: string, env: Environment, recipient: string | undefined): string {
  const [program, ...args] = splitShellWords(command);
  if (program === undefined) throw new Error(`failed to parse command ${command}: empty command`);
  const result = spawnSync(program, args, {
    encoding: "utf8",
    env: { ...env, ...(recipient === undefined ? {} : { SOPS_AGE_RECIPIENT: recipient }) },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `failed to execute command ${command}: ${result.error?.message ?? `exit status ${String(result.status)}`}`,
    );
  }
  return result.stdout;
}

/**
 * Loads the age identities from the environment, the way sops combines its sources.
 * @param env usually `process.env`
 * @param recipient passed to key commands as SOPS_AGE_RECIPIENT
 */
export function loadAgeIdentities(env: Environment, recipient?: string): AgeIdentities {
  const identities: string[] = [];
  const errors: string[] = [];
  const unused: string[] = [];
  const add = (location: string, read: () => string, multiple: boolean): void => {
    try {
      const found = parseAgeIdentities(read(), multiple);
      if (found.length === 0) unused.push(location);
      identities.push(...found);
    } catch (error) {
      errors.push((error as Error).message);
    }
  };
  if (env.SOPS_AGE_KEY !== undefined) add("SOPS_AGE_KEY", () => env.SOPS_AGE_KEY ?? "", true);
  else unused.push("SOPS_AGE_KEY");
  const keyFile = env.SOPS_AGE_KEY_FILE;
  if (keyFile !== undefined) {
    add(
      "SOPS_AGE_KEY_FILE",
      () => {
        try {
          return readFileSync(keyFile, "utf8");
        } catch (error) {
          throw new Error(
            `failed to open SOPS_AGE_KEY_FILE file: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
            {
              cause: error,
            },
          );
        }
      },
      false,
    );
  } else {
    unused.push("SOPS_AGE_KEY_FILE");
  }
  const command = env.SOPS_AGE_KEY_CMD;
  if (command !== undefined)
    add("SOPS_AGE_KEY_CMD", () => runKeyCommand(command, env, recipient), false);
  else unused.push("SOPS_AGE_KEY_CMD");
  const defaultFile = defaultAgeKeyFile(env);
  let text: string | undefined;
  try {
    text = readFileSync(defaultFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      errors.push(`failed to open file: ${(error as Error).message}`);
    else if (identities.length === 0) unused.push(defaultFile);
  }
  if (text !== undefined) add(defaultFile, () => text, false);
  return new AgeIdentities(identities, errors, unused);
}
