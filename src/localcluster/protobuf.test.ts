import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeProtobufObject, UnknownProtobufKind } from "./protobuf.js";

// `kubectl create namespace demo1.32` as recorded from kubectl 1.32.4 (spec §1.6).
const namespaceBody =
  "6b3873000a0f0a02763112094e616d65737061636512200a180a0864656d6f312e333212001a00220" +
  "02a00320038004200120" +
  "01a020a001a002200";

test("decodeProtobufObject() reads kubectl's Namespace envelope and drops Go's empty fields", () => {
  const obj = decodeProtobufObject(Buffer.from(namespaceBody.replace(/\s/g, ""), "hex"));
  assert.deepEqual(obj, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "demo1.32" },
    spec: {},
    status: { phase: "" },
  });
});

function field(number: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(number << 3) | 2, payload.length]), payload]);
}

function text(number: number, value: string): Buffer {
  return field(number, Buffer.from(value));
}

test("decodeProtobufObject() turns Secret data bytes into base64 and keeps labels", () => {
  const meta = Buffer.concat([
    text(1, "db"),
    text(3, "demo"),
    field(11, Buffer.concat([text(1, "app"), text(2, "web")])),
  ]);
  const secret = Buffer.concat([
    field(1, meta),
    field(2, Buffer.concat([text(1, "password"), text(2, "s3cr3t")])),
    text(3, ""),
  ]);
  const unknown = Buffer.concat([
    field(1, Buffer.concat([text(1, "v1"), text(2, "Secret")])),
    field(2, secret),
  ]);
  const obj = decodeProtobufObject(Buffer.concat([Buffer.from("6b387300", "hex"), unknown]));
  assert.deepEqual(obj, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "demo", labels: { app: "web" } },
    data: { password: Buffer.from("s3cr3t").toString("base64") },
    type: "",
  });
});

test("decodeProtobufObject() refuses a body without the k8s magic prefix with 400", () => {
  assert.throws(() => decodeProtobufObject(Buffer.from("{}")), { code: 400, reason: "BadRequest" });
});

test("decodeProtobufObject() reports kinds it has no decoder for", () => {
  const unknown = field(1, Buffer.concat([text(1, "v1"), text(2, "Pod")]));
  assert.throws(
    () => decodeProtobufObject(Buffer.concat([Buffer.from("6b387300", "hex"), unknown])),
    UnknownProtobufKind,
  );
});
