// deploy/sealed-secrets on the local control plane: the static manifests and the Helm chart apply
// with kubectl (Deployment, Services, ServiceAccount; the local control plane serves no RBAC
// kinds), name things as kubeseal expects, and their RBAC rules allow every request the
// controller really makes (recorded through a proxy while it generates and renews keys, unseals,
// recreates, updates and leads). The chart is rendered with Go templates by src/templating, with
// Helm's include and the Helm data model, since helm itself is not installed on these machines.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import type { KubeObject } from "../../src/kube/index.js";
import { sealedFor, testKey } from "../support/sealed-secrets.js";
import {
  functionSet,
  goFunc,
  parseGoTemplate,
  type FunctionMap,
} from "../../src/templating/index.js";
import { repoRoot } from "../support/paths.js";
import {
  startSealedSecretsCluster,
  type SealedSecretsCluster,
} from "../support/sealed-secrets-cluster.js";
import { kubectl, startControllerProcess } from "../support/sealed-secrets-process.js";
import { waitFor } from "../support/wait.js";

const deploy = (...parts: string[]): string => join(repoRoot, "deploy", "sealed-secrets", ...parts);
const chartDir = deploy("chart");

type Manifest = KubeObject & Record<string, unknown>;

function documents(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => {
      assert.deepEqual(document.errors, [], "the YAML parses");
      return document.toJS() as Manifest | null;
    })
    .filter((value): value is Manifest => value !== null);
}

const staticManifests = (): Manifest[] => [
  ...documents(readFileSync(deploy("rbac.yaml"), "utf8")),
  ...documents(readFileSync(deploy("controller.yaml"), "utf8")),
];

function merge(base: unknown, over: unknown): unknown {
  if (typeof base !== "object" || base === null || Array.isArray(base)) return over;
  if (typeof over !== "object" || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) out[key] = merge(out[key], value);
  return out;
}

/**
 * `helm template NAME chart -n NAMESPACE --set …` with Helm's data model (.Values, .Release,
 * .Chart), its shared template namespace (_*.tpl defines visible to every file) and `include`.
 */
function renderChart(values: Record<string, unknown> = {}, release = "sealed-secrets"): Manifest[] {
  const chart = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as {
    name: string;
    version: string;
    appVersion: string;
  };
  const files = readdirSync(join(chartDir, "templates")).sort();
  const helpers = files
    .filter((file) => file.startsWith("_"))
    .map((file) => readFileSync(join(chartDir, "templates", file), "utf8"))
    .join("\n");
  const functions: FunctionMap = {
    ...functionSet("argocd"),
    include: goFunc(["string", "interface {}"], (name: string, data: unknown) =>
      parseGoTemplate(`${helpers}{{ template ${JSON.stringify(name)} . }}`, {
        name: "_helpers.tpl",
        functions,
      }).execute(data),
    ),
  };
  const data = {
    Values: merge(parse(readFileSync(join(chartDir, "values.yaml"), "utf8")), values),
    Release: { Name: release, Namespace: "kube-system", Service: "Helm" },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  return files
    .filter((file) => file.endsWith(".yaml"))
    .flatMap((file) =>
      documents(
        parseGoTemplate(`${helpers}${readFileSync(join(chartDir, "templates", file), "utf8")}`, {
          name: file,
          functions,
        }).execute(data),
      ),
    );
}

const find = (objects: Manifest[], kind: string, name: string): Manifest => {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  assert.ok(found, `${kind} ${name}`);
  return found;
};

interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  image: string;
}
const containerOf = (deployment: Manifest): Container =>
  (deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec
    .containers[0]!;

async function harness(t: {
  after: (fn: () => Promise<void>) => void;
}): Promise<{ env: SealedSecretsCluster; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "ssctl-deploy-"));
  const env = await startSealedSecretsCluster(dir);
  t.after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { env, dir };
}

const applies = (objects: Manifest[]): Manifest[] =>
  objects.filter((o) => !o.apiVersion?.startsWith("rbac.authorization.k8s.io/"));

async function applyWithKubectl(
  env: SealedSecretsCluster,
  dir: string,
  objects: Manifest[],
  file: string,
) {
  const path = join(dir, file);
  writeFileSync(path, objects.map((o) => JSON.stringify(o)).join("\n"));
  for (const args of [["--dry-run=server"], []]) {
    const result = await kubectl(env, ["apply", ...args, "-f", path]);
    assert.equal(result.code, 0, `kubectl apply ${args.join(" ")}: ${result.stderr}`);
  }
}

