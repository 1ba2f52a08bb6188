/**
 * The kernel's shared state and the small services every subsystem uses: the CPU, MMU and
 * mounted file system, the process and file tables, the console, the clock, sleeping and waking,
 * and copies between the kernel and a process's memory.
 *
 * Exactly one process is "current": its registers live in the CPU and the MMU walks its page
 * directory. Every other process keeps its registers in `Process.context`. `switchTo` moves the
 * CPU from one to the other.
 *
 * Kernel copies into user memory use supervisor rights (cpl 0), as the real kernel writing
 * through the current page directory does, so `read()` into the stack guard page succeeds. The
 * MMU reports every frame it writes (copies, zeroed and copied frames) to the CPU, which drops
 * decoded code of that frame, so kernel writes never leave stale instructions behind.
 */
import { type Cpu, type CpuContext, EAX } from "@xv6ts/cpu";
import type { FileSystem, Inode } from "@xv6ts/fs-journal";
import type { Mmu } from "@xv6ts/mmu";
import type { Clock } from "./clock.js";
import type { Console } from "./console.js";
import type { FileTable } from "./file.js";
import { KernelPanic } from "./panic.js";
import type { Process, ProcessTable } from "./proc.js";
import type { TraceLine } from "./trace.js";

/** A system call's result: the value for eax, or one of the markers below. */
export type SyscallResult = number | typeof BLOCKED | typeof REGISTERS_SET;

/** The call must wait: the process is parked and retries the same `int $64` when woken. */
export const BLOCKED: unique symbol = Symbol("blocked");
/** The handler has set the registers itself (exec, exit, restart): eax is not written. */
export const REGISTERS_SET: unique symbol = Symbol("registers set");

/** Receives the pid of a process that started waiting for console input with nothing typed. */
export type ConsoleWaitListener = (pid: number) => void;

/** The subsystems a `KernelCore` is built from. */
export interface CoreParts {
  cpu: Cpu;
  mmu: Mmu;
  procs: ProcessTable;
  files: FileTable;
  console: Console;
  clock: Clock;
  trace: {
    syscall: TraceLine | null;
    proc: TraceLine | null;
    exec: TraceLine | null;
    sched: TraceLine | null;
  };
}

export class KernelCore {
  readonly cpu: Cpu;
  readonly mmu: Mmu;
  readonly procs: ProcessTable;
  readonly files: FileTable;
  readonly console: Console;
  readonly clock: Clock;
  readonly trace: CoreParts["trace"];
  /** The mounted file system; set by boot. */
  fs: FileSystem | null = null;
  /** The process whose registers are in the CPU, or null before the first switch. */
  current: Process | null = null;
  /** pid 1, the parent of orphans. */
  initProcess: Process | null = null;
  /** Sleep channel of processes in `sleep`: woken at every tick. */
  readonly ticksChannel = { name: "ticks" };
  /** Sleep channel of console readers: woken when a line is committed. */
  readonly consoleChannel = { name: "console" };
  readonly consoleWaitListeners = new Set<ConsoleWaitListener>();
  /** Wakes an idle run loop after something outside a system call made a process runnable. */
  notifyRunnable: () => void = () => {};

  constructor(parts: CoreParts) {
    this.cpu = parts.cpu;
    this.mmu = parts.mmu;
    this.procs = parts.procs;
    this.files = parts.files;
    this.console = parts.console;
    this.clock = parts.clock;
    this.trace = parts.trace;
  }

  /** The mounted file system; a panic before boot. */
  get fileSystem(): FileSystem {
    if (this.fs === null) throw new KernelPanic("fileSystem: no file system is mounted");
    return this.fs;
  }

  /**
   * Drops an inode reference in a transaction of its own, which frees the inode if it was the
   * last reference to an unlinked one. The transaction ends even when the file system throws.
   */
  iputInTransaction(ip: Inode): void {
    const fs = this.fileSystem;
    fs.beginOp();
    try {
      fs.iput(ip);
    } finally {
      fs.endOp();
    }
  }

  /** Returns the root directory inode. */
  rootInode(): Inode {
    return this.fileSystem.root;
  }

  /** Prints kernel text (latin1) on the console. */
  print(text: string): void {
    this.console.print(text);
  }

  /** Parks `process` on `channel` and returns the marker a blocking system call returns. */
  block(process: Process, channel: unknown): typeof BLOCKED {
    process.state = "sleeping";
    process.channel = channel;
    return BLOCKED;
  }

  /** Makes every process sleeping on `channel` runnable. */
  wakeup(channel: unknown): void {
    this.procs.wakeup(channel);
  }

  /** Returns the registers of a process, from the CPU when it is current. */
  registersOf(process: Process): CpuContext {
    return process === this.current ? this.cpu.getContext() : { ...process.context };
  }

  /** Sets the registers of a process, in the CPU when it is current. */
  setRegisters(process: Process, context: CpuContext): void {
    if (process === this.current) this.cpu.setContext(context);
    else process.context = { ...context };
  }

  /** Puts `process` on the CPU: saves the current one's registers, loads the page directory. */
  switchTo(process: Process): void {
    if (process === this.current) return;
    const previous = this.current;
    if (previous !== null) previous.context = this.cpu.getContext();
    this.trace.sched?.(`switch: pid ${previous?.pid ?? 0} -> pid ${process.pid} ${process.name}`);
    this.cpu.setContext(process.context);
    this.mmu.switchUvm(process.pgdir);
    this.cpu.flushTlb();
    this.current = process;
  }

  /** Forgets the current process's CPU registers when its slot is freed. */
  forgetIfCurrent(process: Process): void {
    if (process === this.current) this.current = null;
  }

  /** Writes `eax` of the current process. */
  setReturnValue(value: number): void {
    this.cpu.regs[EAX] = value | 0;
  }

  /**
   * Copies bytes into a process's memory with supervisor rights; returns false, writing nothing,
   * if a page in [va, va + length) is not mapped.
   */
  copyOut(process: Process, va: number, bytes: Uint8Array): boolean {
    return this.mmu.copyOut(process.pgdir, va, bytes, 0);
  }

  /** Copies `length` bytes out of a process's memory, or returns null if a page is missing. */
  copyIn(process: Process, va: number, length: number): Uint8Array | null {
    const bytes = new Uint8Array(length);
    return this.mmu.copyIn(process.pgdir, va, bytes, 0) ? bytes : null;
  }

  /**
   * Tells listeners that `pid` waits for console input with nothing typed. The caller has parked
   * the process and rewound its call onto the `int $64`.
   */
  notifyConsoleWait(pid: number): void {
    for (const listener of this.consoleWaitListeners) listener(pid);
  }
}
