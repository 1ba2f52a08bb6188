import { describe, expect, test } from "vitest";
import { KERNBASE, Mmu, PGSIZE, PTE_D, PTE_P, PTE_U, PTE_W, pdx } from "./index.ts";

const MiB = 1024 * 1024;
const READ = 0;
const WRITE = 2;

function errorCode(result: number): number {
  return -1 - result;
}

function wordAt(mmu: Mmu, pa: number): number {
  return new Uint32Array(mmu.memory)[pa >>> 2];
}

function pteAt(mmu: Mmu, pgdir: number, va: number): number {
  return wordAt(mmu, mmu.walkPgdir(pgdir, va, false));
}

function pdeAt(mmu: Mmu, pgdir: number, va: number): number {
  return wordAt(mmu, pgdir + pdx(va) * 4);
}

/** Returns a directory loaded in a fresh Mmu. */
function loadedSpace(memorySize = 8 * MiB, debug = false): { mmu: Mmu; pgdir: number } {
  const mmu = new Mmu({ memorySize, debug });
  const pgdir = mmu.setupKvm();
  mmu.switchUvm(pgdir);
  return { mmu, pgdir };
}

/** Allocates frames until exactly `left` are free; returns the frames taken. */
function leaveFree(mmu: Mmu, left: number): number[] {
  const taken: number[] = [];
  while (mmu.frames.freeCount > left) {
    taken.push(mmu.frames.kalloc());
  }
  return taken;
}

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) {
    bytes[index] = (index * 7 + seed) & 0xff;
  }
  return bytes;
}

function readBack(mmu: Mmu, pgdir: number, va: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  expect(mmu.copyIn(pgdir, va, bytes, 0)).toBe(true);
  return bytes;
}

describe("Mmu.allocUvm", () => {
  test("maps zeroed user writable pages", () => {
    const { mmu, pgdir } = loadedSpace();
    const stale = mmu.frames.kalloc();
    new Uint8Array(mmu.memory).fill(0xee, stale, stale + PGSIZE);
    mmu.frames.kfree(stale);
    const usedBefore = mmu.frames.usedCount;

    expect(mmu.allocUvm(pgdir, 0, 3 * PGSIZE + 1)).toBe(3 * PGSIZE + 1);

    expect(mmu.frames.usedCount).toBe(usedBefore + 5);
    for (let va = 0; va < 4 * PGSIZE; va += PGSIZE) {
      const pte = pteAt(mmu, pgdir, va);
      expect(pte & 0xfff).toBe(PTE_P | PTE_W | PTE_U);
      expect(readBack(mmu, pgdir, va, PGSIZE).every((byte) => byte === 0)).toBe(true);
    }
    expect(errorCode(mmu.translate(4 * PGSIZE, READ, 3))).toBe(4);
  });

  test("starts at the page after a partial one", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, 100);
    const usedBefore = mmu.frames.usedCount;

    expect(mmu.allocUvm(pgdir, 100, 5000)).toBe(5000);

    expect(mmu.frames.usedCount).toBe(usedBefore + 1);
    expect(mmu.translate(PGSIZE, WRITE, 3)).toBeGreaterThan(0);
    expect(mmu.translate(2 * PGSIZE, READ, 3)).toBeLessThan(0);
  });

  test("returns oldsz when newsz is smaller", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, 2 * PGSIZE);
    const usedBefore = mmu.frames.usedCount;

    expect(mmu.allocUvm(pgdir, 2 * PGSIZE, PGSIZE)).toBe(2 * PGSIZE);
    expect(mmu.frames.usedCount).toBe(usedBefore);
  });

  test.each([KERNBASE, KERNBASE + PGSIZE, 2 ** 32])("returns 0 for newsz %d", (newsz) => {
    const { mmu, pgdir } = loadedSpace();
    const usedBefore = mmu.frames.usedCount;

    expect(mmu.allocUvm(pgdir, 0, newsz)).toBe(0);
    expect(mmu.frames.usedCount).toBe(usedBefore);
  });

  test("throws a RangeError on an invalid size", () => {
    const { mmu, pgdir } = loadedSpace();

    expect(() => mmu.allocUvm(pgdir, -1, PGSIZE)).toThrow(
      new RangeError("allocUvm: oldsz -1 is not an integer in [0, 2147483648] (0 to KERNBASE)"),
    );
    expect(() => mmu.allocUvm(pgdir, 0, 1.5)).toThrow(
      new RangeError("allocUvm: newsz 1.5 is not a non-negative integer"),
    );
  });

  // Growing [0x3fe000, 0x402000) takes 2 pages in table 0, a new table 1 and 2 pages in it.
  test.each([0, 1, 2, 3, 4])("returns every frame when out with %i free", (left) => {
    const { mmu, pgdir } = loadedSpace();
    expect(mmu.allocUvm(pgdir, 0, 0x3fe000)).toBe(0x3fe000);
    const held = leaveFree(mmu, left);

    expect(mmu.allocUvm(pgdir, 0x3fe000, 0x402000)).toBe(0);

    expect(mmu.frames.freeCount).toBe(left);
    expect(errorCode(mmu.translate(0x3fe000, READ, 3))).toBe(4);
    expect(errorCode(mmu.translate(0x3ff000, READ, 3))).toBe(4);
    expect(pdeAt(mmu, pgdir, 0x400000)).toBe(0);
    expect(mmu.translate(0x3fd000, READ, 3)).toBeGreaterThan(0);
    expect(mmu.checkRefCounts([pgdir], held)).toEqual([]);
  });

  test("succeeds with exactly enough frames", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, 0x3fe000);
    leaveFree(mmu, 5);

    expect(mmu.allocUvm(pgdir, 0x3fe000, 0x402000)).toBe(0x402000);
    expect(mmu.frames.freeCount).toBe(0);
  });
});

