// The Sprig functions templates rely on, with the outputs Sprig v3.3 gives (Go's fmt, JSON and
// strings semantics), including the swallowed and reported errors.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { functionSet, GoMap, renderGoTemplate, TemplateError } from "../index.js";

const functions = functionSet("sprig");

function render(template: string, data: unknown = null): string {
  return renderGoTemplate(template, data, { name: "t", functions });
}

function table(cases: readonly (readonly [string, string, unknown?])[]): void {
  for (const [template, want, data] of cases) {
    test(`${template} gives ${JSON.stringify(want)}`, () => {
      assert.equal(render(template, data), want);
    });
  }
}

describe("defaults", () => {
  table([
    ['{{ .x | default "d" }}', "d", { x: "" }],
    ['{{ .x | default "d" }}', "d", {}],
    ['{{ .x | default "d" }}', "d", { x: 0 }],
    ['{{ .x | default "d" }}', "d", { x: false }],
    ['{{ .x | default "d" }}', "v", { x: "v" }],
    ['{{ default "d" .x }}', "[1]", { x: [1] }],
    [
      "{{ empty .x }} {{ empty .y }} {{ empty .z }} {{ empty .w }}",
      "true false true true",
      { x: [], y: "a", z: {}, w: null },
    ],
    ['{{ coalesce .a .b "c" }}', "c", { a: "", b: 0 }],
    ["{{ coalesce .a .b }}", "<no value>", {}],
    [
      '{{ all 1 "a" true }} {{ all 1 "" }} {{ any 0 "" "x" }} {{ any 0 "" }}',
      "true false true false",
    ],
    [
      '{{ ternary "yes" "no" true }} {{ ternary "yes" "no" false }} {{ true | ternary "y" "n" }}',
      "yes no y",
    ],
    ['{{ compact (list 1 0 "" "a" nil) }}', "[1 a]"],
  ]);
});

describe("strings", () => {
  table([
    [
      '{{ upper "héllo" }} {{ lower "HÉLLO" }} {{ title "hello wide world" }} {{ untitle "Hello" }}',
      "HÉLLO héllo Hello Wide World hello",
    ],
    [
      '{{ trim "  a b \\n" }}|{{ trimAll "$" "$$x$$" }}|{{ trimPrefix "pre-" "pre-fix" }}|{{ trimSuffix ".yaml" "a.yaml" }}',
      "a b|x|fix|a",
    ],
    ['{{ quote "a" 1 nil "b\\"c" }}', '"a" "1" "b\\"c"'],
    ['{{ squote "a" 1.5 }}', "'a' '1.5'"],
    ['{{ replace "." "-" "a.b.c" }} {{ "aaa" | replace "a" "b" }}', "a-b-c bbb"],
    ['{{ split "," "a,b,c" }} {{ (split "," "a,b")._1 }}', "map[_0:a _1:b _2:c] b"],
    [
      '{{ splitList "/" "a/b/c" }} {{ splitList "/" "a/b/c" | len }} {{ printf "%T" (splitList "," "a") }}',
      "[a b c] 3 []string",
    ],
    ['{{ splitn "," 2 "a,b,c" }}', "map[_0:a _1:b,c]"],
    [
      '{{ join "," (list "a" 1 nil 2.5) }} {{ join "-" .l }} {{ join "," "single" }}',
      "a,1,2.5 x-y single",
      { l: ["x", "y"] },
    ],
    [
      '{{ contains "ell" "hello" }} {{ hasPrefix "he" "hello" }} {{ hasSuffix "lo" "hello" }}',
      "true true true",
    ],
    [
      '{{ repeat 3 "ab" }} {{ substr 1 3 "hello" }} {{ trunc 3 "hello" }} {{ trunc -2 "hello" }}',
      "ababab el hel lo",
    ],
    [
      '{{ abbrev 5 "hello world" }} {{ initials "Hello World" }} {{ nospace " a b  c " }}',
      "he... HW abc",
    ],
    ['{{ indent 4 "a\\nb" }}', "    a\n    b"],
    ['{{ nindent 2 "a\\nb" }}', "\n  a\n  b"],
    [
      '{{ cat "a" 1 nil "b" }} {{ plural "one" "many" 1 }} {{ plural "one" "many" 2 }}',
      "a 1 b one many",
    ],
    [
      '{{ snakecase "HelloWorld" }} {{ kebabcase "HelloWorld" }} {{ camelcase "hello_world" }} {{ swapcase "aB" }}',
      "hello_world hello-world HelloWorld Ab",
    ],
    [
      "{{ toString 1.5 }} {{ toString .b }} {{ toString .l }}",
      "1.5 true [1 a]",
      { b: true, l: [1, "a"] },
    ],
    ['{{ sortAlpha (list "b" "a" "C") }} {{ toStrings (list 1 "a") }}', "[C a b] [1 a]"],
    ['{{ wrap 5 "aaa bbb ccc" }}', "aaa\nbbb\nccc"],
  ]);
});

