import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, test } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import { shared } from "../support/paths.js";
import { eventually, haveKubectl, kubectlHarness } from "./kubectl-support.js";

let kubectlPresent = false;
before(async () => {
  kubectlPresent = await haveKubectl();
});

const crdPath = shared("upstream", "sealed-secrets", "crd-bitnami.com_sealedsecrets.yaml");

const sealedSecret = `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: mysecret
  namespace: default
spec:
  encryptedData:
    password: AgBy3i4OJSWK+PiTySYZZA==
  template:
    metadata:
      name: mysecret
    type: Opaque
`;

test("the SealedSecret CRD through kubectl: apply, wait Established, CRs with printer columns, status, delete", async (t) => {
  if (!kubectlPresent) {
    t.skip("kubectl not installed");
    return;
  }
  if (crdPath === undefined) {
    t.skip("../shared not available");
    return;
  }
  const h = await kubectlHarness(t);
  const applied = await h.kubectl(["apply", "-f", crdPath]);
  assert.equal(
    applied.stdout,
    "customresourcedefinition.apiextensions.k8s.io/sealedsecrets.bitnami.com created\n",
    applied.stderr,
  );
  const waited = await h.kubectl([
    "wait",
    "--for",
    "condition=established",
    "--timeout=20s",
    "crd/sealedsecrets.bitnami.com",
  ]);
  assert.match(waited.stdout, /condition met/);
  const resources = await h.kubectl(["api-resources", "--api-group=bitnami.com"]);
  assert.match(resources.stdout, /^sealedsecrets\s+bitnami\.com\/v1alpha1\s+true\s+SealedSecret$/m);

  const bogus = await h.kubectl([
    "apply",
    "-f",
    h.file("bogus.yaml", `${sealedSecret}  bogus: 1\n`),
  ]);
  assert.equal(bogus.status, 1);
  assert.match(bogus.stderr, /strict decoding error: unknown field "spec\.bogus"/);
  const created = await h.kubectl(["apply", "-f", h.file("ss.yaml", sealedSecret)]);
  assert.equal(created.stdout, "sealedsecret.bitnami.com/mysecret created\n", created.stderr);

  const smp = await h.kubectl(["patch", "sealedsecret", "mysecret", "-p", '{"spec":{"x":1}}']);
  assert.equal(smp.status, 1);
  assert.match(
    smp.stderr,
    /application\/strategic-merge-patch\+json is not supported by bitnami\.com\/v1alpha1, Kind=SealedSecret/,
  );
  const status = await h.kubectl([
    "patch",
    "sealedsecret",
    "mysecret",
    "--subresource=status",
    "--type",
    "merge",
    "-p",
    '{"status":{"conditions":[{"type":"Synced","status":"True","message":"unsealed"}]}}',
  ]);
  assert.equal(status.status, 0, status.stderr);
  const table = await h.kubectl(["get", "sealedsecrets"]);
  assert.match(table.stdout, /^NAME\s+STATUS\s+SYNCED\s+AGE\nmysecret\s+unsealed\s+True\s+\d+s\n$/);
  const generation = await h.kubectl([
    "get",
    "sealedsecret",
    "mysecret",
    "-o",
    "jsonpath={.metadata.generation}",
  ]);
  assert.equal(generation.stdout, "1", "a status write does not bump generation");

  const deleted = await h.kubectl(["delete", "crd", "sealedsecrets.bitnami.com"]);
  assert.equal(deleted.status, 0, deleted.stderr);
  const crds = await h.kubectl(["get", "crd", "-o", "name"]);
  assert.equal(crds.stdout, "");
});

test("the SealedSecret CRD through client-node: defaults, validation errors, generation, instance cleanup", async (t) => {
  if (crdPath === undefined) {
    t.skip("../shared not available");
    return;
  }
  const h = await kubectlHarness(t);
  const extensions = h.kc.makeApiClient(k8s.ApiextensionsV1Api);
  const crd = parse(readFileSync(crdPath, "utf8")) as k8s.V1CustomResourceDefinition;
  const created = await extensions.createCustomResourceDefinition({ body: crd });
  assert.equal(created.spec.conversion?.strategy, "None");
  assert.equal(created.metadata?.generation, 1);
  assert.ok(
    await eventually(async () => {
      const read = await extensions.readCustomResourceDefinition({
        name: "sealedsecrets.bitnami.com",
      });
      return (
        read.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ===
        true
      );
    }),
  );
  const custom = h.kc.makeApiClient(k8s.CustomObjectsApi);
  const target = {
    group: "bitnami.com",
    version: "v1alpha1",
    namespace: "default",
    plural: "sealedsecrets",
  };
  await assert.rejects(
    custom.createNamespacedCustomObject({
      ...target,
      body: {
        apiVersion: "bitnami.com/v1alpha1",
        kind: "SealedSecret",
        metadata: { name: "bad" },
        spec: { encryptedData: "nope" },
      },
    }),
    (error: { code: number; body: string }) => {
      const body = JSON.parse(error.body) as { reason: string; message: string };
      assert.equal(error.code, 422);
      assert.equal(body.reason, "Invalid");
      assert.match(
        body.message,
        /^SealedSecret\.bitnami\.com "bad" is invalid: spec\.encryptedData: Invalid value: "string": spec\.encryptedData in body must be of type object: "string"$/,
      );
      return true;
    },
  );
  const made = (await custom.createNamespacedCustomObject({
    ...target,
    body: {
      apiVersion: "bitnami.com/v1alpha1",
      kind: "SealedSecret",
      metadata: { name: "ok" },
      spec: { encryptedData: { a: "b" } },
    },
  })) as { metadata: { generation: number; resourceVersion: string } };
  assert.equal(made.metadata.generation, 1);
  const changed = (await custom.patchNamespacedCustomObject(
    { ...target, name: "ok", body: { spec: { encryptedData: { a: "c" } } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  )) as { metadata: { generation: number } };
  assert.equal(changed.metadata.generation, 2, "a spec change bumps generation");
  await extensions.deleteCustomResourceDefinition({ name: "sealedsecrets.bitnami.com" });
  assert.ok(
    await eventually(async () => {
      const list = await extensions.listCustomResourceDefinition();
      return list.items.length === 0;
    }),
    "the CRD goes once its instances are deleted",
  );
});
