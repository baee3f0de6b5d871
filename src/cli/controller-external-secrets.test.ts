import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { installCrds } from "../../test/e2e/eso-support.js";
import { runCliAsync, startCli, type CliResult } from "../../test/support/cli.js";
import { waitFor } from "../../test/support/wait.js";
import { KubeClient } from "../kube/index.js";
import { startLocalCluster } from "../localcluster/index.js";

const cli = (args: string[]): Promise<CliResult> => runCliAsync(args);

test("secretfleet controller external-secrets --help lists ESO's flags", async () => {
  const help = await cli(["controller", "external-secrets", "--help"]);
  assert.equal(help.status, 0, help.stderr);
  for (const flag of [
    "--concurrent",
    "--client-qps",
    "--client-burst",
    "--controller-class",
    "--enable-flood-gate",
    "--store-requeue-interval",
    "--enable-leader-election",
    "--metrics-addr",
    "--live-addr",
    "--kubeconfig",
  ]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
});

test("secretfleet controller external-secrets refuses bad flags with exit status 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--concurrent", "0"], /invalid --concurrent "0": want a positive integer/],
    [["--store-requeue-interval", "soon"], /invalid --store-requeue-interval "soon"/],
    [["--enable-flood-gate=maybe"], /invalid boolean "maybe"/],
    [["--template-left-delimiter", "<<"], /only \{\{ and \}\} are supported/],
    [["--metrics-addr", "8080"], /invalid --metrics-addr "8080"/],
  ];
  for (const [args, message] of cases) {
    const result = await cli(["controller", "external-secrets", ...args]);
    assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, "");
  }
});

test("secretfleet controller external-secrets syncs an ExternalSecret and stops on SIGTERM", async (t) => {
  const cluster = await startLocalCluster();
  t.after(() => cluster.close());
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-eso-cli-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, cluster.kubeconfig());
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  const client = new KubeClient(kc);
  await installCrds(client);
  await client.create({
    apiVersion: "external-secrets.io/v1",
    kind: "SecretStore",
    metadata: { namespace: "default", name: "fake" },
    spec: { provider: { fake: { data: [{ key: "app/db", value: '{"user":"app"}' }] } } },
  });
  await client.create({
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { namespace: "default", name: "db" },
    spec: {
      secretStoreRef: { name: "fake", kind: "SecretStore" },
      dataFrom: [{ extract: { key: "app/db" } }],
    },
  });
  const controller = startCli(
    [
      "controller",
      "external-secrets",
      "--kubeconfig",
      kubeconfig,
      "--metrics-addr",
      "127.0.0.1:0",
      "--live-addr",
      "127.0.0.1:0",
    ],
    t,
  );
  const secret = await waitFor(
    "the Secret",
    () => client.get({ apiVersion: "v1", kind: "Secret", namespace: "default", name: "db" }),
    { timeoutMs: 60_000 },
  );
  assert.equal(
    Buffer.from(
      (secret as { data?: Record<string, string> }).data?.user ?? "",
      "base64",
    ).toString(),
    "app",
  );
  controller.child.kill("SIGTERM");
  assert.equal(await controller.exit, 0, controller.stderr());
  assert.equal(controller.stdout(), "", "stdout carries data only");
  assert.match(controller.stderr(), /external-secrets controllers starting/);
});
