/**
 * A mounted file system: mount with recovery, the kernel's API in xv6's vocabulary, and the host
 * tools' API (host-api.ts).
 *
 * Mount order, each step before anything that depends on it:
 *   1. read and check the superblock and the log header (image.ts): a bad image raises
 *      FsFormatError before anything is written;
 *   2. check the root inode through a view of the disk with the pending log applied, so that a
 *      bad root is refused before recovery writes;
 *   3. recover: install a committed transaction and clear the header;
 *   4. build the buffer cache, log, allocator and inode cache, and take a reference to the root.
 * A read-only mount (or a read-only device) skips step 3 and reads through the recovered view.
 *
 * Buffer cache size: xv6's NBUF of 30 cannot hold a transaction that fills a 29-block log plus
 * the few buffers an operation holds at once, so the cache is max(NBUF, logCapacity + 16).
 *
 * A panic stops the file system. xv6 halts the machine at a panic, so the half-done change of
 * the operation that panicked never reaches the disk. Here that change stays in the buffer cache
 * (a buffer changed before logWrite panicked, an inode changed in memory), and the next commit
 * would write it. So once any method raises FsPanic, every later method call raises FsPanic
 * "the file system stopped after an earlier panic: <first message>" and writes nothing. The disk
 * keeps every transaction committed before the panic; mounting it again continues from there.
 */
import { requireBytes, requireDevice, requireInteger, requireString, showValue } from "./arguments";
import { BlockAllocator } from "./block-allocator";
import { BufferCache, NBUF } from "./buffer-cache";
import type { BlockDevice } from "./devices";
import { FsFormatError, FsPanic, panic } from "./diagnostics";
import { Directories, type Lookup } from "./directory";
import {
  type DiskLayout,
  type GeometryName,
  MAX_INODES,
  ROOTINO,
  type Stat,
  type Superblock,
  T_DEV,
  T_DIR,
  T_FILE,
} from "./format";
import {
  type DirEntry,
  type FsResult,
  listDir,
  makeDirectory,
  readFile,
  remove,
  statPath,
  writeFile,
} from "./host-api";
import { checkRoot, inspectImage, RecoveredView } from "./image";
import { type FsCore, type Inode, InodeTable, NINODE } from "./inode";
import { Log, type LogStats, recoverLog } from "./log";

/** Options of FileSystem.mount; a value of the wrong type or out of range raises at mount. */
export interface MountOptions {
  /** Mount without writing: no recovery, reads see the pending log, beginOp panics. */
  readOnly?: boolean;
  /** Buffers in the cache, from logCapacity + 8 to MAX_BUFFERS; default max(30, logCapacity + 16). */
  buffers?: number;
  /** Slots of the in-memory inode cache, from 2 to 65,536; default xv6's NINODE, 50. */
  inodes?: number;
}

/** The maximum of the buffers mount option (256 MiB of 4096-byte blocks). */
export const MAX_BUFFERS = 65536;

/** Raises TypeError or RangeError unless type is T_DIR, T_FILE or T_DEV. */
function requireInodeType(where: string, type: unknown): asserts type is number {
  if (typeof type !== "number") {
    throw new TypeError(`${where}: type ${showValue(type)} is not a number`);
  }
  if (type !== T_DIR && type !== T_FILE && type !== T_DEV) {
    throw new RangeError(
      `${where}: type ${type} is not T_DIR (${T_DIR}), T_FILE (${T_FILE}) or T_DEV (${T_DEV})`,
    );
  }
}

/** Raises TypeError or RangeError, naming the option, for a mount option that cannot work. */
function checkMountOptions(options: MountOptions, layout: DiskLayout): void {
  const { readOnly, buffers, inodes } = options;
  if (readOnly !== undefined && typeof readOnly !== "boolean") {
    throw new TypeError(`mount: option readOnly ${showValue(readOnly)} is not a boolean`);
  }
  if (buffers !== undefined) {
    requireInteger("mount", "option buffers", buffers, layout.logCapacity + 8, MAX_BUFFERS);
  }
  if (inodes !== undefined) requireInteger("mount", "option inodes", inodes, 2, MAX_INODES);
}