describe("encoding and hashes", () => {
  table([
    [
      '{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }} {{ "x" | b64enc | b64dec }}',
      "aGVsbG8= hello x",
    ],
    ['{{ b64dec "not base64!" }}', "illegal base64 data at input byte 3"],
    ['{{ b32enc "hello" }} {{ b32dec "NBSWY3DP" }}', "NBSWY3DP hello"],
    ['{{ sha256sum "abc" }}', createHash("sha256").update("abc").digest("hex")],
    [
      '{{ sha1sum "abc" }} {{ adler32sum "abc" }}',
      `${createHash("sha1").update("abc").digest("hex")} 38600999`,
    ],
  ]);
});

describe("JSON", () => {
  table([
    [
      "{{ toJson . }}",
      '{"a":[1,2.5,"x",null,true],"b":{"c":"\\u003ctag\\u003e \\u0026"}}',
      { b: { c: "<tag> &" }, a: [1, 2.5, "x", null, true] },
    ],
    ["{{ toRawJson . }}", '{"c":"<tag> &"}', { c: "<tag> &" }],
    ["{{ toPrettyJson . }}", '{\n  "a": [\n    1\n  ],\n  "e": {}\n}', { a: [1], e: {} }],
    [
      '{{ (fromJson "{\\"a\\":{\\"b\\":1}}").a.b }} {{ fromJson "[1,2]" }} {{ fromJson "nope" }}',
      "1 [1 2] <no value>",
    ],
    [
      "{{ toJson .n }} {{ toJson 3 }} {{ toJson 1e21 }} {{ toJson 0.000001 }} {{ toJson 1e-7 }}",
      "1000000 3 1e+21 0.000001 1e-7",
      { n: 1000000 },
    ],
  ]);
  test("mustFromJson reports Go's syntax error", () => {
    assert.throws(
      () => render('{{ mustFromJson "{\\"a\\" 1}" }}'),
      (e: unknown) =>
        e instanceof TemplateError &&
        e.message ===
          'template: t:1:3: executing "t" at <mustFromJson "{\\"a\\" 1}">: error calling mustFromJson: invalid character \'1\' after object key',
    );
  });
});

describe("lists and dicts", () => {
  table([
    [
      '{{ list 1 "a" nil }} {{ first (list 1 2) }} {{ last (list 1 2) }} {{ rest (list 1 2 3) }} {{ initial (list 1 2 3) }}',
      "[1 a <nil>] 1 2 [2 3] [1 2]",
    ],
    [
      '{{ append (list 1) 2 }} {{ prepend (list 1) 0 }} {{ reverse (list 1 2 3) }} {{ uniq (list 1 1 "a" "a") }}',
      "[1 2] [0 1] [3 2 1] [1 a]",
    ],
    [
      "{{ without (list 1 2 3 2) 2 }} {{ has 2 (list 1 2) }} {{ has 5 (list 1 2) }} {{ concat (list 1) (list 2 3) }}",
      "[1 3] true false [1 2 3]",
    ],
    [
      "{{ slice (list 1 2 3 4) 1 3 }} {{ chunk 2 (list 1 2 3) }} {{ until 3 }} {{ untilStep 0 10 4 }} {{ seq 3 }}",
      "[2 3] [[1 2] [3]] [0 1 2] [0 4 8] 1 2 3",
    ],
    [
      '{{ $d := dict "b" 2 "a" 1 }}{{ $d }} {{ get $d "a" }} [{{ get $d "zz" }}] {{ hasKey $d "b" }} {{ hasKey $d "c" }}',
      "map[a:1 b:2] 1 [] true false",
    ],
    [
      '{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }} {{ unset $d "a" }} {{ keys $d }}',
      "map[a:1 b:2] map[b:2] [b]",
    ],
    [
      '{{ pluck "a" (dict "a" 1) (dict "b" 2) (dict "a" 3) }} {{ pick (dict "a" 1 "b" 2) "a" }} {{ omit (dict "a" 1 "b" 2) "a" }} {{ values (dict "a" 1) }}',
      "[1 3] map[a:1] map[b:2] [1]",
    ],
    [
      '{{ merge (dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "b" 3 "n" (dict "y" 2)) }}',
      "map[a:1 b:3 n:map[x:1 y:2]]",
    ],
    [
      '{{ mergeOverwrite (dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "n" (dict "x" 3)) }}',
      "map[a:2 n:map[x:3]]",
    ],
    [
      '{{ dig "a" "b" "default" . }} {{ dig "a" "zz" "default" . }}',
      "deep default",
      { a: { b: "deep" } },
    ],
    ['{{ $c := deepCopy . }}{{ $_ := set $c "x" 2 }}{{ .x }} {{ $c.x }}', "1 2", { x: 1 }],
  ]);
  test("first of a non-list is Sprig's panic, reported as a call error", () => {
    assert.throws(
      () => render('{{ first "abc" }}'),
      /error calling first: Cannot find first on type string/,
    );
  });
  test("keys works on map[string]string only through Go's type rules (wrong type)", () => {
    assert.throws(
      () =>
        renderGoTemplate("{{ keys . }}", new GoMap("string", { a: "1" }), { name: "t", functions }),
      /wrong type for value; expected map\[string\]interface \{\}; got map\[string\]string/,
    );
  });
});

