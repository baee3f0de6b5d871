import type { IncomingMessage, ServerResponse } from "node:http";
import { serverSideApply } from "./apply.js";
import type { JsonObject } from "./json.js";
import { decodeObjectBody, negotiate, parseMediaType, readBody, sendObject } from "./media.js";
import type { ResponseFormat } from "./media.js";
import { parseSelection, tooLargeResourceVersion } from "./object-reads.js";
import type { ObjectReads } from "./object-reads.js";
import { nameOf, namespaceOf, resourceVersionOf } from "./object-meta.js";
import type { ObjectTarget, ObjectWrites, WriteResult } from "./object-writes.js";
import { patchObject } from "./patch/patch-object.js";
import type { Registry } from "./registry.js";
import type { ResourcePath } from "./request-info.js";
import { apiVersionOf, PatchType } from "./resource-type.js";
import type { ResourceType } from "./resource-type.js";
import {
  badRequest,
  fieldError,
  invalid,
  methodNotAllowed,
  unknownPath,
  unsupportedMediaType,
} from "./status.js";
import { buildTable } from "./tables.js";
import type { IncludeObject } from "./tables.js";
import type { WatchHub } from "./watch.js";
import { deleteOptions, patchOptionsError, writeOptions } from "./write-options.js";

/**
 * A POST that computes its answer instead of storing an object (TokenRequest, TokenReview,
 * SelfSubjectAccessReview), keyed by `<storageKey>/<subresource>` (subresource empty for a
 * create on the collection).
 */
export type ApiAction = (request: {
  namespace: string;
  name: string;
  body: JsonObject;
}) => WriteResult;

/** What the resource handler works with. */
export interface ApiDependencies {
  registry: Registry;
  reads: ObjectReads;
  writes: ObjectWrites;
  watches: WatchHub;
  clock: () => Date;
  actions: ReadonlyMap<string, ApiAction>;
}

/** A request already routed to one resource. */
interface Routed {
  deps: ApiDependencies;
  req: IncomingMessage;
  res: ServerResponse;
  path: ResourcePath;
  query: URLSearchParams;
  type: ResourceType;
  /** Warnings to return as `Warning` headers. */
  warnings: string[];
}

/**
 * Serves one request under /api/v1 or /apis/G/V for a resource (not discovery): finds the
 * resource, maps the method to a verb and runs it. Errors are thrown as ApiError.
 */
export async function handleResourceRequest(
  deps: ApiDependencies,
  req: IncomingMessage,
  res: ServerResponse,
  path: ResourcePath,
  query: URLSearchParams,
): Promise<void> {
  const type = deps.registry.find(path.group, path.version, path.resource);
  if (type === undefined || (!type.namespaced && path.namespace !== "")) throw unknownPath();
  if (path.subresource !== "" && !type.subresources.includes(path.subresource)) throw unknownPath();
  const routed: Routed = { deps, req, res, path, query, type, warnings: [] };
  const verb = verbOf(req.method ?? "GET", path, query);
  if (!type.verbs.includes(verb) && path.subresource === "") throw methodNotAllowed(verb, type);
  switch (verb) {
    case "get": {
      respondRead(routed, deps.reads.get(type, path.namespace, path.name));
      return;
    }
    case "list": {
      respondList(routed);
      return;
    }
    case "watch": {
      startWatch(routed);
      return;
    }
    case "create": {
      respondWrite(routed, await create(routed));
      return;
    }
    case "post": {
      respondWrite(routed, await runAction(routed));
      return;
    }
    case "update": {
      respondWrite(routed, await update(routed));
      return;
    }
    case "patch": {
      respondWrite(routed, await patch(routed));
      return;
    }
    case "delete": {
      respondWrite(routed, await remove(routed));
      return;
    }
    case "deletecollection":
      return respondDeleteCollection(routed);
    default:
      throw methodNotAllowed(verb, type);
  }
}

