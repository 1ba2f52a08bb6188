/**
 * The scheduler and run loop: round-robin over the process table on the one CPU.
 *
 * A slice runs the chosen process in `cpu.run` chunks. It ends when the process blocks, exits or
 * is killed, when a clock tick passes, when the time slice (one tick's worth of instructions by
 * default) runs out, or after 10 ms of wall time. In the last case the same process continues
 * after the host event loop has run, so wall time never changes which instructions run in
 * deterministic mode.
 *
 * When nothing is runnable, the deterministic clock jumps to the earliest `sleep` deadline. When
 * no process has a deadline (all wait for console input, or nothing can wake them), the loop
 * awaits a host event: input, shutdown, or an extension thawing or creating a process. In
 * real-time mode it awaits the next deadline's wall time or a host event. A jump of the clock is
 * not a wait, so the 10 ms until the next host turn keep counting across it. Otherwise processes
 * that only print and sleep would keep the host from running timers and input.
 *
 * A trap other than a system call prints xv6's line and kills the process. A killed process exits
 * before it would return to user space.
 */
import { performance } from "node:perf_hooks";
import type { RunResult } from "@xv6ts/cpu";
import type { KernelCore } from "./core.js";
import { SYS_sleep, T_SYSCALL } from "./param.js";
import type { Process } from "./proc.js";
import { exitProcess } from "./sys-proc.js";
import { dispatchSyscall, type SyscallCall, type SyscallEntry } from "./syscall.js";

/** Wall time the run loop computes before it lets the host event loop run. */
const HOST_YIELD_MS = 10;
/** Instructions per `cpu.run` call, so the wall clock is checked often enough. */
const RUN_CHUNK = 100_000;

export class Scheduler {
  private nextSlot = 0;
  /** A process interrupted only to let the host run; it gets the CPU again first. */
  private resume: Process | null = null;
  /** Instructions left of the interrupted slice, so host yields do not change preemption. */
  private resumeRemaining = 0;
  private wakeHost: (() => void) | null = null;
  stopping = false;

  constructor(
    private readonly core: KernelCore,
    private readonly table: readonly (SyscallEntry | undefined)[],
    private readonly call: SyscallCall,
    /** Instructions a process may run before the next runnable one gets the CPU. */
    private readonly timeSlice: number,
  ) {}

  /**
   * Runs processes until `stop` is called; rejects on a panic. The host event loop gets a turn at
   * least every HOST_YIELD_MS of wall time, also while the deterministic clock jumps from one
   * sleep deadline to the next without waiting.
   */
  async run(): Promise<void> {
    let lastYield = performance.now();
    while (!this.stopping) {
      const process = this.pickNext();
      if (process !== null) {
        this.runSlice(process, lastYield + HOST_YIELD_MS);
      } else if (await this.idle()) {
        lastYield = performance.now();
        continue;
      }
      if (performance.now() - lastYield >= HOST_YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
  }

  /** Ends the run loop at the next boundary. */
  stop(): void {
    this.stopping = true;
    this.notifyHostEvent();
  }

  /** Wakes an idle run loop: input arrived, or a process may have become runnable. */
  notifyHostEvent(): void {
    const wake = this.wakeHost;
    this.wakeHost = null;
    wake?.();
  }

  /** Returns the next runnable process in slot order after the last one, or null. */
  pickNext(): Process | null {
    const resume = this.resume;
    this.resume = null;
    if (resume !== null && resume.state === "runnable") return resume;
    const procs = this.core.procs;
    for (let i = 0; i < procs.size; i++) {
      const slot = (this.nextSlot + i) % procs.size;
      const process = procs.at(slot);
      if (process !== null && process.state === "runnable") {
        this.nextSlot = slot + 1;
        return process;
      }
    }
    return null;
  }

  /** Runs one slice of `process` (see the file comment for when it ends). */
  runSlice(process: Process, wallLimit: number): void {
    const core = this.core;
    const resumed = this.resumeRemaining > 0 && process === core.current;
    let remaining = resumed ? this.resumeRemaining : this.timeSlice;
    this.resumeRemaining = 0;
    core.switchTo(process);
    process.state = "running";
    if (process.killed) {
      exitProcess(core, process);
      return;
    }
    for (;;) {
      const budget = Math.min(core.clock.budget(), remaining, RUN_CHUNK);
      const result = core.cpu.run(budget);
      remaining -= result.executed;
      const ticked = core.clock.advance(result.executed);
      if (result.type === "trap") this.handleTrap(process, result);
      if (ticked) core.wakeup(core.ticksChannel);
      if (process.state !== "running") return;
      if (process.killed) {
        exitProcess(core, process);
        return;
      }
      if (ticked || remaining <= 0 || this.stopping) {
        process.state = "runnable";
        return;
      }
      if (performance.now() >= wallLimit) {
        process.state = "runnable";
        this.resume = process;
        this.resumeRemaining = remaining;
        return;
      }
    }
  }

  private handleTrap(process: Process, trap: Extract<RunResult, { type: "trap" }>): void {
    const core = this.core;
    if (trap.vector === T_SYSCALL) {
      if (process.killed) {
        exitProcess(core, process);
        return;
      }
      dispatchSyscall(core, this.table, this.call, process);
      return;
    }
    const eip = core.cpu.eip >>> 0;
    core.print(
      `pid ${process.pid} ${process.name}: trap ${trap.vector} err ${trap.errorCode} on cpu 0 ` +
        `eip 0x${eip.toString(16)} addr 0x${(trap.faultAddress >>> 0).toString(16)}--kill proc\n`,
    );
    process.killed = true;
  }

  /**
   * Nothing is runnable: advances the clock to a deadline or waits for the host. Returns true
   * when it waited for a host event or timer, so that the host event loop has had a turn.
   */
  private async idle(): Promise<boolean> {
    const core = this.core;
    const deadline = this.earliestDeadline();
    if (core.clock.deterministic) {
      if (deadline >= 0) {
        core.clock.jumpTo(deadline);
        core.wakeup(core.ticksChannel);
        return false;
      }
      return this.waitForHost(-1);
    }
    if (core.clock.poll()) {
      core.wakeup(core.ticksChannel);
      return false;
    }
    const waited = await this.waitForHost(
      deadline >= 0 ? core.clock.millisecondsUntil(deadline) : -1,
    );
    if (core.clock.poll()) core.wakeup(core.ticksChannel);
    return waited;
  }

  /** Returns the earliest tick a sleeping (not stopped) process waits for, or -1. */
  private earliestDeadline(): number {
    let earliest = -1;
    for (const process of this.core.procs.list()) {
      if (process.state !== "sleeping" || process.blockedSyscall !== SYS_sleep) continue;
      if (process.sleepDeadline < 0) continue;
      if (earliest < 0 || process.sleepDeadline < earliest) earliest = process.sleepDeadline;
    }
    return earliest;
  }

  /**
   * Waits for a host event, or at most `timeoutMs` when it is not negative. Resolves to false
   * without waiting when the loop is stopping.
   */
  private waitForHost(timeoutMs: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      this.wakeHost = () => {
        if (timer !== null) clearTimeout(timer);
        resolve(true);
      };
      if (timeoutMs >= 0) {
        timer = setTimeout(() => this.notifyHostEvent(), Math.max(1, Math.ceil(timeoutMs)));
      }
    });
  }
}
