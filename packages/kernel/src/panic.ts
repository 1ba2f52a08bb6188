/**
 * The errors that stop the kernel. A `KernelPanic` means the kernel's own state is wrong: it
 * stops the kernel and rejects `Kernel.run()`. Its message reads "function: reason". Panics of
 * the packages below (the MMU's and the file system's) are wrapped in a `KernelPanic` with the
 * original as `cause`.
 *
 * Three stops are not the kernel's fault and have classes of their own, so that a host can tell
 * them from a bug: `BootError` (the disk cannot boot), `InitExitError` (init exited, which any
 * user can cause with `kill 1`) and `DiskError` (the file system found a damaged structure while
 * the kernel ran).
 */
import type { FsFormatError } from "@xv6ts/fs-journal";

/** A broken kernel invariant; the message is "function: reason". */
export class KernelPanic extends Error {
  override readonly name = "KernelPanic";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A boot that the disk's contents prevent, not a broken invariant: the image has no `/init`, or
 * its `/init` is not a program exec accepts. The caller can fix it by making a bootable image.
 */
export class BootError extends Error {
  override readonly name = "BootError";
}

/**
 * init (pid 1) exited or was killed. xv6 panics then, and so the kernel stops, with the disk
 * flushed and no transaction open. It is not a broken invariant: `kill 1` from any user does it.
 */
export class InitExitError extends Error {
  override readonly name = "InitExitError";

  constructor() {
    super("init exiting");
  }
}

/**
 * The file system raised `FsFormatError` (the `cause`) in the middle of an operation while the
 * kernel ran: the disk is damaged. The kernel stops after flushing what it committed.
 */
export class DiskError extends Error {
  override readonly name = "DiskError";
  override readonly cause: FsFormatError;

  constructor(cause: FsFormatError) {
    super(`the disk is damaged: ${cause.damage}; run fsck on the disk image`, { cause });
    this.cause = cause;
  }
}

/** Wraps any error thrown inside the kernel as a `KernelPanic`, keeping one that already is. */
export function asKernelPanic(where: string, error: unknown): KernelPanic {
  if (error instanceof KernelPanic) return error;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new KernelPanic(`${where}: ${reason}`, { cause: error });
}
