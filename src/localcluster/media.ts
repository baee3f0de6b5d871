import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { isObject } from "./json.js";
import type { JsonObject } from "./json.js";
import { decodeProtobufObject, UnknownProtobufKind } from "./protobuf.js";
import { ApiError, badRequest, notAcceptable, unsupportedMediaType } from "./status.js";

/** A media type with its parameters, from Accept or Content-Type. */
export interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** Parses one media type (`application/json;as=Table;v=v1;g=meta.k8s.io`). */
export function parseMediaType(text: string): MediaType {
  const [head = "", ...rest] = text.split(";");
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq > 0)
      params[part.slice(0, eq).trim().toLowerCase()] = part
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, "");
  }
  return { type: head.trim().toLowerCase(), params };
}

/** Splits an Accept header into its alternatives, in the order given. */
export function parseAccept(header: string | undefined): MediaType[] {
  if (header === undefined || header.trim() === "") return [{ type: "*/*", params: {} }];
  return header
    .split(",")
    .map(parseMediaType)
    .filter((m) => m.type !== "" && m.params.q !== "0");
}

/** What a response body is rendered as. */
export type ResponseFormat = "json" | "yaml" | "table" | "partial";

/** The media types this server can answer with, for 406 messages. */
const producible = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];

/**
 * Picks the first Accept alternative this server can produce. Tables and partial metadata are
 * only offered where `allowTransform` (get, list, watch).
 * @throws ApiError 406 when none can be produced
 */
export function negotiate(accept: string | undefined, allowTransform: boolean): ResponseFormat {
  for (const media of parseAccept(accept)) {
    const format = formatOf(media, allowTransform);
    if (format !== undefined) return format;
  }
  throw notAcceptable(producible);
}

function formatOf(media: MediaType, allowTransform: boolean): ResponseFormat | undefined {
  const as = media.params.as;
  if (media.type === "application/json" || media.type === "application/yaml") {
    if (as === undefined) return media.type === "application/json" ? "json" : "yaml";
    if (!allowTransform || media.params.g !== "meta.k8s.io") return undefined;
    if (media.params.v !== "v1" && media.params.v !== "v1beta1") return undefined;
    if (as === "Table") return "table";
    if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return "partial";
    return undefined;
  }
  if (media.type === "*/*" || media.type === "application/*") return "json";
  return undefined;
}

/** True when Accept asks for the aggregated discovery document (v2 or v2beta1). */
export function discoveryVersion(accept: string | undefined): "v2" | "v2beta1" | undefined {
  for (const media of parseAccept(accept)) {
    if (media.type !== "application/json") continue;
    if (media.params.as !== "APIGroupDiscoveryList" || media.params.g !== "apidiscovery.k8s.io") {
      if (media.params.as === undefined) return undefined;
      continue;
    }
    if (media.params.v === "v2" || media.params.v === "v2beta1") return media.params.v;
  }
  return undefined;
}

/** The largest request body accepted (kube-apiserver's limit is 3 MiB). */
const maxBodyBytes = 3 * 1024 * 1024;

/**
 * Reads the whole request body.
 * @throws ApiError 413 when it is larger than the apiserver would take
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  // Plain events rather than `for await`: this runs on every write, and the async iterator
  // costs several allocations per request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        req.destroy();
        reject(
          new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/** Media types accepted for POST and PUT bodies, in the order the 415 message lists them. */
export const objectBodyTypes = [
  "application/json",
  "application/yaml",
  "application/vnd.kubernetes.protobuf",
];

/**
 * Decodes a POST/PUT body by its Content-Type (JSON when absent, YAML, or kubectl's protobuf).
 * @throws ApiError 415 for other media types, 400 for malformed bodies
 */
export function decodeObjectBody(contentType: string | undefined, body: Buffer): JsonObject {
  const media = parseMediaType(contentType ?? "application/json");
  switch (media.type) {
    case "":
    case "application/json":
      return requireObject(parseJson(body.toString("utf8")));
    case "application/yaml":
      return requireObject(parseYamlText(body.toString("utf8")));
    case "application/vnd.kubernetes.protobuf":
      try {
        return decodeProtobufObject(body);
      } catch (error) {
        if (error instanceof UnknownProtobufKind) throw unsupportedMediaType(objectBodyTypes);
        throw error;
      }
    default:
      throw unsupportedMediaType(objectBodyTypes);
  }
}

/**
 * Parses JSON, worded like the apiserver's decoder when it fails.
 * @throws ApiError 400
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

/**
 * Parses YAML 1.1 (Kubernetes' dialect).
 * @throws ApiError 400
 */
export function parseYamlText(text: string): unknown {
  try {
    return parseYaml(text, { version: "1.1" }) as unknown;
  } catch (error) {
    throw badRequest(
      `error converting YAML to JSON: ${(error as Error).message.split("\n")[0] ?? ""}`,
    );
  }
}

function requireObject(value: unknown): JsonObject {
  if (!isObject(value)) {
    throw badRequest(
      "couldn't get version/kind; json parse error: json: cannot unmarshal into Go value of type struct",
    );
  }
  return value;
}

/** Extra response headers: `Warning: 299 - "<text>"` for each warning. */
export function warningHeaders(warnings: readonly string[]): string[] {
  return warnings.map((w) => `299 - "${w.replace(/["\\]/g, (c) => `\\${c}`)}"`);
}

const contentTypes: Record<ResponseFormat, string> = {
  json: "application/json",
  yaml: "application/yaml",
  table: "application/json;as=Table;v=v1;g=meta.k8s.io",
  partial: "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
};

/** Sends `body` in `format` with `status`. */
export function sendObject(
  res: ServerResponse,
  status: number,
  body: JsonObject,
  format: ResponseFormat = "json",
  warnings: readonly string[] = [],
): void {
  const text = format === "yaml" ? stringifyYaml(body) : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    "Content-Type":
      format === "partial" && body.kind === "PartialObjectMetadataList"
        ? "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
        : contentTypes[format],
    "Cache-Control": "no-cache, private",
  };
  if (warnings.length > 0) headers.Warning = warningHeaders(warnings);
  res.writeHead(status, headers);
  res.end(text);
}

/** Sends an ApiError as its Status body (JSON; Status is never a Table). */
export function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendObject(res, error.code, error.toStatus(), "json");
}
