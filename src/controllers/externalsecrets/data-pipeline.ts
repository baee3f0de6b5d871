import type { SecretsProvider } from "../../providers/index.js";
import { decodeMap, decodeValue } from "./decoding.js";
import { rewriteMap } from "./rewrite.js";
import { convertKeys, validateKeys } from "./secret-keys.js";
import type { TemplateRenderer } from "./template-renderer.js";
import type {
  ExternalSecret,
  ExternalSecretDataFrom,
  FindRef,
  RemoteRef,
  Rewrite,
  SecretStoreRef,
} from "./types.js";

/**
 * The read side of a provider (src/providers' `SecretsProvider`, ESO's §8.0 contract): `undefined`
 * means the remote secret is missing; anything else that goes wrong rejects.
 */
export type SecretsReader = Pick<SecretsProvider, "getSecret" | "getSecretMap" | "getAllSecrets">;

/**
 * Resolves the store a source reads from to a client: reads the store, checks its controller
 * class, a ClusterSecretStore's namespace conditions and (for ExternalSecrets) that it is Ready.
 * @throws Error with upstream's message when the store cannot be used
 */
export type ReaderResolver = (storeRef: SecretStoreRef) => Promise<SecretsReader>;

/** A Kubernetes event the pipeline asks its caller to record on the ExternalSecret. */
export interface PipelineEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

export interface ProviderData {
  /** The data map: dataFrom entries in order (last writer wins), then data[] entries. */
  readonly data: Map<string, Uint8Array>;
  readonly events: readonly PipelineEvent[];
}

/** Upstream's text for a provider's "missing" (`esv1.NoSecretErr`). */
export const noSecretMessage = "Secret does not exist";

class MissingSecret extends Error {
  constructor() {
    super(noSecretMessage);
  }
}

/**
 * Fetches an ExternalSecret's data map (ESO `GetProviderSecretData`, spec §2.3): every dataFrom
 * entry through rewrite, key conversion (only without rewrite), key validation, decoding and the
 * null-byte policy; then every data[] entry. A source reported missing is skipped (with a
 * `MissingProviderSecret` event) unless deletionPolicy is Retain, where it is an error.
 * @param resolve gives the client for a store reference
 * @param render renders rewrite.transform templates
 * @throws Error naming the entry (`error processing spec.dataFrom[0].find, err: ...`); no value
 *   appears in any message
 */
