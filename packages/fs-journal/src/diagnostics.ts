/**
 * Error classes and the debug trace of the file system.
 *
 * Three kinds of failure are kept apart:
 * - something a caller can cause (missing file, full disk, no free inode or cache slot) is a
 *   failure value (null, false, a short count, or a result with a reason), never an exception;
 * - a disk image whose structures are invalid raises FsFormatError, both at mount (which then
 *   has written nothing) and when an operation later meets a corrupt structure (a block
 *   address outside the disk, an inode number out of range). The operation stops there, and
 *   the caller's endOp commits what it logged before;
 * - a broken invariant of the code ("too big a transaction", "write outside of a
 *   transaction") raises FsPanic, whose message reads "function: reason" like xv6's panic().
 *
 * The trace prints to stderr only for the subsystems listed in XV6TS_TRACE (a comma list:
 * "log" for commits and recovery, "fs" for inode operations). The environment is read once,
 * so a disabled trace costs one boolean test at each call site.
 */

/** A broken invariant of the file system code; the kernel treats it as a kernel panic. */
export class FsPanic extends Error {
  override readonly name = "FsPanic";
}

/**
 * A disk image that is not a valid image of either geometry, or a corrupt structure in one. The
 * message is `damage`, followed by "; run fsck" for a structure found damaged after mount.
 */
export class FsFormatError extends Error {
  override readonly name = "FsFormatError";
  /** What is wrong with the image, without advice; callers that word their own advice use it. */
  readonly damage: string;

  constructor(damage: string, options: { runFsck?: boolean } = {}) {
    super(options.runFsck ? `${damage}; run fsck` : damage);
    this.damage = damage;
  }
}

/** Invalid mkfs options, or files that do not fit; raised before mkfs writes anything. */
export class MkfsError extends Error {
  override readonly name = "MkfsError";
}

/**
 * Returns a name in double quotes for a message. Chars outside printable ASCII become `\xNN`
 * (a newline is `\x0a`), or `\uNNNN` above 0xff, and `"` and `\` get a backslash. Names come
 * from images and user memory, so they may hold newlines and terminal escape sequences. A
 * name that is not a string raises TypeError.
 */
export function quoteName(name: string): string {
  if (typeof name !== "string") {
    throw new TypeError(`quoteName: name ${String(name)} is not a string`);
  }
  let quoted = '"';
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) quoted += `\\${name[i]}`;
    else if (code >= 0x20 && code < 0x7f) quoted += name[i];
    else if (code <= 0xff) quoted += `\\x${code.toString(16).padStart(2, "0")}`;
    else quoted += `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return `${quoted}"`;
}

/** Raises FsPanic with xv6's "function: reason" message. */
export function panic(where: string, reason: string): never {
  throw new FsPanic(`${where}: ${reason}`);
}

function tracedSubsystems(): Set<string> {
  const value = typeof process === "undefined" ? undefined : process.env.XV6TS_TRACE;
  return new Set((value ?? "").split(",").map((name) => name.trim()));
}

const enabled = tracedSubsystems();

/** Whether XV6TS_TRACE=log is set: commits and recovery are traced. */
export const traceLog = enabled.has("log");

/** Whether XV6TS_TRACE=fs is set: inode allocation, truncation and directory changes are traced. */
export const traceFs = enabled.has("fs");

/** Prints one trace line; callers test traceLog or traceFs first so a disabled trace costs nothing. */
export function trace(subsystem: "log" | "fs", message: string): void {
  process.stderr.write(`[${subsystem}] ${message}\n`);
}
