/**
 * The kernel's side of the extension point (types and contract in extension.ts): process views,
 * system-call registration, and the two calls that install a whole process image.
 *
 * `replaceImage` and `createProcess` check everything first (page directory, size, selectors,
 * descriptors, working directory) and only then change anything, so they cannot fail half-way.
 */
import type { CpuContext } from "@xv6ts/cpu";
import { KERNBASE } from "@xv6ts/mmu";
import type { KernelCore } from "./core.js";
import type {
  BlockedCall,
  DescriptorInfo,
  ExtensionSyscallHandler,
  KernelExtensionApi,
  ProcessControl,
  ProcessImage,
} from "./extension.js";
import { OpenFile } from "./file.js";
import { describeValue } from "./host-arguments.js";
import {
  NOFILE,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  PROC_NAME_MAX,
  SYS_sleep,
  SYSCALL_NAMES,
} from "./param.js";
import type { Process, ProcState } from "./proc.js";
import { openInode } from "./sys-file.js";
import type { SyscallCall, SyscallEntry } from "./syscall.js";
import { checkUserRegisters } from "./user-registers.js";

const REGISTER_NAMES = [
  "eax",
  "ecx",
  "edx",
  "ebx",
  "esp",
  "ebp",
  "esi",
  "edi",
  "eip",
  "eflags",
  "cs",
  "ss",
  "ds",
  "es",
  "fs",
  "gs",
] as const;

/** The first number an extension may register. */
export const FIRST_EXTENSION_SYSCALL = 22;

/** Returns why `registers` is not a state a CPL-3 process may hold, or null. */
function checkRegisters(registers: CpuContext): string | null {
  for (const name of REGISTER_NAMES) {
    const value = registers[name];
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
      return `bad register ${name} ${value}`;
    }
  }
  return checkUserRegisters(registers);
}

class ProcessView implements ProcessControl {
  constructor(
    private readonly core: KernelCore,
    readonly process: Process,
  ) {}

  get pid(): number {
    return this.process.pid;
  }
  get name(): string {
    return this.process.name;
  }
  get state(): ProcState {
    return this.process.state;
  }
  get parentPid(): number {
    return this.process.parent?.pid ?? 0;
  }
  get killed(): boolean {
    return this.process.killed;
  }
  get sz(): number {
    return this.process.sz;
  }
  get pgdir(): number {
    return this.process.pgdir;
  }
  get clockOffset(): number {
    return this.process.clockOffset;
  }
  set clockOffset(ticks: number) {
    this.process.clockOffset = ticks | 0;
  }

  registers(): CpuContext {
    return this.core.registersOf(this.process);
  }

  setRegisters(context: CpuContext): string | null {
    const process = this.process;
    const isCaller = process === this.core.current && process.state === "running";
    if (!isCaller && process.state !== "stopped")
      return "the process is neither the caller nor stopped";
    const problem = checkRegisters(context);
    if (problem !== null) return problem;
    this.core.setRegisters(process, context);
    return null;
  }

  cwd(): { inode: Process["cwd"]; path: string } {
    return { inode: this.process.cwd, path: this.process.cwdPath };
  }

  descriptors(): DescriptorInfo[] {
    const list: DescriptorInfo[] = [];
    this.process.files.forEach((file, fd) => {
      if (file === null) return;
      list.push({
        fd,
        kind: file.kind,
        inode: file.ip,
        inum: file.ip === null ? 0 : this.core.fileSystem.stati(file.ip).ino,
        path: file.path,
        offset: file.offset,
        readable: file.readable,
        writable: file.writable,
        major: file.major,
        minor: file.minor,
        file,
      });
    });
    return list;
  }

  blockedCall(): BlockedCall | null {
    const number = this.process.blockedSyscall;
    if (number === 0) return null;
    const call: BlockedCall = { syscall: number, name: SYSCALL_NAMES[number] ?? `${number}` };
    if (number === SYS_sleep && this.process.sleepDeadline >= 0) {
      call.sleepTicksRemaining = Math.max(0, this.process.sleepDeadline - this.core.clock.ticks);
    }
    return call;
  }

  freeze(): boolean {
    const process = this.process;
    if (process === this.core.current && process.state === "running") return false;
    if (process.state !== "runnable" && process.state !== "sleeping") return false;
    process.stoppedFrom = process.state;
    process.state = "stopped";
    return true;
  }

  thaw(): boolean {
    const process = this.process;
    if (process.state !== "stopped") return false;
    // A sleeper may have missed its wakeup while stopped; it retries its call, which sleeps
    // again if it still has to wait.
    process.state = "runnable";
    process.channel = null;
    this.core.notifyRunnable();
    return true;
  }
}

/** Implements `KernelExtensionApi` over the kernel core. */
export class ExtensionHost implements KernelExtensionApi {
  constructor(
    private readonly core: KernelCore,
    private readonly table: (SyscallEntry | undefined)[],
  ) {}

  get mmu() {
    return this.core.mmu;
  }
  get cpu() {
    return this.core.cpu;
  }
  get fileSystem() {
    return this.core.fileSystem;
  }
  get ticks(): number {
    return this.core.clock.ticks;
  }

