import assert from "node:assert/strict";
import { test } from "node:test";
import { startVaultDouble, type VaultDouble } from "../../../test/support/vault-double.js";
import { SharedReadVaultClient, withReadFreshness } from "./shared-reads.js";

async function setUp(
  t: { after: (fn: () => Promise<void>) => void },
  now: () => number = Date.now,
): Promise<{ vault: VaultDouble; client: SharedReadVaultClient; calls: string[] }> {
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  vault.mount("secret", 2);
  vault.writeKv("secret/app/db", { password: "first-value" });
  const calls: string[] = [];
  const client = new SharedReadVaultClient(
    { address: vault.address, auth: { method: "token", token: vault.rootToken }, retries: 0 },
    { now, observe: (call, ok) => calls.push(`${call}:${ok ? "ok" : "error"}`) },
  );
  t.after(() => client.close());
  return { vault, client, calls };
}

const gets = (vault: VaultDouble): number => vault.count("GET", "secret/data/app/db");

test("SharedReadVaultClient answers concurrent and recent reads of one path with one GET", async (t) => {
  const { vault, client, calls } = await setUp(t);
  const reads = await withReadFreshness({ maxAgeMs: 60_000 }, () =>
    Promise.all(Array.from({ length: 20 }, () => client.read("secret/data/app/db"))),
  );
  assert.equal(reads.length, 20);
  await withReadFreshness({ maxAgeMs: 60_000 }, () => client.read("secret/data/app/db"));
  assert.equal(gets(vault), 1);
  assert.deepEqual(calls, ["ReadSecretData:ok"]);
});

test("SharedReadVaultClient reads afresh outside a freshness scope, with maxAge 0 and once too old", async (t) => {
  let clock = 1_000_000;
  const { vault, client } = await setUp(t, () => clock);
  await withReadFreshness({ maxAgeMs: 5000 }, () => client.read("secret/data/app/db"));
  // Pushes and validations run outside any scope: they always see Vault's current state.
  await client.read("secret/data/app/db");
  await withReadFreshness({ maxAgeMs: 0 }, () => client.read("secret/data/app/db"));
  assert.equal(gets(vault), 3);
  vault.writeKv("secret/app/db", { password: "second-value" });
  clock += 6000;
  const response = await withReadFreshness({ maxAgeMs: 5000 }, () =>
    client.read("secret/data/app/db"),
  );
  assert.equal(gets(vault), 4);
  assert.equal((response?.data?.data as { password?: string }).password, "second-value");
});

test("SharedReadVaultClient does not keep a failed read, and a write makes a path's read stale", async (t) => {
  const { vault, client, calls } = await setUp(t);
  vault.faults.push({ kind: "status", status: 500, remaining: 1 });
  await assert.rejects(
    withReadFreshness({ maxAgeMs: 60_000 }, () => client.read("secret/data/app/db")),
  );
  await withReadFreshness({ maxAgeMs: 60_000 }, () => client.read("secret/data/app/db"));
  await client.write("secret/data/app/db", { data: { password: "pushed-value" } });
  const after = await withReadFreshness({ maxAgeMs: 60_000 }, () =>
    client.read("secret/data/app/db"),
  );
  assert.equal((after?.data?.data as { password?: string }).password, "pushed-value");
  assert.deepEqual(calls, [
    "ReadSecretData:error",
    "ReadSecretData:ok",
    "WriteSecretData:ok",
    "ReadSecretData:ok",
  ]);
});
