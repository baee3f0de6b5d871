import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { test } from "node:test";
import { startVaultDouble, type VaultDouble } from "../../test/support/vault-double.js";
import { testdata } from "../../test/support/paths.js";
import { VaultClient, VaultError, type VaultClientOptions, jsonNumber } from "./index.js";

const instant = (): Promise<void> => Promise.resolve();

async function double(
  t: { after: (fn: () => Promise<void>) => void },
  options = {},
): Promise<VaultDouble> {
  const vault = await startVaultDouble(options);
  t.after(() => vault.close());
  vault.mount("secret", 2);
  vault.mount("kv1", 1);
  vault.setPolicy("reader", {
    "secret/data/app/*": ["read"],
    "secret/metadata/*": ["list", "read"],
  });
  return vault;
}

function client(
  t: { after: (fn: () => Promise<void>) => void },
  options: VaultClientOptions,
): VaultClient {
  const created = new VaultClient({ sleep: instant, ...options });
  t.after(() => created.close());
  return created;
}

test("VaultClient.read() returns KV v2 data with numbers kept as their JSON text", async (t) => {
  const vault = await double(t);
  vault.writeKv("secret/app/db", { user: "app", port: 5432, ratio: 1.5 });
  const vaultClient = client(t, {
    address: vault.address,
    auth: { method: "token", token: vault.rootToken },
  });
  const response = await vaultClient.read("secret/data/app/db");
  const data = response?.data?.data as Record<string, unknown>;
  assert.equal(data.user, "app");
  assert.deepEqual(data.port, jsonNumber("5432"));
  assert.deepEqual(data.ratio, jsonNumber("1.5"));
});

test("VaultClient.read() returns undefined for a missing key and the envelope for a deleted version", async (t) => {
  const vault = await double(t);
  vault.writeKv("secret/app/db", { user: "app" });
  vault.deleteKvVersions("secret/app/db", [1]);
  const vaultClient = client(t, {
    address: vault.address,
    auth: { method: "token", token: vault.rootToken },
  });
  assert.equal(await vaultClient.read("secret/data/app/none"), undefined);
  const deleted = await vaultClient.read("secret/data/app/db");
  assert.equal(deleted?.status, 404);
  assert.equal(deleted.data?.data, null);
  assert.notEqual(deleted.data.metadata, undefined);
});

test("VaultClient.read() with ?version= reads an older KV v2 version", async (t) => {
  const vault = await double(t);
  vault.writeKv("secret/app/db", { secret: "one" });
  vault.writeKv("secret/app/db", { secret: "two" });
  const vaultClient = client(t, {
    address: vault.address,
    auth: { method: "token", token: vault.rootToken },
  });
  const first = await vaultClient.read("secret/data/app/db", { version: "1" });
  assert.deepEqual(first?.data?.data, { secret: "one" });
  assert.equal(await vaultClient.read("secret/data/app/db", { version: "9" }), undefined);
});

test("VaultClient rejects with a 403 VaultError when the token lacks the capability", async (t) => {
  const vault = await double(t);
  vault.writeKv("secret/other/x", { a: "b" });
  const token = vault.createToken({ policies: ["reader"] });
  const vaultClient = client(t, { address: vault.address, auth: { method: "token", token } });
  await assert.rejects(vaultClient.read("secret/data/other/x"), (error: unknown) => {
    assert.ok(error instanceof VaultError);
    assert.equal(error.status, 403);
    assert.equal(error.retryable, false);
    assert.match(error.message, /^vault GET "secret\/data\/other\/x": 403 permission denied$/);
    return true;
  });
});

test("VaultClient rejects an unknown token with 403 permission denied", async (t) => {
  const vault = await double(t);
  const vaultClient = client(t, {
    address: vault.address,
    auth: { method: "token", token: "nope" },
  });
  await assert.rejects(vaultClient.read("secret/data/app/x"), {
    status: 403,
    message: /permission denied/,
  });
});

test("VaultClient.list() lists folders and leaves, and answers undefined for a missing folder", async (t) => {
  const vault = await double(t);
  vault.writeKv("secret/app/a", { x: "1" });
  vault.writeKv("secret/app/dev/b", { x: "1" });
  const vaultClient = client(t, {
    address: vault.address,
    auth: { method: "token", token: vault.rootToken },
  });
  assert.deepEqual(await vaultClient.list("secret/metadata/app"), ["a", "dev/"]);
  assert.equal(await vaultClient.list("secret/metadata/none"), undefined);
  assert.equal(vault.requests.at(-1)?.list, true);
  assert.equal(vault.requests.at(-1)?.method, "GET");
});

