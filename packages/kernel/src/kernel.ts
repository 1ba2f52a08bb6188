/**
 * The host API. A `Kernel` is built from a block device and options. It boots (mounts the file
 * system with log recovery and starts /init as pid 1) and runs until shut down. The host types
 * console input, receives console output and inspects processes.
 *
 *   const kernel = new Kernel({ device, output: (bytes) => process.stdout.write(bytes) });
 *   kernel.boot();
 *   const done = kernel.run();
 *   kernel.input("ls\n");
 *   ...
 *   await kernel.shutdown();
 *
 * A broken invariant anywhere (a `KernelPanic`, or the file system's or MMU's panic, wrapped)
 * stops the kernel and rejects `run()` with a `KernelPanic`. init exiting rejects it with an
 * `InitExitError`, and a damaged disk found while running with a `DiskError`, each after a
 * console line and a flush of the disk.
 */
import { Cpu, type CpuContext } from "@xv6ts/cpu";
import { type BlockDevice, FileSystem, FsFormatError } from "@xv6ts/fs-journal";
import { Mmu, PGSIZE, PHYSTOP_DEFAULT } from "@xv6ts/mmu";
import { Clock, type ClockOptions } from "./clock.js";
import { Console, type ConsoleSink } from "./console.js";
import { type ConsoleWaitListener, KernelCore } from "./core.js";
import { exec } from "./exec.js";
import type { KernelExtensionApi } from "./extension.js";
import { ExtensionHost } from "./extension-host.js";
import { FileTable } from "./file.js";
import { releaseFile } from "./file-io.js";
import {
  checkConsoleInput,
  checkKernelOptions,
  checkListener,
  checkMemoryRange,
  checkPid,
} from "./host-arguments.js";
import { asKernelPanic, BootError, DiskError, InitExitError, KernelPanic } from "./panic.js";
import { NPROC, T_SYSCALL } from "./param.js";
import { ProcessTable, type ProcState } from "./proc.js";
import { Scheduler } from "./scheduler.js";
import { SyscallCall } from "./syscall.js";
import { buildSyscallTable } from "./syscall-table.js";
import { type TraceLine, traceFor } from "./trace.js";

/** Options of a kernel. */
export interface KernelOptions {
  /** The disk, made by `mkfs` (either geometry). */
  device: BlockDevice;
  /** Bytes of physical memory, a multiple of 4 MiB up to 256 MiB; default 224 MiB (xv6's PHYSTOP). */
  memorySize?: number;
  /** Process slots; default 64. */
  nproc?: number;
  /** Default deterministic, 1,000,000 instructions per tick. */
  clock?: ClockOptions;
  /** Instructions a process runs before the next one gets the CPU; default one tick's worth. */
  timeSlice?: number;
  /** Receives console output. */
  output?: ConsoleSink;
  /** Receives trace lines of the subsystems XV6TS_TRACE names (default: standard error). */
  trace?: TraceLine;
}

/** One row of `processes()`. */
export interface ProcessInfo {
  pid: number;
  state: ProcState;
  name: string;
  /** Bytes of user memory. */
  size: number;
  parentPid: number;
}

/** One present user page of `memoryMap()`. */
export interface MappedPage {
  va: number;
  pa: number;
  /** The PTE's low 12 bits (PTE_P, PTE_W, PTE_U, PTE_A, PTE_D...). */
  flags: number;
}

/** Builds the MMU, the CPU, the tables, the console and the clock from the options. */
function buildCore(options: KernelOptions, output: ConsoleSink): KernelCore {
  const memorySize = options.memorySize ?? PHYSTOP_DEFAULT;
  const nproc = options.nproc ?? NPROC;

  // The MMU reports each frame it writes, so the CPU drops decoded code of that frame.
  let cpu: Cpu | null = null;
  const mmu = new Mmu({ memorySize, onWrite: (page) => cpu?.invalidateCode(page) });
  cpu = new Cpu({ memory: mmu.memory, translator: mmu, userVectors: [T_SYSCALL] });
  const procs = new ProcessTable(nproc);
  const console = new Console(output, () => procs.dump());
  let core: KernelCore | null = null;
  const files = new FileTable((file) => releaseFile(core!, file));
  core = new KernelCore({
    cpu,
    mmu,
    procs,
    files,
    console,
    clock: new Clock(options.clock),
    trace: {
      syscall: traceFor("syscall", options.trace),
      proc: traceFor("proc", options.trace),
      exec: traceFor("exec", options.trace),
      sched: traceFor("sched", options.trace),
    },
  });
  return core;
}

