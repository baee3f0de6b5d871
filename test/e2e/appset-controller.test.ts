// The ApplicationSet controller on a local hub (localcluster + kubectl): the seeds' example end to
// end, policies, errors that must write nothing, the --max-deletions guard and restarts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import type { KubeObject } from "../../src/kube/index.js";
import { waitFor } from "../support/wait.js";
import { gitopsRepoURL, startHub } from "./appset-hub.js";
import {
  clustersGenerator,
  condition,
  conditionsOf,
  fixedAppSet,
  plantedTokens,
  seeds,
  seedHub,
  valuesFiles,
  waitForApps,
  waitForCondition,
} from "./appset-seeds.js";

test("the seeds' fixed example makes exactly the two production Applications Argo CD would", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  const controller = hub.startController();
  await hub.apply([fixedAppSet()]);
  const apps = await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]);
  const appSet = await hub.appSet("my-app");
  for (const cluster of ["prod-cluster", "prod-eu"]) {
    const app = apps.get(`my-app-${cluster}`);
    assert.deepEqual(app?.spec, {
      project: "default",
      sources: [
        {
          repoURL: "https://github.com/org/my-app",
          targetRevision: "HEAD",
          helm: { valueFiles: [`$values/clusters/${cluster}/values.yaml`] },
        },
        { repoURL: gitopsRepoURL, targetRevision: "HEAD", ref: "values" },
      ],
      destination: { server: `https://${cluster}.example.com`, namespace: "my-app" },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    assert.deepEqual(app.metadata?.finalizers, ["resources-finalizer.argocd.argoproj.io"]);
    assert.deepEqual(app.metadata.ownerReferences, [
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "ApplicationSet",
        name: "my-app",
        uid: appSet?.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.ok(
      (app.metadata.managedFields as { manager?: string }[]).some(
        (entry) => entry.manager === "argocd-applicationset-controller",
      ),
    );
  }
  await waitFor("the up-to-date conditions", async () =>
    condition(await hub.appSet("my-app"), "ResourcesUpToDate")?.status === "True"
      ? true
      : undefined,
  );
  const done = await hub.appSet("my-app");
  assert.deepEqual(conditionsOf(done), [
    {
      type: "ErrorOccurred",
      status: "False",
      reason: "ApplicationSetUpToDate",
      message: "All applications have been generated successfully",
    },
    {
      type: "ParametersGenerated",
      status: "True",
      reason: "ParametersGenerated",
      message: "Successfully generated parameters for all Applications",
    },
    {
      type: "ResourcesUpToDate",
      status: "True",
      reason: "ApplicationSetUpToDate",
      message: "All applications have been generated successfully",
    },
  ]);
  const status = done?.status as { resources?: { name: string }[]; resourcesCount?: number };
  assert.deepEqual(
    status.resources?.map((r) => r.name),
    ["my-app-prod-cluster", "my-app-prod-eu"],
  );
  const table = await hub.kubectl(["get", "applications", "-n", "argocd", "-o", "name"]);
  assert.equal(
    table,
    "application.argoproj.io/my-app-prod-cluster\napplication.argoproj.io/my-app-prod-eu\n",
  );
  const events = await hub.events("my-app");
  assert.deepEqual(events.map((e) => `${e.reason as string}: ${e.message as string}`).sort(), [
    'created: created Application "my-app-prod-cluster"',
    'created: created Application "my-app-prod-eu"',
  ]);
  // No cluster credential reaches the Applications, the status, the events or the logs.
  const outputs = [
    stringify([...apps.values()]),
    stringify(done),
    stringify(events),
    controller.logs(),
  ].join("\n");
  for (const token of plantedTokens) assert.ok(!outputs.includes(token), `${token} leaked`);
});

function productionCluster(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      namespace: "argocd",
      labels: { "argocd.argoproj.io/secret-type": "cluster", env: "production" },
    },
    stringData: { name, server: `https://${name}.example.com`, config: "{}" },
  };
}

function versions(apps: Map<string, KubeObject>): Record<string, string> {
  return Object.fromEntries(
    [...apps].map(([name, app]) => [name, app.metadata?.resourceVersion ?? ""]),
  );
}

