import assert from "node:assert/strict";
import { test } from "node:test";
import { startVaultDouble, type VaultDouble } from "../../test/support/vault-double.js";
import {
  createVaultProvider,
  ownerMetadataKey,
  ProviderError,
  type SecretsProvider,
  type VaultProviderOptions,
} from "./index.js";

interface After {
  after: (fn: () => Promise<void>) => void;
}

async function setup(t: After): Promise<VaultDouble> {
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  vault.mount("secret", 2);
  vault.mount("kv1", 1);
  return vault;
}

function provider(
  t: After,
  vault: VaultDouble,
  options: Partial<VaultProviderOptions> = {},
): SecretsProvider {
  const created = createVaultProvider({
    client: {
      address: vault.address,
      auth: { method: "token", token: vault.rootToken },
      sleep: () => Promise.resolve(),
    },
    path: "secret",
    ...options,
  });
  t.after(() => created.close());
  return created;
}

const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");

test("vault getSecret() returns the whole secret as Go-marshalled JSON (sorted keys, exact numbers, escaped <>&)", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/app/db", {
    user: "app",
    port: 5432,
    big: 12345678901234567000,
    html: "<a&b>",
  });
  const vaultProvider = provider(t, vault);
  assert.equal(
    text(await vaultProvider.getSecret({ key: "app/db" })),
    '{"big":12345678901234567000,"html":"\\u003ca\\u0026b\\u003e","port":5432,"user":"app"}',
  );
});

test("vault getSecret() picks a property: exact key first, then a gjson path", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/app/db", {
    "a.b": "literal",
    a: { b: "nested", list: [1, { x: "y" }] },
    n: 7,
    on: true,
    nil: null,
  });
  const vaultProvider = provider(t, vault);
  assert.equal(text(await vaultProvider.getSecret({ key: "app/db", property: "a.b" })), "literal");
  assert.equal(text(await vaultProvider.getSecret({ key: "app/db", property: "a.list.1.x" })), "y");
  assert.equal(
    text(await vaultProvider.getSecret({ key: "app/db", property: "a" })),
    '{"b":"nested","list":[1,{"x":"y"}]}',
  );
  assert.equal(text(await vaultProvider.getSecret({ key: "app/db", property: "n" })), "7");
  assert.equal(text(await vaultProvider.getSecret({ key: "app/db", property: "on" })), "true");
  assert.equal(text(await vaultProvider.getSecret({ key: "app/db", property: "nil" })), "");
  await assert.rejects(vaultProvider.getSecret({ key: "app/db", property: "a.zzz" }), {
    name: "ProviderError",
    message: 'cannot find secret data for key: "a.zzz"',
  });
});

test("vault getSecret() reads a version, and reports a missing key or a deleted latest version as missing", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/app/db", { pass: "v1" });
  vault.writeKv("secret/app/db", { pass: "v2" });
  const vaultProvider = provider(t, vault);
  assert.equal(
    text(await vaultProvider.getSecret({ key: "app/db", property: "pass", version: "1" })),
    "v1",
  );
  assert.equal(text(await vaultProvider.getSecret({ key: "app/db", property: "pass" })), "v2");
  assert.equal(await vaultProvider.getSecret({ key: "app/none" }), undefined);
  vault.deleteKvVersions("secret/app/db", [2]);
  assert.equal(await vaultProvider.getSecret({ key: "app/db" }), undefined);
  assert.equal(vault.count("GET", "secret/data/app/db"), 3);
});

test("vault getSecret() accepts the key with the mount and data/ prefixes (ESO's path rule)", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/app/db", { pass: "x" });
  const vaultProvider = provider(t, vault);
  for (const key of ["app/db", "secret/app/db", "secret/data/app/db"]) {
    assert.equal(text(await vaultProvider.getSecret({ key, property: "pass" })), "x", key);
  }
  const noMount = createVaultProvider({
    client: { address: vault.address, auth: { method: "token", token: vault.rootToken } },
  });
  t.after(() => noMount.close());
  assert.equal(text(await noMount.getSecret({ key: "secret/app/db", property: "pass" })), "x");
});

