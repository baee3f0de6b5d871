import type { ServerResponse } from "node:http";
import type { JsonObject } from "./json.js";
import { resourceVersionOf } from "./object-meta.js";
import type { ResponseFormat } from "./media.js";
import { selects } from "./object-reads.js";
import type { Selection } from "./object-reads.js";
import { apiVersionOf } from "./resource-type.js";
import type { ResourceType } from "./resource-type.js";
import { expired } from "./status.js";
import type { Store, StoreEvent } from "./store.js";
import { buildTable } from "./tables.js";
import type { IncludeObject } from "./tables.js";
import { toServed } from "./versioning.js";

/** What one watch request asked for. */
export interface WatchRequest {
  type: ResourceType;
  selection: Selection;
  /** "" or "0": start with the current state as ADDED events; else resume after it. */
  resourceVersion: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
  format: ResponseFormat;
  includeObject: IncludeObject;
}

/** Timing of idle traffic on watches. */
export interface WatchTiming {
  /** Interval of BOOKMARK events (when allowed) or of a bare newline keep-alive otherwise. */
  keepAliveMs: number;
  /** Stream length when the client gives no timeoutSeconds: a random value in this range. */
  defaultTimeoutMs: readonly [number, number];
}

/** Defaults: a keep-alive every 10 s (client-node 2 aborts a watch after 30 s of silence). */
export const defaultWatchTiming: WatchTiming = {
  keepAliveMs: 10_000,
  defaultTimeoutMs: [30 * 60_000, 60 * 60_000],
};

type EventType = "ADDED" | "MODIFIED" | "DELETED";

/**
 * Serves watches: newline-delimited JSON events on a chunked 200 response, replayed from the
 * store's history or synthesised from its current state, then live; filtered by selectors on
 * both the old and the new state; bookmarks, timeouts, and 410 Expired beyond the history.
 */
export class WatchHub {
  #store: Store;
  #timing: WatchTiming;
  #clock: () => Date;
  #open = new Set<() => void>();
  #encodedEvent: StoreEvent | undefined;
  #encoded = new Map<string, string>();

  constructor(
    store: Store,
    timing: WatchTiming = defaultWatchTiming,
    clock: () => Date = () => new Date(),
  ) {
    this.#store = store;
    this.#timing = timing;
    this.#clock = clock;
  }

