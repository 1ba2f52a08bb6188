import { describe, expect, test } from "vitest";
import { FrameAllocator, MmuPanic, PGSIZE } from "./index.ts";

const FRAMES = 16;

function filledMemory(byte: number): ArrayBuffer {
  const memory = new ArrayBuffer(FRAMES * PGSIZE);
  new Uint8Array(memory).fill(byte);
  return memory;
}

describe("FrameAllocator counts", () => {
  test("reserves frame 0 at the start", () => {
    const frames = new FrameAllocator(new ArrayBuffer(FRAMES * PGSIZE));

    expect(frames.totalCount).toBe(FRAMES);
    expect(frames.freeCount).toBe(FRAMES - 1);
    expect(frames.usedCount).toBe(1);
    expect(frames.refCount(0)).toBe(1);
    expect(frames.isPinned(0)).toBe(true);
  });

  test("rejects memory that is not whole frames", () => {
    expect(() => new FrameAllocator(new ArrayBuffer(PGSIZE + 1))).toThrow(RangeError);
    expect(() => new FrameAllocator(new ArrayBuffer(PGSIZE))).toThrow(RangeError);
  });
});

describe("FrameAllocator.kalloc", () => {
  test("hands out the lowest frame first, zeroed", () => {
    const memory = filledMemory(0xab);
    const frames = new FrameAllocator(memory);
    const bytes = new Uint8Array(memory);

    const pa = frames.kalloc();

    expect(pa).toBe(0x1000);
    expect(bytes.subarray(pa, pa + PGSIZE).every((byte) => byte === 0)).toBe(true);
    expect(bytes[pa + PGSIZE]).toBe(0xab);
    expect(bytes[pa - 1]).toBe(0xab);
    expect(frames.refCount(pa)).toBe(1);
    expect(frames.freeCount).toBe(FRAMES - 2);
    expect(frames.usedCount).toBe(2);
  });

  test("returns -1 when out, and recovers after kfree", () => {
    const frames = new FrameAllocator(new ArrayBuffer(FRAMES * PGSIZE));
    const taken: number[] = [];
    for (let index = 0; index < FRAMES - 1; index++) {
      taken.push(frames.kalloc());
    }

    expect(new Set(taken).size).toBe(FRAMES - 1);
    expect(taken).not.toContain(0);
    expect(frames.kalloc()).toBe(-1);
    expect(frames.kallocUnzeroed()).toBe(-1);
    expect(frames.freeCount).toBe(0);

    for (const pa of taken) {
      frames.kfree(pa);
    }
    expect(frames.freeCount).toBe(FRAMES - 1);
  });

  test("hands out the last freed frame next", () => {
    const frames = new FrameAllocator(new ArrayBuffer(FRAMES * PGSIZE));
    const first = frames.kalloc();
    const second = frames.kalloc();

    frames.kfree(first);

    expect(frames.kalloc()).toBe(first);
    expect(frames.kalloc()).toBe(second + PGSIZE);
  });

  test("reports the zeroed page through onWrite", () => {
    const written: number[] = [];
    const frames = new FrameAllocator(new ArrayBuffer(FRAMES * PGSIZE), {
      onWrite: (page) => written.push(page),
    });

    const pa = frames.kalloc();
    frames.kallocUnzeroed();

    expect(written).toEqual([pa >>> 12]);
  });

  test("kallocUnzeroed keeps the old bytes", () => {
    const memory = filledMemory(0xab);
    const frames = new FrameAllocator(memory);

    const pa = frames.kallocUnzeroed();

    expect(new Uint8Array(memory)[pa + 100]).toBe(0xab);
    expect(frames.refCount(pa)).toBe(1);
  });
});

