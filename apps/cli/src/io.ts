/**
 * The streams and environment a command runs with.
 *
 * Commands never touch `process.stdout` or `process.env` directly: they receive a CliIo, which
 * main.ts builds from the real process and tests build from buffers and a temporary
 * environment. Colour follows the usual rules: only when the stream is a terminal, never when
 * NO_COLOR is set to a non-empty value, and never for TERM=dumb.
 */
import pc from "picocolors";

/** An output stream: the real one, or a buffer in tests. */
export interface OutputStream {
  write(chunk: string | Uint8Array): boolean;
  isTTY?: boolean;
  columns?: number;
  /**
   * Calls `listener` once when writing fails: the reader went away (EPIPE, as after `| head`)
   * or another error, such as a full disk (ENOSPC).
   */
  onClosed?(listener: () => void): void;
  /** Resolves once everything written so far has been handed to the system, or has failed. */
  flush?(): Promise<void>;
  /** Returns the error that stopped the writes, or null while writing works. */
  writeError?(): NodeJS.ErrnoException | null;
}

/** The input stream; `run` puts it in raw mode when it is a terminal. */
export type InputStream = NodeJS.ReadableStream & {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
};

/** Everything a command may read or write outside its files. */
export interface CliIo {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
}

/** The colour functions of picocolors, switched on or off. */
export type Colors = ReturnType<typeof pc.createColors>;

/** Returns whether colour may be written to `stream` under `env`. */
export function colorEnabled(stream: OutputStream, env: CliIo["env"]): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

/** Returns colour functions for `stream`: real ones on a terminal, identity functions otherwise. */
export function colorsFor(stream: OutputStream, env: CliIo["env"]): Colors {
  return pc.createColors(colorEnabled(stream, env));
}

/** Returns whether XV6TS_DEBUG=1 requests stack traces. */
export function debugEnabled(env: CliIo["env"]): boolean {
  return env.XV6TS_DEBUG === "1";
}

/** Builds the CliIo of the running process. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: guardedOutput(process.stdout),
    stderr: guardedOutput(process.stderr),
    env: process.env,
  };
}

/**
 * Wraps a process stream so that a failed write (a closed pipe, a full disk) stops the writes,
 * records the error and notifies listeners, instead of raising an uncaught error event with a
 * stack trace. runCli reads the error at the end and turns it into the exit code.
 */
export function guardedOutput(stream: NodeJS.WriteStream): OutputStream {
  let failure: NodeJS.ErrnoException | null = null;
  const listeners: (() => void)[] = [];
  const fail = (error: NodeJS.ErrnoException) => {
    if (failure !== null) return;
    failure = error;
    for (const listener of listeners.splice(0)) listener();
  };
  // A write to a file fails in its callback first; the error event follows a tick later.
  const written = (error?: Error | null) => {
    if (error) fail(error as NodeJS.ErrnoException);
  };
  stream.on("error", fail);
  return {
    isTTY: stream.isTTY,
    get columns() {
      return stream.columns;
    },
    write: (chunk) => (failure !== null ? false : stream.write(chunk, written)),
    onClosed(listener) {
      if (failure !== null) listener();
      else listeners.push(listener);
    },
    flush: () =>
      new Promise<void>((resolve) => {
        if (failure !== null) resolve();
        else stream.write("", () => resolve());
      }),
    writeError: () => failure,
  };
}