describe("numbers and conversions", () => {
  table([
    [
      '{{ int "42" }} {{ int 3.9 }} {{ int64 "0x1F" }} {{ int "3.00" }} {{ int "x" }} {{ int true }}',
      "42 3 31 3 0 1",
    ],
    [
      '{{ float64 "1.5" }} {{ float64 2 }} {{ atoi "12" }} {{ atoi "1.5" }} {{ printf "%T %T %T" (int 1) (int64 1) (float64 1) }}',
      "1.5 2 12 0 int int64 float64",
    ],
    [
      "{{ add 1 2 3 }} {{ add1 .n }} {{ sub 5 7 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }}",
      "6 4 -2 24 3 1",
      { n: 3 },
    ],
    [
      "{{ max 1 5 3 }} {{ min 4 2 8 }} {{ maxf 1.5 2.5 }} {{ minf 1.5 2.5 }} {{ ceil 1.2 }} {{ floor 1.8 }} {{ round 2.345 2 }}",
      "5 2 2.5 1.5 2 1 2.35",
    ],
    [
      '{{ addf 0.1 0.2 }} {{ subf 1 0.9 }} {{ mulf 1.1 3 }} {{ divf 10 4 }} {{ toDecimal "0755" }}',
      "0.3 0.1 3.3 2.5 493",
    ],
  ]);
  test("div by zero is Go's runtime error", () => {
    assert.throws(
      () => render("{{ div 1 0 }}"),
      /error calling div: runtime error: integer divide by zero/,
    );
  });
});

describe("regular expressions (Go RE2 syntax)", () => {
  table([
    ['{{ regexMatch "^[a-z]+[0-9]$" "abc1" }} {{ regexMatch "^x" "abc" }}', "true false"],
    [
      '{{ regexFind "[0-9]+" "ab12cd34" }} {{ regexFindAll "[0-9]" "a1b2c3" -1 }} {{ regexFindAll "[0-9]" "a1b2c3" 2 }}',
      "12 [1 2 3] [1 2]",
    ],
    [
      '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }} {{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }} {{ regexReplaceAllLiteral "a(x*)b" "-ab-" "$1" }}',
      "-W-xxW- --- -$1-",
    ],
    [
      '{{ regexReplaceAll "a*" "baaac" "X" }} {{ regexSplit "z+" "pizza" -1 }} {{ regexSplit "" "abc" -1 }} {{ regexQuoteMeta "a.b*c" }}',
      "XbXcX [pi a] [a b c] a\\.b\\*c",
    ],
  ]);
  test("a malformed pattern in a must function reports Go's parse error", () => {
    assert.throws(
      () => render('{{ mustRegexMatch "a(b" "x" }}'),
      /error calling mustRegexMatch: error parsing regexp: missing closing \): `a\(b`/,
    );
    assert.equal(render('{{ regexMatch "a(b" "x" }}'), "false");
  });
});

