/**
 * Copies between the kernel and a user address space given only its page directory: copyOut,
 * copyIn, copyInStr and loadUvm for the system calls and exec, readPage and readAddressSpace for
 * checkpointing another process, and dirty-page tracking for incremental checkpoints.
 *
 * Rights: a copy with cpl 3 needs the user bit at both levels, like xv6's copyout, which exec
 * uses for the new stack. A copy with cpl 0 accepts any present page, as the kernel writing
 * through the current directory does, so read() into the stack guard page succeeds. A write also needs the
 * write bit at both levels, as the hardware with CR0.WP (which xv6 sets) requires even at cpl 0.
 *
 * A copy checks every page of the range before it moves a byte, so a failed copy changes nothing.
 * A successful one marks the pages as the hardware walk would: accessed in the pde and pte, and
 * dirty in the pte for a write, so that pages the kernel wrote show up in dirtyPages. The readers
 * for checkpointing (readPage, readAddressSpace, dirtyPages) change no bit.
 *
 * Writes report each touched frame through `memory.onWrite` (physical page number), so that the
 * kernel can drop decoded instructions the CPU cached for it.
 */

import {
  argumentError,
  checkBytes,
  checkInteger,
  checkPrivilege,
  checkSize,
  checkUserPage,
  copyAddressError,
} from "./args.ts";
import { checkPgdir, type Memory, tableWordOf } from "./page-table.ts";
import { MmuPanic } from "./panic.ts";
import {
  hex,
  isPageAligned,
  KERNBASE,
  PGSHIFT,
  PGSIZE,
  PTE_A,
  PTE_D,
  PTE_FLAGS_MASK,
  PTE_P,
  PTE_U,
  PTE_W,
  PTSIZE,
  pgRoundUp,
} from "./pte.ts";

/** One page of an address space, read by readPage: present with its rights and bytes, or absent. */
export type UserPage =
  | {
      type: "present";
      /** Linear address of the page. */
      va: number;
      /** Physical address of the frame. */
      pa: number;
      /** The pte flags, with W and U cleared where the pde lacks them (the effective rights). */
      flags: number;
      /** A copy of the page's 4096 bytes. */
      bytes: Uint8Array;
    }
  | { type: "absent"; va: number };

/** The privilege a copy runs with: 3 checks user rights, 0 only presence (and write rights). */
export type CopyPrivilege = 0 | 3;

/** Returns whether [va, va + len) is a range of integers inside user space, without overflow. */
function isUserRange(va: number, len: number): boolean {
  return (
    Number.isInteger(va) && Number.isInteger(len) && va >= 0 && len >= 0 && va + len <= KERNBASE
  );
}

/**
 * Returns the frame address of the page holding user address `va` if an access with `write` and
 * `cpl` may use it, or -1. With `mark` set, also sets A in both entries (and D on a write).
 */
function walkUser(
  memory: Memory,
  pgdir: number,
  va: number,
  write: boolean,
  cpl: CopyPrivilege,
  mark: boolean,
): number {
  const words = memory.words;
  const pdeIndex = (pgdir >>> 2) + (va >>> 22);
  const pde = words[pdeIndex];
  if ((pde & PTE_P) === 0) {
    return -1;
  }
  const pteIndex = tableWordOf(memory, "walkUser", pde) + ((va >>> PGSHIFT) & 0x3ff);
  const pte = words[pteIndex];
  if ((pte & PTE_P) === 0) {
    return -1;
  }

  const rights = pde & pte;
  if ((cpl === 3 && (rights & PTE_U) === 0) || (write && (rights & PTE_W) === 0)) {
    return -1;
  }
  const pa = (pte & ~PTE_FLAGS_MASK) >>> 0;
  if (pa >= memory.size) {
    throw new MmuPanic(`walkUser: table entry ${hex(pte)} points outside physical memory`);
  }
  if (mark) {
    words[pdeIndex] = pde | PTE_A;
    words[pteIndex] = pte | PTE_A | (write ? PTE_D : 0);
  }
  return pa;
}

/** Returns whether every page of the non-empty range [va, va + len) allows the access. */
function rangeAllows(
  memory: Memory,
  pgdir: number,
  va: number,
  len: number,
  write: boolean,
  cpl: CopyPrivilege,
): boolean {
  const end = va + len;
  for (let page = va - (va % PGSIZE); page < end; page += PGSIZE) {
    if (walkUser(memory, pgdir, page, write, cpl, false) < 0) {
      return false;
    }
  }
  return true;
}