function verbOf(method: string, path: ResourcePath, query: URLSearchParams): string {
  const watch = path.watchPrefix || query.get("watch") === "true" || query.get("watch") === "1";
  switch (method) {
    case "GET":
    case "HEAD":
      if (path.name === "") return watch ? "watch" : "list";
      return "get";
    case "POST":
      return path.name === "" ? "create" : "post";
    case "PUT":
      return path.name === "" ? "put" : "update";
    case "PATCH":
      return path.name === "" ? "patch-collection" : "patch";
    case "DELETE":
      return path.name === "" ? "deletecollection" : "delete";
    default:
      return method.toLowerCase();
  }
}

function includeObject(query: URLSearchParams): IncludeObject {
  const value = query.get("includeObject");
  return value === "None" || value === "Object" ? value : "Metadata";
}

function respondRead(routed: Routed, obj: JsonObject): void {
  const format = negotiate(routed.req.headers.accept, true);
  if (format === "table") {
    const table = buildTable(routed.type.table, [obj], {
      now: routed.deps.clock(),
      includeObject: includeObject(routed.query),
      withColumns: true,
      listMeta: {
        resourceVersion: resourceVersionOf(obj),
      },
    });
    sendObject(routed.res, 200, table, "table");
    return;
  }
  if (format === "partial") {
    sendObject(
      routed.res,
      200,
      { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata ?? {} },
      "partial",
    );
    return;
  }
  sendObject(routed.res, 200, obj, format);
}

function respondList(routed: Routed): void {
  const { type, query, path, deps } = routed;
  const format = negotiate(routed.req.headers.accept, true);
  const selection = parseSelection(type, type.namespaced ? path.namespace : "", query);
  const list = deps.reads.list(type, selection, query);
  sendCollection(routed, list, format);
}

function sendCollection(routed: Routed, list: JsonObject, format: ResponseFormat): void {
  const items = Array.isArray(list.items) ? (list.items as JsonObject[]) : [];
  if (format === "table") {
    const table = buildTable(routed.type.table, items, {
      now: routed.deps.clock(),
      includeObject: includeObject(routed.query),
      withColumns: true,
      listMeta: (list.metadata as JsonObject | undefined) ?? {},
    });
    sendObject(routed.res, 200, table, "table");
    return;
  }
  if (format === "partial") {
    const partial = {
      kind: "PartialObjectMetadataList",
      apiVersion: "meta.k8s.io/v1",
      metadata: list.metadata ?? {},
      items: items.map((item) => ({
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: item.metadata ?? {},
      })),
    };
    sendObject(routed.res, 200, partial, "partial");
    return;
  }
  sendObject(routed.res, 200, list, format);
}

function startWatch(routed: Routed): void {
  const { type, query, path, deps } = routed;
  const format = negotiate(routed.req.headers.accept, true);
  const selection = parseSelection(type, type.namespaced ? path.namespace : "", query);
  const sendInitialEvents = query.get("sendInitialEvents") === "true";
  const rv = query.get("resourceVersion") ?? "";
  if (sendInitialEvents && query.get("resourceVersionMatch") !== "NotOlderThan") {
    throw invalid({ group: "meta.k8s.io", kind: "ListOptions" }, "", [
      fieldError.forbidden(
        "sendInitialEvents",
        "sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
      ),
    ]);
  }
  if (rv !== "" && rv !== "0" && !/^\d+$/.test(rv)) {
    throw badRequest(
      `invalid resource version: strconv.ParseUint: parsing "${rv}": invalid syntax`,
    );
  }
  if (rv !== "" && Number(rv) > deps.writes.store.revision) {
    throw tooLargeResourceVersion(Number(rv), deps.writes.store.revision);
  }
  const timeout = query.get("timeoutSeconds");
  const contentType =
    format === "table" ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json";
  deps.watches.serve(
    {
      type,
      selection,
      resourceVersion: rv,
      allowBookmarks: query.get("allowWatchBookmarks") === "true",
      sendInitialEvents,
      timeoutSeconds: timeout === null ? undefined : Math.max(0, Number(timeout)),
      format,
      includeObject: includeObject(query),
    },
    routed.res,
    contentType,
  );
}

