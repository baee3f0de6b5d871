// The one step of unsealing that is not plain data: `spec.template.data` entries are Go
// text/templates rendered over the decrypted items (§4.4).

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
 * Renders every `spec.template.data` entry with the decrypted items as context.
 * TEMPORARY: the shared Go-template engine (src/templating) has not landed yet, so every entry
 * reports that it cannot be rendered; no Secret is produced from a template until then.
 */
export function renderTemplateData(
  sources: Readonly<Record<string, string>>,
  _context: Readonly<Record<string, string>>,
): RenderedTemplateData {
  const errors = Object.keys(sources)
    .sort()
    .map((tag) => ({
      tag,
      message: "spec.template.data cannot be rendered yet (no template engine)",
    }));
  return { rendered: {}, errors };
}
