// Renders ApplicationSet goTemplate strings with Go's own text/template, the way Argo CD's
// Render.Replace does (template "base", goTemplateOptions, params typed as the generators build
// them: map[string]interface{} with map[string]string for cluster labels/annotations and values),
// and compares with renderTemplateString, including the wrapped error texts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { markStringMap, renderTemplateString } from "../../src/argocd/template-engine.js";
import type { JsonObject } from "../../src/argocd/json.js";

const go = "/usr/lib/go-1.19/bin/go";

const program = `package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
)

type testCase struct {
	Template   string                 \`json:"template"\`
	Options    []string               \`json:"options"\`
	Params     map[string]interface{} \`json:"params"\`
	StringMaps []string               \`json:"stringMaps"\`
}

// toStringMap turns the map at a dotted path into map[string]string, as the generators type it.
func toStringMap(params map[string]interface{}, path string) {
	parts := strings.Split(path, ".")
	current := params
	for _, part := range parts[:len(parts)-1] {
		next, ok := current[part].(map[string]interface{})
		if !ok {
			return
		}
		current = next
	}
	last := parts[len(parts)-1]
	source, ok := current[last].(map[string]interface{})
	if !ok {
		return
	}
	typed := map[string]string{}
	for k, v := range source {
		typed[k] = v.(string)
	}
	current[last] = typed
}

func render(c testCase) (string, error) {
	for _, path := range c.StringMaps {
		toStringMap(c.Params, path)
	}
	tmpl := template.New("base")
	for _, option := range c.Options {
		tmpl = tmpl.Option(option)
	}
	parsed, err := tmpl.Parse(c.Template)
	if err != nil {
		return "", fmt.Errorf("failed to parse template %s: %w", c.Template, err)
	}
	var out bytes.Buffer
	if err := parsed.Execute(&out, c.Params); err != nil {
		return "", fmt.Errorf("failed to execute go template %s: %w", c.Template, err)
	}
	return out.String(), nil
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var c testCase
		if err := json.Unmarshal(scanner.Bytes(), &c); err != nil {
			panic(err)
		}
		result, err := render(c)
		line := map[string]string{"ok": result}
		if err != nil {
			line = map[string]string{"error": err.Error()}
		}
		encoded, _ := json.Marshal(line)
		fmt.Println(string(encoded))
	}
}
`;

interface Case {
  template: string;
  options?: string[];
  params: JsonObject;
  stringMaps?: string[];
}

const cluster: JsonObject = {
  name: "production_01/west",
  nameNormalized: "production-01-west",
  server: "https://p1.example.com",
  project: "prod",
  metadata: {
    labels: { environment: "production", "kubernetes.io/env": "p" },
    annotations: { "foo.argoproj.io": "production" },
  },
  values: { bat: "production" },
};
const inCluster: JsonObject = {
  name: "in-cluster",
  nameNormalized: "in-cluster",
  server: "https://kubernetes.default.svc",
  project: "",
};
const gitFile: JsonObject = {
  cluster: { name: "x", replicas: 3 },
  big: 1000000,
  acct: 123456789012,
  ratio: 0.00001,
  on: true,
  nul: null,
  list: ["a", "b"],
  map: { b: "x", a: 1 },
  path: { path: "a/b", basename: "b", segments: ["a", "b"] },
};
const stringMaps = ["metadata.labels", "metadata.annotations", "values"];

