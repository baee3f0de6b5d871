import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { testdata } from "../../test/support/paths.js";
import type { JsonObject } from "./json.js";
import { renderApplication } from "./render.js";
import { renderTemplateString } from "./template-engine.js";

interface StringCase {
  name: string;
  template: string;
  params: JsonObject;
  goTemplateOptions?: string[];
  expect?: string;
  expectError?: string;
}

interface RenderCase {
  name: string;
  template: JsonObject;
  templatePatch?: string;
  preserveResourcesOnDeletion?: boolean;
  namespace?: string;
  goTemplate?: boolean;
  goTemplateOptions?: string[];
  params: JsonObject;
  expect?: JsonObject;
  expectError?: string;
}

function load<T>(name: string): T[] {
  return JSON.parse(readFileSync(testdata("argocd", "templates", name), "utf8")) as T[];
}

test("renderTemplateString() in fasttemplate mode follows the golden table", async (t) => {
  for (const entry of load<StringCase>("strings-fasttemplate.json")) {
    await t.test(entry.name, () => {
      const mode = { goTemplate: false, goTemplateOptions: [] };
      if (entry.expectError !== undefined) {
        assert.throws(() => renderTemplateString(entry.template, entry.params, mode), {
          message: entry.expectError,
        });
      } else {
        assert.equal(renderTemplateString(entry.template, entry.params, mode), entry.expect);
      }
    });
  }
});

test("renderApplication() follows the golden table", async (t) => {
  for (const entry of load<RenderCase>("render.json")) {
    await t.test(entry.name, () => {
      const settings = {
        mode: {
          goTemplate: entry.goTemplate ?? false,
          goTemplateOptions: entry.goTemplateOptions ?? [],
        },
        preserveResourcesOnDeletion: entry.preserveResourcesOnDeletion ?? false,
        templatePatch: entry.templatePatch,
        namespace: entry.namespace ?? "argocd",
      };
      if (entry.expectError !== undefined) {
        assert.throws(() => renderApplication(entry.template, entry.params, settings), {
          message: entry.expectError,
        });
      } else {
        assert.deepEqual(renderApplication(entry.template, entry.params, settings), entry.expect);
      }
    });
  }
});