test("vault getSecret() reads KV v1 without data/ in the path", async (t) => {
  const vault = await setup(t);
  vault.writeKv("kv1/app/db", { pass: "v1-pass" });
  const vaultProvider = provider(t, vault, { path: "kv1", version: "v1" });
  assert.equal(text(await vaultProvider.getSecret({ key: "app/db", property: "pass" })), "v1-pass");
  assert.equal(vault.count("GET", "kv1/app/db"), 1);
});

test("vault getSecret() turns a 403 into a ProviderError, not a missing value", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/app/db", { pass: "x" });
  vault.setPolicy("none", {});
  const token = vault.createToken({ policies: ["none"] });
  const vaultProvider = provider(t, vault, {
    client: { address: vault.address, auth: { method: "token", token } },
  });
  await assert.rejects(vaultProvider.getSecret({ key: "app/db" }), (error: unknown) => {
    assert.ok(error instanceof ProviderError);
    assert.equal(error.status, 403);
    return true;
  });
});

test("vault metadataPolicy Fetch returns custom_metadata with created_time and current_version", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/app/db", { pass: "x" });
  const admin = provider(t, vault);
  const fetchRef = { key: "app/db", metadataPolicy: "Fetch" as const };
  const metadata = JSON.parse(text(await admin.getSecret(fetchRef))!) as Record<string, string>;
  assert.equal(metadata.current_version, "1");
  assert.equal(metadata.delete_version_after, "0s");
  assert.match(metadata.created_time!, /^\d{4}-\d\d-\d\dT/);
  const v1 = provider(t, vault, { path: "kv1", version: "v1" });
  await assert.rejects(v1.getSecret(fetchRef), /not supported on a KV v1 store/);
});

test("vault getSecretMap() coerces values as ESO does (float64 numbers, nested JSON)", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/app/db", { s: "text", n: 1e21, f: 1.5, b: false, o: { k: 2 }, nil: null });
  const vaultProvider = provider(t, vault);
  const map = await vaultProvider.getSecretMap({ key: "app/db" });
  assert.deepEqual(
    Object.fromEntries(Object.entries(map!).map(([key, value]) => [key, text(value)])),
    { s: "text", n: "1000000000000000000000", f: "1.5", b: "false", o: '{"k":2}', nil: "" },
  );
  assert.equal(await vaultProvider.getSecretMap({ key: "app/none" }), undefined);
  await assert.rejects(
    vaultProvider.getSecretMap({ key: "app/db", property: "s" }),
    /not a JSON object/,
  );
});

test("vault getAllSecrets() finds by name regexp over full relative paths, recursing into folders", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/app/db", { a: "1" });
  vault.writeKv("secret/app/dev/config", { b: "2" });
  vault.writeKv("secret/other/db", { c: "3" });
  const vaultProvider = provider(t, vault);
  const found = await vaultProvider.getAllSecrets({ name: { regexp: "db$" } });
  assert.deepEqual(Object.keys(found!).sort(), ["app/db", "other/db"]);
  assert.equal(text(found!["app/db"]), '{"a":"1"}');
  const underPath = await vaultProvider.getAllSecrets({ path: "app", name: { regexp: "." } });
  assert.deepEqual(Object.keys(underPath!).sort(), ["app/db", "app/dev/config"]);
  assert.equal(
    await vaultProvider.getAllSecrets({ path: "missing", name: { regexp: "." } }),
    undefined,
  );
  await assert.rejects(
    vaultProvider.getAllSecrets({ name: { regexp: "(?!x)" } }),
    /invalid or unsupported Perl syntax/,
  );
});

