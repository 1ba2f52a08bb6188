/**
 * The disk space an image write takes, measured before the writer's first transaction so that a
 * disk without room for the image is refused with nothing written. A write that fails half way
 * would leave nothing behind either (image-file.ts removes the temporary file), but its
 * transactions would already have rewritten the log and, on a nearly full disk, allocated and
 * freed blocks and inodes again. A migration onto a disk that is then refused must leave it
 * byte for byte as it was.
 *
 * A write allocates all of this before it frees anything. An old image at the target is dropped
 * only in the last transaction, so its blocks do not count as free.
 *
 *   inodes  one for the temporary file, and one for /.ckpt when it does not exist yet.
 *   blocks  the image's data blocks and the index blocks that address them, and the first block
 *           of a new /.ckpt. A directory that gains an entry takes a block when it has no free
 *           slot and its size is at a block boundary. The directories are the root (for .ckpt),
 *           /.ckpt (for the temporary name) and the target's directory (for a new name).
 *
 * The measurement runs inside a transaction that logs nothing, because lookups release inodes.
 * A transaction that logs nothing writes nothing.
 */
import {
  DIRENT_SIZE,
  type DiskLayout,
  decodeDirentInum,
  type FileSystem,
  type Inode,
  T_DIR,
} from "@xv6ts/fs-journal";
import type { ImagePath } from "./image-file.js";

/** Blocks and inodes a write allocates. */
export interface SpaceNeeded {
  blocks: number;
  inodes: number;
}

/**
 * Returns the blocks a file of `bytes` bytes occupies on a disk of `layout`: its data blocks and
 * the indirect and double-indirect blocks that address them.
 */
export function fileBlocks(layout: DiskLayout, bytes: number): number {
  const { blockSize, ndirect, nindirect, doubleIndirect } = layout;
  const data = Math.ceil(bytes / blockSize);
  let index = data > ndirect ? 1 : 0;
  const beyondIndirect = data - ndirect - nindirect;
  if (doubleIndirect && beyondIndirect > 0) index += 1 + Math.ceil(beyondIndirect / nindirect);
  return data + index;
}

/**
 * Measures what writing `length` bytes as the file at `target` takes, by the rules of the file
 * comment. The target's directory must exist. Inside a transaction; returns the space needed,
 * or the reason the temporary directory cannot be used.
 */
export function measureWrite(
  fs: FileSystem,
  target: ImagePath,
  length: number,
  temporaryDirectory: string,
): SpaceNeeded | string {
  const layout = fs.layout;
  const needed: SpaceNeeded = { blocks: fileBlocks(layout, length), inodes: 1 };
  const gaining = new Map<number, { dp: Inode; entries: number }>();
  const gainEntry = (dp: Inode): void => {
    const known = gaining.get(dp.inum);
    if (known === undefined) gaining.set(dp.inum, { dp, entries: 1 });
    else {
      known.entries++;
      fs.iput(dp);
    }
  };

  const directory = fs.namei(temporaryDirectory);
  if (directory === null) {
    needed.inodes++;
    needed.blocks += fileBlocks(layout, 2 * DIRENT_SIZE);
    gainEntry(fs.idup(fs.root));
  } else if (directory.type !== T_DIR) {
    fs.iput(directory);
    return `${temporaryDirectory} is not a directory`;
  } else {
    gainEntry(directory);
  }

  const parent = fs.nameiparent(target.path, target.cwd ?? fs.root);
  if (parent !== null) {
    const existing = fs.dirlookup(parent.dp, parent.name);
    if (existing === null) gainEntry(parent.dp);
    else {
      fs.iput(existing.ip);
      fs.iput(parent.dp);
    }
  }

  for (const { dp, entries } of gaining.values()) {
    needed.blocks += directoryGrowth(fs, dp, entries);
    fs.iput(dp);
  }
  return needed;
}

/** Returns the blocks directory `dp` allocates when it gains `entries` entries. */
function directoryGrowth(fs: FileSystem, dp: Inode, entries: number): number {
  const size = fs.stati(dp).size;
  const data = new Uint8Array(size);
  const read = fs.readi(dp, data, 0, size);
  let free = 0;
  for (let off = 0; off + DIRENT_SIZE <= read; off += DIRENT_SIZE) {
    if (decodeDirentInum(data, off) === 0) free++;
  }
  const appended = Math.max(0, entries - free);
  return fileBlocks(fs.layout, size + appended * DIRENT_SIZE) - fileBlocks(fs.layout, size);
}

/**
 * Counts free on-disk inodes, stopping at `wanted`. Inside a transaction: an inode that a crash
 * left allocated with no link (nlink 0) is freed by the iput that follows its lookup, as any
 * last iput frees it, and then counts as free. Returns null when the inode cache has no slot for
 * the lookup, so the count is unknown.
 */
export function countFreeInodes(fs: FileSystem, wanted: number): number | null {
  let found = 0;
  for (let inum = 1; inum < fs.layout.ninodes && found < wanted; inum++) {
    const ip = fs.iget(inum);
    if (ip === null) return null;
    fs.iput(ip);
    // The cache slot keeps the inode's fields after the release; type 0 marks a free inode.
    if (ip.type === 0) found++;
  }
  return found;
}
