import { describe, expect, test } from "vitest";
import {
  DEVSPACE,
  KERNBASE,
  Mmu,
  PGSIZE,
  PTE_A,
  PTE_D,
  PTE_P,
  PTE_PS,
  PTE_U,
  PTE_W,
  pdx,
} from "./index.ts";

const MiB = 1024 * 1024;
const READ = 0;
const WRITE = 2;

/** Returns the x86 error code encoded in a faulting translate() result. */
function errorCode(result: number): number {
  return -1 - result;
}

function wordAt(mmu: Mmu, pa: number): number {
  return new Uint32Array(mmu.memory)[pa >>> 2];
}

function setWordAt(mmu: Mmu, pa: number, value: number): void {
  new Uint32Array(mmu.memory)[pa >>> 2] = value;
}

function pdeAddress(pgdir: number, va: number): number {
  return pgdir + pdx(va) * 4;
}

function pteAt(mmu: Mmu, pgdir: number, va: number): number {
  return wordAt(mmu, mmu.walkPgdir(pgdir, va, false));
}

/** Returns a directory loaded in a fresh 8 MiB Mmu. */
function loadedSpace(): { mmu: Mmu; pgdir: number } {
  const mmu = new Mmu({ memorySize: 8 * MiB });
  const pgdir = mmu.setupKvm();
  mmu.switchUvm(pgdir);
  return { mmu, pgdir };
}

describe("Mmu construction", () => {
  test("defaults to 224 MiB with 66 frames used", () => {
    const mmu = new Mmu();

    expect(mmu.memorySize).toBe(224 * MiB);
    expect(mmu.memory.byteLength).toBe(224 * MiB);
    expect(mmu.frames.totalCount).toBe(57344);
    // Frame 0, 56 tables for KERNBASE..KERNBASE+224 MiB, 8 for device space, the kernel
    // directory.
    expect(mmu.frames.usedCount).toBe(66);
    expect(mmu.frames.isPinned(mmu.cr3)).toBe(true);
  });

  test("uses one kernel table per 4 MiB", () => {
    expect(new Mmu({ memorySize: 4 * MiB }).frames.usedCount).toBe(11);
    expect(new Mmu({ memorySize: 8 * MiB }).frames.usedCount).toBe(12);
  });

  test.each([0, 3 * MiB, 6 * MiB, 4 * MiB + 0.5, -4 * MiB, 2048 * MiB])(
    "rejects memorySize %d",
    (memorySize) => {
      expect(() => new Mmu({ memorySize })).toThrow(RangeError);
      expect(() => new Mmu({ memorySize })).toThrow(/use a multiple of 4 MiB/);
    },
  );
});

describe("Mmu.setupKvm", () => {
  test("shares the kernel tables between directories", () => {
    const mmu = new Mmu({ memorySize: 8 * MiB });
    const usedBefore = mmu.frames.usedCount;

    const first = mmu.setupKvm();
    const second = mmu.setupKvm();

    expect(mmu.frames.usedCount).toBe(usedBefore + 2);
    for (const va of [0x80000000, 0x80400000, DEVSPACE, 0xffc00000]) {
      const pde = wordAt(mmu, pdeAddress(first, va));
      expect(pde & 0xfff).toBe(PTE_P | PTE_W);
      expect(wordAt(mmu, pdeAddress(second, va))).toBe(pde);
    }
    expect(wordAt(mmu, pdeAddress(first, 0x80800000))).toBe(0);
    expect(wordAt(mmu, pdeAddress(first, 0))).toBe(0);
  });

  test("returns -1 when frames run out", () => {
    const mmu = new Mmu({ memorySize: 4 * MiB });
    while (mmu.frames.kalloc() >= 0) {}

    expect(mmu.setupKvm()).toBe(-1);
    expect(mmu.frames.freeCount).toBe(0);
  });
});

