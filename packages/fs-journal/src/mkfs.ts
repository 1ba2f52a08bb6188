/**
 * mkfs: writes a new file system of either geometry onto a device, with files, directories and
 * device nodes taken from the caller.
 *
 * Like the real xv6 mkfs it writes the image directly, without the log. Inodes are numbered in
 * the order entries are given (the root is 1). Data blocks are handed out in increasing order
 * from the first data block, an index block just before the first data block that needs it.
 * The bitmap marks every block below the last one used. A directory's blocks come
 * before the contents of its entries, so the root's first block is the first data block; the
 * real mkfs adds files to the root one at a time and so takes the root's second block only when
 * the 33rd entry needs it, between two files. A directory made here has a size rounded up to whole
 * blocks, as the real mkfs does for the root; empty entries fill the rest. The real mkfs adds a
 * whole block when the size is already a multiple of the block size, leaving a block address
 * of 0 inside the directory; this mkfs does not.
 *
 * Everything is checked first (options, paths, whether the entries fit the inodes and blocks),
 * so an MkfsError means nothing was written. The superblock is written last, so a mkfs that
 * stops part way does not leave something that mounts.
 */
import { requireDevice, showValue } from "./arguments";
import type { BlockDevice } from "./devices";
import { MkfsError, panic, quoteName } from "./diagnostics";
import {
  checkSuperblock,
  DIRENT_SIZE,
  DIRSIZ,
  type DiskLayout,
  describeLayout,
  encodeDinode,
  encodeDirent,
  encodeLogHeader,
  encodeSuperblock,
  GEOMETRIES,
  type GeometryName,
  inodeBlock,
  inodeOffset,
  layoutSuperblock,
  MAX_INODES,
  NADDRS,
  putU32,
  ROOTINO,
  SUPERBLOCK_BYTE,
  T_DEV,
  T_DIR,
  T_FILE,
} from "./format";

/** Something mkfs puts into the new file system; missing parent directories are made too. */
export type MkfsEntry =
  | { path: string; data: Uint8Array }
  | { path: string; directory: true }
  | { path: string; device: { major: number; minor: number } };

/** Options of mkfs; every size is in blocks of the geometry. */
export interface MkfsOptions {
  /** Default "xv6". */
  geometry?: GeometryName;
  /** Total blocks; default the device's block count. */
  size?: number;
  /** Inodes, inode 0 included; default 200 for xv6, size / 8 (64 to 65536) for extended. */
  ninodes?: number;
  /**
   * Log blocks, header included. The xv6 log is always 30 blocks. The extended default is the
   * smallest log of at least 257 blocks that can free the whole bitmap in one transaction.
   */
  nlog?: number;
  /** Files, directories and device nodes to add, in this order. */
  files?: MkfsEntry[];
  /** Write zeros to every free data block, as the real mkfs does; default true. */
  zeroDataBlocks?: boolean;
}

/** One node of the tree mkfs builds before it writes anything. */
interface Node {
  path: string;
  name: string;
  type: number;
  major: number;
  minor: number;
  data: Uint8Array | null;
  children: Node[];
  parent: Node | null;
  inum: number;
}

const XV6_DEFAULT_INODES = 200;
const XV6_LOG = 30;

/**
 * Writes a new file system onto `device` and returns its layout. Raises MkfsError, having
 * written nothing, for invalid options or entries that do not fit.
 */
export function mkfs(device: BlockDevice, options: MkfsOptions = {}): DiskLayout {
  requireDevice("mkfs", device);
  if (options.files !== undefined && !Array.isArray(options.files)) {
    throw new MkfsError(`files must be an array of entries; got ${showValue(options.files)}`);
  }
  const layout = planLayout(device, options);
  const root = buildTree(options.files ?? [], layout);
  checkCapacity(root, layout);
  new ImageWriter(device, layout).write(root, options.zeroDataBlocks ?? true);
  return layout;
}

