// kubeseal's way to a Sealed Secrets controller (spec §6.4, §6.8, §6.9): the API server's service
// proxy, `/api/v1/namespaces/NS/services/http:NAME:PORT/proxy/v1/...`, with the kubeconfig's
// credentials. The Kubernetes client is loaded only when one of these modes runs.
import type { SealedSecret } from "../sealing/index.js";
import { CliError } from "./errors.js";
import type { ControllerClient, SealConfig } from "./seal.js";

interface ProxyResponse {
  readonly status: number;
  readonly statusText: string;
  readonly body: Buffer;
}

/** A way to the controller's HTTP API through the service proxy. */
interface ServiceProxy {
  request(
    method: "GET" | "POST",
    path: string,
    body?: string,
    accept?: string,
  ): Promise<ProxyResponse>;
}

/** The error text of a failed proxied call, as client-go words it: the Status message or the status line. */
function proxyError(response: ProxyResponse): string {
  const text = response.body.toString("utf8");
  try {
    const status = JSON.parse(text) as { kind?: unknown; message?: unknown };
    if (status.kind === "Status" && typeof status.message === "string") return status.message;
  } catch {
    // not a Status: the controller's own answer (e.g. an empty 500)
  }
  return `the server responded with the status code ${response.status} but did not return more information`;
}

async function connect(config: SealConfig): Promise<ServiceProxy> {
  const [{ KubeClient, loadKubeConfig }, http, https] = await Promise.all([
    import("../kube/index.js"),
    import("node:http"),
    import("node:https"),
  ]);
  let client: InstanceType<typeof KubeClient>;
  try {
    const kc = loadKubeConfig({
      env: process.env,
      ...(config.kubeconfig === "" ? {} : { kubeconfig: config.kubeconfig }),
      ...(config.context === "" ? {} : { context: config.context }),
    });
    client = new KubeClient(kc);
  } catch (error) {
    throw new CliError((error as Error).message, 1, { cause: error });
  }
  const namespace = config.controllerNamespace;
  const name = config.controllerName;
  let service: { spec?: { ports?: { name?: string }[] } } | undefined;
  let failure: string | undefined;
  try {
    service = await client.get({ apiVersion: "v1", kind: "Service", namespace, name });
    if (service === undefined) failure = `services ${JSON.stringify(name)} not found`;
  } catch (error) {
    failure = (error as { serverMessage?: string }).serverMessage ?? (error as Error).message;
  }
  if (service === undefined) {
    throw new CliError(
      `cannot get sealed secret service: ${failure ?? "unknown error"}.\n` +
        "Please, use the flag --controller-name and --controller-namespace to set up the name and namespace of the sealed secrets controller",
    );
  }
  const port = service.spec?.ports?.[0]?.name ?? "";
  const kc = client.kubeConfig;
  const server = kc.getCurrentCluster()?.server ?? "";
  const base = `${server.replace(/\/+$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(`http:${name}:${port}`)}/proxy`;
  return {
    async request(method, path, body, accept = "application/json, */*") {
      const url = new URL(`${base}${path}`);
      const options: import("node:https").RequestOptions = {
        method,
        headers: {
          Accept: accept,
          ...(body === undefined
            ? {}
            : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }),
        },
        timeout: 60_000,
      };
      await kc.applyToHTTPSOptions(options);
      const transport = url.protocol === "https:" ? https : http;
      return new Promise<ProxyResponse>((resolve, reject) => {
        const request = transport.request(url, options, (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            resolve({
              status: response.statusCode ?? 0,
              statusText: response.statusMessage ?? "",
              body: Buffer.concat(chunks),
            });
          });
          response.on("error", reject);
        });
        request.on("timeout", () => request.destroy(new Error("request timed out")));
        request.on("error", reject);
        request.end(body);
      });
    },
  };
}

const failed = (prefix: string, error: unknown): CliError =>
  error instanceof CliError
    ? error
    : new CliError(`${prefix}: ${(error as Error).message}`, 1, { cause: error });

/**
 * The controller client of `secretfleet seal` for a real cluster: certificate, /v1/verify and
 * /v1/rotate through the service proxy, with kubeseal's messages.
 */
export const clusterController: ControllerClient = {
  async fetchCertificate(config) {
    const proxy = await connect(config);
    let response: ProxyResponse;
    try {
      response = await proxy.request(
        "GET",
        "/v1/cert.pem",
        undefined,
        "application/x-pem-file, */*",
      );
    } catch (error) {
      throw failed("cannot fetch certificate", error);
    }
    if (response.status !== 200)
      throw new CliError(`cannot fetch certificate: ${proxyError(response)}`);
    return response.body;
  },

  async validate(config, sealed) {
    const proxy = await connect(config);
    for (const object of sealed) {
      let response: ProxyResponse;
      try {
        response = await proxy.request("POST", "/v1/verify", JSON.stringify(object));
      } catch (error) {
        throw failed("cannot validate sealed secret", error);
      }
      if (response.status === 409)
        throw new CliError(`unable to decrypt sealed secret: ${object.metadata.name ?? ""}`);
      if (response.status !== 200)
        throw new CliError(`cannot validate sealed secret: ${proxyError(response)}`);
    }
  },

  async reEncrypt(config, sealed) {
    const proxy = await connect(config);
    const { decodeSealedSecret } = await import("../sealing/index.js");
    const out: SealedSecret[] = [];
    for (const object of sealed) {
      let response: ProxyResponse;
      try {
        response = await proxy.request("POST", "/v1/rotate", JSON.stringify(object));
      } catch (error) {
        throw failed("cannot re-encrypt secret", error);
      }
      if (response.status === 409) throw new CliError("unable to rotate secret");
      if (response.status !== 200)
        throw new CliError(`cannot re-encrypt secret: ${proxyError(response)}`);
      let rotated: SealedSecret;
      try {
        rotated = decodeSealedSecret({
          index: out.length + 1,
          value: JSON.parse(response.body.toString("utf8")),
        });
      } catch (error) {
        throw failed("cannot re-encrypt secret", error);
      }
      delete rotated.metadata.creationTimestamp;
      delete rotated.metadata.deletionTimestamp;
      delete rotated.metadata.generation;
      out.push(rotated);
    }
    return out;
  },
};
