/**
 * The process-level operations on a user address space [0, sz): grow and shrink it, copy it for
 * fork, free it, make the stack guard page, and look up a user page's frame. These are xv6's
 * allocuvm, deallocuvm, copyuvm, freevm, clearpteu and uva2ka, on the tables of page-table.ts.
 *
 * Every user page that allocUvm maps is user + writable, whatever the ELF flags request, as on xv6.
 * A user page table exists exactly as long as it maps a present page, so an address space owns
 * one frame for its directory, one per page table in use and one per present page, and freeing it
 * returns all of them.
 *
 * Every operation first checks that `pgdir` is a live directory made by setupKvm (an O(1) tag
 * lookup), then that the entries of the range it works on are sound (checkUserRange), and only
 * then allocates or frees. A panic therefore changes nothing and leaks no frame. After those
 * checks, running out of frames is the only failure left, and it is rolled back.
 *
 * None of these calls touch the CPU. Each one that changes the mappings of a directory the CPU may
 * have cached (allocUvm, deallocUvm, clearPteU) says so: the caller, which holds the Cpu, calls
 * cpu.flushTlb() afterwards when that directory is loaded.
 */

import { argumentError, checkInteger, checkSize } from "./args.ts";
import {
  checkPgdir,
  checkUserRange,
  clearRange,
  KERNEL_PDX,
  type Memory,
  mapPage,
  setupKvm,
  tableWordOf,
  walkPgdir,
} from "./page-table.ts";
import { MmuPanic, TRACE, trace } from "./panic.ts";
import {
  hex,
  KERNBASE,
  NPTENTRIES,
  PGSHIFT,
  PGSIZE,
  PTE_A,
  PTE_FLAGS_MASK,
  PTE_P,
  PTE_U,
  PTE_W,
  PTSIZE,
  pgRoundUp,
} from "./pte.ts";

/**
 * Grows the address space from `oldsz` to `newsz` with zeroed user + writable pages. Returns
 * `newsz`, `oldsz` if `newsz` is smaller, or 0 when `newsz` reaches KERNBASE or frames run out; a
 * failed call returns every frame it took. Panics, changing nothing, if a page of the new range
 * is already mapped. The caller flushes the CPU TLB if `pgdir` is loaded.
 */
export function allocUvm(memory: Memory, pgdir: number, oldsz: number, newsz: number): number {
  checkPgdir(memory, "allocUvm", pgdir);
  checkSize("allocUvm", "oldsz", oldsz);
  if (!Number.isInteger(newsz) || newsz < 0) {
    throw argumentError("allocUvm", "newsz", newsz, "a non-negative integer");
  }
  if (newsz >= KERNBASE) {
    return 0;
  }
  if (newsz < oldsz) {
    return oldsz;
  }

  const start = pgRoundUp(oldsz);
  checkUserRange(memory, "allocUvm", pgdir, start, pgRoundUp(newsz), "absent");
  for (let va = start; va < newsz; va += PGSIZE) {
    const pa = memory.frames.kalloc();
    if (pa < 0 || !mapPage(memory, pgdir, va, pa, PTE_W | PTE_U)) {
      if (pa >= 0) {
        memory.frames.kfree(pa);
      }
      clearRange(memory, pgdir, start, va, true);
      if (TRACE) trace(`allocUvm ${hex(pgdir)} ${hex(oldsz)} -> ${hex(newsz)}: out of frames`);
      return 0;
    }
  }
  if (TRACE) trace(`allocUvm ${hex(pgdir)} ${hex(oldsz)} -> ${hex(newsz)}`);
  return newsz;
}

/**
 * Shrinks the address space from `oldsz` to `newsz`, freeing the pages above pgRoundUp(newsz)
 * (absent ones are skipped) and page tables left empty. Returns `newsz`, or `oldsz` if `newsz` is
 * not smaller. The caller flushes the CPU TLB if `pgdir` is loaded.
 */
