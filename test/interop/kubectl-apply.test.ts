/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but its serializer sends plain objects */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { testdata } from "../support/paths.js";
import { haveKubectl, kubectlHarness } from "./kubectl-support.js";

let kubectlPresent = false;
before(async () => {
  kubectlPresent = await haveKubectl();
});

const configMap = (b: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: default
  labels:
    app: web
data:
  a: "1"
  b: "${b}"
`;

test("kubectl apply -f creates, leaves unchanged, then patches a ConfigMap (client-side apply)", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const file = h.file("cm.yaml", configMap("2"));
  assert.equal((await h.kubectl(["apply", "-f", file])).stdout, "configmap/app-config created\n");
  assert.equal((await h.kubectl(["apply", "-f", file])).stdout, "configmap/app-config unchanged\n");
  h.file("cm.yaml", configMap("3"));
  assert.equal(
    (await h.kubectl(["apply", "-f", file])).stdout,
    "configmap/app-config configured\n",
  );
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const read = await core.readNamespacedConfigMap({ name: "app-config", namespace: "default" });
  assert.deepEqual(read.data, { a: "1", b: "3" });
  assert.match(
    read.metadata?.annotations?.["kubectl.kubernetes.io/last-applied-configuration"] ?? "",
    /"b":"3"/,
  );
  assert.deepEqual(
    read.metadata?.managedFields?.map((m) => [m.manager, m.operation]),
    [["kubectl-client-side-apply", "Update"]],
  );
});

test("kubectl apply --server-side conflicts with another manager, then wins with --force-conflicts", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const file = h.file("cm.yaml", configMap("2"));
  const first = await h.kubectl(["apply", "--server-side", "--field-manager=team-a", "-f", file]);
  assert.equal(first.stdout, "configmap/app-config serverside-applied\n", first.stderr);
  h.file("cm.yaml", configMap("9"));
  const conflict = await h.kubectl([
    "apply",
    "--server-side",
    "--field-manager=team-b",
    "-f",
    file,
  ]);
  assert.equal(conflict.status, 1);
  assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "team-a": \.data\.b/);
  assert.match(conflict.stderr, /--force-conflicts/);
  const forced = await h.kubectl([
    "apply",
    "--server-side",
    "--field-manager=team-b",
    "--force-conflicts",
    "-f",
    file,
  ]);
  assert.equal(forced.stdout, "configmap/app-config serverside-applied\n", forced.stderr);
  const fields = await h.kubectl([
    "get",
    "cm",
    "app-config",
    "-o",
    "json",
    "--show-managed-fields",
  ]);
  const obj = JSON.parse(fields.stdout) as {
    data: Record<string, string>;
    metadata: {
      managedFields: { manager: string; fieldsV1: Record<string, Record<string, unknown>> }[];
    };
  };
  assert.equal(obj.data.b, "9");
  const byManager = Object.fromEntries(
    obj.metadata.managedFields.map((m) => [
      m.manager,
      Object.keys(m.fieldsV1["f:data"] ?? {}).sort(),
    ]),
  );
  assert.deepEqual(
    byManager,
    { "team-a": ["f:a"], "team-b": ["f:a", "f:b"] },
    "b moved to team-b; a stays shared",
  );
});

test("server-side apply through client-node removes fields the manager stops applying", async (t) => {
  const h = await kubectlHarness(t);
  const objects = k8s.KubernetesObjectApi.makeApiClient(h.kc);
  const apply = (data: Record<string, string>): Promise<k8s.KubernetesObject> =>
    objects.patch(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "owned", namespace: "default" },
        data,
      } as k8s.KubernetesObject,
      undefined,
      undefined,
      "controller",
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
  await apply({ a: "1", b: "2" });
  const second = (await apply({ a: "1" })) as k8s.V1ConfigMap;
  assert.deepEqual(second.data, { a: "1" });
});

test("kubectl patch (merge, json), label, annotate and replace with a stale resourceVersion", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  await h.kubectl(["create", "configmap", "x", "--from-literal=a=1"]);
  const merge = await h.kubectl([
    "patch",
    "cm",
    "x",
    "--type",
    "merge",
    "-p",
    '{"data":{"c":"3"}}',
  ]);
  assert.equal(merge.stdout, "configmap/x patched\n", merge.stderr);
  const same = await h.kubectl(["patch", "cm", "x", "--type", "merge", "-p", '{"data":{"c":"3"}}']);
  assert.equal(same.stdout, "configmap/x patched (no change)\n");
  const json = await h.kubectl([
    "patch",
    "cm",
    "x",
    "--type",
    "json",
    "-p",
    '[{"op":"add","path":"/data/d","value":"4"}]',
  ]);
  assert.equal(json.status, 0, json.stderr);
  const failed = await h.kubectl([
    "patch",
    "cm",
    "x",
    "--type",
    "json",
    "-p",
    '[{"op":"remove","path":"/data/nope"}]',
  ]);
  assert.equal(failed.status, 1);
  assert.match(
    failed.stderr,
    /The request is invalid: the server rejected our request due to an error in our request/,
  );
  assert.equal(
    (await h.kubectl(["label", "cm", "x", "tier=backend"])).stdout,
    "configmap/x labeled\n",
  );
  assert.equal(
    (await h.kubectl(["annotate", "cm", "x", "note=hello"])).stdout,
    "configmap/x annotated\n",
  );
  const selected = await h.kubectl([
    "get",
    "cm",
    "-l",
    "tier in (backend),app!=web",
    "-o",
    "jsonpath={.items[*].metadata.name}",
  ]);
  assert.equal(selected.stdout, "x");
  assert.equal((await h.kubectl(["label", "cm", "x", "tier-"])).stdout, "configmap/x unlabeled\n");
  const values = await h.kubectl([
    "get",
    "cm",
    "x",
    "-o",
    "jsonpath={.data.c}{.data.d}{.metadata.annotations.note}",
  ]);
  assert.equal(values.stdout, "34hello");
  const stale = h.file(
    "stale.yaml",
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: default\n  resourceVersion: "1"\ndata:\n  a: "2"\n',
  );
  const replaced = await h.kubectl(["replace", "-f", stale]);
  assert.equal(replaced.status, 1);
  assert.match(
    replaced.stderr,
    /Error from server \(Conflict\): error when replacing ".*stale\.yaml": Operation cannot be fulfilled on configmaps "x": the object has been modified/,
  );
});

test("kubectl create secret tls (protobuf) and a kubernetes.io/tls Secret missing its key is refused", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  // A real pair: kubectl parses both before it sends anything.
  const cert = testdata("sealing", "byo-2048.crt");
  const key = testdata("sealing", "byo-2048.key");
  const created = await h.kubectl([
    "create",
    "secret",
    "tls",
    "web-tls",
    `--cert=${cert}`,
    `--key=${key}`,
  ]);
  assert.equal(created.stdout, "secret/web-tls created\n", created.stderr);
  const type = await h.kubectl(["get", "secret", "web-tls", "-o", "jsonpath={.type}"]);
  assert.equal(type.stdout, "kubernetes.io/tls");
  const broken = h.file(
    "broken.yaml",
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\n  namespace: default\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: "x"\n',
  );
  const refused = await h.kubectl(["create", "-f", broken]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /The Secret "broken" is invalid: data\[tls\.key\]: Required value/);
});

test("kubectl wait --for=condition and --for=jsonpath against objects changed through client-node", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  const h = await kubectlHarness(t);
  const phase = await h.kubectl([
    "wait",
    "--for=jsonpath={.status.phase}=Active",
    "ns/default",
    "--timeout=10s",
  ]);
  assert.match(phase.stdout, /namespace\/default condition met/);
  const apps = h.kc.makeApiClient(k8s.AppsV1Api);
  await apps.createNamespacedDeployment({
    namespace: "default",
    body: {
      metadata: { name: "web" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "nginx" }] },
        },
      },
    },
  });
  const waiting = h.spawnKubectl([
    "wait",
    "--for=condition=Available",
    "deployment/web",
    "--timeout=30s",
  ]);
  t.after(() => waiting.stop());
  await apps.patchNamespacedDeploymentStatus(
    {
      name: "web",
      namespace: "default",
      body: { status: { conditions: [{ type: "Available", status: "True" }] } },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  const result = await waiting.exited(30_000);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /deployment\.apps\/web condition met/);
});