describe("Mmu.translate faults", () => {
  function faultSpace(): { mmu: Mmu; pgdir: number; frame: number } {
    const { mmu, pgdir } = loadedSpace();
    const frame = mmu.frames.kalloc();
    mmu.mapPages(pgdir, 0x1000, PGSIZE, frame, PTE_W | PTE_U);
    mmu.mapPages(pgdir, 0x2000, PGSIZE, frame, PTE_U);
    mmu.mapPages(pgdir, 0x3000, PGSIZE, frame, PTE_W);
    return { mmu, pgdir, frame };
  }

  // [case, linear address, access, cpl, error code]
  const faults: [string, number, number, number, number][] = [
    ["user read of an absent page", 0x4000, READ, 3, 4],
    ["user write of an absent page", 0x4000, WRITE, 3, 6],
    ["kernel read of an absent page", 0x4000, READ, 0, 0],
    ["kernel write of an absent page", 0x4000, WRITE, 0, 2],
    ["user read of an absent table", 0x400000, READ, 3, 4],
    ["user write of a read-only page", 0x2000, WRITE, 3, 7],
    ["kernel write of a read-only page", 0x2000, WRITE, 0, 3],
    ["user read of a supervisor page", 0x3000, READ, 3, 5],
    ["user write of a supervisor page", 0x3000, WRITE, 3, 7],
    ["user read of KERNBASE", KERNBASE, READ, 3, 5],
    ["user write of KERNBASE", KERNBASE, WRITE, 3, 7],
    ["user read of the last kernel byte", KERNBASE + 8 * MiB - 1, READ, 3, 5],
    ["user read past kernel memory", KERNBASE + 8 * MiB, READ, 3, 4],
    ["user read of device space", DEVSPACE, READ, 3, 5],
    ["user write of the last byte", 0xffffffff, WRITE, 3, 7],
  ];

  test.each(faults)("%s faults", (_name, va, access, cpl, code) => {
    const { mmu } = faultSpace();

    const result = mmu.translate(va, access, cpl);

    expect(result).toBeLessThan(0);
    expect(errorCode(result)).toBe(code);
  });

  // [case, linear address, access, cpl]
  const allowed: [string, number, number, number][] = [
    ["user read of a writable page", 0x1abc, READ, 3],
    ["user write of a writable page", 0x1abc, WRITE, 3],
    ["user read of a read-only page", 0x2abc, READ, 3],
    ["kernel read of a supervisor page", 0x3abc, READ, 0],
    ["kernel write of a supervisor page", 0x3abc, WRITE, 0],
  ];

  test.each(allowed)("%s is allowed", (_name, va, access, cpl) => {
    const { mmu, frame } = faultSpace();

    expect(mmu.translate(va, access, cpl)).toBe(frame + 0xabc);
  });

  test("kernel space maps physical memory at cpl 0", () => {
    const { mmu } = loadedSpace();

    expect(mmu.translate(KERNBASE, WRITE, 0)).toBe(0);
    expect(mmu.translate(KERNBASE + 0x7fffff, READ, 0)).toBe(0x7fffff);
    expect(mmu.translate(DEVSPACE + 0x1234, READ, 0)).toBe(0x234);
  });

  test("the kernel directory is loaded at the start", () => {
    const mmu = new Mmu({ memorySize: 4 * MiB });

    expect(errorCode(mmu.translate(0, READ, 3))).toBe(4);
    expect(errorCode(mmu.translate(0, READ, 0))).toBe(0);
    expect(errorCode(mmu.translate(KERNBASE, READ, 3))).toBe(5);
    expect(mmu.translate(KERNBASE + 0x10, WRITE, 0)).toBe(0x10);
  });

  test("switchKvm unloads the user directory", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, PGSIZE);

    mmu.switchKvm();

    expect(mmu.frames.isPinned(mmu.cr3)).toBe(true);
    expect(errorCode(mmu.translate(0, READ, 3))).toBe(4);
    mmu.freeVm(pgdir);
    expect(mmu.frames.refCount(pgdir)).toBe(0);
  });

  test("switchUvm panics on the kernel directory", () => {
    const mmu = new Mmu({ memorySize: 4 * MiB });

    expect(() => mmu.switchUvm(mmu.cr3)).toThrow(/^switchUvm: pgdir 0x[0-9a-f]+ is a reserved/);
  });

  test("rights are the AND of pde and pte", () => {
    const { mmu, pgdir, frame } = faultSpace();
    const pdeAt = pdeAddress(pgdir, 0x1000);
    const pde = wordAt(mmu, pdeAt);

    setWordAt(mmu, pdeAt, pde & ~PTE_U);
    expect(errorCode(mmu.translate(0x1000, READ, 3))).toBe(5);
    expect(mmu.translate(0x1000, WRITE, 0)).toBe(frame);

    setWordAt(mmu, pdeAt, pde & ~PTE_W);
    expect(mmu.translate(0x1000, READ, 3)).toBe(frame);
    expect(errorCode(mmu.translate(0x1000, WRITE, 3))).toBe(7);
    expect(errorCode(mmu.translate(0x1000, WRITE, 0))).toBe(3);
  });

  test("an entry pointing outside memory faults as not present", () => {
    const { mmu, pgdir } = faultSpace();

    setWordAt(mmu, mmu.walkPgdir(pgdir, 0x1000, false), 0x10000000 | PTE_P | PTE_W | PTE_U);
    setWordAt(mmu, pdeAddress(pgdir, 0x40000000), 0xf0000000 | PTE_P | PTE_W | PTE_U);

    expect(errorCode(mmu.translate(0x1000, WRITE, 3))).toBe(6);
    expect(errorCode(mmu.translate(0x40000000, READ, 3))).toBe(4);
  });
});

