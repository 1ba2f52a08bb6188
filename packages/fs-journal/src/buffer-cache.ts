/**
 * The buffer cache: a fixed set of block buffers in least-recently-used order.
 *
 * Every block the file system reads or changes goes through bread/brelse. A change is made in
 * the cached buffer and handed to the log (logWrite), which marks the buffer `logged`; a logged
 * buffer is never evicted, because until the commit installs it the cache holds the only copy
 * of the change. The log writes buffers to the device itself (bwrite); nothing else does.
 *
 * The buffers are made once, so reading a block allocates nothing. Operations never overlap in
 * xv6ts, so there are no sleep-locks; `refcnt` only guards against evicting a buffer that a
 * caller still holds between bread and brelse.
 */
import type { BlockDevice } from "./devices";
import { panic } from "./diagnostics";

/** xv6's NBUF; the cache is larger when the log can pin more blocks than this. */
export const NBUF = 30;

/** One cached block. */
export class Buf {
  blockno = -1;
  /** Whether data holds the block's contents. */
  valid = false;
  /** Holders between bread and brelse. */
  refcnt = 0;
  /** Changed in the current transaction: pinned until the commit installs it. */
  logged = false;
  readonly data: Uint8Array;
  prev: Buf = this;
  next: Buf = this;

  constructor(blockSize: number) {
    this.data = new Uint8Array(blockSize);
  }
}

/** A fixed pool of buffers over one device, recycled least recently used first. */
export class BufferCache {
  readonly capacity: number;
  private readonly device: BlockDevice;
  private readonly limit: number;
  private readonly byBlock = new Map<number, Buf>();
  /** Sentinel of the LRU list: head.next is the most recently released buffer. */
  private readonly head: Buf;

  /** Makes `capacity` buffers for `device`; blocks at or past `limit` are refused. */
  constructor(device: BlockDevice, capacity: number, limit = device.blockCount) {
    this.device = device;
    this.capacity = capacity;
    this.limit = limit;
    this.head = new Buf(0);
    for (let i = 0; i < capacity; i++) {
      const b = new Buf(device.blockSize);
      this.insertAfterHead(b);
    }
  }

  /** Returns a held buffer with the contents of block blockno; release it with brelse. */
  bread(blockno: number): Buf {
    if (!Number.isInteger(blockno) || blockno < 0 || blockno >= this.limit) {
      panic("bread", `block ${blockno} is outside the disk (${this.limit} blocks)`);
    }
    const b = this.bget(blockno);
    if (!b.valid) {
      this.device.read(blockno, b.data);
      b.valid = true;
    }
    return b;
  }

  /** Writes a held buffer to the device now; only the log calls this. */
  bwrite(b: Buf): void {
    if (b.refcnt < 1) panic("bwrite", `buffer of block ${b.blockno} is not held`);
    this.device.write(b.blockno, b.data);
  }

  /** Releases a buffer; it becomes the most recently used. */
  brelse(b: Buf): void {
    if (b.refcnt < 1) panic("brelse", `buffer of block ${b.blockno} is not held`);
    b.refcnt--;
    if (b.refcnt === 0) {
      this.unlink(b);
      this.insertAfterHead(b);
    }
  }

  /** Returns the cached buffer of a block without holding it, or undefined. */
  peek(blockno: number): Buf | undefined {
    return this.byBlock.get(blockno);
  }

  /** Counts the buffers that are held or logged; only the others can be recycled. */
  busyCount(): number {
    let busy = 0;
    for (let b = this.head.next; b !== this.head; b = b.next) if (b.refcnt > 0 || b.logged) busy++;
    return busy;
  }

  private bget(blockno: number): Buf {
    const cached = this.byBlock.get(blockno);
    if (cached) {
      cached.refcnt++;
      return cached;
    }

    // Recycle the least recently used buffer that no caller holds and the log has not pinned.
    for (let b = this.head.prev; b !== this.head; b = b.prev) {
      if (b.refcnt === 0 && !b.logged) {
        if (b.blockno >= 0) this.byBlock.delete(b.blockno);
        b.blockno = blockno;
        b.valid = false;
        b.refcnt = 1;
        this.byBlock.set(blockno, b);
        return b;
      }
    }
    return panic("bget", `no buffers: all ${this.capacity} are held or logged`);
  }

  private unlink(b: Buf): void {
    b.prev.next = b.next;
    b.next.prev = b.prev;
  }

  private insertAfterHead(b: Buf): void {
    b.next = this.head.next;
    b.prev = this.head;
    this.head.next.prev = b;
    this.head.next = b;
  }
}
