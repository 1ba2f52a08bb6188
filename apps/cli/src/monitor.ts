/**
 * The host monitor that ctrl-A c opens, after QEMU's: commands that look at and act on the
 * running machine from outside it.
 *
 *   ps                        processes: pid, parent, state, size, name
 *   info <pid>                registers and the memory map of a process
 *   x <pid> <addr> <len>      hex dump of a process's memory
 *   checkpoint <pid> <path>   save a process to an image file on the xv6ts disk
 *   restart <path>            start a process from an image, as a new child of init
 *   cont                      back to the console (also ctrl-D or ctrl-A c)
 *   quit                      shut xv6ts down cleanly, as ctrl-A x does
 *
 * The guest keeps running while the monitor is open. Each command runs between two slices of
 * the kernel's run loop (the host is single-threaded), so it finds the machine at a system-call
 * or instruction boundary; `checkpoint` freezes its target for the whole save anyway.
 *
 * The prompt is edited here, in raw mode, like a cooked terminal line: echo, backspace and DEL,
 * ctrl-U, ctrl-W, Enter. The terminal is not switched to cooked mode because Node's terminal
 * stream ends for good at a cooked ctrl-D, and a cooked ctrl-C or ctrl-Z would signal the whole
 * emulator instead of the prompt.
 */
import type { Kernel } from "@xv6ts/kernel";

/** The output of one monitor command, and whether it leaves the monitor or quits xv6ts. */
export interface MonitorResult {
  text: string;
  action?: "close" | "quit";
}

/** Checkpoint and restart from the host, once the checkpoint extension is installed. */
export interface CheckpointControl {
  /**
   * Saves process `pid` to `path` on the disk. Returns the absolute path written, the size and a
   * warning per pipe end, or the reason (a path element over 14 bytes is rejected, not cut).
   */
  checkpoint(
    pid: number,
    path: string,
  ): { ok: true; path: string; bytes: number; warnings: string[] } | { ok: false; reason: string };
  /** Starts a process from the image at `path` as a child of init, with notes, or the reason. */
  restart(path: string): { ok: true; pid: number; notes: string[] } | { ok: false; reason: string };
}

/** The machine a monitor inspects: a running kernel and, once installed, checkpoint control. */
export interface MonitorTarget {
  readonly kernel: Kernel;
  readonly checkpointControl: CheckpointControl | null;
}

/** The maximum number of bytes `x` dumps. */
const MAX_DUMP_BYTES = 64 * 1024;
const PAGE_SIZE = 4096;

const HELP = [
  "ps                        list processes: pid, parent pid, state, size in bytes, name",
  "info <pid>                show the registers and memory map of a process",
  "x <pid> <addr> <len>      dump <len> bytes (at most 64 KiB) of a process's memory from <addr> (0x for hex)",
  "checkpoint <pid> <path>   save process <pid> to the image file <path> on the xv6ts disk",
  "restart <path>            start the process saved in <path> as a new child of init",
  "cont                      return to the console (also ctrl-D on an empty line, or ctrl-A c)",
  "quit                      shut xv6ts down cleanly, as ctrl-A x does",
].join("\n");

/**
 * Splits a command line into words at spaces and tabs. Double or single quotes keep spaces in a
 * word, as in the guest's sh, so `checkpoint 2 "/a b"` names the file "a b". Returns the
 * message for a quote left open.
 */
export function splitWords(line: string): string[] | string {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const char of line) {
    if (quote !== null) {
      if (char === quote) quote = null;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= "";
    } else if (char === " " || char === "\t") {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + char;
    }
  }
  if (quote !== null) return `missing closing quote (${quote}); quote a path with spaces as "a b"`;
  if (word !== null) words.push(word);
  return words;
}

export class Monitor {
  constructor(private readonly target: MonitorTarget) {}

  private get kernel(): Kernel {
    return this.target.kernel;
  }

  /** Returns the line printed when the monitor opens. */
  banner(): string {
    return "xv6ts monitor: type help for its commands; cont, ctrl-D or ctrl-A c returns to the console";
  }

  /** Runs one command line. */
  execute(line: string): MonitorResult {
    const words = splitWords(line);
    if (typeof words === "string") return { text: words };
    if (words.length === 0) return { text: "" };
    const [command, ...args] = words as [string, ...string[]];
    switch (command) {
      case "help":
      case "?":
        return { text: HELP };
      case "ps":
        return { text: this.ps() };
      case "info":
        return this.withArgs(args, 1, "info <pid>", () => this.info(args));
      case "x":
        return this.withArgs(args, 3, "x <pid> <addr> <len>", () => this.dump(args));
      case "checkpoint":
        return this.withArgs(args, 2, "checkpoint <pid> <path>", () => this.checkpoint(args));
      case "restart":
        return this.withArgs(args, 1, "restart <path>", () => this.restart(args[0]!));
      case "cont":
      case "c":
        return { text: "", action: "close" };
      case "quit":
      case "q":
        return { text: "", action: "quit" };
      default:
        return { text: `unknown command "${command}"; type help for the list` };
    }
  }

