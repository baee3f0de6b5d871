// The engine's behaviour beyond the conformance table: the value model for callers, bad and
// hostile input (clean errors, bounded recursion), and property tests of the lexer and parser.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  GoInt,
  GoMap,
  GoSlice,
  goFunc,
  parseGoTemplate,
  renderGoTemplate,
  TemplateError,
} from "./index.js";
import { nodeString, parseTemplate } from "./parser.js";
import { builtinFunctions } from "./builtins.js";

const opts = { name: "t" } as const;

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TemplateError, `expected a TemplateError, got ${String(e)}`);
    return e.message;
  }
  assert.fail("expected an error");
}

describe("value model", () => {
  test("typed maps: missingkey=zero gives the element's zero value", () => {
    const labels = new GoMap("string", { env: "prod" });
    const t = parseGoTemplate('[{{.labels.env}}][{{.labels.team}}][{{printf "%T" .labels}}]', {
      ...opts,
      missingKey: "zero",
    });
    assert.equal(t.execute({ labels }), "[prod][][map[string]string]");
    assert.equal(renderGoTemplate("[{{.labels.team}}]", { labels }, opts), "[<no value>]");
  });

  test("typed slices and ints print and compare like Go's", () => {
    const data = { names: new GoSlice("string", ["a", "b"]), n: new GoInt("int64", 5n) };
    assert.equal(
      renderGoTemplate(
        '{{.names}} {{printf "%T %T" .names .n}} {{eq .n 5}} {{index .names 1}}',
        data,
        opts,
      ),
      "[a b] []string int64 true b",
    );
  });

  test("Uint8Array is []byte", () => {
    const data = { b: new Uint8Array([104, 105]) };
    assert.equal(
      renderGoTemplate(
        '{{.b}} {{printf "%s %x %T" .b .b .b}} {{len .b}} {{index .b 0}}',
        data,
        opts,
      ),
      "[104 105] hi 6869 []uint8 2 104",
    );
  });

  test("user functions get Go's argument checks and error wrapping", () => {
    const functions = {
      greet: goFunc(["string", "int"], (name: string, times: GoInt) =>
        `hi ${name}`.repeat(times.toNumber()),
      ),
      boom: goFunc([], () => {
        throw new Error("it broke");
      }),
    };
    const render = (t: string, d: unknown = {}): string =>
      renderGoTemplate(t, d, { ...opts, functions });
    assert.equal(render('{{greet "x" 2}}'), "hi xhi x");
    assert.equal(
      errorOf(() => render("{{greet .n 2}}", { n: 1 })),
      'template: t:1:8: executing "t" at <.n>: wrong type for value; expected string; got float64',
    );
    assert.equal(
      errorOf(() => render('{{greet "x" 1.5}}')),
      'template: t:1:12: executing "t" at <1.5>: expected integer; found 1.5',
    );
    assert.equal(
      errorOf(() => render("{{boom}}")),
      'template: t:1:2: executing "t" at <boom>: error calling boom: it broke',
    );
    assert.equal(
      errorOf(() => renderGoTemplate("{{x}}", {}, { functions: { "a-b": functions.boom } })),
      'function name "a-b" is not a valid identifier',
    );
  });

  test("a parsed template executes many times with different data", () => {
    const t = parseGoTemplate("{{.name}}-{{.n}}", opts);
    assert.equal(t.execute({ name: "a", n: 1 }), "a-1");
    assert.equal(t.execute({ name: "b", n: 2.5 }), "b-2.5");
  });

  test("the template name appears in errors", () => {
    assert.equal(
      errorOf(() => renderGoTemplate("{{.a.b}}", { a: "x" }, { name: "password" })),
      'template: password:1:4: executing "password" at <.a.b>: can\'t evaluate field b in type interface {}',
    );
  });
});

