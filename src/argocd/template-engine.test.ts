import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { JsonObject } from "./json.js";
import {
  compileTemplateString,
  markStringMap,
  renderGoGeneric,
  renderTemplateString,
  type TemplateMode,
} from "./template-engine.js";

// The compiled renderers read plain field actions straight from the param set; everything else
// goes through the text/template engine. These tests hold the compiled renderer to the engine
// alone (renderGoGeneric) on the cases where the two could part: missing keys under every
// missingkey option, values that are not strings, Go's map printing, trim markers, pipelines.

type Outcome = { ok: string } | { error: string };

function outcome(render: () => string): Outcome {
  try {
    return { ok: render() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const optionLists: readonly (readonly string[])[] = [
  [],
  ["missingkey=default"],
  ["missingkey=zero"],
  ["missingkey=error"],
  ["missingkey=invalid"],
  ["missingkey=zero", "missingkey=error"],
];

function params(): JsonObject {
  return {
    name: "cluster-1",
    server: "https://10.0.0.1:6443",
    empty: "",
    num: 1000000,
    ratio: 0.5,
    flag: true,
    nul: null,
    list: ["a", "b"],
    map: { b: "x", a: 1 },
    nested: { deeper: { leaf: "deep" }, text: "t" },
    metadata: {
      labels: markStringMap({ env: "production", "kubernetes.io/env": "p" }),
      annotations: markStringMap({}),
    },
    values: markStringMap({ revision: "main" }),
    path: { path: "apps/app-1", basename: "app-1", segments: ["apps", "app-1"] },
  };
}

const templates = [
  // Plain field actions: the fast path when the value is a string.
  "{{.name}}",
  "{{ .name }}",
  "{{\t.name\t}}",
  "{{.metadata.labels.env}}",
  "{{.name}}-{{.path.basename}}",
  "prefix {{ .values.revision }} suffix",
  "{{.nested.deeper.leaf}}{{.nested.text}}",
  "{{.empty}}",
  // Trim markers, on each side and around text that is all blanks.
  "a  {{- .name }}",
  "{{ .name -}}  b",
  "a \n\t {{- .name -}} \r\n b",
  "{{- .name -}}",
  "{{- .name}}  {{- .server -}}  {{.name -}}\n",
  "{{-\t.name\t-}}",
  // Missing keys, at every depth and in Go string maps.
  "{{.nope}}",
  "x-{{.nope}}-y",
  "{{.metadata.labels.nope}}",
  "{{.metadata.annotations.nope}}",
  "{{.values.nope}}",
  "{{.nope.deeper}}",
  "{{.nested.nope.leaf}}",
  "{{.name.first}}",
  "{{.path.segments.first}}",
  // Values that are not strings: Go's printing.
  "{{.num}}",
  "{{.ratio}}-{{.flag}}",
  "{{.nul}}",
  "{{.list}}",
  "{{.map}}",
  "{{.nested}}",
  "{{.metadata.labels}}",
  "{{.map.a}}",
  // Names of Object.prototype members are not the param set's data.
  "{{.constructor}}",
  "{{.toString}}",
  "{{.__proto__}}",
  "{{.hasOwnProperty}}",
  "{{.name.length}}",
  "{{.list.length}}",
  "{{.constructor.name}}",
  // Not plain field actions: always the engine.
  "{{ .name | upper }}",
  '{{ .values.nope | default "main" }}',
  '{{ printf "%s-%v" .name .num }}',
  '{{ index .metadata.labels "kubernetes.io/env" }}',
  "{{ $.name }}",
  "{{ . }}",
  "{{/* a comment */}}{{.name}}",
  "{{ if .flag }}yes{{ else }}no{{ end }}",
  "{{ range .path.segments }}[{{ . }}]{{ end }}",
  "{{ normalize .name }}",
  "{{.ñame}}",
  "{{\n.name\n}}",
  "{{-3}}",
  // Broken templates: the engine's parse error.
  "{{.name-}}",
  "{{ .name",
  "{{ nosuchfunc .name }}",
  "{{.name}} {{",
];

test("compileTemplateString() renders goTemplate strings exactly as the engine alone, under every missingkey option", () => {
  for (const options of optionLists) {
    const mode: TemplateMode = { goTemplate: true, goTemplateOptions: options };
    for (const template of templates) {
      const data = params();
      const generic = outcome(() => renderGoGeneric(template, data, options));
      const compiled = outcome(() => compileTemplateString(template, mode)(data));
      assert.deepEqual(compiled, generic, `${template} with ${JSON.stringify(options)}`);
    }
  }
});

test("compileTemplateString() takes the same path for a param set the engine has already seen", () => {
  // The engine's data for a param set is memoized; a fast-path render in between changes nothing.
  const mode: TemplateMode = { goTemplate: true, goTemplateOptions: ["missingkey=zero"] };
  const data = params();
  const first = renderTemplateString("{{.map}} {{.nope}}", data, mode);
  assert.equal(renderTemplateString("{{.name}}", data, mode), "cluster-1");
  assert.equal(renderTemplateString("{{.map}} {{.nope}}", data, mode), first);
  assert.equal(first, "map[a:1 b:x] <no value>");
});

test("compileTemplateString() in fasttemplate mode substitutes string params and keeps other tags", () => {
  const mode: TemplateMode = { goTemplate: false, goTemplateOptions: [] };
  const flat: JsonObject = { name: "c1", "path.basename": "app", "values.x": "1", count: 3 };
  const cases: [string, string][] = [
    ["{{name}}-{{path.basename}}", "c1-app"],
    ["{{ name }}", "c1"],
    ["{{count}}", "{{count}}"],
    ["{{nope}}", "{{nope}}"],
    ["{{}}", "{{}}"],
    ["{{constructor}}", "{{constructor}}"],
    ["{{name\n}}", "{{name\n}}"],
    ["{{ .name }}", "{{ .name }}"],
    ["plain", "plain"],
  ];
  for (const [template, expected] of cases)
    assert.equal(compileTemplateString(template, mode)(flat), expected, template);
  assert.throws(() => compileTemplateString("{{name}} {{x", mode)(flat), {
    message:
      'invalid template: cannot find end tag="}}" in the template="{{name}} {{x" starting from "x"',
  });
});

// Generated templates: text with blanks and newlines, field actions with and without trim
// markers, over names that are mostly present strings (the fast path) and sometimes numbers,
// maps, lists, missing, or names of Object.prototype members.
const name = fc.oneof(
  { arbitrary: fc.constantFrom("a", "b"), weight: 8 },
  { arbitrary: fc.constantFrom("c", "constructor", "length"), weight: 1 },
);
const text = fc.stringMatching(/^[ \t\r\nxy-]{0,4}$/);
const action = fc
  .record({
    left: fc.constantFrom("{{", "{{- ", "{{-\t", "{{ "),
    chain: fc.array(name, { minLength: 1, maxLength: 2 }),
    right: fc.oneof(
      { arbitrary: fc.constantFrom("}}", " -}}", "\t-}}", " }}"), weight: 8 },
      { arbitrary: fc.constant(' | printf "%v" }}'), weight: 1 },
    ),
  })
  .map(({ left, chain, right }) => `${left}.${chain.join(".")}${right}`);
const template = fc
  .tuple(text, fc.array(fc.tuple(action, text), { minLength: 1, maxLength: 3 }))
  .map(([head, rest]) => head + rest.map(([a, t]) => a + t).join(""));
const leaf = fc.oneof(
  { arbitrary: fc.string({ maxLength: 3 }), weight: 6 },
  { arbitrary: fc.constantFrom(3, 1e21, 0.5, true, null), weight: 1 },
  { arbitrary: fc.constant(["l"]), weight: 1 },
);
const paramSet: fc.Arbitrary<JsonObject> = fc.letrec((tie) => ({
  node: fc.dictionary(name, fc.oneof({ depthSize: "small" }, leaf, tie("node")), {
    minKeys: 1,
    maxKeys: 3,
  }),
})).node as fc.Arbitrary<JsonObject>;

test("compileTemplateString() agrees with the engine on generated templates and param sets", () => {
  fc.assert(
    fc.property(
      template,
      paramSet,
      fc.constantFrom(...optionLists),
      fc.boolean(),
      (source, data, options, stringMap) => {
        if (stringMap && typeof data.a === "object" && data.a !== null && !Array.isArray(data.a)) {
          const strings = Object.fromEntries(
            Object.entries(data.a).filter(([, value]) => typeof value === "string"),
          );
          data.a = markStringMap(strings);
        }
        const mode: TemplateMode = { goTemplate: true, goTemplateOptions: options };
        assert.deepEqual(
          outcome(() => compileTemplateString(source, mode)(data)),
          outcome(() => renderGoGeneric(source, data, options)),
        );
      },
    ),
    { numRuns: 500 },
  );
});
