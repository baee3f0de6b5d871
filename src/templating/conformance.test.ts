// Every case of the Go-produced conformance table (../shared/conformance/gotemplate), byte-exact.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { shared } from "../../test/support/paths.js";
import { renderGoTemplate, TemplateError, type MissingKey } from "./index.js";

interface Case {
  name: string;
  template: string;
  data: unknown;
  missingkey?: MissingKey;
  expect?: string;
  error?: boolean;
  errorText?: string;
}

// Go releases newer than the 1.19 that produced the table name the two types in comparison errors
// (golang/go#71421); the table's README allows either form for these cases.
const newerCompareForm: Readonly<Record<string, string>> = {
  "compare: eq of a JSON number with an int literal is an error": "float64 and int",
  "compare: eq of a number with a string is an error": "float64 and string",
  "compare: lt of a string and a number is incompatible": "string and int",
};

const path = shared("conformance", "gotemplate", "cases.json");

test("Go text/template conformance table", async (t) => {
  if (path === undefined) {
    t.skip("../shared not available");
    return;
  }
  const cases = JSON.parse(readFileSync(path, "utf8")) as Case[];
  assert.ok(cases.length >= 172, "the table has all its cases");
  for (const c of cases) {
    await t.test(c.name, () => {
      const options = { name: "t", missingKey: c.missingkey ?? "default" } as const;
      if (c.error === true) {
        let message = "";
        assert.throws(
          () => renderGoTemplate(c.template, c.data, options),
          (e: unknown) => {
            message = e instanceof TemplateError ? e.message : String(e);
            return e instanceof TemplateError;
          },
        );
        const newer = newerCompareForm[c.name];
        const accepted = [c.errorText ?? ""];
        if (newer !== undefined) accepted.push(`${c.errorText ?? ""}: ${newer}`);
        assert.ok(
          accepted.includes(message),
          `got ${JSON.stringify(message)}, want ${JSON.stringify(accepted[0])}`,
        );
      } else {
        assert.equal(renderGoTemplate(c.template, c.data, options), c.expect);
      }
    });
  }
});