function planLayout(device: BlockDevice, options: MkfsOptions): DiskLayout {
  const geometry = options.geometry ?? "xv6";
  // hasOwn, so that a name such as "toString" from an untyped caller is not found on the prototype.
  const spec = Object.hasOwn(GEOMETRIES, geometry) ? GEOMETRIES[geometry] : undefined;
  if (spec === undefined) {
    throw new MkfsError(`unknown geometry ${quoteName(String(geometry))}; use "xv6" or "extended"`);
  }
  if (device.blockSize !== spec.blockSize) {
    throw new MkfsError(
      `the ${geometry} geometry needs ${spec.blockSize}-byte blocks; the device has ${device.blockSize}-byte blocks`,
    );
  }
  const size = options.size ?? device.blockCount;
  requireWhole("size", size, 1, Math.min(spec.maxSize, device.blockCount));
  const ninodes =
    options.ninodes ??
    (geometry === "xv6"
      ? XV6_DEFAULT_INODES
      : Math.min(MAX_INODES, Math.max(64, Math.floor(size / 8))));
  requireWhole("ninodes", ninodes, 2, MAX_INODES);

  let nlog: number;
  if (geometry === "xv6") {
    if (options.nlog !== undefined && options.nlog !== XV6_LOG) {
      throw new MkfsError(
        `the xv6 geometry has a log of ${XV6_LOG} blocks; nlog ${options.nlog} is not possible`,
      );
    }
    nlog = XV6_LOG;
  } else {
    const nbitmap = Math.ceil(size / (spec.blockSize * 8));
    nlog = options.nlog ?? Math.min(spec.maxLog, Math.max(257, 4 * (nbitmap + 4) + 1));
    requireWhole("nlog", nlog, spec.minLog, spec.maxLog);
  }

  const sb = layoutSuperblock(geometry, size, ninodes, nlog);
  const problem = checkSuperblock(geometry, sb, device.blockCount);
  if (problem !== null) {
    throw new MkfsError(
      `cannot lay out ${size} blocks with ${ninodes} inodes and a log of ${nlog}: ${problem}`,
    );
  }
  return describeLayout(geometry, sb);
}

function requireWhole(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MkfsError(`${name} must be a whole number from ${min} to ${max}; got ${value}`);
  }
}

function newNode(path: string, name: string, type: number, parent: Node | null): Node {
  return { path, name, type, major: 0, minor: 0, data: null, children: [], parent, inum: 0 };
}

/** Builds the tree of entries, numbering inodes in order; raises MkfsError for a bad entry. */
function buildTree(entries: MkfsEntry[], layout: DiskLayout): Node {
  const root = newNode("/", "", T_DIR, null);
  root.inum = ROOTINO;
  const byPath = new Map<string, Node>([["/", root]]);
  let nextInum = ROOTINO + 1;

  for (const entry of entries) {
    const elements = checkEntryPath(entry.path);
    let dir = root;
    for (let i = 0; i < elements.length; i++) {
      const path = `/${elements.slice(0, i + 1).join("/")}`;
      const last = i === elements.length - 1;
      const existing = byPath.get(path);
      if (existing !== undefined) {
        if (last) throw new MkfsError(`${quoteName(entry.path)} is given twice`);
        if (existing.type !== T_DIR) {
          throw new MkfsError(
            `${quoteName(path)} is a file, so ${quoteName(entry.path)} cannot be made under it`,
          );
        }
        dir = existing;
        continue;
      }
      const node = newNode(path, elements[i]!, last ? entryType(entry) : T_DIR, dir);
      if (last) fillNode(node, entry, layout);
      node.inum = nextInum++;
      dir.children.push(node);
      byPath.set(path, node);
      dir = node;
    }
  }
  if (nextInum > layout.ninodes) {
    throw new MkfsError(
      `the entries need ${nextInum - 1} inodes, but the file system has ${layout.ninodes - 1} (ninodes ${layout.ninodes} counts inode 0)`,
    );
  }
  return root;
}

function checkEntryPath(path: unknown): string[] {
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new MkfsError(`entry path ${JSON.stringify(path)} must be absolute, like "/init"`);
  }
  const elements = path.split("/").filter((element) => element !== "");
  if (elements.length === 0) {
    throw new MkfsError(`entry path ${quoteName(path)} names the root, which mkfs always makes`);
  }
  for (const element of elements) {
    if (element === "." || element === "..") {
      throw new MkfsError(`entry path ${quoteName(path)} has a "." or ".." element`);
    }
    if (element.length > DIRSIZ) {
      throw new MkfsError(
        `${quoteName(element)} in ${quoteName(path)} is longer than ${DIRSIZ} bytes`,
      );
    }
    if (hasNonByteChar(element)) {
      throw new MkfsError(
        `${quoteName(element)} in ${quoteName(path)} has a NUL or a char above 0xff`,
      );
    }
  }
  return elements;
}

function hasNonByteChar(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 0 || code > 0xff) return true;
  }
  return false;
}

