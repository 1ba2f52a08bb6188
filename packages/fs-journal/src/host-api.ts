/**
 * The host tools' API: whole-file and whole-directory calls for programs that manage images
 * (the CLI, mkfs-style scripts, tests). Each call opens and commits its own transactions and
 * returns an FsResult whose failure carries a reason that can be printed as is.
 *
 * Paths are absolute or relative to the root, with one char per byte as in the rest of the
 * file system. Unlike the kernel's calls, these reject an element longer than DIRSIZ bytes
 * instead of cutting it, because a host user would not expect the name to change.
 *
 * writeFile packs its data into as few transactions as the log allows, sizing each one with
 * blocksForWrite. So a file larger than one transaction is not replaced atomically. A crash
 * part way leaves a prefix of the new contents, as a crash during a large xv6 write() does.
 * Data larger than the maximum file size is rejected before anything is written, and the
 * loop stops at the first piece that writes nothing or fails.
 *
 * Every path and name in a reason goes through quoteName, so a reason is one printable line.
 */
import { FsFormatError, panic, quoteName } from "./diagnostics";
import type { FileSystem } from "./file-system";
import {
  DIRENT_SIZE,
  DIRSIZ,
  decodeDirentInum,
  decodeDirentName,
  type Stat,
  T_DEV,
  T_DIR,
  T_FILE,
} from "./format";
import type { Inode } from "./inode";

/** The outcome of a host call: a value, or the reason it failed. */
export type FsResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** One entry of listDir. */
export interface DirEntry {
  name: string;
  inum: number;
  type: number;
  nlink: number;
  size: number;
}

function ok<T>(value: T): FsResult<T> {
  return { ok: true, value };
}

function fail<T>(reason: string): FsResult<T> {
  return { ok: false, reason };
}

const CACHE_FULL = "the in-memory inode cache is full";

/**
 * Splits a host path into elements, or returns the reason it is not a valid path. A host path
 * is absolute: there is no working directory to resolve a relative one against.
 */
function splitPath(path: string): string[] | string {
  if (!path.startsWith("/")) {
    return `${quoteName(path)} is not an absolute path; host paths start with "/"`;
  }
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code > 0xff) {
      return `${quoteName(path)} has a character above 0xff; names are bytes, one per char`;
    }
    if (code === 0) return `${quoteName(path)} contains a NUL byte`;
  }
  const elements = path.split("/").filter((element) => element !== "");
  const long = elements.find((element) => element.length > DIRSIZ);
  if (long !== undefined) {
    return `${quoteName(long)} is longer than ${DIRSIZ} bytes, the longest name a directory entry holds`;
  }
  return elements;
}

function joinPath(elements: string[]): string {
  return `/${elements.join("/")}`;
}

/**
 * Runs work inside one transaction (none on a read-only mount). After a panic the file system
 * rejects endOp as well, so it is skipped and the panic itself reaches the caller.
 */
function transaction<T>(fs: FileSystem, reserve: number, work: () => T): T {
  if (fs.inTransaction) panic("host API", "called while an operation is open");
  if (fs.readOnly) return work();
  fs.beginOp(reserve);
  try {
    return work();
  } finally {
    if (fs.panicMessage === null) fs.endOp();
  }
}

/**
 * Explains why `elements` does not resolve: the first element that is missing or not a
 * directory, or a full inode cache when an entry exists but its inode cannot be loaded.
 */
function explainMissing(fs: FileSystem, elements: string[]): string {
  let ip = fs.idup(fs.root);
  for (let i = 0; i < elements.length; i++) {
    if (ip.type !== T_DIR) {
      fs.iput(ip);
      return `${quoteName(joinPath(elements.slice(0, i)))} is not a directory`;
    }
    const found = fs.dirlookup(ip, elements[i]!);
    if (found === null) {
      const cacheFull = fs.inodeCacheFull && hasEntry(fs, ip, elements[i]!);
      fs.iput(ip);
      return cacheFull
        ? CACHE_FULL
        : `${quoteName(joinPath(elements.slice(0, i + 1)))} does not exist`;
    }
    fs.iput(ip);
    ip = found.ip;
  }
  fs.iput(ip);
  return CACHE_FULL;
}

