import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { readClusterSecret, secretToCluster, type JsonObject } from "../argocd/index.js";
import { parseExternalSecret } from "../controllers/externalsecrets/index.js";
import { testdata } from "../../test/support/paths.js";
import { runCli, type CliResult } from "../../test/support/cli.js";

const run = (args: string[]): CliResult => runCli(args);

test("cluster add writes the Secret Argo CD would write for the cluster", () => {
  const result = run([
    "cluster",
    "add",
    "prod-us",
    "--server",
    "https://prod-us.example.com:6443/",
    "--label",
    "env=production",
    "--namespaces",
    "a, b",
    "--project",
    "team",
  ]);
  assert.equal(result.status, 0, result.stderr);
  const manifest = parse(result.stdout) as JsonObject;
  assert.match((manifest.metadata as { name: string }).name, /^cluster-prod-us\.example\.com-\d+$/);
  const cluster = secretToCluster(readClusterSecret(manifest, "stdout"));
  assert.deepEqual(cluster, {
    name: "prod-us",
    server: "https://prod-us.example.com:6443",
    namespaces: ["a", "b"],
    clusterResources: false,
    project: "team",
    config: { tlsClientConfig: { insecure: false } },
    labels: { env: "production" },
    annotations: {},
  });
  assert.equal(
    Buffer.from((manifest.data as { config: string }).config, "base64").toString(),
    '{"tlsClientConfig":{"insecure":false}}',
  );
});

test("cluster add --from-vault writes an ESO v1 ExternalSecret whose template is the cluster Secret", () => {
  const result = run([
    "cluster",
    "add",
    "prod-us",
    "--server",
    "https://prod-us.example.com",
    "--label",
    "env=production",
    "--from-vault",
    "clusters/prod-us",
    "-o",
    "json",
  ]);
  assert.equal(result.status, 0, result.stderr);
  const manifest = JSON.parse(result.stdout) as JsonObject;
  const parsed = parseExternalSecret(manifest);
  assert.equal(parsed.spec.secretStoreRef?.name, "vault-backend");
  const spec = manifest.spec as JsonObject;
  const target = spec.target as {
    template: { metadata: { labels: Record<string, string> }; data: Record<string, string> };
  };
  assert.equal(target.template.metadata.labels["argocd.argoproj.io/secret-type"], "cluster");
  assert.deepEqual(Object.keys(target.template.data), ["name", "server", "config"]);
  assert.deepEqual(spec.data, [
    { secretKey: "bearerToken", remoteRef: { key: "clusters/prod-us", property: "bearerToken" } },
    { secretKey: "caData", remoteRef: { key: "clusters/prod-us", property: "caData" } },
  ]);
});

test("cluster add -w writes the file; a bad --server is a usage error that writes nothing", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-cluster-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, "prod.yaml");
  assert.equal(run(["cluster", "add", "prod", "--server", "https://prod", "-w", file]).status, 0);
  assert.match(readFileSync(file, "utf8"), /argocd\.argoproj\.io\/secret-type: cluster/);
  const bad = run(["cluster", "add", "x", "--server", "not a url", "-w", join(dir, "x.yaml")]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: --server "not a url": not an absolute URL$/m);
  assert.ok(!existsSync(join(dir, "x.yaml")));
  assert.equal(
    run(["cluster", "add", "x", "--server", "https://x", "--label", "novalue"]).status,
    2,
  );
});

test("cluster list shows names, servers and labels but no credential", () => {
  const result = run(["cluster", "list", testdata("argocd", "seeds", "cluster-secrets")]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(
    result.stdout,
    /^prod-cluster\s+https:\/\/prod-cluster\.example\.com\s+argocd\/prod-cluster\s+env=production,region=ap-northeast-2\s+bearerToken$/m,
  );
  assert.equal(result.stdout.trim().split("\n").length, 4);
  assert.ok(!result.stdout.includes("planted-token"));
  const json = JSON.parse(
    run(["cluster", "list", testdata("argocd", "seeds", "cluster-secrets"), "-o", "json"]).stdout,
  ) as { name: string }[];
  assert.deepEqual(
    json.map((row) => row.name),
    ["prod-cluster", "prod-eu", "staging-cluster"],
  );
});
