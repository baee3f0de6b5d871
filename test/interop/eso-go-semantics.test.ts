import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  compileGoRegexp,
  formatByteMap,
  formatStringMap,
} from "../../src/controllers/externalsecrets/index.js";

// Go itself is the peer: the same cases through Go's regexp.ReplaceAllString and fmt's %+v, which
// is what ESO runs for rewrite.regexp and hashes for the data-hash annotation.
const goBinary = "/usr/lib/go-1.19/bin/go";

const program = `package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

type replaceCase struct{ Pattern, Input, Template string }
type input struct {
	Replace []replaceCase
	Bytes   map[string][]byte
	Strings map[string]string
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := map[string]any{}
	var replaced []string
	for _, c := range in.Replace {
		replaced = append(replaced, regexp.MustCompile(c.Pattern).ReplaceAllString(c.Input, c.Template))
	}
	out["replace"] = replaced
	out["bytes"] = fmt.Sprintf("%+v", in.Bytes)
	out["meta"] = fmt.Sprintf("%+v", struct {
		annotations map[string]string
		labels      map[string]string
	}{in.Strings, nil})
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
`;

const replaceCases = [
  { Pattern: "^db-(.*)$", Input: "db-password", Template: "$1" },
  { Pattern: "(a)", Input: "a", Template: "$1x" },
  { Pattern: "(a)", Input: "a", Template: "${1}x" },
  { Pattern: "(?P<w>[a-z]+)", Input: "ab-cd", Template: "<$w>" },
  { Pattern: "a*", Input: "baaac", Template: "X" },
  { Pattern: "", Input: "héllo", Template: "-" },
  { Pattern: "x*", Input: "😀x😀", Template: "[$0]" },
  { Pattern: "(?i)(\\w+)@(\\w+)", Input: "Ops@Team and dev@x", Template: "${2}.$1$$" },
  { Pattern: "[^[:alnum:]]", Input: "dev/app.db:key", Template: "_" },
];

test("Go regexp and fmt agree with our rewrite and hash formatting", (t) => {
  if (!existsSync(goBinary)) {
    t.skip("Go 1.19 is not installed at /usr/lib/go-1.19");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "eso-go-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, "main.go"), program);
  const bytes = { "b.key": [1, 2, 255], a: [], Z: [104, 105], é: [0] };
  const strings = { "force-sync": "17", app: "web", "x/y": "a b" };
  const result = spawnSync(goBinary, ["run", "main.go"], {
    cwd: dir,
    input: JSON.stringify({
      Replace: replaceCases,
      // Go's JSON decodes []byte from base64.
      Bytes: Object.fromEntries(
        Object.entries(bytes).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
      ),
      Strings: strings,
    }),
    encoding: "utf8",
    env: {
      ...process.env,
      GOCACHE: join(dir, "cache"),
      GOPATH: join(dir, "gopath"),
      GO111MODULE: "off",
    },
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const go = JSON.parse(result.stdout) as { replace: string[]; bytes: string; meta: string };
  assert.deepEqual(
    replaceCases.map((c) => compileGoRegexp(c.Pattern).replaceAll(c.Input, c.Template)),
    go.replace,
  );
  assert.equal(
    formatByteMap(new Map(Object.entries(bytes).map(([k, v]) => [k, Uint8Array.from(v)]))),
    go.bytes,
  );
  assert.equal(
    `{annotations:${formatStringMap(strings)} labels:${formatStringMap(undefined)}}`,
    go.meta,
  );
});