test("VaultClient logs in with AppRole lazily, once, and re-logs in after the token is revoked", async (t) => {
  const vault = await double(t);
  vault.writeKv("secret/app/db", { user: "app" });
  const { roleId, secretId } = vault.addAppRole("ci", { policies: ["reader"] });
  const vaultClient = client(t, {
    address: vault.address,
    auth: { method: "appRole", roleId, secretId },
  });
  await vaultClient.read("secret/data/app/db");
  await vaultClient.read("secret/data/app/db");
  assert.equal(vault.count("PUT", "auth/approle/login"), 1);
  // Someone revokes our token: the next read gets a 403, logs in again and succeeds.
  const lookup = await vaultClient.lookupSelf();
  const revoker = new VaultClient({
    address: vault.address,
    auth: { method: "token", token: lookup.id as string },
  });
  await revoker.write("auth/token/revoke-self", {});
  await revoker.close({ revoke: false });
  assert.deepEqual((await vaultClient.read("secret/data/app/db"))?.data?.data, { user: "app" });
  assert.equal(vault.count("PUT", "auth/approle/login"), 2);
});

test("VaultClient reports a bad AppRole secret ID with Vault's message", async (t) => {
  const vault = await double(t);
  const { roleId } = vault.addAppRole("ci", { policies: ["reader"] });
  const vaultClient = client(t, {
    address: vault.address,
    auth: { method: "appRole", roleId, secretId: "wrong" },
  });
  await assert.rejects(vaultClient.read("secret/data/app/db"), {
    status: 400,
    message: 'vault PUT "auth/approle/login": 400 invalid role or secret ID',
  });
});

test("VaultClient renews its token at two thirds of the lease, and logs in again when renewal fails", async (t) => {
  const vault = await double(t);
  vault.writeKv("secret/app/db", { user: "app" });
  const { roleId, secretId } = vault.addAppRole("ci", { policies: ["reader"], ttlSeconds: 60 });
  const vaultClient = client(t, {
    address: vault.address,
    auth: { method: "appRole", roleId, secretId },
    now: () => vault.now(),
  });
  await vaultClient.read("secret/data/app/db");
  vault.advance(30);
  await vaultClient.read("secret/data/app/db");
  assert.equal(
    vault.count("PUT", "auth/token/renew-self"),
    0,
    "no renewal before two thirds of the lease",
  );
  vault.advance(15);
  await vaultClient.read("secret/data/app/db");
  assert.equal(vault.count("PUT", "auth/token/renew-self"), 1);
  assert.equal(vault.count("PUT", "auth/approle/login"), 1);
  // Past the renewed lease the token is gone: renewal fails with 403, so the client logs in again.
  vault.advance(200);
  await vaultClient.read("secret/data/app/db");
  assert.equal(vault.count("PUT", "auth/approle/login"), 2);
});

test("VaultClient logs in with Kubernetes auth and Vault checks the service account binding", async (t) => {
  const vault = await double(t);
  vault.writeKv("secret/app/db", { user: "app" });
  vault.addKubernetesRole("app-reader", {
    boundServiceAccountNames: ["app"],
    boundServiceAccountNamespaces: ["payments"],
    policies: ["reader"],
  });
  vault.acceptServiceAccountToken("jwt-app", { namespace: "payments", name: "app" });
  vault.acceptServiceAccountToken("jwt-other", { namespace: "payments", name: "other" });
  const good = client(t, {
    address: vault.address,
    auth: { method: "kubernetes", role: "app-reader", jwt: () => Promise.resolve("jwt-app") },
  });
  assert.deepEqual((await good.read("secret/data/app/db"))?.data?.data, { user: "app" });
  const lookup = await good.lookupSelf();
  assert.equal(lookup.path, "auth/kubernetes/login");
  const bad = client(t, {
    address: vault.address,
    auth: { method: "kubernetes", role: "app-reader", jwt: () => Promise.resolve("jwt-other") },
  });
  await assert.rejects(bad.read("secret/data/app/db"), {
    status: 403,
    message: /service account name not authorized/,
  });
});

