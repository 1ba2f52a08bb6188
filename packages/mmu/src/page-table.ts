/**
 * Page directories and page tables kept in simulated physical memory in the x86 format (the
 * entry layout is drawn in pte.ts): the shared kernel mappings, walkPgdir, mapPages and the
 * unmapping that address-space operations build on.
 *
 * Layout of every page directory:
 *
 *   pdx 0 .. 511      user space [0, KERNBASE): page tables owned by this directory, each
 *                     allocated on first use and freed when its last present entry is cleared
 *   pdx 512 .. 512+n  KERNBASE .. KERNBASE + memory size, mapped to physical 0 .. memory size
 *   pdx 1016 .. 1023  device space DEVSPACE .. 4 GiB, every page mapped to frame 0
 *
 * The kernel entries (present, writable, supervisor-only at both levels) point to page tables
 * built once when the Mmu is created and shared by every directory, so that setupKvm copies
 * n + 8 directory entries and never a table. Those frames are pinned: they count as used and are
 * never freed. A user access to kernel space is therefore a protection fault (error code 5 for a
 * read, 7 for a write), as on xv6.
 *
 * User page tables get the directory entry P|W|U, so the rights of a user page are those of its
 * table entry. The functions here take a Memory (the state the Mmu shares with them), panic on
 * broken invariants, and return -1 or false only when frames run out.
 */

import { argumentError, checkBoolean, checkInteger } from "./args.ts";
import type { FrameAllocator } from "./frames.ts";
import { MmuPanic } from "./panic.ts";
import {
  DEVSPACE,
  hex,
  KERNBASE,
  NPDENTRIES,
  PGSHIFT,
  PGSIZE,
  PTE_FLAGS_MASK,
  PTE_P,
  PTE_PS,
  PTE_U,
  PTE_W,
  PTSIZE,
  pdx,
  pgRoundDown,
} from "./pte.ts";

/** The state of one physical memory that the Mmu shares with the functions of this package. */
export interface Memory {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
  /** Bytes of physical memory. */
  readonly size: number;
  readonly frames: FrameAllocator;
  readonly debug: boolean;
  readonly onWrite: ((physicalPage: number) => void) | undefined;
  /** The directory entries every directory holds for kernel space (0 for user slots). */
  readonly kernelPdes: Uint32Array;
}

/** Directory index of the first kernel entry. */
export const KERNEL_PDX = pdx(KERNBASE);

/**
 * Builds the page tables shared by every directory for kernel space and device space, filling
 * `memory.kernelPdes`. Runs once per Mmu, before any other allocation.
 */
export function buildKernelTables(memory: Memory): void {
  const kernelEnd = KERNBASE + memory.size;
  for (let va = KERNBASE; va < kernelEnd; va += PTSIZE) {
    buildKernelTable(memory, va, va - KERNBASE, PGSIZE);
  }
  for (let va = DEVSPACE; va < 2 ** 32; va += PTSIZE) {
    // Device space maps to nothing real: every page gets frame 0, which is never handed out.
    buildKernelTable(memory, va, 0, 0);
  }
}

function buildKernelTable(memory: Memory, va: number, pa: number, stride: number): void {
  const table = memory.frames.kalloc();
  if (table < 0) {
    throw new MmuPanic("buildKernelTables: out of frames for the kernel page tables");
  }
  memory.frames.pin(table);

  const first = table >>> 2;
  for (let index = 0; index < NPDENTRIES; index++) {
    memory.words[first + index] = (pa + index * stride) | PTE_P | PTE_W;
  }
  memory.kernelPdes[pdx(va)] = table | PTE_P | PTE_W;
}

/**
 * Creates a page directory that contains only the shared kernel mappings and returns its pa, or
 * -1. The allocator tags it as a live page directory until freeVm.
 */
export function setupKvm(memory: Memory): number {
  const pgdir = memory.frames.kalloc();
  if (pgdir < 0) {
    return -1;
  }

  memory.words.set(memory.kernelPdes.subarray(KERNEL_PDX), (pgdir >>> 2) + KERNEL_PDX);
  memory.frames.markPageDirectory(pgdir);
  return pgdir;
}

