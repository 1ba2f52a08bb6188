/**
 * Script mode: runs lines of input through the xv6ts shell for automation, and prints what the
 * console prints, exactly as a user at the terminal would see it. The kernel echoes what is typed,
 * so the commands appear after their prompts.
 *
 * The lines come from --exec options or from a standard input that is not a terminal. A line is
 * typed when a process named `sh` starts waiting for console input (the kernel's console-wait
 * event), so a program in the foreground never gets one. The console's input is shared, as on
 * real xv6, so a background program reading the console at the same time may take the line
 * instead of `sh`. The console keeps at most 128 unread bytes, so a longer line is typed in
 * pieces of 128 bytes, one each time `sh` waits again.
 *
 * The run ends in one of two ways:
 *   - settled: the lines are used up, `sh` waits for input, and the console has printed nothing
 *     for the settle time; exit 0;
 *   - timed out: the timeout passed since boot; a note on standard error, exit 124.
 * Either way the kernel is shut down cleanly, so the disk's log is installed and flushed.
 */

import { EXIT } from "./errors";
import type { CliIo, InputStream } from "./io";
import type { Machine } from "./machine";
import { formatDuration } from "./sizes";

/** The maximum number of unread bytes in the kernel's console input buffer (xv6's INPUT_BUF). */
const CONSOLE_BUFFER_BYTES = 128;

/** The boot line after which the console shows what the user's session prints. */
const LAST_BOOT_LINE = "init: starting sh\n";

/** Lines to type: from a list, or arriving on a stream until it ends. */
export class ScriptLines {
  private readonly queue: string[] = [];
  private ended = false;
  private partial = "";
  private listener: (() => void) | null = null;

  /** Lines given up front, each `--exec` value split at its newlines. */
  static fromList(values: string[]): ScriptLines {
    const lines = new ScriptLines();
    for (const value of values) lines.queue.push(...value.split(/\r?\n/));
    lines.ended = true;
    return lines;
  }

  /** Lines read from `stream` as they arrive; the script is used up when the stream ends. */
  static fromStream(stream: InputStream): ScriptLines {
    const lines = new ScriptLines();
    stream.on("data", (chunk: Buffer | string) => lines.add(chunk.toString()));
    stream.on("end", () => lines.end());
    stream.on("error", () => lines.end());
    return lines;
  }

  /** Calls `listener` when a line arrives or the stream ends. */
  onChange(listener: () => void): void {
    this.listener = listener;
  }

  /** Takes the next line, or returns null when none is ready. */
  next(): string | null {
    return this.queue.shift() ?? null;
  }

  /** Whether no line is left and none will come. */
  get usedUp(): boolean {
    return this.ended && this.queue.length === 0;
  }

  private add(text: string): void {
    const pieces = (this.partial + text).split(/\r?\n/);
    this.partial = pieces.pop()!;
    if (pieces.length === 0) return;
    this.queue.push(...pieces);
    this.listener?.();
  }

  private end(): void {
    if (this.ended) return;
    if (this.partial !== "") this.queue.push(this.partial);
    this.partial = "";
    this.ended = true;
    this.listener?.();
  }
}

/** Options of a script run. */
export interface ScriptOptions {
  quietBoot: boolean;
  settleMs: number;
  timeoutMs: number;
}

/** One script run on a machine that has not started yet. */
export class ScriptSession {
  /** Bytes of the line being typed that did not fit the console yet. */
  private pending: Buffer | null = null;
  /** The pid of a shell waiting for a line that has not arrived. */
  private waitingShell = -1;
  private shellIdle = false;
  private settleTimer: NodeJS.Timeout | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private bootFilter: BootFilter | null;
  private finish: ((code: number) => void) | null = null;
  private fail: ((error: unknown) => void) | null = null;

  constructor(
    private readonly machine: Machine,
    private readonly io: CliIo,
    private readonly lines: ScriptLines,
    private readonly options: ScriptOptions,
  ) {
    this.bootFilter = options.quietBoot ? new BootFilter() : null;
  }

