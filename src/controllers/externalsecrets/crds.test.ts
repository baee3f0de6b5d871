import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { Ajv } from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot } from "../../../test/support/paths.js";
import { externalSecretsCrds } from "./crds.js";
import { parseExternalSecret } from "./parse-external-secret.js";

const crdDir = `${repoRoot}/deploy/external-secrets/crds`;
type Schema = Record<string, unknown>;

function crdFor(plural: string): Schema {
  const found = externalSecretsCrds().find(
    (crd) => (crd.metadata as { name: string }).name === `${plural}.external-secrets.io`,
  );
  assert.ok(found, plural);
  return found;
}

function versionSchema(crd: Schema, name: string): Schema {
  const versions = (crd.spec as { versions: Schema[] }).versions;
  const version = versions.find((item) => item.name === name);
  assert.ok(version, name);
  return (version.schema as { openAPIV3Schema: Schema }).openAPIV3Schema;
}

test("deploy/external-secrets/crds holds exactly the CRDs the controller defines", () => {
  const files = readdirSync(crdDir)
    .filter((name) => name.endsWith(".yaml"))
    .sort();
  const fromFiles = files.map((name) => parse(readFileSync(`${crdDir}/${name}`, "utf8")) as Schema);
  const byName = (a: Schema, b: Schema): number =>
    (a.metadata as { name: string }).name.localeCompare((b.metadata as { name: string }).name);
  assert.deepEqual(fromFiles.sort(byName), externalSecretsCrds().sort(byName));
});

// A structural schema (Kubernetes' rule for apiextensions.k8s.io/v1): every node states a type,
// unless it is int-or-string or an open object, and nothing but known keywords is used.
function structuralProblems(schema: Schema, path: string): string[] {
  const problems: string[] = [];
  if (schema.type === undefined && schema["x-kubernetes-int-or-string"] !== true)
    problems.push(`${path}: no type`);
  for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    problems.push(...structuralProblems(child, `${path}.${key}`));
  }
  if (schema.items !== undefined)
    problems.push(...structuralProblems(schema.items as Schema, `${path}[]`));
  if (typeof schema.additionalProperties === "object") {
    problems.push(...structuralProblems(schema.additionalProperties as Schema, `${path}{}`));
  }
  return problems;
}

test("every CRD schema is structural", () => {
  for (const crd of externalSecretsCrds()) {
    for (const version of (crd.spec as { versions: Schema[] }).versions) {
      const schema = (version.schema as { openAPIV3Schema: Schema }).openAPIV3Schema;
      assert.deepEqual(
        structuralProblems(
          schema,
          `${(crd.metadata as { name: string }).name}/${String(version.name)}`,
        ),
        [],
      );
    }
  }
});

test("ExternalSecret is stored at v1, v1beta1 still served (issue 5); PushSecret is v1alpha1", () => {
  const versions = (crdFor("externalsecrets").spec as { versions: Schema[] }).versions;
  assert.deepEqual(
    versions.map((v) => [v.name, v.served, v.storage]),
    [
      ["v1", true, true],
      ["v1beta1", true, false],
    ],
  );
  const push = (crdFor("pushsecrets").spec as { versions: Schema[] }).versions;
  assert.deepEqual(
    push.map((v) => [v.name, v.served, v.storage]),
    [["v1alpha1", true, true]],
  );
});

test("no strategy field carries a CRD default (ESO 2.9: no drift for GitOps tools)", () => {
  const strategyFields = new Set([
    "conversionStrategy",
    "decodingStrategy",
    "metadataPolicy",
    "nullBytePolicy",
    "valuesDecodingStrategy",
  ]);
  const defaulted: string[] = [];
  const walk = (schema: Schema, path: string): void => {
    for (const [key, child] of Object.entries(
      (schema.properties ?? {}) as Record<string, Schema>,
    )) {
      if (strategyFields.has(key) && "default" in child) defaulted.push(`${path}.${key}`);
      walk(child, `${path}.${key}`);
    }
    if (schema.items !== undefined) walk(schema.items as Schema, `${path}[]`);
  };
  for (const plural of ["externalsecrets", "clusterexternalsecrets"])
    walk(versionSchema(crdFor(plural), "v1"), plural);
  assert.deepEqual(defaulted, []);
  // PushSecret's own conversionStrategy (None/ReverseUnicode) is defaulted upstream and stays so.
});

// Kubernetes' OpenAPI keywords that JSON Schema (ajv) does not know.
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith("x-kubernetes") || key === "default" || key === "format") continue;
    if (key === "nullable") continue;
    out[key] =
      key === "properties"
        ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, toJsonSchema(v)]))
        : toJsonSchema(value);
  }
  if ((schema as Schema).nullable === true) out.type = [out.type, "null"];
  return out;
}

test("the v1 ExternalSecret schema accepts what the parser accepts and rejects wrong types", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(
    toJsonSchema(versionSchema(crdFor("externalsecrets"), "v1")) as object,
  );
  const manifest = {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: "db-credentials", namespace: "my-app" },
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { name: "vault-backend", kind: "ClusterSecretStore" },
      target: {
        name: "db-secret",
        creationPolicy: "Owner",
        template: { templateFrom: [{ literal: "a: b" }] },
      },
      data: [
        {
          secretKey: "password",
          remoteRef: { key: "myapp/db", property: "password", decodingStrategy: "Auto" },
        },
      ],
      dataFrom: [
        {
          find: { path: "dev", name: { regexp: "." } },
          rewrite: [{ regexp: { source: "a", target: "b" } }],
        },
      ],
    },
  };
  assert.doesNotThrow(() => parseExternalSecret(manifest));
  assert.equal(validate(manifest), true, JSON.stringify(validate.errors));
  assert.equal(
    validate({
      ...manifest,
      spec: { ...manifest.spec, data: [{ secretKey: "p", remoteRef: { key: 5 } }] },
    }),
    false,
  );
  assert.equal(
    validate({ ...manifest, spec: { ...manifest.spec, target: { creationPolicy: "Sometimes" } } }),
    false,
  );
});

test("the deploy manifests parse and run the external-secrets controller", () => {
  const docs = parseAllDocuments(
    readFileSync(`${repoRoot}/deploy/external-secrets/deployment.yaml`, "utf8"),
  ).map((doc) => doc.toJS() as Schema);
  const args = (docs[0] as { spec: { template: { spec: { containers: { args: string[] }[] } } } })
    .spec.template.spec.containers[0]?.args;
  assert.deepEqual(args?.slice(0, 2), ["controller", "external-secrets"]);
  const rbac = parseAllDocuments(
    readFileSync(`${repoRoot}/deploy/external-secrets/rbac.yaml`, "utf8"),
  ).map((doc) => doc.toJS() as Schema);
  assert.deepEqual(
    rbac.map((doc) => doc.kind),
    ["ServiceAccount", "ClusterRole", "ClusterRoleBinding"],
  );
});
