// Argo CD's template helpers: fasttemplate substitution and the goTemplate additions, with the
// examples of spec/argocd.md §4.2–§4.4.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  FastTemplateError,
  functionSet,
  normalizeName,
  renderFastTemplate,
  renderGoTemplate,
  slugifyName,
} from "./index.js";

const params = {
  name: "in-cluster",
  "metadata.labels.env": "prod",
  "path[0]": "apps",
  n: 3,
  empty: "",
};

describe("renderFastTemplate", () => {
  const cases: [string, string][] = [
    ["{{name}}", "in-cluster"],
    ["{{ name }}-{{metadata.labels.env}}/{{ path[0] }}", "in-cluster-prod/apps"],
    ["{{\tname\u00a0}}", "in-cluster"],
    ["{{ unknown }} {{}} {{ n }}", "{{ unknown }} {{}} {{ n }}"],
    ["{{empty}}x", "x"],
    ["no tags at all", "no tags at all"],
    [
      "{{a\n}} spans lines but has no tag on one line",
      "{{a\n}} spans lines but has no tag on one line",
    ],
    ["{{name}} then {{ name\n}}", "in-cluster then in-cluster"],
    ["{{{name}}}", "{{{name}}}"],
  ];
  for (const [template, want] of cases) {
    test(`renders ${JSON.stringify(template)}`, () => {
      assert.equal(renderFastTemplate(template, params), want);
    });
  }

  test("does not render substituted values again", () => {
    assert.equal(renderFastTemplate("{{a}}", { a: "{{b}}", b: "x" }), "{{b}}");
  });

  test("an unclosed tag in a templated string is fasttemplate's error", () => {
    assert.throws(
      () => renderFastTemplate("{{name}} and {{ broken", params),
      (e: unknown) =>
        e instanceof FastTemplateError &&
        e.message ===
          'cannot find end tag="}}" in the template="{{name}} and {{ broken" starting from " broken"',
    );
    assert.equal(renderFastTemplate("{{a alone", params), "{{a alone");
  });

  test("strings without tags come back unchanged (property)", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const text = s.replaceAll("{{", "{");
        assert.equal(renderFastTemplate(text, params), text);
      }),
    );
  });
});

describe("Argo CD name helpers", () => {
  test("normalize follows the spec's examples", () => {
    assert.equal(normalizeName("production_01/west"), "production-01-west");
    assert.equal(normalizeName("-.--CLUSTER/name  -./.-"), "cluster-name");
    assert.equal(normalizeName("naïve😀x"), "na-ve-x");
    assert.equal(normalizeName("a".repeat(300)).length, 253);
  });

  test("slugify truncates smartly or not, as gosimple/slug does", () => {
    const long =
      "feat/a-really-long-pull-request-name-to-test-argo-slugification-and-branch-name-shortening-feature";
    assert.equal(slugifyName(long, 50, false), "feat-a-really-long-pull-request-name-to-test-argo");
    assert.equal(
      slugifyName(
        "feat-areallylongpullrequestnametotestargoslugificationandbranchnameshorteningfeature",
      ),
      "feat",
    );
    assert.equal(slugifyName("abc", 0, false), "");
  });

  test("goTemplate functions: normalize, slugify, toYaml, fromYaml, fromYamlArray", () => {
    const functions = functionSet("argocd");
    const render = (t: string, d: unknown = null): string =>
      renderGoTemplate(t, d, { name: "base", functions });
    assert.equal(
      render('{{ normalize "A_b" }} {{ slugify 5 false "Hello World" }} {{ slugify "x.y" }}'),
      "a-b hello x-y",
    );
    assert.equal(
      render("{{ toYaml . }}", { list: ["a", { b: 1 }], on: "on", num: 1e21, n: "y" }),
      'list:\n- a\n- b: 1\n"n": "y"\nnum: 1e+21\n"on": "on"',
    );
    assert.equal(
      render('{{ (fromYaml "a: {b: [1, 2]}").a.b }} {{ fromYamlArray "- x\\n- 0755" }}'),
      "[1 2] [x 493]",
    );
    assert.throws(
      () => render('{{ fromYaml "- a" }}'),
      /error calling fromYaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map\[string\]interface \{\}/,
    );
    assert.throws(
      () => render('{{ slugify 1.5 "x" }}'),
      /error calling slugify: interface conversion: interface \{\} is float64, not int/,
    );
  });
});
