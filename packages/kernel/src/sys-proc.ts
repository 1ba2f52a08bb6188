/**
 * The process system calls: fork, exit, wait, kill, getpid, sbrk, sleep, uptime; and `exitProcess`,
 * which the scheduler also uses for killed and faulting processes.
 *
 * `wait` and `sleep` block by the retry rule: they park the process and run again from the start
 * when woken. `sleep` keeps its deadline in the process between retries, so a retry (or a restart
 * from a checkpoint, which sets the deadline from the ticks that remained) sleeps only for what is
 * left.
 */
import { KERNBASE } from "@xv6ts/mmu";
import { type KernelCore, REGISTERS_SET, type SyscallResult } from "./core.js";
import { InitExitError } from "./panic.js";
import type { Process } from "./proc.js";
import type { SyscallCall } from "./syscall.js";

/** fork(): copies memory, descriptors, working directory and name; child pid, 0 in the child. */
export function sysFork(core: KernelCore, call: SyscallCall): SyscallResult {
  const parent = call.process;
  const child = core.procs.alloc();
  if (child === null) return -1;
  const pgdir = core.mmu.copyUvm(parent.pgdir, parent.sz);
  if (pgdir < 0) {
    core.procs.free(child);
    return -1;
  }

  child.pgdir = pgdir;
  child.sz = parent.sz;
  child.parent = parent;
  child.context = { ...core.registersOf(parent), eax: 0 };
  parent.files.forEach((file, fd) => {
    if (file !== null) child.files[fd] = core.files.dup(file);
  });
  child.cwd = parent.cwd === null ? null : core.fileSystem.idup(parent.cwd);
  child.cwdPath = parent.cwdPath;
  child.name = parent.name;
  child.clockOffset = parent.clockOffset;
  child.state = "runnable";
  core.trace.proc?.(`fork: pid ${parent.pid} -> pid ${child.pid}`);
  return child.pid;
}

/**
 * Ends `process`: closes its files, drops its working directory, hands its children to init and
 * leaves it a zombie for its parent's `wait`. init exiting throws InitExitError, which stops the
 * kernel as xv6's panic does.
 */
export function exitProcess(core: KernelCore, process: Process): void {
  if (process === core.initProcess) throw new InitExitError();
  process.files.forEach((file, fd) => {
    if (file === null) return;
    process.files[fd] = null;
    core.files.close(file);
  });
  if (process.cwd !== null) {
    const cwd = process.cwd;
    process.cwd = null;
    core.iputInTransaction(cwd);
  }

  const init = core.initProcess;
  for (const other of core.procs.list()) {
    if (other.parent !== process) continue;
    other.parent = init;
    if (other.state === "zombie" && init !== null) core.wakeup(init);
  }
  process.clearBlockedCall();
  process.state = "zombie";
  if (process.parent !== null) core.wakeup(process.parent);
  core.trace.proc?.(`exit: pid ${process.pid} ${process.name}`);
}

/** exit(): does not return. */
export function sysExit(core: KernelCore, call: SyscallCall): SyscallResult {
  exitProcess(core, call.process);
  return REGISTERS_SET;
}

/** Frees a zombie's memory and slot. */
export function reapProcess(core: KernelCore, zombie: Process): void {
  if (zombie.pgdir !== 0) core.mmu.freeVm(zombie.pgdir);
  zombie.pgdir = 0;
  core.forgetIfCurrent(zombie);
  core.procs.free(zombie);
}

/** wait(): pid of an exited child; -1 without children or when killed; else blocks. */
export function sysWait(core: KernelCore, call: SyscallCall): SyscallResult {
  const parent = call.process;
  let haveChildren = false;
  for (const child of core.procs.list()) {
    if (child.parent !== parent) continue;
    haveChildren = true;
    if (child.state !== "zombie") continue;
    const pid = child.pid;
    reapProcess(core, child);
    return pid;
  }
  if (!haveChildren || parent.killed) return -1;
  return core.block(parent, parent);
}

/** kill(pid): marks the process; a sleeping one is woken so that it dies soon. */
export function sysKill(core: KernelCore, call: SyscallCall): SyscallResult {
  const pid = call.argInt(0);
  if (pid === null) return -1;
  const target = core.procs.find(pid);
  if (target === null) return -1;
  target.killed = true;
  if (target.state === "sleeping") {
    target.state = "runnable";
    target.channel = null;
  }
  return 0;
}

/** getpid(). */
export function sysGetpid(_core: KernelCore, call: SyscallCall): SyscallResult {
  return call.process.pid;
}

/**
 * Grows or shrinks a process by n bytes; returns false when it cannot. Running out of frames
 * prints xv6's `allocuvm out of memory`; the caller flushes the TLB.
 */
export function growProcess(core: KernelCore, process: Process, n: number): boolean {
  const oldsz = process.sz;
  const newsz = oldsz + n;
  if (n > 0) {
    if (newsz >= KERNBASE) return false;
    const grown = core.mmu.allocUvm(process.pgdir, oldsz, newsz);
    if (grown === 0) {
      core.print("allocuvm out of memory\n");
      return false;
    }
    process.sz = grown;
  } else if (n < 0) {
    if (newsz < 0) return false;
    process.sz = core.mmu.deallocUvm(process.pgdir, oldsz, newsz);
  }
  return true;
}

/** sbrk(n): the old size (the start of new memory), or -1. */
export function sysSbrk(core: KernelCore, call: SyscallCall): SyscallResult {
  const n = call.argInt(0);
  if (n === null) return -1;
  const process = call.process;
  const oldsz = process.sz;
  if (!growProcess(core, process, n)) return -1;
  if (n !== 0) core.cpu.flushTlb();
  return oldsz;
}

/**
 * sleep(n): 0 after n ticks, -1 if killed while sleeping. A negative n is taken as unsigned, as
 * xv6's unsigned tick arithmetic does, so it sleeps for about 2^32 ticks.
 */
export function sysSleep(core: KernelCore, call: SyscallCall): SyscallResult {
  const n = call.argInt(0);
  if (n === null) return -1;
  const process = call.process;
  const ticks = core.clock.ticks;
  if (process.sleepDeadline < 0) process.sleepDeadline = ticks + (n >>> 0);
  if (ticks >= process.sleepDeadline) return 0;
  if (process.killed) return -1;
  return core.block(process, core.ticksChannel);
}

/** uptime(): ticks since boot, plus the process's clock offset. */
export function sysUptime(core: KernelCore, call: SyscallCall): SyscallResult {
  return (core.clock.ticks + call.process.clockOffset) | 0;
}