test("a new, changed or removed cluster changes only its own Application", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  hub.repo.commit(valuesFiles("prod-ap"));
  const controller = hub.startController();
  await hub.apply([fixedAppSet()]);
  const before = await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]);
  await waitFor("the first status", async () =>
    condition(await hub.appSet("my-app"), "ResourcesUpToDate"),
  );

  // A labelled cluster Secret appears: its Application is created, the others are not touched.
  const writesBefore = controller.writes().length;
  await hub.apply([productionCluster("prod-ap")]);
  const after = await waitForApps(hub, ["my-app-prod-ap", "my-app-prod-cluster", "my-app-prod-eu"]);
  assert.equal(after.get("my-app-prod-ap")?.spec !== undefined, true);
  assert.deepEqual((after.get("my-app-prod-ap")?.spec as { destination?: unknown }).destination, {
    server: "https://prod-ap.example.com",
    namespace: "my-app",
  });
  for (const name of ["my-app-prod-cluster", "my-app-prod-eu"])
    assert.equal(
      after.get(name)?.metadata?.resourceVersion,
      before.get(name)?.metadata?.resourceVersion,
    );
  const appWrites = controller
    .writes()
    .slice(writesBefore)
    .filter((w) => w.kind === "Application");
  assert.deepEqual(
    appWrites.map((w) => `${w.verb} ${w.name}`),
    ["create my-app-prod-ap"],
  );

  // A cluster relabelled out of production: its Application goes (policy sync); the cluster is
  // still registered, so the resources finalizer stays and Argo CD would delete its resources.
  await hub.kubectl(["label", "secret", "-n", "argocd", "prod-ap", "env=staging", "--overwrite"]);
  await waitFor("my-app-prod-ap marked for deletion", async () => {
    const app = (await hub.applications()).get("my-app-prod-ap");
    return app === undefined || app.metadata?.deletionTimestamp !== undefined;
  });

  // A cluster Secret removed: its Application loses the resources finalizer (the destination is
  // gone, so nothing could ever finalize it) and is deleted.
  const kept = versions(await hub.applications());
  await hub.kubectl(["delete", "secret", "-n", "argocd", "prod-eu"]);
  await waitFor(
    "my-app-prod-eu deleted",
    async () => !(await hub.applications()).has("my-app-prod-eu"),
  );
  assert.equal(
    (await hub.applications()).get("my-app-prod-cluster")?.metadata?.resourceVersion,
    kept["my-app-prod-cluster"],
  );
  const events = (await hub.events("my-app")).map(
    (e) => `${e.reason as string}: ${e.message as string}`,
  );
  assert.ok(events.includes('Deleted: Deleted Application "my-app-prod-eu"'), events.join("\n"));
  assert.ok(
    events.includes(
      'Updated: Updated Application "my-app-prod-eu" finalizer before deletion, because application has an invalid destination',
    ),
    events.join("\n"),
  );
});

test("a template change updates every Application with a merge patch, and a restart in sync writes nothing", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  let controller = hub.startController();
  const appSet = fixedAppSet();
  await hub.apply([appSet]);
  await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]);

  // The values path moves: both Applications are updated in place (same uid).
  const uids = Object.fromEntries(
    [...(await hub.applications())].map(([n, a]) => [n, a.metadata?.uid]),
  );
  const changed = stringify(appSet)
    .replaceAll("clusters/{{name}}/values.yaml", "clusters/{{name}}/values.yaml")
    .replace(
      "- $values/clusters/{{name}}/values.yaml",
      "- $values/clusters/{{name}}/values-v2.yaml",
    );
  await hub.apply(changed);
  const updated = await waitFor("the new values path", async () => {
    const apps = await hub.applications();
    const files = [...apps.values()].map(
      (app) =>
        (app.spec as { sources: { helm?: { valueFiles: string[] } }[] }).sources[0]?.helm
          ?.valueFiles[0],
    );
    return files.every((f) => f?.endsWith("values-v2.yaml") === true) ? apps : undefined;
  });
  for (const [name, app] of updated) assert.equal(app.metadata?.uid, uids[name]);
  const patches = controller.writes().filter((w) => w.kind === "Application" && w.verb === "patch");
  assert.equal(patches.length, 2);
  assert.deepEqual(patches[0]?.body, {
    spec: {
      sources: [
        {
          repoURL: "https://github.com/org/my-app",
          targetRevision: "HEAD",
          helm: { valueFiles: ["$values/clusters/prod-cluster/values-v2.yaml"] },
        },
        { repoURL: gitopsRepoURL, targetRevision: "HEAD", ref: "values" },
      ],
    },
  });
  await waitFor("the status after the update", async () =>
    condition(await hub.appSet("my-app"), "ResourcesUpToDate")?.status === "True"
      ? true
      : undefined,
  );
  await controller.settled();
  const stored = versions(await hub.applications());
  const storedSet = (await hub.appSet("my-app"))?.metadata?.resourceVersion;

  // Restart: the new controller reconciles and finds nothing to do.
  await controller.stop();
  controller = hub.startController();
  await controller.settled();
  assert.deepEqual(controller.writes(), []);
  assert.deepEqual(versions(await hub.applications()), stored);
  assert.equal((await hub.appSet("my-app"))?.metadata?.resourceVersion, storedSet);
});

