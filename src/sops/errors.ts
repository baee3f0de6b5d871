// sops's exit codes and the one error class that carries them, so the CLI exits as sops does.

/** The exit codes sops 3.13 returns (cmd/sops/codes). */
export const SopsExitCode = {
  ErrorGeneric: 1,
  CouldNotReadInputFile: 2,
  CouldNotWriteOutputFile: 3,
  ErrorDumpingTree: 4,
  ErrorReadingConfig: 5,
  ErrorInvalidKMSEncryptionContextFormat: 6,
  ErrorInvalidSetFormat: 7,
  ErrorConflictingParameters: 8,
  ErrorEncryptingMac: 21,
  ErrorEncryptingTree: 23,
  ErrorDecryptingMac: 24,
  ErrorDecryptingTree: 25,
  CannotChangeKeysFromNonExistentFile: 49,
  MacMismatch: 51,
  MacNotFound: 52,
  ConfigFileNotFound: 61,
  KeyboardInterrupt: 85,
  InvalidTreePathFormat: 91,
  NeedAtLeastOneDocument: 92,
  NoFileSpecified: 100,
  CouldNotRetrieveKey: 128,
  NoEncryptionKeyFound: 111,
  DuplicateDecryptionKeyType: 112,
  FileHasNotBeenModified: 200,
  NoEditorFound: 201,
  FailedToCompareVersions: 202,
  FileAlreadyEncrypted: 203,
} as const;

/**
 * A failure with sops's message text and exit code. `path` (map keys and list indices) and `file`
 * locate the failure when there is one; they are never secret, the message never quotes a value.
 */
export class SopsError extends Error {
  readonly exitCode: number;
  readonly path: readonly (string | number)[] | undefined;
  file: string | undefined;

  constructor(
    message: string,
    exitCode: number,
    options?: ErrorOptions & { path?: readonly (string | number)[]; file?: string },
  ) {
    super(message, options);
    this.name = "SopsError";
    this.exitCode = exitCode;
    this.path = options?.path;
    this.file = options?.file;
  }
}

/** Formats a path as sops's index syntax: `["a"][0]["b"]`. */
export function formatIndexPath(path: readonly (string | number)[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `[${JSON.stringify(p)}]`)).join("");
}