/** A file system mounted on a block device. */
export class FileSystem {
  readonly geometry: GeometryName;
  readonly blockSize: number;
  readonly superblock: Superblock;
  /** The superblock with every size derived from it. */
  readonly layout: DiskLayout;
  /** MAXOPBLOCKS of this geometry: what beginOp reserves by default (10 for xv6). */
  readonly maxOpBlocks: number;
  /** Bytes of file data one write transaction carries (1536 for xv6). */
  readonly maxWriteBytes: number;
  /** Maximum number of blocks one transaction may log. */
  readonly logCapacity: number;
  /** Bytes of the largest file (71,680 for xv6); writei fails past it. */
  readonly maxFileBytes: number;
  readonly readOnly: boolean;
  /** Blocks that recovery installed at mount. */
  readonly recoveredBlocks: number;
  /** The device the file system writes to. */
  readonly device: BlockDevice;
  private readonly cache: BufferCache;
  private readonly log: Log;
  private readonly alloc: BlockAllocator;
  private readonly inodes: InodeTable;
  private readonly dirs: Directories;
  private readonly rootInode: Inode;
  private closed = false;
  private stoppedBy: string | null = null;

  private constructor(
    device: BlockDevice,
    layout: DiskLayout,
    readOnly: boolean,
    recovered: number,
    options: MountOptions,
  ) {
    this.device = device;
    this.layout = layout;
    this.geometry = layout.geometry;
    this.blockSize = layout.blockSize;
    this.superblock = {
      size: layout.size,
      nblocks: layout.nblocks,
      ninodes: layout.ninodes,
      nlog: layout.nlog,
      logstart: layout.logstart,
      inodestart: layout.inodestart,
      bmapstart: layout.bmapstart,
    };
    this.maxOpBlocks = layout.maxOpBlocks;
    this.maxWriteBytes = layout.maxWriteBytes;
    this.logCapacity = layout.logCapacity;
    this.maxFileBytes = layout.maxFileBytes;
    this.readOnly = readOnly;
    this.recoveredBlocks = recovered;

    const buffers = options.buffers ?? Math.max(NBUF, layout.logCapacity + 16);
    this.cache = new BufferCache(device, buffers, layout.size);
    this.log = new Log(device, this.cache, layout, readOnly);
    this.alloc = new BlockAllocator(this.cache, this.log, layout);
    const core: FsCore = { layout, cache: this.cache, log: this.log, alloc: this.alloc, readOnly };
    this.inodes = new InodeTable(core, options.inodes ?? NINODE);
    this.dirs = new Directories(core, this.inodes, () => this.rootInode);
    const root = this.inodes.iget(ROOTINO);
    if (root === null) panic("mount", "no inode cache slot for the root");
    this.rootInode = root;
  }

  /**
   * Mounts the image on `device`, recovering the log first. Raises FsFormatError, having written
   * nothing, when the device contains no valid image of either geometry, and TypeError or
   * RangeError for an invalid option, also before writing.
   */
  static mount(device: BlockDevice, options: MountOptions = {}): FileSystem {
    requireDevice("mount", device);
    const inspection = inspectImage(device);
    if (!inspection.ok) throw new FsFormatError(`mount: ${inspection.problem}`);
    const { info } = inspection;
    checkMountOptions(options, info.layout);
    const view = new RecoveredView(device, info);
    const rootProblem = checkRoot(view, info.layout);
    if (rootProblem) throw new FsFormatError(`mount: ${rootProblem}`);

    const readOnly = options.readOnly === true || device.readOnly === true;
    if (readOnly) return new FileSystem(view, info.layout, true, 0, options);
    const recovered = recoverLog(device, info);
    return new FileSystem(device, info.layout, false, recovered, options);
  }