/**
 * Throws in `caller` unless `pgdir` is a live page directory made by setupKvm, other than the
 * pinned kernel-only one. A pgdir that is not a frame address is a TypeError or RangeError, and
 * a frame that is not a live directory an MmuPanic. O(1): it reads only the allocator's tags.
 */
export function checkPgdir(memory: Memory, caller: string, pgdir: number): void {
  const isFrame =
    Number.isInteger(pgdir) && pgdir > 0 && pgdir % PGSIZE === 0 && pgdir < memory.size;
  if (!isFrame) {
    throw argumentError(caller, "pgdir", pgdir, "a page-aligned frame address in physical memory");
  }
  const frames = memory.frames;
  if (frames.isPinned(pgdir)) {
    throw new MmuPanic(`${caller}: pgdir ${hex(pgdir)} is a reserved or kernel frame`);
  }
  if (frames.isPageDirectory(pgdir)) {
    return;
  }
  if (frames.refCount(pgdir) === 0) {
    throw new MmuPanic(`${caller}: pgdir ${hex(pgdir)} is a free frame`);
  }
  throw new MmuPanic(
    `${caller}: pgdir ${hex(pgdir)} is an allocated frame, not a page directory made by setupKvm`,
  );
}

/**
 * Returns the word index of the page table a present user directory entry points to. Panics in
 * `caller` on a 4 MiB page or a table outside physical memory, which this package never creates.
 */
export function tableWordOf(memory: Memory, caller: string, pde: number): number {
  if ((pde & PTE_PS) !== 0) {
    throw new MmuPanic(`${caller}: directory entry ${hex(pde)} maps a 4 MiB page`);
  }
  const table = (pde & ~PTE_FLAGS_MASK) >>> 0;
  if (table >= memory.size) {
    throw new MmuPanic(`${caller}: directory entry ${hex(pde)} points outside physical memory`);
  }
  return table >>> 2;
}

/**
 * The rule checkUserRange applies to each present pte: "absent" (there must be none, as before a
 * mapping), "owned" (it maps an allocated frame that kfree may free) or "any" (no rule).
 */
export type PteRule = "absent" | "owned" | "any";

/**
 * Panics in `caller` before anything changes unless, in the page-aligned user range [start, end)
 * of `pgdir`, every present pde points to an allocated user page table and every present pte
 * follows `rule`. Operations that allocate or free page by page call it first, so that their
 * panics come before any change instead of part way through.
 */
export function checkUserRange(
  memory: Memory,
  caller: string,
  pgdir: number,
  start: number,
  end: number,
  rule: PteRule,
): void {
  const words = memory.words;
  forEachTable(memory, pgdir, start, end, (_dirIndex, pde, from, to) => {
    const tableWord = tableWordOf(memory, caller, pde);
    const tableProblem = frameProblem(memory, tableWord << 2);
    if (tableProblem !== null) {
      throw new MmuPanic(`${caller}: directory entry ${hex(pde)} points ${tableProblem}`);
    }
    if (rule === "any") {
      return;
    }

    for (let va = from; va < to; va += PGSIZE) {
      const pte = words[tableWord + ((va >>> PGSHIFT) & 0x3ff)];
      if ((pte & PTE_P) === 0) {
        continue;
      }
      if (rule === "absent") {
        throw new MmuPanic(`${caller}: remap of ${hex(va)}`);
      }
      const problem = frameProblem(memory, (pte & ~PTE_FLAGS_MASK) >>> 0);
      if (problem !== null) {
        throw new MmuPanic(`${caller}: table entry ${hex(pte)} for ${hex(va)} points ${problem}`);
      }
    }
  });
}

/**
 * Calls `visit` for each present directory entry of `pgdir` that covers part of the page-aligned
 * user range [start, end), with its index, the entry and the part of the range it covers.
 */
function forEachTable(
  memory: Memory,
  pgdir: number,
  start: number,
  end: number,
  visit: (dirIndex: number, pde: number, from: number, to: number) => void,
): void {
  const words = memory.words;
  const pgdirWord = pgdir >>> 2;
  let va = start;

  while (va < end) {
    const dirIndex = va >>> 22;
    const tableEnd = Math.min(end, (dirIndex + 1) * PTSIZE);
    const pde = words[pgdirWord + dirIndex];
    if ((pde & PTE_P) !== 0) {
      visit(dirIndex, pde, va, tableEnd);
    }
    va = tableEnd;
  }
}