test("VaultClient sends X-Vault-Namespace and reads the namespace's own mounts", async (t) => {
  const vault = await double(t, { namespaces: true });
  vault.addNamespace("team-a");
  vault.mount("secret", 2, "team-a");
  vault.writeKv("secret/app/db", { owner: "team-a" }, "team-a");
  vault.writeKv("secret/app/db", { owner: "root" });
  const scoped = client(t, {
    address: vault.address,
    namespace: "team-a/",
    auth: { method: "token", token: vault.rootToken },
  });
  assert.deepEqual((await scoped.read("secret/data/app/db"))?.data?.data, { owner: "team-a" });
  assert.equal(vault.requests.at(-1)?.namespace, "team-a");
  const unknown = client(t, {
    address: vault.address,
    namespace: "team-b",
    auth: { method: "token", token: vault.rootToken },
  });
  await assert.rejects(unknown.read("secret/data/app/db"), {
    status: 404,
    message: /namespace not found/,
  });
});

test("VaultClient trusts a server certificate only through caBundle", async (t) => {
  const tls = {
    key: readFileSync(testdata("providers", "vault-tls.key")),
    cert: readFileSync(testdata("providers", "vault-tls.crt")),
  };
  const vault = await double(t, { tls });
  vault.writeKv("secret/app/db", { user: "app" });
  const trusted = client(t, {
    address: vault.address,
    caBundle: tls.cert,
    auth: { method: "token", token: vault.rootToken },
  });
  assert.deepEqual((await trusted.read("secret/data/app/db"))?.data?.data, { user: "app" });
  const untrusted = client(t, {
    address: vault.address,
    retries: 0,
    auth: { method: "token", token: vault.rootToken },
  });
  await assert.rejects(
    untrusted.read("secret/data/app/db"),
    /self-signed certificate|unable to verify/,
  );
});

test("VaultClient retries 503 answers and gives up with a retryable error", async (t) => {
  const vault = await double(t);
  vault.writeKv("secret/app/db", { user: "app" });
  const vaultClient = client(t, {
    address: vault.address,
    auth: { method: "token", token: vault.rootToken },
  });
  vault.faults = [{ kind: "status", status: 503, remaining: 2 }];
  assert.deepEqual((await vaultClient.read("secret/data/app/db"))?.data?.data, { user: "app" });
  assert.equal(vault.count("GET", "secret/data/app/db"), 3);
  vault.faults = [{ kind: "status", status: 503 }];
  await assert.rejects(vaultClient.read("secret/data/app/db"), { status: 503, retryable: true });
});

test("VaultClient times out a slow Vault and names the address", async (t) => {
  const vault = await double(t);
  vault.faults = [{ kind: "delay", milliseconds: 5_000 }];
  const vaultClient = client(t, {
    address: vault.address,
    timeoutMs: 50,
    retries: 0,
    auth: { method: "token", token: vault.rootToken },
  });
  await assert.rejects(vaultClient.read("secret/data/app/db"), (error: unknown) => {
    assert.ok(error instanceof VaultError);
    assert.equal(error.retryable, true);
    assert.match(
      error.message,
      /secret\/data\/app\/db.*cannot reach http:\/\/127\.0\.0\.1:\d+: timed out after 50 ms/,
    );
    return true;
  });
});

test("VaultClient reports Vault down as a retryable error naming the path", async (t) => {
  // Reserve a port, then free it, so nothing listens there.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  const vaultClient = client(t, {
    address: `http://127.0.0.1:${port}`,
    retries: 1,
    auth: { method: "token", token: "t" },
  });
  await assert.rejects(vaultClient.read("secret/data/app/db"), (error: unknown) => {
    assert.ok(error instanceof VaultError);
    assert.equal(error.retryable, true);
    assert.match(
      error.message,
      /^vault GET "secret\/data\/app\/db": cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/,
    );
    return true;
  });
});

test("VaultClient.close() revokes a login token but never a static one", async (t) => {
  const vault = await double(t);
  const { roleId, secretId } = vault.addAppRole("ci", { policies: ["reader"] });
  const loginClient = new VaultClient({
    address: vault.address,
    auth: { method: "appRole", roleId, secretId },
  });
  const info = await loginClient.login();
  await loginClient.close();
  assert.equal(vault.hasToken(info.clientToken), false);
  const staticToken = vault.createToken({ policies: ["reader"] });
  const staticClient = new VaultClient({
    address: vault.address,
    auth: { method: "token", token: staticToken },
  });
  await staticClient.lookupSelf();
  await staticClient.close();
  assert.equal(vault.hasToken(staticToken), true);
});
