import { startGarbageCollector } from "./garbage-collector.js";
import { startNamespaceController } from "./namespace-controller.js";
import type { ObjectWrites } from "./object-writes.js";
import type { Registry } from "./registry.js";

/**
 * Starts the control loops a cluster needs for the API to behave (namespace lifecycle, garbage
 * collection); returns a function that stops them all.
 */
export function startControllers(registry: Registry, writes: ObjectWrites): () => void {
  const stops = [
    startNamespaceController(registry, writes),
    startGarbageCollector(registry, writes),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
