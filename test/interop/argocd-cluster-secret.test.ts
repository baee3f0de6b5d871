// Checks the cluster-secret codec byte for byte against Go: encoding/json for the config JSON and
// hash/fnv for Secret names, the two things Argo CD computes with Go's standard library.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  clusterSecretName,
  marshalClusterConfig,
  parseClusterConfig,
} from "../../src/argocd/index.js";

const go = "/usr/lib/go-1.19/bin/go";

// Our own Go mirror of the documented ClusterConfig JSON shape (spec argocd.md §9).
const program = `package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
)

type TLSClientConfig struct {
	Insecure   bool   \`json:"insecure"\`
	ServerName string \`json:"serverName,omitempty"\`
	CertData   []byte \`json:"certData,omitempty"\`
	KeyData    []byte \`json:"keyData,omitempty"\`
	CAData     []byte \`json:"caData,omitempty"\`
}

type AWSAuthConfig struct {
	ClusterName string \`json:"clusterName,omitempty"\`
	RoleARN     string \`json:"roleARN,omitempty"\`
	Profile     string \`json:"profile,omitempty"\`
}

type ExecProviderConfig struct {
	Command            string            \`json:"command,omitempty"\`
	Args               []string          \`json:"args,omitempty"\`
	Env                map[string]string \`json:"env,omitempty"\`
	APIVersion         string            \`json:"apiVersion,omitempty"\`
	InstallHint        string            \`json:"installHint,omitempty"\`
	ProvideClusterInfo bool              \`json:"provideClusterInfo,omitempty"\`
}

type ClusterConfig struct {
	Username           string              \`json:"username,omitempty"\`
	Password           string              \`json:"password,omitempty"\`
	BearerToken        string              \`json:"bearerToken,omitempty"\`
	TLSClientConfig    \`json:"tlsClientConfig"\`
	AWSAuthConfig      *AWSAuthConfig      \`json:"awsAuthConfig,omitempty"\`
	ExecProviderConfig *ExecProviderConfig \`json:"execProviderConfig,omitempty"\`
	DisableCompression bool                \`json:"disableCompression,omitempty"\`
	ProxyUrl           string              \`json:"proxyUrl,omitempty"\`
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if len(line) > 4 && line[:4] == "url " {
			h := fnv.New32a()
			h.Write([]byte(line[4:]))
			fmt.Println(h.Sum32())
			continue
		}
		var c ClusterConfig
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			fmt.Println("error")
			continue
		}
		out, _ := json.Marshal(c)
		fmt.Println(string(out))
	}
}
`;

const configs = [
  "{}",
  '{"tlsClientConfig":{"insecure":true}}',
  '{"bearerToken":"a<b>&c","tlsClientConfig":{"caData":"Q0E=","certData":"Q0VSVA==","keyData":"S0VZ","serverName":"s"},"proxyUrl":"http://proxy:3128"}',
  '{"username":"ü\u2028x","password":"p","disableCompression":true,"awsAuthConfig":{"profile":"p","clusterName":"c"}}',
  '{"execProviderConfig":{"command":"argocd-k8s-auth","args":["gcp","--x"],"env":{"B":"2","A":"1"},"apiVersion":"client.authentication.k8s.io/v1beta1","provideClusterInfo":true}}',
  '{"unknownField":1,"tlsClientConfig":{"insecure":false}}',
];
const urls = [
  "http://foo",
  "https://prod.example.com:6443",
  "https://[2001:db8::1]:443/path",
  "https://kubernetes.default.svc",
];

test("cluster config JSON and Secret name hashes match Go's encoding/json and hash/fnv", (t) => {
  if (!existsSync(go)) {
    t.skip("Go 1.19 is not installed");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "secretfleet-go-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, "main.go"), program);
  const input = [...configs, ...urls.map((url) => `url ${url}`)].join("\n") + "\n";
  const output = execFileSync(go, ["run", join(dir, "main.go")], {
    input,
    encoding: "utf8",
    env: {
      ...process.env,
      GOCACHE: join(dir, "cache"),
      GOPATH: join(dir, "gopath"),
      GOFLAGS: "-mod=mod",
      GO111MODULE: "off",
    },
  })
    .trimEnd()
    .split("\n");
  configs.forEach((config, index) => {
    assert.equal(marshalClusterConfig(parseClusterConfig(config, "config")), output[index], config);
  });
  urls.forEach((url, index) => {
    assert.equal(clusterSecretName(url).split("-").at(-1), output[configs.length + index], url);
  });
});
