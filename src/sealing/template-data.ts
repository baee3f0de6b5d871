// The one step of unsealing that is not plain data: `spec.template.data` entries are Go
// text/templates rendered over the decrypted items with Sprig's generic functions minus env,
// expandenv and getHostByName (§4.4), by the shared engine in src/templating.
import { functionSet, renderGoTemplate } from "../templating/index.js";

/** An error tagged with the item or template entry it belongs to (upstream's multierror tags). */
export interface TaggedError {
  tag: string;
  message: string;
}

/** The rendered entries (raw bytes) and the errors of the ones that failed. */
export interface RenderedTemplateData {
  rendered: Record<string, Buffer>;
  errors: TaggedError[];
}

/**
 * Renders every `spec.template.data` entry, named after its key, with the decrypted items (as
 * strings) as context; a missing item renders `<no value>`. Parse and execution errors carry Go's
 * message, tagged with the entry's key.
 */
export function renderTemplateData(
  sources: Readonly<Record<string, string>>,
  context: Readonly<Record<string, string>>,
): RenderedTemplateData {
  const functions = functionSet("sealed-secrets");
  const rendered: Record<string, Buffer> = {};
  const errors: TaggedError[] = [];
  for (const key of Object.keys(sources).sort()) {
    try {
      const output = renderGoTemplate(sources[key] ?? "", context, { name: key, functions });
      rendered[key] = Buffer.from(output, "utf8");
    } catch (error) {
      errors.push({ tag: key, message: (error as Error).message });
    }
  }
  return { rendered, errors };
}
