import type { KubeConfig, RequestContext } from "@kubernetes/client-node";
import { request, type Dispatcher } from "undici";

/**
 * How client-node 2.0.1 builds a connection pool (an undici Agent) from the cluster and the TLS
 * settings of the current user; it does so for every request, so every request opens its own
 * connection (and, against a real cluster, its own TLS handshake) unless it is shared.
 */
type CreateDispatcher = (cluster: unknown, agentOptions: object) => Dispatcher | undefined;

/**
 * A view of `kc` (its prototype is `kc`: every setting is read live) whose requests share one
 * connection pool while the cluster and TLS settings stay the same, as client-go shares one
 * transport. Settings are compared per request (credentials read from files can rotate): a change
 * starts a new pool, and the old one closes once its requests are answered. `kc` is unchanged.
 */
export function sharingConnections(kc: KubeConfig): KubeConfig {
  const create = (kc as unknown as { createDispatcher?: CreateDispatcher }).createDispatcher;
  if (typeof create !== "function") return kc;
  const view = Object.create(kc) as KubeConfig;
  let shared: { cluster: unknown; options: object; dispatcher: Dispatcher | undefined } | undefined;
  const createShared: CreateDispatcher = (cluster, agentOptions) => {
    if (
      shared === undefined ||
      !sameSettings(shared.cluster, cluster) ||
      !sameSettings(shared.options, agentOptions)
    ) {
      const previous = shared?.dispatcher;
      shared = {
        cluster,
        options: agentOptions,
        dispatcher: create.call(kc, cluster, agentOptions),
      };
      previous?.close().catch(() => undefined);
    }
    return shared.dispatcher;
  };
  Object.defineProperty(view, "createDispatcher", { value: createShared });
  return view;
}

// Deep equality over what cluster and TLS settings hold: strings, numbers, booleans, Buffers,
// arrays and plain objects.
function sameSettings(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b))
    return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameSettings(item, b[i]))
    );
  }
  const keysA = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const keysB = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  return (
    keysA.length === keysB.length &&
    keysA.every((key) =>
      sameSettings((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
    )
  );
}

/** Methods a server may see twice without harm (RFC 9110 §9.2.2). */
const idempotentMethods = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * Failures of a pooled connection the server closed while it sat idle: the request may not have
 * reached the server at all.
 */
const staleConnectionCodes = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Sends a prepared client-node request with undici's `request` (client-node sends with `fetch`,
 * whose WHATWG streams and Headers cost about three times the CPU per request) and reads the
 * whole answer. An idempotent request that fails on a stale pooled connection is sent once more.
 * @returns the HTTP status and the body as text
 * @param timeoutMs undici's headers and body timeouts
 * @throws the transport error (connection refused, reset twice, aborted by `signal`, timed out)
 */
export async function exchange(
  context: RequestContext,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const method = context.getHttpMethod();
  const body = context.getBody() as string | undefined;
  const dispatcher = context.getDispatcher();
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await request(context.getUrl(), {
        method,
        headers: context.getHeaders(),
        ...(body === undefined ? {} : { body }),
        ...(signal === undefined ? {} : { signal }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(dispatcher === undefined ? {} : { dispatcher }),
      });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (error) {
      const retry =
        attempt === 0 &&
        signal?.aborted !== true &&
        idempotentMethods.has(method) &&
        staleConnectionCodes.has(errorCode(error) ?? "");
      if (!retry) throw error;
    }
  }
}