export async function fetchProviderData(
  es: ExternalSecret,
  resolve: ReaderResolver,
  render: TemplateRenderer,
): Promise<ProviderData> {
  const retain = (es.spec.target?.deletionPolicy ?? "Retain") === "Retain";
  const data = new Map<string, Uint8Array>();
  const events: PipelineEvent[] = [];
  const defaultStore: SecretStoreRef = es.spec.secretStoreRef ?? { name: "" };
  for (const [index, entry] of (es.spec.dataFrom ?? []).entries()) {
    let values: Map<string, Uint8Array> | undefined;
    try {
      values = await fetchDataFrom(
        entry,
        entry.sourceRef?.storeRef ?? defaultStore,
        resolve,
        render,
      );
    } catch (error) {
      if (error instanceof MissingSecret && !retain) {
        events.push({
          type: "Normal",
          reason: "MissingProviderSecret",
          message: `secret does not exist at provider using spec.dataFrom[${index}]`,
        });
        continue;
      }
      const field =
        entry.find !== undefined
          ? "find"
          : entry.extract !== undefined
            ? "extract"
            : "sourceRef.generatorRef";
      throw new Error(
        `error processing spec.dataFrom[${index}].${field}, err: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    for (const [key, value] of values ?? []) data.set(key, value);
  }
  for (const [index, entry] of (es.spec.data ?? []).entries()) {
    try {
      const reader = await resolve(entry.sourceRef?.storeRef ?? defaultStore);
      const fetched = await reader.getSecret(entry.remoteRef);
      if (fetched === undefined) throw new MissingSecret();
      const decoded = decodeWithContext(entry.remoteRef.decodingStrategy, fetched);
      checkNullBytes(entry.remoteRef.nullBytePolicy, entry.secretKey, decoded);
      data.set(entry.secretKey, decoded);
    } catch (error) {
      if (error instanceof MissingSecret && !retain) {
        events.push({
          type: "Normal",
          reason: "MissingProviderSecret",
          message: `secret does not exist at provider using spec.dataFrom[${index}] (key=${entry.remoteRef.key})`,
        });
        continue;
      }
      throw new Error(
        `error processing spec.data[${index}] (key: ${entry.remoteRef.key}), err: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return { data, events };
}

// One dataFrom entry: find wins over extract (as upstream checks them in that order); an entry with
// only a storeRef passes admission and contributes nothing (spec §2.3).
async function fetchDataFrom(
  entry: ExternalSecretDataFrom,
  store: SecretStoreRef,
  resolve: ReaderResolver,
  render: TemplateRenderer,
): Promise<Map<string, Uint8Array> | undefined> {
  if (entry.find !== undefined) {
    const { find } = entry;
    const reader = await resolve(store);
    const fetched = await reader.getAllSecrets(find).catch((error: unknown) => {
      throw new Error(`error getting all secrets: ${(error as Error).message}`, { cause: error });
    });
    return processMap(fetched, find, entry.rewrite ?? [], render);
  }
  if (entry.extract !== undefined) {
    const reader = await resolve(store);
    return processMap(
      await reader.getSecretMap(entry.extract),
      entry.extract,
      entry.rewrite ?? [],
      render,
    );
  }
  if (entry.sourceRef?.generatorRef !== undefined) {
    throw new Error(
      `generator ${entry.sourceRef.generatorRef.kind} is not supported by this controller`,
    );
  }
  return undefined;
}

function decodeWithContext(strategy: string | undefined, value: Uint8Array): Uint8Array {
  try {
    return decodeValue(strategy, value);
  } catch (error) {
    throw new Error(
      `error applying decoding strategy ${strategy ?? ""} to data: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

// One extract/find result through rewrite, conversion (only without rewrite), key validation,
// decoding and the null-byte check, in upstream's order.
function processMap(
  fetched: Readonly<Record<string, Uint8Array>> | undefined,
  ref: RemoteRef | FindRef,
  rewrite: readonly Rewrite[],
  render: TemplateRenderer,
): Map<string, Uint8Array> {
  if (fetched === undefined) throw new MissingSecret();
  let values = new Map(Object.entries(fetched));
  if (rewrite.length > 0) {
    try {
      values = rewriteMap(rewrite, values, render);
    } catch (error) {
      throw new Error(`error applying rewrite to keys: ${(error as Error).message}`, {
        cause: error,
      });
    }
  } else {
    try {
      values = convertKeys(ref.conversionStrategy, values);
    } catch (error) {
      throw new Error(
        `error applying conversion strategy ${ref.conversionStrategy ?? ""} to keys: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  try {
    values = validateKeys(values);
  } catch (error) {
    throw new Error(
      `invalid secret keys (TIP: use rewrite or conversionStrategy to change keys): ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    values = decodeMap(ref.decodingStrategy, values);
  } catch (error) {
    throw new Error(
      `error applying decoding strategy ${ref.decodingStrategy ?? ""} to data: ${(error as Error).message}`,
      { cause: error },
    );
  }
  for (const key of [...values.keys()].sort())
    checkNullBytes(ref.nullBytePolicy, key, values.get(key) ?? new Uint8Array());
  return values;
}

function checkNullBytes(policy: string | undefined, key: string, value: Uint8Array): void {
  if (policy === "Fail" && value.includes(0)) {
    throw new Error(
      `fetched secret value for key ${JSON.stringify(key)} contains null bytes; use a text-safe format such as PEM/base64 or leave nullBytePolicy unset for intentional binary data`,
    );
  }
}