  /** Number of open watch streams. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Starts streaming to `res`. Events up to the current revision are written before this
   * returns; later ones as they are committed.
   */
  serve(request: WatchRequest, res: ServerResponse, contentType: string): void {
    const { type } = request;
    let replay: StoreEvent[] | undefined = [];
    if (
      request.resourceVersion !== "" &&
      request.resourceVersion !== "0" &&
      !request.sendInitialEvents
    ) {
      replay = this.#store.eventsSince(type.storageKey, Number(request.resourceVersion));
    }
    res.writeHead(200, {
      "Content-Type": contentType,
      "Cache-Control": "no-cache, private",
      "Transfer-Encoding": "chunked",
    });
    // Send the headers now: clients treat the watch as established only once they arrive.
    res.flushHeaders();
    if (replay === undefined) {
      const error = expired(
        `too old resource version: ${request.resourceVersion} (${this.#store.compactedRevision})`,
      );
      res.end(`${JSON.stringify({ type: "ERROR", object: error.toStatus() })}\n`);
      return;
    }
    const state = { first: true };
    const send = (eventType: EventType | "BOOKMARK", obj: JsonObject, event?: StoreEvent): void => {
      res.write(this.#encode(request, eventType, obj, state, event));
    };
    const initial =
      request.resourceVersion === "" ||
      request.resourceVersion === "0" ||
      request.sendInitialEvents;
    if (initial) {
      for (const stored of this.#store.list(type.storageKey, request.selection.namespace)) {
        if (selects(type, request.selection, stored)) send("ADDED", stored);
      }
      if (request.sendInitialEvents && request.allowBookmarks) {
        send("BOOKMARK", this.#bookmark(type, { "k8s.io/initial-events-end": "true" }));
      }
    } else {
      for (const event of replay) this.#deliver(request, event, send);
    }
    this.#follow(request, res, send);
  }

  #follow(
    request: WatchRequest,
    res: ServerResponse,
    send: (t: EventType | "BOOKMARK", obj: JsonObject, event?: StoreEvent) => void,
  ): void {
    const unsubscribe = this.#store.subscribe((event) => {
      if (event.storageKey === request.type.storageKey) this.#deliver(request, event, send);
    });
    const keepAlive = setInterval(() => {
      if (request.allowBookmarks) send("BOOKMARK", this.#bookmark(request.type));
      else res.write("\n");
    }, this.#timing.keepAliveMs);
    const [low, high] = this.#timing.defaultTimeoutMs;
    const lifetime =
      request.timeoutSeconds !== undefined
        ? request.timeoutSeconds * 1000
        : low + Math.random() * (high - low);
    const timeout = setTimeout(() => {
      finish();
    }, lifetime);
    timeout.unref();
    keepAlive.unref();
    const finish = (): void => {
      unsubscribe();
      clearInterval(keepAlive);
      clearTimeout(timeout);
      this.#open.delete(finish);
      if (!res.writableEnded) res.end();
    };
    this.#open.add(finish);
    res.on("close", finish);
  }

  #deliver(
    request: WatchRequest,
    event: StoreEvent,
    send: (t: EventType, obj: JsonObject, event?: StoreEvent) => void,
  ): void {
    const { type, selection } = request;
    const before =
      event.previous !== undefined &&
      event.type !== "DELETED" &&
      selects(type, selection, event.previous);
    if (event.type === "DELETED") {
      if (selects(type, selection, event.object)) send("DELETED", event.object, event);
      return;
    }
    const after = selects(type, selection, event.object);
    if (event.type === "ADDED") {
      if (after) send("ADDED", event.object, event);
    } else if (before && after) send("MODIFIED", event.object, event);
    else if (after) send("ADDED", event.object, event);
    else if (before) {
      const gone: JsonObject = {
        ...event.previous,
        metadata: {
          ...(event.previous.metadata as JsonObject),
          resourceVersion: String(event.revision),
        },
      };
      send("DELETED", gone);
    }
  }

  #bookmark(type: ResourceType, annotations?: Record<string, string>): JsonObject {
    const metadata: JsonObject = { resourceVersion: String(this.#store.revision) };
    if (annotations !== undefined) metadata.annotations = annotations;
    return { kind: type.kind, apiVersion: apiVersionOf(type), metadata };
  }

  #encode(
    request: WatchRequest,
    eventType: EventType | "BOOKMARK",
    stored: JsonObject,
    state: { first: boolean },
    event: StoreEvent | undefined,
  ): string {
    const { type } = request;
    if (request.format === "table" && eventType !== "BOOKMARK") {
      const table = buildTable(type.table, [toServed(type, stored)], {
        now: this.#clock(),
        includeObject: request.includeObject,
        withColumns: state.first,
        listMeta: {
          resourceVersion: resourceVersionOf(stored),
        },
      });
      state.first = false;
      return `${JSON.stringify({ type: eventType, object: table })}\n`;
    }
    if (eventType !== event?.type || request.format !== "json") {
      const obj = eventType === "BOOKMARK" ? stored : toServed(type, stored);
      return `${JSON.stringify({ type: eventType, object: obj })}\n`;
    }
    // Watchers are told of a commit one after another, so the lines of the newest event are kept
    // for the next watcher of the same version (and no older lines are retained).
    if (this.#encodedEvent !== event) {
      this.#encodedEvent = event;
      this.#encoded.clear();
    }
    const version = apiVersionOf(type);
    let line = this.#encoded.get(version);
    if (line === undefined) {
      line = `${JSON.stringify({ type: eventType, object: toServed(type, stored) })}\n`;
      this.#encoded.set(version, line);
    }
    return line;
  }

  /** Ends every open watch (server shutdown). */
  closeAll(): void {
    for (const finish of [...this.#open]) finish();
  }
}