const cases: Case[] = [
  { template: "my-app-{{ .name }}", params: cluster, stringMaps },
  { template: "{{ .metadata.labels.environment }}", params: cluster, stringMaps },
  { template: '{{ index .metadata.labels "kubernetes.io/env" }}', params: cluster, stringMaps },
  { template: "{{ .metadata.labels.missing }}", params: cluster, stringMaps },
  {
    template: "{{ .metadata.labels.missing }}",
    options: ["missingkey=zero"],
    params: cluster,
    stringMaps,
  },
  {
    template: "{{ .metadata.labels.missing }}",
    options: ["missingkey=error"],
    params: cluster,
    stringMaps,
  },
  { template: "{{ .values.nope }}", options: ["missingkey=zero"], params: cluster, stringMaps },
  { template: "{{ .nope }}", options: ["missingkey=zero"], params: cluster, stringMaps },
  { template: "{{ .nope }}", options: ["missingkey=error"], params: cluster, stringMaps },
  { template: "{{ .metadata.labels.environment }}", params: inCluster },
  {
    template: "{{ .metadata.labels.environment }}",
    options: ["missingkey=zero"],
    params: inCluster,
  },
  {
    template: "{{ .metadata.labels.environment }}",
    options: ["missingkey=error"],
    params: inCluster,
  },
  {
    template: "{{ .metadata.labels.environment }}",
    options: ["missingkey=invalid"],
    params: inCluster,
  },
  { template: "{{ .name.first }}", params: cluster, stringMaps },
  {
    template: "{{ .big }} {{ .acct }} {{ .ratio }} {{ .cluster.replicas }} {{ .on }} {{ .nul }}",
    params: gitFile,
  },
  { template: "{{ .list }} {{ .map }} {{ .cluster }}", params: gitFile },
  { template: "{{ range .path.segments }}[{{ . }}]{{ end }}", params: gitFile },
  {
    template: '{{ if eq .cluster.name "x" }}yes{{ else }}no{{ end }}-{{ len .list }}',
    params: gitFile,
  },
  { template: '{{ printf "%s-%v-%d" .cluster.name .big 3 }}', params: gitFile },
  { template: "{{ .cluster.name", params: gitFile },
  { template: "{{ nosuchfunc .x }}", params: gitFile },
  { template: "plain text {no action}", params: gitFile },
  // Plain field actions, which secretfleet reads without its engine when the value is a string.
  { template: "{{.name}}-{{.nameNormalized}}", params: cluster, stringMaps },
  { template: "a \n\t {{- .name -}} \r\n b{{ .server -}}  c", params: cluster, stringMaps },
  { template: "{{-\t.metadata.labels.environment\t-}} x", params: cluster, stringMaps },
  { template: "{{ .cluster.name }}/{{ .cluster.replicas }}", params: gitFile },
  { template: "{{ .name.first }}{{ .name }}", options: ["missingkey=zero"], params: cluster },
  {
    template: "{{ .values.bat }}-{{ .values.nope }}",
    options: ["missingkey=error"],
    params: cluster,
    stringMaps,
  },
];

test("goTemplate strings render as Go's text/template renders them in Argo CD", (t) => {
  if (!existsSync(go)) {
    t.skip("Go 1.19 is not installed");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-go-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, "main.go"), program);
  const input =
    cases
      .map((c) =>
        JSON.stringify({ ...c, options: c.options ?? [], stringMaps: c.stringMaps ?? [] }),
      )
      .join("\n") + "\n";
  const lines = execFileSync(go, ["run", join(dir, "main.go")], {
    input,
    encoding: "utf8",
    env: {
      ...process.env,
      GOCACHE: join(dir, "cache"),
      GOPATH: join(dir, "gopath"),
      GO111MODULE: "off",
    },
  })
    .trimEnd()
    .split("\n");
  cases.forEach((entry, index) => {
    const expected = JSON.parse(lines[index] ?? "{}") as { ok?: string; error?: string };
    const params = structuredClone(entry.params);
    for (const path of entry.stringMaps ?? []) {
      const parts = path.split(".");
      let holder: JsonObject | undefined = params;
      for (const part of parts.slice(0, -1)) holder = holder?.[part] as JsonObject | undefined;
      const map = holder?.[parts.at(-1) ?? ""];
      if (map !== undefined) markStringMap(map as JsonObject);
    }
    const mode = { goTemplate: true, goTemplateOptions: entry.options ?? [] };
    if (expected.error !== undefined) {
      assert.throws(
        () => renderTemplateString(entry.template, params, mode),
        { message: expected.error },
        entry.template,
      );
    } else {
      assert.equal(renderTemplateString(entry.template, params, mode), expected.ok, entry.template);
    }
  });
});
