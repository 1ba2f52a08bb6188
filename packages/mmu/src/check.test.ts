import { describe, expect, test } from "vitest";
import { Mmu, PGSIZE, PTE_P, PTE_U, PTE_W, pdx } from "./index.ts";

const MiB = 1024 * 1024;

function setWordAt(mmu: Mmu, pa: number, value: number): void {
  new Uint32Array(mmu.memory)[pa >>> 2] = value;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** Two address spaces, the second a fork of the first, plus a frame shared by both. */
function twoSpaces(): { mmu: Mmu; parent: number; child: number; shared: number } {
  const mmu = new Mmu({ memorySize: 8 * MiB });
  const parent = mmu.setupKvm();
  mmu.allocUvm(parent, 0, 3 * PGSIZE);
  mmu.clearPteU(parent, PGSIZE);
  const child = mmu.copyUvm(parent, 3 * PGSIZE);
  const shared = mmu.frames.kalloc();
  mmu.mapPages(parent, 0x400000, PGSIZE, shared, PTE_W | PTE_U);
  mmu.frames.incRef(shared);
  mmu.mapPages(child, 0x400000, PGSIZE, shared, PTE_W | PTE_U);
  return { mmu, parent, child, shared };
}

describe("Mmu.checkRefCounts", () => {
  test("finds nothing in consistent spaces", () => {
    const { mmu, parent, child } = twoSpaces();

    expect(mmu.checkRefCounts([parent, child])).toEqual([]);
    expect(mmu.checkRefCounts([parent, child, parent])).toEqual([]);
  });

  test("reports a shared frame without its extra reference", () => {
    const { mmu, parent, child, shared } = twoSpaces();
    mmu.frames.kfree(shared);

    expect(mmu.checkRefCounts([parent, child])).toEqual([
      `frame ${hex(shared)} has reference count 1 but 2 references`,
    ]);
  });

  test("reports a frame freed while still mapped", () => {
    const { mmu, parent, child, shared } = twoSpaces();
    mmu.frames.kfree(shared);
    mmu.frames.kfree(shared);

    expect(mmu.checkRefCounts([parent, child])).toEqual([
      `frame ${hex(shared)} is free but 2 references to it remain`,
    ]);
  });

  test("reports a leaked frame unless it is held", () => {
    const { mmu, parent, child } = twoSpaces();
    const leaked = mmu.frames.kalloc();

    expect(mmu.checkRefCounts([parent, child])).toEqual([
      `frame ${hex(leaked)} has reference count 1 but nothing references it`,
    ]);
    expect(mmu.checkRefCounts([parent, child], [leaked])).toEqual([]);
  });

  test("reports the frames of a space left out", () => {
    const { mmu, parent } = twoSpaces();

    const problems = mmu.checkRefCounts([parent]);

    // The child's directory, two tables and three pages have no reference; the shared frame has
    // one of its two.
    expect(problems).toHaveLength(7);
    expect(problems.filter((line) => line.endsWith("but nothing references it"))).toHaveLength(6);
  });

  test("reports a changed kernel entry", () => {
    const { mmu, parent, child } = twoSpaces();
    setWordAt(mmu, parent + 0x201 * 4, 0);

    expect(mmu.checkRefCounts([parent, child])).toEqual([
      expect.stringMatching(/^pgdir 0x[0-9a-f]+ kernel entry 513 is 0x0, expected 0x[0-9a-f]+3$/),
    ]);
  });

  test("reports a pte pointing at a kernel table or outside memory", () => {
    const { mmu, parent, child } = twoSpaces();
    const pte = mmu.walkPgdir(parent, 2 * PGSIZE, false);
    const frame = new Uint32Array(mmu.memory)[pte >>> 2] & ~0xfff;
    setWordAt(mmu, pte, PGSIZE | PTE_P | PTE_U);
    setWordAt(mmu, mmu.walkPgdir(child, 2 * PGSIZE, false), 0x7fff000 | PTE_P | PTE_U);

    expect(mmu.checkRefCounts([parent, child])).toEqual([
      `pgdir ${hex(parent)} maps 0x2000 to 0x1000, which is reserved, a kernel table or outside memory`,
      `pgdir ${hex(child)} maps 0x2000 to 0x7fff000, which is reserved, a kernel table or outside memory`,
      expect.stringMatching(/^frame 0x[0-9a-f]+ has reference count 1 but nothing references it$/),
      expect.stringMatching(/^frame 0x[0-9a-f]+ has reference count 1 but nothing references it$/),
    ]);
    expect(mmu.frames.refCount(frame)).toBe(1);
  });

  test("reports a directory that is not a frame", () => {
    const { mmu, parent, child } = twoSpaces();

    expect(mmu.checkRefCounts([parent, child, 0x1001, 0])).toEqual([
      "pgdir 0x1001 is not an allocated frame address",
      "pgdir 0x0 is not an allocated frame address",
    ]);
  });

  test("reports a table entry that maps a 4 MiB page", () => {
    const { mmu, parent, child } = twoSpaces();
    setWordAt(mmu, parent + pdx(0x800000) * 4, 0x400000 | 0x80 | PTE_P | PTE_U);

    expect(mmu.checkRefCounts([parent, child])).toEqual([
      `pgdir ${hex(parent)} entry 2 (0x400085) is not a user page table`,
    ]);
  });
});
