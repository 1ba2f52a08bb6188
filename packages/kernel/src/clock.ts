/**
 * The kernel clock, counting ticks since boot in one of two modes.
 *
 * Deterministic: a tick is a fixed number of user instructions (1,000,000 by default), and when
 * every process sleeps the scheduler jumps the clock to the earliest deadline. A run then repeats
 * instruction for instruction, whatever the host's speed.
 *
 * Real time: ticks follow the wall clock at 100 per second. The scheduler runs user code in
 * chunks and polls the clock between them.
 *
 * In both modes `advance` reports whether a tick passed, which is when the running process is
 * preempted and sleepers are woken.
 */
import { performance } from "node:perf_hooks";

/** How the kernel clock counts. */
export type ClockOptions =
  | { mode: "realtime" }
  | { mode: "deterministic"; instructionsPerTick?: number };

export const DEFAULT_INSTRUCTIONS_PER_TICK = 1_000_000;
/** Milliseconds per tick in real-time mode (100 Hz, as xv6's timer). */
export const TICK_MS = 10;
/** Instructions run between two polls of the wall clock in real-time mode. */
const REALTIME_CHUNK = 100_000;

export class Clock {
  /** Ticks since boot. */
  ticks = 0;
  readonly deterministic: boolean;
  readonly instructionsPerTick: number;
  private untilTick: number;
  private readonly startMs: number;

  /** Throws a RangeError for an instruction count per tick that is not a positive integer. */
  constructor(options: ClockOptions = { mode: "deterministic" }) {
    this.deterministic = options.mode === "deterministic";
    const perTick =
      options.mode === "deterministic"
        ? (options.instructionsPerTick ?? DEFAULT_INSTRUCTIONS_PER_TICK)
        : REALTIME_CHUNK;
    if (!Number.isSafeInteger(perTick) || perTick < 1) {
      throw new RangeError(
        `instructionsPerTick must be a positive integer, got ${perTick}; use e.g. 1000000`,
      );
    }
    this.instructionsPerTick = perTick;
    this.untilTick = perTick;
    this.startMs = performance.now();
  }

  /** Instructions user code may run before the clock must be consulted again. */
  budget(): number {
    return this.deterministic ? this.untilTick : REALTIME_CHUNK;
  }

  /** Accounts for `executed` user instructions; returns true when one or more ticks passed. */
  advance(executed: number): boolean {
    if (!this.deterministic) return this.poll();
    this.untilTick -= executed;
    if (this.untilTick > 0) return false;
    this.ticks++;
    this.untilTick = this.instructionsPerTick;
    return true;
  }

  /** Real time: brings `ticks` up to the wall clock; returns true when it moved. */
  poll(): boolean {
    if (this.deterministic) return false;
    const now = Math.floor((performance.now() - this.startMs) / TICK_MS);
    if (now <= this.ticks) return false;
    this.ticks = now;
    return true;
  }

  /** Deterministic: sets the clock to `tick` (the earliest sleep deadline) with a fresh tick. */
  jumpTo(tick: number): void {
    if (tick <= this.ticks) return;
    this.ticks = tick;
    this.untilTick = this.instructionsPerTick;
  }

  /** Real time: milliseconds of wall time until the clock reaches `tick`. */
  millisecondsUntil(tick: number): number {
    return Math.max(0, this.startMs + tick * TICK_MS - performance.now());
  }
}
