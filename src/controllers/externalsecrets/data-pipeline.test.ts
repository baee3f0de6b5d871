import assert from "node:assert/strict";
import { test } from "node:test";
import { renderTemplateDouble } from "../../../test/support/template-double.js";
import { createFakeProvider } from "../../providers/index.js";
import { fetchProviderData, type SecretsReader } from "./data-pipeline.js";
import { parseExternalSecret } from "./parse-external-secret.js";
import type { FindRef, RemoteRef } from "./types.js";

const planted = "pl4nted-s3cret-value";
const enc = (text: string): Uint8Array => Buffer.from(text);
const dec = (map: ReadonlyMap<string, Uint8Array>): Record<string, string> =>
  Object.fromEntries([...map].map(([k, v]) => [k, Buffer.from(v).toString("utf8")]));

// A provider double holding JSON documents by key, the way Vault KV returns them.
class DocumentReader implements SecretsReader {
  readonly calls: string[] = [];
  readonly docs: Record<string, Record<string, unknown>>;
  constructor(docs: Record<string, Record<string, unknown>>) {
    this.docs = docs;
  }
  getSecret(ref: RemoteRef): Promise<Uint8Array | undefined> {
    this.calls.push(`get ${ref.key}`);
    const doc = this.docs[ref.key];
    if (doc === undefined) return Promise.resolve(undefined);
    if (ref.property === undefined) return Promise.resolve(enc(JSON.stringify(doc)));
    const value = doc[ref.property];
    if (value === undefined)
      return Promise.reject(new Error(`cannot find secret data for key: "${ref.property}"`));
    return Promise.resolve(enc(typeof value === "string" ? value : JSON.stringify(value)));
  }
  getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array> | undefined> {
    this.calls.push(`map ${ref.key}`);
    const doc = this.docs[ref.key];
    return Promise.resolve(
      doc === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(doc).map(([k, v]) => [
              k,
              enc(typeof v === "string" ? v : JSON.stringify(v)),
            ]),
          ),
    );
  }
  getAllSecrets(find: FindRef): Promise<Record<string, Uint8Array> | undefined> {
    this.calls.push(`find ${find.path ?? ""}`);
    const names = Object.keys(this.docs).filter((key) => key.startsWith(find.path ?? ""));
    return Promise.resolve(
      names.length === 0
        ? undefined
        : Object.fromEntries(names.map((name) => [name, enc(JSON.stringify(this.docs[name]))])),
    );
  }
}

function es(spec: Record<string, unknown>) {
  return parseExternalSecret({
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: "es", namespace: "ns" },
    spec: { secretStoreRef: { name: "store" }, ...spec },
  });
}

async function run(spec: Record<string, unknown>, docs: Record<string, Record<string, unknown>>) {
  const reader = new DocumentReader(docs);
  const result = await fetchProviderData(
    es(spec),
    () => Promise.resolve(reader),
    renderTemplateDouble,
  );
  return { ...result, reader, values: dec(result.data) };
}

test("fetchProviderData() merges dataFrom in order, then lets data[] override", async () => {
  const { values } = await run(
    {
      dataFrom: [{ extract: { key: "a" } }, { extract: { key: "b" } }],
      data: [{ secretKey: "user", remoteRef: { key: "c", property: "name" } }],
    },
    { a: { user: "from-a", x: "1" }, b: { user: "from-b" }, c: { name: "from-data" } },
  );
  assert.deepEqual(values, { user: "from-data", x: "1" });
});

test("fetchProviderData() converts keys only when there is no rewrite, and reports collisions", async () => {
  const docs = { "app/db": { "db-user": "u", "tls.crt": "c", "odd key": "o" } };
  assert.deepEqual((await run({ dataFrom: [{ extract: { key: "app/db" } }] }, docs)).values, {
    "db-user": "u",
    "tls.crt": "c",
    odd_key: "o",
  });
  assert.deepEqual(
    (await run({ dataFrom: [{ extract: { key: "app/db", conversionStrategy: "Unicode" } }] }, docs))
      .values.odd_U0020_key,
    "o",
  );
  const rewritten = await run(
    {
      dataFrom: [
        { find: { path: "app/" }, rewrite: [{ regexp: { source: "app/(.*)", target: "x-$1" } }] },
      ],
    },
    docs,
  );
  assert.deepEqual(Object.keys(rewritten.values), ["x-db"]);
  await assert.rejects(
    run({ dataFrom: [{ extract: { key: "k" } }] }, { k: { "a/b": "1", "a:b": "2" } }),
    /error processing spec.dataFrom\[0\].extract, err: error applying conversion strategy {2}to keys: secret name collision during conversion: a_b/,
  );
});

test("fetchProviderData() keys find results by their full path, converted", async () => {
  const { values } = await run(
    { dataFrom: [{ find: { path: "dev/" } }] },
    { "dev/config": { a: 1 }, "dev/db": { b: 2 } },
  );
  assert.deepEqual(values, { dev_config: '{"a":1}', dev_db: '{"b":2}' });
});

test("fetchProviderData() runs rewrite.transform templates with .value", async () => {
  const { values } = await run(
    {
      dataFrom: [
        { extract: { key: "k" }, rewrite: [{ transform: { template: "{{ .value | upper }}" } }] },
      ],
    },
    { k: { user: "u" } },
  );
  assert.deepEqual(values, { USER: "u" });
});

