/**
 * Inodes: the in-memory inode cache, allocation, the block map of a file, reading, writing and
 * truncation.
 *
 * An Inode is a cached copy of an on-disk inode with a reference count. iget finds or loads it
 * and iput drops a reference. The last iput of an inode that no directory names (nlink 0) frees
 * it on disk, so that iput must run inside a transaction. The cache has NINODE slots as in xv6,
 * but in xv6ts a full cache is a failure (iget returns null), not a panic.
 *
 * There are no inode locks: operations never overlap in xv6ts, so iget loads the inode from
 * disk at once, where xv6 waits for ilock. A caller that changes a field calls iupdate.
 *
 * The block map (bmap) of a file, in block indices bn:
 *   [0, NDIRECT)                            addrs[bn]
 *   [NDIRECT, NDIRECT+NINDIRECT)            the indirect block addrs[NDIRECT]
 *   then NINDIRECT*NINDIRECT blocks         extended only: the double-indirect block
 *                                           addrs[NDIRECT+1] holds NINDIRECT addresses of
 *                                           indirect blocks
 * Every address read from the disk is checked to lie in the data area before it is used.
 */
import { requireBytes, requireInteger, requireWhole } from "./arguments";
import type { BlockAllocator } from "./block-allocator";
import type { BufferCache } from "./buffer-cache";
import { FsFormatError, panic, trace, traceFs } from "./diagnostics";
import {
  DINODE_SIZE,
  type Dinode,
  type DiskLayout,
  decodeDinode,
  encodeDinode,
  getI16,
  getU32,
  inodeBlock,
  inodeOffset,
  NADDRS,
  putU32,
  ROOTDEV,
  type Stat,
} from "./format";
import type { Log } from "./log";

/** xv6's NINODE: slots of the in-memory inode cache. */
export const NINODE = 50;

/** The parts of a mounted file system the inode and directory layers share. */
export interface FsCore {
  readonly layout: DiskLayout;
  readonly cache: BufferCache;
  readonly log: Log;
  readonly alloc: BlockAllocator;
  readonly readOnly: boolean;
}

/**
 * An in-memory inode. Its fields mirror the on-disk inode; change them only through the file
 * system's methods, or call iupdate inside a transaction after changing one.
 */
export class Inode implements Dinode {
  readonly dev = ROOTDEV;
  inum = 0;
  /** References held through iget/idup and not yet dropped by iput. */
  ref = 0;
  valid = false;
  type = 0;
  major = 0;
  minor = 0;
  nlink = 0;
  size = 0;
  // The type is written out: inferred, it is Uint32Array<ArrayBuffer>, which the declaration
  // file would carry and TypeScript before 5.7 cannot read.
  readonly addrs: Uint32Array = new Uint32Array(NADDRS);
}

/** The inode cache and the operations on inodes and their data. */
export class InodeTable {
  private readonly core: FsCore;
  private readonly slots: Inode[] = [];
  /** No inode below this number is free on disk. */
  private iallocHint = 1;

  constructor(core: FsCore, ninode: number) {
    this.core = core;
    for (let i = 0; i < ninode; i++) this.slots.push(new Inode());
  }

  /**
   * Returns a referenced inode loaded from disk, or null when every cache slot is in use. An
   * inode number outside 1 to ninodes - 1 raises RangeError (TypeError for a non-number).
   */
  iget(inum: number): Inode | null {
    requireInteger("iget", "inode number", inum, 1, this.core.layout.ninodes - 1);
    let empty: Inode | null = null;
    for (const ip of this.slots) {
      if (ip.ref > 0 && ip.inum === inum) {
        ip.ref++;
        return ip;
      }
      if (empty === null && ip.ref === 0) empty = ip;
    }
    if (empty === null) {
      if (traceFs) {
        trace("fs", `iget ${inum}: all ${this.slots.length} inode cache slots are in use`);
      }
      return null;
    }
    empty.inum = inum;
    empty.ref = 1;
    this.load(empty);
    return empty;
  }

  /** Adds a reference to ip and returns it. */
  idup(ip: Inode): Inode {
    if (ip.ref < 1) panic("idup", `inode ${ip.inum} is not referenced`);
    ip.ref++;
    return ip;
  }