export class Kernel {
  private readonly core: KernelCore;
  private readonly scheduler: Scheduler;
  private readonly extensionHost: ExtensionHost;
  private readonly outputListeners = new Set<ConsoleSink>();
  private booted = false;
  private running: Promise<void> | null = null;
  private finished = false;

  /**
   * Builds the machine; nothing runs until `boot`. Throws a TypeError or RangeError naming the
   * first invalid option, before anything is built.
   */
  constructor(private readonly options: KernelOptions) {
    checkKernelOptions(options);
    const core = buildCore(options, (bytes) => this.emitOutput(bytes));
    this.core = core;
    const timeSlice = options.timeSlice ?? core.clock.instructionsPerTick;

    const table = buildSyscallTable(core);
    this.scheduler = new Scheduler(core, table, new SyscallCall(core), timeSlice);
    core.notifyRunnable = () => this.scheduler.notifyHostEvent();
    this.extensionHost = new ExtensionHost(core, table);
  }

  /** The extension API, which the checkpoint package uses (see extension.ts). */
  get extension(): KernelExtensionApi {
    return this.extensionHost;
  }

  /** Ticks since boot. */
  get ticks(): number {
    return this.core.clock.ticks;
  }

  /** Free physical frames (for checking that a failed call leaked nothing). */
  get freeFrames(): number {
    return this.core.mmu.frames.freeCount;
  }

  /** Open files in the system-wide file table. */
  get openFiles(): number {
    return this.core.files.count;
  }

  /**
   * Mounts the disk (replaying a committed log), prints the boot lines and creates init from
   * /init. Throws the file system's FsFormatError for a device without a valid image, a
   * BootError when /init cannot be executed, and a KernelPanic when memory for init runs out.
   */
  boot(): void {
    if (this.booted) throw new KernelPanic("boot: the kernel has already booted");
    const core = this.core;
    core.print("xv6...\ncpu0: starting 0\n");
    const fs = FileSystem.mount(this.options.device);
    core.fs = fs;
    const sb = fs.superblock;
    core.print(
      `sb: size ${sb.size} nblocks ${sb.nblocks} ninodes ${sb.ninodes} nlog ${sb.nlog} ` +
        `logstart ${sb.logstart} inodestart ${sb.inodestart} bmap start ${sb.bmapstart}\n`,
    );
    this.startInit();
    this.booted = true;
  }

  private startInit(): void {
    const core = this.core;
    const init = core.procs.alloc();
    const pgdir = core.mmu.setupKvm();
    if (init === null || pgdir < 0) throw new KernelPanic("userinit: out of memory for init");
    init.pgdir = pgdir;
    init.cwd = core.fileSystem.idup(core.rootInode());
    init.cwdPath = "/";
    init.name = "initcode";
    core.initProcess = init;
    if (exec(core, init, "/init", ["/init"]) !== 0) {
      throw new BootError("/init is missing or is not an i386 ELF program that exec accepts");
    }
    init.state = "runnable";
  }

  /**
   * Runs the kernel; resolves after `shutdown`. Rejects with InitExitError when init exits, with
   * DiskError when the file system finds the disk damaged, and with KernelPanic otherwise.
   */
  run(): Promise<void> {
    if (!this.booted) return Promise.reject(new KernelPanic("run: boot() was not called"));
    if (this.running === null) this.running = this.runLoop();
    return this.running;
  }

  private async runLoop(): Promise<void> {
    try {
      await this.scheduler.run();
    } catch (error) {
      throw this.stopOn(error);
    }
    this.flushDisk();
  }

  /**
   * Stops the kernel after `error` left the run loop and returns the error `run()` rejects with.
   * init exiting and a damaged disk print one console line and flush the disk first. Anything
   * else is a KernelPanic, and the disk is left as it is.
   */
  private stopOn(error: unknown): Error {
    if (error instanceof InitExitError) {
      this.core.print("panic: init exiting\n");
      this.flushDisk();
      return error;
    }
    if (error instanceof FsFormatError) {
      this.core.print(`disk error: ${error.damage}; the kernel stops, run fsck on the disk\n`);
      this.flushDisk();
      return new DiskError(error);
    }
    this.finished = true;
    return asKernelPanic("kernel", error);
  }

