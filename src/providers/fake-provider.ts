import { gjsonGet } from "./gjson.js";
import {
  compareCodePoints,
  goJsonMarshal,
  isJsonObject,
  jsonValueToBytes,
  parseJson,
  type JsonValue,
} from "./json-values.js";
import {
  ProviderError,
  type FindRef,
  type PushRemoteRef,
  type PushSecretData,
  type RemoteRef,
  type SecretData,
  type SecretsProvider,
  type ValidationResult,
} from "./provider.js";
import { compileRe2 } from "./re2.js";

/** One `provider.fake.data[]` entry. */
export interface FakeEntry {
  readonly key: string;
  readonly value: string;
  readonly version?: string;
}

/** ESO's `provider.fake` spec (external-secrets.md §8.6). */
export interface FakeProviderOptions {
  readonly data: readonly FakeEntry[];
  /** Forces what `validate()` answers (`validationResult`); Ready by default. */
  readonly validationResult?: ValidationResult["status"];
}

/**
 * Creates the Fake provider: values come from the store spec; pushes live in memory in this
 * instance (one per store, as upstream keeps them per store name); delete is a no-op.
 */
export function createFakeProvider(options: FakeProviderOptions): SecretsProvider {
  return new FakeProvider(options);
}

class FakeProvider implements SecretsProvider {
  readonly type = "fake";
  readonly capabilities = "ReadWrite" as const;
  readonly #entries: readonly FakeEntry[];
  readonly #pushed = new Map<string, string>();
  readonly #validation: ValidationResult["status"];

  constructor(options: FakeProviderOptions) {
    this.#entries = options.data;
    this.#validation = options.validationResult ?? "Ready";
  }

  getSecret(ref: RemoteRef): Promise<Uint8Array | undefined> {
    const value = this.#lookup(ref);
    if (value === undefined) return Promise.resolve(undefined);
    if (ref.property === undefined || ref.property === "")
      return Promise.resolve(Buffer.from(value, "utf8"));
    const parsed = tryParse(value);
    const found = parsed === undefined ? undefined : gjsonGet(parsed, ref.property);
    return Promise.resolve(found === undefined ? undefined : jsonValueToBytes(found));
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array> | undefined> {
    const bytes = await this.getSecret(ref);
    if (bytes === undefined) return undefined;
    const parsed = tryParse(Buffer.from(bytes).toString("utf8"));
    if (!isJsonObject(parsed)) {
      throw new ProviderError(
        "fake",
        `cannot extract "${ref.key}": the value is not a JSON object`,
      );
    }
    return Object.fromEntries(
      Object.entries(parsed).map(([key, value]) => [key, jsonValueToBytes(value)]),
    );
  }

  getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array> | undefined> {
    if (find.name === undefined) {
      return Promise.reject(
        new ProviderError("fake", "find supports only name.regexp on the fake provider"),
      );
    }
    let pattern: RegExp;
    try {
      pattern = compileRe2(find.name.regexp);
    } catch (error) {
      return Promise.reject(new ProviderError("fake", (error as Error).message, { cause: error }));
    }
    // For a key with several versions, the lexically greatest version wins.
    const best = new Map<string, FakeEntry>();
    for (const entry of this.#entries) {
      if (!pattern.test(entry.key)) continue;
      const previous = best.get(entry.key);
      if (
        previous === undefined ||
        compareCodePoints(entry.version ?? "", previous.version ?? "") > 0
      ) {
        best.set(entry.key, entry);
      }
    }
    const out: Record<string, Uint8Array> = {};
    for (const [key, entry] of best) out[key] = Buffer.from(entry.value, "utf8");
    return Promise.resolve(out);
  }

  pushSecret(secret: SecretData, push: PushSecretData): Promise<void> {
    const key = push.remoteRef.remoteKey;
    if (this.#entries.some((entry) => entry.key === key)) {
      return Promise.reject(
        new ProviderError("fake", `cannot push to "${key}": key already exists`),
      );
    }
    let value: string;
    if (push.secretKey === undefined) {
      value = goJsonMarshal(
        Object.fromEntries(
          Object.entries(secret).map(([name, bytes]) => [
            name,
            Buffer.from(bytes).toString("utf8"),
          ]),
        ),
      );
    } else {
      const bytes = secret[push.secretKey];
      if (bytes === undefined) {
        return Promise.reject(
          new ProviderError(
            "fake",
            `cannot push: the source Secret has no key "${push.secretKey}"`,
          ),
        );
      }
      value = Buffer.from(bytes).toString("utf8");
    }
    this.#pushed.set(key, value);
    return Promise.resolve();
  }

  deleteSecret(_ref: PushRemoteRef): Promise<void> {
    return Promise.resolve();
  }

  secretExists(ref: PushRemoteRef): Promise<boolean> {
    return Promise.resolve(this.#lookup({ key: ref.remoteKey }) !== undefined);
  }

  validate(): Promise<ValidationResult> {
    const status = this.#validation;
    return Promise.resolve(
      status === "Error"
        ? { status, message: "the fake store is configured to fail validation" }
        : { status },
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #lookup(ref: RemoteRef): string | undefined {
    const version = ref.version ?? "";
    const entry = this.#entries.find(
      (candidate) => candidate.key === ref.key && (candidate.version ?? "") === version,
    );
    if (entry !== undefined) return entry.value;
    return version === "" ? this.#pushed.get(ref.key) : undefined;
  }
}

function tryParse(text: string): JsonValue | undefined {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}
