import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonNumber } from "../providers/index.js";
import { replacePlaceholders, type AvpBackend, type AvpObject, type AvpValue } from "./index.js";

/** An in-memory backend: path → key/values, counting reads. */
function memoryBackend(store: Record<string, AvpObject>): AvpBackend & { reads: string[] } {
  const reads: string[] = [];
  const getSecrets = (path: string): Promise<AvpObject> => {
    reads.push(path);
    const data = store[path];
    return data === undefined
      ? Promise.reject(new Error(`Could not find secrets at path ${path}`))
      : Promise.resolve(data);
  };
  return {
    reads,
    login: () => Promise.resolve(),
    getSecrets,
    getIndividualSecret: async (path, key) => (await getSecrets(path))[key],
  };
}

const store: Record<string, AvpObject> = {
  app: {
    user: "admin",
    pass: "s3cr3t",
    port: jsonNumber("8080"),
    flag: true,
    obj: { a: "b" },
    nested: '{"x":{"y":"z"}}',
    nil: null,
    "a b": "spaced",
    "<odd>": "never",
  },
  "weird path>with space": { k: "v" },
};

async function substitute(
  manifest: AvpObject,
  options: { kind?: string; annotations?: Record<string, string> } = {},
): Promise<{ manifest: AvpObject; error?: string }> {
  const backend = memoryBackend(store);
  const notes = options.annotations ?? { "avp.kubernetes.io/path": "app" };
  const pathAnnotation = notes["avp.kubernetes.io/path"];
  const data =
    pathAnnotation === undefined || pathAnnotation === ""
      ? undefined
      : await backend.getSecrets(pathAnnotation, "", notes);
  try {
    await replacePlaceholders(manifest, {
      kind: options.kind ?? "Pod",
      annotations: notes,
      data,
      backend,
      pathValidation: undefined,
    });
    return { manifest };
  } catch (error) {
    return { manifest, error: (error as Error).message };
  }
}

async function one(
  value: string,
  options?: { kind?: string; annotations?: Record<string, string> },
): Promise<AvpValue | string> {
  const result = await substitute({ field: value }, options);
  return result.error ?? (result.manifest.field as AvpValue);
}

test("generic placeholders are shortest matches on one line; angle brackets trim as a character set", async () => {
  assert.equal(await one("<user>:<pass>"), "admin:s3cr3t");
  assert.equal(await one("x <<user>> y"), "x admin> y");
  assert.equal(
    await one("a <b <user> d>"),
    "Replace: could not replace all placeholders in Template:\nreplaceString: missing Vault value for placeholder b <user in string field: a <b <user> d>",
  );
  assert.equal(await one("<  user  >"), "admin");
  assert.equal(await one("<a b>"), "spaced");
  assert.equal(await one("<user\n>"), "<user\n>");
  assert.equal(
    await one("<>"),
    "Replace: could not replace all placeholders in Template:\nreplaceString: missing Vault value for placeholder  in string field: <>",
  );
});

test("without a path annotation only inline path placeholders are replaced", async () => {
  const noPath = { annotations: {} };
  assert.equal(await one("keep <user> and <path:app#user>", noPath), "keep <user> and admin");
  assert.equal(await one("<path:weird path>with space#k>", noPath), "v");
  assert.equal(await one("<path:app# user >", noPath), "admin");
});

test("a non-string value replaces the whole field; strings are spliced in", async () => {
  assert.deepEqual(await one("port <port> is"), jsonNumber("8080"));
  assert.equal(await one("<flag>"), true);
  assert.deepEqual(await one("<obj>"), { a: "b" });
  assert.deepEqual(await one("<user> <flag> <port>"), jsonNumber("8080"));
  assert.equal(
    await one("<nil>"),
    "Replace: could not replace all placeholders in Template:\nreplaceString: missing Vault value for placeholder nil in string field: <nil>",
  );
});

test("modifiers run left to right, and each failure names the modifier, placeholder, key and value", async () => {
  assert.equal(await one("<nested | jsonPath {.x.y} | base64encode>"), "eg==");
  assert.equal(
    await one("<user | sha256sum>"),
    "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918",
  );
  assert.equal(
    await one("<port | base64encode>"),
    "Replace: could not replace all placeholders in Template:\nbase64encode: invalid datatype json.Number for placeholder port in string field: <port | base64encode>",
  );
  assert.equal(
    await one("<user | indent 2 4>"),
    "Replace: could not replace all placeholders in Template:\nindent: invalid parameters for placeholder user in string field: <user | indent 2 4>",
  );
});

test("map keys are never substituted; lists substitute strings and recurse into maps only", async () => {
  const result = await substitute({
    "<user>": "<pass>",
    list: ["<user>", { k: "<pass>" }, ["<user>"], 5n],
  });
  assert.deepEqual(result.manifest, {
    "<user>": "s3cr3t",
    list: ["admin", { k: "s3cr3t" }, ["<user>"], 5n],
  });
});

test("Secret values that decode from base64 to text with a placeholder are substituted and re-encoded", async () => {
  const encoded = Buffer.from("user=<user>\npass=<path:app#pass>").toString("base64");
  const wrapped = `${encoded.slice(0, 10)}\n${encoded.slice(10)}`;
  const result = await substitute(
    { data: { a: encoded, b: wrapped, c: "dGVzdA==", d: "<user>" } },
    { kind: "Secret" },
  );
  const data = result.manifest.data as AvpObject;
  assert.equal(Buffer.from(data.a as string, "base64").toString(), "user=admin\npass=s3cr3t");
  assert.equal(data.b, data.a, "line-wrapped base64 is decoded and re-encoded without breaks");
  assert.equal(data.c, "dGVzdA==", "base64 without placeholders is left alone");
  assert.equal(data.d, "admin", "plain placeholders get the stored value verbatim");
});

test("Secret blobs keep bytes that are not UTF-8 around the placeholders", async () => {
  const bytes = Buffer.concat([
    Buffer.from([0xff, 0xfe, 0x00]),
    Buffer.from("<user>"),
    Buffer.from([0x80]),
  ]);
  const result = await substitute({ data: { bin: bytes.toString("base64") } }, { kind: "Secret" });
  const out = Buffer.from((result.manifest.data as AvpObject).bin as string, "base64");
  assert.deepEqual(
    out,
    Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from("admin"), Buffer.from([0x80])]),
  );
});

test("ConfigMap values are stringified; values that cannot be are errors, not crashes", async () => {
  assert.equal(await one("<port>", { kind: "ConfigMap" }), "8080");
  assert.equal(await one("<flag>", { kind: "ConfigMap" }), "true");
  assert.match(
    (await one("<obj>", { kind: "ConfigMap" })) as string,
    /cannot stringify the map value for key field/,
  );
  assert.match(
    (await one("<nested | jsonParse>", { kind: "ConfigMap" })) as string,
    /cannot stringify the map value/,
  );
});

test("remove-missing drops map entries whose placeholder is missing, and keeps other errors", async () => {
  const notes = { "avp.kubernetes.io/path": "app", "avp.kubernetes.io/remove-missing": "true" };
  const result = await substitute(
    { data: { a: "<user>", gone: "<nope>", inline: "<path:app#nope>" } },
    { kind: "Secret", annotations: notes },
  );
  assert.equal(result.error, undefined);
  assert.deepEqual(result.manifest.data, { a: "admin" });
  const failing = await substitute(
    { data: { bad: "<user | nope>" } },
    { kind: "ConfigMap", annotations: notes },
  );
  assert.match(failing.error ?? "", /invalid modifier: nope/);
});
