import assert from "node:assert/strict";
import { test } from "node:test";
import { gitopsRepoURL, startHub } from "../../test/e2e/appset-hub.js";
import {
  clustersGenerator,
  fixedAppSet,
  plantedTokens,
  seedHub,
  waitForApps,
  waitForCondition,
} from "../../test/e2e/appset-seeds.js";
import { runCliAsync, startCli, type CliResult } from "../../test/support/cli.js";
import { waitFor } from "../../test/support/wait.js";

const cli = (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> =>
  runCliAsync(args, { env });

test("secretfleet controller applicationset --help lists Argo CD's flags and ours", async () => {
  const help = await cli(["controller", "applicationset", "--help"]);
  assert.equal(help.status, 0, help.stderr);
  for (const flag of [
    "--kubeconfig",
    "--namespace",
    "--policy",
    "--enable-policy-override",
    "--max-deletions",
    "--repo",
    "--concurrent-reconciliations",
    "--enable-new-git-file-globbing",
    "--metrics-addr",
    "--probe-addr",
    "--loglevel",
  ]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
});

test("secretfleet controller applicationset refuses bad flags with exit status 2 before connecting", async () => {
  const cases: [string[], RegExp][] = [
    [["--policy", "delete-all"], /--policy: invalid policy "delete-all": want create-only/],
    [["--max-deletions", "-1"], /invalid --max-deletions "-1": want a non-negative integer/],
    [["--max-deletions", "some"], /invalid --max-deletions "some"/],
    [
      ["--repo", "https://github.com/org/repo"],
      /--repo "https:\/\/github.com\/org\/repo": want URL=PATH/,
    ],
    [["--repo", "https://x=/nonexistent/repo"], /"\/nonexistent\/repo" does not exist/],
    [["--concurrent-reconciliations", "0"], /invalid --concurrent-reconciliations "0"/],
    [["--enable-policy-override=maybe"], /invalid boolean "maybe"/],
    [["--probe-addr", "8081"], /invalid --probe-addr "8081"/],
  ];
  for (const [args, message] of cases) {
    // A kubeconfig that does not exist: the flags must be refused before it is read.
    const result = await cli([
      "controller",
      "applicationset",
      "--kubeconfig",
      "/nonexistent/kubeconfig",
      ...args,
    ]);
    assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, "");
  }
  // The policy variable is read as Argo CD reads it.
  const fromEnv = await cli(["controller", "applicationset"], {
    ...process.env,
    ARGOCD_APPLICATIONSET_CONTROLLER_POLICY: "nope",
  });
  assert.equal(fromEnv.status, 2, fromEnv.stderr);
  assert.match(fromEnv.stderr, /invalid policy "nope"/);
});

test("secretfleet controller applicationset owns the seeds' Applications on a hub, --max-deletions holds, SIGTERM stops", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  const controller = startCli(
    [
      "controller",
      "applicationset",
      "--kubeconfig",
      hub.kubeconfig,
      "--namespace",
      "argocd",
      "--repo",
      `${gitopsRepoURL}=${hub.repo.path}`,
      "--max-deletions",
      "1",
      "--metrics-addr",
      "127.0.0.1:0",
      "--probe-addr",
      "127.0.0.1:0",
    ],
    t,
  );
  const appSet = fixedAppSet();
  await hub.apply([appSet]);
  const apps = await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]);
  const managers = (apps.get("my-app-prod-eu")?.metadata?.managedFields ?? []) as {
    manager?: string;
  }[];
  assert.deepEqual(
    managers.map((entry) => entry.manager),
    ["argocd-applicationset-controller"],
  );
  await waitForCondition(hub, "my-app", "ResourcesUpToDate", "True");

  // A selector that matches no cluster would delete both: the flag's limit refuses it.
  clustersGenerator(appSet).selector = { matchLabels: { env: "nowhere" } };
  await hub.apply([appSet]);
  const blocked = await waitForCondition(hub, "my-app", "ErrorOccurred", "True");
  assert.equal(blocked.reason, "DeleteApplicationError");
  assert.match(blocked.message, /more than --max-deletions 1 allows/);
  await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]);

  controller.child.kill("SIGTERM");
  assert.equal(
    await waitFor("the controller to exit", () => controller.exit, { timeoutMs: 30_000 }),
    0,
    controller.stderr(),
  );
  assert.equal(controller.stdout(), "", "stdout carries data only");
  assert.match(controller.stderr(), /applicationset controller starting/);
  for (const token of plantedTokens)
    assert.ok(!controller.stderr().includes(token), `${token} leaked`);
});
