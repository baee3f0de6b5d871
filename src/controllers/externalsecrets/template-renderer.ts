/**
 * Renders one Go text/template with ESO's function set (sprig minus env/expandenv/getHostByName,
 * plus ESO's helpers). The controller receives it as an argument: the engine lives in
 * src/templating, and a reconciler passes `renderGoTemplate` with `functionSet("external-secrets")`.
 * @param source the template text
 * @param data the flat data context `.` (key → value as a string)
 * @param options `name` names the template in errors; `missingKey` is Go's `missingkey` option
 * @returns the rendered text
 * @throws Error when the template does not parse or fails to execute
 */
export type TemplateRenderer = (
  source: string,
  data: Readonly<Record<string, string>>,
  options: { readonly name: string; readonly missingKey: "error" | "default" },
) => string;

/**
 * The data context of a template: each value as a string. Values that are not valid UTF-8 become
 * lossy here (Go keeps raw bytes in its strings); see docs/adr/controllers-externalsecrets-core.md.
 */
export function templateContext(data: ReadonlyMap<string, Uint8Array>): Record<string, string> {
  const context: Record<string, string> = {};
  for (const [key, value] of data) {
    Object.defineProperty(context, key, {
      value: Buffer.from(value).toString("utf8"),
      enumerable: true,
      writable: true,
    });
  }
  return context;
}