test("the static manifests apply with kubectl and use upstream's names and ports", async (t) => {
  const { env, dir } = await harness(t);
  const objects = staticManifests();
  await applyWithKubectl(env, dir, applies(objects), "static.json");
  const service = JSON.parse(
    (
      await kubectl(env, [
        "get",
        "service",
        "sealed-secrets-controller",
        "-n",
        "kube-system",
        "-o",
        "json",
      ])
    ).stdout,
  ) as { spec: { ports: { name?: string; port: number }[] } };
  assert.deepEqual(
    service.spec.ports.map((p) => [p.name, p.port]),
    [[undefined, 8080]],
    "one unnamed port 8080: kubeseal proxies to http:sealed-secrets-controller:",
  );
  const deployment = find(objects, "Deployment", "sealed-secrets-controller");
  assert.equal(deployment.metadata?.namespace, "kube-system");
  const container = containerOf(deployment);
  assert.deepEqual(container.args.slice(0, 2), ["controller", "sealed-secrets"]);
  assert.deepEqual(
    container.ports.map((p) => [p.name, p.containerPort]),
    [
      ["http", 8080],
      ["metrics", 8081],
    ],
  );
  assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  const version = (
    JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }
  ).version;
  assert.equal(container.image, `secretfleet:${version}`);
  find(objects, "Service", "sealed-secrets-controller-metrics");
  find(objects, "ServiceAccount", "sealed-secrets-controller");
});

test("the Helm chart renders: named sealed-secrets with an http port by default, as the static manifests with fullnameOverride", async (t) => {
  const { env, dir } = await harness(t);
  const objects = renderChart();
  await applyWithKubectl(env, dir, applies(objects), "chart.json");
  const service = find(objects, "Service", "sealed-secrets");
  assert.deepEqual((service.spec as { ports: unknown[] }).ports, [
    { name: "http", port: 8080, targetPort: "http" },
  ]);
  const container = containerOf(find(objects, "Deployment", "sealed-secrets"));
  assert.ok(container.args.includes("--key-prefix=sealed-secrets-key"), container.args.join(" "));
  assert.ok(!container.args.includes("--leader-elect"));
  const proxier = find(objects, "Role", "sealed-secrets-service-proxier");
  assert.deepEqual((proxier.rules as { resourceNames?: string[] }[])[1]?.resourceNames, [
    "http:sealed-secrets:",
    "http:sealed-secrets:http",
    "sealed-secrets",
  ]);
  // fullnameOverride gives the static manifests' names: kubeseal's defaults work again.
  const renamed = renderChart({ fullnameOverride: "sealed-secrets-controller" }, "my-release");
  for (const [kind, name] of [
    ["Deployment", "sealed-secrets-controller"],
    ["Service", "sealed-secrets-controller"],
    ["Service", "sealed-secrets-controller-metrics"],
    ["ServiceAccount", "sealed-secrets-controller"],
  ] as const)
    find(renamed, kind, name);
  // Replicas turn leader election on, with the Lease in the rules.
  const replicated = renderChart({ replicaCount: 2, additionalArgs: ["--log-format=json"] });
  const args = containerOf(find(replicated, "Deployment", "sealed-secrets")).args;
  assert.deepEqual(args.slice(-3), [
    "--leader-elect",
    "--leader-election-id=sealed-secrets",
    "--log-format=json",
  ]);
  assert.ok(
    (find(replicated, "Role", "sealed-secrets-key-admin").rules as { resources: string[] }[]).some(
      (rule) => rule.resources.includes("leases"),
    ),
  );
  // The chart's CRD is the one under deploy/ (a link, not a copy).
  assert.equal(
    readFileSync(join(chartDir, "crds", "sealedsecrets.yaml"), "utf8"),
    readFileSync(deploy("crd.yaml"), "utf8"),
  );
});

/** What one API request asks RBAC for (undefined for discovery and other non-resource paths). */
interface Attributes {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
}