test("vault getAllSecrets() filters by tags in custom_metadata, one metadata read per candidate", async (t) => {
  const vault = await setup(t);
  const vaultProvider = provider(t, vault);
  vault.writeKv("secret/app/a", { x: "1" });
  vault.writeKv("secret/app/b", { x: "2" });
  await vaultProvider.pushSecret(
    { v: Buffer.from('{"x":"3"}') },
    { secretKey: "v", remoteRef: { remoteKey: "app/c" } },
  );
  const found = await vaultProvider.getAllSecrets({
    path: "app",
    tags: { "managed-by": "external-secrets" },
  });
  assert.deepEqual(Object.keys(found!), ["app/c"]);
  assert.equal(vault.count("GET", /^secret\/metadata\/app\/[abc]$/) >= 3, true);
});

test("vault pushSecret() writes the marker and the data, skips unchanged values and uses CAS when required", async (t) => {
  const vault = await setup(t);
  const vaultProvider = provider(t, vault, { checkAndSetRequired: true });
  const secret = { password: Buffer.from("s3cr3t"), user: Buffer.from("app") };
  await vaultProvider.pushSecret(secret, { remoteRef: { remoteKey: "pushed/db" } });
  const stored = await vaultProvider.getSecret({ key: "pushed/db" });
  assert.equal(text(stored), '{"password":"s3cr3t","user":"app"}');
  const writes = vault.count("PUT", "secret/data/pushed/db");
  await vaultProvider.pushSecret(secret, { remoteRef: { remoteKey: "pushed/db" } });
  assert.equal(vault.count("PUT", "secret/data/pushed/db"), writes, "unchanged value: no write");
  await vaultProvider.pushSecret(
    { password: Buffer.from("n3w") },
    { secretKey: "password", remoteRef: { remoteKey: "pushed/db", property: "password" } },
  );
  assert.equal(
    text(await vaultProvider.getSecret({ key: "pushed/db", property: "password" })),
    "n3w",
  );
  assert.equal(text(await vaultProvider.getSecret({ key: "pushed/db", property: "user" })), "app");
  assert.equal(
    await vaultProvider.secretExists({ remoteKey: "pushed/db", property: "user" }),
    true,
  );
  assert.equal(
    await vaultProvider.secretExists({ remoteKey: "pushed/db", property: "nope" }),
    false,
  );
});

test("vault pushSecret() refuses to overwrite a secret it does not manage", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/foreign/db", { pass: "theirs" });
  const vaultProvider = provider(t, vault);
  await assert.rejects(
    vaultProvider.pushSecret(
      { pass: Buffer.from("ours") },
      { secretKey: "pass", remoteRef: { remoteKey: "foreign/db", property: "pass" } },
    ),
    { message: 'cannot push to "foreign/db": secret not managed by external-secrets' },
  );
  assert.equal(
    text(await vaultProvider.getSecret({ key: "foreign/db", property: "pass" })),
    "theirs",
  );
});

test("vault pushSecret() with an owner identity refuses a path another hub owns", async (t) => {
  const vault = await setup(t);
  const hubA = provider(t, vault, { pushOwner: "hub-a" });
  const hubB = provider(t, vault, { pushOwner: "hub-b" });
  await hubA.pushSecret(
    { v: Buffer.from('{"k":"a"}') },
    { secretKey: "v", remoteRef: { remoteKey: "shared/x" } },
  );
  await assert.rejects(
    hubB.pushSecret(
      { v: Buffer.from('{"k":"b"}') },
      { secretKey: "v", remoteRef: { remoteKey: "shared/x" } },
    ),
    { message: 'cannot push to "shared/x": secret is owned by "hub-a", not "hub-b"' },
  );
  await hubB.deleteSecret({ remoteKey: "shared/x" });
  assert.equal(
    text(await hubA.getSecret({ key: "shared/x", property: "k" })),
    "a",
    "hub-b cannot delete it either",
  );
  const metadata = JSON.parse(
    text(await hubA.getSecret({ key: "shared/x", metadataPolicy: "Fetch" }))!,
  ) as Record<string, string>;
  assert.equal(metadata[ownerMetadataKey], "hub-a");
});

