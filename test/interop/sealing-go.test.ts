// kubeseal's byte-level behaviour checked against Go itself on generated inputs: encoding/base64
// (error offsets for bad items), encoding/json (pretty output and escapes) and sigs.k8s.io/yaml
// JSONToYAML over gopkg.in/yaml.v2 (key order, quoting, folding) — the libraries kubeseal prints
// with. Needs Go 1.19 and Debian's golang-k8s-sigs-yaml-dev (installed by .ci/run).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import {
  decodeGoBase64,
  goJsonIndent,
  goYamlMarshal,
  GoMap,
  yamlKeyLess,
  type GoValue,
} from "../../src/sealing/index.js";

const go = "/usr/lib/go-1.19/bin/go";
const gopath = "/usr/share/gocode";

const program = `package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

type request struct {
	Op   string          \`json:"op"\`
	Text string          \`json:"text"\`
	JSON json.RawMessage \`json:"json"\`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		result := map[string]string{}
		switch r.Op {
		case "base64":
			b, err := base64.StdEncoding.DecodeString(r.Text)
			if err != nil {
				result["error"] = err.Error()
			} else {
				result["out"] = base64.StdEncoding.EncodeToString(b)
			}
		case "yaml":
			// kubeseal's path: the object goes through json.Marshal, then JSONToYAML.
			var v interface{}
			if err := json.Unmarshal(r.JSON, &v); err != nil {
				panic(err)
			}
			j, err := json.Marshal(v)
			if err != nil {
				panic(err)
			}
			y, err := yaml.JSONToYAML(j)
			if err != nil {
				result["error"] = err.Error()
			}
			result["out"] = string(y)
		case "json":
			var v interface{}
			if err := json.Unmarshal(r.JSON, &v); err != nil {
				panic(err)
			}
			b, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				panic(err)
			}
			result["out"] = string(b)
		}
		out.Encode(result)
	}
	fmt.Fprintln(os.Stderr, "done")
}
`;

const available = existsSync(go) && existsSync(join(gopath, "src", "sigs.k8s.io", "yaml"));

function runGo(
  t: { after: (fn: () => void) => void },
  requests: readonly object[],
): { out?: string; error?: string }[] {
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-go-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, "main.go"), program);
  const env = {
    ...process.env,
    GO111MODULE: "off",
    GOPATH: gopath,
    GOCACHE: join(dir, "cache"),
    GOFLAGS: "",
  };
  execFileSync(go, ["build", "-o", join(dir, "peer"), "main.go"], { cwd: dir, env, stdio: "pipe" });
  const output = execFileSync(join(dir, "peer"), {
    input: requests.map((r) => JSON.stringify(r)).join("\n"),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return output
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { out?: string; error?: string });
}

// Strings that exercise YAML 1.1 resolution, indicators, whitespace, escapes and folding. U+0085
// (NEL) is left out: Go's JSON leaves it raw and yaml.v2 then folds it into a space, a mangling
// kubeseal does and we do not copy.
const fragments = [
  "",
  " ",
  "  ",
  "\t",
  "\n",
  "\r",
  "-",
  "- ",
  ":",
  ": ",
  "#",
  " #",
  "?",
  "'",
  '"',
  "\\",
  "|",
  ">",
  "{",
  "}",
  "[",
  "]",
  ",",
  "&",
  "*",
  "!",
  "%",
  "@",
  "`",
  "true",
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "n",
  "~",
  "null",
  "NULL",
  ".inf",
  "-.Inf",
  ".nan",
  "<<",
  "0",
  "00",
  "012",
  "09",
  "0x1F",
  "0o17",
  "0b101",
  "-0b11",
  "1_000",
  "1e3",
  "1.5",
  ".5",
  "+1",
  "-",
  "1:20",
  "190:20:30",
  "2024-01-01",
  "2024-1-2",
  "2024-13-01",
  "2024-01-01T10:00:00Z",
  "2024-01-01 10:00:00",
  "2024-02-30",
  "---",
  "...",
  "é",
  "日本",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "😀",
  "\u0001",
  "\u007f",
  "word",
  "AgB+/x==",
  "a".repeat(85),
  "long words ".repeat(12),
];
const textArbitrary = fc
  .array(fc.constantFrom(...fragments), { maxLength: 5 })
  .map((parts) => parts.join(""));
const plain = (value: unknown): GoValue => {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null)
    return new GoMap(Object.entries(value).map(([k, v]) => [k, plain(v)] as const));
  return value as GoValue;
};

