/**
 * The write-ahead log: every change to the disk is part of a transaction, and a transaction
 * reaches the disk all at once or not at all.
 *
 * An operation brackets its changes with beginOp/endOp and hands each changed buffer to
 * logWrite, which records the block number and pins the buffer in the cache. A block written
 * twice in one transaction takes one log slot (absorption). When the last open operation ends,
 * the transaction commits:
 *
 *   1. write each logged block's cached copy to the log (logstart+1 .. logstart+n)   barrier
 *   2. write the header with n > 0: the commit point                                 barrier
 *   3. install: write each cached copy to its home block                             barrier
 *   4. write the header with n = 0                                                   barrier
 *
 * A barrier is the device's flush (fsync on a file). Recovery at mount installs a committed
 * header's blocks again and clears it, so a crash anywhere leaves either the old disk (before
 * step 2 is durable) or the new one.
 *
 * Before step 1 the commit reads each logged block's home copy and drops the blocks whose
 * cached copy is the same. So an operation that failed and undid its changes writes nothing at
 * all, for example a create on a full disk that frees the inode it allocated. Every earlier
 * commit installed its blocks before it returned, so the home copy is the committed contents.
 *
 * Operations never overlap in xv6ts, so beginOp never waits. Where xv6 would wait for log
 * space, a reservation that cannot fit is a broken invariant and panics. Several operations may
 * still be open at once (one system call inside another's transaction). Their reservations
 * add up, and they commit together when the last one ends, like xv6's group commit.
 */
import { requireInteger } from "./arguments";
import type { Buf, BufferCache } from "./buffer-cache";
import type { BlockDevice } from "./devices";
import { panic, trace, traceLog } from "./diagnostics";
import { type DiskLayout, encodeLogHeader } from "./format";
import type { ImageInfo } from "./image";

/** Counts of what the log has done since mount. */
export interface LogStats {
  /** Transactions that wrote to the disk (those whose blocks were all unchanged are not counted). */
  commits: number;
  /** Blocks written to the log (each also written home once). */
  blocksLogged: number;
  /** logWrite calls that found their block already in the transaction. */
  absorbed: number;
  /** Logged blocks dropped at commit because their home copy already had the same bytes. */
  unchanged: number;
}

/** The transaction layer over one buffer cache. */
export class Log {
  readonly stats: LogStats = { commits: 0, blocksLogged: 0, absorbed: 0, unchanged: 0 };
  private readonly device: BlockDevice;
  private readonly cache: BufferCache;
  private readonly layout: DiskLayout;
  private readonly readOnly: boolean;
  private readonly header: Uint8Array;
  /** A home block read back at commit, to compare with its cached copy. */
  private readonly home: Uint8Array;
  /** Home block numbers of the blocks in the open transaction, in first-write order. */
  private readonly blocks: Int32Array;
  private readonly slotOf = new Map<number, number>();
  private n = 0;
  private outstanding = 0;
  private reserved = 0;

  constructor(device: BlockDevice, cache: BufferCache, layout: DiskLayout, readOnly: boolean) {
    this.device = device;
    this.cache = cache;
    this.layout = layout;
    this.readOnly = readOnly;
    this.header = new Uint8Array(layout.blockSize);
    this.home = new Uint8Array(layout.blockSize);
    this.blocks = new Int32Array(layout.logCapacity);
  }

  /** Whether an operation is open, so logWrite may be called. */
  get inTransaction(): boolean {
    return this.outstanding > 0;
  }

  /** Blocks logged so far in the open transaction. */
  get loggedCount(): number {
    return this.n;
  }

  /**
   * Opens an operation that will log at most `reserve` blocks (MAXOPBLOCKS by default).
   * Panics when the reservation, with those already made and the blocks logged, overflows the log.
   */
  beginOp(reserve = this.layout.maxOpBlocks): void {
    if (this.readOnly) panic("beginOp", "the file system is mounted read-only");
    requireInteger("beginOp", "reserve", reserve, 0, this.layout.logCapacity);
    if (this.n + this.reserved + reserve > this.layout.logCapacity) {
      panic(
        "beginOp",
        `reserving ${reserve} blocks with ${this.reserved} reserved and ${this.n} logged overflows the log of ${this.layout.logCapacity}`,
      );
    }
    this.outstanding++;
    this.reserved += reserve;
  }

  /** Closes an operation; the last one to close commits the transaction. */
  endOp(): void {
    if (this.outstanding === 0) panic("endOp", "no operation is open");
    this.outstanding--;
    // NOTE: an ended operation keeps its reservation until the group commits, which is
    // stricter than needed but cannot overflow the log.
    if (this.outstanding > 0) return;
    this.reserved = 0;
    this.commit();
  }

