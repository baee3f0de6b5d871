// The manifests under deploy/sealed-secrets, checked statically: they parse, the CRD is
// upstream's, and names, ports, probes and flags follow the conventions clients rely on (§7.15).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { repoRoot, shared } from "../../../test/support/paths.js";

const deploy = (...parts: string[]): string => join(repoRoot, "deploy", "sealed-secrets", ...parts);

/** A copy of `value` without `description` members (documentation, not schema). */
function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "description")
      .map(([key, item]) => [key, withoutDescriptions(item)]),
  );
}

test("deploy/sealed-secrets/crd.yaml is upstream's SealedSecret CRD, descriptions aside", (t) => {
  const upstreamPath = shared("upstream", "sealed-secrets", "crd-bitnami.com_sealedsecrets.yaml");
  if (upstreamPath === undefined) {
    t.skip("../shared not available");
    return;
  }
  const upstream = parse(readFileSync(upstreamPath, "utf8")) as {
    metadata: { annotations?: unknown };
  };
  // controller-gen's version stamp says which tool wrote upstream's file, nothing about the API.
  delete upstream.metadata.annotations;
  const ours: unknown = parse(readFileSync(deploy("crd.yaml"), "utf8"));
  assert.deepEqual(withoutDescriptions(ours), withoutDescriptions(upstream));
});
