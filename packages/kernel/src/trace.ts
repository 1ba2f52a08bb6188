/**
 * Debug traces per subsystem, switched on by the environment variable XV6TS_TRACE (a comma list:
 * `XV6TS_TRACE=syscall,proc,sched,exec`). A trace that is off is `null`, so a call site costs one
 * null check: `if (traceSyscall) traceSyscall(...)`.
 */

/** Writes one trace line. */
export type TraceLine = (line: string) => void;

/** Subsystems of the kernel that have a trace. */
export type TraceSubsystem = "syscall" | "proc" | "sched" | "exec";

function enabledSubsystems(): Set<string> {
  const value = typeof process === "undefined" ? undefined : process.env.XV6TS_TRACE;
  if (!value) return new Set();
  return new Set(value.split(",").map((name) => name.trim().toLowerCase()));
}

/**
 * Returns the trace writer of a subsystem, or null when XV6TS_TRACE does not name it. Lines go
 * to `sink` if given, else to standard error, prefixed with the subsystem.
 */
export function traceFor(subsystem: TraceSubsystem, sink?: TraceLine): TraceLine | null {
  const enabled = enabledSubsystems();
  if (!enabled.has(subsystem) && !enabled.has("kernel") && !enabled.has("all")) return null;
  const write = sink ?? ((line: string) => process.stderr.write(`${line}\n`));
  return (line) => write(`[${subsystem}] ${line}`);
}