  /** Boots, types the script, and resolves with the exit code once the kernel is shut down. */
  async run(): Promise<number> {
    const kernel = this.machine.kernel;
    kernel.onOutput((bytes) => this.output(bytes));
    kernel.onConsoleWait((pid) => this.consoleWait(pid));
    this.lines.onChange(() => this.linesChanged());

    const outcome = new Promise<number>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    this.machine.onFailure((error) => this.fail?.(error));
    this.timeoutTimer = setTimeout(() => this.timedOut(), this.options.timeoutMs);
    this.io.stdout.onClosed?.(() => this.finish?.(EXIT.outputClosed));
    try {
      this.machine.start();
      return await outcome;
    } finally {
      this.clearTimers();
      await this.machine.shutdown();
    }
  }

  /** Ends the run early (a signal) with `code`. */
  stop(code: number): void {
    this.finish?.(code);
  }

  private output(bytes: Uint8Array): void {
    const shown = this.bootFilter === null ? bytes : this.bootFilter.pass(bytes);
    if (shown.length > 0) this.io.stdout.write(shown);
    if (this.settleTimer !== null) this.armSettle();
  }

  private consoleWait(pid: number): void {
    const waiting = this.machine.kernel.processes().find((process) => process.pid === pid);
    if (waiting?.name !== "sh") return;
    this.bootFilter?.end();
    if (this.pending !== null) {
      this.typePiece();
      return;
    }
    const line = this.lines.next();
    if (line !== null) {
      this.typeLine(line);
      return;
    }
    this.waitingShell = pid;
    if (this.lines.usedUp) {
      this.shellIdle = true;
      this.armSettle();
    }
  }

  /** Types a line that arrived on standard input, or starts settling when it ended. */
  private linesChanged(): void {
    if (this.waitingShell < 0) return;
    const line = this.lines.next();
    if (line !== null) {
      this.waitingShell = -1;
      this.typeLine(line);
    } else if (this.lines.usedUp && !this.shellIdle) {
      this.shellIdle = true;
      this.armSettle();
    }
  }

  private typeLine(line: string): void {
    this.shellIdle = false;
    this.disarmSettle();
    this.pending = Buffer.from(`${line}\n`, "utf8");
    this.typePiece();
  }

  private typePiece(): void {
    const pending = this.pending!;
    const piece = pending.subarray(0, CONSOLE_BUFFER_BYTES);
    this.pending = pending.length > piece.length ? pending.subarray(piece.length) : null;
    this.machine.kernel.input(piece);
  }

  private armSettle(): void {
    this.disarmSettle();
    this.settleTimer = setTimeout(() => this.finish?.(EXIT.ok), this.options.settleMs);
  }

  private disarmSettle(): void {
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    this.settleTimer = null;
  }

  private timedOut(): void {
    const what = this.shellIdle ? "the console did not settle" : "the script was still running";
    this.io.stderr.write(
      `xv6ts: timed out after ${formatDuration(this.options.timeoutMs)} (--timeout) because ${what}; exit status 124\n`,
    );
    this.finish?.(EXIT.timeout);
  }

  private clearTimers(): void {
    this.disarmSettle();
    if (this.timeoutTimer !== null) clearTimeout(this.timeoutTimer);
    this.timeoutTimer = null;
  }
}

/**
 * Drops the boot lines (`xv6...`, `cpu0: ...`, the superblock line and `init: starting sh`):
 * everything up to the end of the last boot line, or up to the shell's first read when the
 * disk's init prints another line.
 */
export class BootFilter {
  private held = "";
  private done = false;

  /** Returns the part of `bytes` that comes after the boot lines. */
  pass(bytes: Uint8Array): Uint8Array {
    if (this.done) return bytes;
    this.held += Buffer.from(bytes).toString("latin1");
    const end = this.held.indexOf(LAST_BOOT_LINE);
    if (end < 0) return new Uint8Array(0);
    const rest = this.held.slice(end + LAST_BOOT_LINE.length);
    this.end();
    return Buffer.from(rest, "latin1");
  }

  /** Stops filtering: the shell is reading, so the boot is over. */
  end(): void {
    this.done = true;
    this.held = "";
  }
}