export function deallocUvm(memory: Memory, pgdir: number, oldsz: number, newsz: number): number {
  checkPgdir(memory, "deallocUvm", pgdir);
  checkSize("deallocUvm", "oldsz", oldsz);
  checkSize("deallocUvm", "newsz", newsz);
  if (newsz >= oldsz) {
    return oldsz;
  }

  checkUserRange(memory, "deallocUvm", pgdir, pgRoundUp(newsz), pgRoundUp(oldsz), "owned");
  clearRange(memory, pgdir, pgRoundUp(newsz), pgRoundUp(oldsz), true);
  if (TRACE) trace(`deallocUvm ${hex(pgdir)} ${hex(oldsz)} -> ${hex(newsz)}`);
  return newsz;
}

/**
 * Creates a copy of the user pages of [0, sz) for fork. In the new directory every present page
 * is a new frame with the same bytes and pte flags, and absent pages stay absent. Returns the new
 * directory, or -1 when frames run out, after freeing everything it allocated.
 */
export function copyUvm(memory: Memory, pgdir: number, sz: number): number {
  checkPgdir(memory, "copyUvm", pgdir);
  checkSize("copyUvm", "sz", sz);
  const end = pgRoundUp(sz);
  checkUserRange(memory, "copyUvm", pgdir, 0, end, "owned");
  const child = setupKvm(memory);
  if (child < 0) {
    return -1;
  }

  for (let tableVa = 0; tableVa < end; tableVa += PTSIZE) {
    if (!copyTable(memory, pgdir, child, tableVa, Math.min(end, tableVa + PTSIZE))) {
      freeVm(memory, child);
      if (TRACE) trace(`copyUvm ${hex(pgdir)} size ${hex(sz)}: out of frames`);
      return -1;
    }
  }
  if (TRACE) trace(`copyUvm ${hex(pgdir)} size ${hex(sz)} -> ${hex(child)}`);
  return child;
}

/** Copies the present pages of [start, end), which lie in one page table, into `child`. */
function copyTable(
  memory: Memory,
  pgdir: number,
  child: number,
  start: number,
  end: number,
): boolean {
  const { words, bytes, frames, onWrite } = memory;
  const pde = words[(pgdir >>> 2) + (start >>> 22)];
  if ((pde & PTE_P) === 0) {
    return true;
  }

  const tableWord = tableWordOf(memory, "copyUvm", pde);
  for (let va = start; va < end; va += PGSIZE) {
    const pte = words[tableWord + ((va >>> PGSHIFT) & 0x3ff)];
    if ((pte & PTE_P) === 0) {
      continue;
    }
    const from = frameOf(memory, "copyUvm", pte);
    const to = frames.kallocUnzeroed();
    if (to < 0) {
      return false;
    }
    bytes.copyWithin(to, from, from + PGSIZE);
    if (onWrite !== undefined) {
      onWrite(to >>> PGSHIFT);
    }
    if (!mapPage(memory, child, va, to, pte & PTE_FLAGS_MASK & ~PTE_P)) {
      frames.kfree(to);
      return false;
    }
  }
  return true;
}

/** Returns the frame address of a present user pte, panicking in `caller` if it is outside memory. */
function frameOf(memory: Memory, caller: string, pte: number): number {
  const pa = (pte & ~PTE_FLAGS_MASK) >>> 0;
  if (pa >= memory.size) {
    throw new MmuPanic(`${caller}: table entry ${hex(pte)} points outside physical memory`);
  }
  return pa;
}

/**
 * Frees an address space: drops one reference to every present user page, frees the user page
 * tables and the directory, and removes its page-directory tag. The shared kernel tables stay.
 * Panics, changing nothing, if `pgdir` is `cr3` (the directory the translator walks, whose frames
 * would be reused under it), if a kernel entry differs from the shared ones, or if a user entry
 * points outside memory.
 */