describe("Mmu.deallocUvm", () => {
  test("frees pages above the new size and emptied tables", () => {
    const { mmu, pgdir } = loadedSpace();
    const usedBefore = mmu.frames.usedCount;
    mmu.allocUvm(pgdir, 0, 0x402000);
    mmu.translate(0x401000, WRITE, 3);

    expect(mmu.deallocUvm(pgdir, 0x402000, 0x3ff001)).toBe(0x3ff001);

    // The directory, table 0 and pages 0 .. 0x3ff000 stay.
    expect(mmu.frames.usedCount).toBe(usedBefore + 1 + 0x400);
    expect(pdeAt(mmu, pgdir, 0x400000)).toBe(0);
    expect(errorCode(mmu.translate(0x401000, WRITE, 3))).toBe(6);
    expect(errorCode(mmu.translate(0x400000, READ, 3))).toBe(4);
    expect(mmu.translate(0x3ff000, READ, 3)).toBeGreaterThan(0);
  });

  test("to zero frees every user frame", () => {
    const { mmu, pgdir } = loadedSpace();
    const usedBefore = mmu.frames.usedCount;
    mmu.allocUvm(pgdir, 0, 5 * MiB);

    expect(mmu.deallocUvm(pgdir, 5 * MiB, 0)).toBe(0);

    expect(mmu.frames.usedCount).toBe(usedBefore);
  });

  test("returns oldsz when newsz is not smaller", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, PGSIZE);
    const usedBefore = mmu.frames.usedCount;

    expect(mmu.deallocUvm(pgdir, PGSIZE, PGSIZE)).toBe(PGSIZE);
    expect(mmu.deallocUvm(pgdir, PGSIZE, 2 * PGSIZE)).toBe(PGSIZE);
    expect(mmu.frames.usedCount).toBe(usedBefore);
  });

  test("skips absent pages", () => {
    const { mmu, pgdir } = loadedSpace();
    const usedBefore = mmu.frames.usedCount;
    mmu.allocUvm(pgdir, 0, 3 * PGSIZE);
    mmu.unmapPages(pgdir, PGSIZE, PGSIZE, true);

    expect(mmu.deallocUvm(pgdir, 3 * PGSIZE, 0)).toBe(0);
    expect(mmu.frames.usedCount).toBe(usedBefore);
  });
});

/** Returns a parent of four pages: 0 and 1 patterned, 2 the guard, 3 absent. */
function forkableSpace(): { mmu: Mmu; pgdir: number; sz: number } {
  const { mmu, pgdir } = loadedSpace();
  const sz = 4 * PGSIZE;
  mmu.allocUvm(pgdir, 0, sz);
  mmu.copyOut(pgdir, 0, pattern(2 * PGSIZE, 1));
  mmu.clearPteU(pgdir, 2 * PGSIZE);
  mmu.unmapPages(pgdir, 3 * PGSIZE, PGSIZE, true);
  return { mmu, pgdir, sz };
}