test("vault deleteSecret() removes a managed secret and its metadata, and leaves foreign ones", async (t) => {
  const vault = await setup(t);
  vault.writeKv("secret/foreign/db", { pass: "theirs" });
  const vaultProvider = provider(t, vault);
  await vaultProvider.pushSecret(
    { v: Buffer.from('{"a":"1","b":"2"}') },
    { secretKey: "v", remoteRef: { remoteKey: "mine/db" } },
  );
  await vaultProvider.deleteSecret({ remoteKey: "mine/db", property: "a" });
  assert.equal(text(await vaultProvider.getSecret({ key: "mine/db" })), '{"b":"2"}');
  await vaultProvider.deleteSecret({ remoteKey: "mine/db" });
  assert.equal(await vaultProvider.getSecret({ key: "mine/db" }), undefined);
  assert.equal(vault.count("DELETE", "secret/metadata/mine/db"), 1);
  await vaultProvider.deleteSecret({ remoteKey: "foreign/db" });
  await vaultProvider.deleteSecret({ remoteKey: "never/was" });
  assert.equal(
    text(await vaultProvider.getSecret({ key: "foreign/db", property: "pass" })),
    "theirs",
  );
});

test("vault pushSecret() on KV v1 keeps the marker inside the secret body", async (t) => {
  const vault = await setup(t);
  const vaultProvider = provider(t, vault, { path: "kv1", version: "v1" });
  await vaultProvider.pushSecret(
    { v: Buffer.from('{"a":"1"}') },
    { secretKey: "v", remoteRef: { remoteKey: "app" } },
  );
  assert.equal(
    text(await vaultProvider.getSecret({ key: "app" })),
    '{"a":"1","custom_metadata":{"managed-by":"external-secrets"}}',
  );
  await vaultProvider.deleteSecret({ remoteKey: "app" });
  assert.equal(await vaultProvider.getSecret({ key: "app" }), undefined);
});

test("vault validate() is Ready with a good token and Error (never a rejection) with a bad one", async (t) => {
  const vault = await setup(t);
  assert.deepEqual(await provider(t, vault).validate(), { status: "Ready" });
  const bad = provider(t, vault, {
    client: { address: vault.address, auth: { method: "token", token: "bad" } },
  });
  const result = await bad.validate();
  assert.equal(result.status, "Error");
  assert.match((result as { message: string }).message, /403 permission denied/);
});

test("vault provider errors never contain a stored secret value", async (t) => {
  const planted = "PLANTED-5b1f0c9e";
  const vault = await setup(t);
  vault.writeKv("secret/app/db", { pass: planted, obj: { inner: planted } });
  vault.writeKv("secret/foreign/db", { pass: planted });
  const vaultProvider = provider(t, vault);
  const messages: string[] = [];
  const attempts = [
    () => vaultProvider.getSecret({ key: "app/db", property: "pass.deeper" }),
    () => vaultProvider.getSecretMap({ key: "app/db", property: "pass" }),
    () =>
      vaultProvider.pushSecret(
        { v: Buffer.from(planted) },
        { secretKey: "v", remoteRef: { remoteKey: "foreign/db" } },
      ),
    () =>
      vaultProvider.pushSecret(
        { v: Buffer.from(planted) },
        { secretKey: "v", remoteRef: { remoteKey: "new/db" } },
      ),
  ];
  for (const attempt of attempts) {
    await attempt().then(
      () => assert.fail("expected a rejection"),
      (error: unknown) => messages.push(String(error), JSON.stringify(error)),
    );
  }
  assert.equal(messages.length, 8);
  for (const message of messages) assert.ok(!message.includes(planted), message);
});