export function freeVm(memory: Memory, pgdir: number, cr3 = 0): void {
  checkPgdir(memory, "freeVm", pgdir);
  if (pgdir === cr3) {
    throw new MmuPanic(`freeVm: pgdir ${hex(pgdir)} is the loaded directory (cr3)`);
  }
  checkKernelPdes(memory, "freeVm", pgdir);
  checkUserRange(memory, "freeVm", pgdir, 0, KERNBASE, "owned");

  const words = memory.words;
  const pgdirWord = pgdir >>> 2;
  for (let dirIndex = 0; dirIndex < KERNEL_PDX; dirIndex++) {
    const pde = words[pgdirWord + dirIndex];
    if ((pde & PTE_P) === 0) {
      continue;
    }
    const tableWord = tableWordOf(memory, "freeVm", pde);
    for (let index = 0; index < NPTENTRIES; index++) {
      const pte = words[tableWord + index];
      if ((pte & PTE_P) !== 0) {
        memory.frames.kfree(frameOf(memory, "freeVm", pte));
      }
    }
    memory.frames.kfree(tableWord << 2);
  }
  memory.frames.unmarkPageDirectory(pgdir);
  memory.frames.kfree(pgdir);
  if (TRACE) trace(`freeVm ${hex(pgdir)}`);
}

/** Panics in `caller` if a kernel entry of `pgdir` differs from the shared ones (A aside). */
export function checkKernelPdes(memory: Memory, caller: string, pgdir: number): void {
  const pgdirWord = pgdir >>> 2;
  for (let dirIndex = KERNEL_PDX; dirIndex < 1024; dirIndex++) {
    const pde = memory.words[pgdirWord + dirIndex] & ~PTE_A;
    if (pde >>> 0 !== memory.kernelPdes[dirIndex]) {
      throw new MmuPanic(
        `${caller}: kernel entry ${dirIndex} of pgdir ${hex(pgdir)} is ${hex(pde)}, expected ${hex(memory.kernelPdes[dirIndex])}`,
      );
    }
  }
}

/**
 * Clears the user bit of the page at `va`, making it the stack guard: user accesses fault with
 * error code 5 or 7 while the kernel (cpl 0) can still write it. Panics if the page is not mapped.
 * The caller flushes the CPU TLB if `pgdir` is loaded.
 */
export function clearPteU(memory: Memory, pgdir: number, va: number): void {
  checkPgdir(memory, "clearPteU", pgdir);
  checkInteger("clearPteU", "va", va, 0, KERNBASE - 1, `an integer in [0, ${KERNBASE})`);
  const pte = walkPgdir(memory, pgdir, va, false);
  if (pte < 0 || (memory.words[pte >>> 2] & PTE_P) === 0) {
    throw new MmuPanic(`clearPteU: va ${va} (${hex(va)}) is not mapped`);
  }

  memory.words[pte >>> 2] &= ~PTE_U;
}

/**
 * Returns the physical address of the frame (its start) of the user page holding `va`, or -1 if
 * `va` is not below KERNBASE, or the page is absent or not a user page at both levels.
 */
export function uva2ka(memory: Memory, pgdir: number, va: number): number {
  checkPgdir(memory, "uva2ka", pgdir);
  if (!Number.isInteger(va)) {
    throw argumentError("uva2ka", "va", va, "an integer address");
  }
  if (va < 0 || va >= KERNBASE) {
    return -1;
  }
  const pde = memory.words[(pgdir >>> 2) + (va >>> 22)];
  if ((pde & PTE_P) === 0 || (pde & PTE_U) === 0) {
    return -1;
  }

  const tableWord = tableWordOf(memory, "uva2ka", pde);
  const pte = memory.words[tableWord + ((va >>> PGSHIFT) & 0x3ff)];
  if ((pte & PTE_P) === 0 || (pte & PTE_U) === 0) {
    return -1;
  }
  return frameOf(memory, "uva2ka", pte);
}