  registerSyscall(number: number, name: string, handler: ExtensionSyscallHandler): void {
    if (!Number.isInteger(number) || number < FIRST_EXTENSION_SYSCALL || number > 255) {
      throw new RangeError(
        `registerSyscall: system call number ${number} is not free for extensions; use 22 to 255`,
      );
    }
    if (this.table[number] !== undefined) {
      throw new RangeError(
        `registerSyscall: system call ${number} is already registered as ${this.table[number]!.name}`,
      );
    }
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `registerSyscall: name must be a non-empty string, got ${describeValue(name)}`,
      );
    }
    if (typeof handler !== "function") {
      throw new TypeError(
        `registerSyscall: handler must be a function, got ${describeValue(handler)}`,
      );
    }
    this.table[number] = { name, handler: (call) => handler(this.extensionCall(call), this) };
  }

  findProcess(pid: number): ProcessControl | null {
    const process = this.core.procs.find(pid);
    return process === null ? null : new ProcessView(this.core, process);
  }

  printLine(text: string): void {
    this.core.print(`${text}\n`);
  }

  openFile(
    path: string,
    mode: { readable: boolean; writable: boolean },
    offset = 0,
  ): OpenFile | null {
    if (!path.startsWith("/") || (!mode.readable && !mode.writable)) return null;
    let omode = O_RDONLY;
    if (mode.writable) omode = mode.readable ? O_RDWR : O_WRONLY;
    const fs = this.core.fileSystem;
    fs.beginOp();
    let file: OpenFile | null;
    try {
      file = openInode(this.core, path, omode, fs.root, "/");
    } finally {
      fs.endOp();
    }
    if (file !== null) file.offset = offset;
    return file;
  }

  dupFile(file: OpenFile): OpenFile {
    return this.core.files.dup(file);
  }

  closeFile(file: OpenFile): void {
    this.core.files.close(file);
  }

  replaceImage(view: ProcessControl, image: ProcessImage): string | null {
    const process = this.processOf(view);
    if (process === null || process !== this.core.current || process.state !== "running") {
      return "only the calling process can replace its image";
    }
    const problem = this.checkImage(image, process.pgdir);
    if (problem !== null) return problem;
    this.installImage(process, image);
    return null;
  }

  createProcess(image: ProcessImage): ProcessControl | string {
    const problem = this.checkImage(image, -1);
    if (problem !== null) return problem;
    const process = this.core.procs.alloc();
    if (process === null) return "no free process slot";
    process.parent = this.core.initProcess;
    this.installImage(process, image);
    process.state = "runnable";
    this.core.notifyRunnable();
    return new ProcessView(this.core, process);
  }

  private processOf(view: ProcessControl): Process | null {
    const process = view instanceof ProcessView ? view.process : this.core.procs.find(view.pid);
    return process !== null && this.core.procs.find(process.pid) === process ? process : null;
  }

  private extensionCall(call: SyscallCall) {
    return {
      process: new ProcessView(this.core, call.process),
      argInt: (n: number) => call.argInt(n),
      argPtr: (n: number, size: number) => call.argPtr(n, size),
      argStr: (n: number) => call.argStr(n),
    };
  }

  /** Returns why an image cannot be installed, or null. */
  private checkImage(image: ProcessImage, currentPgdir: number): string | null {
    const { pgdir, sz, registers, files } = image;
    const badPgdir =
      !Number.isInteger(pgdir) ||
      pgdir <= 0 ||
      pgdir % 4096 !== 0 ||
      pgdir >= this.core.mmu.memorySize ||
      pgdir === currentPgdir;
    if (badPgdir) return `bad page directory ${pgdir}`;
    if (!Number.isInteger(sz) || sz < 0 || sz >= KERNBASE) return `bad size ${sz}`;
    const registerProblem = checkRegisters(registers);
    if (registerProblem !== null) return registerProblem;
    if (files.length > NOFILE) return `more than ${NOFILE} descriptors`;
    for (const file of files) {
      if (file !== null && (!(file instanceof OpenFile) || file.ref < 1)) {
        return "a descriptor is not an open file";
      }
    }
    if (image.cwd?.inode == null) return "no working directory";
    const remaining = image.sleepTicksRemaining;
    if (remaining !== undefined && (!Number.isInteger(remaining) || remaining < 0)) {
      return `bad sleep ticks ${remaining}`;
    }
    return null;
  }

  /** The point of no return: swaps in the image and releases what the process had. */
  private installImage(process: Process, image: ProcessImage): void {
    const core = this.core;
    const oldFiles = process.files.slice();
    const oldCwd = process.cwd;
    const oldPgdir = process.pgdir;

    for (let fd = 0; fd < NOFILE; fd++) process.files[fd] = image.files[fd] ?? null;
    process.cwd = image.cwd.inode;
    process.cwdPath = image.cwd.path;
    process.name = image.name.slice(0, PROC_NAME_MAX);
    process.pgdir = image.pgdir;
    process.sz = image.sz;
    if (image.clockOffset !== undefined) process.clockOffset = image.clockOffset | 0;
    process.clearBlockedCall();
    if (image.sleepTicksRemaining !== undefined) {
      process.sleepDeadline = core.clock.ticks + image.sleepTicksRemaining;
    }
    core.setRegisters(process, image.registers);
    if (process === core.current) {
      core.mmu.switchUvm(image.pgdir);
      core.cpu.flushTlb();
    }

    for (const file of oldFiles) if (file !== null) core.files.close(file);
    if (oldCwd !== null) core.iputInTransaction(oldCwd);
    if (oldPgdir !== 0) core.mmu.freeVm(oldPgdir);
  }
}
