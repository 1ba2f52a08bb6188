/**
 * A booted xv6ts machine: the kernel on an open disk, with its extensions installed, running in
 * the background of the host event loop.
 *
 * The kernel's run loop returns to the event loop at least every 10 ms of wall time, so terminal
 * keys, timers and signals are handled while guest programs compute. A kernel panic rejects the
 * run loop; Machine records it and calls `onFailure`, so that the session in charge can restore
 * the terminal and report it (exit 3). init exiting and a damaged disk reject it too, and are
 * reported as failures the user can fix (exit 1). `shutdown` stops the kernel at the next system-call
 * boundary and flushes the disk, so the image is consistent whatever the guest was doing.
 */
import type { BlockDevice } from "@xv6ts/fs-journal";
import { BootError, DiskError, InitExitError, Kernel } from "@xv6ts/kernel";
import { describeDamage, describeFormatError } from "./disk";
import { CliError } from "./errors";
import { installExtensions } from "./extensions";
import type { CheckpointControl } from "./monitor";

/** Options of a machine. */
export interface MachineOptions {
  device: BlockDevice;
  /** The disk file's path, for error messages. */
  diskPath: string;
  /** Bytes of physical memory. */
  memorySize: number;
  deterministic: boolean;
}

export class Machine {
  readonly kernel: Kernel;
  private running: Promise<void> | null = null;
  private failure: unknown = null;
  private failureListener: ((error: unknown) => void) | null = null;
  private checkpoints: CheckpointControl | null = null;

  constructor(private readonly options: MachineOptions) {
    this.kernel = new Kernel({
      device: options.device,
      memorySize: options.memorySize,
      clock: options.deterministic ? { mode: "deterministic" } : { mode: "realtime" },
    });
  }

  /** Calls `listener` once if the kernel panics while running. */
  onFailure(listener: (error: unknown) => void): void {
    this.failureListener = listener;
    if (this.failure !== null) listener(this.failure);
  }

  /** The host's checkpoint and restart, once the machine has started. */
  get checkpointControl(): CheckpointControl | null {
    return this.checkpoints;
  }

  /**
   * Boots the kernel (boot lines go to the output listeners), installs the extensions, and
   * starts the run loop.
   */
  start(): void {
    try {
      this.kernel.boot();
    } catch (error) {
      throw describeBootError(error, this.options.diskPath);
    }
    this.checkpoints = installExtensions(this.kernel);
    this.running = this.kernel.run().catch((error: unknown) => {
      this.failure = describeStopError(error, this.options.diskPath);
      this.failureListener?.(this.failure);
    });
  }

  /** Stops the kernel cleanly and flushes the disk; raises the panic if the kernel had one. */
  async shutdown(): Promise<void> {
    await this.kernel.shutdown();
    await this.running;
    if (this.failure !== null) throw this.failure;
  }
}

/**
 * Turns the stops of a running kernel that are not bugs into CliErrors (exit 1): init exiting
 * (`kill 1`), which halts real xv6 too, and a damaged disk. The kernel has flushed the disk in
 * both cases. A KernelPanic is returned unchanged.
 */
function describeStopError(error: unknown, diskPath: string): unknown {
  if (error instanceof InitExitError) {
    return new CliError(
      "xv6 halted because init (pid 1) exited, as real xv6 does; the disk was shut down cleanly, so run xv6ts again to boot it",
    );
  }
  if (error instanceof DiskError) return describeDamage(error.cause, diskPath);
  return error;
}

/**
 * Turns a boot failure the disk causes into a CliError: an image that does not mount, or an
 * /init the kernel cannot exec (not an ELF file for xv6). Other errors are returned unchanged.
 */
function describeBootError(error: unknown, diskPath: string): unknown {
  if (error instanceof BootError) {
    return new CliError(
      `${diskPath} cannot boot because its /init is not a program xv6ts can run; make a bootable image with "xv6ts mkfs --force ${diskPath}"`,
    );
  }
  if (error instanceof DiskError) return describeDamage(error.cause, diskPath);
  return describeFormatError(error, diskPath);
}
