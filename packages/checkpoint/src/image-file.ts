/**
 * Image files on the xv6ts disk: writing one so that a crash never tears it, reading one back,
 * and sweeping the leftovers of writes a crash interrupted.
 *
 * An image is larger than one transaction, so it cannot be written in place atomically. The
 * writer checks first, then goes through three steps, each a committed transaction or a series
 * of them:
 *
 *   0. check    in a transaction that logs nothing: the target (its directory exists, any old
 *               file there is a regular file), and free blocks and inodes for everything the
 *               steps below allocate (disk-space.ts). A refusal here writes nothing at all
 *   1. prepare  make /.ckpt if missing and create an empty temporary file in it
 *   2. write    copy the bytes into the temporary file, each transaction packing as many
 *               blocks as the log can take (the file system counts the blocks a write logs)
 *   3. publish  in one transaction: point the target's directory entry at the temporary file
 *               (or add the entry) and drop any old file there. Then remove the temporary name.
 *
 * A crash before step 3 commits leaves the old file, plus a temporary file that the next sweep
 * (at boot) removes. A crash after it leaves the new file. The temporary file is always linked in
 * /.ckpt, so no state in between has an inode that fsck would find unreferenced.
 *
 * Publishing rewrites an existing entry in place instead of unlinking it and linking a new one,
 * so it needs no new directory block and cannot fail for lack of space when a file is replaced.
 * When the disk fills up anyway (step 0 counted wrong), the temporary file is removed and the old
 * file stays.
 */
import {
  DIRENT_SIZE,
  encodeDirent,
  type FileSystem,
  type Inode,
  T_DEV,
  T_DIR,
  T_FILE,
} from "@xv6ts/fs-journal";
import { countFreeInodes, measureWrite } from "./disk-space.js";
import { CheckpointPanic, trace } from "./trace.js";

/** The directory of temporary files; the writer makes it when it is missing. */
export const TEMPORARY_DIRECTORY = "/.ckpt";
/** Temporary names a writer tries before it gives up. */
const TEMPORARY_NAME_TRIES = 1000;

/** The location of an image file: a path and the directory it is relative to. */
export interface ImagePath {
  /** The path, relative to `cwd` unless it starts with "/". */
  path: string;
  /** The directory a relative path starts from; the root when omitted. */
  cwd?: Inode;
}

/** The outcome of a write: its transaction count, or the reason it failed with nothing changed. */
export type WriteResult =
  | { ok: true; transactions: number; temporaryPath: string }
  | { ok: false; reason: string };

/** The bytes of an image file, or why they could not be read. */
export type ReadResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/** The result of a transaction-sized step: a value, or the reason it failed. */
type Step<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Runs `work` in one transaction that may log `reserve` blocks. On a read-only mount, where work
 * only reads and the file system never frees an inode, it runs without one.
 */
function inTransaction<T>(fs: FileSystem, reserve: number, work: () => T): T {
  if (fs.readOnly) return work();
  fs.beginOp(Math.min(reserve, fs.logCapacity));
  try {
    return work();
  } finally {
    fs.endOp();
  }
}

/**
 * Blocks a transaction may log when it frees a whole file: its bitmap blocks and a few more.
 * NOTE: on an xv6-geometry disk of more than 15 bitmap blocks (over 61,440 blocks) this is more
 * than the 29-block log, so the reservation is cut to the log's capacity. Freeing an old image
 * whose blocks touch that many bitmap blocks would then overflow the log, as xv6's unlink would.
 */
function freeingReserve(fs: FileSystem): number {
  return fs.maxOpBlocks + fs.layout.nbitmap;
}

/**
 * Writes `bytes` as the file at `target` without ever tearing it (see the file comment). `tag`
 * names the temporary file (the pid, say), and a number is added so that names never collide.
 * Returns the number of transactions, or the reason with nothing left behind.
 */
