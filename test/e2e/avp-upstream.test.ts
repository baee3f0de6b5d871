// argocd-vault-plugin's own end-to-end runs and CLI error cases (../shared/upstream/avp/e2e),
// replayed against `secretfleet avp generate` and the Vault double loaded with backend-vault.yaml.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  cleanEnv,
  loadUpstreamBackend,
  loadUpstreamErrors,
  runCli,
  seedUpstreamVault,
} from "../support/avp-upstream.js";
import { shared } from "../support/paths.js";
import { startVaultDouble, type VaultDouble } from "../support/vault-double.js";

const e2eDir = shared("upstream", "avp", "e2e");

interface Fixture {
  vault: VaultDouble;
  env: Record<string, string>;
  home: string;
  roleId: string;
}

async function fixture(
  t: { after: (fn: () => Promise<void> | void) => void },
  dir: string,
): Promise<Fixture> {
  const vault = await startVaultDouble();
  t.after(() => vault.close());
  const { roleId, secretId } = seedUpstreamVault(vault, loadUpstreamBackend(dir));
  const home = mkdtempSync(join(tmpdir(), "avp-home-"));
  t.after(() => {
    rmSync(home, { recursive: true, force: true });
  });
  const env = cleanEnv({
    AVP_TYPE: "vault",
    AVP_AUTH_TYPE: "approle",
    AVP_ROLE_ID: roleId,
    AVP_SECRET_ID: secretId,
    VAULT_ADDR: vault.address,
    VAULT_SKIP_VERIFY: "true",
    HOME: home,
  });
  return { vault, env, home, roleId };
}

test("avp generate reproduces every upstream e2e run byte for byte", async (t) => {
  if (e2eDir === undefined) {
    t.skip("../shared not available");
    return;
  }
  const { runs } = loadUpstreamBackend(e2eDir);
  assert.ok(runs.length >= 4);
  for (const [index, run] of runs.entries()) {
    await t.test(`run ${index}: ${run.args.join(" ")}`, async (t) => {
      const { vault, env, home, roleId } = await fixture(t, e2eDir);
      const args = run.args.map((arg) => arg.replace("<dir>", e2eDir));
      const stdin = run.stdin === undefined ? undefined : readFileSync(join(e2eDir, run.stdin));
      const result = await runCli(["avp", ...args], {
        env,
        ...(stdin === undefined ? {} : { stdin }),
      });
      assert.equal(result.stderr, "");
      assert.equal(result.status, run.exit);
      assert.equal(result.stdout, readFileSync(join(e2eDir, run.stdout), "utf8"));
      assert.equal(vault.count("PUT", "auth/approle/login"), 1, "one login per run");
      // One backend read per path (and version) per run, however many placeholders name it.
      const reads = vault.requests.filter(
        (request) => request.method === "GET" && !request.path.startsWith("auth/"),
      );
      const distinct = new Set(reads.map((request) => `${request.path}${request.query}`));
      assert.equal(
        reads.length,
        distinct.size,
        `repeated reads: ${reads.map((r) => r.path + r.query).join(", ")}`,
      );
      const cacheFile = join(home, ".avp", `approle_${roleId}_config.json`);
      assert.equal(
        existsSync(cacheFile),
        !args.includes("--disable-token-cache"),
        "token cache file",
      );
    });
  }
});

test("avp generate reuses the cached AppRole token on the next run", async (t) => {
  if (e2eDir === undefined) {
    t.skip("../shared not available");
    return;
  }
  const { vault, env } = await fixture(t, e2eDir);
  const args = ["avp", "generate", join(e2eDir, "ignored-secret", "input.yaml")];
  assert.equal((await runCli(args, { env })).status, 0);
  assert.equal((await runCli(args, { env })).status, 0);
  assert.equal(vault.count("PUT", "auth/approle/login"), 1);
  assert.equal(vault.count("GET", "auth/token/lookup-self"), 1);
});

test("avp generate fails every upstream CLI error case with upstream's message", async (t) => {
  if (e2eDir === undefined) {
    t.skip("../shared not available");
    return;
  }
  const cases = loadUpstreamErrors(e2eDir);
  assert.ok(cases.length >= 6);
  for (const errorCase of cases) {
    await t.test(errorCase.name, async (t) => {
      const { env, home } = await fixture(t, e2eDir);
      const args = errorCase.args.map((arg) => arg.replace("<dir>", e2eDir));
      const stdin =
        errorCase.stdin === undefined ? undefined : readFileSync(join(e2eDir, errorCase.stdin));
      const result = await runCli(["avp", ...args], {
        env: { ...env, ...errorCase.env },
        cwd: home,
        ...(stdin === undefined ? {} : { stdin }),
      });
      if (errorCase.stdout !== undefined) {
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, errorCase.stdout);
        return;
      }
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.stdout, "");
      if (errorCase.stderr_contains !== undefined)
        assert.ok(result.stderr.includes(errorCase.stderr_contains), result.stderr);
      if (errorCase.stderr_trimmed_equals !== undefined) {
        // Go's YAML library's words for this input; our CLI prefixes errors with "error: ".
        const expected = errorCase.stderr_trimmed_equals.replace(/^Error: /, "error: ");
        assert.equal(result.stderr.trim(), expected);
      }
    });
  }
});