describe("Mmu.translate accessed and dirty bits", () => {
  test("a read sets A in pde and pte, not D", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, PGSIZE);

    mmu.translate(0x10, READ, 3);

    expect(wordAt(mmu, pdeAddress(pgdir, 0)) & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(pteAt(mmu, pgdir, 0) & (PTE_A | PTE_D)).toBe(PTE_A);
  });

  test("a write sets D in the pte only", () => {
    const { mmu, pgdir } = loadedSpace();
    mmu.allocUvm(pgdir, 0, PGSIZE);

    mmu.translate(0x10, WRITE, 3);

    expect(wordAt(mmu, pdeAddress(pgdir, 0)) & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(pteAt(mmu, pgdir, 0) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
  });

  test("a faulting access sets nothing", () => {
    const { mmu, pgdir } = loadedSpace();
    const frame = mmu.frames.kalloc();
    mmu.mapPages(pgdir, 0, PGSIZE, frame, PTE_U);
    mmu.mapPages(pgdir, PGSIZE, PGSIZE, frame, PTE_W);
    const pdeBefore = wordAt(mmu, pdeAddress(pgdir, 0));

    expect(mmu.translate(0, WRITE, 3)).toBeLessThan(0);
    expect(mmu.translate(PGSIZE, READ, 3)).toBeLessThan(0);
    expect(mmu.translate(0x5000, READ, 3)).toBeLessThan(0);

    expect(wordAt(mmu, pdeAddress(pgdir, 0))).toBe(pdeBefore);
    expect(pdeBefore & PTE_A).toBe(0);
    expect(pteAt(mmu, pgdir, 0)).toBe(frame | PTE_P | PTE_U);
    expect(pteAt(mmu, pgdir, PGSIZE)).toBe(frame | PTE_P | PTE_W);
  });

  test("kernel accesses set A in the shared table", () => {
    const { mmu, pgdir } = loadedSpace();

    mmu.translate(KERNBASE + PGSIZE, WRITE, 0);

    expect(pteAt(mmu, pgdir, KERNBASE + PGSIZE)).toBe(PGSIZE | PTE_P | PTE_W | PTE_A | PTE_D);
  });
});

describe("Mmu.translate 4 MiB pages", () => {
  test("a pde with PS maps 4 MiB with its own bits", () => {
    const { mmu, pgdir } = loadedSpace();
    const pdeAt = pdeAddress(pgdir, 0x400000);
    setWordAt(mmu, pdeAt, 0x400000 | PTE_PS | PTE_P | PTE_W | PTE_U);

    expect(mmu.translate(0x412345, READ, 3)).toBe(0x412345);
    expect(wordAt(mmu, pdeAt) & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(mmu.translate(0x7fffff, WRITE, 3)).toBe(0x7fffff);
    expect(wordAt(mmu, pdeAt) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
  });

  test("a 4 MiB page faults on rights and outside memory", () => {
    const { mmu, pgdir } = loadedSpace();
    setWordAt(mmu, pdeAddress(pgdir, 0), PTE_PS | PTE_P);
    setWordAt(mmu, pdeAddress(pgdir, 0x400000), 0x800000 | PTE_PS | PTE_P | PTE_W | PTE_U);

    expect(errorCode(mmu.translate(0x1000, READ, 3))).toBe(5);
    expect(errorCode(mmu.translate(0x1000, WRITE, 0))).toBe(3);
    expect(errorCode(mmu.translate(0x400000, READ, 3))).toBe(4);
  });

  test("walkPgdir panics on a 4 MiB page", () => {
    const { mmu, pgdir } = loadedSpace();
    setWordAt(mmu, pdeAddress(pgdir, 0), PTE_PS | PTE_P);

    expect(() => mmu.walkPgdir(pgdir, 0, false)).toThrow(/^walkPgdir: .* maps a 4 MiB page$/);
  });
});

describe("Mmu.walkPgdir", () => {
  test("returns -1 for a missing table without alloc", () => {
    const { mmu, pgdir } = loadedSpace();
    const usedBefore = mmu.frames.usedCount;

    expect(mmu.walkPgdir(pgdir, 0x12345678, false)).toBe(-1);
    expect(mmu.frames.usedCount).toBe(usedBefore);
  });

  test("allocates a user table with alloc", () => {
    const { mmu, pgdir } = loadedSpace();
    const usedBefore = mmu.frames.usedCount;

    const pte = mmu.walkPgdir(pgdir, 0x12345678, true);

    const pde = wordAt(mmu, pdeAddress(pgdir, 0x12345678));
    expect(pde & 0xfff).toBe(PTE_P | PTE_W | PTE_U);
    expect(pte).toBe((pde & ~0xfff) + 0x345 * 4);
    expect(mmu.frames.usedCount).toBe(usedBefore + 1);
    expect(mmu.walkPgdir(pgdir, 0x12345000, true)).toBe(pte);
    expect(mmu.frames.usedCount).toBe(usedBefore + 1);
  });

  test("returns the shared kernel pte", () => {
    const { mmu, pgdir } = loadedSpace();

    const pte = mmu.walkPgdir(pgdir, KERNBASE + 0x5000, false);

    expect(wordAt(mmu, pte)).toBe(0x5000 | PTE_P | PTE_W);
  });

  test("will not allocate a table in kernel space", () => {
    const { mmu, pgdir } = loadedSpace();

    expect(() => mmu.walkPgdir(pgdir, KERNBASE + 64 * MiB, true)).toThrow(
      new RangeError(
        "walkPgdir: va 2214592512 (0x84000000) is a kernel address, for which alloc cannot add a page table",
      ),
    );
  });

  test("returns -1 when frames run out", () => {
    const { mmu, pgdir } = loadedSpace();
    while (mmu.frames.kalloc() >= 0) {}

    expect(mmu.walkPgdir(pgdir, 0, true)).toBe(-1);
  });

  test.each([0, 0x1001, 8 * MiB, -4096])("throws a RangeError on pgdir %d", (pgdir) => {
    const mmu = new Mmu({ memorySize: 8 * MiB });

    expect(() => mmu.walkPgdir(pgdir, 0, false)).toThrow(
      new RangeError(
        `walkPgdir: pgdir ${pgdir} is not a page-aligned frame address in physical memory`,
      ),
    );
  });

  test("panics on a kernel table as pgdir", () => {
    const mmu = new Mmu({ memorySize: 8 * MiB });

    expect(() => mmu.walkPgdir(PGSIZE, 0, false)).toThrow(
      /^walkPgdir: pgdir 0x1000 is a reserved or kernel frame$/,
    );
  });
});

describe("Mmu.mapPages", () => {
  test("maps across a table boundary", () => {
    const { mmu, pgdir } = loadedSpace();
    const first = mmu.frames.kalloc();
    const second = mmu.frames.kalloc();
    const usedBefore = mmu.frames.usedCount;
    expect(second).toBe(first + PGSIZE);

    expect(mmu.mapPages(pgdir, 0x3ff800, PGSIZE, first, PTE_W | PTE_U)).toBe(true);

    expect(mmu.frames.usedCount).toBe(usedBefore + 2);
    expect(mmu.translate(0x3ff010, READ, 3)).toBe(first + 0x10);
    expect(mmu.translate(0x400ffc, WRITE, 3)).toBe(second + 0xffc);
    expect(errorCode(mmu.translate(0x3fefff, READ, 3))).toBe(4);
    expect(errorCode(mmu.translate(0x401000, READ, 3))).toBe(4);
    expect(pteAt(mmu, pgdir, 0x3ff000) & 0xfff).toBe(PTE_P | PTE_W | PTE_U | PTE_A);
  });

  test("maps the last user page", () => {
    const { mmu, pgdir } = loadedSpace();
    const frame = mmu.frames.kalloc();

    expect(mmu.mapPages(pgdir, KERNBASE - PGSIZE, PGSIZE, frame, PTE_W | PTE_U)).toBe(true);

    expect(mmu.translate(KERNBASE - 1, WRITE, 3)).toBe(frame + 0xfff);
    expect(errorCode(mmu.translate(KERNBASE, READ, 3))).toBe(5);
  });

  test("panics on a remap and changes nothing", () => {
    const { mmu, pgdir } = loadedSpace();
    const frame = mmu.frames.kalloc();
    mmu.mapPages(pgdir, 0x401000, PGSIZE, frame, PTE_U);
    const usedBefore = mmu.frames.usedCount;

    expect(() => mmu.mapPages(pgdir, 0x3ff000, 3 * PGSIZE, frame, PTE_U)).toThrow(
      /^mapPages: remap of 0x401000$/,
    );

    expect(mmu.frames.usedCount).toBe(usedBefore);
    expect(mmu.walkPgdir(pgdir, 0x3ff000, false)).toBe(-1);
    expect(wordAt(mmu, mmu.walkPgdir(pgdir, 0x400000, false))).toBe(0);
  });

  test("returns false and changes nothing when tables run out", () => {
    const { mmu, pgdir } = loadedSpace();
    const frame = mmu.frames.kalloc();
    while (mmu.frames.freeCount > 1) mmu.frames.kalloc();

    expect(mmu.mapPages(pgdir, 0x3ff000, 2 * PGSIZE, frame, PTE_W | PTE_U)).toBe(false);

    expect(mmu.frames.freeCount).toBe(1);
    expect(wordAt(mmu, pdeAddress(pgdir, 0))).toBe(0);
    expect(wordAt(mmu, pdeAddress(pgdir, 0x400000))).toBe(0);
  });

  // [va, size, pa, perm, message]
  const invalid: [number, number, number, number, RegExp][] = [
    [0, 0, 0x1000, PTE_U, /^mapPages: size 0 is not an integer in \[1, 2147483648\]$/],
    [KERNBASE - PGSIZE, 2 * PGSIZE, 0x1000, PTE_U, /^mapPages: va 2147479552 \+ size 8192 is past/],
    [KERNBASE, PGSIZE, 0x1000, PTE_U, /^mapPages: va 2147483648 is not an integer in/],
    [-PGSIZE, PGSIZE, 0x1000, PTE_U, /^mapPages: va -4096 is not an integer in/],
    [0, PGSIZE, 0x1001, PTE_U, /^mapPages: pa 4097 is not a page-aligned frame/],
    [0, PGSIZE, 0, PTE_U, /^mapPages: pa 0 is not a page-aligned frame/],
    [0, 2 * PGSIZE, 8 * MiB - PGSIZE, PTE_U, /^mapPages: pa 8384512 is not a page-aligned frame/],
    [0, PGSIZE, 0x1000, 0x1000, /^mapPages: perm 4096 is not an integer of entry flags/],
    [0, PGSIZE, 0x1000, PTE_PS, /^mapPages: perm 128 is not an integer of entry flags/],
  ];

  test.each(invalid)(
    "throws a RangeError on va %i size %i pa %i perm %i",
    (va, size, pa, perm, message) => {
      const { mmu, pgdir } = loadedSpace();
      const usedBefore = mmu.frames.usedCount;

      expect(() => mmu.mapPages(pgdir, va, size, pa, perm)).toThrow(RangeError);
      expect(() => mmu.mapPages(pgdir, va, size, pa, perm)).toThrow(message);
      expect(mmu.frames.usedCount).toBe(usedBefore);
    },
  );
});

describe("Mmu.unmapPages", () => {
  test("unmaps, frees frames and the emptied table", () => {
    const { mmu, pgdir } = loadedSpace();
    const usedBefore = mmu.frames.usedCount;
    const first = mmu.frames.kalloc();
    mmu.frames.kalloc();
    mmu.mapPages(pgdir, 0x3ff000, 2 * PGSIZE, first, PTE_W | PTE_U);

    mmu.unmapPages(pgdir, 0x3ff000, 2 * PGSIZE, true);

    expect(mmu.frames.usedCount).toBe(usedBefore);
    expect(errorCode(mmu.translate(0x3ff000, READ, 3))).toBe(4);
    expect(wordAt(mmu, pdeAddress(pgdir, 0x3ff000))).toBe(0);
  });

  test("keeps frames without free and tables still in use", () => {
    const { mmu, pgdir } = loadedSpace();
    const frame = mmu.frames.kalloc();
    mmu.mapPages(pgdir, 0x1000, PGSIZE, frame, PTE_U);
    mmu.mapPages(pgdir, 0x2000, PGSIZE, frame, PTE_U);
    mmu.frames.incRef(frame);
    const usedBefore = mmu.frames.usedCount;

    mmu.unmapPages(pgdir, 0x1000, PGSIZE, false);

    expect(mmu.frames.usedCount).toBe(usedBefore);
    expect(mmu.frames.refCount(frame)).toBe(2);
    expect(mmu.translate(0x2000, READ, 3)).toBe(frame);
    expect(errorCode(mmu.translate(0x1000, READ, 3))).toBe(4);
  });

  test("panics on an unmapped page and changes nothing", () => {
    const { mmu, pgdir } = loadedSpace();
    const frame = mmu.frames.kalloc();
    mmu.mapPages(pgdir, 0x1000, PGSIZE, frame, PTE_U);

    expect(() => mmu.unmapPages(pgdir, 0x1000, 2 * PGSIZE, true)).toThrow(
      /^unmapPages: 0x2000 is not mapped$/,
    );
    expect(mmu.translate(0x1000, READ, 3)).toBe(frame);
    expect(mmu.frames.refCount(frame)).toBe(1);
  });
});