export function writeImageFile(
  fs: FileSystem,
  target: ImagePath,
  bytes: Uint8Array,
  tag: string,
): WriteResult {
  if (fs.readOnly) return { ok: false, reason: "the disk is mounted read-only" };
  if (bytes.length > fs.layout.maxFileBytes) {
    return {
      ok: false,
      reason: `the image needs ${bytes.length} bytes, more than the largest file on this disk (${fs.layout.maxFileBytes} bytes)`,
    };
  }

  const rejection = inTransaction(fs, freeingReserve(fs) + 4, () =>
    checkWrite(fs, target, bytes.length),
  );
  if (rejection !== null) return { ok: false, reason: rejection };
  const prepared = inTransaction(fs, 2 * fs.maxOpBlocks, () => prepare(fs, tag));
  if (!prepared.ok) return prepared;
  const { temporary, temporaryPath } = prepared.value;

  const written = writeData(fs, temporary, bytes);
  if (!written.ok) {
    removeTemporary(fs, temporary, temporaryPath);
    return written;
  }
  const published = publish(fs, target, temporary, temporaryPath);
  if (!published.ok) return published;
  trace(`wrote ${bytes.length} bytes to ${target.path} in ${written.value + 2} transactions`);
  return { ok: true, transactions: written.value + 2, temporaryPath };
}

/**
 * Step 0, inside a transaction that logs nothing (unless a lookup frees an inode a crash left
 * unlinked): returns why the image cannot be written at `target`, or null.
 */
function checkWrite(fs: FileSystem, target: ImagePath, length: number): string | null {
  const problem = checkTarget(fs, target);
  if (problem !== null) return problem;
  const needed = measureWrite(fs, target, length, TEMPORARY_DIRECTORY);
  if (typeof needed === "string") return needed;

  const freeBlocks = fs.freeBlocks();
  if (needed.blocks > freeBlocks) {
    return `the disk has ${freeBlocks} free blocks, but the image needs ${needed.blocks} (its ${length} bytes, their index blocks and directory entries)`;
  }
  // NOTE: when the inode cache has no free slot the count is unknown, and step 1 finds out.
  const freeInodes = countFreeInodes(fs, needed.inodes);
  if (freeInodes !== null && freeInodes < needed.inodes) {
    const uses =
      needed.inodes > 1 ? `its temporary file and ${TEMPORARY_DIRECTORY}` : "its temporary file";
    return `the disk has ${freeInodes} free inodes, but the image needs ${needed.inodes} (${uses})`;
  }
  return null;
}

/** Step 1, inside a transaction: makes /.ckpt and creates the temporary file, referenced. */
function prepare(fs: FileSystem, tag: string): Step<{ temporary: Inode; temporaryPath: string }> {
  const directory = fs.namei(TEMPORARY_DIRECTORY) ?? fs.create(TEMPORARY_DIRECTORY, T_DIR, 0, 0);
  if (directory === null) {
    return { ok: false, reason: `cannot make ${TEMPORARY_DIRECTORY}: no free inode or block` };
  }
  const isDirectory = directory.type === T_DIR;
  fs.iput(directory);
  if (!isDirectory) return { ok: false, reason: `${TEMPORARY_DIRECTORY} is not a directory` };

  for (let n = 0; n < TEMPORARY_NAME_TRIES; n++) {
    // At most 9 + 1 + 3 characters, within the 14 bytes of a directory entry.
    const temporaryPath = `${TEMPORARY_DIRECTORY}/${tag.slice(0, 9)}.${n}`;
    const existing = fs.namei(temporaryPath);
    if (existing !== null) {
      fs.iput(existing);
      continue;
    }
    const temporary = fs.create(temporaryPath, T_FILE, 0, 0);
    if (temporary === null) return { ok: false, reason: "no free inode or block for the image" };
    return { ok: true, value: { temporary, temporaryPath } };
  }
  return { ok: false, reason: `no free temporary name in ${TEMPORARY_DIRECTORY}` };
}

/**
 * Returns why the directory part of `target` cannot be looked up: the first element on the way
 * that is a file or device, or else that the directory does not exist.
 */