function attributesOf(method: string, url: string): Attributes | undefined {
  const parsed = new URL(url, "http://api");
  const parts = parsed.pathname.split("/").filter((p) => p !== "");
  let rest: string[];
  let group: string;
  if (parts[0] === "api" && parts.length > 2) {
    group = "";
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length > 3) {
    group = parts[1] ?? "";
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource = "", name, sub] = rest;
  const verb =
    method === "GET"
      ? name !== undefined
        ? "get"
        : parsed.searchParams.get("watch") === "true" || parsed.searchParams.get("watch") === "1"
          ? "watch"
          : "list"
      : ((
          {
            POST: "create",
            PUT: "update",
            PATCH: "patch",
            DELETE: name === undefined ? "deletecollection" : "delete",
          } as Record<string, string>
        )[method] ?? method);
  return {
    verb,
    group,
    resource: sub === undefined ? resource : `${resource}/${sub}`,
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
  };
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Kubernetes' RBAC decision for a ServiceAccount, from the given Roles and bindings. */
function allowed(
  objects: Manifest[],
  account: { namespace: string; name: string },
  request: Attributes,
): boolean {
  const boundTo = (binding: Manifest): boolean =>
    ((binding.subjects ?? []) as { kind: string; name: string; namespace?: string }[]).some(
      (s) =>
        s.kind === "ServiceAccount" && s.name === account.name && s.namespace === account.namespace,
    );
  const rulesOf = (ref: { kind: string; name: string }, namespace?: string): Rule[] =>
    (objects.find(
      (o) =>
        o.kind === ref.kind &&
        o.metadata?.name === ref.name &&
        (ref.kind === "ClusterRole" || o.metadata.namespace === namespace),
    )?.rules ?? []) as Rule[];
  const rules: Rule[] = [];
  for (const binding of objects) {
    if (!boundTo(binding)) continue;
    const ref = binding.roleRef as { kind: string; name: string };
    if (binding.kind === "ClusterRoleBinding") rules.push(...rulesOf(ref));
    if (binding.kind === "RoleBinding" && binding.metadata?.namespace === request.namespace)
      rules.push(...rulesOf(ref, request.namespace));
  }
  const has = (list: string[] | undefined, value: string): boolean =>
    list !== undefined && (list.includes(value) || list.includes("*"));
  return rules.some(
    (rule) =>
      has(rule.apiGroups, request.group) &&
      has(rule.resources, request.resource) &&
      has(rule.verbs, request.verb) &&
      (rule.resourceNames === undefined ||
        rule.resourceNames.length === 0 ||
        (request.name !== undefined && rule.resourceNames.includes(request.name))),
  );
}

/** An HTTP proxy in front of the cluster that records every request's method and URL. */
async function recordingProxy(
  target: string,
): Promise<{ url: string; seen: { method: string; url: string }[]; server: Server }> {
  const seen: { method: string; url: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? "GET", url: req.url ?? "/" });
    const upstream = httpRequest(
      new URL(req.url ?? "/", target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

test("the RBAC of the manifests and of the chart allows every request the controller makes", async (t) => {
  const { env, dir } = await harness(t);
  const proxy = await recordingProxy(env.cluster.url);
  t.after(
    () =>
      new Promise<void>((resolve) => {
        proxy.server.closeAllConnections();
        proxy.server.close(() => {
          resolve();
        });
      }),
  );
  const kubeconfigPath = join(dir, "proxied-kubeconfig");
  writeFileSync(kubeconfigPath, env.cluster.kubeconfig().replaceAll(env.cluster.url, proxy.url));
  const controller = await startControllerProcess({ ...env, kubeconfigPath }, ["--leader-elect"]);
  t.after(async () => {
    await controller.stop();
  });
  const key = await waitFor(
    "a generated key",
    async () => {
      const list = await env.client.list(
        { apiVersion: "v1", kind: "Secret", namespace: "kube-system" },
        { labelSelector: "sealedsecrets.bitnami.com/sealed-secrets-key=active" },
      );
      return list.items[0];
    },
    { timeoutMs: 60_000 },
  );
  assert.ok(key.metadata?.name);
  const pem = await (await fetch(`${controller.apiUrl}/v1/cert.pem`)).text();
  const sealingKey = {
    ...testKey("a"),
    publicKey: (await import("node:crypto")).createPublicKey(pem),
  };
  const secretRef = { apiVersion: "v1", kind: "Secret", namespace: "default", name: "db" };
  const sealedRef = {
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    namespace: "default",
    name: "db",
  };
  await env.client.create(
    sealedFor(sealingKey, "default", "db", { v: "1" }) as unknown as KubeObject,
  );
  const first = await waitFor("the Secret", () => env.client.get(secretRef), { timeoutMs: 60_000 });
  await env.client.delete(secretRef);
  await waitFor(
    "the Secret recreated",
    async () => {
      const again = await env.client.get(secretRef);
      return again !== undefined && again.metadata?.uid !== first.metadata?.uid;
    },
    { timeoutMs: 60_000 },
  );
  const updated = sealedFor(sealingKey, "default", "db", { v: "2" });
  const current = await env.client.get(sealedRef);
  await env.client.replace({
    ...(updated as unknown as KubeObject),
    metadata: { ...current?.metadata },
  });
  await waitFor(
    "the Secret updated",
    async () => {
      const secret = await env.client.get<KubeObject & { data?: Record<string, string> }>(
        secretRef,
      );
      return secret?.data?.v === Buffer.from("2").toString("base64");
    },
    { timeoutMs: 60_000 },
  );
  controller.child.kill("SIGUSR1");
  await waitFor(
    "a renewed key",
    async () => {
      const list = await env.client.list(
        { apiVersion: "v1", kind: "Secret", namespace: "kube-system" },
        { labelSelector: "sealedsecrets.bitnami.com/sealed-secrets-key=active" },
      );
      return list.items.length === 2;
    },
    { timeoutMs: 60_000 },
  );
  assert.equal(await controller.stop(), 0);

  const requests = proxy.seen
    .map((r) => attributesOf(r.method, r.url))
    .filter((r): r is Attributes => r !== undefined);
  const kinds = new Set(requests.map((r) => `${r.verb} ${r.resource}`));
  for (const expected of [
    "create secrets",
    "update secrets",
    "watch sealedsecrets",
    "update sealedsecrets/status",
    "create events",
    "create leases",
  ])
    assert.ok(
      kinds.has(expected),
      `the scenario made a "${expected}" request (saw ${[...kinds].join(", ")})`,
    );
  for (const [what, objects, account] of [
    [
      "static manifests",
      staticManifests(),
      { namespace: "kube-system", name: "sealed-secrets-controller" },
    ],
    [
      "chart (2 replicas)",
      renderChart({ replicaCount: 2 }),
      { namespace: "kube-system", name: "sealed-secrets" },
    ],
  ] as const) {
    const denied = requests.filter((r) => !allowed([...objects], account, r));
    assert.deepEqual(denied, [], `requests the ${what} do not allow`);
  }
  // The check can fail: without watch on Secrets the controller could not see deletions.
  const narrowed = staticManifests().map((o) =>
    o.kind === "ClusterRole"
      ? {
          ...o,
          rules: (o.rules as Rule[]).map((r) => ({
            ...r,
            verbs: r.verbs.filter((v) => v !== "watch"),
          })),
        }
      : o,
  );
  assert.ok(
    requests.some(
      (r) => !allowed(narrowed, { namespace: "kube-system", name: "sealed-secrets-controller" }, r),
    ),
  );
});

test("the Dockerfile builds the image the manifests run: Node as pinned, the CLI, non-root, the controller by default", () => {
  const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
  const instructions = dockerfile
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [instruction = "", ...rest] = line.split(" ");
      return [instruction, rest.join(" ")] as const;
    });
  const all = (name: string): string[] =>
    instructions.filter(([instruction]) => instruction === name).map(([, value]) => value);
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  for (const from of all("FROM"))
    assert.match(
      from,
      new RegExp(`^node:${(pkg.devDependencies.node ?? "").replaceAll(".", "\\.")}-`),
    );
  const entrypoint = JSON.parse(all("ENTRYPOINT")[0] ?? "[]") as string[];
  const command = JSON.parse(all("CMD")[0] ?? "[]") as string[];
  assert.deepEqual(command, ["controller", "sealed-secrets"]);
  assert.equal(entrypoint[0], "node");
  // The entry point is the bundled CLI (package.json's bin), copied from the build stage's dist/cli.
  const copied = all("COPY").find((value) => value.startsWith("--from=build"));
  assert.equal(copied, "--from=build /src/dist/cli ./dist/cli");
  assert.equal(all("WORKDIR").at(-1), "/app");
  const bin = (
    JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      bin: { secretfleet: string };
    }
  ).bin.secretfleet;
  assert.equal(entrypoint[1], `/app/${bin}`);
  assert.ok(readFileSync(join(repoRoot, bin), "utf8").startsWith("#!/usr/bin/env node"));
  // Numeric and non-root, the same user the manifests' runAsUser names.
  const [user] = all("USER");
  const deployment = find(staticManifests(), "Deployment", "sealed-secrets-controller");
  const runAsUser = (
    deployment.spec as { template: { spec: { securityContext: { runAsUser: number } } } }
  ).template.spec.securityContext.runAsUser;
  assert.equal(user, `${runAsUser}:${runAsUser}`);
  assert.notEqual(runAsUser, 0);
  const ignored = readFileSync(join(repoRoot, ".dockerignore"), "utf8").split("\n");
  for (const entry of ["node_modules", "dist", ".git"]) assert.ok(ignored.includes(entry), entry);
});
