/**
 * @xv6ts/mmu: physical memory, frames and x86 two-level page tables.
 *
 * A linear address splits into three fields:
 *
 *   31          22 21          12 11           0
 *  +--------------+--------------+--------------+
 *  | directory    | table        | offset       |
 *  +--------------+--------------+--------------+
 */
export const PGSIZE = 4096;

/** Returns the page-directory index of a linear address. */
export function pdx(va: number): number {
  return (va >>> 22) & 0x3ff;
}

/** Returns the page-table index of a linear address. */
export function ptx(va: number): number {
  return (va >>> 12) & 0x3ff;
}
