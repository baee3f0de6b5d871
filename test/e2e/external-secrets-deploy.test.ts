// deploy/external-secrets as an operator would use it: kubectl applies the CRDs, the
// ServiceAccount and the Deployment to the local control plane and checks the RBAC objects
// (the local control plane serves no rbac.authorization.k8s.io, so `kubectl auth reconcile
// --dry-run=client` parses them with kubectl's own types). Then the CLI runs with the
// Deployment's own arguments behind a recording proxy, syncs an ExternalSecret and a PushSecret,
// and every request it made must be one the ClusterRole allows.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { KubeClient, type KubeObject } from "../../src/kube/index.js";
import { haveKubectl, kubectlHarness } from "../interop/kubectl-support.js";
import { startCli } from "../support/cli.js";
import { repoRoot } from "../support/paths.js";
import { waitFor } from "../support/wait.js";
import { decoded, readyCondition } from "./eso-support.js";

const deployDir = join(repoRoot, "deploy", "external-secrets");

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

interface Container {
  args?: string[];
}

interface DeploymentSpec {
  template: { spec: { serviceAccountName?: string; containers: Container[] } };
}

function documents(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(join(deployDir, file), "utf8")).map((doc) => {
    assert.deepEqual(doc.errors, [], `${file} parses`);
    return doc.toJS() as KubeObject;
  });
}

/** A request as RBAC sees it: API group, resource (with subresource), verb. */
interface Access {
  group: string;
  resource: string;
  verb: string;
}

// Kubernetes' request-info rules for resource paths; discovery (/api, /apis/G/V, /openapi,
// /version) is a non-resource URL every authenticated user may read.
function accessOf(method: string, url: string): Access | undefined {
  const parsed = new URL(url, "http://proxy");
  const parts = parsed.pathname.split("/").filter((part) => part !== "");
  let group: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 2) {
    group = "";
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 3) {
    group = parts[1] ?? "";
    rest = parts.slice(3);
  } else return undefined;
  if (rest.length === 0) return undefined;
  const namespaced = rest[0] === "namespaces" && rest.length >= 3;
  const [resource = "", name, subresource] = namespaced ? rest.slice(2) : rest;
  const verbs: Record<string, string> = {
    POST: "create",
    PUT: "update",
    PATCH: "patch",
    DELETE: name === undefined ? "deletecollection" : "delete",
  };
  const verb =
    method === "GET"
      ? name !== undefined
        ? "get"
        : parsed.searchParams.get("watch") === "true"
          ? "watch"
          : "list"
      : (verbs[method] ?? method.toLowerCase());
  return {
    group,
    resource: subresource === undefined ? resource : `${resource}/${subresource}`,
    verb,
  };
}

function allowed(rules: readonly Rule[], access: Access): boolean {
  const has = (list: string[] | undefined, value: string): boolean =>
    list?.includes(value) === true || list?.includes("*") === true;
  return rules.some(
    (rule) =>
      has(rule.apiGroups, access.group) &&
      has(rule.resources, access.resource) &&
      has(rule.verbs, access.verb),
  );
}

/** An HTTP proxy in front of the API server that records every request. */
async function recordingProxy(
  target: string,
  seen: Access[],
): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const access = accessOf(req.method ?? "GET", req.url ?? "/");
    if (access !== undefined) seen.push(access);
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

