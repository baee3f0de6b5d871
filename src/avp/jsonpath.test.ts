import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { testdata } from "../../test/support/paths.js";
import { parseJson } from "../providers/index.js";
import { goJsonUnmarshal } from "./go-json.js";
import { parseJsonPath } from "./jsonpath.js";
import type { AvpValue } from "./value.js";

interface GoldenCase {
  template: string;
  input: string;
  numbers: boolean;
  output?: string;
  error?: string;
}

const golden = JSON.parse(readFileSync(testdata("avp", "client-go-jsonpath.json"), "utf8")) as {
  cases: GoldenCase[];
};

function evaluate(template: string, data: AvpValue): { output?: string; error?: string } {
  try {
    return { output: parseJsonPath(template)(data) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

// Go iterates maps in random order: templates that walk a map's values compare as word sets.
const walksMaps = (template: string): boolean => /\.\.|\.\*|range \.\}/.test(template);
const words = (text: string | undefined): string[] => (text ?? "").split(/\s+/).sort();

test("parseJsonPath() gives client-go v0.29.3's output or error for every golden case", () => {
  assert.ok(golden.cases.length > 800);
  const failures: string[] = [];
  for (const item of golden.cases) {
    const data = item.numbers ? (parseJson(item.input) as AvpValue) : goJsonUnmarshal(item.input);
    const ours = evaluate(item.template, data);
    const same =
      item.error !== undefined
        ? ours.error === item.error
        : walksMaps(item.template)
          ? words(ours.output).join(" ") === words(item.output).join(" ")
          : ours.output === item.output;
    if (!same) {
      failures.push(
        `${item.template} on ${item.input.slice(0, 60)} (numbers=${String(item.numbers)})\n  go:   ${JSON.stringify(item)}\n  ours: ${JSON.stringify(ours)}`,
      );
    }
  }
  assert.equal(
    failures.length,
    0,
    `${failures.length} mismatches:\n${failures.slice(0, 8).join("\n")}`,
  );
});

test("parseJsonPath() rejects a template with an unknown character as client-go words it", () => {
  assert.throws(() => parseJsonPath("{!.a}"), {
    message: "unrecognized character in action: U+0021 '!'",
  });
});
