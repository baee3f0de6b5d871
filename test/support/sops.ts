import { readFileSync } from "node:fs";
import { AgeIdentities, KeySources, parseAgeIdentities } from "../../src/sops/index.js";
import { testdata } from "./paths.js";

/** The committed test keys of testdata/sops (see its README). */
export const sopsTestKeys = {
  ageRecipient: "age1hcsra8tx9qqnhjl2vcdgyrqcj7nuaxmmmj2qqk6ytp8uks7kn5qqhcmjdh",
  ageIdentityFile: testdata("sops", "age-identity.txt"),
  otherAgeRecipient: "age1vlhgwzwc3d3y5autymyxxa6uxc4f9x77tctx3gk4v849eak92vaqn5ucvj",
  otherAgeIdentityFile: testdata("sops", "age-identity-other.txt"),
  pgpFingerprint: "B19C1EE7F4DEE3BD2EB5C03438870B9ECFCDE32F",
  pgpSecretKeyFile: testdata("sops", "pgp-secret-key.asc"),
  pgpPublicKeyFile: testdata("sops", "pgp-public-key.asc"),
} as const;

/** Key sources holding the test age identity and PGP key, without GnuPG or the environment. */
export function testKeySources(
  options: { age?: "mine" | "other" | "none"; pgp?: boolean } = {},
): KeySources {
  const which = options.age ?? "mine";
  const ageText =
    which === "none"
      ? ""
      : readFileSync(
          which === "mine" ? sopsTestKeys.ageIdentityFile : sopsTestKeys.otherAgeIdentityFile,
          "utf8",
        );
  return new KeySources(
    {},
    {
      ageIdentities: new AgeIdentities(parseAgeIdentities(ageText, false)),
      ...(options.pgp === false
        ? {}
        : { pgpPrivateKeys: [readFileSync(sopsTestKeys.pgpSecretKeyFile, "utf8")] }),
      useGnuPG: false,
    },
  );
}