/** Returns whether directory dp has an entry `name`, without loading the inode it names. */
function hasEntry(fs: FileSystem, dp: Inode, name: string): boolean {
  const size = checkedSize(fs, dp);
  const block = new Uint8Array(fs.blockSize);
  for (let base = 0; base < size; base += block.length) {
    const got = fs.readi(dp, block, base, Math.min(block.length, size - base));
    if (got <= 0) return false;
    for (let off = 0; off + DIRENT_SIZE <= got; off += DIRENT_SIZE) {
      if (decodeDirentInum(block, off) !== 0 && decodeDirentName(block, off) === name) return true;
    }
  }
  return false;
}

/**
 * Explains why create of `elements` returned null when nothing exists at that path: a missing
 * parent, a parent that is not a directory, a full inode cache or a full disk.
 */
function explainCreateFailure(fs: FileSystem, elements: string[]): string {
  const parent = elements.slice(0, -1);
  const dp = fs.namei(joinPath(parent));
  if (dp === null) return explainMissing(fs, parent);
  // create held the parent too when it asked for a cache slot, so the cache is as it was then.
  let reason = "no free inode or block is left";
  if (dp.type !== T_DIR) reason = `${quoteName(joinPath(parent))} is not a directory`;
  else if (fs.inodeCacheFull) reason = CACHE_FULL;
  fs.iput(dp);
  return reason;
}

/** Resolves elements to a referenced inode, or the reason it cannot. */
function lookup(fs: FileSystem, elements: string[]): Inode | string {
  const ip = fs.namei(joinPath(elements));
  return ip ?? explainMissing(fs, elements);
}

export function readFile(fs: FileSystem, path: string): FsResult<Uint8Array> {
  const elements = splitPath(path);
  if (typeof elements === "string") return fail(elements);
  return transaction(fs, 0, () => {
    const ip = lookup(fs, elements);
    if (typeof ip === "string") return fail(`cannot read ${quoteName(path)}: ${ip}`);
    try {
      if (ip.type === T_DIR) return fail(`cannot read ${quoteName(path)}: it is a directory`);
      // NOTE: the whole file is read into one array; readi reads a file too large for memory.
      const data = new Uint8Array(checkedSize(fs, ip));
      const got = fs.readi(ip, data, 0, data.length);
      if (got !== data.length) {
        return fail(
          `cannot read ${quoteName(path)}: readi returned ${got} of ${data.length} bytes`,
        );
      }
      return ok(data);
    } finally {
      fs.iput(ip);
    }
  });
}

export function statPath(fs: FileSystem, path: string): FsResult<Stat> {
  const elements = splitPath(path);
  if (typeof elements === "string") return fail(elements);
  return transaction(fs, 0, () => {
    const ip = lookup(fs, elements);
    if (typeof ip === "string") return fail(`cannot stat ${quoteName(path)}: ${ip}`);
    const st = fs.stati(ip);
    fs.iput(ip);
    return ok(st);
  });
}

export function listDir(fs: FileSystem, path: string): FsResult<DirEntry[]> {
  const elements = splitPath(path);
  if (typeof elements === "string") return fail(elements);
  return transaction(fs, 0, () => {
    const dp = lookup(fs, elements);
    const quoted = quoteName(path);
    if (typeof dp === "string") return fail(`cannot list ${quoted}: ${dp}`);
    try {
      if (dp.type !== T_DIR) return fail(`cannot list ${quoted}: it is not a directory`);
      const entries = readEntries(fs, dp);
      return entries.ok ? entries : fail(`cannot list ${quoted}: ${entries.reason}`);
    } finally {
      fs.iput(dp);
    }
  });
}

/**
 * Returns the size of ip, raising FsFormatError when it is more than the disk's data blocks can
 * hold: a corrupt size must not make a host call allocate gigabytes.
 */