describe("bad and hostile input", () => {
  test("an unclosed action deep in a large template names its line", () => {
    const source = "line\n".repeat(5000) + "{{ .open ";
    assert.equal(
      errorOf(() => parseGoTemplate(source, opts)),
      "template: t:5001: unclosed action",
    );
  });

  test("a huge template parses once and renders", () => {
    const source = Array.from({ length: 20000 }, (_, i) => `{{.k${i % 10}}},`).join("");
    const data = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    const out = parseGoTemplate(source, opts).execute(data);
    assert.equal(out.length, 20000 * 2);
  });

  test("runaway {{template}} recursion stops with Go's depth error", () => {
    const message = errorOf(() =>
      renderGoTemplate(
        '{{define "loop"}}{{template "loop" .}}{{end}}{{template "loop" .}}',
        {},
        opts,
      ),
    );
    assert.equal(
      message,
      'template: t:1:28: executing "loop" at <{{template "loop" .}}>: exceeded maximum template depth (100000)',
    );
  });

  test("deep nesting ends in a clean error or a result, never a crash", () => {
    const deepParens = "{{" + "(".repeat(50000) + "1" + ")".repeat(50000) + "}}";
    const message = errorOf(() => parseGoTemplate(deepParens, opts));
    assert.equal(message, "template: t: nested too deeply");
    // Go has no nesting limit; ours is the JavaScript stack (about a thousand levels), past which the
    // parse fails cleanly instead of crashing.
    const deepIfs = "{{if true}}".repeat(300) + "x" + "{{end}}".repeat(300);
    assert.equal(renderGoTemplate(deepIfs, null, opts), "x");
    const tooDeep = "{{if true}}".repeat(20000) + "x" + "{{end}}".repeat(20000);
    assert.equal(
      errorOf(() => parseGoTemplate(tooDeep, opts)),
      "template: t: nested too deeply",
    );
  });

  test("cyclic data is a clean error", () => {
    const data: Record<string, unknown> = { name: "x" };
    data.self = data;
    assert.match(
      errorOf(() => renderGoTemplate("{{.self}}", data, opts)),
      /^template: t: /,
    );
  });

  test("unknown functions, bad numbers and stray tokens are parse errors", () => {
    assert.equal(
      errorOf(() => parseGoTemplate("{{ nope 1 }}", opts)),
      'template: t:1: function "nope" not defined',
    );
    assert.equal(
      errorOf(() => parseGoTemplate("{{ 0x }}", opts)),
      'template: t:1: illegal number syntax: "0x"',
    );
    assert.equal(
      errorOf(() => parseGoTemplate("{{ end }}", opts)),
      "template: t:1: unexpected {{end}}",
    );
    assert.equal(
      errorOf(() => parseGoTemplate("{{ if 1 }}\n{{ else }}\n{{ else }}{{ end }}", opts)),
      "template: t:3: expected end; found {{else}}",
    );
  });
});

// A small grammar of templates, for property tests of the parser.
const field = fc.constantFrom(".a", ".b", ".a.b", ".", "$", "$.a");
const literal = fc.constantFrom('"s"', "`raw`", "1", "2.5", "true", "nil", "'c'");
const command = fc.oneof(
  field,
  literal.filter((l) => l !== "nil"),
  fc
    .tuple(
      fc.constantFrom("printf", "len", "index", "eq", "print"),
      fc.array(fc.oneof(field, literal), { minLength: 1, maxLength: 3 }),
    )
    .map(([fn, args]) => `${fn} ${args.join(" ")}`),
);
// Stages after the first must be executable (a function or a field), or the parse fails.
const laterStage = fc.constantFrom('printf "%v"', "len", "print", ".a", "index .", "eq 1");
const pipeline = fc
  .tuple(command, fc.array(laterStage, { maxLength: 2 }))
  .map(([first, rest]) => [first, ...rest].join(" | "));
const text = fc.string({ maxLength: 8 }).map((s) => s.replaceAll("{", "(").replaceAll("}", ")"));
const { tree } = fc.letrec((tie) => ({
  tree: fc.array(tie("node"), { maxLength: 4 }).map((nodes) => (nodes as string[]).join("")),
  node: fc.oneof(
    { depthSize: "small" },
    text,
    pipeline.map((p) => `{{${p}}}`),
    fc
      .tuple(fc.constantFrom("if", "with", "range"), pipeline, tie("tree"), fc.option(tie("tree")))
      .map(
        ([kw, p, body, other]) =>
          `{{${kw} ${p}}}${body as string}${other === null ? "" : `{{else}}${other as string}`}{{end}}`,
      ),
  ),
}));

const hasFunction = (name: string): boolean => builtinFunctions.has(name);

describe("parser properties", () => {
  test("printing a parsed tree and parsing it again gives the same tree text", () => {
    fc.assert(
      fc.property(tree, (source) => {
        const first = parseTemplate("t", source, hasFunction).get("t");
        assert.ok(first !== undefined);
        const printed = nodeString(first.root);
        const second = parseTemplate("t", printed, hasFunction).get("t");
        assert.ok(second !== undefined);
        assert.equal(nodeString(second.root), printed);
      }),
      { numRuns: 300 },
    );
  });

  test("any input either parses or fails with a TemplateError", () => {
    fc.assert(
      fc.property(
        fc.string({
          maxLength: 40,
          unit: fc.constantFrom(
            "{",
            "}",
            "-",
            " ",
            ".",
            "a",
            "$",
            "(",
            ")",
            "|",
            '"',
            "/",
            "*",
            "1",
            "\n",
            "é",
          ),
        }),
        (source) => {
          try {
            parseGoTemplate(source, opts).execute({ a: { b: 1 } });
          } catch (e) {
            assert.ok(e instanceof TemplateError, String(e));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("text without actions renders unchanged", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const source = s.replaceAll("{{", "{");
        assert.equal(renderGoTemplate(source, null, opts), source);
      }),
    );
  });
});