describe("paths, reflection, semver, urls, dates", () => {
  table([
    [
      '{{ base "/a/b.txt" }} {{ dir "/a/b.txt" }} {{ ext "b.tar.gz" }} {{ clean "a//b/../c/" }} {{ isAbs "/x" }}',
      "b.txt /a .gz a/c true",
    ],
    [
      '{{ typeOf 1.5 }} {{ typeOf .l }} {{ kindOf .m }} {{ typeIs "string" "x" }} {{ kindIs "slice" .l }}',
      "float64 []interface {} map true true",
      { l: [], m: {} },
    ],
    [
      '{{ semverCompare "^1.2.0" "1.9.3" }} {{ semverCompare "~1.2.0" "1.3.0" }} {{ semverCompare ">=1.0.0, <2.0.0" "2.0.0" }} {{ semverCompare "1.x || >=3" "3.1.0" }}',
      "true false false true",
    ],
    [
      '{{ $v := semver "v1.2.3-rc.1+meta" }}{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }} {{ $v }}',
      "1.2.3 rc.1 meta 1.2.3-rc.1+meta",
    ],
    [
      '{{ $u := urlParse "https://user:pw@example.com:8443/a/b?x=1#frag" }}{{ $u.scheme }} {{ $u.host }} {{ $u.hostname }} {{ $u.path }} {{ $u.query }} {{ $u.fragment }} {{ $u.userinfo }}',
      "https example.com:8443 example.com /a/b x=1 frag user:pw",
    ],
    [
      '{{ urlJoin (dict "scheme" "https" "host" "h" "path" "/p" "query" "a=b") }}',
      "https://h/p?a=b",
    ],
    [
      '{{ date "2006-01-02 15:04:05" (toDate "2006-01-02T15:04:05Z07:00" "2024-03-05T07:08:09+00:00") }}',
      "2024-03-05 07:08:09",
    ],
    [
      '{{ dateInZone "Jan 2, 2006 at 3:04pm (MST)" (toDate "2006-01-02" "2024-03-05") "UTC" }} {{ unixEpoch (toDate "2006-01-02" "1970-01-02") }}',
      "Mar 5, 2024 at 12:00am (UTC) 86400",
    ],
    [
      '{{ duration "95" }} {{ duration 95 }} {{ durationRound "2h5m" }} {{ (dateModify "1h30m" (toDate "2006-01-02" "2024-01-01")).Format "15:04" }}',
      "1m35s 0s 2h 01:30",
    ],
  ]);
});

describe("crypto", () => {
  test("bcrypt and htpasswd produce $2a$ hashes that verify", async () => {
    const out = render('{{ htpasswd "user" "secret" }}');
    assert.match(out, /^user:\$2a\$10\$[./A-Za-z0-9]{53}$/);
    const { default: bcryptjs } = await import("bcryptjs");
    assert.ok(bcryptjs.compareSync("secret", out.slice("user:".length)));
  });
  test("derivePassword is the Master Password algorithm", () => {
    // Sprig's own test vector.
    assert.equal(
      render('{{ derivePassword 1 "long" "password" "user" "example.com" }}'),
      "ZedaFaxcZaso9*",
    );
  });
  test("encryptAES and decryptAES round-trip", () => {
    assert.equal(render('{{ encryptAES "k" "plain text" | decryptAES "k" }}'), "plain text");
  });
  test("genPrivateKey and genSelfSignedCert produce PEM", () => {
    assert.match(render('{{ genPrivateKey "ecdsa" }}'), /^-----BEGIN EC PRIVATE KEY-----\n/);
    const cert = render(
      '{{ $c := genSelfSignedCert "example.com" (list "10.0.0.1") (list "a.example.com") 30 }}{{ $c.Cert }}',
    );
    assert.match(cert, /^-----BEGIN CERTIFICATE-----\n/);
  });
  test("genCA then genSignedCert chains to the CA", async () => {
    const out = render(
      '{{ $ca := genCA "ca" 10 }}{{ $c := genSignedCert "leaf" nil (list "leaf.example") 10 $ca }}{{ $ca.Cert }}SPLIT{{ $c.Cert }}',
    );
    const [caPem = "", leafPem = ""] = out.split("SPLIT");
    const { X509Certificate } = await import("node:crypto");
    const ca = new X509Certificate(caPem);
    const leaf = new X509Certificate(leafPem);
    assert.ok(leaf.verify(ca.publicKey));
    assert.equal(leaf.subjectAltName, "DNS:leaf.example");
    assert.ok(ca.ca);
  });
});