function checkedSize(fs: FileSystem, ip: Inode): number {
  const room = fs.superblock.nblocks * fs.blockSize;
  if (ip.size > room) {
    throw new FsFormatError(
      `inode ${ip.inum} has size ${ip.size}, more than the ${fs.superblock.nblocks} data blocks of the disk hold`,
      { runFsck: true },
    );
  }
  return ip.size;
}

function readEntries(fs: FileSystem, dp: Inode): FsResult<DirEntry[]> {
  const size = checkedSize(fs, dp);
  const raw = new Uint8Array(size - (size % DIRENT_SIZE));
  const got = fs.readi(dp, raw, 0, raw.length);
  if (got !== raw.length) return fail(`readi returned ${got} of ${raw.length} bytes`);
  const entries: DirEntry[] = [];
  for (let off = 0; off < raw.length; off += DIRENT_SIZE) {
    const inum = decodeDirentInum(raw, off);
    if (inum === 0) continue;
    const name = decodeDirentName(raw, off);
    if (inum >= fs.superblock.ninodes) {
      throw new FsFormatError(
        `directory inode ${dp.inum} names inode ${inum} as ${quoteName(name)}, beyond the ${fs.superblock.ninodes} inodes`,
        { runFsck: true },
      );
    }
    const ip = fs.iget(inum);
    if (ip === null) return fail(CACHE_FULL);
    entries.push({ name, inum, type: ip.type, nlink: ip.nlink, size: ip.size });
    fs.iput(ip);
  }
  return ok(entries);
}

export function writeFile(fs: FileSystem, path: string, data: Uint8Array): FsResult<void> {
  const elements = splitPath(path);
  if (typeof elements === "string") return fail(elements);
  const quoted = quoteName(path);
  if (fs.readOnly) return fail(`cannot write ${quoted}: the image is mounted read-only`);
  if (elements.length === 0) return fail(`cannot write ${quoted}: it is the root directory`);
  if (data.length > fs.maxFileBytes) {
    return fail(
      `cannot write ${quoted}: ${data.length} bytes is more than the maximum file size of ${fs.maxFileBytes} bytes in the ${fs.geometry} geometry`,
    );
  }

  // First transaction: create or truncate, then as much data as the rest of the log holds.
  const opened = transaction(fs, fs.logCapacity, (): FsResult<{ ip: Inode; wrote: number }> => {
    const ip = openForWrite(fs, elements);
    if (typeof ip === "string") return fail(`cannot write ${quoted}: ${ip}`);
    return ok({ ip, wrote: writeChunk(fs, ip, data, 0) });
  });
  if (!opened.ok) return opened;

  // Further transactions until the data is written, a piece fails (-1 from writei), or a piece
  // that had a transaction to itself writes nothing (the disk is full). The first piece shares
  // its transaction with the create or truncate, so writing nothing there is no verdict yet.
  // Every other pass writes at least one byte, so the loop ends.
  // NOTE: a crash between two of these transactions leaves a prefix of the new contents.
  const { ip } = opened.value;
  let written = 0;
  let wrote = opened.value.wrote;
  let alone = false;
  while (wrote > 0 || (wrote === 0 && !alone)) {
    written += wrote;
    if (written === data.length) break;
    const off = written;
    wrote = transaction(fs, fs.logCapacity, () => writeChunk(fs, ip, data, off));
    alone = true;
  }
  transaction(fs, fs.maxOpBlocks, () => fs.iput(ip));

  if (written === data.length) return ok(undefined);
  if (wrote < 0) {
    return fail(
      `cannot write ${quoted}: writei failed at offset ${written} of ${data.length} bytes (the file keeps the bytes before it)`,
    );
  }
  return fail(
    `cannot write ${quoted}: the disk is full after ${written} of ${data.length} bytes (the file keeps them)`,
  );
}