/**
 * Returns why the frame at page-aligned `pa` cannot be owned by a user mapping (the end of the
 * sentence "... points ..."), or null if it can.
 */
function frameProblem(memory: Memory, pa: number): string | null {
  const frames = memory.frames;
  if (pa >= memory.size) {
    return "outside physical memory";
  }
  if (frames.isPinned(pa)) {
    return "to a reserved or kernel frame";
  }
  if (frames.refCount(pa) === 0) {
    return "to a free frame";
  }
  if (frames.isPageDirectory(pa)) {
    return "to a page directory";
  }
  return null;
}

/**
 * Returns the physical address of the pte for `va` in `pgdir`, or -1 if the page table is
 * missing. With `alloc` set, a missing user page table is allocated first, and -1 then means that
 * no frame was left. A new table changes the directory, so the caller flushes the TLB as for
 * mapPages.
 */
export function walkPgdir(memory: Memory, pgdir: number, va: number, alloc: boolean): number {
  const pdeIndex = (pgdir >>> 2) + (va >>> 22);
  const pde = memory.words[pdeIndex];
  let tableWord: number;

  if ((pde & PTE_P) !== 0) {
    tableWord = tableWordOf(memory, "walkPgdir", pde);
  } else {
    if (!alloc) {
      return -1;
    }
    if (va >>> 0 >= KERNBASE) {
      throw new RangeError(
        `walkPgdir: va ${va} (${hex(va)}) is a kernel address, for which alloc cannot add a page table`,
      );
    }
    const table = memory.frames.kalloc();
    if (table < 0) {
      return -1;
    }
    memory.words[pdeIndex] = table | PTE_P | PTE_W | PTE_U;
    tableWord = table >>> 2;
  }

  return (tableWord + ((va >>> PGSHIFT) & 0x3ff)) << 2;
}

/**
 * Maps the one page at page-aligned `va` to the frame at `pa` with `perm | PTE_P`. Returns false
 * when no frame is left for a page table. Panics if the page is already mapped.
 */
export function mapPage(
  memory: Memory,
  pgdir: number,
  va: number,
  pa: number,
  perm: number,
): boolean {
  const pte = walkPgdir(memory, pgdir, va, true);
  if (pte < 0) {
    return false;
  }
  if ((memory.words[pte >>> 2] & PTE_P) !== 0) {
    throw new MmuPanic(`mapPages: remap of ${hex(va)}`);
  }

  memory.words[pte >>> 2] = pa | perm | PTE_P;
  return true;
}

/**
 * Maps the pages covering [va, va + size) to consecutive frames starting at page-aligned `pa`,
 * with `perm | PTE_P`. Returns false when no frame is left for a page table, and then leaves the
 * tables exactly as they were. Panics if a page is already mapped; a range that leaves user space
 * is a RangeError.
 * The caller flushes the CPU TLB if `pgdir` is loaded.
 */
export function mapPages(
  memory: Memory,
  pgdir: number,
  va: number,
  size: number,
  pa: number,
  perm: number,
): boolean {
  checkPgdir(memory, "mapPages", pgdir);
  const first = pgRoundDown(va);
  const end = pgRoundDown(va + size - 1) + PGSIZE;
  checkMapRange(memory, va, size, pa, perm, Number.isInteger(end - first) ? end - first : 0);
  for (let a = first; a < end; a += PGSIZE) {
    const pte = walkPgdir(memory, pgdir, a, false);
    if (pte >= 0 && (memory.words[pte >>> 2] & PTE_P) !== 0) {
      throw new MmuPanic(`mapPages: remap of ${hex(a)}`);
    }
  }

  for (let a = first; a < end; a += PGSIZE) {
    if (!mapPage(memory, pgdir, a, pa + (a - first), perm)) {
      clearRange(memory, pgdir, first, a, false);
      return false;
    }
  }
  return true;
}