  /**
   * Flushes the disk and closes the file system, once. Every system call has ended its
   * transactions by then, even one that failed, so what they logged is already installed.
   */
  private flushDisk(): void {
    if (this.finished) return;
    this.finished = true;
    const fs = this.core.fs;
    if (fs === null) return;
    // An operation that an extension left open has its blocks only in the cache, so flush the
    // device and commit nothing.
    if (fs.inTransaction) fs.device.flush();
    else fs.shutdown();
  }

  /**
   * Stops scheduling at the next system-call or instruction boundary (file-system calls always
   * finish their transaction first), flushes the disk, and resolves when both are done.
   */
  async shutdown(): Promise<void> {
    this.scheduler.stop();
    if (this.running !== null) {
      await this.running.catch(() => undefined);
      return;
    }
    this.flushDisk();
  }

  /** Types bytes (or a latin1 string) at the console; throws for other types or wider characters. */
  input(bytes: Uint8Array | string): void {
    checkConsoleInput(bytes);
    const data = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
    if (this.core.console.input(data)) this.core.wakeup(this.core.consoleChannel);
    this.scheduler.notifyHostEvent();
  }

  /** Calls `listener` with every chunk of console output; returns a function that removes it. */
  onOutput(listener: ConsoleSink): () => void {
    checkListener("Kernel.onOutput", listener);
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /**
   * Calls `listener` with the pid of a process that starts waiting for console input with nothing
   * typed, so that a script can type the next line. The process is parked by then, its eip on the
   * `int $64` of its read, so the listener may checkpoint it. Returns a function that removes it.
   */
  onConsoleWait(listener: ConsoleWaitListener): () => void {
    checkListener("Kernel.onConsoleWait", listener);
    this.core.consoleWaitListeners.add(listener);
    return () => this.core.consoleWaitListeners.delete(listener);
  }

  /** Lists the processes in slot order. */
  processes(): ProcessInfo[] {
    return this.core.procs.list().map((process) => ({
      pid: process.pid,
      state: process.state,
      name: process.name,
      size: process.sz,
      parentPid: process.parent?.pid ?? 0,
    }));
  }

  /** Returns a process's registers, or null when there is no such process. */
  registers(pid: number): CpuContext | null {
    checkPid("Kernel.registers", pid);
    const process = this.core.procs.find(pid);
    return process === null ? null : this.core.registersOf(process);
  }

  /** Lists the present pages of a process's user memory, or null when there is no process. */
  memoryMap(pid: number): MappedPage[] | null {
    checkPid("Kernel.memoryMap", pid);
    const process = this.core.procs.find(pid);
    if (process === null || process.pgdir === 0) return null;
    const mmu = this.core.mmu;
    const memory = new DataView(mmu.memory);
    const pages: MappedPage[] = [];
    for (let va = 0; va < process.sz; va += PGSIZE) {
      const ptePa = mmu.walkPgdir(process.pgdir, va, false);
      if (ptePa < 0) continue;
      const pte = memory.getUint32(ptePa, true);
      if ((pte & 1) === 0) continue;
      pages.push({ va, pa: (pte & ~0xfff) >>> 0, flags: pte & 0xfff });
    }
    return pages;
  }

  /**
   * Reads `length` bytes of a process's memory at `address`, or returns null for an unknown pid or
   * an absent page. Throws for a pid that is not an integer, an address outside 32 bits, or a
   * length above the size of physical memory.
   */
  readMemory(pid: number, address: number, length: number): Uint8Array | null {
    checkPid("Kernel.readMemory", pid);
    checkMemoryRange(address, length, this.core.mmu.memory.byteLength);
    const process = this.core.procs.find(pid);
    if (process === null || process.pgdir === 0) return null;
    return this.core.copyIn(process, address, length);
  }

  private emitOutput(bytes: Uint8Array): void {
    this.options.output?.(bytes);
    for (const listener of this.outputListeners) listener(bytes);
  }
}
