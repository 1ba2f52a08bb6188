/**
 * Processes and the process table.
 *
 * A slot of the table is empty or holds a `Process`. States follow xv6, plus `stopped` for a
 * process frozen by an extension (checkpointing), which the scheduler skips:
 *
 *   embryo ──► runnable ◄──► running ──► zombie ──► (slot freed by wait)
 *                 ▲             │
 *                 └─ sleeping ◄─┘        any of runnable/sleeping ◄──► stopped
 *
 * A process that must wait sleeps on a channel (any object: a pipe end, the console, the parent
 * process for `wait`, the clock for `sleep`); `wakeup(channel)` makes every sleeper on it
 * runnable. A woken process retries the system call it was blocked in from the start, so a wakeup
 * that finds its condition still false is harmless. pids come from a counter and are never
 * reused.
 */
import type { CpuContext } from "@xv6ts/cpu";
import type { Inode } from "@xv6ts/fs-journal";
import type { OpenFile } from "./file.js";
import { FL_INITIAL, NOFILE, NPROC, USER_CS, USER_DS } from "./param.js";

/** A process's scheduling state. */
export type ProcState = "embryo" | "sleeping" | "runnable" | "running" | "zombie" | "stopped";

/** ctrl-P's state column, six characters wide as in xv6; `stop  ` is the xv6ts stopped state. */
const STATE_COLUMN: Record<ProcState, string> = {
  embryo: "embryo",
  sleeping: "sleep ",
  runnable: "runble",
  running: "run   ",
  zombie: "zombie",
  stopped: "stop  ",
};

/** The register state of a new process before exec or fork fills it. */
export function initialContext(): CpuContext {
  return {
    eax: 0,
    ecx: 0,
    edx: 0,
    ebx: 0,
    esp: 0,
    ebp: 0,
    esi: 0,
    edi: 0,
    eip: 0,
    eflags: FL_INITIAL,
    cs: USER_CS,
    ss: USER_DS,
    ds: USER_DS,
    es: USER_DS,
    fs: 0,
    gs: 0,
  };
}

export class Process {
  state: ProcState = "embryo";
  name = "";
  parent: Process | null = null;
  killed = false;
  /** Physical address of the page directory; 0 before the first image. */
  pgdir = 0;
  /** Bytes of user memory, [0, sz). */
  sz = 0;
  /** Saved registers while the process is not on the CPU. */
  context: CpuContext = initialContext();
  readonly files: (OpenFile | null)[] = new Array(NOFILE).fill(null);
  cwd: Inode | null = null;
  /** Absolute path of the working directory (an xv6ts extension for checkpoints). */
  cwdPath = "/";
  /** What a sleeping process waits for. */
  channel: unknown = null;
  /** Number of the system call the process is blocked in, 0 when it is not blocked. */
  blockedSyscall = 0;
  /** Kernel tick at which a pending `sleep` ends, or -1 when none is pending. */
  sleepDeadline = -1;
  /** Bytes a blocked pipe write has already put into the pipe. */
  pipeWritten = 0;
  /** Ticks added to what `uptime` returns (set by restart so a process's clock runs on). */
  clockOffset = 0;
  /** The state a stopped process returns to when thawed. */
  stoppedFrom: ProcState = "runnable";

  constructor(
    readonly pid: number,
    readonly slot: number,
  ) {}

  /** Clears the progress a blocked call keeps between its retries. */
  clearBlockedCall(): void {
    this.blockedSyscall = 0;
    this.sleepDeadline = -1;
    this.pipeWritten = 0;
    this.channel = null;
  }
}

export class ProcessTable {
  private readonly slots: (Process | null)[];
  private nextPid = 1;

  constructor(readonly size = NPROC) {
    this.slots = new Array(size).fill(null);
  }

  /** Returns a new embryo process with the next pid, or null when every slot is taken. */
  alloc(): Process | null {
    const slot = this.slots.indexOf(null);
    if (slot < 0) return null;
    const process = new Process(this.nextPid++, slot);
    this.slots[slot] = process;
    return process;
  }

  /** Empties the process's slot (the caller has freed its memory). */
  free(process: Process): void {
    if (this.slots[process.slot] === process) this.slots[process.slot] = null;
  }

  /** Returns the process with this pid, or null. */
  find(pid: number): Process | null {
    for (const process of this.slots) if (process !== null && process.pid === pid) return process;
    return null;
  }

  /** Returns the process in a slot, or null. */
  at(slot: number): Process | null {
    return this.slots[slot] ?? null;
  }

  /** Lists the processes in slot order. */
  list(): Process[] {
    return this.slots.filter((process): process is Process => process !== null);
  }

  /** Makes every process sleeping on `channel` runnable. */
  wakeup(channel: unknown): void {
    for (const process of this.slots) {
      if (process !== null && process.state === "sleeping" && process.channel === channel) {
        process.state = "runnable";
        process.channel = null;
      }
    }
  }

  /** The ctrl-P listing: `<pid> <state> <name>` per process, each line ending in a newline. */
  dump(): string {
    let text = "";
    for (const process of this.list()) {
      text += `${process.pid} ${STATE_COLUMN[process.state]} ${process.name}\n`;
    }
    return text;
  }
}
