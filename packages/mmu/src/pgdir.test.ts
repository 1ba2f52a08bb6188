/**
 * Tests of the pgdir check every address-space operation makes (only a live directory made by
 * setupKvm is accepted, in debug mode or not), and of the checks that make an operation panic
 * before it allocates, frees or writes anything. Each case checks the error, that memory, cr3 and
 * the free count are unchanged, that no write was reported, and that checkRefCounts is clean.
 */
import { describe, expect, test } from "vitest";
import { firstChangedWord, thrownBy } from "../test/errors.ts";
import { KERNBASE, Mmu, MmuPanic, PGSIZE, PTE_U, PTE_W, PTSIZE, pdx } from "./index.ts";

const MiB = 1024 * 1024;

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

function wordAt(mmu: Mmu, pa: number): number {
  return new Uint32Array(mmu.memory)[pa >>> 2];
}

function setWordAt(mmu: Mmu, pa: number, value: number): void {
  new Uint32Array(mmu.memory)[pa >>> 2] = value;
}

/** The state a rejected call must leave as it was. */
interface Snapshot {
  words: Uint32Array;
  freeCount: number;
  cr3: number;
}

function snapshot(mmu: Mmu): Snapshot {
  return {
    words: new Uint32Array(mmu.memory).slice(),
    freeCount: mmu.frames.freeCount,
    cr3: mmu.cr3,
  };
}

/** Returns the physical address of the first word that differs from `before`, or -1. */
function firstChangedAddress(mmu: Mmu, before: Snapshot): number {
  const index = firstChangedWord(mmu, before.words);
  return index < 0 ? -1 : index * 4;
}

/**
 * Creates a fresh Mmu with a loaded two-page address space `pgdir` and a `spare` frame that the
 * caller owns. `written` collects the onWrite reports made after the setup.
 */
function space(debug: boolean, memorySize = 4 * MiB) {
  const written: number[] = [];
  const mmu = new Mmu({ memorySize, debug, onWrite: (page) => written.push(page) });
  const kernelOnly = mmu.cr3;
  const pgdir = mmu.setupKvm();
  mmu.allocUvm(pgdir, 0, 2 * PGSIZE);
  mmu.switchUvm(pgdir);
  const spare = mmu.frames.kalloc();
  written.length = 0;
  return { mmu, pgdir, spare, kernelOnly, written };
}

type Space = ReturnType<typeof space>;

/** Checks that a call panicked with `message` and changed nothing. */
function expectRejected(
  setup: Space,
  before: Snapshot,
  error: unknown,
  message: RegExp,
  held: number[],
): void {
  const { mmu, pgdir, spare, written } = setup;
  expect(error).toBeInstanceOf(MmuPanic);
  expect((error as Error).message).toMatch(message);
  expect(firstChangedAddress(mmu, before)).toBe(-1);
  expect(mmu.frames.freeCount).toBe(before.freeCount);
  expect(mmu.cr3).toBe(before.cr3);
  expect(written).toEqual([]);
  expect(mmu.checkRefCounts([pgdir], [spare, ...held])).toEqual([]);
}

/** Every public operation that takes a pgdir, called with `pgdir` as its directory. */
const operations: [string, (mmu: Mmu, pgdir: number, spare: number) => unknown][] = [
  ["switchUvm", (mmu, pgdir) => mmu.switchUvm(pgdir)],
  ["walkPgdir", (mmu, pgdir) => mmu.walkPgdir(pgdir, 0, true)],
  ["mapPages", (mmu, pgdir, spare) => mmu.mapPages(pgdir, PTSIZE, PGSIZE, spare, PTE_W | PTE_U)],
  ["unmapPages", (mmu, pgdir) => mmu.unmapPages(pgdir, 0, PGSIZE, true)],
  ["allocUvm", (mmu, pgdir) => mmu.allocUvm(pgdir, 2 * PGSIZE, 3 * PGSIZE)],
  ["deallocUvm", (mmu, pgdir) => mmu.deallocUvm(pgdir, 2 * PGSIZE, 0)],
  ["loadUvm", (mmu, pgdir) => mmu.loadUvm(pgdir, 0, new Uint8Array([1, 2, 3]))],
  ["copyUvm", (mmu, pgdir) => mmu.copyUvm(pgdir, PGSIZE)],
  ["freeVm", (mmu, pgdir) => mmu.freeVm(pgdir)],
  ["clearPteU", (mmu, pgdir) => mmu.clearPteU(pgdir, 0)],
  ["uva2ka", (mmu, pgdir) => mmu.uva2ka(pgdir, 0)],
  ["copyOut", (mmu, pgdir) => mmu.copyOut(pgdir, 0, new Uint8Array([1, 2, 3, 4]), 0)],
  ["copyIn", (mmu, pgdir) => mmu.copyIn(pgdir, 0, new Uint8Array(4), 0)],
  ["copyInStr", (mmu, pgdir) => mmu.copyInStr(pgdir, 0, 16, 0)],
  ["readPage", (mmu, pgdir) => mmu.readPage(pgdir, 0)],
  ["readAddressSpace", (mmu, pgdir) => mmu.readAddressSpace(pgdir, 0, 0)],
  ["dirtyPages", (mmu, pgdir) => mmu.dirtyPages(pgdir, PGSIZE)],
  ["clearDirty", (mmu, pgdir) => mmu.clearDirty(pgdir, PGSIZE)],
];