function totallyOrdered(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(totallyOrdered);
  if (typeof value !== "object" || value === null) return true;
  const keys = Object.keys(value);
  const consistent = keys.every((a) =>
    keys.every((b) => a === b || yamlKeyLess(a, b) !== yamlKeyLess(b, a)),
  );
  const transitive = keys.every((a) =>
    keys.every((b) =>
      keys.every((c) => !(yamlKeyLess(a, b) && yamlKeyLess(b, c)) || yamlKeyLess(a, c)),
    ),
  );
  return consistent && transitive && Object.values(value).every(totallyOrdered);
}

test("goYamlMarshal() writes what sigs.k8s.io/yaml JSONToYAML writes", (t) => {
  if (!available) {
    t.skip("Go 1.19 or golang-k8s-sigs-yaml-dev not installed");
    return;
  }
  const leaf = fc.oneof(
    textArbitrary,
    fc.string().filter((text) => !text.includes("\u0085")),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.array(tie("node"), { maxLength: 3 }),
      fc.dictionary(textArbitrary, tie("node"), { maxKeys: 4 }),
    ),
  })).node;
  const samples = fc.sample(
    fc.dictionary(fc.oneof(textArbitrary, fc.string()), tree, { maxKeys: 5 }),
    { numRuns: 600, seed: 42 },
  );
  const results = runGo(
    t,
    samples.map((sample) => ({ op: "yaml", json: sample })),
  );
  let compared = 0;
  samples.forEach((sample, i) => {
    // Inputs Go's YAML reader refuses (e.g. a raw DEL) make kubeseal fail too: nothing to compare.
    if (results[i]?.error !== undefined) return;
    // yaml.v2's key order is not transitive for some digit-leading keys ("1e3" < "002" < "0x1" <
    // "1e3"); Go then prints them in map-iteration (random) order, so there is no answer to match.
    if (!totallyOrdered(sample)) return;
    compared++;
    const ours = goYamlMarshal(plain(sample)).split("\n");
    const theirs = (results[i]?.out ?? "").split("\n");
    const line = ours.findIndex((text, k) => text !== theirs[k]);
    const where = `line ${line}: ours ${JSON.stringify(ours[line])}, Go ${JSON.stringify(theirs[line])}`;
    assert.equal(line, -1, `${JSON.stringify(sample)}\n${where}`);
    assert.equal(ours.length, theirs.length, JSON.stringify(sample));
  });
  assert.ok(compared > samples.length / 2, `${compared} of ${samples.length} compared`);
});

test("decodeGoBase64() fails at the same offset as Go's encoding/base64", (t) => {
  if (!available) {
    t.skip("Go 1.19 not installed");
    return;
  }
  const alphabet = fc.constantFrom(..."ABCabc019+/=\n\r.-_ é".split(""));
  const samples = [
    ...fc.sample(
      fc.array(alphabet, { maxLength: 14 }).map((chars) => chars.join("")),
      { numRuns: 800, seed: 7 },
    ),
    ...fc.sample(
      fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes).toString("base64")),
      { numRuns: 50, seed: 8 },
    ),
  ];
  const results = runGo(
    t,
    samples.map((text) => ({ op: "base64", text })),
  );
  samples.forEach((text, i) => {
    const expected = results[i];
    let ours: { out?: string; error?: string };
    try {
      ours = { out: decodeGoBase64(text).toString("base64") };
    } catch (error) {
      ours = { error: (error as Error).message };
    }
    assert.deepEqual(ours, expected, JSON.stringify(text));
  });
});

test("goJsonIndent() writes what Go's json.MarshalIndent writes for maps", (t) => {
  if (!available) {
    t.skip("Go 1.19 not installed");
    return;
  }
  // Go 1.19 writes \\u0008 and \\u000c where Go 1.22+ (kubeseal's toolchain) writes \\b and \\f.
  const text = fc.string({ unit: "binary" }).filter((s) => !/[\b\f]/.test(s) && s.isWellFormed());
  const samples = fc.sample(
    fc.dictionary(
      text,
      fc.oneof(text, fc.array(text, { maxLength: 2 }), fc.dictionary(text, text, { maxKeys: 3 })),
      { maxKeys: 4 },
    ),
    { numRuns: 300, seed: 9 },
  );
  const results = runGo(
    t,
    samples.map((sample) => ({ op: "json", json: sample })),
  );
  samples.forEach((sample, i) => {
    assert.equal(goJsonIndent(plain(sample)), results[i]?.out, JSON.stringify(sample));
  });
});
