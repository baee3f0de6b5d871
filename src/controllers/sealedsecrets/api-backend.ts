// What the HTTP API serves, from the loaded keys: the newest certificate, decryptability checks
// and server-side re-encryption (§7.12).
import { isDeepStrictEqual } from "node:util";
import { certificateToPem, sealSecret, type SealedSecret } from "../../sealing/index.js";
import type { ApiBackend } from "./http-api.js";
import type { KeyRing } from "./keys.js";
import type { Unsealer } from "./unseal-pool.js";

/**
 * The API backend over a key ring and an unsealer.
 * @param acceptV1Data `--accept-deprecated-v1-data` (upstream's verify and rotate honour it too)
 */
export function apiBackend(ring: KeyRing, unsealer: Unsealer, acceptV1Data: boolean): ApiBackend {
  const unseal = (sealed: SealedSecret): ReturnType<Unsealer["unseal"]> =>
    unsealer.unseal({ sealed, hints: [], acceptV1Data });
  return {
    certificatePem() {
      const latest = ring.latest();
      return latest === undefined ? undefined : certificateToPem(latest.certificate);
    },
    async verify(sealed) {
      return (await unseal(sealed)).result.ok;
    },
    async rotate(input) {
      const latest = ring.latest();
      if (latest === undefined) throw new Error("no sealing key");
      // Since v0.36.0 the object's own metadata replaces the template's when they differ, so the
      // scope cannot be changed through the template (§7.12 step 1).
      const sealed = structuredClone(input);
      const template = (sealed.spec.template ??= {});
      if (!isDeepStrictEqual(sealed.metadata, template.metadata ?? {}))
        template.metadata = structuredClone(sealed.metadata);
      const { result } = await unseal(sealed);
      if (!result.ok) throw new Error(`error decrypting secret. ${result.error}`);
      return sealSecret(result.secret, latest.certificate.publicKey);
    },
  };
}
