/**
 * System-call entry: argument fetching and dispatch.
 *
 * At `int $64` the CPU stops with eip after the instruction. `eax` holds the call number and
 * argument n is the 32-bit word at esp + 4 + 4n (cdecl, above the stub's return address). The
 * checks are xv6's: an integer is fetched only if its 4 bytes lie below `sz`; a pointer argument
 * must name [p, p + size) inside [0, sz); a string must end in a NUL before `sz`. A failed check
 * makes the call return -1.
 *
 * A handler returns the value for eax, `BLOCKED` (the process was parked: eip is rewound onto the
 * `int $64`, every other register is as it was at entry, and the call runs again from the start
 * when the process is woken), or `REGISTERS_SET` (exec, exit and extension calls that set the
 * registers themselves; such a handler also owns the blocked-call state, so a restarted
 * process keeps the sleep it was in). An unknown number prints xv6's console line and returns -1.
 */
import { EAX, ESP } from "@xv6ts/cpu";
import { BLOCKED, type KernelCore, REGISTERS_SET, type SyscallResult } from "./core.js";
import { SYSCALL_INSTRUCTION_LENGTH } from "./param.js";
import type { Process } from "./proc.js";

/** The calling process and its argument helpers. */
export class SyscallCall {
  process!: Process;
  private readonly word = new Uint8Array(4);
  private readonly wordView = new DataView(this.word.buffer);

  constructor(private readonly core: KernelCore) {}

  /** Returns the 32-bit word at user address `va` if its 4 bytes lie below sz, else null. */
  fetchInt(va: number): number | null {
    va >>>= 0;
    const sz = this.process.sz;
    if (va >= sz || va + 4 > sz) return null;
    if (!this.core.mmu.copyIn(this.process.pgdir, va, this.word, 0)) return null;
    return this.wordView.getInt32(0, true);
  }

  /** Returns the NUL-terminated string at `va` (latin1) if it ends before sz, else null. */
  fetchStr(va: number): string | null {
    va >>>= 0;
    const sz = this.process.sz;
    if (va >= sz) return null;
    return this.core.mmu.copyInStr(this.process.pgdir, va, sz - va, 0);
  }

  /** Returns integer argument n (signed), or null if it cannot be fetched. */
  argInt(n: number): number | null {
    const esp = this.core.cpu.regs[ESP]! >>> 0;
    return this.fetchInt(esp + 4 + 4 * n);
  }

  /** Returns pointer argument n if [p, p + size) lies inside [0, sz), else null. */
  argPtr(n: number, size: number): number | null {
    const value = this.argInt(n);
    if (value === null || size < 0) return null;
    const va = value >>> 0;
    if (va >= this.process.sz || va + size > this.process.sz) return null;
    return va;
  }

  /** Returns string argument n, or null if it is not NUL-terminated below sz. */
  argStr(n: number): string | null {
    const va = this.argInt(n);
    return va === null ? null : this.fetchStr(va);
  }
}

/** A system call's handler. */
export type SyscallHandler = (call: SyscallCall) => SyscallResult;

/** One entry of the system-call table. */
export interface SyscallEntry {
  name: string;
  handler: SyscallHandler;
}

/**
 * Runs the system call the current process trapped into and writes its result. The caller checks
 * afterwards whether the process was killed, blocked or exited.
 */
export function dispatchSyscall(
  core: KernelCore,
  table: readonly (SyscallEntry | undefined)[],
  call: SyscallCall,
  process: Process,
): void {
  const cpu = core.cpu;
  const number = cpu.regs[EAX]!;
  const entry = number > 0 ? table[number] : undefined;
  if (entry === undefined) {
    core.print(`${process.pid} ${process.name}: unknown sys call ${number}\n`);
    cpu.regs[EAX] = -1;
    return;
  }

  call.process = process;
  const result = entry.handler(call);
  if (core.trace.syscall) traceResult(core, process, entry.name, result);
  if (result === BLOCKED) {
    cpu.eip = (cpu.eip - SYSCALL_INSTRUCTION_LENGTH) >>> 0;
    process.blockedSyscall = number;
    // Only now is the reader fully parked, so a listener that checkpoints it saves the
    // registers of a call that is issued again on restart.
    if (process.channel === core.consoleChannel) core.notifyConsoleWait(process.pid);
    return;
  }
  if (result === REGISTERS_SET) return;
  if (process.blockedSyscall !== 0 || process.sleepDeadline >= 0 || process.pipeWritten !== 0) {
    process.clearBlockedCall();
  }
  cpu.regs[EAX] = result;
}

function traceResult(core: KernelCore, process: Process, name: string, result: SyscallResult) {
  const shown =
    result === BLOCKED ? "blocked" : result === REGISTERS_SET ? "registers set" : String(result);
  core.trace.syscall?.(`pid ${process.pid} ${process.name}: ${name} -> ${shown}`);
}
