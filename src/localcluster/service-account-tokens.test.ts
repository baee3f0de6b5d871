import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startLocalCluster } from "./index.js";
import { apiAudience, ServiceAccountTokens } from "./service-account-tokens.js";

const account = { namespace: "team-a", name: "reader", uid: "uid-1" };

test("a token is valid for its audiences until it expires, and only while its account exists", () => {
  let now = new Date("2026-01-01T00:00:00Z");
  let uid: string | undefined = account.uid;
  const tokens = new ServiceAccountTokens(
    () => now,
    () => uid,
  );
  const { token, expirationTimestamp } = tokens.issue(account, ["vault"], 600);
  assert.equal(expirationTimestamp, "2026-01-01T00:10:00Z");
  const valid = tokens.review(token, ["vault"]);
  assert.ok(valid.authenticated);
  assert.equal(valid.user.username, "system:serviceaccount:team-a:reader");
  assert.deepEqual(valid.audiences, ["vault"]);
  assert.deepEqual(tokens.review(token), {
    authenticated: false,
    error: "invalid bearer token, token audiences is invalid",
  });
  now = new Date("2026-01-01T00:10:00Z");
  assert.deepEqual(tokens.review(token, ["vault"]), {
    authenticated: false,
    error: "invalid bearer token, token has expired",
  });
  now = new Date("2026-01-01T00:05:00Z");
  uid = "uid-2";
  assert.match(
    (tokens.review(token, ["vault"]) as { error: string }).error,
    /has been invalidated/,
  );
  const other = new ServiceAccountTokens(
    () => now,
    () => account.uid,
  );
  assert.deepEqual(other.review(token, ["vault"]), {
    authenticated: false,
    error: "invalid bearer token",
  });
  for (const bad of ["", "a.b", "a.b.c", `${token}x`, token.replace(/^[^.]+/, "e30")]) {
    assert.equal(tokens.review(bad, ["vault"]).authenticated, false, bad);
  }
});

test("with a tokens file, a service-account token for the API audience is a bearer token", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-sa-tokens-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const tokensFile = join(dir, "tokens.csv");
  writeFileSync(tokensFile, "admin-token,admin,1\n");
  const cluster = await startLocalCluster({ tokensFile, dataDir: join(dir, "data") });
  t.after(() => cluster.close());
  const call = (path: string, token: string, body?: unknown): Promise<Response> =>
    fetch(`${cluster.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const created = await call("/api/v1/namespaces/default/serviceaccounts", "admin-token", {
    metadata: { name: "reader" },
  });
  assert.equal(created.status, 201);
  const request = (audiences?: string[]): Promise<Response> =>
    call("/api/v1/namespaces/default/serviceaccounts/reader/token", "admin-token", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: audiences === undefined ? {} : { audiences },
    });
  const response = (await (await request()).json()) as {
    kind: string;
    spec: { audiences: string[]; expirationSeconds: number };
    status: { token: string; expirationTimestamp: string };
  };
  assert.equal(response.kind, "TokenRequest");
  assert.deepEqual(response.spec.audiences, [apiAudience]);
  assert.equal(response.spec.expirationSeconds, 3600);
  assert.equal(
    (await call("/api/v1/namespaces/default/secrets", response.status.token)).status,
    200,
  );
  const forVault = (await (await request(["vault"])).json()) as { status: { token: string } };
  assert.equal(
    (await call("/api/v1/namespaces/default/secrets", forVault.status.token)).status,
    401,
  );

  // The signing key lives in the data directory: tokens survive a restart.
  await cluster.close();
  const again = await startLocalCluster({ tokensFile, dataDir: join(dir, "data") });
  t.after(() => again.close());
  const afterRestart = await fetch(`${again.url}/api/v1/namespaces/default/secrets`, {
    headers: { Authorization: `Bearer ${response.status.token}` },
  });
  assert.equal(afterRestart.status, 200);
});
