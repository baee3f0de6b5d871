import assert from "node:assert/strict";
import { test } from "node:test";
import { startLocalCluster } from "./index.js";

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  code: number;
  reason: string;
  message?: RegExp;
}

const json = { "Content-Type": "application/json" };
const secretsPath = "/api/v1/namespaces/default/secrets";

// Each answer is what kube-apiserver v1.32 returns (HTTP code and Status reason); where a message
// is checked it is the apiserver's wording.
const cases: Case[] = [
  {
    name: "malformed JSON",
    method: "POST",
    path: secretsPath,
    headers: json,
    body: "{bad",
    code: 400,
    reason: "BadRequest",
  },
  {
    name: "malformed YAML",
    method: "POST",
    path: secretsPath,
    headers: { "Content-Type": "application/yaml" },
    body: "a: [b",
    code: 400,
    reason: "BadRequest",
  },
  {
    name: "unsupported body media type",
    method: "POST",
    path: secretsPath,
    headers: { "Content-Type": "text/plain" },
    body: "x",
    code: 415,
    reason: "UnsupportedMediaType",
    message:
      /^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml, application\/vnd\.kubernetes\.protobuf$/,
  },
  {
    name: "a patch in a non-patch media type",
    method: "PATCH",
    path: `${secretsPath}/x`,
    headers: json,
    body: "{}",
    code: 415,
    reason: "UnsupportedMediaType",
    message:
      /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/strategic-merge-patch\+json, application\/apply-patch\+yaml$/,
  },
  {
    name: "unknown resource",
    method: "GET",
    path: "/api/v1/foos",
    code: 404,
    reason: "NotFound",
    message: /^the server could not find the requested resource$/,
  },
  {
    name: "unknown group",
    method: "GET",
    path: "/apis/nope.example.com/v1/things",
    code: 404,
    reason: "NotFound",
  },
  {
    name: "missing object",
    method: "GET",
    path: `${secretsPath}/nope`,
    code: 404,
    reason: "NotFound",
    message: /^secrets "nope" not found$/,
  },
  {
    name: "create in a missing namespace",
    method: "POST",
    path: "/api/v1/namespaces/nowhere/configmaps",
    headers: json,
    body: '{"metadata":{"name":"a"}}',
    code: 404,
    reason: "NotFound",
    message: /^namespaces "nowhere" not found$/,
  },
  {
    name: "invalid name",
    method: "POST",
    path: secretsPath,
    headers: json,
    body: '{"metadata":{"name":"UPPER"}}',
    code: 422,
    reason: "Invalid",
    message:
      /^Secret "UPPER" is invalid: metadata\.name: Invalid value: "UPPER": a lowercase RFC 1123 subdomain/,
  },
  {
    name: "missing name",
    method: "POST",
    path: secretsPath,
    headers: json,
    body: '{"metadata":{}}',
    code: 422,
    reason: "Invalid",
    message: /metadata\.name: Required value: name or generateName is required/,
  },
  {
    name: "wrong apiVersion",
    method: "POST",
    path: secretsPath,
    headers: json,
    body: '{"apiVersion":"v2","kind":"Secret","metadata":{"name":"a"}}',
    code: 400,
    reason: "BadRequest",
    message: /^the API version in the data \(v2\) does not match the expected API version \(v1\)$/,
  },
  {
    name: "namespace mismatch",
    method: "POST",
    path: secretsPath,
    headers: json,
    body: '{"metadata":{"name":"a","namespace":"other"}}',
    code: 400,
    reason: "BadRequest",
    message:
      /^the namespace of the provided object does not match the namespace sent on the request$/,
  },
  {
    name: "PUT on a collection",
    method: "PUT",
    path: secretsPath,
    headers: json,
    body: "{}",
    code: 405,
    reason: "MethodNotAllowed",
  },
  {
    name: "nothing acceptable",
    method: "GET",
    path: secretsPath,
    headers: { Accept: "application/vnd.kubernetes.protobuf" },
    code: 406,
    reason: "NotAcceptable",
  },
  {
    name: "malformed label selector",
    method: "GET",
    path: `${secretsPath}?labelSelector=a%20in%20b`,
    code: 400,
    reason: "BadRequest",
  },
  {
    name: "unsupported field label",
    method: "GET",
    path: `${secretsPath}?fieldSelector=spec.x%3Dy`,
    code: 400,
    reason: "BadRequest",
    message: /^field label not supported: spec\.x$/,
  },
  {
    name: "watch from the future",
    method: "GET",
    path: `${secretsPath}?watch=true&resourceVersion=999999`,
    code: 504,
    reason: "Timeout",
    message: /^Timeout: Too large resource version: 999999, current: \d+$/,
  },
  {
    name: "apply without fieldManager",
    method: "PATCH",
    path: `${secretsPath}/x`,
    headers: { "Content-Type": "application/apply-patch+yaml" },
    body: "{}",
    code: 422,
    reason: "Invalid",
    message: /fieldManager: Required value: is required for apply patch/,
  },
  {
    name: "force on a merge patch",
    method: "PATCH",
    path: `${secretsPath}/x?force=true`,
    headers: { "Content-Type": "application/merge-patch+json" },
    body: "{}",
    code: 422,
    reason: "Invalid",
    message: /force: Forbidden: may not be specified for non-apply patch/,
  },
  {
    name: "apply of another version",
    method: "PATCH",
    path: `${secretsPath}/x?fieldManager=m`,
    headers: { "Content-Type": "application/apply-patch+yaml" },
    body: '{"apiVersion":"v2","kind":"Secret","metadata":{"name":"x"}}',
    code: 400,
    reason: "BadRequest",
    message:
      /^Incorrect version specified in apply patch\. Specified patch version: v2, expected: v1$/,
  },
  {
    name: "protected namespace",
    method: "DELETE",
    path: "/api/v1/namespaces/kube-system",
    code: 403,
    reason: "Forbidden",
    message: /^namespaces "kube-system" is forbidden: this namespace may not be deleted$/,
  },
  {
    name: "list resourceVersionMatch without resourceVersion",
    method: "GET",
    path: `${secretsPath}?resourceVersionMatch=NotOlderThan`,
    code: 422,
    reason: "Invalid",
  },
];

