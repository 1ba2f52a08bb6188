/**
 * @xv6ts/mmu: simulated physical memory, a reference-counted frame allocator, and x86 two-level
 * page tables kept in that memory in the hardware's format, with the page walk the CPU calls on a
 * TLB miss. This file is the whole public API.
 */
export type { CopyPrivilege, UserPage } from "./copy.ts";
export { FrameAllocator, type FrameAllocatorOptions } from "./frames.ts";
export { Mmu, type MmuOptions } from "./mmu.ts";
export { MmuPanic } from "./panic.ts";
export {
  DEVSPACE,
  FEC_P,
  FEC_U,
  FEC_W,
  isPageAligned,
  KERNBASE,
  NPDENTRIES,
  NPTENTRIES,
  PGSHIFT,
  PGSIZE,
  PHYSTOP_DEFAULT,
  PTE_A,
  PTE_D,
  PTE_FLAGS_MASK,
  PTE_P,
  PTE_PCD,
  PTE_PS,
  PTE_PWT,
  PTE_U,
  PTE_W,
  PTSIZE,
  pdx,
  pgAddr,
  pgRoundDown,
  pgRoundUp,
  pteAddr,
  pteFlags,
  ptx,
} from "./pte.ts";