function withSpec(
  appSet: Record<string, unknown>,
  change: (spec: Record<string, unknown>) => void,
): KubeObject {
  const copy = structuredClone(appSet);
  change(copy.spec as Record<string, unknown>);
  return copy;
}

test("the seeds' original example: duplicate names, Argo CD's message, nothing written", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  const controller = hub.startController();
  await hub.apply([fixedAppSet()]);
  const before = versions(await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]));
  await waitForCondition(hub, "my-app", "ResourcesUpToDate", "True");
  const writesBefore = controller.writes().length;
  const reconciled = await controller.reconciles();

  await hub.apply(readFileSync(join(seeds, "my-app.yaml"), "utf8"));
  const error = await waitForCondition(hub, "my-app", "ErrorOccurred", "True");
  assert.deepEqual(error, {
    type: "ErrorOccurred",
    status: "True",
    reason: "ApplicationValidationError",
    message:
      "ApplicationSet my-app contains applications with duplicate name: my-app-prod-eu (and 1 more)",
  });
  assert.deepEqual(condition(await hub.appSet("my-app"), "ParametersGenerated")?.status, "True");
  assert.deepEqual(condition(await hub.appSet("my-app"), "ResourcesUpToDate"), {
    type: "ResourcesUpToDate",
    status: "False",
    reason: "ErrorOccurred",
    message:
      "ApplicationSet my-app contains applications with duplicate name: my-app-prod-eu (and 1 more)",
  });
  // Both copies of each name are skipped: the existing Applications are neither updated nor deleted.
  await controller.settled(reconciled);
  assert.deepEqual(versions(await hub.applications()), before);
  assert.deepEqual(
    controller
      .writes()
      .slice(writesBefore)
      .map((w) => `${w.verb} ${w.kind}`),
    ["patch-status ApplicationSet"],
  );
});

test("a generator error deletes nothing and writes only the error condition", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  const controller = hub.startController();
  const appSet = fixedAppSet();
  await hub.apply([appSet]);
  const before = versions(await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]));
  await waitForCondition(hub, "my-app", "ResourcesUpToDate", "True");

  // A selector Kubernetes rejects.
  await hub.apply([
    withSpec(appSet, (spec) => {
      const generators = spec.generators as {
        matrix: { generators: { clusters: Record<string, unknown> }[] };
      }[];
      generators[0]!.matrix.generators[0]!.clusters.selector = {
        matchExpressions: [{ key: "env", operator: "In", values: [] }],
      };
    }),
  ]);
  const bad = await waitForCondition(hub, "my-app", "ErrorOccurred", "True");
  assert.equal(bad.reason, "ApplicationGenerationFromParamsError");
  assert.match(bad.message, /values/);
  assert.equal(condition(await hub.appSet("my-app"), "ParametersGenerated")?.status, "False");

  // A repository the controller cannot read.
  const reconciled = await controller.reconciles();
  await hub.apply([
    withSpec(appSet, (spec) => {
      const generators = spec.generators as {
        matrix: { generators: { git: Record<string, unknown> }[] };
      }[];
      generators[0]!.matrix.generators[1]!.git.repoURL = "https://github.com/org/missing";
    }),
  ]);
  const missing = await waitFor("the missing repository error", async () => {
    const found = condition(await hub.appSet("my-app"), "ErrorOccurred");
    return found?.message.includes("https://github.com/org/missing") === true ? found : undefined;
  });
  assert.equal(missing.reason, "ApplicationGenerationFromParamsError");
  await controller.settled(reconciled);
  assert.deepEqual(versions(await hub.applications()), before);
  assert.deepEqual(
    controller.writes().filter((w) => w.kind === "Application" && w.verb !== "create"),
    [],
  );
});

