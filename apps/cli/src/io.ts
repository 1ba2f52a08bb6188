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
  /** Calls `listener` once when the reader goes away (a pipe closed, as by `| head`). */
  onClosed?(listener: () => void): void;
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
 * Wraps a process stream so that a closed pipe (EPIPE) stops the writes and notifies listeners,
 * instead of raising an uncaught error event with a stack trace.
 */
export function guardedOutput(stream: NodeJS.WriteStream): OutputStream {
  let closed = false;
  const listeners: (() => void)[] = [];
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    if (closed) return;
    closed = true;
    for (const listener of listeners) listener();
  });
  return {
    isTTY: stream.isTTY,
    get columns() {
      return stream.columns;
    },
    write: (chunk) => (closed ? false : stream.write(chunk)),
    onClosed(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
}
