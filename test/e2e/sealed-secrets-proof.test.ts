// Issue 4's proof, end to end on the local control plane through kubectl: the controller runs as
// its own process (`secretfleet controller sealed-secrets`), SealedSecrets are made with
// `secretfleet seal` (through the service proxy, or offline with a certificate) and applied,
// deleted, labelled and read back with kubectl. The steps share one cluster so the last ones
// (restart, planted value) see everything the first ones did.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import type { KubeObject } from "../../src/kube/index.js";
import {
  certificateToPem,
  decodeSealedSecret,
  parseKeySecret,
  parseManifests,
  unsealSealedSecret,
  type Secret,
} from "../../src/sealing/index.js";
import { testdata } from "../support/paths.js";
import { keySecret, testKey } from "../support/sealed-secrets.js";
import { startSealedSecretsCluster } from "../support/sealed-secrets-cluster.js";
import {
  exposeController,
  kubectl,
  metricValue,
  seal,
  startControllerProcess,
  type ControllerProcess,
  type Run,
} from "../support/sealed-secrets-process.js";
import { waitFor } from "../support/wait.js";

const planted = "planted-Proof7w-value";
const plantedB64 = Buffer.from(planted).toString("base64");
const keyLabel = "sealedsecrets.bitnami.com/sealed-secrets-key";

const ok = (result: Run, what: string): string => {
  assert.equal(result.code, 0, `${what}: ${result.stderr}`);
  return result.stdout;
};

interface Condition {
  type: string;
  status: string;
  message?: string;
}
type Listed = KubeObject & {
  status?: { conditions?: Condition[]; observedGeneration?: number };
  data?: Record<string, string>;
};

