/**
 * The x86 paging formats, in one place: the linear address, the page-directory entry (pde) and the
 * page-table entry (pte) of 32-bit two-level paging with 4 KiB pages. The file also fixes the
 * address-space layout xv6 uses, with user space below KERNBASE and kernel space above it.
 *
 * A linear address splits into three fields:
 *
 *   31          22 21          12 11           0
 *  +--------------+--------------+--------------+
 *  | pdx          | ptx          | offset       |
 *  +--------------+--------------+--------------+
 *  pdx indexes the 1024-entry page directory, ptx the 1024-entry page table.
 *
 * A pde and a pte are one little-endian 32-bit word each:
 *
 *   31                       12 11  9 8 7 6 5 4 3 2 1 0
 *  +---------------------------+-----+-+-+-+-+-+-+-+-+-+
 *  | frame address (bits 31..12)|avail|G|S|D|A|C|T|U|W|P|
 *  +---------------------------+-----+-+-+-+-+-+-+-+-+-+
 *   P present, W writable, U user, T write-through (PWT), C cache-disable (PCD), A accessed,
 *   D dirty (pte only), S page size (PS: in a pde, a 4 MiB page when CR4.PSE is set, as xv6 sets it).
 *
 * The frame address is the entry with its low 12 bits cleared; for a pde it is the physical address
 * of a page table, for a pte the physical address of the page.
 */

/** Bytes in a page and in a frame. */
export const PGSIZE = 4096;
/** log2(PGSIZE): a physical page number is pa >>> PGSHIFT. */
export const PGSHIFT = 12;
/** Entries in a page directory or page table. */
export const NPDENTRIES = 1024;
export const NPTENTRIES = 1024;
/** Bytes of address space one page table maps (4 MiB). */
export const PTSIZE = PGSIZE * NPTENTRIES;

/** First kernel address: user space is [0, KERNBASE). */
export const KERNBASE = 0x80000000;
/** First address of device space, mapped supervisor-only up to 4 GiB in every directory. */
export const DEVSPACE = 0xfe000000;
/** Physical memory of real xv6 (224 MiB), the default memory size. */
export const PHYSTOP_DEFAULT = 224 * 1024 * 1024;

export const PTE_P = 0x001;
export const PTE_W = 0x002;
export const PTE_U = 0x004;
export const PTE_PWT = 0x008;
export const PTE_PCD = 0x010;
export const PTE_A = 0x020;
export const PTE_D = 0x040;
export const PTE_PS = 0x080;
/** The flag bits of an entry (everything below the frame address). */
export const PTE_FLAGS_MASK = 0xfff;

/** Page-fault error code bits, as the CPU reports them in a trap and the translator returns them. */
export const FEC_P = 0x1;
export const FEC_W = 0x2;
export const FEC_U = 0x4;

/** Returns the page-directory index (bits 31..22) of a linear address. */
export function pdx(va: number): number {
  return (va >>> 22) & 0x3ff;
}

/** Returns the page-table index (bits 21..12) of a linear address. */
export function ptx(va: number): number {
  return (va >>> 12) & 0x3ff;
}

/** Returns the linear address with directory index `dirIndex`, table index `tableIndex`, offset 0. */
export function pgAddr(dirIndex: number, tableIndex: number): number {
  return ((dirIndex << 22) | (tableIndex << 12)) >>> 0;
}

/** Returns the frame address of a pde or pte (its low 12 bits cleared), as an unsigned number. */
export function pteAddr(entry: number): number {
  return (entry & ~PTE_FLAGS_MASK) >>> 0;
}

/** Returns the flag bits of a pde or pte. */
export function pteFlags(entry: number): number {
  return entry & PTE_FLAGS_MASK;
}

/**
 * Rounds `n` up to a multiple of PGSIZE. Exact for integers in [0, 2^32]: unlike the C macro it
 * does not wrap, so pgRoundUp(0xfffff001) is 2^32.
 */
export function pgRoundUp(n: number): number {
  return Math.ceil(n / PGSIZE) * PGSIZE;
}

/** Rounds `n` down to a multiple of PGSIZE. Exact for integers in [0, 2^32]. */
export function pgRoundDown(n: number): number {
  return Math.floor(n / PGSIZE) * PGSIZE;
}

/** Returns whether `n` is an integer multiple of PGSIZE. */
export function isPageAligned(n: number): boolean {
  return Number.isInteger(n) && n % PGSIZE === 0;
}

/** Formats an address or entry as lowercase hex with a 0x prefix, for messages. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}
