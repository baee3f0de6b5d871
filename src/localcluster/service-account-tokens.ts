// Bound service-account tokens, as the kube-apiserver issues them through the TokenRequest API
// (`POST …/serviceaccounts/NAME/token`, what `kubectl create token` calls) and checks them as
// bearer tokens and in TokenReviews. The claims are the apiserver's (iss, sub, aud, exp, iat, nbf,
// jti, kubernetes.io.{namespace, serviceaccount}); the signature is ES256 with a key of this
// cluster (kept in the data directory when there is one, so tokens survive a restart).
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
} from "node:crypto";
import type { KeyObject } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tokenUser, type TokenUser } from "./auth.js";
import { isObject, objectAt, stringAt, stringsAt } from "./json.js";
import type { JsonObject } from "./json.js";
import { fieldError, invalid } from "./status.js";

/** The apiserver's default issuer and API audience (`--service-account-issuer`, `--api-audiences`). */
export const apiAudience = "https://kubernetes.default.svc.cluster.local";

/** TokenRequest's default and bounds (pkg/apis/authentication/validation). */
const defaultExpirationSeconds = 3600;
export const minExpirationSeconds = 600;
export const maxExpirationSeconds = 2 ** 32;

/** Who a valid token stands for (a TokenReview's status.user). */
export interface ServiceAccountUser {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** What a TokenReview answers. */
export type TokenReviewResult =
  | { authenticated: true; user: ServiceAccountUser; audiences: string[] }
  | { authenticated: false; error: string };

/** The service account a token is requested for. */
export interface ServiceAccountRef {
  namespace: string;
  name: string;
  uid: string;
}

interface Claims {
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  iss: string;
  jti: string;
  sub: string;
  "kubernetes.io": { namespace: string; serviceaccount: { name: string; uid: string } };
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

function loadOrCreateKey(dataDir: string | undefined): KeyObject {
  const file = dataDir === undefined ? undefined : join(dataDir, "service-account-key.pem");
  if (file !== undefined && existsSync(file)) return createPrivateKey(readFileSync(file));
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  if (file !== undefined) {
    const pem = privateKey.export({ type: "pkcs8", format: "pem" });
    writeFileSync(`${file}.tmp`, pem, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  return privateKey;
}

/**
 * Issues and checks this cluster's service-account tokens.
 * `lookup` returns the uid of a service account that exists now (a token of a deleted or
 * re-created account is no longer valid, as the apiserver's bound-token check says).
 */
export class ServiceAccountTokens {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #keyId: string;
  readonly #clock: () => Date;
  readonly #lookup: (namespace: string, name: string) => string | undefined;

  constructor(
    clock: () => Date,
    lookup: (namespace: string, name: string) => string | undefined,
    dataDir?: string,
  ) {
    this.#clock = clock;
    this.#lookup = lookup;
    this.#privateKey = loadOrCreateKey(dataDir);
    this.#publicKey = createPublicKey(this.#privateKey);
    // The apiserver's key id: base64url(SHA-256(DER of the public key)).
    const der = this.#publicKey.export({ type: "spki", format: "der" });
    this.#keyId = base64url(createHash("sha256").update(der).digest());
  }

  /**
   * Signs a token for `account` (TokenRequest).
   * @param audiences empty for the API audience
   * @returns the JWT and its expiry
   */
  issue(
    account: ServiceAccountRef,
    audiences: readonly string[],
    expirationSeconds: number = defaultExpirationSeconds,
  ): { token: string; expirationTimestamp: string } {
    const now = Math.floor(this.#clock().getTime() / 1000);
    const claims: Claims = {
      aud: audiences.length === 0 ? [apiAudience] : [...audiences],
      exp: now + expirationSeconds,
      iat: now,
      iss: apiAudience,
      jti: randomUUID(),
      "kubernetes.io": {
        namespace: account.namespace,
        serviceaccount: { name: account.name, uid: account.uid },
      },
      nbf: now,
      sub: `system:serviceaccount:${account.namespace}:${account.name}`,
    };
    const signingInput = `${base64url(JSON.stringify({ alg: "ES256", kid: this.#keyId }))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign("sha256", Buffer.from(signingInput), {
      key: this.#privateKey,
      dsaEncoding: "ieee-p1363",
    });
    return {
      token: `${signingInput}.${base64url(signature)}`,
      expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
  }

  /**
   * Checks a token as the apiserver's service-account authenticator does: signature, issuer,
   * time window, an audience in common with `audiences` (default: the API audience), and the
   * account still existing with the same uid.
   */
  review(token: string, audiences: readonly string[] = []): TokenReviewResult {
    const claims = this.#verifiedClaims(token);
    if (claims === undefined) return { authenticated: false, error: "invalid bearer token" };
    const now = Math.floor(this.#clock().getTime() / 1000);
    if (now >= claims.exp) {
      return { authenticated: false, error: "invalid bearer token, token has expired" };
    }
    if (now < claims.nbf) {
      return { authenticated: false, error: "invalid bearer token, token not valid yet" };
    }
    const wanted = audiences.length === 0 ? [apiAudience] : audiences;
    const common = claims.aud.filter((audience) => wanted.includes(audience));
    if (common.length === 0) {
      return { authenticated: false, error: "invalid bearer token, token audiences is invalid" };
    }
    const { namespace, serviceaccount } = claims["kubernetes.io"];
    if (this.#lookup(namespace, serviceaccount.name) !== serviceaccount.uid) {
      return {
        authenticated: false,
        error: "invalid bearer token, service account token has been invalidated",
      };
    }
    return {
      authenticated: true,
      audiences: common,
      user: {
        username: claims.sub,
        uid: serviceaccount.uid,
        groups: [
          "system:serviceaccounts",
          `system:serviceaccounts:${namespace}`,
          "system:authenticated",
        ],
        extra: { "authentication.kubernetes.io/credential-id": [`JTI=${claims.jti}`] },
      },
    };
  }

  #verifiedClaims(token: string): Claims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const [header = "", payload = "", signature = ""] = parts;
    const valid = verify(
      "sha256",
      Buffer.from(`${header}.${payload}`),
      { key: this.#publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(signature, "base64url"),
    );
    if (!valid) return undefined;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
    return isClaims(claims) ? claims : undefined;
  }
}

function isClaims(value: unknown): value is Claims {
  if (!isObject(value)) return false;
  const account = value["kubernetes.io"];
  return (
    Array.isArray(value.aud) &&
    value.aud.every((audience) => typeof audience === "string") &&
    typeof value.exp === "number" &&
    typeof value.nbf === "number" &&
    value.iss === apiAudience &&
    typeof value.sub === "string" &&
    typeof value.jti === "string" &&
    isObject(account) &&
    typeof account.namespace === "string" &&
    isObject(account.serviceaccount) &&
    typeof account.serviceaccount.name === "string" &&
    typeof account.serviceaccount.uid === "string"
  );
}

/**
 * The TokenRequest response for `account` (the posted spec.audiences and spec.expirationSeconds).
 * @throws ApiError 422 Invalid with the apiserver's text for a duration out of bounds
 */
export function tokenRequestResponse(
  tokens: ServiceAccountTokens,
  account: ServiceAccountRef,
  request: JsonObject,
): JsonObject {
  const spec = objectAt(request, "spec");
  const audiences = stringsAt(spec, "audiences");
  const seconds =
    typeof spec?.expirationSeconds === "number" ? spec.expirationSeconds : defaultExpirationSeconds;
  const outOfBounds =
    seconds < minExpirationSeconds
      ? "may not specify a duration less than 10 minutes"
      : seconds > maxExpirationSeconds
        ? "may not specify a duration larger than 2^32 seconds"
        : undefined;
  if (outOfBounds !== undefined) {
    throw invalid({ group: "authentication.k8s.io", kind: "TokenRequest" }, account.name, [
      fieldError.invalid("spec.expirationSeconds", seconds, outOfBounds),
    ]);
  }
  return {
    kind: "TokenRequest",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { name: account.name, namespace: account.namespace, creationTimestamp: null },
    spec: {
      audiences: audiences.length === 0 ? [apiAudience] : audiences,
      expirationSeconds: seconds,
      boundObjectRef: null,
    },
    status: tokens.issue(account, audiences, seconds),
  };
}

/**
 * The TokenReview response for the posted spec.token and spec.audiences: a static token of the
 * tokens file, else a service-account token of this cluster (checked only then).
 */
export function tokenReviewResponse(
  tokens: ServiceAccountTokens,
  staticUsers: readonly TokenUser[] | undefined,
  request: JsonObject,
): JsonObject {
  const spec = objectAt(request, "spec");
  const token = stringAt(spec, "token") ?? "";
  const audiences = stringsAt(spec, "audiences");
  const fromFile = tokenUser(staticUsers, token);
  let status: JsonObject;
  if (fromFile !== undefined) {
    status = {
      authenticated: true,
      user: { username: fromFile.user, uid: fromFile.uid, groups: fromFile.groups },
    };
  } else {
    const review = tokens.review(token, audiences);
    status = review.authenticated
      ? { authenticated: true, user: { ...review.user }, audiences: review.audiences }
      : { user: {}, error: review.error };
  }
  return {
    kind: "TokenReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { creationTimestamp: null },
    spec: { token, ...(audiences.length > 0 ? { audiences } : {}) },
    status,
  };
}
