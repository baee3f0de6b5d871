import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { readTokenFile } from "./auth.js";
import { startLocalCluster } from "./index.js";

test("with a tokens file every API request needs a known bearer token; /version stays open", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-tokens-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const tokensFile = join(dir, "tokens.csv");
  writeFileSync(tokensFile, '# comment\nt0ken-one,alice,1001,"admins,devs"\nt0ken-two,bob,1002\n');
  const cluster = await startLocalCluster({ tokensFile });
  t.after(() => cluster.close());
  const get = (token?: string): Promise<Response> =>
    fetch(
      `${cluster.url}/api/v1/namespaces`,
      token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
    );
  const anonymous = await get();
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { reason: string }).reason, "Unauthorized");
  assert.equal((await get("wrong")).status, 401);
  assert.equal((await get("t0ken-two")).status, 200);
  assert.equal((await fetch(`${cluster.url}/version`)).status, 200);
  const kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  assert.equal(kc.getCurrentUser()?.token, "t0ken-one", "the kubeconfig carries the first token");
  const namespaces = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
  assert.ok(namespaces.items.length >= 4);
});

test("readTokenFile() reads groups and names the file and line of a short row", () => {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-tokens-"));
  try {
    const good = join(dir, "good.csv");
    writeFileSync(good, 'abc,alice,1,"a,b"\n');
    assert.deepEqual(readTokenFile(good), [
      { token: "abc", user: "alice", uid: "1", groups: ["a", "b"] },
    ]);
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "abc,alice,1\nonly-token\n");
    assert.throws(() => readTokenFile(bad), {
      message: `cannot read token file "${bad}": line 2 needs token,user,uid`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
