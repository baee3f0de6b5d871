import assert from "node:assert/strict";
import { test } from "node:test";
import { goJsonMarshal } from "./index.js";

test("goJsonMarshal() escapes strings as Go 1.22+ encoding/json does", () => {
  // ESO writes a whole secret as JSON when no property is given: these bytes end up in Secrets.
  assert.equal(
    goJsonMarshal({ "k\b": 'a"\\\n\r\t\b\f\u0001\u001f<>&\u2028\u2029é' }),
    '{"k\\b":"a\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\\u003c\\u003e\\u0026\\u2028\\u2029é"}',
  );
});
