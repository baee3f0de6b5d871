// goTemplate mode offers Argo CD's template functions (Sprig minus env/expandenv/getHostByName,
// plus normalize, slugify, toYaml…), as an ApplicationSet's template can use them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderTemplateString } from "./template-engine.js";

const goTemplate = { goTemplate: true, goTemplateOptions: [] };

test("renderTemplateString() in goTemplate mode has Sprig's and Argo CD's functions", () => {
  const params = { name: "Prod_EU", path: { basename: "guestbook" } };
  assert.equal(
    renderTemplateString('{{ .revision | default "main" }}', params, goTemplate),
    "main",
  );
  assert.equal(
    renderTemplateString("{{ .name | lower }}-{{ .path.basename | trunc 5 }}", params, goTemplate),
    "prod_eu-guest",
  );
  assert.equal(renderTemplateString("{{ normalize .name }}", params, goTemplate), "prod-eu");
  assert.equal(
    renderTemplateString("{{ .path | toYaml | trim }}", params, goTemplate),
    "basename: guestbook",
  );
});

test("renderTemplateString() in goTemplate mode refuses the functions Argo CD removes", () => {
  for (const source of ['{{ env "HOME" }}', '{{ expandenv "$HOME" }}']) {
    assert.throws(() => renderTemplateString(source, {}, goTemplate), /not defined/, source);
  }
});