  /** The root directory; the file system holds this reference until shutdown. */
  get root(): Inode {
    return this.rootInode;
  }

  /** Whether an operation is open. */
  get inTransaction(): boolean {
    return this.log.inTransaction;
  }

  /** Blocks logged so far by the open transaction. */
  get loggedBlocks(): number {
    return this.log.loggedCount;
  }

  /** Counts of the log's work since mount. */
  get logStats(): Readonly<LogStats> {
    return this.log.stats;
  }

  /** Whether every slot of the in-memory inode cache holds a referenced inode. */
  get inodeCacheFull(): boolean {
    return !this.inodes.hasFreeSlot();
  }

  /** The message of the FsPanic that stopped this file system, or null while it works. */
  get panicMessage(): string | null {
    return this.stoppedBy;
  }

  /**
   * Runs one method's work. Raises FsPanic once the file system has stopped, and stops it at
   * the first FsPanic that work raises (the comment at the top of this file gives the reason).
   */
  private run<T>(work: () => T): T {
    if (this.stoppedBy !== null) {
      throw new FsPanic(`the file system stopped after an earlier panic: ${this.stoppedBy}`);
    }
    try {
      return work();
    } catch (error) {
      if (error instanceof FsPanic && this.stoppedBy === null) this.stoppedBy = error.message;
      throw error;
    }
  }

  // Transactions.

  /** Opens an operation that logs at most `reserve` blocks (default maxOpBlocks, at most logCapacity). */
  beginOp(reserve = this.maxOpBlocks): void {
    this.run(() => {
      if (this.closed) panic("beginOp", "the file system is shut down");
      this.log.beginOp(reserve);
    });
  }

  /** Closes an operation; the last one open commits. Call it in a finally block. */
  endOp(): void {
    this.run(() => this.log.endOp());
  }

  // Inodes, in xv6's vocabulary (inode.ts has the contracts).

  /** Returns a referenced inode, or null when every inode cache slot is in use. */
  iget(inum: number): Inode | null {
    return this.run(() => this.inodes.iget(inum));
  }

  idup(ip: Inode): Inode {
    return this.run(() => this.inodes.idup(ip));
  }

  /** Drops a reference; freeing an unlinked inode needs an open transaction. */
  iput(ip: Inode): void {
    this.run(() => this.inodes.iput(ip));
  }

  /**
   * Allocates an inode of type T_DIR, T_FILE or T_DEV inside a transaction; null when none is
   * free or the cache is full. Another type raises TypeError or RangeError before any change.
   */
  ialloc(type: number): Inode | null {
    requireInodeType("ialloc", type);
    return this.run(() => this.inodes.ialloc(type));
  }

  iupdate(ip: Inode): void {
    this.run(() => this.inodes.iupdate(ip));
  }

  itrunc(ip: Inode): void {
    this.run(() => this.inodes.itrunc(ip));
  }

  stati(ip: Inode): Stat {
    return this.run(() => this.inodes.stati(ip));
  }

  /** Reads into dst[0..n); returns bytes read, or -1 for a bad offset. */
  readi(ip: Inode, dst: Uint8Array, off: number, n: number): number {
    return this.run(() => this.inodes.readi(ip, dst, off, n));
  }

  /** Writes src[0..n) at off inside a transaction; returns bytes written (short on a full disk) or -1. */
  writei(ip: Inode, src: Uint8Array, off: number, n: number): number {
    return this.run(() => this.inodes.writei(ip, src, off, n));
  }

  /** Returns how many distinct blocks writei(ip, src, off, n) will log, for packing transactions. */
  blocksForWrite(ip: Inode, off: number, n: number): number {
    return this.run(() => this.inodes.blocksForWrite(ip, off, n));
  }

  // Directories and paths (directory.ts has the contracts).

  dirlookup(dp: Inode, name: string): Lookup | null {
    return this.run(() => this.dirs.dirlookup(dp, name));
  }

