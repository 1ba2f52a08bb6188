/**
 * Broken invariants, and the one boot failure a disk can cause. A `KernelPanic` means the kernel's own state is wrong: it stops the kernel
 * and rejects `Kernel.run()`. Its message reads "function: reason". Panics of the packages below
 * (the MMU's and the file system's) are wrapped in a `KernelPanic` with the original as `cause`.
 */

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

/** Wraps any error thrown inside the kernel as a `KernelPanic`, keeping one that already is. */
export function asKernelPanic(where: string, error: unknown): KernelPanic {
  if (error instanceof KernelPanic) return error;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new KernelPanic(`${where}: ${reason}`, { cause: error });
}
