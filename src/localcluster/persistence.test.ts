/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are classes, but its serializer sends plain objects */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { TestContext } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { cliPath } from "../../test/support/paths.js";
import { startLocalCluster } from "./index.js";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-data-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function coreClient(kubeconfig: string): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  return kc.makeApiClient(k8s.CoreV1Api);
}

test("a cluster restarted on the same --data-dir keeps objects, resourceVersions and CRDs", async (t) => {
  const dataDir = tempDir(t);
  const first = await startLocalCluster({ dataDir });
  const core = coreClient(first.kubeconfig());
  await core.createNamespace({ body: { metadata: { name: "kept" } } });
  const secret = await core.createNamespacedSecret({
    namespace: "kept",
    body: { metadata: { name: "s" }, stringData: { k: "v" } },
  });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(first.kubeconfig());
  await kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({
    body: {
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "widgets", kind: "Widget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: { type: "object", x_kubernetes_preserve_unknown_fields: true },
            },
          },
        ],
      },
    },
  });
  const before = await core.listNamespacedSecret({ namespace: "kept" });
  await first.close();

  const second = await startLocalCluster({ dataDir });
  t.after(() => second.close());
  const again = coreClient(second.kubeconfig());
  const read = await again.readNamespacedSecret({ name: "s", namespace: "kept" });
  assert.equal(read.metadata?.resourceVersion, secret.metadata?.resourceVersion);
  assert.equal(read.metadata?.uid, secret.metadata?.uid);
  const next = await again.createNamespacedConfigMap({
    namespace: "kept",
    body: { metadata: { name: "after" } },
  });
  assert.ok(
    Number(next.metadata?.resourceVersion) > Number(before.metadata?.resourceVersion),
    "revisions continue, never reused",
  );
  const widgets = await fetch(`${second.url}/apis/example.com/v1/namespaces/kept/widgets`);
  assert.equal(widgets.status, 200, "the CRD's resources are served right after the restart");
});

interface Child {
  process: ChildProcess;
  url: Promise<string>;
}

function devCluster(dataDir: string, kubeconfig: string): Child {
  const child = spawn(
    process.execPath,
    [cliPath, "dev", "cluster", "--port", "0", "--data-dir", dataDir, "--kubeconfig", kubeconfig],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const url = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(http:\/\/\S+)\n/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on("exit", () => {
      reject(new Error("dev cluster exited before it was ready"));
    });
  });
  return { process: child, url };
}

test("kill -9 of a dev cluster in the middle of writes, then a restart: every acknowledged write is there", async (t) => {
  const dataDir = tempDir(t);
  const kubeconfig = join(dataDir, "kubeconfig");
  const first = devCluster(dataDir, kubeconfig);
  t.after(() => first.process.kill("SIGKILL"));
  await first.url;
  const core = coreClient(readFileSync(kubeconfig, "utf8"));
  const acknowledged = new Map<string, string>();
  const exited = new Promise((resolve) => first.process.on("exit", resolve));
  let killed = false;
  const writer = async (worker: number): Promise<void> => {
    for (let i = 0; i < 400 && !killed; i++) {
      const name = `w${worker}-${i}`;
      try {
        const made = await core.createNamespacedSecret({
          namespace: "default",
          body: { metadata: { name }, stringData: { n: String(i) } },
        });
        acknowledged.set(name, made.metadata?.resourceVersion ?? "");
        if (acknowledged.size === 60) {
          killed = true;
          first.process.kill("SIGKILL");
        }
      } catch {
        return;
      }
    }
  };
  await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(writer));
  await exited;
  assert.ok(acknowledged.size >= 60);

  const second = devCluster(dataDir, kubeconfig);
  t.after(() => second.process.kill("SIGKILL"));
  await second.url;
  const after = coreClient(readFileSync(kubeconfig, "utf8"));
  const list = await after.listNamespacedSecret({ namespace: "default" });
  const stored = new Map(
    list.items.map((s) => [s.metadata?.name ?? "", s.metadata?.resourceVersion ?? ""]),
  );
  for (const [name, rv] of acknowledged)
    assert.equal(stored.get(name), rv, `acknowledged ${name} survived with its resourceVersion`);
  const listRv = Number(list.metadata?.resourceVersion);
  assert.ok(
    [...stored.values()].every((rv) => Number(rv) <= listRv),
    "no object is newer than the store's revision",
  );
  const fresh = await after.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "post-crash" } },
  });
  assert.ok(Number(fresh.metadata?.resourceVersion) > listRv);
  second.process.kill("SIGTERM");
});
