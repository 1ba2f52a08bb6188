/**
 * The checkpoint package's debug trace and its error class for broken invariants.
 *
 * `XV6TS_TRACE=ckpt` (in a comma list, or `all`) prints one line per image written, restart
 * stage and sweep to standard error. The environment is read once, so a disabled trace costs one
 * boolean test per call.
 */

function traceEnabled(): boolean {
  const value = typeof process === "undefined" ? undefined : process.env.XV6TS_TRACE;
  const names = (value ?? "").split(",").map((name) => name.trim().toLowerCase());
  return names.includes("ckpt") || names.includes("all");
}

/** Whether XV6TS_TRACE names the checkpoint trace. */
export const traceCheckpoint = traceEnabled();

/** Prints one trace line when the trace is on. */
export function trace(line: string): void {
  if (traceCheckpoint) process.stderr.write(`[ckpt] ${line}\n`);
}

/** A broken invariant of the checkpoint code; the message reads "function: reason". */
export class CheckpointPanic extends Error {
  override readonly name = "CheckpointPanic";
}
