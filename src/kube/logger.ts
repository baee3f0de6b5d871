import { pino } from "pino";
import type { DestinationStream, Logger as PinoLogger } from "pino";

/** The runtime's logger: pino, so callers can pass their own (child) logger. */
export type Logger = PinoLogger;

/** Keys whose values are secret material wherever they appear in a logged object. */
const secretKeys = [
  "data",
  "stringData",
  "token",
  "bearerToken",
  "accessToken",
  "refreshToken",
  "idToken",
  "password",
  "authorization",
  "Authorization",
  "client-key-data",
  "privateKey",
];

/**
 * pino redact paths for every secret key at the top level and two levels down (pino's wildcards
 * match one level each). Covers `{ obj: { data } }` and `{ err: { body: { stringData } } }`.
 */
export const redactPaths: readonly string[] = secretKeys.flatMap((key) => {
  const leaf = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const join = (prefix: string): string =>
    leaf.startsWith("[") ? `${prefix}${leaf}` : `${prefix}.${leaf}`;
  return [leaf, join("*"), join("*.*")];
});

/** Options of createLogger. */
export interface LoggerOptions {
  /** Minimum level: trace, debug, info, warn, error, fatal or silent. Default info. */
  readonly level?: string;
  /** Bound to every line as `name`, e.g. the controller's name. */
  readonly name?: string;
  /** Where lines go; default stderr (stdout carries data only). */
  readonly destination?: DestinationStream;
}

/**
 * A JSON logger (pino) that replaces Secret `data`/`stringData`, tokens and passwords with
 * "[REDACTED]" wherever they appear up to three levels deep in a logged object.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: [...redactPaths], censor: "[REDACTED]" },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that writes nothing: the default where no logger is passed. */
export const silentLogger: Logger = pino({ level: "silent" });