  private withArgs(args: string[], count: number, usage: string, run: () => string): MonitorResult {
    if (args.length !== count) return { text: `usage: ${usage}` };
    try {
      return { text: run() };
    } catch (error) {
      if (error instanceof MonitorError) return { text: error.message };
      throw error;
    }
  }

  private ps(): string {
    const rows = this.kernel
      .processes()
      .map(
        (process) =>
          `${String(process.pid).padStart(5)} ${String(process.parentPid).padStart(5)}  ${process.state.padEnd(9)} ${String(process.size).padStart(10)}  ${process.name}`,
      );
    return ["  pid  ppid  state           size  name", ...rows].join("\n");
  }

  private info(args: string[]): string {
    const pid = parsePid(args[0]!);
    const process = this.kernel.processes().find((candidate) => candidate.pid === pid);
    const registers = this.kernel.registers(pid);
    const pages = this.kernel.memoryMap(pid);
    if (process === undefined || registers === null || pages === null) {
      throw new MonitorError(`no process has pid ${pid}; ps lists them`);
    }
    const hex = (value: number, digits = 8) =>
      `0x${(value >>> 0).toString(16).padStart(digits, "0")}`;
    const r = registers;
    return [
      `pid ${pid} (${process.name}), ${process.state}, ${process.size} bytes, parent ${process.parentPid}`,
      `eax ${hex(r.eax)}  ecx ${hex(r.ecx)}  edx ${hex(r.edx)}  ebx ${hex(r.ebx)}`,
      `esp ${hex(r.esp)}  ebp ${hex(r.ebp)}  esi ${hex(r.esi)}  edi ${hex(r.edi)}`,
      `eip ${hex(r.eip)}  eflags ${hex(r.eflags)}`,
      `cs ${hex(r.cs, 4)}  ss ${hex(r.ss, 4)}  ds ${hex(r.ds, 4)}  es ${hex(r.es, 4)}  fs ${hex(r.fs, 4)}  gs ${hex(r.gs, 4)}`,
      "memory map (present pages; flags P present, W writable, U user, A accessed, D dirty):",
      ...describePages(pages),
    ].join("\n");
  }

  private dump(args: string[]): string {
    const pid = parsePid(args[0]!);
    const address = parseNumber(args[1]!, "address");
    const length = parseNumber(args[2]!, "length");
    if (length < 1 || length > MAX_DUMP_BYTES) {
      throw new MonitorError(`invalid length ${args[2]}; dump 1 to ${MAX_DUMP_BYTES} bytes`);
    }
    if (this.kernel.memoryMap(pid) === null) {
      throw new MonitorError(`no process has pid ${pid}; ps lists them`);
    }
    const bytes = this.kernel.readMemory(pid, address, length);
    if (bytes === null) {
      throw new MonitorError(
        `cannot read ${length} bytes at 0x${address.toString(16)} of pid ${pid}: a page in that range is not mapped; info ${pid} shows the map`,
      );
    }
    return hexDump(address, bytes);
  }

  private checkpoint(args: string[]): string {
    const pid = parsePid(args[0]!);
    const control = this.requireCheckpoints();
    const saved = control.checkpoint(pid, args[1]!);
    if (!saved.ok) {
      throw new MonitorError(
        `checkpoint of pid ${pid} to ${args[1]} failed: ${oneLine(saved.reason)}`,
      );
    }
    return [...saved.warnings, `saved pid ${pid} to ${saved.path} (${saved.bytes} bytes)`].join(
      "\n",
    );
  }

  private restart(path: string): string {
    const control = this.requireCheckpoints();
    const started = control.restart(path);
    if (!started.ok) {
      throw new MonitorError(`restart of ${path} failed: ${oneLine(started.reason)}`);
    }
    return [...started.notes, `restarted ${path} as pid ${started.pid}`].join("\n");
  }

  private requireCheckpoints(): CheckpointControl {
    const control = this.target.checkpointControl;
    if (control === null) {
      throw new MonitorError(
        "checkpoints are not available: the checkpoint extension is not installed",
      );
    }
    return control;
  }
}

/** Joins the lines of a reason with "; ", so that a failure takes one line at the prompt. */
function oneLine(reason: string): string {
  return reason
    .trim()
    .split(/\s*\n\s*/)
    .join("; ");
}

/** A monitor command's user error: its message is printed at the prompt. */
class MonitorError extends Error {}

function parsePid(text: string): number {
  const pid = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  // A pid too large to be exact would be reported rounded, so it is invalid too
  if (!Number.isSafeInteger(pid)) {
    throw new MonitorError(`invalid pid "${text}"; use a number from ps`);
  }
  return pid;
}