/** Creates the file or truncates an existing one; returns it referenced, or a reason. */
function openForWrite(fs: FileSystem, elements: string[]): Inode | string {
  const path = joinPath(elements);
  const ip = fs.create(path, T_FILE, 0, 0);
  if (ip !== null) {
    if (ip.size > 0) fs.itrunc(ip);
    return ip;
  }
  const existing = fs.namei(path);
  if (existing === null) return explainCreateFailure(fs, elements);
  const type = existing.type;
  fs.iput(existing);
  if (type === T_DIR) return "it is a directory";
  return type === T_DEV ? "it is a device" : "it cannot be opened";
}

/**
 * Writes the largest piece of data from `off` that fits what the open transaction has left,
 * and returns the bytes written (0 when not even one block fits).
 */
function writeChunk(fs: FileSystem, ip: Inode, data: Uint8Array, off: number): number {
  const budget = fs.logCapacity - fs.loggedBlocks;
  const bsize = fs.blockSize;
  let n = Math.min(data.length - off, Math.max(0, budget - 2) * bsize - (off % bsize));
  while (n > 0 && fs.blocksForWrite(ip, off, n) > budget) {
    // Move the end of the piece down to the previous block boundary.
    const end = off + n;
    n = end - (end % bsize === 0 ? bsize : end % bsize) - off;
  }
  if (n <= 0) return 0;
  return fs.writei(ip, data.subarray(off, off + n), off, n);
}

export function remove(fs: FileSystem, path: string): FsResult<void> {
  const elements = splitPath(path);
  if (typeof elements === "string") return fail(elements);
  const quoted = quoteName(path);
  if (fs.readOnly) return fail(`cannot remove ${quoted}: the image is mounted read-only`);
  if (elements.length === 0) return fail(`cannot remove ${quoted}: it is the root directory`);
  const last = elements[elements.length - 1];
  if (last === "." || last === "..") {
    return fail(`cannot remove ${quoted}: "." and ".." cannot be removed`);
  }

  return transaction(fs, fs.maxOpBlocks, (): FsResult<void> => {
    if (fs.unlink(joinPath(elements))) return ok(undefined);
    const ip = lookup(fs, elements);
    if (typeof ip === "string") return fail(`cannot remove ${quoted}: ${ip}`);
    const notEmpty = ip.type === T_DIR;
    fs.iput(ip);
    return fail(
      `cannot remove ${quoted}: ${notEmpty ? "the directory is not empty" : "the entry could not be removed"}`,
    );
  });
}

export function makeDirectory(fs: FileSystem, path: string, parents: boolean): FsResult<void> {
  const elements = splitPath(path);
  if (typeof elements === "string") return fail(elements);
  const quoted = quoteName(path);
  if (fs.readOnly) return fail(`cannot make ${quoted}: the image is mounted read-only`);
  if (elements.length === 0) {
    return parents ? ok(undefined) : fail(`cannot make ${quoted}: it exists`);
  }

  const first = parents ? 1 : elements.length;
  for (let depth = first; depth <= elements.length; depth++) {
    const prefix = elements.slice(0, depth);
    const result = transaction(fs, fs.maxOpBlocks, () =>
      makeOne(fs, prefix, parents || depth < elements.length),
    );
    if (!result.ok) return fail(`cannot make ${quoted}: ${result.reason}`);
  }
  return ok(undefined);
}

/** Makes one directory; an existing directory is fine when `existingOk`. */
function makeOne(fs: FileSystem, elements: string[], existingOk: boolean): FsResult<void> {
  const path = joinPath(elements);
  const existing = fs.namei(path);
  if (existing !== null) {
    const isDir = existing.type === T_DIR;
    fs.iput(existing);
    if (isDir && existingOk) return ok(undefined);
    const quoted = quoteName(path);
    return fail(isDir ? `${quoted} exists` : `${quoted} exists and is not a directory`);
  }
  const ip = fs.create(path, T_DIR, 0, 0);
  if (ip === null) return fail(explainCreateFailure(fs, elements));
  fs.iput(ip);
  return ok(undefined);
}