/**
 * Frames that are not a live directory made by setupKvm: each returns the frame, the frames the
 * caller now holds, and the reason the panic message gives.
 */
const notDirectories: [
  string,
  (setup: Space) => { bad: number; held: number[]; reason: string },
][] = [
  [
    "a zeroed data frame",
    ({ mmu }) => {
      const bad = mmu.frames.kalloc();
      return {
        bad,
        held: [bad],
        reason: "is an allocated frame, not a page directory made by setupKvm",
      };
    },
  ],
  [
    "a data frame holding bytes",
    ({ mmu }) => {
      const bad = mmu.frames.kalloc();
      new Uint8Array(mmu.memory, bad, 8).set([1, 2, 3, 4, 5, 6, 7, 8]);
      return {
        bad,
        held: [bad],
        reason: "is an allocated frame, not a page directory made by setupKvm",
      };
    },
  ],
  [
    "a freed directory",
    ({ mmu }) => {
      const bad = mmu.setupKvm();
      mmu.allocUvm(bad, 0, 2 * PGSIZE);
      mmu.freeVm(bad);
      return { bad, held: [], reason: "is a free frame" };
    },
  ],
  [
    "the kernel-only directory",
    ({ kernelOnly }) => ({ bad: kernelOnly, held: [], reason: "is a reserved or kernel frame" }),
  ],
];

describe.each([false, true])("Mmu pgdir check with debug %s", (debug) => {
  describe.each(notDirectories)("on %s", (_kind, makeBad) => {
    test.each(operations)("%s panics and changes nothing", (name, operation) => {
      const setup = space(debug);
      const { bad, held, reason } = makeBad(setup);
      setup.written.length = 0;
      const before = snapshot(setup.mmu);

      const error = thrownBy(() => operation(setup.mmu, bad, setup.spare));

      expectRejected(
        setup,
        before,
        error,
        new RegExp(`^${name}: pgdir ${hex(bad)} ${reason}$`),
        held,
      );
    });
  });

  test.each(operations)("%s accepts a directory from setupKvm", (_name, operation) => {
    const { mmu, spare } = space(debug);
    const pgdir = mmu.setupKvm();
    mmu.allocUvm(pgdir, 0, 2 * PGSIZE);

    expect(() => operation(mmu, pgdir, spare)).not.toThrow();
  });

  test("allocUvm on a data frame leaves its first word zero", () => {
    const setup = space(debug, 8 * MiB);
    const data = setup.mmu.frames.kalloc();

    expect(() => setup.mmu.allocUvm(data, 0, PGSIZE)).toThrow(MmuPanic);

    expect(wordAt(setup.mmu, data)).toBe(0);
    expect(setup.mmu.checkRefCounts([setup.pgdir], [setup.spare, data])).toEqual([]);
  });

  test("a freed directory stays rejected with all frames back", () => {
    const mmu = new Mmu({ memorySize: 8 * MiB, debug });
    const start = mmu.frames.freeCount;
    const pgdir = mmu.setupKvm();
    mmu.allocUvm(pgdir, 0, 2 * PGSIZE);
    mmu.freeVm(pgdir);

    expect(() => mmu.freeVm(pgdir)).toThrow(/^freeVm: pgdir 0x[0-9a-f]+ is a free frame$/);
    expect(() => mmu.allocUvm(pgdir, 0, PGSIZE)).toThrow(/^allocUvm: .* is a free frame$/);
    expect(() => mmu.copyOut(pgdir, 0, new Uint8Array(4))).toThrow(/^copyOut: .* is a free frame$/);
    expect(mmu.frames.freeCount).toBe(start);
    expect(mmu.checkRefCounts([])).toEqual([]);
  });

  test("a freed directory reused as a data frame is rejected", () => {
    const { mmu, pgdir: loaded, spare } = space(debug);
    const pgdir = mmu.setupKvm();
    mmu.freeVm(pgdir);
    const data = mmu.frames.kalloc();
    expect(data).toBe(pgdir);

    expect(() => mmu.allocUvm(data, 0, PGSIZE)).toThrow(
      new RegExp(`^allocUvm: pgdir ${hex(data)} is an allocated frame, not a page directory`),
    );
    expect(mmu.checkRefCounts([loaded], [spare, data])).toEqual([]);
  });

  test("a freed directory reused by setupKvm is accepted again", () => {
    // The pgdir is a plain address, so a stale copy of it names the new directory.
    const { mmu } = space(debug);
    const pgdir = mmu.setupKvm();
    mmu.freeVm(pgdir);

    expect(mmu.setupKvm()).toBe(pgdir);
    expect(mmu.allocUvm(pgdir, 0, PGSIZE)).toBe(PGSIZE);
  });
});

