// The one step of unsealing that is not plain data: `spec.template.data` entries are Go
// text/templates rendered over the decrypted items with Sprig's generic functions minus env,
// expandenv and getHostByName (§4.4), by the shared engine in src/templating.
import { createRequire } from "node:module";

type Templating = typeof import("../templating/index.js");

// Loaded on first use (require of an ES module, synchronous on Node 22.12+): the engine and its
// Sprig functions cost ~50 ms of start-up, and sealing or unsealing without templates never needs it.
let templating: Templating | undefined;
function loadTemplating(): Templating {
  templating ??= createRequire(import.meta.url)("../templating/index.js") as Templating;
  return templating;
}

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
  const rendered: Record<string, Buffer> = {};
  const errors: TaggedError[] = [];
  const keys = Object.keys(sources).sort();
  if (keys.length === 0) return { rendered, errors };
  const { functionSet, renderGoTemplate } = loadTemplating();
  const functions = functionSet("sealed-secrets");
  for (const key of keys) {
    try {
      const output = renderGoTemplate(sources[key] ?? "", context, { name: key, functions });
      rendered[key] = Buffer.from(output, "utf8");
    } catch (error) {
      errors.push({ tag: key, message: (error as Error).message });
    }
  }
  return { rendered, errors };
}
