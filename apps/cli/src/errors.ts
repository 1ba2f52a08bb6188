/**
 * Errors and exit codes of the xv6ts command.
 *
 * The CLI is the one place in xv6ts that catches errors and exits. Every failure reaches the user
 * as one plain sentence on standard error, prefixed "xv6ts: ", naming the value and what to do.
 * Three classes of error map to exit codes:
 *   - CliError: a failure the user can fix (bad file, missing image, lock held, bad option
 *     value), exit 1 unless it carries another code;
 *   - commander's usage errors (unknown option, missing argument), exit 2;
 *   - anything else, a KernelPanic or an unexpected host exception, is an internal error: exit
 *     3, with a request to report it.
 * A stack trace is printed only when XV6TS_DEBUG=1.
 */

/** Exit codes of the xv6ts command; the help epilogue and the README list them. */
export const EXIT = {
  ok: 0,
  /** A failure the user can fix: bad file, missing image, lock held, bad option value. */
  failure: 1,
  /** A usage error reported by the argument parser. */
  usage: 2,
  /** A kernel panic or another internal error; a bug in xv6ts. */
  panic: 3,
  /** Script mode ran into its --timeout. */
  timeout: 124,
  /** The reader of standard output went away (128 + SIGPIPE, as for a process a pipe killed). */
  outputClosed: 141,
} as const;

/** A failure the user can fix; its message is the sentence printed after "xv6ts: ". */
export class CliError extends Error {
  override readonly name = "CliError";

  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

/** Node's system errors carry a code such as ENOENT; these are the ones a user meets. */
const SYSTEM_ERROR_TEXT: Record<string, string> = {
  ENOENT: "it does not exist",
  EACCES: "permission denied",
  EPERM: "the operation is not permitted",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  ENOSPC: "the host disk is full",
  EROFS: "the host file system is read-only",
  EEXIST: "it already exists",
  EMFILE: "too many files are open",
  EBUSY: "the file is busy",
  ELOOP: "its symbolic links form a loop",
  ERR_FS_FILE_TOO_LARGE: "it is larger than 2 GiB, the most Node reads into memory at once",
};

/** Returns the errno code of a Node system error, or null. */
export function systemErrorCode(error: unknown): string | null {
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return null;
}

/**
 * Turns a host file-system error into a CliError that states what failed on which path, or
 * returns the error unchanged when it is not a system error.
 */
export function describeHostError(error: unknown, action: string, path: string): unknown {
  const code = systemErrorCode(error);
  if (code === null) return error;
  const reason = SYSTEM_ERROR_TEXT[code] ?? (error as Error).message;
  return new CliError(`cannot ${action} ${path}: ${reason} (${code})`);
}

/** Describes a failed write to standard output as a CliError (exit 1). */
export function describeOutputError(error: NodeJS.ErrnoException): CliError {
  const code = error.code ?? "";
  const reason = SYSTEM_ERROR_TEXT[code] ?? error.message;
  const shown = code === "" ? "" : ` (${code})`;
  return new CliError(
    `cannot write to standard output: ${reason}${shown}; send the output to a file or program that can take it`,
  );
}

/** The output of reportError, and whether it adds a stack trace. */
export interface ErrorSink {
  write(text: string): void;
  debug: boolean;
  /** Colours the "xv6ts:" prefix. */
  paint(text: string): string;
}

/** Prints an error as the user sees it and returns the exit code it maps to. */
export function reportError(error: unknown, sink: ErrorSink): number {
  const prefix = sink.paint("xv6ts:");
  if (error instanceof CliError) {
    sink.write(`${prefix} ${error.message}\n`);
    if (sink.debug && error.stack) sink.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  const isPanic = error instanceof Error && /Panic$/.test(error.name);
  const kind = isPanic ? "kernel panic" : "internal error";
  sink.write(
    `${prefix} ${kind}: ${message}. This is a bug in xv6ts; please report it with the commands that led to it${sink.debug ? "" : " (XV6TS_DEBUG=1 adds the stack trace)"}.\n`,
  );
  if (sink.debug && error instanceof Error && error.stack) sink.write(`${error.stack}\n`);
  return EXIT.panic;
}