describe("FrameAllocator page-directory tag", () => {
  test("kfree and incRef panic on a directory", () => {
    const { mmu, pgdir } = space(false);

    expect(mmu.frames.isPageDirectory(pgdir)).toBe(true);
    expect(() => mmu.frames.kfree(pgdir)).toThrow(
      new RegExp(`^kfree: frame ${hex(pgdir)} is a page directory, which only freeVm frees$`),
    );
    expect(() => mmu.frames.incRef(pgdir)).toThrow(
      new RegExp(`^incRef: frame ${hex(pgdir)} is a page directory, which is never shared$`),
    );
    expect(mmu.frames.refCount(pgdir)).toBe(1);
  });

  test("freeVm removes the tag", () => {
    const { mmu } = space(false);
    const pgdir = mmu.setupKvm();

    mmu.freeVm(pgdir);

    expect(mmu.frames.isPageDirectory(pgdir)).toBe(false);
    expect(mmu.frames.refCount(pgdir)).toBe(0);
  });

  test("markPageDirectory needs exactly one reference", () => {
    const { mmu, spare } = space(false);
    const free = mmu.frames.kalloc();
    mmu.frames.kfree(free);
    mmu.frames.incRef(spare);

    expect(() => mmu.frames.markPageDirectory(free)).toThrow(
      /does not have exactly one reference$/,
    );
    expect(() => mmu.frames.markPageDirectory(spare)).toThrow(
      /does not have exactly one reference$/,
    );
    expect(() => mmu.frames.unmarkPageDirectory(spare)).toThrow(/is not a page directory$/);
    expect(mmu.frames.isPageDirectory(free)).toBe(false);
    expect(mmu.frames.isPageDirectory(spare)).toBe(false);
  });
});