function missingDirectory(fs: FileSystem, target: ImagePath): string {
  const elements = target.path.split("/").filter((element) => element !== "");
  const start = target.path.startsWith("/") ? "/" : "";
  for (let count = 1; count < elements.length; count++) {
    const prefix = start + elements.slice(0, count).join("/");
    const ip = fs.namei(prefix, target.cwd ?? fs.root);
    if (ip === null) break;
    const isDirectory = ip.type === T_DIR;
    fs.iput(ip);
    if (!isDirectory) return `${prefix} is not a directory`;
  }
  return `the directory of ${target.path} does not exist`;
}

/** Returns why an image cannot be published at `target`, or null. */
function checkTarget(fs: FileSystem, target: ImagePath): string | null {
  if (target.path.replaceAll("/", "") === "") return `"${target.path}" names no file`;
  const parent = fs.nameiparent(target.path, target.cwd ?? fs.root);
  if (parent === null) return missingDirectory(fs, target);
  const { dp, name } = parent;
  // A directory removed while it is still a working directory takes no new entries.
  if (dp.nlink < 1) {
    fs.iput(dp);
    return `the directory of ${target.path} was removed`;
  }
  const temporaryDirectory = fs.namei(TEMPORARY_DIRECTORY);
  const reserved = temporaryDirectory !== null && temporaryDirectory.inum === dp.inum;
  if (temporaryDirectory !== null) fs.iput(temporaryDirectory);
  if (reserved || name === "." || name === "..") {
    fs.iput(dp);
    return reserved
      ? `${TEMPORARY_DIRECTORY} is reserved for temporary files`
      : `${target.path} is a directory`;
  }
  const existing = fs.dirlookup(dp, name);
  fs.iput(dp);
  if (existing === null) return null;
  const type = existing.ip.type;
  fs.iput(existing.ip);
  if (type === T_DIR) return `${target.path} is a directory`;
  if (type === T_DEV) return `${target.path} is a device`;
  return null;
}

/** Step 2: writes all bytes into the temporary file; returns the transactions it took. */
function writeData(fs: FileSystem, file: Inode, bytes: Uint8Array): Step<number> {
  let written = 0;
  let transactions = 0;
  while (written < bytes.length) {
    const count = inTransaction(fs, fs.logCapacity, () =>
      writeLargestPiece(fs, file, bytes, written),
    );
    transactions++;
    if (count <= 0) {
      // NOTE: no test reaches this, because step 0 counts the blocks first. It stays so that a
      // miscount still ends with the temporary file removed and the old file in place.
      return {
        ok: false,
        reason: `the disk is full after ${written} of the image's ${bytes.length} bytes`,
      };
    }
    written += count;
  }
  return { ok: true, value: transactions };
}

/**
 * Writes, inside a transaction, the largest piece of `bytes` from `offset` whose blocks still fit
 * the log. Returns the bytes written, which is 0 when not one block fits or the disk is full.
 */
function writeLargestPiece(fs: FileSystem, file: Inode, bytes: Uint8Array, offset: number): number {
  const budget = fs.logCapacity - fs.loggedBlocks;
  const blockSize = fs.blockSize;
  // Each data block logs itself; the inode and a bitmap block take at least two more.
  let length = Math.min(bytes.length - offset, (budget - 2) * blockSize - (offset % blockSize));
  while (length > 0 && fs.blocksForWrite(file, offset, length) > budget) {
    // Move the end of the piece down to the block boundary before it.
    const end = offset + length;
    length = end - (end % blockSize === 0 ? blockSize : end % blockSize) - offset;
  }
  if (length <= 0) return 0;
  return fs.writei(file, bytes.subarray(offset, offset + length), offset, length);
}

/**
 * Step 3, one transaction: makes the target name refer to the temporary file, drops the old file,
 * removes the temporary name and the writer's reference. On failure removes the temporary file.
 */
function publish(
  fs: FileSystem,
  target: ImagePath,
  temporary: Inode,
  temporaryPath: string,
): Step<void> {
  return inTransaction(fs, freeingReserve(fs) + 4, (): Step<void> => {
    const linked = linkTarget(fs, target, temporary);
    if (!fs.unlink(temporaryPath)) {
      throw new CheckpointPanic(`publish: the temporary file ${temporaryPath} vanished`);
    }
    fs.iput(temporary);
    return linked === null ? { ok: true, value: undefined } : { ok: false, reason: linked };
  });
}