function checkMapRange(
  memory: Memory,
  va: number,
  size: number,
  pa: number,
  perm: number,
  bytes: number,
): void {
  checkInteger("mapPages", "va", va, 0, KERNBASE - 1, `an integer in [0, ${KERNBASE})`);
  checkInteger("mapPages", "size", size, 1, KERNBASE, `an integer in [1, ${KERNBASE}]`);
  if (va + size > KERNBASE) {
    throw new RangeError(`mapPages: va ${va} + size ${size} is past KERNBASE (${KERNBASE})`);
  }
  if (!Number.isInteger(pa) || pa % PGSIZE !== 0 || pa <= 0 || pa + bytes > memory.size) {
    throw argumentError(
      "mapPages",
      "pa",
      pa,
      `a page-aligned frame address with room for ${bytes} bytes in physical memory (${memory.size} bytes)`,
    );
  }
  if (!Number.isInteger(perm) || (perm & ~PTE_FLAGS_MASK) !== 0 || (perm & PTE_PS) !== 0) {
    throw argumentError(
      "mapPages",
      "perm",
      perm,
      "an integer of entry flags (0 to 0xfff, no PTE_PS)",
    );
  }
}

/**
 * Unmaps the pages covering [va, va + size), dropping one reference to each frame when `free` is
 * set. Panics, changing nothing, if a page of the range is not mapped. Frees page tables that end
 * up empty. The caller flushes the CPU TLB if `pgdir` is loaded.
 */
export function unmapPages(
  memory: Memory,
  pgdir: number,
  va: number,
  size: number,
  free: boolean,
): void {
  checkPgdir(memory, "unmapPages", pgdir);
  checkInteger("unmapPages", "va", va, 0, KERNBASE - 1, `an integer in [0, ${KERNBASE})`);
  checkInteger("unmapPages", "size", size, 1, KERNBASE, `an integer in [1, ${KERNBASE}]`);
  if (va + size > KERNBASE) {
    throw new RangeError(`unmapPages: va ${va} + size ${size} is past KERNBASE (${KERNBASE})`);
  }
  checkBoolean("unmapPages", "free", free);
  const first = pgRoundDown(va);
  const end = pgRoundDown(va + size - 1) + PGSIZE;
  for (let a = first; a < end; a += PGSIZE) {
    const pte = walkPgdir(memory, pgdir, a, false);
    if (pte < 0 || (memory.words[pte >>> 2] & PTE_P) === 0) {
      throw new MmuPanic(`unmapPages: ${hex(a)} is not mapped`);
    }
  }
  checkUserRange(memory, "unmapPages", pgdir, first, end, free ? "owned" : "any");

  clearRange(memory, pgdir, first, end, free);
}

/**
 * Clears every present pte in the page-aligned user range [start, end), dropping one reference to
 * each frame when `free` is set, skips absent pages, and frees page tables that end up empty.
 */
export function clearRange(
  memory: Memory,
  pgdir: number,
  start: number,
  end: number,
  free: boolean,
): void {
  const words = memory.words;
  forEachTable(memory, pgdir, start, end, (dirIndex, pde, from, to) => {
    const tableWord = tableWordOf(memory, "clearRange", pde);
    for (let va = from; va < to; va += PGSIZE) {
      const index = tableWord + ((va >>> PGSHIFT) & 0x3ff);
      const pte = words[index];
      if ((pte & PTE_P) !== 0) {
        words[index] = 0;
        if (free) {
          memory.frames.kfree((pte & ~PTE_FLAGS_MASK) >>> 0);
        }
      }
    }
    freeTableIfEmpty(memory, pgdir, dirIndex);
  });
}

/** Frees the user page table at directory index `dirIndex` if none of its entries is present. */
function freeTableIfEmpty(memory: Memory, pgdir: number, dirIndex: number): void {
  const words = memory.words;
  const pdeIndex = (pgdir >>> 2) + dirIndex;
  const tableWord = tableWordOf(memory, "freeTableIfEmpty", words[pdeIndex]);
  for (let index = 0; index < NPDENTRIES; index++) {
    if ((words[tableWord + index] & PTE_P) !== 0) {
      return;
    }
  }

  words[pdeIndex] = 0;
  memory.frames.kfree(tableWord << 2);
}
