/**
 * A test double for the Go template engine that src/templating provides: it understands only
 * `{{ .key }}`, `{{ index . "key" }}` and the `upper` pipe, and honours missingkey=error, which is
 * all the External Secrets unit tests need to check where rendered values go. Not a template engine.
 */
export function renderTemplateDouble(
  source: string,
  data: Readonly<Record<string, string>>,
  options: { readonly name: string; readonly missingKey: "error" | "default" },
): string {
  return source.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_all, expression: string) => {
    const [head = "", ...pipes] = expression.split("|").map((part) => part.trim());
    const key =
      /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(head)?.[1] ?? /^index \. "([^"]*)"$/.exec(head)?.[1];
    if (key === undefined)
      throw new Error(`template: ${options.name}: unsupported expression in the test double`);
    let value: string;
    if (Object.hasOwn(data, key)) value = data[key] ?? "";
    else if (options.missingKey === "error") {
      throw new Error(
        `template: ${options.name}: executing at <.${key}>: map has no entry for key "${key}"`,
      );
    } else value = "<no value>";
    for (const pipe of pipes) {
      if (pipe !== "upper")
        throw new Error(`template: ${options.name}: function "${pipe}" not defined`);
      value = value.toUpperCase();
    }
    return value;
  });
}
