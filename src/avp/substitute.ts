import { goBase64Decode, findModifier, ModifierError } from "./modifiers.js";
import { isAvpObject, type AvpObject, type AvpValue } from "./value.js";
import { isJsonNumber } from "../providers/index.js";

/** The annotations argocd-vault-plugin reads. */
export const annotations = {
  path: "avp.kubernetes.io/path",
  ignore: "avp.kubernetes.io/ignore",
  kvVersion: "avp.kubernetes.io/kv-version",
  secretVersion: "avp.kubernetes.io/secret-version",
  removeMissing: "avp.kubernetes.io/remove-missing",
} as const;

/** Where values come from: one backend (Vault, Kubernetes Secret, SOPS file…). */
export interface AvpBackend {
  /** Authenticates (no-op for backends without a login). */
  login(): Promise<void>;
  /**
   * Every key/value at `path` (`avp.kubernetes.io/path`), at `version` ("" = latest).
   * @throws Error with AVP's message when the path holds nothing or the backend fails
   */
  getSecrets(
    path: string,
    version: string,
    annotations: Readonly<Record<string, string>>,
  ): Promise<AvpObject>;
  /**
   * One key at `path` (inline `<path:…#key#version>` placeholders).
   * @returns the value, or undefined when the key is absent
   */
  getIndividualSecret(
    path: string,
    key: string,
    version: string,
    annotations: Readonly<Record<string, string>>,
  ): Promise<AvpValue | undefined>;
}

/** A placeholder whose value is missing: remove-missing drops the field instead of failing. */
export class MissingValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MissingValueError";
  }
}

/** What substitution needs to know about one manifest. */
export interface Resource {
  readonly kind: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** The key/values fetched for the path annotation (undefined without one). */
  readonly data: AvpObject | undefined;
  readonly backend: AvpBackend;
  readonly pathValidation: RegExp | undefined;
  /** Called with each step, as upstream's verbose mode logs it (values included). */
  readonly verbose?: (message: string) => void;
}