test("deploy/external-secrets: kubectl applies the CRDs and Deployment, the RBAC parses, and the controller run with the Deployment's arguments needs nothing the ClusterRole does not grant", async (t) => {
  if (!(await haveKubectl())) {
    t.skip("kubectl not available");
    return;
  }
  const kube = await kubectlHarness(t);
  const client = new KubeClient(kube.kc);
  const crdFiles = readdirSync(join(deployDir, "crds")).filter((f) => f.endsWith(".yaml"));
  const crdNames = crdFiles.flatMap((file) =>
    documents(join("crds", file)).map((crd) => crd.metadata?.name ?? ""),
  );

  await t.test("kubectl applies the CRDs and they become Established", async () => {
    const applied = await kube.kubectl(["apply", "-f", join(deployDir, "crds")]);
    assert.equal(applied.status, 0, applied.stderr);
    for (const name of crdNames) {
      assert.match(
        applied.stdout,
        new RegExp(`customresourcedefinition.apiextensions.k8s.io/${name} created`),
      );
      const waited = await kube.kubectl([
        "wait",
        "--for=condition=Established",
        `crd/${name}`,
        "--timeout=30s",
      ]);
      assert.equal(waited.status, 0, waited.stderr);
    }
    const list = await kube.kubectl(["get", "externalsecrets,secretstores,pushsecrets", "-A"]);
    assert.equal(list.status, 0, list.stderr);
  });

  const rbac = documents("rbac.yaml");
  const deployment = documents("deployment.yaml");
  const serviceAccount = rbac.find((doc) => doc.kind === "ServiceAccount");
  const clusterRole = rbac.find((doc) => doc.kind === "ClusterRole") as
    (KubeObject & { rules: Rule[] }) | undefined;
  const binding = rbac.find((doc) => doc.kind === "ClusterRoleBinding") as
    | (KubeObject & { roleRef: { name: string }; subjects: { name: string; namespace: string }[] })
    | undefined;
  const spec = deployment.find((doc) => doc.kind === "Deployment")?.spec as
    DeploymentSpec | undefined;
  const args = spec?.template.spec.containers[0]?.args ?? [];

  await t.test(
    "the RBAC objects parse as kubectl's types and bind the Deployment's ServiceAccount",
    async () => {
      assert.ok(serviceAccount && clusterRole && binding && spec);
      const reconciled = await kube.kubectl([
        "auth",
        "reconcile",
        "--dry-run=client",
        "-f",
        join(deployDir, "rbac.yaml"),
      ]);
      assert.equal(reconciled.status, 0, reconciled.stderr);
      assert.match(
        reconciled.stdout,
        /clusterrole.rbac.authorization.k8s.io\/secretfleet-external-secrets reconciled/,
      );
      assert.match(
        reconciled.stdout,
        /clusterrolebinding.rbac.authorization.k8s.io\/secretfleet-external-secrets reconciled/,
      );
      assert.equal(binding.roleRef.name, clusterRole.metadata?.name);
      assert.deepEqual(
        binding.subjects.map((s) => `${s.namespace}/${s.name}`),
        [`${serviceAccount.metadata?.namespace ?? ""}/${serviceAccount.metadata?.name ?? ""}`],
      );
      assert.equal(spec.template.spec.serviceAccountName, serviceAccount.metadata?.name);
    },
  );

  await t.test("kubectl applies the ServiceAccount and the Deployment", async () => {
    const namespace = await kube.kubectl(["create", "namespace", "secretfleet-system"]);
    assert.equal(namespace.status, 0, namespace.stderr);
    const sa = await kube.kubectl(["apply", "-f", "-"], stringify(serviceAccount));
    assert.equal(sa.status, 0, sa.stderr);
    const applied = await kube.kubectl(["apply", "-f", join(deployDir, "deployment.yaml")]);
    assert.equal(applied.status, 0, applied.stderr);
    const got = await kube.kubectl([
      "get",
      "deployment",
      "-n",
      "secretfleet-system",
      "secretfleet-external-secrets",
      "-o",
      "jsonpath={.spec.template.spec.containers[0].args}",
    ]);
    assert.equal(got.status, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), args);
    assert.deepEqual(args.slice(0, 2), ["controller", "external-secrets"]);
  });

  await t.test(
    "the controller run with the Deployment's arguments stays within the ClusterRole",
    async () => {
      assert.ok(clusterRole);
      const seen: Access[] = [];
      const proxy = await recordingProxy(kube.cluster.url, seen);
      t.after(() => proxy.close());
      const kubeconfig = kube.file(
        "proxy-kubeconfig",
        readFileSync(kube.kubeconfig, "utf8").replace(kube.cluster.url, proxy.url),
      );
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
          refreshInterval: "1h",
          secretStoreRef: { name: "fake", kind: "SecretStore" },
          dataFrom: [{ extract: { key: "app/db" } }],
        },
      });
      await client.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { namespace: "default", name: "to-push" },
        stringData: { token: "push-me" },
      });
      await client.create({
        apiVersion: "external-secrets.io/v1alpha1",
        kind: "PushSecret",
        metadata: { namespace: "default", name: "push" },
        spec: {
          refreshInterval: "1h",
          secretStoreRefs: [{ name: "fake", kind: "SecretStore" }],
          selector: { secret: { name: "to-push" } },
          data: [{ match: { secretKey: "token", remoteRef: { remoteKey: "pushed/token" } } }],
        },
      });
      const controller = startCli(
        [
          ...args,
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
      assert.deepEqual(decoded(secret), { user: "app" });
      await waitFor(
        "the PushSecret to be Ready",
        async () =>
          readyCondition(
            await client.get({
              apiVersion: "external-secrets.io/v1alpha1",
              kind: "PushSecret",
              namespace: "default",
              name: "push",
            }),
          )?.status === "True",
        { timeoutMs: 60_000 },
      );
      controller.child.kill("SIGTERM");
      assert.equal(await controller.exit, 0, controller.stderr());
      const kinds = new Set(seen.map((a) => `${a.group}/${a.resource}:${a.verb}`));
      // The run did what the Deployment asks for: leader election, writes, status and events.
      for (const expected of [
        "coordination.k8s.io/leases:create",
        "/secrets:create",
        "external-secrets.io/externalsecrets/status:patch",
        "external-secrets.io/pushsecrets/status:patch",
        "external-secrets.io/externalsecrets:watch",
      ]) {
        assert.ok(kinds.has(expected), `${expected} not seen in ${[...kinds].join(", ")}`);
      }
      const denied = [...kinds].filter((kind) => {
        const [resourcePart = "", verb = ""] = kind.split(":");
        const slash = resourcePart.indexOf("/");
        return !allowed(clusterRole.rules, {
          group: resourcePart.slice(0, slash),
          resource: resourcePart.slice(slash + 1),
          verb,
        });
      });
      assert.deepEqual(denied, [], "requests the ClusterRole does not allow");
    },
  );
});
