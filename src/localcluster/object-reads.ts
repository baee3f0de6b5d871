import { randomBytes } from "node:crypto";
import type { JsonObject } from "./json.js";
import { labelsOf, nameOf, namespaceOf } from "./object-meta.js";
import { apiVersionOf } from "./resource-type.js";
import type { ResourceType } from "./resource-type.js";
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from "./selectors.js";
import type { FieldRequirement, LabelSelector } from "./selectors.js";
import { ApiError, badRequest, expired, fieldError, invalid, notFound } from "./status.js";
import type { Store } from "./store.js";
import { toServed } from "./versioning.js";

/** The filter of a list or watch. */
export interface Selection {
  namespace: string;
  labels: LabelSelector;
  fields: readonly FieldRequirement[];
}

/** Parses `labelSelector` and `fieldSelector`, checking field labels against the resource. */
export function parseSelection(
  type: ResourceType,
  namespace: string,
  query: URLSearchParams,
): Selection {
  const fields = parseFieldSelector(query.get("fieldSelector") ?? "");
  for (const requirement of fields) {
    const supported =
      requirement.field === "metadata.name" ||
      (type.namespaced && requirement.field === "metadata.namespace") ||
      type.fieldLabels?.[requirement.field] !== undefined;
    if (!supported) throw badRequest(`field label not supported: ${requirement.field}`);
  }
  return { namespace, labels: parseLabelSelector(query.get("labelSelector") ?? ""), fields };
}

/** True when a stored object is in the selection. */
export function selects(type: ResourceType, selection: Selection, stored: JsonObject): boolean {
  if (selection.namespace !== "" && namespaceOf(stored) !== selection.namespace) return false;
  if (selection.labels.length > 0 && !matchesLabels(selection.labels, labelsOf(stored)))
    return false;
  if (selection.fields.length === 0) return true;
  return matchesFields(selection.fields, (field) => {
    if (field === "metadata.name") return nameOf(stored);
    if (field === "metadata.namespace") return namespaceOf(stored);
    return type.fieldLabels?.[field]?.(stored) ?? "";
  });
}

interface Snapshot {
  items: JsonObject[];
  revision: number;
  created: number;
}

const snapshotTtlMs = 5 * 60_000;
const maxSnapshots = 64;

/**
 * Reads: get one object, list a collection with selectors and consistent paging. Pages after
 * the first come from a snapshot of the first page's moment, so `continue` sees one revision.
 */
export class ObjectReads {
  #store: Store;
  #snapshots = new Map<string, Snapshot>();
  #clock: () => number;

  constructor(store: Store, clock: () => number = Date.now) {
    this.#store = store;
    this.#clock = clock;
  }

  /**
   * One object in the served version.
   * @throws ApiError 404
   */
  get(type: ResourceType, namespace: string, name: string): JsonObject {
    const stored = this.#store.get(type.storageKey, type.namespaced ? namespace : "", name);
    if (stored === undefined) throw notFound(type, name);
    return toServed(type, stored);
  }

  /**
   * A `<Kind>List` of the matching objects, honouring `limit`/`continue` and `resourceVersion`.
   * @throws ApiError 400 bad selectors or token, 410 expired token, 422 bad options, 504 future RV
   */
  list(type: ResourceType, selection: Selection, query: URLSearchParams): JsonObject {
    checkListResourceVersion(query, this.#store.revision);
    const limit = Number(query.get("limit") ?? "0");
    const token = query.get("continue") ?? "";
    let snapshot: Snapshot;
    let offset = 0;
    if (token !== "") {
      ({ snapshot, offset } = this.#resume(token));
    } else {
      const items = this.#store
        .list(type.storageKey, selection.namespace)
        .filter((o) => selects(type, selection, o));
      snapshot = { items, revision: this.#store.revision, created: this.#clock() };
    }
    const end = limit > 0 ? Math.min(offset + limit, snapshot.items.length) : snapshot.items.length;
    const metadata: JsonObject = { resourceVersion: String(snapshot.revision) };
    if (end < snapshot.items.length) {
      metadata.continue = this.#remember(snapshot, end);
      if (selection.labels.length === 0 && selection.fields.length === 0) {
        metadata.remainingItemCount = snapshot.items.length - end;
      }
    }
    return {
      kind: type.listKind,
      apiVersion: apiVersionOf(type),
      metadata,
      items: snapshot.items.slice(offset, end).map((o) => toServed(type, o)),
    };
  }

  #remember(snapshot: Snapshot, offset: number): string {
    const now = this.#clock();
    for (const [id, old] of this.#snapshots) {
      if (now - old.created > snapshotTtlMs || this.#snapshots.size >= maxSnapshots)
        this.#snapshots.delete(id);
    }
    let id = [...this.#snapshots].find(([, s]) => s === snapshot)?.[0];
    if (id === undefined) {
      id = randomBytes(9).toString("base64url");
      this.#snapshots.set(id, snapshot);
    }
    return Buffer.from(
      JSON.stringify({ v: "meta.k8s.io/v1", rv: snapshot.revision, id, offset }),
    ).toString("base64url");
  }

  #resume(token: string): { snapshot: Snapshot; offset: number } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    } catch {
      throw badRequest("invalid continue token: not a token issued by this server");
    }
    const fields = parsed as { id?: unknown; offset?: unknown };
    if (typeof fields.id !== "string" || typeof fields.offset !== "number") {
      throw badRequest("invalid continue token: not a token issued by this server");
    }
    const snapshot = this.#snapshots.get(fields.id);
    if (snapshot === undefined || this.#clock() - snapshot.created > snapshotTtlMs) {
      throw expired(
        "The provided continue parameter is too old to display a consistent list result. You can " +
          "start a new list without the continue parameter, or use the continue token in this " +
          "response to retrieve the remainder of the results. Continuing with the provided token " +
          "results in an inconsistent list - objects that were created, modified, or deleted " +
          "between the time the first chunk was returned and now may show up in the list.",
      );
    }
    return { snapshot, offset: fields.offset };
  }
}

/**
 * The list-time rules on `resourceVersion` / `resourceVersionMatch` / `sendInitialEvents`.
 * @throws ApiError 422 for combinations the apiserver refuses, 504 for a future version
 */
export function checkListResourceVersion(query: URLSearchParams, current: number): void {
  const rv = query.get("resourceVersion") ?? "";
  const match = query.get("resourceVersionMatch") ?? "";
  const listOptions = { group: "meta.k8s.io", kind: "ListOptions" };
  if (match !== "" && rv === "") {
    throw invalid(listOptions, "", [
      fieldError.forbidden(
        "resourceVersionMatch",
        "resourceVersionMatch is forbidden unless resourceVersion is provided",
      ),
    ]);
  }
  if (
    query.has("sendInitialEvents") &&
    query.get("watch") !== "true" &&
    query.get("watch") !== "1"
  ) {
    throw invalid(listOptions, "", [
      fieldError.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"),
    ]);
  }
  if (rv === "" || rv === "0") return;
  const asked = Number(rv);
  if (!Number.isInteger(asked)) {
    throw badRequest(
      `invalid resource version: strconv.ParseUint: parsing "${rv}": invalid syntax`,
    );
  }
  if (asked > current) throw tooLargeResourceVersion(asked, current);
}

/** 504 for a resourceVersion newer than the store's. */
export function tooLargeResourceVersion(asked: number, current: number): ApiError {
  return new ApiError(
    504,
    "Timeout",
    `Timeout: Too large resource version: ${asked}, current: ${current}`,
    {
      causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
      retryAfterSeconds: 1,
    },
  );
}