const genericPlaceholder = /<([^\n]*?)>/g;
const inlinePathPlaceholder = /<path:([^#]+?)#([^#]+?)(?:#([^#]+?))??>/g;
const individualSyntax = /path:([^#]+)#([^#]+)(?:#([^\n]+))?/;

/** Go's `strconv.ParseBool`. */
export function parseGoBool(text: string | undefined): boolean {
  return ["1", "t", "T", "TRUE", "true", "True"].includes(text ?? "");
}

interface Replacement {
  readonly value: AvpValue;
  readonly errors: Error[];
}

/** How the string being substituted is held: text, or raw bytes one per char (Secret blobs). */
type Encoding = "text" | "binary";

const toText = (text: string, encoding: Encoding): string =>
  encoding === "binary" ? Buffer.from(text, "latin1").toString("utf8") : text;
const fromText = (text: string, encoding: Encoding): string =>
  encoding === "binary" ? Buffer.from(text, "utf8").toString("latin1") : text;

/**
 * AVP's `genericReplacement`: substitutes every placeholder of one string. A non-string value
 * replaces the whole field (the last one wins); errors are collected, never thrown.
 */
async function replaceString(
  key: string,
  raw: string,
  resource: Resource,
  encoding: Encoding,
): Promise<Replacement> {
  const errors: Error[] = [];
  let nonString: AvpValue | undefined;
  const pattern = new RegExp(
    Object.hasOwn(resource.annotations, annotations.path)
      ? genericPlaceholder
      : inlinePathPlaceholder,
  );
  const shownValue = toText(raw, encoding);
  let out = "";
  let last = 0;
  for (const match of raw.matchAll(pattern)) {
    out += raw.slice(last, match.index);
    last = match.index + match[0].length;
    const result = await resolvePlaceholder(toText(match[0], encoding), {
      key,
      shownValue,
      resource,
    });
    if (result.error !== undefined) errors.push(result.error);
    if (result.value === undefined || result.value === null) out += match[0];
    else if (typeof result.value === "string") out += fromText(result.value, encoding);
    else {
      nonString = result.value;
      out += match[0];
    }
  }
  out += raw.slice(last);
  if (nonString !== undefined) {
    resource.verbose?.(
      "value found in secret manager is non-string, injecting directly into template",
    );
    return { value: nonString, errors };
  }
  return { value: out, errors };
}

interface PlaceholderContext {
  readonly key: string;
  readonly shownValue: string;
  readonly resource: Resource;
}

async function resolvePlaceholder(
  match: string,
  context: PlaceholderContext,
): Promise<{ value?: AvpValue; error?: Error }> {
  const { key, shownValue, resource } = context;
  const [first = "", ...modifierTexts] = match.replace(/^[<>]+|[<>]+$/g, "").split("|");
  const placeholder = first.replace(/^ +| +$/g, "");
  resource.verbose?.(
    `found placeholder ${placeholder} with modifiers [${modifierTexts.join(" ")}]`,
  );
  let value: AvpValue | undefined;
  const inline = individualSyntax.exec(placeholder);
  if (inline !== null) {
    const [, path = "", secretKey = "", version = ""] = inline;
    if (resource.pathValidation !== undefined && !resource.pathValidation.test(path)) {
      return {
        error: new Error(`the path ${path} is disallowed by AVP_PATH_VALIDATION restriction`),
      };
    }
    resource.verbose?.(
      `calling GetIndividualSecret for secret ${secretKey} from path ${path} at version ${version}`,
    );
    try {
      value = await resource.backend.getIndividualSecret(
        path,
        secretKey.trim(),
        version,
        resource.annotations,
      );
    } catch (error) {
      return { error: error as Error };
    }
  } else if (resource.data !== undefined && Object.hasOwn(resource.data, placeholder)) {
    value = resource.data[placeholder];
  }
  if (value === undefined || value === null) {
    return {
      error: new MissingValueError(
        `replaceString: missing Vault value for placeholder ${placeholder} in string ${key}: ${shownValue}`,
      ),
    };
  }
  for (const statement of modifierTexts) {
    const fields = statement.split(/[\s\u0085]+/).filter((field) => field !== "");
    const name = fields[0];
    const suffix = `for placeholder ${placeholder} in string ${key}: ${shownValue}`;
    if (name === undefined) {
      // Upstream crashes on an empty modifier (index out of range); we fail the placeholder.
      return { error: new Error(`invalid modifier: (empty) ${suffix}`) };
    }
    resource.verbose?.(`processing modifier ${name} with args [${fields.join(" ")}]`);
    const modifier = findModifier(name);
    if (modifier === undefined) return { error: new Error(`invalid modifier: ${name} ${suffix}`) };
    try {
      value = modifier(fields.slice(1), value);
    } catch (error) {
      if (!(error instanceof ModifierError)) throw error;
      return { error: new Error(`${name}: ${error.message} ${suffix}`) };
    }
  }
  return { value };
}

/**
 * AVP's `stringify` for ConfigMap values and base64-encoded Secret blobs: strings, integers,
 * booleans and Vault's numbers become text. Anything else crashes upstream; here it is an error.
 */
function stringify(key: string, value: AvpValue): { text?: string; error?: Error } {
  if (typeof value === "string") return { text: value };
  if (typeof value === "bigint") return { text: value.toString() };
  if (typeof value === "boolean") return { text: value ? "true" : "false" };
  if (isJsonNumber(value)) return { text: value.text };
  const type = Array.isArray(value) ? "list" : isAvpObject(value) ? "map" : "float64";
  return {
    error: new Error(
      `cannot stringify the ${type} value for key ${key}: it must be a string, an integer or a boolean`,
    ),
  };
}

type Replacer = (key: string, value: string, resource: Resource) => Promise<Replacement>;

const genericReplacer: Replacer = (key, value, resource) =>
  replaceString(key, value, resource, "text");

const configMapReplacer: Replacer = async (key, value, resource) => {
  const result = await replaceString(key, value, resource, "text");
  if (result.errors.length > 0) return { value: null, errors: result.errors };
  const text = stringify(key, result.value);
  return text.error === undefined
    ? { value: text.text ?? "", errors: [] }
    : { value: null, errors: [text.error] };
};

const secretReplacer: Replacer = async (key, value, resource) => {
  const decoded = goBase64Decode(value);
  const binary = decoded.bytes.toString("latin1");
  if (!decoded.valid || !/<[^\n]*?>/.test(binary))
    return replaceString(key, value, resource, "text");
  resource.verbose?.(
    `key ${key} comes from Secret manifest, base64 encoding value ${value} to fit`,
  );
  const result = await replaceString(key, binary, resource, "binary");
  const bytes =
    typeof result.value === "string"
      ? Buffer.from(result.value, "latin1")
      : Buffer.from(stringify(key, result.value).text ?? "", "utf8");
  const failed = typeof result.value === "string" ? undefined : stringify(key, result.value).error;
  return {
    value: bytes.toString("base64"),
    errors: failed === undefined ? result.errors : [...result.errors, failed],
  };
};

function replacerFor(kind: string): Replacer {
  if (kind === "ConfigMap") return configMapReplacer;
  if (kind === "Secret") return secretReplacer;
  return genericReplacer;
}

async function replaceInner(
  resource: Resource,
  node: AvpObject,
  replacer: Replacer,
  errors: Error[],
): Promise<void> {
  const removeMissing = parseGoBool(resource.annotations[annotations.removeMissing]);
  if (removeMissing && resource.kind !== "Secret" && resource.kind !== "ConfigMap") {
    errors.push(
      new Error(
        `${annotations.removeMissing} annotation can only be used on Secret or ConfigMap resources`,
      ),
    );
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (isAvpObject(value)) {
      await replaceInner(resource, value, replacer, errors);
    } else if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const element = value[index];
        if (isAvpObject(element)) await replaceInner(resource, element, replacer, errors);
        else if (typeof element === "string") {
          const replacement = await replacer(key, element, resource);
          errors.push(...replacement.errors);
          value[index] = replacement.value;
        }
      }
    } else if (typeof value === "string") {
      const replacement = await replacer(key, value, resource);
      let failures = replacement.errors;
      let remove = false;
      if (removeMissing) {
        remove = failures.some((error) => error instanceof MissingValueError);
        failures = failures.filter((error) => !(error instanceof MissingValueError));
      }
      errors.push(...failures);
      if (remove) {
        resource.verbose?.(
          `removing key ${key} due to ${annotations.removeMissing} being set on the containing manifest`,
        );
        Reflect.deleteProperty(node, key);
      } else node[key] = replacement.value;
    }
  }
}

/**
 * Substitutes every placeholder of `manifest` in place (AVP's `Template.Replace`).
 * @throws Error "Replace: could not replace all placeholders in Template:\n…" listing every problem
 */
export async function replacePlaceholders(manifest: AvpObject, resource: Resource): Promise<void> {
  const errors: Error[] = [];
  await replaceInner(resource, manifest, replacerFor(resource.kind), errors);
  if (errors.length > 0) {
    throw new Error(
      `Replace: could not replace all placeholders in Template:\n${errors.map((error) => error.message).join("\n")}`,
    );
  }
}