test("bad requests get the apiserver's HTTP status and Status reason", async (t) => {
  const cluster = await startLocalCluster();
  t.after(() => cluster.close());
  for (const c of cases) {
    await t.test(c.name, async () => {
      const init: RequestInit = { method: c.method, headers: c.headers ?? {} };
      if (c.body !== undefined) init.body = c.body;
      const response = await fetch(`${cluster.url}${c.path}`, init);
      assert.equal(response.status, c.code);
      assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
      const status = (await response.json()) as {
        kind: string;
        status: string;
        reason: string;
        code: number;
        message: string;
      };
      assert.equal(status.kind, "Status");
      assert.equal(status.status, "Failure");
      assert.equal(status.reason, c.reason);
      assert.equal(status.code, c.code);
      if (c.message !== undefined) assert.match(status.message, c.message);
    });
  }
});

test("a JSON patch that is not a patch document is 400, one that fails is 422 with the apiserver's text", async (t) => {
  const cluster = await startLocalCluster();
  t.after(() => cluster.close());
  await fetch(`${cluster.url}${secretsPath}`, {
    method: "POST",
    headers: json,
    body: '{"metadata":{"name":"x"}}',
  });
  const patch = (body: string): Promise<Response> =>
    fetch(`${cluster.url}${secretsPath}/x`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json-patch+json" },
      body,
    });
  assert.equal((await patch('{"op":"add"}')).status, 400);
  const failed = await patch('[{"op":"test","path":"/type","value":"kubernetes.io/tls"}]');
  assert.equal(failed.status, 422);
  const status = (await failed.json()) as { message: string; reason: string };
  assert.equal(status.reason, "Invalid");
  assert.equal(status.message, "the server rejected our request due to an error in our request");
});

test("a non-API path answers a plain-text 404 like the apiserver's mux", async (t) => {
  const cluster = await startLocalCluster();
  t.after(() => cluster.close());
  const response = await fetch(`${cluster.url}/nothing-here`);
  assert.equal(response.status, 404);
  assert.equal(await response.text(), "404 page not found\n");
});
