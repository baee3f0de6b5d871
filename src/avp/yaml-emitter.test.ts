import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { testdata } from "../../test/support/paths.js";
import { parseJson } from "../providers/index.js";
import { emitYamlDocument } from "./yaml-emitter.js";
import { toYamlNode } from "./value.js";

interface GoldenCase {
  json: string;
  yaml: string;
}

const golden = JSON.parse(readFileSync(testdata("avp", "go-yaml-v2-emitter.json"), "utf8")) as {
  cases: GoldenCase[];
};

test("emitYamlDocument() writes byte for byte what go-yaml v2.4.0 writes (golden table made by the Go library)", () => {
  assert.ok(golden.cases.length > 300);
  const failures: string[] = [];
  for (const { json, yaml } of golden.cases) {
    const ours = emitYamlDocument(toYamlNode(parseJson(json)));
    if (ours !== yaml) failures.push(`${json}\n--- go:\n${yaml}--- ours:\n${ours}`);
  }
  assert.equal(
    failures.length,
    0,
    `${failures.length} mismatches; first:\n${failures.slice(0, 3).join("\n\n")}`,
  );
});