describe.each([false, true])("Mmu broken entries with debug %s", (debug) => {
  /** Breaks the directory entry for 4 MiB with the bytes 01 02 03 04 (present, outside memory). */
  function brokenPde(setup: Space): number {
    const address = setup.pgdir + pdx(PTSIZE) * 4;
    setWordAt(setup.mmu, address, 0x04030201);
    return address;
  }

  /** Points the table entry of page 1 at `pa`, keeping its flags; returns its old value. */
  function redirectPte(setup: Space, pa: number): number {
    const address = setup.mmu.walkPgdir(setup.pgdir, PGSIZE, false);
    const old = wordAt(setup.mmu, address);
    setWordAt(setup.mmu, address, pa | (old & 0xfff));
    return old;
  }

  test("allocUvm panics on a remap before taking a frame", () => {
    const setup = space(debug);
    const before = snapshot(setup.mmu);

    const error = thrownBy(() => setup.mmu.allocUvm(setup.pgdir, 0, 3 * PGSIZE));

    expectRejected(setup, before, error, /^allocUvm: remap of 0x0$/, []);
  });

  test("allocUvm panics on a broken pde before taking a frame", () => {
    const setup = space(debug);
    const address = brokenPde(setup);
    const before = snapshot(setup.mmu);

    const error = thrownBy(() => setup.mmu.allocUvm(setup.pgdir, 2 * PGSIZE, 2 * PTSIZE));

    setWordAt(setup.mmu, address, 0);
    before.words[address >>> 2] = 0;
    expectRejected(
      setup,
      before,
      error,
      /^allocUvm: directory entry 0x4030201 points outside physical memory$/,
      [],
    );
  });

  test("copyUvm panics on a broken pde before taking a frame", () => {
    const setup = space(debug);
    const address = brokenPde(setup);
    const before = snapshot(setup.mmu);

    const error = thrownBy(() => setup.mmu.copyUvm(setup.pgdir, 2 * PTSIZE));

    setWordAt(setup.mmu, address, 0);
    before.words[address >>> 2] = 0;
    expectRejected(
      setup,
      before,
      error,
      /^copyUvm: directory entry 0x4030201 points outside physical memory$/,
      [],
    );
  });

  test.each([
    ["copyUvm", (mmu: Mmu, pgdir: number) => mmu.copyUvm(pgdir, 2 * PGSIZE)],
    ["deallocUvm", (mmu: Mmu, pgdir: number) => mmu.deallocUvm(pgdir, 2 * PGSIZE, 0)],
    ["unmapPages", (mmu: Mmu, pgdir: number) => mmu.unmapPages(pgdir, 0, 2 * PGSIZE, true)],
    ["freeVm", (mmu: Mmu, pgdir: number) => mmu.freeVm(pgdir)],
  ] as const)("%s panics on a pte to a free frame and changes nothing", (name, operation) => {
    const setup = space(debug);
    setup.mmu.switchKvm();
    const free = setup.mmu.frames.kalloc();
    setup.mmu.frames.kfree(free);
    const old = redirectPte(setup, free);
    setup.written.length = 0;
    const before = snapshot(setup.mmu);

    const error = thrownBy(() => operation(setup.mmu, setup.pgdir));

    const pte = setup.mmu.walkPgdir(setup.pgdir, PGSIZE, false);
    setWordAt(setup.mmu, pte, old);
    before.words[pte >>> 2] = old;
    const message = new RegExp(
      `^${name}: table entry ${hex(free | (old & 0xfff))} for 0x1000 points to a free frame$`,
    );
    expectRejected(setup, before, error, message, []);
  });

  test("freeVm panics on a pte to a kernel table", () => {
    const setup = space(debug);
    setup.mmu.switchKvm();
    const old = redirectPte(setup, PGSIZE);
    const before = snapshot(setup.mmu);

    const error = thrownBy(() => setup.mmu.freeVm(setup.pgdir));

    expect(error).toBeInstanceOf(MmuPanic);
    expect((error as Error).message).toMatch(/points to a reserved or kernel frame$/);
    expect(firstChangedAddress(setup.mmu, before)).toBe(-1);
    expect(setup.mmu.frames.freeCount).toBe(before.freeCount);
    setWordAt(setup.mmu, setup.mmu.walkPgdir(setup.pgdir, PGSIZE, false), old);
    expect(setup.mmu.checkRefCounts([setup.pgdir], [setup.spare])).toEqual([]);
  });

  test("freeVm panics on a changed kernel entry", () => {
    const setup = space(debug);
    const pgdir = setup.mmu.setupKvm();
    const address = pgdir + pdx(KERNBASE) * 4;
    const old = wordAt(setup.mmu, address);
    setWordAt(setup.mmu, address, old | PTE_U);
    const before = snapshot(setup.mmu);

    const error = thrownBy(() => setup.mmu.freeVm(pgdir));

    expect(error).toBeInstanceOf(MmuPanic);
    expect((error as Error).message).toMatch(/^freeVm: kernel entry 512 of pgdir 0x[0-9a-f]+ is /);
    expect(firstChangedAddress(setup.mmu, before)).toBe(-1);
    expect(setup.mmu.frames.freeCount).toBe(before.freeCount);
    setWordAt(setup.mmu, address, old);
    setup.mmu.freeVm(pgdir);
    expect(setup.mmu.checkRefCounts([setup.pgdir], [setup.spare])).toEqual([]);
  });

  test("checkRefCounts reports a data frame passed as pgdir", () => {
    const { mmu, pgdir, spare } = space(debug);
    const data = mmu.frames.kalloc();
    new Uint8Array(mmu.memory, data, 8).set([1, 2, 3, 4, 5, 6, 7, 8]);

    expect(mmu.checkRefCounts([pgdir, data], [spare, data])).toEqual([
      `pgdir ${hex(data)} is not a page directory made by setupKvm`,
    ]);
  });
});