test("issue 4's proof through kubectl: apply, move, tamper, renew, BYO, restart, delete, and no planted value anywhere", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ssctl-proof-"));
  const env = await startSealedSecretsCluster(dir);
  t.after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await env.client.create(
    keySecret(testKey("a"), { name: "sealed-secrets-keyaaaaa" }) as Secret & KubeObject,
  );
  const k = async (what: string, ...args: string[]): Promise<string> =>
    ok(await kubectl(env, args), `kubectl ${what}`);
  const kIn = async (what: string, input: string, ...args: string[]): Promise<string> =>
    ok(await kubectl(env, args, input), `kubectl ${what}`);
  const getJson = async <T>(...args: string[]): Promise<T> =>
    JSON.parse(await k(`get ${args.join(" ")}`, "get", ...args, "-o", "json")) as T;
  const synced = async (namespace: string, name: string): Promise<Condition | undefined> =>
    (await getJson<Listed>("sealedsecret", name, "-n", namespace)).status?.conditions?.find(
      (c) => c.type === "Synced",
    );
  const waitSynced = (namespace: string, name: string, status: "True" | "False") =>
    k(
      `wait Synced=${status} ${namespace}/${name}`,
      "wait",
      `--for=condition=Synced=${status}`,
      `sealedsecret/${name}`,
      "-n",
      namespace,
      "--timeout=60s",
    );
  const secretYaml = (name: string, items: Record<string, string>): Promise<string> =>
    k(
      `create secret ${name}`,
      "create",
      "secret",
      "generic",
      name,
      "-n",
      "default",
      "--dry-run=client",
      "-o",
      "yaml",
      ...Object.entries(items).map(([item, value]) => `--from-literal=${item}=${value}`),
    );
  const sealTo = async (path: string, input: string, ...args: string[]): Promise<string> => {
    ok(await seal(env, ["-o", "yaml", "-w", path, ...args], input), `seal ${path}`);
    return readFileSync(path, "utf8");
  };
  const secretValue = async (namespace: string, name: string, item: string): Promise<string> =>
    Buffer.from(
      (await getJson<Listed>("secret", name, "-n", namespace)).data?.[item] ?? "",
      "base64",
    ).toString();
  const controllers: ControllerProcess[] = [];
  const logs: string[] = [];
  t.after(async () => {
    for (const controller of controllers) await controller.stop();
  });
  const start = async (): Promise<ControllerProcess> => {
    const controller = await startControllerProcess(env);
    controllers.push(controller);
    await exposeController(env, controller);
    return controller;
  };
  await k("create namespace", "create", "namespace", "other");
  let controller = await start();

  const certPath = join(dir, "cert.pem");
  const dbPath = join(dir, "db.yaml");
  await t.test(
    "a SealedSecret made with seal --fetch-cert becomes its Secret, owned, with status",
    async () => {
      const cert = ok(await seal(env, ["--fetch-cert"]), "seal --fetch-cert");
      assert.equal(cert, testKey("a").certificatePem);
      writeFileSync(certPath, cert);
      await sealTo(
        dbPath,
        await secretYaml("db", { password: planted, user: "admin" }),
        "--cert",
        certPath,
      );
      await k("apply db", "apply", "-f", dbPath);
      await waitSynced("default", "db", "True");
      assert.equal(await secretValue("default", "db", "password"), planted);
      assert.equal(await secretValue("default", "db", "user"), "admin");
      const sealed = await getJson<Listed>("sealedsecret", "db", "-n", "default");
      const secret = await getJson<Listed>("secret", "db", "-n", "default");
      assert.deepEqual(secret.metadata?.ownerReferences, [
        {
          apiVersion: "bitnami.com/v1alpha1",
          kind: "SealedSecret",
          name: "db",
          uid: sealed.metadata?.uid,
          controller: true,
        },
      ]);
      assert.equal(sealed.status?.observedGeneration, sealed.metadata?.generation);
    },
  );

  await t.test(
    "the same SealedSecret moved to another namespace: Synced=False and no Secret",
    async () => {
      const moved = readFileSync(dbPath, "utf8").replace(/namespace: default/g, "namespace: other");
      assert.notEqual(moved, readFileSync(dbPath, "utf8"));
      await kIn("apply moved", moved, "apply", "-f", "-");
      await waitSynced("other", "db", "False");
      assert.equal(
        (await synced("other", "db"))?.message,
        "no key could decrypt secret (password, user)",
      );
      const missing = await kubectl(env, ["get", "secret", "db", "-n", "other"]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /NotFound|not found/);
    },
  );

  await t.test(
    "a tampered item: error condition and event; the other SealedSecrets unaffected",
    async () => {
      const appText = await sealTo(
        join(dir, "app.yaml"),
        await secretYaml("app", { good: "fine", bad: planted }),
        "--cert",
        certPath,
      );
      const webText = await sealTo(
        join(dir, "web.yaml"),
        await secretYaml("web", { token: "web-token" }),
        "--cert",
        certPath,
      );
      const [app] = parseAllDocuments(appText).map(
        (d) => d.toJS() as Listed & { spec: { encryptedData: Record<string, string> } },
      );
      assert.ok(app);
      const blob = Buffer.from(app.spec.encryptedData.bad ?? "", "base64");
      blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
      app.spec.encryptedData.bad = blob.toString("base64");
      await kIn("apply tampered and web", `${stringify(app)}---\n${webText}`, "apply", "-f", "-");
      await waitSynced("default", "app", "False");
      await waitSynced("default", "web", "True");
      assert.equal((await synced("default", "app"))?.message, "no key could decrypt secret (bad)");
      const events = await getJson<{
        items: {
          type: string;
          reason: string;
          message: string;
          involvedObject: { kind: string; name: string };
        }[];
      }>("events", "-n", "default");
      const warning = events.items.find(
        (e) => e.involvedObject.name === "app" && e.reason === "ErrUnsealFailed",
      );
      assert.deepEqual(warning && [warning.type, warning.involvedObject.kind, warning.message], [
        "Warning",
        "SealedSecret",
        "Failed to unseal: no key could decrypt secret (bad)",
      ]);
      assert.equal((await kubectl(env, ["get", "secret", "app", "-n", "default"])).code, 1);
      assert.equal(await secretValue("default", "web", "token"), "web-token");
      assert.equal((await synced("default", "db"))?.status, "True");
      assert.equal(await secretValue("default", "db", "password"), planted);
    },
  );

  await t.test("renew keys: old SealedSecrets still open, new ones use the new key", async () => {
    controller.child.kill("SIGUSR1");
    const newCert = await waitFor(
      "seal --fetch-cert to give the renewed certificate",
      async () => {
        const fetched = await seal(env, ["--fetch-cert"]);
        return fetched.code === 0 && fetched.stdout !== testKey("a").certificatePem
          ? fetched.stdout
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const keys = await getJson<{ items: (Secret & KubeObject)[] }>(
      "secret",
      "-n",
      "kube-system",
      "-l",
      `${keyLabel}=active`,
    );
    const renewed = keys.items.find((s) => s.metadata.name !== "sealed-secrets-keyaaaaa");
    assert.ok(renewed, "a second active key Secret");
    const newKey = parseKeySecret(renewed);
    assert.equal(certificateToPem(newKey.certificate), newCert);
    // Sealed through the proxy (no --cert): the controller's newest certificate seals.
    const freshPath = join(dir, "fresh.yaml");
    await sealTo(freshPath, await secretYaml("fresh", { v: "new-key-value" }));
    await k("apply fresh", "apply", "-f", freshPath);
    await waitSynced("default", "fresh", "True");
    assert.equal(await secretValue("default", "fresh", "v"), "new-key-value");
    const [document] = parseManifests(readFileSync(freshPath, "utf8"));
    assert.ok(document);
    const fresh = decodeSealedSecret(document);
    assert.equal(unsealSealedSecret(fresh, [newKey.privateKey]).ok, true);
    assert.equal(unsealSealedSecret(fresh, [testKey("a").privateKey]).ok, false);
    // The old one still opens: its Secret, deleted, comes back with the same value.
    const before = await getJson<Listed>("secret", "db", "-n", "default");
    await k("delete secret db", "delete", "secret", "db", "-n", "default");
    await waitFor("db's Secret recreated", async () => {
      const again = await kubectl(env, ["get", "secret", "db", "-n", "default", "-o", "json"]);
      return again.code === 0 &&
        (JSON.parse(again.stdout) as Listed).metadata?.uid !== before.metadata?.uid
        ? true
        : undefined;
    });
    assert.equal(await secretValue("default", "db", "password"), planted);
  });

  await t.test(
    "a BYO key made with openssl req opens what was sealed offline with its certificate",
    async () => {
      const byoCert = testdata("sealing", "byo-4096.crt");
      const offlinePath = join(dir, "offline.yaml");
      await sealTo(offlinePath, await secretYaml("offline", { token: planted }), "--cert", byoCert);
      await k("apply offline", "apply", "-f", offlinePath);
      await waitSynced("default", "offline", "False");
      await k(
        "create secret tls",
        "-n",
        "kube-system",
        "create",
        "secret",
        "tls",
        "byo-key",
        `--cert=${byoCert}`,
        `--key=${testdata("sealing", "byo-4096.key")}`,
      );
      await k("label", "-n", "kube-system", "label", "secret", "byo-key", `${keyLabel}=active`);
      await waitSynced("default", "offline", "True");
      assert.equal(await secretValue("default", "offline", "token"), planted);
    },
  );

  await t.test(
    "a restarted controller writes nothing: no Secret, no status, no new Unsealed event",
    async () => {
      const versions = async (): Promise<string[]> => {
        const list = await getJson<{ items: Listed[] }>("secrets,sealedsecrets", "-A");
        return list.items
          .map(
            (o) =>
              `${o.kind ?? ""} ${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}@${o.metadata?.resourceVersion ?? ""}`,
          )
          .sort();
      };
      const unsealedEvents = async (): Promise<string[]> => {
        const list = await getJson<{
          items: {
            reason: string;
            count?: number;
            involvedObject: { namespace?: string; name: string };
          }[];
        }>("events", "-A");
        return list.items
          .filter((e) => e.reason === "Unsealed")
          .map(
            (e) => `${e.involvedObject.namespace ?? ""}/${e.involvedObject.name}×${e.count ?? 1}`,
          )
          .sort();
      };
      const before = await versions();
      const eventsBefore = await unsealedEvents();
      logs.push(await (await fetch(`${controller.metricsUrl}/metrics`)).text());
      assert.equal(await controller.stop(), 0, "SIGTERM stops the controller cleanly");
      controller = await start();
      const inSync = ["default/db", "default/web", "default/fresh", "default/offline"].length;
      const failing = ["other/db", "default/app"].length;
      const second = controller;
      await waitFor(
        "the restarted controller to reconcile every SealedSecret",
        async () =>
          (await metricValue(second, "secretfleet_sealedsecrets_in_sync_skips_total")) >= inSync &&
          (await metricValue(second, "sealed_secrets_controller_unseal_errors_total")) >= failing,
        { timeoutMs: 60_000 },
      );
      assert.equal(
        await metricValue(second, "secretfleet_sealedsecrets_in_sync_skips_total"),
        inSync,
      );
      assert.equal(await metricValue(second, "secretfleet_sealedsecrets_secret_writes_total"), 0);
      assert.deepEqual(await versions(), before, "no Secret or SealedSecret was written");
      assert.deepEqual(await unsealedEvents(), eventsBefore, "no Unsealed event was recorded");
    },
  );

  await t.test("deleting the SealedSecret garbage-collects its Secret", async () => {
    await k("delete sealedsecret web", "delete", "sealedsecret", "web", "-n", "default");
    await k(
      "wait for the Secret's deletion",
      "wait",
      "--for=delete",
      "secret/web",
      "-n",
      "default",
      "--timeout=60s",
    );
    assert.equal((await kubectl(env, ["get", "secret", "web", "-n", "default"])).code, 1);
  });

  await t.test("the planted value is in no log line, event, status or metric", async () => {
    logs.push(await (await fetch(`${controller.metricsUrl}/metrics`)).text());
    const events = await k("get events", "get", "events", "-A", "-o", "yaml");
    const statuses = await k("get sealedsecrets", "get", "sealedsecrets", "-A", "-o", "yaml");
    // It is there to be found: the Secrets hold it.
    assert.equal(await secretValue("default", "offline", "token"), planted);
    for (const [where, text] of [
      ...controllers.map((c, i) => [`controller ${i + 1}'s logs`, c.output()] as const),
      ["events", events],
      ["statuses", statuses],
      ...logs.map((text, i) => [`controller ${i + 1}'s metrics`, text] as const),
    ] as const) {
      assert.ok(!text.includes(planted), `planted value in ${where}`);
      assert.ok(!text.includes(plantedB64), `planted value (base64) in ${where}`);
    }
  });
});
