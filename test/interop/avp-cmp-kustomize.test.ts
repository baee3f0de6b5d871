// deploy/argocd-cmp as kubectl's kustomize builds it into an Argo CD install: three sidecars
// running Argo CD's cmp-server, each with its plugin config, all calling `secretfleet avp generate`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot } from "../support/paths.js";

interface Container {
  name: string;
  command?: string[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}

interface Rendered {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template: { spec: { containers: Container[] } } };
}

const repoServer = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
  namespace: argocd
spec:
  selector:
    matchLabels: {app: repo}
  template:
    metadata:
      labels: {app: repo}
    spec:
      volumes: [{name: var-files, emptyDir: {}}, {name: plugins, emptyDir: {}}]
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v2.13.0
`;

test("kubectl kustomize adds the secretfleet CMP sidecars and plugin configs to argocd-repo-server", (t) => {
  if (spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status !== 0) {
    t.skip("kubectl not available");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "cmp-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, "repo-server.yaml"), repoServer);
  const component = relative(dir, join(repoRoot, "deploy", "argocd-cmp"));
  writeFileSync(
    join(dir, "kustomization.yaml"),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [repo-server.yaml]\ncomponents: [${component}]\n`,
  );
  const built = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
  const objects = parseAllDocuments(built.stdout).map((doc) => doc.toJS() as Rendered);
  const plugins = objects.find((object) => object.kind === "ConfigMap")?.data ?? {};
  const deployment = objects.find((object) => object.kind === "Deployment");
  const containers = deployment?.spec?.template.spec.containers ?? [];
  assert.deepEqual(containers.map((container) => container.name).sort(), [
    "argocd-repo-server",
    "avp",
    "avp-helm",
    "avp-kustomize",
  ]);
  const names: string[] = [];
  for (const container of containers.filter((c) => c.name !== "argocd-repo-server")) {
    assert.deepEqual(container.command, ["/var/run/argocd/argocd-cmp-server"]);
    const config = container.volumeMounts?.find(
      (mount) => mount.mountPath === "/home/argocd/cmp-server/config/plugin.yaml",
    );
    const text = plugins[config?.subPath ?? ""];
    assert.ok(text !== undefined, `${container.name}: plugin config missing`);
    const plugin = parse(text) as {
      metadata: { name: string };
      spec: { generate: { command: string[] } };
    };
    names.push(plugin.metadata.name);
    assert.match(plugin.spec.generate.command.join(" "), /secretfleet avp generate (\.|-)/);
  }
  assert.deepEqual(names.sort(), [
    "argocd-vault-plugin",
    "argocd-vault-plugin-helm",
    "argocd-vault-plugin-kustomize",
  ]);
  assert.ok(objects.some((object) => object.kind === "RoleBinding"));
});