function parseNumber(text: string, what: string): number {
  const value = /^0x[0-9a-f]+$/i.test(text)
    ? Number.parseInt(text, 16)
    : /^\d+$/.test(text)
      ? Number(text)
      : Number.NaN;
  if (Number.isNaN(value)) {
    throw new MonitorError(`invalid ${what} "${text}"; use a decimal number or 0x and hex digits`);
  }
  if (!Number.isSafeInteger(value) || value > 0xffffffff) {
    throw new MonitorError(`${what} ${text} does not fit in 32 bits; use 0 to 0xffffffff`);
  }
  return value;
}

/** Formats the flags of a PTE as five letters, "-" for a clear bit. */
export function pteFlags(flags: number): string {
  const letters: [number, string][] = [
    [0x001, "P"],
    [0x002, "W"],
    [0x004, "U"],
    [0x020, "A"],
    [0x040, "D"],
  ];
  return letters.map(([bit, letter]) => ((flags & bit) !== 0 ? letter : "-")).join("");
}

/** Describes present pages as runs of neighbouring pages with the same flags. */
export function describePages(pages: { va: number; flags: number }[]): string[] {
  const lines: string[] = [];
  let i = 0;
  while (i < pages.length) {
    const first = pages[i]!;
    const flags = pteFlags(first.flags);
    let j = i + 1;
    while (
      j < pages.length &&
      pages[j]!.va === pages[j - 1]!.va + PAGE_SIZE &&
      pteFlags(pages[j]!.flags) === flags
    ) {
      j++;
    }
    const end = pages[j - 1]!.va + PAGE_SIZE - 1;
    const count = j - i;
    const guard = (first.flags & 0x004) === 0 ? "  (no user access: the stack guard page)" : "";
    lines.push(
      `  0x${first.va.toString(16).padStart(8, "0")}-0x${end.toString(16).padStart(8, "0")}  ${String(count).padStart(5)} page${count === 1 ? " " : "s"}  ${flags}${guard}`,
    );
    i = j;
  }
  return lines;
}

/** Formats bytes as lines of 16: address, hex bytes, and the printable characters. */
export function hexDump(address: number, bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = [...row].map((byte) => byte.toString(16).padStart(2, "0")).join(" ");
    const text = [...row]
      .map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : "."))
      .join("");
    lines.push(
      `${((address + offset) >>> 0).toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  |${text}|`,
    );
  }
  return lines.join("\n");
}

/** The event a key causes at the monitor prompt. */
export type EditorEvent = { type: "line"; line: string } | { type: "close" } | { type: "quit" };

const PROMPT = "(xv6ts) ";

/**
 * The monitor's prompt line, edited in raw mode as a cooked terminal would: printable keys are
 * echoed, backspace or DEL erases a character, ctrl-U the line, ctrl-W a word, ctrl-C drops the
 * line, Enter submits it. ctrl-D on an empty line or ctrl-A c closes the monitor, ctrl-A x
 * quits. Escape sequences (arrow keys) are ignored.
 */
export class LineEditor {
  private line = "";
  private afterCtrlA = false;
  /** 0: normal; 1: after ESC; 2: inside a CSI or SS3 sequence. */
  private escapeState = 0;

  constructor(private readonly write: (text: string) => void) {}

  /** Prints the prompt. */
  prompt(): void {
    this.write(PROMPT);
  }

  /** Handles one typed byte. */
  key(byte: number): EditorEvent | null {
    if (this.escapeState !== 0) return this.skipEscape(byte);
    if (this.afterCtrlA) {
      this.afterCtrlA = false;
      if (byte === 0x63 || byte === 0x43) return { type: "close" };
      if (byte === 0x78 || byte === 0x58) return { type: "quit" };
      return null;
    }
    switch (byte) {
      case 0x01:
        this.afterCtrlA = true;
        return null;
      case 0x0d:
      case 0x0a:
        return this.submit();
      case 0x08:
      case 0x7f:
        this.erase(1);
        return null;
      case 0x15:
        this.erase(this.line.length);
        return null;
      case 0x17:
        this.erase(this.line.length - this.line.replace(/\S+\s*$/, "").length);
        return null;
      case 0x03:
        this.line = "";
        this.write("^C\n");
        this.prompt();
        return null;
      case 0x04:
        return this.line === "" ? { type: "close" } : null;
      case 0x1b:
        this.escapeState = 1;
        return null;
    }
    if (byte >= 0x20 && byte < 0x7f) {
      this.line += String.fromCharCode(byte);
      this.write(String.fromCharCode(byte));
    }
    return null;
  }

  private submit(): EditorEvent {
    const line = this.line;
    this.line = "";
    this.write("\n");
    return { type: "line", line };
  }

  private erase(count: number): void {
    const n = Math.min(count, this.line.length);
    if (n === 0) return;
    this.line = this.line.slice(0, this.line.length - n);
    this.write("\b \b".repeat(n));
  }

  private skipEscape(byte: number): null {
    if (this.escapeState === 1) {
      this.escapeState = byte === 0x5b || byte === 0x4f ? 2 : 0;
    } else if (byte >= 0x40 && byte <= 0x7e) {
      this.escapeState = 0;
    }
    return null;
  }
}
