import type { KeyObject } from "node:crypto";
import { decodeGoBase64 } from "./go-base64.js";
import { hybridDecrypt, noKeyMessage } from "./hybrid.js";
import { decodeSecret } from "./manifest.js";
import { labelFor, scopeOf } from "./scope.js";
import { renderTemplateData, type TaggedError } from "./template-data.js";
import type { SealedSecret, Secret } from "./types.js";

/** Template annotation that stops the Secret from getting an ownerReference to its SealedSecret. */
export const skipSetOwnerReferencesAnnotation =
  "sealedsecrets.bitnami.com/skip-set-owner-references";

/** The outcome of unsealing: the Secret, or the error text the Synced condition would show. */
export type UnsealResult = { ok: true; secret: Secret } | { ok: false; error: string };

/**
 * Opens one item's blob (§2.3): the plaintext, or undefined when no key opens it. The default
 * tries every key in turn (`hybridDecrypt`); a controller passes its own to choose the order of
 * keys, remember which one opened a SealedSecret and count RSA operations.
 */
export type ItemOpener = (blob: Uint8Array, label: Uint8Array) => Buffer | undefined;

/** Options of `unsealSealedSecret`. */
export interface UnsealOptions {
  /** Opens each item instead of trying every key of `keys` in turn. */
  open?: ItemOpener;
  /**
   * Accept the legacy whole-Secret `spec.data` (§4.5). The controller's
   * `--accept-deprecated-v1-data` defaults to true; kubeseal `--recovery-unseal` uses false.
   */
  acceptV1Data?: boolean;
}

/**
 * Formats collected errors as upstream does (§5.3): errors with the same message are merged and
 * their tags listed in parentheses (`no key could decrypt secret (bar, foo)`), distinct messages
 * are joined by newlines, in order of first appearance.
 */
export function formatTaggedErrors(errors: readonly TaggedError[]): string {
  const byMessage = new Map<string, string[]>();
  for (const { tag, message } of errors) {
    const tags = byMessage.get(message) ?? [];
    tags.push(tag);
    byMessage.set(message, tags);
  }
  return [...byMessage].map(([message, tags]) => `${message} (${tags.join(", ")})`).join("\n");
}

function decryptItem(open: ItemOpener, blob: Uint8Array, label: Uint8Array): Buffer {
  const plaintext = open(blob, label);
  if (plaintext === undefined) throw new Error(noKeyMessage);
  return plaintext;
}

function unsealItems(sealed: SealedSecret, open: ItemOpener, label: Buffer): UnsealResult {
  const template = sealed.spec.template ?? {};
  const secret: Secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: structuredClone(template.metadata ?? {}),
  };
  if (template.type !== undefined) secret.type = template.type;
  if (template.immutable !== undefined) secret.immutable = template.immutable;
  const data: Record<string, string> = {};
  const context: Record<string, string> = {};
  const errors: TaggedError[] = [];
  for (const key of Object.keys(sealed.spec.encryptedData).sort()) {
    let blob: Buffer;
    try {
      blob = decodeGoBase64(sealed.spec.encryptedData[key] ?? "");
    } catch (error) {
      errors.push({ tag: key, message: (error as Error).message });
      continue;
    }
    try {
      const plaintext = decryptItem(open, blob, label);
      data[key] = plaintext.toString("base64");
      context[key] = plaintext.toString("utf8");
    } catch (error) {
      errors.push({ tag: key, message: (error as Error).message });
      context[key] = ""; // upstream stores the (nil) plaintext of a failed item
    }
  }
  const rendered = renderTemplateData(template.data ?? {}, context);
  errors.push(...rendered.errors);
  for (const [key, value] of Object.entries(rendered.rendered))
    data[key] = value.toString("base64");
  if (errors.length > 0) return { ok: false, error: formatTaggedErrors(errors) };
  secret.data = data;
  return { ok: true, secret };
}

function unsealLegacy(sealed: SealedSecret, open: ItemOpener, label: Buffer): UnsealResult {
  if (Object.keys(sealed.spec.encryptedData).length > 0) {
    return {
      ok: false,
      error:
        "cannot use the field 'encryptedData' and the deprecated field 'data' at the same time",
    };
  }
  try {
    const plaintext = decryptItem(open, decodeGoBase64(sealed.spec.data ?? ""), label);
    const secret = decodeSecret({
      index: 1,
      value: JSON.parse(plaintext.toString("utf8")) as unknown,
    });
    return { ok: true, secret: { ...secret, apiVersion: "v1", kind: "Secret" } };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/**
 * Unseals a SealedSecret with a set of private keys (§5): the label comes from the SealedSecret's
 * own namespace, name and scope annotations (never from its template); every item is decrypted
 * with whichever key opens it; `spec.template.data` is rendered; errors of all items are collected.
 * The Secret gets the SealedSecret's namespace and name and, unless the template says
 * `skip-set-owner-references: "true"`, exactly one controller ownerReference to it.
 * @param keys every private key to try (order does not matter; ignored with `options.open`)
 * @returns `{ ok: true, secret }` or `{ ok: false, error }` with upstream's error text; never throws
 *   for bad ciphertexts, so a controller can mark one object and go on
 */
export function unsealSealedSecret(
  sealed: SealedSecret,
  keys: readonly KeyObject[],
  options: UnsealOptions = {},
): UnsealResult {
  const meta = sealed.metadata;
  const namespace = meta.namespace ?? "";
  const name = meta.name ?? "";
  const label = labelFor(namespace, name, scopeOf(meta.annotations));
  const open: ItemOpener =
    options.open ??
    ((blob, itemLabel) => {
      try {
        return hybridDecrypt(keys, blob, itemLabel);
      } catch {
        return undefined;
      }
    });
  let result: UnsealResult;
  if (sealed.spec.data === undefined || sealed.spec.data === null)
    result = unsealItems(sealed, open, label);
  else if (options.acceptV1Data === true) result = unsealLegacy(sealed, open, label);
  else
    result = {
      ok: false,
      error: "using deprecated 'data' field, use 'encryptedData' or flip the feature flag",
    };
  if (!result.ok) return result;
  const secretMeta = result.secret.metadata;
  secretMeta.namespace = namespace;
  secretMeta.name = name;
  if (namespace === "") delete secretMeta.namespace;
  if (name === "") delete secretMeta.name;
  const skip =
    sealed.spec.template?.metadata?.annotations?.[skipSetOwnerReferencesAnnotation] === "true";
  if (!skip) {
    secretMeta.ownerReferences = [
      {
        apiVersion: "bitnami.com/v1alpha1",
        kind: "SealedSecret",
        name,
        uid: meta.uid ?? "",
        controller: true,
      },
    ];
  }
  return result;
}
