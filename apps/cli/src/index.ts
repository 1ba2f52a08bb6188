/**
 * @xv6ts/cli: the `xv6ts` command.
 *
 * `runCli(args, io)` parses a command line, runs the command, and returns its exit code. It is
 * the one place in xv6ts that catches errors and turns them into a sentence and a code
 * (errors.ts). main.ts, the bin, calls it with the real process and exits. Tests call it with
 * buffers and a temporary environment.
 */
import { CommanderError } from "commander";
import { addImageCommands } from "./checkpoint-commands";
import { describeOutputError, EXIT, reportError } from "./errors";
import { installInterruptHandlers } from "./interrupt";
import { type CliIo, colorsFor, debugEnabled, processIo } from "./io";
import {
  type ActionResult,
  createProgram as buildProgram,
  rejectUnknownCommand,
  VERSION,
} from "./program";
import { runCommand } from "./run-command";

export { dataDirectory, defaultDiskPath } from "./data-dir";
export { CliError, EXIT } from "./errors";
export { parseImagePath } from "./image-path";
export type { CliIo, InputStream, OutputStream } from "./io";
export { DiskLock, lockPathOf } from "./lock";
export { formatSize, parseDuration, parseMemorySize, parseSize } from "./sizes";
export { VERSION };

/** Builds the xv6ts command-line parser, writing to `io` (the process's streams by default). */
export function createProgram(io: CliIo = processIo(), result: ActionResult = { exitCode: 0 }) {
  return buildProgram(io, { run: runCommand, image: addImageCommands }, result);
}

/**
 * Runs the xv6ts command line `args` (without the node and script paths) and returns the exit
 * code. Every error is reported on `io.stderr` as one sentence.
 */
export async function runCli(args: string[], io: CliIo = processIo()): Promise<number> {
  const result: ActionResult = { exitCode: EXIT.ok };
  const program = createProgram(io, result);
  const removeInterruptHandlers = installInterruptHandlers();
  let code: number;
  try {
    rejectUnknownCommand(program, args);
    await program.parseAsync(args, { from: "user" });
    code = result.exitCode;
  } catch (error) {
    code = error instanceof CommanderError ? commanderExitCode(error) : report(io, error);
  } finally {
    removeInterruptHandlers();
  }
  return await finishOutput(io, code);
}

function commanderExitCode(error: CommanderError): number {
  return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
}

/** Prints an error as one sentence on standard error and returns its exit code. */
function report(io: CliIo, error: unknown): number {
  const colors = colorsFor(io.stderr, io.env);
  return reportError(error, {
    write: (text) => io.stderr.write(text),
    debug: debugEnabled(io.env),
    paint: (text) => colors.red(text),
  });
}

/**
 * Waits until standard output has taken everything, and returns the exit code that its state
 * calls for. A closed pipe (EPIPE) makes a successful command exit 141, as a process that
 * SIGPIPE ends would, and any other failed write is an error sentence and exit 1, because the
 * output was lost.
 */
async function finishOutput(io: CliIo, code: number): Promise<number> {
  await io.stdout.flush?.();
  const failure = io.stdout.writeError?.() ?? null;
  if (failure === null) return code;
  if (failure.code === "EPIPE") return code === EXIT.ok ? EXIT.outputClosed : code;
  report(io, describeOutputError(failure));
  return code === EXIT.ok || code === EXIT.outputClosed ? EXIT.failure : code;
}
