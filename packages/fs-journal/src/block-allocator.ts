/**
 * The free-block bitmap: allocating and freeing data blocks inside transactions.
 *
 * balloc takes the lowest free block, as xv6 does, so images grow the same way as under real
 * xv6. To avoid rescanning the bitmap from the start on every allocation it keeps `hint`, a
 * block number below which no block is free; bfree lowers it. A new block is zeroed through
 * the log, so a crash can never expose a previous file's data in it.
 */
import type { BufferCache } from "./buffer-cache";
import { FsFormatError } from "./diagnostics";
import { bitmapBlock, bitmapByte, bitmapMask, type DiskLayout } from "./format";
import type { Log } from "./log";

/** Allocates and frees data blocks through the cache and the log. */
export class BlockAllocator {
  private readonly cache: BufferCache;
  private readonly log: Log;
  private readonly layout: DiskLayout;
  /** No block below this number is free. */
  private hint: number;

  constructor(cache: BufferCache, log: Log, layout: DiskLayout) {
    this.cache = cache;
    this.log = log;
    this.layout = layout;
    this.hint = layout.datastart;
  }

  /** Allocates the lowest free block and zeroes it; returns 0 when the disk is full. */
  balloc(): number {
    const b = this.findFree(this.hint, 1, null);
    if (b < 0) {
      this.hint = this.layout.size;
      return 0;
    }

    const bp = this.cache.bread(bitmapBlock(this.layout, b));
    bp.data[bitmapByte(this.layout, b)]! |= bitmapMask(b);
    this.log.logWrite(bp);
    this.cache.brelse(bp);
    this.hint = b + 1;

    const zp = this.cache.bread(b);
    zp.data.fill(0);
    this.log.logWrite(zp);
    this.cache.brelse(zp);
    return b;
  }

  /** Marks block b free. Raises FsFormatError when b is no data block or is already free. */
  bfree(b: number): void {
    if (b < this.layout.datastart || b >= this.layout.size) {
      throw new FsFormatError(
        `bfree: block ${b} is not a data block (${this.layout.datastart} to ${this.layout.size - 1})`,
      );
    }
    const bp = this.cache.bread(bitmapBlock(this.layout, b));
    const byte = bitmapByte(this.layout, b);
    if ((bp.data[byte]! & bitmapMask(b)) === 0) {
      this.cache.brelse(bp);
      throw new FsFormatError(`bfree: block ${b} is already free; two files share it`, {
        runFsck: true,
      });
    }
    bp.data[byte]! &= ~bitmapMask(b);
    this.log.logWrite(bp);
    this.cache.brelse(bp);
    if (b < this.hint) this.hint = b;
  }

  /**
   * Returns how many distinct bitmap blocks the next `count` allocations will change, reading
   * the bitmap without changing it. Counts only the allocations that can succeed.
   */
  bitmapBlocksFor(count: number): number {
    const touched = new Set<number>();
    this.findFree(this.hint, count, touched);
    return touched.size;
  }

  /** Counts the free data blocks by reading the whole bitmap. */
  freeCount(): number {
    let free = 0;
    const start = this.layout.datastart;
    this.scan(start, () => {
      free++;
      return false;
    });
    return free;
  }

  /**
   * Finds free blocks from `from` up: returns the first one when `wanted` is 1, or -1 if there
   * is none. When `touched` is given, adds the bitmap block of each of the first `wanted` free
   * blocks to it.
   */
  private findFree(from: number, wanted: number, touched: Set<number> | null): number {
    let first = -1;
    let found = 0;
    if (wanted <= 0) return -1;
    this.scan(from, (b) => {
      if (first < 0) first = b;
      touched?.add(bitmapBlock(this.layout, b));
      found++;
      return found >= wanted;
    });
    return first;
  }

  /** Calls visit(b) for each free block from `from` up until it returns true. */
  private scan(from: number, visit: (b: number) => boolean): void {
    const { size, bitsPerBlock } = this.layout;
    let b = Math.max(from, this.layout.datastart);
    while (b < size) {
      const bp = this.cache.bread(bitmapBlock(this.layout, b));
      const end = Math.min(size, (Math.floor(b / bitsPerBlock) + 1) * bitsPerBlock);
      try {
        for (; b < end; b++) {
          const byte = bp.data[bitmapByte(this.layout, b)]!;
          if (byte === 0xff && (b & 7) === 0 && b + 8 <= end) {
            b += 7;
            continue;
          }
          if ((byte & bitmapMask(b)) === 0 && visit(b)) return;
        }
      } finally {
        this.cache.brelse(bp);
      }
    }
  }
}