test("--max-deletions refuses a mass deletion: a condition and a Warning event, nothing deleted", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  const controller = hub.startController({ maxDeletions: 1 });
  const appSet = fixedAppSet();
  await hub.apply([appSet]);
  const before = versions(await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]));
  await waitForCondition(hub, "my-app", "ResourcesUpToDate", "True");

  // A valid selector that matches no cluster any more would delete both Applications.
  const reconciled = await controller.reconciles();
  await hub.apply(
    [withSpec(appSet, () => undefined)].map((obj) => {
      clustersGenerator(obj).selector = { matchLabels: { env: "prod" } };
      return obj;
    }),
  );
  const blocked = await waitForCondition(hub, "my-app", "ErrorOccurred", "True");
  assert.deepEqual(blocked, {
    type: "ErrorOccurred",
    status: "True",
    reason: "DeleteApplicationError",
    message:
      "refusing to delete 2 Applications, more than --max-deletions 1 allows in one reconcile: my-app-prod-cluster, my-app-prod-eu",
  });
  const warning = await waitFor("the Warning event", async () =>
    (await hub.events("my-app")).find((e) => e.type === "Warning"),
  );
  assert.equal(warning.reason, "DeletionsBlocked");
  await controller.settled(reconciled);
  assert.deepEqual(versions(await hub.applications()), before);
  assert.ok(!controller.writes().some((w) => w.verb === "delete"));

  // One deletion at a time is within the limit.
  await hub.apply([fixedAppSet()]);
  await waitForCondition(hub, "my-app", "ErrorOccurred", "False");
  await hub.kubectl(["label", "secret", "-n", "argocd", "prod-eu", "env-"]);
  await waitFor("my-app-prod-eu marked for deletion", async () => {
    const app = (await hub.applications()).get("my-app-prod-eu");
    return app === undefined || app.metadata?.deletionTimestamp !== undefined;
  });
});

test("policies: create-update keeps Applications, create-only does not update, the controller policy wins without override", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  const controller = hub.startController({
    policy: { policy: "sync", enablePolicyOverride: true },
  });
  const appSet = withSpec(fixedAppSet(), (spec) => {
    spec.syncPolicy = { applicationsSync: "create-update" };
  });
  await hub.apply([appSet]);
  await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]);
  await waitForCondition(hub, "my-app", "ResourcesUpToDate", "True");
  const reconciled = await controller.reconciles();
  await hub.kubectl(["delete", "secret", "-n", "argocd", "prod-eu"]);
  await controller.settled(reconciled);
  assert.ok(
    (await hub.applications()).has("my-app-prod-eu"),
    "create-update keeps the Application",
  );

  // create-only: a template change is not applied to existing Applications.
  const writes = controller.writes().length;
  const changed = await controller.reconciles();
  await hub.apply([
    withSpec(appSet, (spec) => {
      spec.syncPolicy = { applicationsSync: "create-only" };
      (spec.template as { metadata: { labels?: Record<string, string> } }).metadata.labels = {
        team: "a",
      };
    }),
  ]);
  await controller.settled(changed);
  assert.deepEqual(
    controller
      .writes()
      .slice(writes)
      .filter((w) => w.kind === "Application"),
    [],
  );
  await controller.stop();

  // Override disabled: the controller's policy (sync) applies and the orphan goes.
  const strict = hub.startController({
    policy: { policy: "sync", enablePolicyOverride: false },
  });
  await waitFor(
    "my-app-prod-eu deleted",
    async () => !(await hub.applications()).has("my-app-prod-eu"),
  );
  const labels = (await hub.applications()).get("my-app-prod-cluster")?.metadata?.labels;
  assert.deepEqual(labels, { team: "a" });
  await strict.stop();
});

test("a malformed ApplicationSet gets a condition naming the field while the others reconcile", async (t) => {
  const hub = await startHub(t);
  await seedHub(hub);
  hub.startController();
  const bad = withSpec(fixedAppSet(), (spec) => {
    spec.goTemplateOptions = ["missingkey=bogus"];
  });
  (bad.metadata as { name: string }).name = "broken";
  await hub.apply([bad, fixedAppSet()]);
  await waitForApps(hub, ["my-app-prod-cluster", "my-app-prod-eu"]);
  const error = await waitForCondition(hub, "broken", "ErrorOccurred", "True");
  assert.deepEqual(error, {
    type: "ErrorOccurred",
    status: "True",
    reason: "ApplicationGenerationFromParamsError",
    message: 'spec.goTemplateOptions[0]: unrecognized option: "missingkey=bogus"',
  });
  await waitForCondition(hub, "my-app", "ResourcesUpToDate", "True");
});
