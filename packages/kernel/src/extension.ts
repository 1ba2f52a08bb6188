/**
 * The extension point through which another package (the checkpoint package) adds system calls
 * and reaches into processes. An extension can register calls 22 and up and read a process's
 * state, registers, memory, working directory, open files and blocked call. It can also freeze and
 * thaw a process, replace the caller's image, create a process from an image, and set a
 * per-process clock offset.
 *
 * A `ProcessControl` is a view of one process that stays valid while the process exists. It
 * returns copies of the kernel's state, except open files and inodes, which are handles that the
 * extension passes back to the kernel.
 *
 * Ownership: `openFile` and `dupFile` return references the extension owns until it closes them
 * or hands them to `replaceImage`/`createProcess`. Those two take ownership of the page
 * directory, the files and the working-directory inode only when they succeed; on failure the
 * extension still owns them and must free them.
 */
import type { Cpu, CpuContext } from "@xv6ts/cpu";
import type { FileSystem, Inode } from "@xv6ts/fs-journal";
import type { Mmu } from "@xv6ts/mmu";
import { REGISTERS_SET } from "./core.js";
import type { FileKind, OpenFile } from "./file.js";
import type { ProcState } from "./proc.js";

export { REGISTERS_SET };

/** One descriptor of a process. */
export interface DescriptorInfo {
  fd: number;
  kind: FileKind;
  /** The inode of a file, directory or device; null for a pipe end. */
  inode: Inode | null;
  /** Inode number, or 0 for a pipe end. */
  inum: number;
  /** Absolute path the file was opened by; null for a pipe end. */
  path: string | null;
  offset: number;
  readable: boolean;
  writable: boolean;
  major: number;
  minor: number;
  /** The open file itself, for `dupFile`. */
  file: OpenFile;
}

/** The system call a process is blocked in (its eip is on that call's `int $64`). */
export interface BlockedCall {
  syscall: number;
  name: string;
  /** For `sleep`: ticks that remain until the deadline. */
  sleepTicksRemaining?: number;
}

/** A whole process state for `replaceImage` and `createProcess` to install. */
export interface ProcessImage {
  /** A page directory built with the MMU (setupKvm, allocUvm, copyOut...). */
  pgdir: number;
  sz: number;
  registers: CpuContext;
  name: string;
  /** Up to NOFILE entries; index = descriptor. */
  files: (OpenFile | null)[];
  cwd: { inode: Inode; path: string };
  /** Ticks added to what `uptime` returns; kept when omitted. */
  clockOffset?: number;
  /** The ticks that remained of a `sleep` the image is blocked in. */
  sleepTicksRemaining?: number;
}

/** A handler of an extension system call. */
export type ExtensionSyscallHandler = (
  call: ExtensionCall,
  kernel: KernelExtensionApi,
) => number | typeof REGISTERS_SET;

/** The calling process and its argument helpers (xv6's argint, argptr, argstr). */
export interface ExtensionCall {
  readonly process: ProcessControl;
  argInt(n: number): number | null;
  argPtr(n: number, size: number): number | null;
  argStr(n: number): string | null;
}

/** A view of one process for an extension. */
export interface ProcessControl {
  readonly pid: number;
  readonly name: string;
  readonly state: ProcState;
  readonly parentPid: number;
  readonly killed: boolean;
  /** Bytes of user memory. */
  readonly sz: number;
  /** Physical address of the page directory. */
  readonly pgdir: number;
  /** Ticks added to what `uptime` returns for this process. */
  clockOffset: number;
  registers(): CpuContext;
  /**
   * Sets every register of the caller (whose handler then returns REGISTERS_SET) or of a stopped
   * process. Returns null, or the reason when the values are not a CPL-3 state.
   */
  setRegisters(context: CpuContext): string | null;
  cwd(): { inode: Inode | null; path: string };
  descriptors(): DescriptorInfo[];
  blockedCall(): BlockedCall | null;
  /** Stops the process (not the caller, not a zombie); false when it cannot be stopped. */
  freeze(): boolean;
  /** Lets a stopped process run again; a blocked one retries its call. False if not stopped. */
  thaw(): boolean;
}

/** The kernel services an extension may use. */
export interface KernelExtensionApi {
  readonly mmu: Mmu;
  readonly cpu: Cpu;
  readonly fileSystem: FileSystem;
  /** Ticks since boot. */
  readonly ticks: number;
  /** Registers call `number` (22 and up, not yet taken); throws a RangeError otherwise. */
  registerSyscall(number: number, name: string, handler: ExtensionSyscallHandler): void;
  findProcess(pid: number): ProcessControl | null;
  /** Prints one line on the console (a newline is added). */
  printLine(text: string): void;
  /** Opens an absolute path for reading and/or writing at `offset`; null on failure. */
  openFile(
    path: string,
    mode: { readable: boolean; writable: boolean },
    offset?: number,
  ): OpenFile | null;
  dupFile(file: OpenFile): OpenFile;
  closeFile(file: OpenFile): void;
  /** Replaces the caller's image; null on success, else the reason (caller unchanged). */
  replaceImage(process: ProcessControl, image: ProcessImage): string | null;
  /** Creates a runnable child of init from an image; the new process, or the reason. */
  createProcess(image: ProcessImage): ProcessControl | string;
}
