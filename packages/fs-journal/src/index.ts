/**
 * @xv6ts/fs-journal: the xv6 file system with its write-ahead log.
 */

/** Block layout of a disk made by the real xv6 mkfs with its default sizes. */
export interface Layout {
  logstart: number;
  inodestart: number;
  bmapstart: number;
  datastart: number;
  nblocks: number;
}

/** Computes where each region starts on a 512-byte-block xv6 disk. */
export function xv6Layout(size: number, ninodes: number, nlog: number): Layout {
  const inodesPerBlock = 512 / 64;
  const ninodeblocks = Math.floor(ninodes / inodesPerBlock) + 1;
  const nbitmap = Math.floor(size / (512 * 8)) + 1;
  const logstart = 2;
  const inodestart = logstart + nlog;
  const bmapstart = inodestart + ninodeblocks;
  const datastart = bmapstart + nbitmap;
  return { logstart, inodestart, bmapstart, datastart, nblocks: size - datastart };
}