function entryType(entry: MkfsEntry): number {
  if ("data" in entry) return T_FILE;
  if ("directory" in entry) return T_DIR;
  if ("device" in entry) return T_DEV;
  throw new MkfsError(
    `entry ${quoteName((entry as { path: string }).path)} has none of data, directory or device`,
  );
}

function fillNode(node: Node, entry: MkfsEntry, layout: DiskLayout): void {
  if ("data" in entry) {
    if (!(entry.data instanceof Uint8Array)) {
      throw new MkfsError(`the data of ${quoteName(entry.path)} is not a Uint8Array`);
    }
    if (entry.data.length > layout.maxFileBytes) {
      throw new MkfsError(
        `${quoteName(entry.path)} has ${entry.data.length} bytes, more than the largest ${layout.geometry} file (${layout.maxFileBytes} bytes)`,
      );
    }
    node.data = entry.data;
  } else if ("device" in entry) {
    const { major, minor } = entry.device;
    requireWhole(`major of ${quoteName(entry.path)}`, major, 0, 0x7fff);
    requireWhole(`minor of ${quoteName(entry.path)}`, minor, 0, 0x7fff);
    node.major = major;
    node.minor = minor;
  }
}

/** Bytes of a node's contents: file data, or one entry per child plus "." and "..". */
function contentBytes(node: Node): number {
  if (node.type === T_DIR) return (node.children.length + 2) * DIRENT_SIZE;
  return node.data?.length ?? 0;
}

/** Data blocks plus the index blocks that map them. */
function blocksFor(layout: DiskLayout, bytes: number): number {
  const data = Math.ceil(bytes / layout.blockSize);
  let index = data > layout.ndirect ? 1 : 0;
  const beyond = data - layout.ndirect - layout.nindirect;
  if (beyond > 0) index += 1 + Math.ceil(beyond / layout.nindirect);
  return data + index;
}

function checkCapacity(root: Node, layout: DiskLayout): void {
  let needed = 0;
  const visit = (node: Node): void => {
    needed += blocksFor(layout, contentBytes(node));
    for (const child of node.children) visit(child);
  };
  visit(root);
  if (needed > layout.nblocks) {
    throw new MkfsError(
      `the entries need ${needed} data blocks, but the file system has ${layout.nblocks}`,
    );
  }
}

/** Writes the planned tree: data as it is placed, then inodes, index blocks, bitmap, superblock. */
class ImageWriter {
  private readonly device: BlockDevice;
  private readonly layout: DiskLayout;
  private readonly block: Uint8Array;
  /** Index blocks, kept until the end: block number to addresses. */
  private readonly indexBlocks = new Map<number, Uint32Array>();
  private readonly inodes = new Map<
    number,
    { node: Node; size: number; addrs: Uint32Array; nlink: number }
  >();
  private nextBlock: number;

  constructor(device: BlockDevice, layout: DiskLayout) {
    this.device = device;
    this.layout = layout;
    this.block = new Uint8Array(layout.blockSize);
    this.nextBlock = layout.datastart;
  }

  write(root: Node, zeroDataBlocks: boolean): void {
    this.block.fill(0);
    for (let b = 0; b < this.layout.datastart; b++) this.device.write(b, this.block);

    this.place(root);
    this.writeInodes();
    for (const [blockno, addrs] of this.indexBlocks) this.writeAddresses(blockno, addrs);
    this.writeBitmap();
    encodeLogHeader(this.layout.geometry, [], 0, this.block);
    this.device.write(this.layout.logstart, this.block);
    if (zeroDataBlocks) {
      this.block.fill(0);
      for (let b = this.nextBlock; b < this.layout.size; b++) this.device.write(b, this.block);
    }
    this.writeSuperblock();
    this.device.flush();
  }

  /** Places a node's contents (and its children's, in order) on the disk. */
  private place(node: Node): void {
    const addrs = new Uint32Array(NADDRS);
    const nlink =
      1 + (node.type === T_DIR ? node.children.filter((c) => c.type === T_DIR).length : 0);
    this.inodes.set(node.inum, { node, size: 0, addrs, nlink });
    if (node.type === T_FILE && node.data) this.writeData(node.inum, node.data);
    if (node.type !== T_DIR) return;

    const entries: [string, number][] = [
      [".", node.inum],
      ["..", node.parent?.inum ?? node.inum],
      ...node.children.map((child): [string, number] => [child.name, child.inum]),
    ];
    const bytes = new Uint8Array(
      Math.ceil((entries.length * DIRENT_SIZE) / this.layout.blockSize) * this.layout.blockSize,
    );
    for (const [i, [name, inum]] of entries.entries()) {
      encodeDirent(bytes, i * DIRENT_SIZE, inum, name);
    }
    // The directory's blocks come before its children's, as the real mkfs appends an entry
    // to the root before it appends the file's data.
    this.writeData(node.inum, bytes);
    for (const child of node.children) this.place(child);
  }