  /**
   * Drops a reference. The last reference to an inode with nlink 0 frees it and its blocks on
   * disk, which needs an open transaction (on a read-only mount the inode is left as it is).
   * Without one it panics before changing anything.
   */
  iput(ip: Inode): void {
    if (ip.ref < 1) panic("iput", `inode ${ip.inum} is not referenced`);
    // NOTE: an inode unlinked while open is freed only here; a crash before this last iput
    // leaves it allocated with nlink 0, as in xv6, and fsck reports it.
    if (ip.ref === 1 && ip.valid && ip.nlink === 0 && ip.type !== 0 && !this.core.readOnly) {
      if (!this.core.log.inTransaction) {
        panic("iput", `freeing unlinked inode ${ip.inum} outside of a transaction`);
      }
      if (traceFs) trace("fs", `iput ${ip.inum}: freeing the inode and its ${ip.size} bytes`);
      this.itrunc(ip);
      ip.type = 0;
      this.iupdate(ip);
      ip.valid = false;
      if (ip.inum < this.iallocHint) this.iallocHint = ip.inum;
    }
    ip.ref--;
  }

  /** Returns whether iget would find a free cache slot for an inode that is not cached. */
  hasFreeSlot(): boolean {
    return this.slots.some((ip) => ip.ref === 0);
  }

  /** Cache slots referenced now. */
  referencedCount(): number {
    return this.slots.filter((ip) => ip.ref > 0).length;
  }

  /**
   * Allocates a free on-disk inode of the given type (nlink 0, size 0) inside a transaction and
   * returns it referenced. Returns null when no inode is free or the cache is full.
   */
  ialloc(type: number): Inode | null {
    if (!this.hasFreeSlot()) return null;
    const { cache, log, layout } = this.core;
    for (let inum = this.iallocHint; inum < layout.ninodes; inum++) {
      const bp = cache.bread(inodeBlock(layout, inum));
      const off = inodeOffset(layout, inum);
      if (getI16(bp.data, off) === 0) {
        bp.data.fill(0, off, off + DINODE_SIZE);
        bp.data[off] = type & 0xff;
        bp.data[off + 1] = (type >> 8) & 0xff;
        log.logWrite(bp);
        cache.brelse(bp);
        this.iallocHint = inum + 1;
        if (traceFs) trace("fs", `ialloc: inode ${inum} of type ${type}`);
        return this.iget(inum);
      }
      cache.brelse(bp);
    }
    this.iallocHint = layout.ninodes;
    return null;
  }

  /** Copies the in-memory inode to disk inside a transaction. */
  iupdate(ip: Inode): void {
    const { cache, log, layout } = this.core;
    const bp = cache.bread(inodeBlock(layout, ip.inum));
    encodeDinode(ip, bp.data, inodeOffset(layout, ip.inum));
    log.logWrite(bp);
    cache.brelse(bp);
  }

  /** Frees every block of ip and sets its size to 0, inside a transaction. */
  itrunc(ip: Inode): void {
    const { layout, alloc } = this.core;
    for (let i = 0; i < layout.ndirect; i++) {
      if (ip.addrs[i]) alloc.bfree(this.checked(ip, ip.addrs[i]!));
      ip.addrs[i] = 0;
    }
    const indirect = ip.addrs[layout.ndirect]!;
    if (indirect) this.freeIndex(ip, indirect, 1);
    ip.addrs[layout.ndirect] = 0;
    if (layout.doubleIndirect) {
      const top = ip.addrs[layout.ndirect + 1]!;
      if (top) this.freeIndex(ip, top, 2);
      ip.addrs[layout.ndirect + 1] = 0;
    }
    ip.size = 0;
    this.iupdate(ip);
  }

  /** Returns the stat of an inode. */
  stati(ip: Inode): Stat {
    return { type: ip.type, dev: ip.dev, ino: ip.inum, nlink: ip.nlink, size: ip.size };
  }

  /**
   * Copies up to n bytes from offset off into dst[0..). Returns the bytes read (fewer at the
   * end of the file), or -1 when off is negative or past the end or n is negative. n is cut at
   * the end of the file first, as xv6 does, and then dst must hold the n bytes (RangeError).
   */
  readi(ip: Inode, dst: Uint8Array, off: number, n: number): number {
    requireBytes("readi", "dst", dst);
    requireWhole("readi", "off", off);
    requireWhole("readi", "n", n);
    if (off < 0 || n < 0 || off > ip.size) return -1;
    this.checkSize(ip);
    if (off + n > ip.size) n = ip.size - off;
    if (n > dst.length) {
      throw new RangeError(
        `readi: dst of ${dst.length} bytes is shorter than the ${n} bytes to read at offset ${off}`,
      );
    }

    const { cache, layout } = this.core;
    const bsize = layout.blockSize;
    for (let tot = 0; tot < n; ) {
      const within = off % bsize;
      const m = Math.min(n - tot, bsize - within);
      const addr = this.bmap(ip, Math.floor(off / bsize), false);
      if (addr === 0) {
        dst.fill(0, tot, tot + m);
      } else {
        const bp = cache.bread(addr);
        dst.set(bp.data.subarray(within, within + m), tot);
        cache.brelse(bp);
      }
      tot += m;
      off += m;
    }
    return n;
  }

