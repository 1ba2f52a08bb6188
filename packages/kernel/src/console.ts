/**
 * The console device (major 1) and its line discipline, as the xv6 console behaves.
 *
 * Typed bytes go into a 128-byte ring buffer with three counters that only grow (positions are
 * taken modulo the buffer size):
 *
 *     read            committed        edit
 *      |                  |              |
 *   ...[ ready for readers ][ line being typed ]...
 *
 * A byte is echoed when it is accepted. The committed counter jumps to the edit counter when a
 * newline or ctrl-D arrives or the buffer fills, and only then can a reader see the line. Editing
 * (backspace, DEL, ctrl-U) never goes back past the committed counter. ctrl-P lists the processes
 * and is not stored. A read returns at most one line, and a ctrl-D after some bytes is left for
 * the next read, which then returns 0 (end of file).
 *
 * The console does not block: `read` takes what is ready, and the kernel parks a reader that
 * finds nothing ready until `input` commits a line.
 */
import { INPUT_BUF } from "./param.js";

const CTRL_D = 0x04;
const CTRL_H = 0x08;
const CTRL_P = 0x10;
const CTRL_U = 0x15;
const DEL = 0x7f;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** What erasing one character echoes: backspace, space, backspace. */
const ERASE_ECHO = [0x08, 0x20, 0x08];

/** Receives the bytes the console prints, in order. */
export type ConsoleSink = (bytes: Uint8Array) => void;

export class Console {
  private readonly buffer = new Uint8Array(INPUT_BUF);
  private readIndex = 0;
  private committedIndex = 0;
  private editIndex = 0;

  /**
   * `sink` receives every byte printed; `listProcesses` returns the ctrl-P listing (one line per
   * process, each ending in a newline).
   */
  constructor(
    private readonly sink: ConsoleSink,
    private readonly listProcesses: () => string,
  ) {}

  /** Writes bytes to the console output unchanged. */
  write(bytes: Uint8Array): void {
    if (bytes.length > 0) this.sink(bytes);
  }

  /** Writes a latin1 string (one byte per char) to the console output. */
  print(text: string): void {
    this.write(Buffer.from(text, "latin1"));
  }

  /** True when a reader would get bytes (or end of file) now. */
  hasReadyInput(): boolean {
    return this.readIndex !== this.committedIndex;
  }

  /**
   * Applies the line discipline to typed bytes, echoing what it accepts. Returns true when a line
   * was committed, so the kernel wakes the readers.
   */
  input(bytes: Uint8Array): boolean {
    const echo: number[] = [];
    let committed = false;
    let listRequested = false;
    for (const byte of bytes) {
      if (byte === CTRL_P) listRequested = true;
      else if (byte === CTRL_U) this.eraseLine(echo);
      else if (byte === CTRL_H || byte === DEL) this.eraseCharacter(echo);
      else if (this.accept(byte, echo)) committed = true;
    }
    if (echo.length > 0) this.sink(Uint8Array.from(echo));
    if (listRequested) this.print(this.listProcesses());
    return committed;
  }

  /**
   * Returns the bytes a read of at most `max` bytes gets now without taking them: at most one
   * line, stopping before a ctrl-D that follows other bytes. An empty result with ready input is
   * end of file. Call `consume` with the number of buffer positions to take them.
   */
  peek(max: number): { bytes: Uint8Array; consumed: number } {
    const bytes: number[] = [];
    let position = this.readIndex;
    while (bytes.length < max && position !== this.committedIndex) {
      const byte = this.buffer[position % INPUT_BUF]!;
      if (byte === CTRL_D) {
        if (bytes.length === 0) position++;
        break;
      }
      bytes.push(byte);
      position++;
      if (byte === NEWLINE) break;
    }
    return { bytes: Uint8Array.from(bytes), consumed: position - this.readIndex };
  }

  /** Takes `count` positions that `peek` returned. */
  consume(count: number): void {
    this.readIndex += count;
  }

  private accept(byte: number, echo: number[]): boolean {
    if (byte === 0 || this.editIndex - this.readIndex >= INPUT_BUF) return false;
    const stored = byte === CARRIAGE_RETURN ? NEWLINE : byte;
    this.buffer[this.editIndex % INPUT_BUF] = stored;
    this.editIndex++;
    echo.push(stored);
    const full = this.editIndex === this.readIndex + INPUT_BUF;
    if (stored !== NEWLINE && stored !== CTRL_D && !full) return false;
    this.committedIndex = this.editIndex;
    return true;
  }

  private eraseCharacter(echo: number[]): void {
    if (this.editIndex === this.committedIndex) return;
    this.editIndex--;
    echo.push(...ERASE_ECHO);
  }

  private eraseLine(echo: number[]): void {
    while (
      this.editIndex !== this.committedIndex &&
      this.buffer[(this.editIndex - 1) % INPUT_BUF] !== NEWLINE
    ) {
      this.editIndex--;
      echo.push(...ERASE_ECHO);
    }
  }
}