describe("Mmu.copyUvm", () => {
  test("copies bytes and flags into new frames", () => {
    const { mmu, pgdir, sz } = forkableSpace();
    const usedBefore = mmu.frames.usedCount;

    const child = mmu.copyUvm(pgdir, sz);

    expect(child).toBeGreaterThan(0);
    // A directory, one table and three pages.
    expect(mmu.frames.usedCount).toBe(usedBefore + 5);
    const parentFrames = new Set([0, 1, 2].map((page) => pteAt(mmu, pgdir, page * PGSIZE) >>> 12));
    for (const page of [0, 1, 2]) {
      const va = page * PGSIZE;
      const childPte = pteAt(mmu, child, va);
      expect(childPte & 0xfff).toBe(pteAt(mmu, pgdir, va) & 0xfff);
      expect(parentFrames.has(childPte >>> 12)).toBe(false);
      expect(mmu.frames.refCount(childPte & ~0xfff)).toBe(1);
      expect(readBack(mmu, child, va, PGSIZE)).toEqual(readBack(mmu, pgdir, va, PGSIZE));
    }
    expect(pteAt(mmu, child, 2 * PGSIZE) & PTE_U).toBe(0);
    expect(pteAt(mmu, child, 3 * PGSIZE)).toBe(0);
    expect(mmu.checkRefCounts([pgdir, child])).toEqual([]);
  });

  test("shares nothing the child can write", () => {
    const { mmu, pgdir, sz } = forkableSpace();
    const child = mmu.copyUvm(pgdir, sz);
    const before = readBack(mmu, pgdir, 0, 3 * PGSIZE);

    expect(mmu.copyOut(child, 0, pattern(3 * PGSIZE, 99), 0)).toBe(true);

    expect(readBack(mmu, pgdir, 0, 3 * PGSIZE)).toEqual(before);
    expect(readBack(mmu, child, 0, 3 * PGSIZE)).toEqual(pattern(3 * PGSIZE, 99));
  });

  test("copies across a table boundary", () => {
    const { mmu, pgdir } = loadedSpace(16 * MiB);
    mmu.allocUvm(pgdir, 0, 0x402000);
    mmu.copyOut(pgdir, 0x3ff000, pattern(2 * PGSIZE, 5));

    const child = mmu.copyUvm(pgdir, 0x402000);

    expect(readBack(mmu, child, 0x3ff000, 2 * PGSIZE)).toEqual(pattern(2 * PGSIZE, 5));
    expect(mmu.checkRefCounts([pgdir, child])).toEqual([]);
  });

  test("reports every new frame through onWrite", () => {
    const written: number[] = [];
    const mmu = new Mmu({ memorySize: 4 * MiB, onWrite: (page) => written.push(page) });
    const pgdir = mmu.setupKvm();
    mmu.allocUvm(pgdir, 0, 2 * PGSIZE);
    written.length = 0;

    const child = mmu.copyUvm(pgdir, 2 * PGSIZE);

    const childPages = [0, PGSIZE].map((va) => pteAt(mmu, child, va) >>> 12);
    const childTable = pdeAt(mmu, child, 0) >>> 12;
    expect(written.sort()).toEqual([child >>> 12, childTable, ...childPages].sort());
  });

  // The copy takes 5 frames: directory, table, then one per present page.
  test.each([0, 1, 2, 3, 4])("returns -1 without a leak when out with %i free", (left) => {
    const { mmu, pgdir, sz } = forkableSpace();
    const held = leaveFree(mmu, left);

    expect(mmu.copyUvm(pgdir, sz)).toBe(-1);

    expect(mmu.frames.freeCount).toBe(left);
    expect(mmu.checkRefCounts([pgdir], held)).toEqual([]);
  });
});

describe("Mmu.freeVm", () => {
  test("returns the allocator to its starting count", () => {
    const mmu = new Mmu({ memorySize: 16 * MiB, debug: true });
    const start = mmu.frames.freeCount;
    const parent = mmu.setupKvm();
    mmu.allocUvm(parent, 0, 5 * MiB);
    mmu.clearPteU(parent, 5 * MiB - PGSIZE);
    const child = mmu.copyUvm(parent, 5 * MiB);
    const other = mmu.setupKvm();

    mmu.freeVm(parent);
    mmu.freeVm(child);
    mmu.freeVm(other);

    expect(mmu.frames.freeCount).toBe(start);
  });

  test("keeps a shared frame for the other mapping", () => {
    const { mmu, pgdir } = loadedSpace();
    const other = mmu.setupKvm();
    const frame = mmu.frames.kalloc();
    mmu.mapPages(pgdir, 0, PGSIZE, frame, PTE_W | PTE_U);
    mmu.frames.incRef(frame);
    mmu.mapPages(other, 0, PGSIZE, frame, PTE_W | PTE_U);

    mmu.freeVm(other);

    expect(mmu.frames.refCount(frame)).toBe(1);
    expect(mmu.translate(0x10, READ, 3)).toBe(frame + 0x10);
    expect(mmu.checkRefCounts([pgdir])).toEqual([]);
  });

  test("panics on the loaded directory", () => {
    const { mmu, pgdir } = loadedSpace();

    expect(() => mmu.freeVm(pgdir)).toThrow(/^freeVm: pgdir 0x[0-9a-f]+ is the loaded directory/);
    expect(mmu.frames.refCount(pgdir)).toBe(1);
  });

  test("panics on a freed directory in debug mode", () => {
    const { mmu } = loadedSpace(8 * MiB, true);
    const pgdir = mmu.setupKvm();
    mmu.freeVm(pgdir);

    expect(() => mmu.freeVm(pgdir)).toThrow(/^freeVm: pgdir 0x[0-9a-f]+ is a free frame$/);
  });

  test("panics on a changed kernel entry in debug mode", () => {
    const { mmu } = loadedSpace(8 * MiB, true);
    const pgdir = mmu.setupKvm();
    new Uint32Array(mmu.memory)[(pgdir >>> 2) + 600] = 0x5000 | PTE_P;

    expect(() => mmu.freeVm(pgdir)).toThrow(/^freeVm: kernel entry 600 of pgdir .* is 0x5001/);
  });
});