async function runAction(routed: Routed): Promise<WriteResult> {
  const { type, req, path, deps } = routed;
  const action = deps.actions.get(`${type.storageKey}/${path.subresource}`);
  if (action === undefined) throw methodNotAllowed("create", type);
  const body = decodeObjectBody(req.headers["content-type"], await readBody(req));
  return action({ namespace: path.namespace, name: path.name, body });
}

async function create(routed: Routed): Promise<WriteResult> {
  const { type, req, path, query, deps } = routed;
  if (deps.actions.has(`${type.storageKey}/`)) return runAction(routed);
  const body = decodeObjectBody(req.headers["content-type"], await readBody(req));
  const options = writeOptions(query, req.headers["user-agent"]);
  return withWarnings(
    routed,
    options.warnings,
    deps.writes.create(type, path.namespace, body, options),
  );
}

async function update(routed: Routed): Promise<WriteResult> {
  const { type, req, path, query, deps } = routed;
  const body = decodeObjectBody(req.headers["content-type"], await readBody(req));
  const options = writeOptions(query, req.headers["user-agent"]);
  const target: ObjectTarget = {
    type,
    namespace: path.namespace,
    name: path.name,
    subresource: path.subresource,
  };
  const result = deps.writes.update(target, body, options, true);
  return withWarnings(routed, options.warnings, result);
}

async function patch(routed: Routed): Promise<WriteResult> {
  const { type, req, path, query, deps } = routed;
  const mediaType = parseMediaType(req.headers["content-type"] ?? "").type;
  if (!type.patchTypes.includes(mediaType)) throw unsupportedMediaType(type.patchTypes);
  const body = await readBody(req);
  const options = writeOptions(query, req.headers["user-agent"]);
  const target: ObjectTarget = {
    type,
    namespace: path.namespace,
    name: path.name,
    subresource: path.subresource,
  };
  if (mediaType === PatchType.apply) {
    if (query.get("fieldManager") === null) throw patchOptionsError("fieldManager");
    return withWarnings(
      routed,
      options.warnings,
      serverSideApply(deps.writes, target, body, options),
    );
  }
  if (query.has("force")) throw patchOptionsError("force");
  return withWarnings(
    routed,
    options.warnings,
    patchObject(deps.writes, target, mediaType, body, options),
  );
}

async function remove(routed: Routed): Promise<WriteResult> {
  const { type, req, path, query, deps } = routed;
  const options = deleteOptions(query, await deleteBody(req));
  return deps.writes.delete(type, path.namespace, path.name, options);
}

async function deleteBody(req: IncomingMessage): Promise<JsonObject | undefined> {
  const raw = await readBody(req);
  if (raw.length === 0) return undefined;
  return decodeObjectBody(req.headers["content-type"], raw);
}

async function respondDeleteCollection(routed: Routed): Promise<void> {
  const { type, req, path, query, deps } = routed;
  const options = deleteOptions(query, await deleteBody(req));
  const selection = parseSelection(type, type.namespaced ? path.namespace : "", query);
  const list = deps.reads.list(type, selection, new URLSearchParams());
  const deleted: JsonObject[] = [];
  for (const item of Array.isArray(list.items) ? (list.items as JsonObject[]) : []) {
    const result = deps.writes.delete(type, namespaceOf(item), nameOf(item), options);
    deleted.push(result.object.kind === "Status" ? item : result.object);
  }
  sendObject(routed.res, 200, {
    kind: type.listKind,
    apiVersion: apiVersionOf(type),
    metadata: list.metadata ?? {},
    items: deleted,
  });
}

function withWarnings(routed: Routed, warnings: string[], result: WriteResult): WriteResult {
  routed.warnings.push(...warnings);
  return result;
}

function respondWrite(routed: Routed, result: WriteResult): void {
  const format = negotiate(routed.req.headers.accept, false);
  sendObject(routed.res, result.status, result.object, format, routed.warnings);
}