  /**
   * Adds a held, changed buffer to the open transaction and pins it in the cache until commit.
   * Use this in place of bwrite. Panics outside a transaction or when the log is full.
   */
  logWrite(b: Buf): void {
    if (this.outstanding === 0) panic("logWrite", "write outside of a transaction");
    if (b.refcnt < 1) panic("logWrite", `buffer of block ${b.blockno} is not held`);
    if (b.blockno < this.layout.inodestart || b.blockno >= this.layout.size) {
      panic("logWrite", `block ${b.blockno} is not an inode, bitmap or data block`);
    }
    if (this.slotOf.has(b.blockno)) {
      this.stats.absorbed++;
      return;
    }
    if (this.n >= this.layout.logCapacity) panic("logWrite", "too big a transaction");
    this.slotOf.set(b.blockno, this.n);
    this.blocks[this.n++] = b.blockno;
    b.logged = true;
  }

  private commit(): void {
    if (this.n === 0) return;
    const logged = this.n;
    const n = this.dropUnchanged();
    if (n > 0) {
      this.writeLog(n);
      this.device.flush();
      this.writeHead(n);
      this.device.flush();
      this.installTrans(n);
      this.device.flush();
      this.writeHead(0);
      this.device.flush();
      this.stats.commits++;
      this.stats.blocksLogged += n;
    }
    this.stats.unchanged += logged - n;
    if (traceLog) this.traceCommit(n, logged - n);
    this.release();
  }

  private traceCommit(n: number, unchanged: number): void {
    const dropped = unchanged > 0 ? `; ${unchanged} unchanged blocks not written` : "";
    if (n === 0) {
      trace("log", `nothing to commit${dropped}`);
      return;
    }
    trace(
      "log",
      `commit of ${n} blocks: ${Array.from(this.blocks.subarray(0, n)).join(" ")}${dropped}`,
    );
  }

  /**
   * Moves the logged blocks whose cached copy differs from the home copy to the front of
   * `blocks`, in their order, and returns how many there are. The others stay pinned until
   * release, which goes by `slotOf`.
   */
  private dropUnchanged(): number {
    let changed = 0;
    for (let i = 0; i < this.n; i++) {
      const blockno = this.blocks[i]!;
      this.device.read(blockno, this.home);
      if (sameBytes(this.loggedBuffer(i).data, this.home)) continue;
      this.blocks[changed++] = blockno;
    }
    return changed;
  }

  /** Copies the first n logged blocks from the cache into the log area. */
  private writeLog(n: number): void {
    for (let i = 0; i < n; i++) {
      this.device.write(this.layout.logstart + 1 + i, this.loggedBuffer(i).data);
    }
  }

  /** Writes the header; with n > 0 this is the commit point. */
  private writeHead(n: number): void {
    encodeLogHeader(this.layout.geometry, this.blocks, n, this.header);
    this.device.write(this.layout.logstart, this.header);
  }

  /** Copies the first n logged blocks from the cache to their homes. */
  private installTrans(n: number): void {
    for (let i = 0; i < n; i++) {
      this.device.write(this.blocks[i]!, this.loggedBuffer(i).data);
    }
  }

  /** Unpins every block of the transaction, written or dropped, and empties it. */
  private release(): void {
    for (const blockno of this.slotOf.keys()) {
      const b = this.cache.peek(blockno);
      if (!b?.logged) panic("commit", `logged block ${blockno} left the cache`);
      b.logged = false;
    }
    this.slotOf.clear();
    this.n = 0;
  }

  private loggedBuffer(slot: number): Buf {
    const b = this.cache.peek(this.blocks[slot]!);
    if (!b?.logged) panic("commit", `logged block ${this.blocks[slot]} left the cache`);
    return b;
  }
}

/** Returns whether two blocks hold the same bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Installs a committed transaction found at mount, clears the header, and returns the number
 * of blocks installed. A torn extended header is cleared too, so that a later torn write cannot
 * combine with its stale sectors. Writes go straight to the device, before any cache exists.
 */
export function recoverLog(device: BlockDevice, info: ImageInfo): number {
  const { layout, header } = info;
  if (info.pending === 0 && !header.torn) return 0;

  const block = new Uint8Array(layout.blockSize);
  for (let i = 0; i < info.pending; i++) {
    device.read(layout.logstart + 1 + i, block);
    device.write(header.blocks[i]!, block);
  }
  if (info.pending > 0) device.flush();
  encodeLogHeader(layout.geometry, [], 0, block);
  device.write(layout.logstart, block);
  device.flush();
  if (traceLog) {
    trace(
      "log",
      header.torn
        ? "recovery: cleared a torn header"
        : `recovery: installed ${info.pending} blocks`,
    );
  }
  return info.pending;
}
