import { startCrdController } from "./crd-controller.js";
import { startGarbageCollector } from "./garbage-collector.js";
import { startNamespaceController } from "./namespace-controller.js";
import type { ObjectWrites } from "./object-writes.js";
import type { Registry } from "./registry.js";
import type { ErrorReporter } from "./system-writer.js";

/**
 * Starts the control loops a cluster needs for the API to behave (CRD establishment and cleanup,
 * namespace lifecycle, garbage collection); returns a function that stops them all.
 */
export function startControllers(
  registry: Registry,
  writes: ObjectWrites,
  report: ErrorReporter,
): () => void {
  const stops = [
    startCrdController(registry, writes, report),
    startNamespaceController(registry, writes, report),
    startGarbageCollector(registry, writes, report),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
