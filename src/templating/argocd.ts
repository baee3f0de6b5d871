// Argo CD's additions to the ApplicationSet goTemplate function map (spec/argocd.md §4.3, §4.4):
// normalize, slugify, toYaml, fromYaml, fromYamlArray.
import { marshalYAML, unmarshalYAML } from "./go-yaml.js";
import { goFunc, GoInt, isPlainObject, typeName, type GoFunc } from "./value.js";

/**
 * Argo CD's normalize (SanitizeName): lower-case, every code point outside [-a-z0-9.] becomes
 * "-", cut to 253 characters, then leading and trailing "-" and "." removed.
 */
export function normalizeName(name: string): string {
  const replaced = Array.from(name.toLowerCase(), (ch) => (/^[-a-z0-9.]$/.test(ch) ? ch : "-"));
  return replaced
    .slice(0, 253)
    .join("")
    .replace(/^[-.]+|[-.]+$/g, "");
}

/** gosimple/slug's Make after normalize, with its MaxLength and EnableSmartTruncate options. */
export function slugifyName(name: string, maxLength = 50, smartTruncate = true): string {
  let s = normalizeName(name).trim().toLowerCase();
  if (!smartTruncate && s.length >= maxLength) s = s.slice(0, maxLength);
  s = s
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "");
  if (smartTruncate && maxLength > 0 && s.length > maxLength) {
    let cut = -1;
    for (let i = maxLength; i >= 0; i--) {
      if (s.charAt(i) === "-") {
        cut = i;
        break;
      }
    }
    s = cut >= 0 ? s.slice(0, cut) : s.slice(0, maxLength);
  }
  return s;
}

function assertion(v: unknown, want: string): Error {
  return new Error(
    `interface conversion: interface {} is ${v === null ? "nil" : typeName(v)}, not ${want}`,
  );
}

function slugify(args: unknown[]): string {
  const asString = (v: unknown): string => {
    if (typeof v !== "string") throw assertion(v, "string");
    return v;
  };
  const asInt = (v: unknown): number => {
    if (!(v instanceof GoInt) || v.kind !== "int") throw assertion(v, "int");
    return Number(v.value);
  };
  switch (args.length) {
    case 1:
      return slugifyName(asString(args[0]));
    case 2:
      return slugifyName(asString(args[1]), asInt(args[0]));
    case 3: {
      const smart = args[1];
      if (typeof smart !== "boolean") throw assertion(smart, "bool");
      return slugifyName(asString(args[2]), asInt(args[0]), smart);
    }
    default:
      // Argo CD logs "Bad 'slugify' arguments." and slugifies the empty name.
      return slugifyName("");
  }
}

function cannotUnmarshal(v: unknown, into: string): Error {
  const kind = Array.isArray(v)
    ? "array"
    : isPlainObject(v)
      ? "object"
      : typeof v === "string"
        ? "string"
        : typeof v === "number"
          ? "number"
          : "bool";
  return new Error(
    `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${kind} into Go value of type ${into}`,
  );
}

/** Argo CD's functions (added to Sprig's generic map minus env, expandenv and getHostByName). */
export const argocdFunctions: Readonly<Record<string, GoFunc>> = {
  normalize: goFunc(["string"], normalizeName),
  slugify: goFunc([], (...args: unknown[]) => slugify(args), "interface {}"),
  toYaml: goFunc(["interface {}"], (v: unknown) => marshalYAML(v).replace(/\n$/, "")),
  fromYaml: goFunc(["string"], (s: string) => {
    const v = unmarshalYAML(s);
    if (v === null) return {};
    if (!isPlainObject(v)) throw cannotUnmarshal(v, "map[string]interface {}");
    return v;
  }),
  fromYamlArray: goFunc(["string"], (s: string) => {
    const v = unmarshalYAML(s);
    if (v === null) return [];
    if (!Array.isArray(v)) throw cannotUnmarshal(v, "[]interface {}");
    return v as unknown[];
  }),
};