test("fetchProviderData() merges JSON values with rewrite.merge", async () => {
  const docs = { k: { a: '{"x":"1","n":2}', b: '{"y":true}' } };
  const extract = await run(
    { dataFrom: [{ extract: { key: "k" }, rewrite: [{ merge: {} }] }] },
    docs,
  );
  assert.deepEqual(extract.values, { x: "1", n: "2", y: "true" });
  const json = await run(
    {
      dataFrom: [
        { extract: { key: "k" }, rewrite: [{ merge: { strategy: "JSON", into: "all" } }] },
      ],
    },
    docs,
  );
  assert.equal(json.values.all, '{"n":2,"x":"1","y":true}');
  await assert.rejects(
    run(
      { dataFrom: [{ extract: { key: "k" }, rewrite: [{ merge: {} }] }] },
      { k: { a: '{"x":1}', b: '{"x":2}' } },
    ),
    /merge failed with conflicts: x/,
  );
  await assert.rejects(
    run({ dataFrom: [{ extract: { key: "k" }, rewrite: [{ merge: {} }] }] }, { k: { a: planted } }),
    (error: Error) =>
      error.message.includes('value of key "a" is not a JSON object') &&
      !error.message.includes(planted),
  );
});

test("fetchProviderData() decodes values per strategy and rejects bad base64 without quoting it", async () => {
  const { values } = await run(
    {
      data: [
        { secretKey: "p", remoteRef: { key: "k", property: "b64", decodingStrategy: "Base64" } },
      ],
    },
    { k: { b64: Buffer.from("hello").toString("base64") } },
  );
  assert.deepEqual(values, { p: "hello" });
  await assert.rejects(
    run(
      {
        data: [
          { secretKey: "p", remoteRef: { key: "k", property: "v", decodingStrategy: "Base64" } },
        ],
      },
      { k: { v: planted } },
    ),
    (error: Error) =>
      error.message.startsWith(
        "error processing spec.data[0] (key: k), err: error applying decoding strategy Base64 to data: illegal base64",
      ) && !error.message.includes(planted),
  );
});

test("fetchProviderData() fails on a NUL byte only under nullBytePolicy Fail", async () => {
  const docs = { k: { v: "a\u0000b" } };
  assert.equal(
    (await run({ data: [{ secretKey: "p", remoteRef: { key: "k", property: "v" } }] }, docs)).values
      .p,
    "a\u0000b",
  );
  await assert.rejects(
    run(
      {
        data: [{ secretKey: "p", remoteRef: { key: "k", property: "v", nullBytePolicy: "Fail" } }],
      },
      docs,
    ),
    /fetched secret value for key "p" contains null bytes/,
  );
});

test("fetchProviderData() treats a missing secret as an error under Retain", async () => {
  await assert.rejects(
    run({ data: [{ secretKey: "p", remoteRef: { key: "gone" } }] }, {}),
    /error processing spec.data\[0\] \(key: gone\), err: Secret does not exist/,
  );
});

test("fetchProviderData() skips missing sources under Delete and Merge, with upstream's events", async () => {
  for (const deletionPolicy of ["Delete", "Merge"]) {
    const result = await run(
      {
        target: { deletionPolicy },
        dataFrom: [{ extract: { key: "gone" } }],
        data: [
          { secretKey: "p", remoteRef: { key: "gone" } },
          { secretKey: "q", remoteRef: { key: "k", property: "v" } },
        ],
      },
      { k: { v: "1" } },
    );
    assert.deepEqual(result.values, { q: "1" });
    assert.deepEqual(
      result.events.map((event) => event.message),
      [
        "secret does not exist at provider using spec.dataFrom[0]",
        "secret does not exist at provider using spec.dataFrom[0] (key=gone)",
      ],
    );
  }
});

test("fetchProviderData() resolves sourceRef.storeRef per entry and fails when the store cannot be used", async () => {
  const spec = es({
    dataFrom: [
      {
        extract: { key: "k" },
        sourceRef: { storeRef: { name: "other", kind: "ClusterSecretStore" } },
      },
    ],
  });
  const seen: string[] = [];
  const reader = new DocumentReader({ k: { a: "1" } });
  await fetchProviderData(
    spec,
    (ref) => {
      seen.push(`${ref.kind ?? ""}/${ref.name}`);
      return Promise.resolve(reader);
    },
    renderTemplateDouble,
  );
  assert.deepEqual(seen, ["ClusterSecretStore/other"]);
  await assert.rejects(
    fetchProviderData(
      spec,
      () => Promise.reject(new Error('ClusterSecretStore "other" is not ready')),
      renderTemplateDouble,
    ),
    /error processing spec.dataFrom\[0\].extract, err: ClusterSecretStore "other" is not ready/,
  );
});

test("fetchProviderData() works over src/providers' Fake provider, the real interface", async () => {
  const fake = createFakeProvider({
    data: [
      { key: "myapp/db", value: '{"username":"app","password":"s3cr3t","port":5432}' },
      { key: "dev/cfg", value: "x" },
    ],
  });
  const result = await fetchProviderData(
    es({
      dataFrom: [{ extract: { key: "myapp/db" } }, { find: { name: { regexp: "^dev/" } } }],
      data: [{ secretKey: "pw", remoteRef: { key: "myapp/db", property: "password" } }],
    }),
    () => Promise.resolve(fake),
    renderTemplateDouble,
  );
  assert.deepEqual(dec(result.data), {
    username: "app",
    password: "s3cr3t",
    port: "5432",
    dev_cfg: "x",
    pw: "s3cr3t",
  });
});
