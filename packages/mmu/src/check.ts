/**
 * The debug check of frame reference counts: walk every given address space, count the references
 * each frame should have, and compare with the allocator.
 *
 * A pgdir that is not a live directory made by setupKvm (the allocator's page-directory tag) is
 * reported and not walked. A frame's expected count is the number of present user ptes that map
 * it. A user page table adds one for its pde, a directory one for itself, and the caller's list
 * of frames kept outside any address space adds one per appearance. Every allocated, unpinned
 * frame must have exactly that reference count, so an allocated frame that nothing references is
 * reported as a leak. The check also compares every directory's kernel entries with the shared
 * ones and reports entries that point at reserved frames or outside memory.
 */
import type { Memory } from "./page-table.ts";
import { KERNEL_PDX } from "./page-table.ts";
import { hex, NPDENTRIES, PGSHIFT, PGSIZE, PTE_A, PTE_FLAGS_MASK, PTE_P, PTE_PS } from "./pte.ts";

/** Returns the problems found, one sentence each; an empty list when every count is right. */
export function checkRefCounts(
  memory: Memory,
  pgdirs: Iterable<number>,
  heldFrames: Iterable<number> = [],
): string[] {
  const expected = new Uint32Array(memory.frames.totalCount);
  const problems: string[] = [];

  for (const pgdir of new Set(pgdirs)) {
    if (!isUsableFrame(memory, pgdir)) {
      problems.push(`pgdir ${hex(pgdir)} is not an allocated frame address`);
      continue;
    }
    if (!memory.frames.isPageDirectory(pgdir)) {
      problems.push(`pgdir ${hex(pgdir)} is not a page directory made by setupKvm`);
      continue;
    }
    expected[pgdir >>> PGSHIFT]++;
    countUserTables(memory, pgdir, expected, problems);
    checkKernelEntries(memory, pgdir, problems);
  }
  for (const pa of heldFrames) {
    if (!isUsableFrame(memory, pa)) {
      problems.push(`held frame ${hex(pa)} is not an allocated frame address`);
      continue;
    }
    expected[pa >>> PGSHIFT]++;
  }

  compareCounts(memory, expected, problems);
  return problems;
}

function isUsableFrame(memory: Memory, pa: number): boolean {
  return (
    Number.isInteger(pa) &&
    pa > 0 &&
    pa % PGSIZE === 0 &&
    pa < memory.size &&
    !memory.frames.isPinned(pa)
  );
}

function countUserTables(
  memory: Memory,
  pgdir: number,
  expected: Uint32Array,
  problems: string[],
): void {
  const words = memory.words;
  for (let dirIndex = 0; dirIndex < KERNEL_PDX; dirIndex++) {
    const pde = words[(pgdir >>> 2) + dirIndex];
    if ((pde & PTE_P) === 0) {
      continue;
    }
    const table = (pde & ~PTE_FLAGS_MASK) >>> 0;
    if ((pde & PTE_PS) !== 0 || !isUsableFrame(memory, table)) {
      problems.push(`pgdir ${hex(pgdir)} entry ${dirIndex} (${hex(pde)}) is not a user page table`);
      continue;
    }
    expected[table >>> PGSHIFT]++;
    countUserPages(memory, pgdir, table, dirIndex, expected, problems);
  }
}

function countUserPages(
  memory: Memory,
  pgdir: number,
  table: number,
  dirIndex: number,
  expected: Uint32Array,
  problems: string[],
): void {
  const tableWord = table >>> 2;
  for (let index = 0; index < NPDENTRIES; index++) {
    const pte = memory.words[tableWord + index];
    if ((pte & PTE_P) === 0) {
      continue;
    }
    const pa = (pte & ~PTE_FLAGS_MASK) >>> 0;
    if (!isUsableFrame(memory, pa)) {
      const va = ((dirIndex << 22) | (index << PGSHIFT)) >>> 0;
      problems.push(
        `pgdir ${hex(pgdir)} maps ${hex(va)} to ${hex(pa)}, which is reserved, a kernel table or outside memory`,
      );
      continue;
    }
    expected[pa >>> PGSHIFT]++;
  }
}

function checkKernelEntries(memory: Memory, pgdir: number, problems: string[]): void {
  for (let dirIndex = KERNEL_PDX; dirIndex < NPDENTRIES; dirIndex++) {
    const pde = (memory.words[(pgdir >>> 2) + dirIndex] & ~PTE_A) >>> 0;
    if (pde !== memory.kernelPdes[dirIndex]) {
      problems.push(
        `pgdir ${hex(pgdir)} kernel entry ${dirIndex} is ${hex(pde)}, expected ${hex(memory.kernelPdes[dirIndex])}`,
      );
    }
  }
}

function compareCounts(memory: Memory, expected: Uint32Array, problems: string[]): void {
  for (let frame = 1; frame < expected.length; frame++) {
    const pa = frame << PGSHIFT;
    if (memory.frames.isPinned(pa)) {
      continue;
    }
    const actual = memory.frames.refCount(pa);
    const expectedCount = expected[frame];
    if (actual === expectedCount) {
      continue;
    }
    if (actual === 0) {
      problems.push(`frame ${hex(pa)} is free but ${expectedCount} references to it remain`);
    } else if (expectedCount === 0) {
      problems.push(`frame ${hex(pa)} has reference count ${actual} but nothing references it`);
    } else {
      problems.push(
        `frame ${hex(pa)} has reference count ${actual} but ${expectedCount} references`,
      );
    }
  }
}
