// The running half of `secretfleet controller sealed-secrets`, loaded only when the command runs:
// logging as upstream's flags ask, the Kubernetes client, the controller and its signals.
import { Writable } from "node:stream";
import { pino, type DestinationStream } from "pino";
import { KubeClient, createLogger, loadKubeConfig, type Logger } from "../kube/index.js";
import { SealedSecretsController } from "../controllers/sealedsecrets/index.js";
import {
  configFromFlags,
  controllerNamespace,
  type FlagValues,
} from "./controller-sealed-secrets.js";
import { CliError, ExitCode } from "./errors.js";
import { packageVersion } from "./version.js";

const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

const levels: Readonly<Record<string, string>> = {
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  WARNING: "warn",
  ERROR: "error",
};
const levelNames: Readonly<Record<number, string>> = {
  10: "DEBUG",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "ERROR",
};

/** A value as Go's slog TextHandler prints it: bare when simple, else quoted. */
function textValue(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /^[\w./:@+-]+$/.test(text) ? text : JSON.stringify(text);
}

/** pino JSON lines → `time=… level=INFO msg="…" key=value` (the --log-format text of upstream). */
export function textLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, ...rest } = record;
  // pino's process fields; slog's text lines have none.
  delete rest.pid;
  delete rest.hostname;
  const parts = [
    `time=${new Date(typeof time === "number" ? time : Date.now()).toISOString()}`,
    `level=${levelNames[typeof level === "number" ? level : 30] ?? "INFO"}`,
    `msg=${textValue(msg ?? "")}`,
    ...Object.entries(rest).map(([key, value]) => `${key}=${textValue(value)}`),
  ];
  return `${parts.join(" ")}\n`;
}

function sink(fd: 1 | 2, text: boolean): DestinationStream {
  const out = pino.destination({ fd, sync: true });
  if (!text) return out;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line !== "") out.write(textLine(line));
      done();
    },
  });
}

/** The logger of `--log-level`, `--log-format` and `--log-info-stdout`, with secrets redacted. */
export function controllerLogger(values: FlagValues): Logger {
  const level = levels[(values["log-level"] ?? "INFO").toUpperCase()];
  if (level === undefined)
    throw new CliError(
      `invalid --log-level ${JSON.stringify(values["log-level"])}: want DEBUG, INFO, WARN or ERROR`,
      ExitCode.usage,
    );
  const format = values["log-format"] ?? "text";
  if (format !== "text" && format !== "json")
    throw new CliError(
      `invalid --log-format ${JSON.stringify(format)}: want text or json`,
      ExitCode.usage,
    );
  const text = format === "text";
  const infoToStdout = values["log-info-stdout"] !== "false";
  const destination = infoToStdout
    ? pino.multistream(
        [
          { level: "debug", stream: sink(1, text) },
          { level: "warn", stream: sink(2, text) },
        ],
        { dedupe: true },
      )
    : sink(2, text);
  return createLogger({ level, destination });
}

/**
 * Runs the controller until SIGTERM or SIGINT; SIGUSR1 makes a new key at once.
 * @returns the exit status: 0 after a clean stop, 1 when leadership was lost
 * @throws CliError for bad flags, an unusable kubeconfig, or a server that cannot listen
 */
export async function runSealedSecretsController(
  values: FlagValues,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const log = controllerLogger(values);
  const config = await configFromFlags(values, controllerNamespace(env, serviceAccountNamespace));
  let client: KubeClient;
  try {
    const kubeconfig = values.kubeconfig ?? "";
    const context = values.context ?? "";
    client = new KubeClient(
      loadKubeConfig({
        env,
        ...(kubeconfig === "" ? {} : { kubeconfig }),
        ...(context === "" ? {} : { context }),
      }),
      { fieldManager: "sealed-secrets-controller" },
    );
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.error, { cause: error });
  }
  const controller = new SealedSecretsController({
    client,
    config,
    logger: log,
    version: packageVersion(),
  });
  log.info(
    { version: packageVersion(), namespace: config.controllerNamespace },
    "Starting sealed-secrets controller",
  );
  const stop = (): void => {
    log.info("Shutting down");
    void controller.stop();
  };
  const renew = (): void => {
    controller.renewKey().catch((error: unknown) => {
      log.error({ err: error }, "Failed to generate new key");
    });
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.on("SIGUSR1", renew);
  try {
    await controller.start();
    const end = await controller.done();
    await controller.stop();
    return end === "lost" ? 1 : 0;
  } catch (error) {
    await controller.stop();
    throw new CliError(`cannot run the controller: ${(error as Error).message}`, ExitCode.error, {
      cause: error,
    });
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    process.off("SIGUSR1", renew);
  }
}
