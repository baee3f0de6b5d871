/**
 * An error the CLI reports as `error: <message>` on stderr, with a given exit status.
 * Commands throw it for bad input; anything else that escapes is reported the same way with status 1.
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Exit statuses shared by every command, so scripts can branch on them. */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
} as const;
