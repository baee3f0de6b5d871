import { request as httpRequest } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { arrayAt, isObject, scalarText, stringAt } from "./json.js";
import type { JsonObject } from "./json.js";
import { ApiError, badRequest, notFound } from "./status.js";

/** One registered endpoint: `http://127.0.0.1:PORT` behind (namespace, service, port). */
interface Endpoint {
  namespace: string;
  service: string;
  port: string;
  target: URL;
}

const services = { group: "", resource: "services" };

/** Splits `[scheme:]name[:port]` as the apiserver does for service proxy paths. */
export function parseServiceReference(text: string): {
  scheme: string;
  name: string;
  port: string;
} {
  const parts = decodeURIComponent(text).split(":");
  if (parts.length === 1) return { scheme: "", name: parts[0] ?? "", port: "" };
  if (parts.length === 2) return { scheme: "", name: parts[0] ?? "", port: parts[1] ?? "" };
  if (parts.length === 3) {
    const scheme = parts[0] ?? "";
    if (scheme !== "" && scheme !== "http" && scheme !== "https")
      throw badRequest(`invalid service request "${text}"`);
    return { scheme, name: parts[1] ?? "", port: parts[2] ?? "" };
  }
  throw badRequest(`invalid service request "${text}"`);
}

/**
 * The service proxy: forwards `/api/v1/namespaces/NS/services/[SCHEME:]NAME:[PORT]/proxy/PATH`
 * to an in-process endpoint registered for that Service and port, passing status, headers and
 * body through unchanged.
 */
export class ServiceProxy {
  #endpoints: Endpoint[] = [];

  /** Registers (or replaces) the endpoint of one Service port. */
  register(namespace: string, service: string, port: string | number, target: string): void {
    const key = String(port);
    this.#endpoints = this.#endpoints.filter(
      (e) => !(e.namespace === namespace && e.service === service && e.port === key),
    );
    this.#endpoints.push({ namespace, service, port: key, target: new URL(target) });
  }

  /**
   * Picks the endpoint for a request, matching the requested port against the Service's ports
   * (by name or number; empty = the unnamed or only port).
   * @throws ApiError 503 when nothing is registered for it
   */
  resolve(service: JsonObject, namespace: string, name: string, port: string): URL {
    const ports = (
      arrayAt(isObject(service.spec) ? service.spec : undefined, "ports") ?? []
    ).filter(isObject);
    const chosen =
      port === ""
        ? (ports.find((p) => stringAt(p, "name") === undefined || stringAt(p, "name") === "") ??
          (ports.length === 1 ? ports[0] : undefined))
        : ports.find((p) => stringAt(p, "name") === port || scalarText(p.port) === port);
    const keys = new Set<string>([port]);
    if (chosen !== undefined) {
      keys.add(scalarText(chosen.port));
      const portName = stringAt(chosen, "name");
      if (portName !== undefined) keys.add(portName);
    }
    const candidates = this.#endpoints.filter(
      (e) => e.namespace === namespace && e.service === name,
    );
    const endpoint =
      candidates.find((e) => keys.has(e.port)) ??
      (port === "" && candidates.length === 1 ? candidates[0] : undefined);
    if (endpoint === undefined) {
      throw new ApiError(
        503,
        "ServiceUnavailable",
        `no endpoints available for service "${name}"`,
        {},
      );
    }
    return endpoint.target;
  }

  /** Forwards the request to `target`, with `rest` as the path and the original query. */
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: URL,
    rest: string,
    query: string,
  ): Promise<void> {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.authorization;
    return new Promise((resolve) => {
      const upstream = httpRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method ?? "GET",
          path: `${target.pathname.replace(/\/$/, "")}${rest === "" ? "/" : rest}${query}`,
          headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on("end", () => {
            resolve();
          });
        },
      );
      upstream.on("error", (error) => {
        if (!res.headersSent) {
          const status = new ApiError(
            503,
            "ServiceUnavailable",
            `error trying to reach service: ${error.message}`,
            {},
          );
          res.writeHead(503, { "Content-Type": "application/json" });
          res.end(JSON.stringify(status.toStatus()));
        } else res.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
  }
}

/** 404 for a proxy request naming a Service that does not exist. */
export function serviceNotFound(name: string): ApiError {
  return notFound(services, name);
}
