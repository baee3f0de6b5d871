import { parse as parseYaml } from "yaml";

/**
 * argocd-vault-plugin's configuration (spf13/viper as AVP drives it, argocd-vault-plugin.md §6):
 * `ARGOCD_ENV_<NAME>` beats `<NAME>` in the environment, which beats the config file, which
 * replaces the config Secret; `AVP_KV_VERSION` defaults to 2. Keys are case-insensitive in the file
 * and Secret. Settings whose names start with a backend prefix (`vault`, `aws`, …) are exported to
 * the environment the backend clients read, as upstream does with `os.Setenv`.
 */

/** A configuration problem, with AVP's wording where it has one. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type SettingValue = string | number | boolean;

const backendPrefixes = ["vault", "aws", "azure", "google", "sops", "op_connect", "k8s_secret"];

/** Where settings come from; the caller reads the file and the Secret. */
export interface ConfigSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--config-path`: the file's path (its extension picks the format) and text. */
  readonly configFile?: { readonly path: string; readonly text: string };
  /** `--secret-name`: the Secret's data, decoded. */
  readonly secretData?: Readonly<Record<string, string>>;
}

/** Resolved settings: lookups by name, plus the environment backends see. */
export interface AvpSettings {
  /** viper's `GetString`: "" when unset. */
  get(name: string): string;
  /** viper's `IsSet` (an empty environment variable counts as unset). */
  isSet(name: string): boolean;
  /** The process environment with the exported backend settings applied. */
  readonly env: Readonly<Record<string, string>>;
  /** Every setting from the file, Secret, `ARGOCD_ENV_` and defaults (verbose mode prints them). */
  readonly all: Readonly<Record<string, string>>;
}

function settingText(value: SettingValue): string {
  return typeof value === "string" ? value : String(value);
}

function parseConfigFile(path: string, text: string): Record<string, SettingValue> {
  const extension = /\.([^./\\]+)$/.exec(path)?.[1] ?? "";
  let parsed: unknown;
  switch (extension.toLowerCase()) {
    case "yaml":
    case "yml":
      try {
        parsed = parseYaml(text) ?? {};
      } catch (error) {
        throw new ConfigError(
          `While parsing config: ${(error as Error).message.split("\n")[0] ?? ""}`,
        );
      }
      break;
    case "json":
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new ConfigError(`While parsing config: ${(error as Error).message}`);
      }
      break;
    case "env":
    case "dotenv":
      parsed = parseDotenv(text);
      break;
    default:
      throw new ConfigError(`Unsupported Config Type "${extension}"`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`While parsing config: ${path} does not hold a map of settings`);
  }
  const out: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      out[key.toLowerCase()] = value;
    } else if (value !== null) {
      throw new ConfigError(
        `config setting "${key}" in ${path} must be a string, a number or a boolean`,
      );
    }
  }
  return out;
}

/** `KEY=VALUE` lines (gotenv, as viper reads .env files): comments, `export`, quotes. */
function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (match === null) continue;
    let value = match[2] ?? "";
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted !== null) {
      value =
        quoted[1] === '"'
          ? (quoted[2] ?? "").replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1")
          : (quoted[2] ?? "");
    } else value = value.replace(/\s+#.*$/, "");
    out[match[1] ?? ""] = value;
  }
  return out;
}

/**
 * Resolves AVP's settings from the environment, the config file and the config Secret.
 * @throws ConfigError for an unsupported or malformed config file, and for a backend setting that
 *   is neither a string nor a boolean (upstream crashes on those)
 */
export function loadSettings(sources: ConfigSources): AvpSettings {
  let config: Record<string, SettingValue> = {};
  if (sources.secretData !== undefined) {
    config = Object.fromEntries(
      Object.entries(sources.secretData).map(([key, value]) => [key.toLowerCase(), value]),
    );
  }
  if (sources.configFile !== undefined)
    config = parseConfigFile(sources.configFile.path, sources.configFile.text);
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(sources.env)) {
    if (value === undefined || !name.startsWith("ARGOCD_ENV")) continue;
    const key = name.startsWith("ARGOCD_ENV_") ? name.slice("ARGOCD_ENV_".length) : name;
    overrides[key.toLowerCase()] = value;
  }
  const defaults: Record<string, string> = { avp_kv_version: "2" };
  const all: Record<string, string> = {};
  for (const source of [defaults, config, overrides]) {
    for (const [key, value] of Object.entries(source)) all[key] = settingText(value);
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(sources.env))
    if (value !== undefined) env[name] = value;
  for (const [key, value] of Object.entries({ ...config, ...overrides })) {
    if (!backendPrefixes.some((prefix) => key.startsWith(prefix))) continue;
    if (typeof value === "number") {
      throw new ConfigError(`config setting "${key}" must be a string or a boolean, not a number`);
    }
    env[key.toUpperCase()] = settingText(value);
  }
  const lookup = (name: string): string | undefined => {
    const key = name.toLowerCase();
    if (Object.hasOwn(overrides, key)) return overrides[key];
    const fromEnv = sources.env[key.toUpperCase()];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    if (Object.hasOwn(config, key)) return settingText(config[key] ?? "");
    return defaults[key];
  };
  return {
    get: (name) => lookup(name) ?? "",
    isSet: (name) => lookup(name) !== undefined,
    env,
    all,
  };
}
