// The TokenRequest and TokenReview APIs of the local cluster, driven by kubectl (`kubectl create
// token`, `kubectl create -f tokenreview`): the service-account tokens the External Secrets
// controller mints for `serviceAccountRef` / `auth.serviceAccount` stores. (kubectl sends no
// bearer token over plain http, so the bearer-token checks are in
// src/localcluster/service-account-tokens.test.ts.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { haveKubectl, kubectlHarness } from "./kubectl-support.js";
import type { KubectlHarness } from "./kubectl-support.js";

interface Claims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  sub: string;
  "kubernetes.io": { namespace: string; serviceaccount: { name: string; uid: string } };
}

function claimsOf(token: string): Claims {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Claims;
}

async function ok(h: KubectlHarness, args: readonly string[], input?: string): Promise<string> {
  const result = await h.kubectl(args, input);
  assert.equal(result.status, 0, `kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

test("kubectl create token mints a bound service-account token with the apiserver's claims", async (t) => {
  if (!(await haveKubectl())) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  await ok(h, ["create", "serviceaccount", "reader", "-n", "default"]);
  const uid = await ok(h, ["get", "sa", "reader", "-o", "jsonpath={.metadata.uid}"]);
  const token = (await ok(h, ["create", "token", "reader"])).trim();
  const claims = claimsOf(token);
  assert.equal(claims.sub, "system:serviceaccount:default:reader");
  assert.deepEqual(claims.aud, ["https://kubernetes.default.svc.cluster.local"]);
  assert.equal(claims.iss, "https://kubernetes.default.svc.cluster.local");
  assert.deepEqual(claims["kubernetes.io"], {
    namespace: "default",
    serviceaccount: { name: "reader", uid },
  });
  assert.equal(claims.exp - claims.iat, 3600, "one hour by default");

  // Another audience and duration (the token Vault's Kubernetes auth is given).
  const forVault = (
    await ok(h, ["create", "token", "reader", "--audience", "vault", "--duration", "20m"])
  ).trim();
  assert.deepEqual(claimsOf(forVault).aud, ["vault"]);
  assert.equal(claimsOf(forVault).exp - claimsOf(forVault).iat, 1200);
});

test("kubectl create token: the apiserver's errors for a short duration and a missing account", async (t) => {
  if (!(await haveKubectl())) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  await ok(h, ["create", "serviceaccount", "reader"]);
  const short = await h.kubectl(["create", "token", "reader", "--duration", "5m"]);
  assert.notEqual(short.status, 0);
  assert.match(
    short.stderr,
    /TokenRequest\.authentication\.k8s\.io "reader" is invalid: spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/,
  );
  const missing = await h.kubectl(["create", "token", "nobody"]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /serviceaccounts "nobody" not found/);
});

test("a TokenReview says who a token is, for the audiences asked about", async (t) => {
  if (!(await haveKubectl())) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  await ok(h, ["create", "namespace", "team-a"]);
  await ok(h, ["create", "serviceaccount", "vault-auth", "-n", "team-a"]);
  const token = (
    await ok(h, ["create", "token", "vault-auth", "-n", "team-a", "--audience", "vault"])
  ).trim();
  const review = (audiences: string[], reviewed = token): Promise<string> =>
    ok(
      h,
      ["create", "--validate=false", "-o", "json", "-f", "-"],
      JSON.stringify({
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token: reviewed, audiences },
      }),
    );
  const accepted = JSON.parse(await review(["vault"])) as {
    status: { authenticated?: boolean; user: { username?: string; groups?: string[] } };
  };
  assert.equal(accepted.status.authenticated, true);
  assert.equal(accepted.status.user.username, "system:serviceaccount:team-a:vault-auth");
  assert.deepEqual(accepted.status.user.groups, [
    "system:serviceaccounts",
    "system:serviceaccounts:team-a",
    "system:authenticated",
  ]);
  const wrongAudience = JSON.parse(await review(["other"])) as {
    status: { authenticated?: boolean; error?: string };
  };
  assert.equal(wrongAudience.status.authenticated, undefined);
  assert.match(wrongAudience.status.error ?? "", /audiences is invalid/);
  const garbage = JSON.parse(await review(["vault"], "not-a-token")) as {
    status: { authenticated?: boolean; error?: string };
  };
  assert.equal(garbage.status.authenticated, undefined);
  assert.equal(garbage.status.error, "invalid bearer token");

  // A re-created account (new uid) invalidates the tokens of the old one.
  await ok(h, ["delete", "serviceaccount", "vault-auth", "-n", "team-a"]);
  await ok(h, ["create", "serviceaccount", "vault-auth", "-n", "team-a"]);
  const stale = JSON.parse(await review(["vault"])) as {
    status: { authenticated?: boolean; error?: string };
  };
  assert.equal(stale.status.authenticated, undefined);
  assert.match(stale.status.error ?? "", /has been invalidated/);
});