describe("FrameAllocator reference counts", () => {
  test("kfree frees only at the last reference", () => {
    const frames = new FrameAllocator(new ArrayBuffer(FRAMES * PGSIZE));
    const pa = frames.kalloc();
    frames.incRef(pa);
    frames.incRef(pa);

    expect(frames.refCount(pa)).toBe(3);
    frames.kfree(pa);
    frames.kfree(pa);
    expect(frames.refCount(pa)).toBe(1);
    expect(frames.freeCount).toBe(FRAMES - 2);

    frames.kfree(pa);
    expect(frames.refCount(pa)).toBe(0);
    expect(frames.freeCount).toBe(FRAMES - 1);
  });
});

describe("FrameAllocator panics", () => {
  // Each case starts with frame 0x1000 allocated and every other frame but 0 free.
  const cases: [string, (frames: FrameAllocator) => void, RegExp][] = [
    ["kfree of a free frame", (f) => f.kfree(0x2000), /^kfree: frame 0x2000 is not allocated$/],
    ["kfree of frame 0", (f) => f.kfree(0), /^kfree: frame 0x0 is reserved/],
    ["incRef of a free frame", (f) => f.incRef(0x3000), /^incRef: frame 0x3000 is not allocated$/],
    ["incRef of frame 0", (f) => f.incRef(0), /^incRef: frame 0x0 is reserved/],
  ];

  test.each(cases)("%s panics and changes nothing", (_name, act, message) => {
    const frames = new FrameAllocator(new ArrayBuffer(FRAMES * PGSIZE));
    const pa = frames.kalloc();

    let thrown: unknown;
    try {
      act(frames);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(MmuPanic);
    expect((thrown as Error).message).toMatch(message);
    expect(frames.freeCount).toBe(FRAMES - 2);
    expect(frames.refCount(pa)).toBe(1);
    expect(frames.refCount(0x2000)).toBe(0);
    expect(frames.kalloc()).toBe(0x2000);
  });

  test("kfree of a pinned frame panics", () => {
    const frames = new FrameAllocator(new ArrayBuffer(FRAMES * PGSIZE));
    const pa = frames.kalloc();
    frames.pin(pa);

    expect(() => frames.kfree(pa)).toThrow(
      /^kfree: frame 0x1000 is reserved or a kernel page table$/,
    );
    expect(frames.refCount(pa)).toBe(1);
  });
});

describe("FrameAllocator debug mode", () => {
  test("poisons a freed frame with 0x01", () => {
    const memory = new ArrayBuffer(FRAMES * PGSIZE);
    const frames = new FrameAllocator(memory, { debug: true });
    const bytes = new Uint8Array(memory);
    const pa = frames.kalloc();
    bytes.fill(0x77, pa, pa + PGSIZE);

    frames.kfree(pa);

    expect(bytes.subarray(pa, pa + PGSIZE).every((byte) => byte === 0x01)).toBe(true);
  });

  test("leaves a freed frame alone without debug", () => {
    const memory = new ArrayBuffer(FRAMES * PGSIZE);
    const frames = new FrameAllocator(memory);
    const bytes = new Uint8Array(memory);
    const pa = frames.kalloc();
    bytes.fill(0x77, pa, pa + PGSIZE);

    frames.kfree(pa);

    expect(bytes[pa]).toBe(0x77);
  });

  test("kalloc panics on a write after kfree", () => {
    const memory = new ArrayBuffer(FRAMES * PGSIZE);
    const frames = new FrameAllocator(memory, { debug: true });
    const pa = frames.kalloc();
    frames.kfree(pa);
    new Uint8Array(memory)[pa + 10] = 0;

    expect(() => frames.kalloc()).toThrow(
      /^kalloc: freed frame 0x1000 was written after kfree \(at 0x1008\)$/,
    );
  });

  test("kalloc accepts frames never allocated", () => {
    const frames = new FrameAllocator(new ArrayBuffer(FRAMES * PGSIZE), { debug: true });

    for (let index = 0; index < FRAMES - 1; index++) {
      expect(frames.kalloc()).toBeGreaterThan(0);
    }
  });
});