/**
 * Copies `src` to user address `va` of `pgdir`. Returns false, writing nothing, if the range leaves
 * user space or a page is absent or forbids the write at `cpl` (see the file comment).
 */
export function copyOut(
  memory: Memory,
  pgdir: number,
  va: number,
  src: Uint8Array,
  cpl: CopyPrivilege,
): boolean {
  checkPgdir(memory, "copyOut", pgdir);
  if (!(src instanceof Uint8Array)) checkBytes("copyOut", "src", src);
  if (cpl !== 3 && cpl !== 0) checkPrivilege("copyOut", cpl);
  const len = src.length;
  if (!isUserRange(va, len)) {
    const error = copyAddressError("copyOut", va);
    if (error !== null) throw error;
    return false;
  }
  if (len > 0 && !rangeAllows(memory, pgdir, va, len, true, cpl)) {
    return false;
  }

  // NOTE: a frame shared by several mappings (reference count > 1) is written in place, so the
  // bytes appear in every mapping. Copy-on-write needs the caller to map such pages read-only and copy them.
  for (let offset = 0; offset < len; ) {
    const address = va + offset;
    const pa = walkUser(memory, pgdir, address, true, cpl, true);
    const inPage = Math.min(len - offset, PGSIZE - (address % PGSIZE));
    memory.bytes.set(src.subarray(offset, offset + inPage), pa + (address % PGSIZE));
    if (memory.onWrite !== undefined) {
      memory.onWrite(pa >>> PGSHIFT);
    }
    offset += inPage;
  }
  return true;
}

/**
 * Fills `dst` from user address `va` of `pgdir`. Returns false, leaving `dst` unchanged, if the
 * range leaves user space or a page is absent or, at cpl 3, not a user page.
 */
export function copyIn(
  memory: Memory,
  pgdir: number,
  va: number,
  dst: Uint8Array,
  cpl: CopyPrivilege,
): boolean {
  checkPgdir(memory, "copyIn", pgdir);
  if (!(dst instanceof Uint8Array)) checkBytes("copyIn", "dst", dst);
  if (cpl !== 3 && cpl !== 0) checkPrivilege("copyIn", cpl);
  const len = dst.length;
  if (!isUserRange(va, len)) {
    const error = copyAddressError("copyIn", va);
    if (error !== null) throw error;
    return false;
  }
  if (len > 0 && !rangeAllows(memory, pgdir, va, len, false, cpl)) {
    return false;
  }

  for (let offset = 0; offset < len; ) {
    const address = va + offset;
    const pa = walkUser(memory, pgdir, address, false, cpl, true) + (address % PGSIZE);
    const inPage = Math.min(len - offset, PGSIZE - (address % PGSIZE));
    dst.set(memory.bytes.subarray(pa, pa + inPage), offset);
    offset += inPage;
  }
  return true;
}

/**
 * Reads the NUL-terminated string at user address `va`, looking at no more than `max` bytes and
 * never at KERNBASE or above. Returns its bytes as latin1 (one char per byte, NUL excluded), or
 * null if no NUL comes first or a page on the way is absent or, at cpl 3, not a user page.
 */
export function copyInStr(
  memory: Memory,
  pgdir: number,
  va: number,
  max: number,
  cpl: CopyPrivilege,
): string | null {
  checkPgdir(memory, "copyInStr", pgdir);
  checkPrivilege("copyInStr", cpl);
  if (!Number.isInteger(max) || max < 0) {
    throw argumentError("copyInStr", "max", max, "a non-negative integer");
  }
  if (!isUserRange(va, 0)) {
    const error = copyAddressError("copyInStr", va);
    if (error !== null) throw error;
    return null;
  }

  let text = "";
  let address = va;
  let remaining = Math.min(max, KERNBASE - va);
  while (remaining > 0) {
    const pa = walkUser(memory, pgdir, address, false, cpl, true);
    if (pa < 0) {
      return null;
    }
    const inPage = Math.min(remaining, PGSIZE - (address % PGSIZE));
    const start = pa + (address % PGSIZE);
    const chunk = memory.bytes.subarray(start, start + inPage);
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      return text + decodeLatin1(chunk.subarray(0, nul));
    }
    text += decodeLatin1(chunk);
    address += inPage;
    remaining -= inPage;
  }
  return null;
}

function decodeLatin1(chunk: Uint8Array): string {
  return String.fromCharCode.apply(null, chunk as unknown as number[]);
}

/**
 * Copies ELF segment bytes to page-aligned `va` (exec's loaduvm), through pages that must already
 * be mapped writable. Returns false, writing nothing, if a page is absent or read-only or the range
 * leaves user space. Throws a RangeError if `va` is not page-aligned.
 */
