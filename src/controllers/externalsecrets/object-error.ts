/**
 * An API object that cannot be used as given: names the object and the field, and never quotes a
 * value that could be secret (`externalsecret "team-a/db": spec.data[0].remoteRef.key: required`).
 */
export class ObjectError extends Error {
  /** The field path inside the object, e.g. `spec.data[0].remoteRef.key`. */
  readonly field: string;

  constructor(object: string, field: string, problem: string, options?: ErrorOptions) {
    super(`${object}: ${field}: ${problem}`, options);
    this.name = "ObjectError";
    this.field = field;
  }
}

/** Reads fields of an untrusted object, failing with an {@link ObjectError} that names the field. */
export class FieldReader {
  readonly #object: string;

  /** @param object how errors name the object, e.g. `externalsecret "ns/name"` */
  constructor(object: string) {
    this.#object = object;
  }

  fail(field: string, problem: string): never {
    throw new ObjectError(this.#object, field, problem);
  }

  record(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.fail(field, `must be an object, not ${describe(value)}`);
    }
    return value as Record<string, unknown>;
  }

  optionalRecord(value: unknown, field: string): Record<string, unknown> | undefined {
    return value === undefined || value === null ? undefined : this.record(value, field);
  }

  string(value: unknown, field: string): string {
    if (value === undefined || value === null) return this.fail(field, "required");
    if (typeof value !== "string")
      return this.fail(field, `must be a string, not ${describe(value)}`);
    if (value === "") return this.fail(field, "must not be empty");
    return value;
  }

  optionalString(value: unknown, field: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string")
      return this.fail(field, `must be a string, not ${describe(value)}`);
    return value;
  }

  /** An optional string that must be one of `allowed` (an empty string counts as absent). */
  optionalEnum<const T extends string>(
    value: unknown,
    field: string,
    allowed: readonly T[],
  ): T | undefined {
    const text = this.optionalString(value, field);
    if (text === undefined || text === "") return undefined;
    if (!(allowed as readonly string[]).includes(text)) {
      return this.fail(field, `must be one of ${allowed.join(", ")}, not ${JSON.stringify(text)}`);
    }
    return text as T;
  }

  optionalBoolean(value: unknown, field: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean")
      return this.fail(field, `must be a boolean, not ${describe(value)}`);
    return value;
  }

  optionalStringMap(value: unknown, field: string): Readonly<Record<string, string>> | undefined {
    const record = this.optionalRecord(value, field);
    if (record === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(record)) {
      // Values of these maps are labels, annotations, tags or templates: never secret, but the
      // message still names only the key.
      if (typeof item !== "string")
        this.fail(`${field}.${key}`, `must be a string, not ${describe(item)}`);
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true });
    }
    return out;
  }

  optionalArray<T>(
    value: unknown,
    field: string,
    each: (item: unknown, field: string) => T,
  ): T[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) return this.fail(field, `must be a list, not ${describe(value)}`);
    return value.map((item, index) => each(item, `${field}[${index}]`));
  }

  optionalStringList(value: unknown, field: string): string[] | undefined {
    return this.optionalArray(value, field, (item, itemField) => this.string(item, itemField));
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