  /**
   * Writes n bytes of src at offset off inside a transaction, growing the file as needed.
   * Returns the bytes written, fewer when the disk fills up; -1 when off is negative or past
   * the end, n is negative, or the write would pass the largest file size.
   */
  writei(ip: Inode, src: Uint8Array, off: number, n: number): number {
    requireBytes("writei", "src", src);
    requireWhole("writei", "off", off);
    requireWhole("writei", "n", n);
    if (off < 0 || n < 0 || off > ip.size) return -1;
    if (off + n > this.core.layout.maxFileBytes) return -1;
    if (n > src.length) {
      throw new RangeError(`writei: src of ${src.length} bytes is shorter than n ${n}`);
    }
    if (n === 0) return 0;

    const { cache, log, layout } = this.core;
    const bsize = layout.blockSize;
    let tot = 0;
    while (tot < n) {
      const within = off % bsize;
      const m = Math.min(n - tot, bsize - within);
      const addr = this.bmap(ip, Math.floor(off / bsize), true);
      if (addr === 0) break;
      const bp = cache.bread(addr);
      bp.data.set(src.subarray(tot, tot + m), within);
      log.logWrite(bp);
      cache.brelse(bp);
      tot += m;
      off += m;
    }
    if (off > ip.size) ip.size = off;
    this.iupdate(ip);
    return tot;
  }

  /**
   * Returns the disk address of file block bn, allocating it (and index blocks) when `alloc`
   * is set. Returns 0 for a block that does not exist, or when the disk is full.
   */
  bmap(ip: Inode, bn: number, alloc: boolean): number {
    const { ndirect, nindirect, doubleIndirect } = this.core.layout;
    if (bn < ndirect) return this.slot(ip, ip.addrs, bn, alloc);
    bn -= ndirect;
    if (bn < nindirect) {
      const indirect = this.slot(ip, ip.addrs, ndirect, alloc);
      return indirect === 0 ? 0 : this.entry(ip, indirect, bn, alloc);
    }
    bn -= nindirect;
    if (doubleIndirect && bn < nindirect * nindirect) {
      const top = this.slot(ip, ip.addrs, ndirect + 1, alloc);
      if (top === 0) return 0;
      const mid = this.entry(ip, top, Math.floor(bn / nindirect), alloc);
      return mid === 0 ? 0 : this.entry(ip, mid, bn % nindirect, alloc);
    }
    return panic("bmap", `block index ${bn} is past the largest file`);
  }

  /**
   * Returns how many distinct blocks writei(ip, ?, off, n) will log: every data block it
   * touches, the index blocks it changes, the bitmap blocks its allocations change (found by
   * reading the bitmap) and the inode. Exact while nothing else changes the file system.
   */
  blocksForWrite(ip: Inode, off: number, n: number): number {
    if (n <= 0) return 0;
    const { ndirect, nindirect, doubleIndirect, blockSize } = this.core.layout;
    const first = Math.floor(off / blockSize);
    const last = Math.floor((off + n - 1) / blockSize);
    const count = { logged: last - first + 2, allocations: 0 };

    for (let bn = first; bn <= Math.min(last, ndirect - 1); bn++) {
      if (ip.addrs[bn] === 0) count.allocations++;
    }
    this.countIndexed(ip, ip.addrs[ndirect]!, first - ndirect, last - ndirect, count);
    const base = ndirect + nindirect;
    if (doubleIndirect && last >= base) {
      this.countDoubleIndirect(ip, Math.max(first, base) - base, last - base, count);
    }
    return count.logged + this.core.alloc.bitmapBlocksFor(count.allocations);
  }