export function loadUvm(memory: Memory, pgdir: number, va: number, data: Uint8Array): boolean {
  checkPgdir(memory, "loadUvm", pgdir);
  checkBytes("loadUvm", "data", data);
  if (!isPageAligned(va)) {
    throw argumentError("loadUvm", "va", va, "a page-aligned integer address");
  }
  return copyOut(memory, pgdir, va, data, 0);
}

/**
 * Returns the page at page-aligned user address `va` of `pgdir` (which need not be loaded): its
 * effective flags and a copy of its bytes, or absent. Sets no accessed or dirty bit.
 */
export function readPage(memory: Memory, pgdir: number, va: number): UserPage {
  checkPgdir(memory, "readPage", pgdir);
  checkUserPage("readPage", va);
  const pde = memory.words[(pgdir >>> 2) + (va >>> 22)];
  if ((pde & PTE_P) === 0) {
    return { type: "absent", va };
  }
  const pte = memory.words[tableWordOf(memory, "readPage", pde) + ((va >>> PGSHIFT) & 0x3ff)];
  if ((pte & PTE_P) === 0) {
    return { type: "absent", va };
  }

  const pa = (pte & ~PTE_FLAGS_MASK) >>> 0;
  if (pa >= memory.size) {
    throw new MmuPanic(`readPage: table entry ${hex(pte)} points outside physical memory`);
  }
  const flags = pte & PTE_FLAGS_MASK & (pde | ~(PTE_U | PTE_W));
  return { type: "present", va, pa, flags, bytes: memory.bytes.slice(pa, pa + PGSIZE) };
}

/**
 * Returns every page of [va, va + len) of `pgdir` in address order (see readPage). `va` must be
 * page-aligned; the last page is included if the range ends inside it.
 */
export function readAddressSpace(
  memory: Memory,
  pgdir: number,
  va: number,
  len: number,
): UserPage[] {
  checkPgdir(memory, "readAddressSpace", pgdir);
  checkUserPage("readAddressSpace", va);
  checkInteger("readAddressSpace", "len", len, 0, KERNBASE, `an integer in [0, ${KERNBASE}]`);
  if (va + len > KERNBASE) {
    throw new RangeError(`readAddressSpace: va ${va} + len ${len} is past KERNBASE (${KERNBASE})`);
  }

  const pages: UserPage[] = [];
  const end = pgRoundUp(va + len);
  for (let page = va; page < end; page += PGSIZE) {
    pages.push(readPage(memory, pgdir, page));
  }
  return pages;
}

/**
 * Calls `visit(pteIndex, va)` for each present pte of the user range [0, pgRoundUp(sz)), in
 * address order, skipping absent page tables.
 */
function forEachPte(
  memory: Memory,
  caller: string,
  pgdir: number,
  sz: number,
  visit: (pteIndex: number, va: number) => void,
): void {
  checkPgdir(memory, caller, pgdir);
  checkSize(caller, "sz", sz);
  const end = pgRoundUp(sz);
  for (let tableVa = 0; tableVa < end; tableVa += PTSIZE) {
    const pde = memory.words[(pgdir >>> 2) + (tableVa >>> 22)];
    if ((pde & PTE_P) === 0) {
      continue;
    }
    const tableWord = tableWordOf(memory, caller, pde);
    const tableEnd = Math.min(end, tableVa + PTSIZE);
    for (let va = tableVa; va < tableEnd; va += PGSIZE) {
      const pteIndex = tableWord + ((va >>> PGSHIFT) & 0x3ff);
      if ((memory.words[pteIndex] & PTE_P) !== 0) {
        visit(pteIndex, va);
      }
    }
  }
}

/** Returns the addresses of the present pages of [0, sz) whose dirty bit is set, ascending. */
export function dirtyPages(memory: Memory, pgdir: number, sz: number): number[] {
  const pages: number[] = [];
  forEachPte(memory, "dirtyPages", pgdir, sz, (pteIndex, va) => {
    if ((memory.words[pteIndex] & PTE_D) !== 0) {
      pages.push(va);
    }
  });
  return pages;
}

/**
 * Clears the dirty bit of every page of [0, sz). The caller must then call cpu.flushTlb() if
 * `pgdir` is loaded: the CPU's cached write permission would otherwise skip the walk that sets the
 * bit again on the next write.
 */
export function clearDirty(memory: Memory, pgdir: number, sz: number): void {
  forEachPte(memory, "clearDirty", pgdir, sz, (pteIndex) => {
    memory.words[pteIndex] &= ~PTE_D;
  });
}
