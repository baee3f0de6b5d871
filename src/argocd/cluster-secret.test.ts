import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clusterSecretName,
  clusterToSecret,
  fnv32a,
  marshalClusterConfig,
  readClusterSecret,
  secretToCluster,
} from "./cluster-secret.js";
import type { JsonObject } from "./json.js";

const token = "planted-bearer-token-9c1d";

function secret(data: JsonObject, extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "prod",
      namespace: "argocd",
      labels: { "argocd.argoproj.io/secret-type": "cluster", env: "production" },
      annotations: { "managed-by": "argocd.argoproj.io", note: "x" },
    },
    ...extra,
    data,
  };
}

const b64 = (text: string): string => Buffer.from(text).toString("base64");

test("readClusterSecret() decodes data and lets stringData win, as the API server does", () => {
  const read = readClusterSecret(
    secret(
      { name: b64("prod"), server: b64("https://old/") },
      { stringData: { server: "https://prod.example.com/" } },
    ),
    "clusters/prod.yaml",
  );
  assert.deepEqual(read.data, { name: "prod", server: "https://prod.example.com/" });
  assert.equal(read.secretName, "prod");
  assert.equal(read.labels.env, "production");
});

test("secretToCluster() trims the server, splits namespaces and drops system metadata", () => {
  const cluster = secretToCluster(
    readClusterSecret(
      secret({
        name: b64("prod"),
        server: b64("https://prod.example.com/"),
        namespaces: b64(" a, b ,,c "),
        clusterResources: b64("true"),
        project: b64("team"),
        shard: b64("2"),
        config: b64(
          JSON.stringify({
            bearerToken: token,
            tlsClientConfig: { insecure: true, caData: "Q0E=" },
          }),
        ),
      }),
      "x",
    ),
  );
  assert.equal(cluster.server, "https://prod.example.com");
  assert.deepEqual(cluster.namespaces, ["a", "b", "c"]);
  assert.equal(cluster.clusterResources, true);
  assert.equal(cluster.project, "team");
  assert.equal(cluster.shard, 2);
  assert.deepEqual(cluster.labels, { env: "production" });
  assert.deepEqual(cluster.annotations, { note: "x" });
  assert.deepEqual(cluster.config, {
    bearerToken: token,
    tlsClientConfig: { insecure: true, caData: "Q0E=" },
  });
});

test("readClusterSecret() names file, Secret and field for bad input, never the value", () => {
  const cases: [JsonObject, RegExp][] = [
    [
      secret({ name: b64("p"), server: "not base64!" }),
      /^"f.yaml": secret "argocd\/prod": data.server: illegal base64 data at input byte 3$/,
    ],
    [secret({ name: b64("p") }), /^"f.yaml": secret "argocd\/prod": data.server: missing$/],
    [
      secret({
        name: b64("p"),
        server: b64("https://p"),
        config: b64(`{'bearerToken': '${token}'}`),
      }),
      /^"f.yaml": secret "argocd\/prod": data.config: not valid JSON \(the value must be strict JSON, not YAML\)$/,
    ],
    [
      secret({
        name: b64("p"),
        server: b64("https://p"),
        config: b64(JSON.stringify({ bearerToken: 5 })),
      }),
      /^"f.yaml": secret "argocd\/prod": data.config: bearerToken must be a string$/,
    ],
    [{ apiVersion: "v1", kind: "ConfigMap" }, /^"f.yaml": not a Secret manifest$/],
    [
      { apiVersion: "v1", kind: "Secret", metadata: { name: "s", labels: { a: "b" } } },
      /^"f.yaml": secret "s": metadata.labels: missing "argocd.argoproj.io\/secret-type: cluster"$/,
    ],
  ];
  for (const [manifest, message] of cases) {
    assert.throws(
      () => readClusterSecret(manifest, "f.yaml"),
      (error: Error) => {
        assert.match(error.message, message);
        assert.ok(!error.message.includes(token));
        return true;
      },
    );
  }
});

test("clusterSecretName() follows Argo CD's cluster-<host>-<fnv32a> convention", () => {
  assert.equal(clusterSecretName("http://foo"), "cluster-foo-752281925");
  assert.equal(fnv32a(""), 0x811c9dc5);
  assert.match(
    clusterSecretName("https://Prod.Example.com:6443/"),
    /^cluster-prod.example.com-\d+$/,
  );
  assert.match(clusterSecretName("https://[::1]:6443"), /^cluster---1-\d+$/);
  assert.throws(() => clusterSecretName("not a url"), /invalid URI/);
});

test("clusterToSecret() output reads back to the same cluster", () => {
  const cluster = {
    name: "prod",
    server: "https://prod.example.com",
    namespaces: ["a", "b"],
    clusterResources: true,
    project: "team",
    shard: 1,
    config: { bearerToken: token, tlsClientConfig: { insecure: false, serverName: "prod" } },
    labels: { env: "production" },
    annotations: { note: "x" },
  };
  const manifest = clusterToSecret(cluster, { namespace: "argocd" });
  assert.deepEqual(Object.keys(manifest.data as JsonObject), [
    "clusterResources",
    "config",
    "name",
    "namespaces",
    "project",
    "server",
    "shard",
  ]);
  assert.deepEqual(secretToCluster(readClusterSecret(manifest, "round-trip")), cluster);
  assert.throws(
    () =>
      clusterToSecret({
        ...cluster,
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" },
      }),
    /annotation kubectl.kubernetes.io\/last-applied-configuration cannot be set/,
  );
});

test("marshalClusterConfig() writes Go's field order and always writes insecure", () => {
  assert.equal(
    marshalClusterConfig({ tlsClientConfig: { insecure: false } }),
    '{"tlsClientConfig":{"insecure":false}}',
  );
  assert.equal(
    marshalClusterConfig({
      proxyUrl: "http://p<x>",
      bearerToken: "t&",
      username: "u",
      tlsClientConfig: { caData: "Q0E=", insecure: true, certData: "Q0U=" },
      awsAuthConfig: { roleARN: "arn", clusterName: "c" },
    }),
    '{"username":"u","bearerToken":"t\\u0026","tlsClientConfig":{"insecure":true,"certData":"Q0U=","caData":"Q0E="},' +
      '"awsAuthConfig":{"clusterName":"c","roleARN":"arn"},"proxyUrl":"http://p\\u003cx\\u003e"}',
  );
});
