import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { createTestRepo } from "../../test/support/git-repo.js";
import { testdata } from "../../test/support/paths.js";
import { readClusterSecret } from "./cluster-secret.js";
import { transformEntry } from "./generate-params.js";
import type { GeneratorContext } from "./generator-context.js";
import { GitRepositories } from "./git-repositories.js";
import type { JsonObject, JsonValue } from "./json.js";

interface Case {
  name: string;
  goTemplate?: boolean;
  goTemplateOptions?: string[];
  entry: JsonObject;
  clusterSecrets?: JsonObject[];
  repo?: { url: string; files: Record<string, string>; symlinks?: Record<string, string> };
  newGlobbing?: boolean;
  unordered?: boolean;
  expect?: JsonValue[];
  expectError?: string;
}

const folder = testdata("argocd", "generators");
const files = readdirSync(folder).filter((name) => name.endsWith(".json"));

for (const file of files) {
  const cases = JSON.parse(readFileSync(`${folder}/${file}`, "utf8")) as Case[];
  test(`generator golden table ${file}`, async (t) => {
    for (const entry of cases) {
      await t.test(entry.name, async (t) => {
        let git: GitRepositories | undefined;
        if (entry.repo !== undefined) {
          const repo = createTestRepo();
          t.after(() => {
            repo.remove();
          });
          repo.commit(entry.repo.files, entry.repo.symlinks);
          const reader = new GitRepositories(new Map([[entry.repo.url, repo.path]]));
          t.after(() => reader.close());
          git = reader;
        }
        const context: GeneratorContext = {
          appSetName: "golden",
          mode: {
            goTemplate: entry.goTemplate ?? false,
            goTemplateOptions: entry.goTemplateOptions ?? [],
          },
          clusterSecrets: (entry.clusterSecrets ?? []).map((secret, index) =>
            readClusterSecret(secret, `clusterSecrets[${index}]`),
          ),
          git,
          newGitFileGlobbing: entry.newGlobbing ?? false,
          templateProject: "default",
        };
        const run = transformEntry(entry.entry, {}, context, "spec.generators[0]", { depth: 0 });
        if (entry.expectError !== undefined) {
          await assert.rejects(run, (error: Error) => {
            assert.equal(error.message, entry.expectError);
            return true;
          });
          return;
        }
        const results = await run;
        assert.equal(results.length, 1, "one generator kind per golden entry");
        // Through JSON: string maps carry a symbol mark for the template engine.
        const params = JSON.parse(JSON.stringify(results[0]?.params ?? [])) as unknown[];
        const expected = entry.expect ?? [];
        if (entry.unordered === true) {
          const key = (value: unknown): string =>
            JSON.stringify(value, Object.keys(value ?? {}).sort());
          assert.deepEqual(params.map(key).sort(), expected.map(key).sort());
          assert.deepEqual(sortDeep(params), sortDeep(expected));
        } else {
          assert.deepEqual(params, expected);
        }
      });
    }
  });
}

function sortDeep(values: readonly unknown[]): unknown[] {
  return values.map((value) => JSON.stringify(canonical(value))).sort();
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