describe("Mmu.clearPteU", () => {
  test("makes a guard page only the kernel can use", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, 2 * PGSIZE);
    const frame = mmu.uva2ka(pgdir, 0);

    mmu.clearPteU(pgdir, 0x10);

    expect(pteAt(mmu, pgdir, 0) & 0xfff).toBe(PTE_P | PTE_W);
    expect(errorCode(mmu.translate(0, READ, 3))).toBe(5);
    expect(errorCode(mmu.translate(0xfff, WRITE, 3))).toBe(7);
    expect(mmu.translate(0x10, WRITE, 0)).toBe(frame + 0x10);
    expect(mmu.uva2ka(pgdir, 0)).toBe(-1);
    expect(mmu.copyOut(pgdir, 0, new Uint8Array([1]), 3)).toBe(false);
    expect(mmu.copyOut(pgdir, 0, new Uint8Array([1]), 0)).toBe(true);
    expect(mmu.translate(PGSIZE, WRITE, 3)).toBeGreaterThan(0);
  });

  test("panics on an unmapped page", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, PGSIZE);

    expect(() => mmu.clearPteU(pgdir, PGSIZE)).toThrow(
      /^clearPteU: va 4096 \(0x1000\) is not mapped$/,
    );
    expect(() => mmu.clearPteU(pgdir, 0x400000)).toThrow(
      /^clearPteU: va 4194304 \(0x400000\) is not mapped$/,
    );
    expect(() => mmu.clearPteU(pgdir, KERNBASE)).toThrow(
      new RangeError("clearPteU: va 2147483648 is not an integer in [0, 2147483648)"),
    );
  });
});

describe("Mmu.uva2ka", () => {
  test("returns the frame of a user page", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, 2 * PGSIZE);
    const pte = pteAt(mmu, pgdir, PGSIZE);

    expect(mmu.uva2ka(pgdir, PGSIZE + 0x123)).toBe(pte & ~0xfff);
  });

  test.each([2 * PGSIZE, 0x400000, KERNBASE, KERNBASE + PGSIZE, -PGSIZE])(
    "returns -1 for %d",
    (va) => {
      const { mmu, pgdir } = loadedSpace();
      mmu.allocUvm(pgdir, 0, 2 * PGSIZE);

      expect(mmu.uva2ka(pgdir, va)).toBe(-1);
    },
  );
});

describe("Mmu.loadUvm", () => {
  test("copies segment bytes across pages", () => {
    const written: number[] = [];
    const mmu = new Mmu({ memorySize: 4 * MiB, onWrite: (page) => written.push(page) });
    const pgdir = mmu.setupKvm();
    mmu.allocUvm(pgdir, 0, 3 * PGSIZE);
    written.length = 0;
    const data = pattern(5000, 3);

    expect(mmu.loadUvm(pgdir, PGSIZE, data)).toBe(true);

    expect(readBack(mmu, pgdir, PGSIZE, 5000)).toEqual(data);
    expect(readBack(mmu, pgdir, PGSIZE + 5000, 10)).toEqual(new Uint8Array(10));
    expect(written).toEqual([
      mmu.uva2ka(pgdir, PGSIZE) >>> 12,
      mmu.uva2ka(pgdir, 2 * PGSIZE) >>> 12,
    ]);
    expect(pteAt(mmu, pgdir, 2 * PGSIZE) & PTE_D).toBe(PTE_D);
  });

  test("returns false and writes nothing past the mapping", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, 2 * PGSIZE);

    expect(mmu.loadUvm(pgdir, PGSIZE, pattern(PGSIZE + 1, 3))).toBe(false);

    expect(readBack(mmu, pgdir, PGSIZE, PGSIZE)).toEqual(new Uint8Array(PGSIZE));
    expect(pteAt(mmu, pgdir, PGSIZE) & PTE_D).toBe(0);
  });

  test("panics on an unaligned va", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, 2 * PGSIZE);

    expect(() => mmu.loadUvm(pgdir, 0x10, new Uint8Array(4))).toThrow(
      new RangeError("loadUvm: va 16 is not a page-aligned integer address"),
    );
  });
});
