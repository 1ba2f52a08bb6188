/**
 * Failure reporting of the MMU, which keeps three kinds apart. A guest access that faults is a
 * negative number from `translate`, never an exception. Something a caller can run into at run
 * time, such as running out of frames or an unmapped user address, is a failure value (-1, false
 * or null). A broken invariant, such as a double free, a remap or a page table that points
 * outside memory, is an MmuPanic with the message "function: reason".
 *
 * The debug trace is switched on by listing `mmu` in the environment variable XV6TS_TRACE (a comma
 * list, e.g. XV6TS_TRACE=cpu,mmu). It writes one line per address-space operation to stderr and
 * costs one boolean test when off. It never runs on the translate path.
 */

/** A broken invariant of the MMU, with the message "function: reason". */
export class MmuPanic extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MmuPanic";
  }
}

function traceEnabled(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const list = env?.XV6TS_TRACE ?? "";
  return list
    .split(",")
    .map((name) => name.trim())
    .includes("mmu");
}

/** Whether the `mmu` trace is on; read once when the module loads. */
export const TRACE = traceEnabled();

/** Writes one trace line to stderr; call it only behind `if (TRACE)`. */
export function trace(line: string): void {
  const stderr = (globalThis as { process?: { stderr?: { write(text: string): void } } }).process
    ?.stderr;
  stderr?.write(`mmu: ${line}\n`);
}