  dirlink(dp: Inode, name: string, inum: number): boolean {
    return this.run(() => this.dirs.dirlink(dp, name, inum));
  }

  isDirEmpty(dp: Inode): boolean {
    return this.run(() => this.dirs.isDirEmpty(dp));
  }

  namei(path: string, cwd: Inode = this.rootInode): Inode | null {
    return this.run(() => this.dirs.namei(path, cwd));
  }

  nameiparent(path: string, cwd: Inode = this.rootInode): { dp: Inode; name: string } | null {
    return this.run(() => this.dirs.nameiparent(path, cwd));
  }

  /**
   * As xv6's create(): inside a transaction; returns the referenced inode or null. A type other
   * than T_DIR, T_FILE or T_DEV, or a major or minor outside a C short, raises TypeError or
   * RangeError before any change.
   */
  create(
    path: string,
    type: number,
    major: number,
    minor: number,
    cwd: Inode = this.rootInode,
  ): Inode | null {
    requireString("create", "path", path);
    requireInodeType("create", type);
    requireInteger("create", "major", major, -0x8000, 0x7fff);
    requireInteger("create", "minor", minor, -0x8000, 0x7fff);
    return this.run(() => this.dirs.create(path, type, major, minor, cwd));
  }

  /** As xv6's unlink(): inside a transaction. */
  unlink(path: string, cwd: Inode = this.rootInode): boolean {
    return this.run(() => this.dirs.unlink(path, cwd));
  }

  /** As xv6's link(): inside a transaction. */
  link(oldPath: string, newPath: string, cwd: Inode = this.rootInode): boolean {
    return this.run(() => this.dirs.link(oldPath, newPath, cwd));
  }

  // Host tools: each call opens and commits its own transactions (host-api.ts). A path is
  // absolute, and a wrong JavaScript type raises TypeError before any change.

  /** Reads a whole file. */
  readFile(path: string): FsResult<Uint8Array> {
    requireString("readFile", "path", path);
    return this.run(() => readFile(this, path));
  }

  /** Creates or replaces a file's contents, in as few transactions as the log allows. */
  writeFile(path: string, data: Uint8Array): FsResult<void> {
    requireString("writeFile", "path", path);
    requireBytes("writeFile", "data", data);
    return this.run(() => writeFile(this, path, data));
  }

  /** Lists a directory's entries in on-disk order, "." and ".." included. */
  listDir(path: string): FsResult<DirEntry[]> {
    requireString("listDir", "path", path);
    return this.run(() => listDir(this, path));
  }

  /** Removes a file, device or empty directory. */
  remove(path: string): FsResult<void> {
    requireString("remove", "path", path);
    return this.run(() => remove(this, path));
  }

  /** Makes a directory, and with `parents` every missing directory above it. */
  mkdir(path: string, options: { parents?: boolean } = {}): FsResult<void> {
    requireString("mkdir", "path", path);
    const { parents } = options;
    if (parents !== undefined && typeof parents !== "boolean") {
      throw new TypeError(`mkdir: option parents ${showValue(parents)} is not a boolean`);
    }
    return this.run(() => makeDirectory(this, path, parents ?? false));
  }

  /** Returns the stat of the inode a path names. */
  stat(path: string): FsResult<Stat> {
    requireString("stat", "path", path);
    return this.run(() => statPath(this, path));
  }

  /** Counts the free data blocks by reading the bitmap. */
  freeBlocks(): number {
    return this.run(() => this.alloc.freeCount());
  }

  /**
   * Flushes the device and closes the file system; the disk is consistent because every
   * transaction was installed at its endOp. Panics while an operation is open, and on a file
   * system that a panic stopped.
   */
  shutdown(): void {
    this.run(() => {
      if (this.closed) return;
      if (this.log.inTransaction) panic("shutdown", "an operation is still open");
      if (!this.readOnly) this.device.flush();
      this.closed = true;
    });
  }
}
