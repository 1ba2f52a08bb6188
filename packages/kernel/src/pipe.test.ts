import { describe, expect, it } from "vitest";
import { PIPESIZE } from "./param.js";
import { Pipe } from "./pipe.js";

describe("Pipe", () => {
  it("moves bytes in order across the ring boundary", () => {
    const pipe = new Pipe();
    const first = new Uint8Array(400).map((_, i) => i & 0xff);
    expect(pipe.write(first)).toBe(400);
    pipe.consume(pipe.peek(300).length);
    const second = new Uint8Array(400).map((_, i) => (i * 7) & 0xff);
    expect(pipe.write(second)).toBe(400);
    expect(pipe.buffered).toBe(500);
    const out = pipe.peek(1000);
    expect(Array.from(out.subarray(0, 100))).toEqual(Array.from(first.subarray(300)));
    expect(Array.from(out.subarray(100))).toEqual(Array.from(second));
  });

  it("accepts only what fits when nearly full", () => {
    const pipe = new Pipe();
    expect(pipe.write(new Uint8Array(PIPESIZE - 10))).toBe(PIPESIZE - 10);
    expect(pipe.write(new Uint8Array(50))).toBe(10);
    expect(pipe.room).toBe(0);
    expect(pipe.write(new Uint8Array(1))).toBe(0);
  });

  it("keeps bytes that were peeked but not consumed", () => {
    const pipe = new Pipe();
    pipe.write(Uint8Array.of(1, 2, 3));
    expect(Array.from(pipe.peek(2))).toEqual([1, 2]);
    expect(pipe.buffered).toBe(3);
    pipe.consume(2);
    expect(Array.from(pipe.peek(5))).toEqual([3]);
  });

  it("reports fully closed only after both ends close", () => {
    const pipe = new Pipe();
    expect(pipe.close("write")).toBe(false);
    expect(pipe.writeOpen).toBe(false);
    expect(pipe.close("read")).toBe(true);
  });
});
