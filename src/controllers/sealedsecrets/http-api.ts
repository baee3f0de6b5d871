// The controller's HTTP API (§7.12), on node:http: /healthz, /v1/cert.pem, /v1/verify
// (rate-limited, GCRA) and /v1/rotate. Reached directly or through the API server's service
// proxy (kubeseal --fetch-cert, --validate, --re-encrypt). No authentication, as upstream: it
// serves only public material, and answers verify/rotate without revealing any plaintext.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { decodeSealedSecret, parseManifests, type SealedSecret } from "../../sealing/index.js";
import { listenHttp, type ListeningServer, type Logger } from "../../kube/index.js";
import { GcraLimiter } from "./gcra.js";
import type { ControllerMetrics } from "./metrics.js";

/** What the API serves, provided by the controller. */
export interface ApiBackend {
  /** The newest certificate as one PEM block, or undefined while there is no key. */
  certificatePem(): string | undefined;
  /** True when the loaded keys open every item of `sealed` (ownership is not considered). */
  verify(sealed: SealedSecret): Promise<boolean>;
  /**
   * `sealed` unsealed and sealed again with the newest key, as kubeseal would (§7.12).
   * @throws when it cannot be unsealed or sealed
   */
  rotate(sealed: SealedSecret): Promise<SealedSecret>;
}

/** Settings of the API server. */
export interface ApiServerOptions {
  readonly backend: ApiBackend;
  /** Address to listen on; default 127.0.0.1 (use "0.0.0.0" or "::" in a pod). */
  readonly host?: string;
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** `--rate-limit` (requests/s, default 2) and `--rate-limit-burst` (default 2) of /v1/verify. */
  readonly rateLimit?: number;
  readonly rateLimitBurst?: number;
  /** `--read-timeout` and `--write-timeout` in ms (default 2 min each). */
  readonly readTimeoutMs?: number;
  readonly writeTimeoutMs?: number;
  /** Largest request body accepted; a larger one is a body read error (400). Default 16 MiB. */
  readonly maxBodyBytes?: number;
  readonly metrics?: ControllerMetrics;
  readonly logger: Logger;
  /** Milliseconds since the epoch, for the rate limiter. */
  readonly now?: () => number;
}

/** A running API server. */
export type ApiServer = ListeningServer;

const textPlain = "text/plain; charset=utf-8";

class BodyError extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyError(`request body larger than ${limit} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      resolve(Buffer.concat(chunks));
    });
    request.on("error", (error) => {
      reject(new BodyError(error.message));
    });
  });
}

/**
 * Decodes the body of /v1/verify and /v1/rotate: exactly one JSON or YAML document that is a
 * bitnami.com/v1alpha1 SealedSecret.
 * @throws Error (answered 500) for anything else; the message never quotes the body
 */
export function decodeRequestObject(body: Buffer): SealedSecret {
  const documents = parseManifests(body.toString("utf8"));
  if (documents.length !== 1) throw new Error(`expected one object, got ${documents.length}`);
  const [document] = documents;
  if (document === undefined) throw new Error("expected one object");
  return decodeSealedSecret(document, { requireTypeMeta: true });
}

/**
 * The /v1/rotate response body: Go's json.Marshal of the SealedSecret, which has no apiVersion
 * and kind (upstream builds it without TypeMeta) and no status.
 */
export function rotateResponse(sealed: SealedSecret): string {
  return JSON.stringify({ metadata: sealed.metadata, spec: sealed.spec });
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<number>;

/**
 * Starts the API server.
 * @throws Error when the port cannot be bound
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { backend, logger: log } = options;
  const limiter = new GcraLimiter(options.rateLimit ?? 2, options.rateLimitBurst ?? 2, options.now);
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const empty = (response: ServerResponse, code: number): number => {
    response.writeHead(code, { "Content-Length": "0" }).end();
    return code;
  };
  const verify: Handler = async (request, response) => {
    const key = `${request.url ?? ""}\n${headerValue(request, "x-forwarded-for")}`;
    const limit = limiter.take(key);
    response.setHeader("X-RateLimit-Limit", String(limit.limit));
    response.setHeader("X-RateLimit-Remaining", String(limit.remaining));
    response.setHeader("X-RateLimit-Reset", String(Math.ceil(limit.resetAfterMs / 1000)));
    if (limit.limited) {
      if (limit.retryAfterMs !== undefined)
        response.setHeader("Retry-After", String(Math.ceil(limit.retryAfterMs / 1000)));
      request.resume();
      response.writeHead(429, { "Content-Type": textPlain }).end("limit exceeded\n");
      return 429;
    }
    const body = await readBody(request, maxBody);
    let sealed: SealedSecret;
    try {
      sealed = decodeRequestObject(body);
    } catch (error) {
      log.warn({ err: error }, "cannot decode the SealedSecret of a /v1/verify request");
      return empty(response, 500);
    }
    return empty(response, (await backend.verify(sealed)) ? 200 : 409);
  };
  const rotate: Handler = async (request, response) => {
    const body = await readBody(request, maxBody);
    let rotated: SealedSecret;
    try {
      rotated = await backend.rotate(decodeRequestObject(body));
    } catch (error) {
      log.warn({ err: error }, "cannot re-encrypt the SealedSecret of a /v1/rotate request");
      return empty(response, 500);
    }
    // Upstream's Content-Type is lost (set after WriteHeader) and Go sniffs text/plain; clients
    // must not depend on it, so this server says what the body is.
    response.writeHead(200, { "Content-Type": "application/json" }).end(rotateResponse(rotated));
    return 200;
  };
  const certificate: Handler = (request, response) => {
    request.resume();
    const pem = backend.certificatePem();
    if (pem === undefined) {
      log.error("cannot get certificates: no sealing key yet");
      response.writeHead(500, { "Content-Type": textPlain, "X-Content-Type-Options": "nosniff" });
      response.end("cannot get certificate\n");
      return Promise.resolve(500);
    }
    response.writeHead(200, { "Content-Type": "application/x-pem-file" }).end(pem);
    return Promise.resolve(200);
  };
  const routes: Readonly<Record<string, Handler>> = {
    "/v1/verify": verify,
    "/v1/rotate": rotate,
    "/v1/cert.pem": certificate,
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path === "/healthz") {
      request.resume();
      response.writeHead(200, { "Content-Type": textPlain }).end("ok\n");
      return;
    }
    const handler = routes[path];
    if (handler === undefined) {
      request.resume();
      response.writeHead(404, { "Content-Type": textPlain }).end("404 page not found\n");
      return;
    }
    const started = performance.now();
    handler(request, response)
      .catch((error: unknown) => {
        if (error instanceof BodyError) {
          log.warn({ err: error, path }, "cannot read the request body");
          return response.headersSent ? 400 : empty(response, 400);
        }
        log.error({ err: error, path }, "request failed");
        return response.headersSent ? 500 : empty(response, 500);
      })
      .then((code) => {
        options.metrics?.httpRequest(
          path,
          request.method ?? "",
          code,
          (performance.now() - started) / 1000,
        );
      })
      .catch(() => undefined);
  });
  server.requestTimeout = options.readTimeoutMs ?? 120_000;
  server.headersTimeout = Math.min(server.requestTimeout, options.readTimeoutMs ?? 120_000);
  server.setTimeout(options.writeTimeoutMs ?? 120_000);
  return listenHttp(server, options);
}

function headerValue(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : (value ?? "");
}