/**
 * Inside the publish transaction: points the target's entry at `file` (replacing an old regular
 * file) or adds one. Returns null, or the reason nothing was linked.
 */
function linkTarget(fs: FileSystem, target: ImagePath, file: Inode): string | null {
  const parent = fs.nameiparent(target.path, target.cwd ?? fs.root);
  if (parent === null) return missingDirectory(fs, target);
  const { dp, name } = parent;
  const existing = name === "." || name === ".." ? null : fs.dirlookup(dp, name);

  let problem: string | null = null;
  if (existing !== null) {
    problem = replaceEntry(fs, dp, name, existing.off, existing.ip, file);
  } else if (!fs.dirlink(dp, name, file.inum)) {
    problem = `no room for a new entry in the directory of ${target.path} (the disk is full)`;
  }
  fs.iput(dp);
  if (problem !== null) return problem;

  file.nlink++;
  fs.iupdate(file);
  return null;
}

/** Rewrites the entry at `off` of directory `dp` to name `file`, and drops the old inode. */
function replaceEntry(
  fs: FileSystem,
  dp: Inode,
  name: string,
  off: number,
  old: Inode,
  file: Inode,
): string | null {
  if (old.type !== T_FILE) {
    fs.iput(old);
    return `${name} is no longer a regular file`;
  }
  const entry = new Uint8Array(DIRENT_SIZE);
  encodeDirent(entry, 0, file.inum, name);
  if (fs.writei(dp, entry, off, DIRENT_SIZE) !== DIRENT_SIZE) {
    throw new CheckpointPanic(`replaceEntry: could not rewrite the entry of ${name} in place`);
  }
  old.nlink--;
  fs.iupdate(old);
  fs.iput(old);
  return null;
}

/** Removes the temporary file after a failed write, in one transaction. */
function removeTemporary(fs: FileSystem, temporary: Inode, temporaryPath: string): void {
  inTransaction(fs, freeingReserve(fs), () => {
    fs.unlink(temporaryPath);
    fs.iput(temporary);
  });
}

/**
 * Reads the image file at `source` whole. Fails with a reason when it is missing, not a regular
 * file, or longer than `maxBytes` (so a huge file is refused before it is read).
 */
export function readImageFile(fs: FileSystem, source: ImagePath, maxBytes: number): ReadResult {
  return inTransaction(fs, fs.maxOpBlocks, (): ReadResult => {
    const ip = fs.namei(source.path, source.cwd ?? fs.root);
    if (ip === null) return { ok: false, reason: "file not found" };
    try {
      if (ip.type === T_DIR) return { ok: false, reason: "is a directory, not an image file" };
      if (ip.type !== T_FILE) return { ok: false, reason: "is a device, not an image file" };
      if (ip.size > maxBytes) {
        return {
          ok: false,
          reason: `is ${ip.size} bytes, larger than any image this machine can restart (${maxBytes} bytes)`,
        };
      }
      const bytes = new Uint8Array(ip.size);
      if (fs.readi(ip, bytes, 0, ip.size) !== ip.size)
        return { ok: false, reason: "could not be read whole" };
      return { ok: true, bytes };
    } finally {
      fs.iput(ip);
    }
  });
}

/**
 * Removes every file in /.ckpt, the temporary files of writes a crash interrupted. Call it when
 * no write is under way (at boot). Returns the names removed.
 */
export function sweepTemporaryFiles(fs: FileSystem): string[] {
  if (fs.readOnly) return [];
  const listing = fs.listDir(TEMPORARY_DIRECTORY);
  if (!listing.ok) return [];

  const removed: string[] = [];
  for (const entry of listing.value) {
    if (entry.name === "." || entry.name === "..") continue;
    const path = `${TEMPORARY_DIRECTORY}/${entry.name}`;
    if (inTransaction(fs, freeingReserve(fs), () => fs.unlink(path))) removed.push(entry.name);
  }
  if (removed.length > 0)
    trace(`swept ${removed.length} leftover files from ${TEMPORARY_DIRECTORY}`);
  return removed;
}
