/**
 * The interactive session: this terminal attached to the xv6ts console, as QEMU's -nographic
 * console is.
 *
 * Standard input is put in raw mode, so every key reaches the kernel's console line discipline,
 * which does the echo and the editing (backspace, ctrl-U, ctrl-D, ctrl-P) as xv6 does. Raw mode
 * also turns off the terminal's output processing, so each newline the console prints is sent as
 * CR LF. The terminal is restored on every exit path: quit, end of input, a signal, a panic, and
 * (through an `exit` handler) an uncaught exception.
 *
 * ctrl-A is the escape prefix: ctrl-A x quits, ctrl-A h lists the escapes, ctrl-A ctrl-A types a
 * ctrl-A, and ctrl-A c opens the host monitor (monitor.ts). The guest keeps running while the
 * monitor is open. Its output is held (up to HELD_OUTPUT_LIMIT bytes) and shown when the monitor
 * closes, so it does not mix with the monitor's prompt.
 */
import { EXIT } from "./errors";
import type { CliIo } from "./io";
import type { Machine } from "./machine";
import { LineEditor, type Monitor } from "./monitor";

const CTRL_A = 0x01;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** Guest output kept while the monitor is open; older bytes are dropped beyond it. */
const HELD_OUTPUT_LIMIT = 1024 * 1024;

/** The text ctrl-A h prints. */
export const ESCAPE_HELP = [
  "ctrl-A x       quit xv6ts: shut down cleanly, the disk log flushed and the image consistent",
  "ctrl-A c       open the host monitor (ps, checkpoint, restart, info, x, quit)",
  "ctrl-A h       show this help",
  "ctrl-A ctrl-A  type a ctrl-A",
].join("\n");

/** Converts each LF to CR LF, for a terminal whose output processing raw mode turned off. */
export function toTerminalNewlines(bytes: Uint8Array): Uint8Array {
  let newlines = 0;
  for (const byte of bytes) if (byte === NEWLINE) newlines++;
  if (newlines === 0) return bytes;
  const out = new Uint8Array(bytes.length + newlines);
  let j = 0;
  for (const byte of bytes) {
    if (byte === NEWLINE) out[j++] = CARRIAGE_RETURN;
    out[j++] = byte;
  }
  return out;
}

export class TerminalSession {
  private escapePending = false;
  private editor: LineEditor | null = null;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private droppedBytes = 0;
  private rawMode = false;
  private booted = false;
  private finish: ((code: number) => void) | null = null;
  private fail: ((error: unknown) => void) | null = null;
  private readonly restoreOnExit = () => this.restoreTerminal();

  constructor(
    private readonly machine: Machine,
    private readonly io: CliIo,
    private readonly monitor: Monitor,
  ) {}

  /** Boots, attaches the terminal, and resolves with the exit code after a clean shutdown. */
  async run(): Promise<number> {
    const stdin = this.io.stdin;
    const outcome = new Promise<number>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
      this.machine.onFailure(reject);
    });
    // An error escaping a key handler (a panic inside a monitor command) ends the session.
    const onData = (chunk: Buffer | string) => {
      try {
        this.input(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk);
      } catch (error) {
        this.fail?.(error);
      }
    };
    const onEnd = () => this.finish?.(0);

    this.machine.kernel.onOutput((bytes) => this.guestOutput(bytes));
    this.io.stdout.onClosed?.(() => this.finish?.(EXIT.outputClosed));
    this.enterRawMode();
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.resume();
    try {
      this.machine.start();
      this.booted = true;
      return await outcome;
    } finally {
      stdin.off("data", onData);
      stdin.off("end", onEnd);
      stdin.pause();
      await this.shutdown();
    }
  }

  /** Ends the session (a signal) with `code`. */
  stop(code: number): void {
    this.finish?.(code);
  }

  private async shutdown(): Promise<void> {
    try {
      await this.machine.shutdown();
      if (this.booted) this.write("\nxv6ts: shut down cleanly; the disk image is consistent\n");
    } finally {
      this.restoreTerminal();
    }
  }

  private enterRawMode(): void {
    const stdin = this.io.stdin;
    if (stdin.isTTY !== true || stdin.setRawMode === undefined) return;
    stdin.setRawMode(true);
    this.rawMode = true;
    process.once("exit", this.restoreOnExit);
  }

  private restoreTerminal(): void {
    if (!this.rawMode) return;
    this.rawMode = false;
    this.io.stdin.setRawMode?.(false);
    process.off("exit", this.restoreOnExit);
  }

  /** Writes text of the session (not the guest's) in terminal form. */
  private write(text: string): void {
    this.writeBytes(Buffer.from(text, "utf8"));
  }

  private writeBytes(bytes: Uint8Array): void {
    this.io.stdout.write(this.io.stdout.isTTY ? toTerminalNewlines(bytes) : bytes);
  }

  private guestOutput(bytes: Uint8Array): void {
    if (this.editor === null) {
      this.writeBytes(bytes);
      return;
    }
    this.held.push(bytes.slice());
    this.heldBytes += bytes.length;
    while (this.heldBytes > HELD_OUTPUT_LIMIT && this.held.length > 1) {
      const dropped = this.held.shift()!;
      this.heldBytes -= dropped.length;
      this.droppedBytes += dropped.length;
    }
  }

  /** Sorts typed bytes into guest input, escapes and monitor input. */
  private input(bytes: Uint8Array): void {
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (this.editor !== null) {
        this.editorByte(byte);
        start = i + 1;
        continue;
      }
      if (!this.escapePending && byte !== CTRL_A) continue;
      if (i > start) this.machine.kernel.input(bytes.subarray(start, i));
      start = i + 1;
      if (this.escapePending) {
        this.escapePending = false;
        this.escape(byte);
      } else {
        this.escapePending = true;
      }
    }
    if (this.editor === null && bytes.length > start) {
      this.machine.kernel.input(bytes.subarray(start));
    }
  }

  /** Carries out the key typed after ctrl-A. */
  private escape(byte: number): void {
    const key = String.fromCharCode(byte).toLowerCase();
    if (byte === CTRL_A) this.machine.kernel.input(Uint8Array.of(CTRL_A));
    else if (key === "x") this.finish?.(0);
    else if (key === "h" || key === "?") this.write(`\n${ESCAPE_HELP}\n`);
    else if (key === "c") this.openMonitor();
  }

  private openMonitor(): void {
    this.editor = new LineEditor((text) => this.write(text));
    this.write(`\n${this.monitor.banner()}\n`);
    this.editor.prompt();
  }

  private editorByte(byte: number): void {
    const event = this.editor!.key(byte);
    if (event === null) return;
    if (event.type === "close") {
      this.closeMonitor(true);
      return;
    }
    if (event.type === "quit") {
      this.closeMonitor(true);
      this.finish?.(0);
      return;
    }
    const result = this.monitor.execute(event.line);
    if (result.text !== "") this.write(`${result.text}\n`);
    if (result.action === undefined) {
      this.editor?.prompt();
      return;
    }
    this.closeMonitor();
    if (result.action === "quit") this.finish?.(0);
  }

  /** Leaves the monitor; `endLine` ends the prompt line that a key (not Enter) closed. */
  private closeMonitor(endLine = false): void {
    this.editor = null;
    if (endLine) this.write("\n");
    if (this.droppedBytes > 0) {
      this.write(`[xv6ts: ${this.droppedBytes} older bytes of console output were dropped]\n`);
    }
    for (const bytes of this.held) this.writeBytes(bytes);
    this.held = [];
    this.heldBytes = 0;
    this.droppedBytes = 0;
  }
}