  /** Appends whole blocks of data to an inode that has none yet. */
  private writeData(inum: number, data: Uint8Array): void {
    const inode = this.inodes.get(inum)!;
    const bsize = this.layout.blockSize;
    for (let off = 0, bn = 0; off < data.length; off += bsize, bn++) {
      const addr = this.mapNew(inode.addrs, bn);
      this.block.fill(0);
      this.block.set(data.subarray(off, Math.min(off + bsize, data.length)));
      this.device.write(addr, this.block);
    }
    inode.size = data.length;
  }

  /** Allocates block bn of a file, index blocks first, as xv6's bmap does. */
  private mapNew(addrs: Uint32Array, bn: number): number {
    const { ndirect, nindirect } = this.layout;
    if (bn < ndirect) {
      addrs[bn] = this.allocate();
      return addrs[bn]!;
    }
    bn -= ndirect;
    if (bn < nindirect) return this.indexEntry(this.indexRoot(addrs, ndirect), bn);
    bn -= nindirect;
    const mid = this.indexAddresses(this.indexRoot(addrs, ndirect + 1));
    const i = Math.floor(bn / nindirect);
    if (mid[i] === 0) mid[i] = this.newIndex();
    return this.indexEntry(mid[i]!, bn % nindirect);
  }

  private indexRoot(addrs: Uint32Array, slot: number): number {
    if (addrs[slot] === 0) addrs[slot] = this.newIndex();
    return addrs[slot]!;
  }

  private indexEntry(index: number, i: number): number {
    const entries = this.indexAddresses(index);
    entries[i] = this.allocate();
    return entries[i]!;
  }

  private indexAddresses(index: number): Uint32Array {
    return this.indexBlocks.get(index)!;
  }

  private newIndex(): number {
    const b = this.allocate();
    this.indexBlocks.set(b, new Uint32Array(this.layout.nindirect));
    return b;
  }

  private allocate(): number {
    if (this.nextBlock >= this.layout.size) {
      panic("mkfs", "ran out of blocks after checking that the entries fit");
    }
    return this.nextBlock++;
  }

  private writeAddresses(blockno: number, addrs: Uint32Array): void {
    this.block.fill(0);
    for (let i = 0; i < addrs.length; i++) putU32(this.block, 4 * i, addrs[i]!);
    this.device.write(blockno, this.block);
  }

  private writeInodes(): void {
    const { inodesPerBlock, ninodes } = this.layout;
    for (let first = 0; first < ninodes; first += inodesPerBlock) {
      this.block.fill(0);
      for (
        let inum = Math.max(first, 1);
        inum < Math.min(first + inodesPerBlock, ninodes);
        inum++
      ) {
        const inode = this.inodes.get(inum);
        if (inode === undefined) continue;
        const { node } = inode;
        const dinode = {
          type: node.type,
          major: node.major,
          minor: node.minor,
          nlink: inode.nlink,
          size: inode.size,
          addrs: inode.addrs,
        };
        if (node.type === T_DIR) {
          dinode.size = Math.ceil(inode.size / this.layout.blockSize) * this.layout.blockSize;
        }
        encodeDinode(dinode, this.block, inodeOffset(this.layout, inum));
      }
      this.device.write(inodeBlock(this.layout, first), this.block);
    }
  }

  /** Marks every block below the first unused one, metadata included, as the real mkfs does. */
  private writeBitmap(): void {
    const { bitsPerBlock, bmapstart, size } = this.layout;
    for (let first = 0; first < size; first += bitsPerBlock) {
      this.block.fill(0);
      for (let b = first; b < Math.min(this.nextBlock, first + bitsPerBlock); b++) {
        this.block[(b % bitsPerBlock) >>> 3]! |= 1 << (b & 7);
      }
      this.device.write(bmapstart + first / bitsPerBlock, this.block);
    }
  }

  private writeSuperblock(): void {
    const blockno = Math.floor(SUPERBLOCK_BYTE / this.layout.blockSize);
    const offset = SUPERBLOCK_BYTE % this.layout.blockSize;
    this.block.fill(0);
    encodeSuperblock(this.layout.geometry, this.layout, this.block.subarray(offset, offset + 512));
    this.device.write(blockno, this.block);
  }
}