  private countDoubleIndirect(
    ip: Inode,
    lo: number,
    hi: number,
    count: { logged: number; allocations: number },
  ): void {
    const { ndirect, nindirect } = this.core.layout;
    const top = ip.addrs[ndirect + 1]!;
    let topChanges = top === 0;
    if (top === 0) count.allocations++;
    for (let m = Math.floor(lo / nindirect); m <= Math.floor(hi / nindirect); m++) {
      const mid = top === 0 ? 0 : this.peekEntry(ip, top, m);
      if (mid === 0) topChanges = true;
      this.countIndexed(ip, mid, lo - m * nindirect, hi - m * nindirect, count);
    }
    if (topChanges) count.logged++;
  }

  /** Counts the allocations and logged index block of the entries [lo, hi] of one index block. */
  private countIndexed(
    ip: Inode,
    index: number,
    lo: number,
    hi: number,
    count: { logged: number; allocations: number },
  ): void {
    const { nindirect } = this.core.layout;
    lo = Math.max(lo, 0);
    hi = Math.min(hi, nindirect - 1);
    if (lo > hi) return;
    if (index === 0) {
      count.allocations += hi - lo + 2;
      count.logged++;
      return;
    }
    const bp = this.core.cache.bread(this.checked(ip, index));
    let holes = 0;
    for (let i = lo; i <= hi; i++) if (getU32(bp.data, 4 * i) === 0) holes++;
    this.core.cache.brelse(bp);
    count.allocations += holes;
    if (holes > 0) count.logged++;
  }

  /** Returns addrs[i], allocating it when it is 0 and `alloc` is set; 0 when none. */
  private slot(ip: Inode, addrs: Uint32Array, i: number, alloc: boolean): number {
    let addr = addrs[i]!;
    if (addr === 0 && alloc) {
      addr = this.core.alloc.balloc();
      addrs[i] = addr;
    }
    return addr === 0 ? 0 : this.checked(ip, addr);
  }

  /** Returns entry i of an index block, allocating it when it is 0 and `alloc` is set. */
  private entry(ip: Inode, index: number, i: number, alloc: boolean): number {
    const { cache, log, alloc: allocator } = this.core;
    const bp = cache.bread(index);
    let addr = getU32(bp.data, 4 * i);
    if (addr === 0 && alloc) {
      addr = allocator.balloc();
      if (addr !== 0) {
        putU32(bp.data, 4 * i, addr);
        log.logWrite(bp);
      }
    }
    cache.brelse(bp);
    return addr === 0 ? 0 : this.checked(ip, addr);
  }

  private peekEntry(ip: Inode, index: number, i: number): number {
    const bp = this.core.cache.bread(this.checked(ip, index));
    const addr = getU32(bp.data, 4 * i);
    this.core.cache.brelse(bp);
    return addr === 0 ? 0 : this.checked(ip, addr);
  }

  /** Frees the blocks an index block names (depth 1: data, depth 2: indirect blocks) and itself. */
  private freeIndex(ip: Inode, index: number, depth: number): void {
    const { cache, alloc, layout } = this.core;
    const entries = new Uint32Array(layout.nindirect);
    const bp = cache.bread(this.checked(ip, index));
    for (let i = 0; i < entries.length; i++) entries[i] = getU32(bp.data, 4 * i);
    cache.brelse(bp);
    for (const addr of entries) {
      if (addr === 0) continue;
      if (depth > 1) this.freeIndex(ip, addr, depth - 1);
      else alloc.bfree(this.checked(ip, addr));
    }
    alloc.bfree(index);
  }

  /** Returns addr when it lies in the data area; raises FsFormatError otherwise. */
  private checked(ip: Inode, addr: number): number {
    const { datastart, size } = this.core.layout;
    if (addr < datastart || addr >= size) {
      throw new FsFormatError(
        `inode ${ip.inum} refers to block ${addr}, outside the data blocks (${datastart} to ${size - 1})`,
        { runFsck: true },
      );
    }
    return addr;
  }

  private checkSize(ip: Inode): void {
    if (ip.size > this.core.layout.maxFileBytes) {
      throw new FsFormatError(
        `inode ${ip.inum} has size ${ip.size}, past the largest file of ${this.core.layout.maxFileBytes} bytes`,
        { runFsck: true },
      );
    }
  }

  private load(ip: Inode): void {
    const { cache, layout } = this.core;
    const bp = cache.bread(inodeBlock(layout, ip.inum));
    decodeDinode(bp.data, inodeOffset(layout, ip.inum), ip);
    cache.brelse(bp);
    ip.valid = true;
  }
}
