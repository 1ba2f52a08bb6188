/**
 * Pipes: a 512-byte ring buffer between a read end and a write end.
 *
 * The counters `readCount` and `writeCount` only grow; the bytes buffered are their difference and
 * the byte at counter c sits at c % PIPESIZE. A pipe never blocks by itself: `read` and `write`
 * move what they can and report how much, and the kernel parks the caller on the pipe's channel
 * (`readers` or `writers`) when nothing could move. The pipe is freed when both ends are closed.
 */
import { PIPESIZE } from "./param.js";

export class Pipe {
  private readonly buffer = new Uint8Array(PIPESIZE);
  private readCount = 0;
  private writeCount = 0;
  readOpen = true;
  writeOpen = true;
  /** Sleep channels: readers wait for bytes or the write end's close, writers for room. */
  readonly readers: object = { end: "read" };
  readonly writers: object = { end: "write" };

  /** Bytes waiting to be read. */
  get buffered(): number {
    return this.writeCount - this.readCount;
  }

  /** Bytes that fit before the buffer is full. */
  get room(): number {
    return PIPESIZE - this.buffered;
  }

  /** Appends as many bytes of `src` as fit and returns how many. */
  write(src: Uint8Array): number {
    const count = Math.min(src.length, this.room);
    for (let i = 0; i < count; i++) {
      this.buffer[this.writeCount % PIPESIZE] = src[i]!;
      this.writeCount++;
    }
    return count;
  }

  /** Returns up to `max` buffered bytes without taking them; `consume` takes them. */
  peek(max: number): Uint8Array {
    const count = Math.min(max, this.buffered);
    const bytes = new Uint8Array(count);
    for (let i = 0; i < count; i++) bytes[i] = this.buffer[(this.readCount + i) % PIPESIZE]!;
    return bytes;
  }

  /** Takes `count` bytes that `peek` returned. */
  consume(count: number): void {
    this.readCount += count;
  }

  /** Closes one end; returns true when both ends are now closed. */
  close(end: "read" | "write"): boolean {
    if (end === "read") this.readOpen = false;
    else this.writeOpen = false;
    return !this.readOpen && !this.writeOpen;
  }
}
