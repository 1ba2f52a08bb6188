/**
 * The on-disk format of both geometries, in one place: superblock, inode, directory entry, log
 * header, bitmap and inode addressing, struct stat. mkfs, the mounted file system and fsck all
 * encode and decode through this module. All integers are little-endian.
 *
 *   xv6 geometry (512-byte blocks; the numbers are the real mkfs defaults)
 *     block 0        boot block, unused
 *     block 1        superblock (28 bytes at byte 512 of the disk, rest of the block zero)
 *     blocks 2..31   log: header at 2, logged copies at 3..31
 *     blocks 32..57  inodes, 8 per block
 *     block 58       free-block bitmap, 4096 bits per block
 *     blocks 59..999 data
 *
 *   extended geometry (4096-byte blocks, sizes chosen at mkfs time)
 *     block 0        bytes 0..511 boot area (zero), superblock at byte 512, rest zero
 *     blocks 1..     log (header first, at least 256 blocks), then inodes (64 per block),
 *                    the bitmap (32768 bits per block) and the data blocks
 *
 * The superblock is at byte 512 of the disk in both geometries, so one read of the block that
 * contains byte 512 distinguishes them: only the extended superblock carries EXTENDED_MAGIC.
 */
import { requireBytes, requireInteger, requireString } from "./arguments";
import { quoteName } from "./diagnostics";

export type GeometryName = "xv6" | "extended";

/** The root directory's inode number; inode 0 is never used. */
export const ROOTINO = 1;
/** Device number reported in struct stat, as xv6's ROOTDEV. */
export const ROOTDEV = 1;
export const T_DIR = 1;
export const T_FILE = 2;
export const T_DEV = 3;
/** Bytes of a name in a directory entry. */
export const DIRSIZ = 14;
export const DIRENT_SIZE = 16;
export const DINODE_SIZE = 64;
/** Block addresses in an on-disk inode. */
export const NADDRS = 13;
export const STAT_SIZE = 20;
/** The byte offset of the superblock on the disk, in both geometries. */
export const SUPERBLOCK_BYTE = 512;
/** "xv6X" as stored bytes; at byte 32 of the extended superblock. */
export const EXTENDED_MAGIC = 0x58367678;
export const EXTENDED_VERSION = 1;
/** Blocks one xv6 system call may write, xv6's MAXOPBLOCKS. */
export const XV6_MAXOPBLOCKS = 10;
/** Largest inode count: a directory entry stores the inode number in 16 bits. */
export const MAX_INODES = 65536;

/** Constants of a geometry that do not depend on the disk size. */
export interface GeometrySpec {
  readonly name: GeometryName;
  readonly blockSize: number;
  /** Direct block addresses in an inode (NDIRECT). */
  readonly ndirect: number;
  /** Whether addrs[NADDRS-1] is a double-indirect block. */
  readonly doubleIndirect: boolean;
  /** Block of the log header in a layout made by mkfs. */
  readonly firstLogBlock: number;
  /** Home block numbers a log header block can hold. */
  readonly logHeaderEntries: number;
  readonly minLog: number;
  readonly maxLog: number;
  /** Largest disk in blocks that mount and mkfs accept. */
  readonly maxSize: number;
}

export const GEOMETRIES: Readonly<Record<GeometryName, GeometrySpec>> = {
  xv6: {
    name: "xv6",
    blockSize: 512,
    ndirect: 12,
    doubleIndirect: false,
    firstLogBlock: 2,
    logHeaderEntries: 30,
    minLog: XV6_MAXOPBLOCKS + 1,
    maxLog: 1 << 16,
    maxSize: 1 << 24,
  },
  extended: {
    name: "extended",
    blockSize: 4096,
    ndirect: 11,
    doubleIndirect: true,
    firstLogBlock: 1,
    logHeaderEntries: (4096 - 8) / 4,
    minLog: 256,
    maxLog: (4096 - 8) / 4 + 1,
    maxSize: 1 << 23,
  },
};

/** The seven fields both geometries store, in xv6's order. */
export interface Superblock {
  size: number;
  nblocks: number;
  ninodes: number;
  nlog: number;
  logstart: number;
  inodestart: number;
  bmapstart: number;
}

/** A superblock with everything derived from it and its geometry. */
export interface DiskLayout extends Superblock {
  readonly geometry: GeometryName;
  readonly blockSize: number;
  /** First data block: size - nblocks. */
  readonly datastart: number;
  readonly ndirect: number;
  /** Addresses in one indirect block (NINDIRECT). */
  readonly nindirect: number;
  readonly doubleIndirect: boolean;
  readonly maxFileBlocks: number;
  readonly maxFileBytes: number;
  readonly inodesPerBlock: number;
  /** Bits in one bitmap block (BPB). */
  readonly bitsPerBlock: number;
  readonly nbitmap: number;
  /** Blocks one transaction may log: the log minus its header, at most the header's entries. */
  readonly logCapacity: number;
  /** MAXOPBLOCKS: what beginOp reserves by default. */
  readonly maxOpBlocks: number;
  /** Bytes of file data one write transaction carries (xv6: 1536). */
  readonly maxWriteBytes: number;
}

/**
 * Derives the layout. xv6 keeps MAXOPBLOCKS 10 and the split ((10-1-1-2)/2)*512 = 1536 bytes.
 * extended reserves a quarter of the log per operation, and splits writes into W blocks where
 * 2W + 9 <= MAXOPBLOCKS: W data blocks, up to W + 4 bitmap blocks when every allocation lands in
 * a different bitmap block, the indirect, double-indirect and two second-level blocks, the inode.
 */
export function describeLayout(geometry: GeometryName, sb: Superblock): DiskLayout {
  const spec = GEOMETRIES[geometry];
  const bsize = spec.blockSize;
  const nindirect = bsize / 4;
  const maxFileBlocks =
    spec.ndirect + nindirect + (spec.doubleIndirect ? nindirect * nindirect : 0);
  const logCapacity = Math.max(0, Math.min(sb.nlog - 1, spec.logHeaderEntries));
  let maxOpBlocks: number;
  let maxWriteBlocks: number;
  if (geometry === "xv6") {
    maxOpBlocks = Math.min(XV6_MAXOPBLOCKS, logCapacity);
    maxWriteBlocks = Math.floor((XV6_MAXOPBLOCKS - 1 - 1 - 2) / 2);
  } else {
    maxOpBlocks = Math.floor(logCapacity / 4);
    maxWriteBlocks = Math.floor((maxOpBlocks - 9) / 2);
  }

  return {
    ...sb,
    geometry,
    blockSize: bsize,
    datastart: sb.size - sb.nblocks,
    ndirect: spec.ndirect,
    nindirect,
    doubleIndirect: spec.doubleIndirect,
    maxFileBlocks,
    maxFileBytes: Math.min(maxFileBlocks * bsize, 0xffffffff),
    inodesPerBlock: bsize / DINODE_SIZE,
    bitsPerBlock: bsize * 8,
    nbitmap: Math.ceil(sb.size / (bsize * 8)),
    logCapacity,
    maxOpBlocks,
    maxWriteBytes: maxWriteBlocks * bsize,
  };
}

/**
 * Computes the superblock mkfs writes, with the real mkfs's formulas: ninodes/IPB + 1 inode
 * blocks and size/BPB + 1 bitmap blocks, the log right after the superblock. Raises TypeError
 * or RangeError for an unknown geometry, a value outside the geometry's limits, or a size that
 * leaves no data blocks.
 */
export function planSuperblock(
  geometry: GeometryName,
  size: number,
  ninodes: number,
  nlog: number,
): Superblock {
  requireString("planSuperblock", "geometry", geometry);
  if (!Object.hasOwn(GEOMETRIES, geometry)) {
    throw new RangeError(
      `planSuperblock: geometry ${quoteName(geometry)} is neither "xv6" nor "extended"`,
    );
  }
  const spec = GEOMETRIES[geometry];
  requireInteger("planSuperblock", "size", size, 1, spec.maxSize);
  requireInteger("planSuperblock", "ninodes", ninodes, 2, MAX_INODES);
  requireInteger("planSuperblock", "nlog", nlog, spec.minLog, spec.maxLog);
  const sb = layoutSuperblock(geometry, size, ninodes, nlog);
  if (sb.nblocks < 1) {
    throw new RangeError(
      `planSuperblock: size ${size} leaves no data blocks: the data area starts at block ${size - sb.nblocks}`,
    );
  }
  return sb;
}

/** Computes the superblock as planSuperblock does, for mkfs, which checks its options itself. */
export function layoutSuperblock(
  geometry: GeometryName,
  size: number,
  ninodes: number,
  nlog: number,
): Superblock {
  const spec = GEOMETRIES[geometry];
  const ninodeblocks = Math.floor(ninodes / (spec.blockSize / DINODE_SIZE)) + 1;
  const nbitmap = Math.floor(size / (spec.blockSize * 8)) + 1;
  const logstart = spec.firstLogBlock;
  const inodestart = logstart + nlog;
  const bmapstart = inodestart + ninodeblocks;
  const datastart = bmapstart + nbitmap;
  return { size, nblocks: size - datastart, ninodes, nlog, logstart, inodestart, bmapstart };
}

/**
 * Checks a superblock's values against each other and against the device, and returns the
 * first problem as a sentence, or null when the layout is possible.
 */
export function checkSuperblock(
  geometry: GeometryName,
  sb: Superblock,
  deviceBlocks: number,
): string | null {
  const spec = GEOMETRIES[geometry];
  const layout = describeLayout(geometry, sb);
  const inodeBlocks = Math.ceil(sb.ninodes / layout.inodesPerBlock);
  const where = `the ${geometry} superblock`;

  if (sb.size < 1 || sb.size > spec.maxSize) {
    return `${where} gives a size of ${sb.size} blocks; it must be between 1 and ${spec.maxSize}`;
  }
  if (sb.ninodes < 2 || sb.ninodes > MAX_INODES) {
    return `${where} gives ${sb.ninodes} inodes; it must be between 2 and ${MAX_INODES}`;
  }
  if (sb.nlog < spec.minLog || sb.nlog > spec.maxLog) {
    return `${where} gives a log of ${sb.nlog} blocks; it must be between ${spec.minLog} and ${spec.maxLog}`;
  }
  if (sb.logstart < spec.firstLogBlock) {
    return `${where} puts the log at block ${sb.logstart}, over the superblock (the log starts at ${spec.firstLogBlock} or later)`;
  }
  if (sb.inodestart < sb.logstart + sb.nlog) {
    return `${where} puts the inodes at block ${sb.inodestart}, inside the log (blocks ${sb.logstart} to ${sb.logstart + sb.nlog - 1})`;
  }
  if (sb.bmapstart < sb.inodestart + inodeBlocks) {
    return `${where} puts the bitmap at block ${sb.bmapstart}, but ${sb.ninodes} inodes need blocks ${sb.inodestart} to ${sb.inodestart + inodeBlocks - 1}`;
  }
  if (sb.nblocks < 1 || sb.nblocks >= sb.size) {
    return `${where} gives ${sb.nblocks} data blocks on a disk of ${sb.size} blocks`;
  }
  if (layout.datastart < sb.bmapstart + layout.nbitmap) {
    return `${where} starts the data at block ${layout.datastart}, but the bitmap needs blocks ${sb.bmapstart} to ${sb.bmapstart + layout.nbitmap - 1}`;
  }
  // NOTE: the xv6 geometry is not held to this, for compatibility with real xv6 images. Past
  // 24,576 blocks, truncating a badly fragmented file could log more blocks than one
  // operation reserves, as in real xv6.
  if (geometry === "extended" && layout.nbitmap + 4 > layout.maxOpBlocks) {
    return `${where} gives ${layout.nbitmap} bitmap blocks, more than one transaction of ${layout.maxOpBlocks} blocks can free; the log is too small for the disk`;
  }
  if (sb.size > deviceBlocks) {
    return `the image is truncated: ${where} gives ${sb.size} blocks but the device holds ${deviceBlocks}`;
  }
  return null;
}

// Little-endian integer access without allocating a DataView per call.

export function getU16(buf: Uint8Array, off: number): number {
  return buf[off]! | (buf[off + 1]! << 8);
}

export function getI16(buf: Uint8Array, off: number): number {
  return (getU16(buf, off) << 16) >> 16;
}

export function getU32(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

export function putU16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value & 0xff;
  buf[off + 1] = (value >>> 8) & 0xff;
}

export function putU32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value & 0xff;
  buf[off + 1] = (value >>> 8) & 0xff;
  buf[off + 2] = (value >>> 16) & 0xff;
  buf[off + 3] = (value >>> 24) & 0xff;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** Continues a CRC-32 (IEEE 802.3, reflected) over buf[start, end); start a new one with crc 0. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/*
 * Superblock, at byte SUPERBLOCK_BYTE of the disk (xv6: block 1; extended: block 0 + 512):
 *
 *   offset  size  field
 *    0      u32   size         total blocks
 *    4      u32   nblocks      data blocks
 *    8      u32   ninodes
 *   12      u32   nlog         log blocks, header included
 *   16      u32   logstart
 *   20      u32   inodestart
 *   24      u32   bmapstart
 *   ---- the xv6 superblock ends at 28; every byte after it in block 1 is zero ----
 *   28      u32   reserved, 0
 *   32      u32   magic        EXTENDED_MAGIC
 *   36      u32   version      EXTENDED_VERSION
 *   40      u32   blockSize    4096
 *   44      u32   checksum     CRC-32 of bytes 0..43
 *
 * An xv6 image can never carry the magic. The real mkfs zeroes block 1 before it writes the 28
 * bytes of its superblock, and the xv6 kernel never writes block 1 again. So bytes 28..511 of
 * an xv6 superblock block are always zero. The checksum guards the rest.
 */

/** Reads the geometry from the 512 bytes that start at SUPERBLOCK_BYTE of the disk. */
export function detectGeometry(area: Uint8Array): GeometryName {
  return getU32(area, 32) === EXTENDED_MAGIC ? "extended" : "xv6";
}

/** Decodes the seven shared fields, and for extended returns a problem when its header is bad. */
export function decodeSuperblock(area: Uint8Array): {
  geometry: GeometryName;
  sb: Superblock;
  problem: string | null;
} {
  const geometry = detectGeometry(area);
  const sb: Superblock = {
    size: getU32(area, 0),
    nblocks: getU32(area, 4),
    ninodes: getU32(area, 8),
    nlog: getU32(area, 12),
    logstart: getU32(area, 16),
    inodestart: getU32(area, 20),
    bmapstart: getU32(area, 24),
  };
  let problem: string | null = null;
  if (geometry === "extended") {
    const version = getU32(area, 36);
    const blockSize = getU32(area, 40);
    if (getU32(area, 44) !== crc32(area, 0, 44)) {
      problem = "the extended superblock's checksum does not match its contents";
    } else if (version !== EXTENDED_VERSION) {
      problem = `the extended superblock has format version ${version}; this code reads version ${EXTENDED_VERSION}`;
    } else if (blockSize !== GEOMETRIES.extended.blockSize) {
      problem = `the extended superblock gives a block size of ${blockSize}; only 4096 exists`;
    }
  }
  return { geometry, sb, problem };
}

/** Encodes a superblock into area (512 bytes, zero-filled first). */
export function encodeSuperblock(geometry: GeometryName, sb: Superblock, area: Uint8Array): void {
  area.fill(0, 0, 512);
  putU32(area, 0, sb.size);
  putU32(area, 4, sb.nblocks);
  putU32(area, 8, sb.ninodes);
  putU32(area, 12, sb.nlog);
  putU32(area, 16, sb.logstart);
  putU32(area, 20, sb.inodestart);
  putU32(area, 24, sb.bmapstart);
  if (geometry === "extended") {
    putU32(area, 32, EXTENDED_MAGIC);
    putU32(area, 36, EXTENDED_VERSION);
    putU32(area, 40, GEOMETRIES.extended.blockSize);
    putU32(area, 44, crc32(area, 0, 44));
  }
}

/*
 * On-disk inode, 64 bytes; inode i lives in block inodestart + i / IPB at byte (i % IPB) * 64:
 *
 *   offset  size  field
 *    0      i16   type     0 free, 1 directory, 2 file, 3 device
 *    2      i16   major    device inodes only
 *    4      i16   minor
 *    6      i16   nlink    directory entries naming it (xv6's rule for directories)
 *    8      u32   size     bytes
 *   12      u32   addrs[13]
 *                 xv6:      addrs[0..11] direct, addrs[12] indirect (128 addresses)
 *                 extended: addrs[0..10] direct, addrs[11] indirect (1024 addresses),
 *                           addrs[12] double-indirect (1024 indirect blocks of 1024)
 *
 * Address 0 means "no block": block 0 is never a data block in either geometry.
 */

/** The fields of an on-disk inode. */
export interface Dinode {
  type: number;
  major: number;
  minor: number;
  nlink: number;
  size: number;
  addrs: Uint32Array;
}

export function inodeBlock(layout: DiskLayout, inum: number): number {
  return layout.inodestart + Math.floor(inum / layout.inodesPerBlock);
}

export function inodeOffset(layout: DiskLayout, inum: number): number {
  return (inum % layout.inodesPerBlock) * DINODE_SIZE;
}

/** Decodes the inode at buf[off] into `into`, reusing its addrs array. */
export function decodeDinode(buf: Uint8Array, off: number, into: Dinode): void {
  into.type = getI16(buf, off);
  into.major = getI16(buf, off + 2);
  into.minor = getI16(buf, off + 4);
  into.nlink = getI16(buf, off + 6);
  into.size = getU32(buf, off + 8);
  for (let i = 0; i < NADDRS; i++) into.addrs[i] = getU32(buf, off + 12 + 4 * i);
}

export function encodeDinode(from: Dinode, buf: Uint8Array, off: number): void {
  putU16(buf, off, from.type);
  putU16(buf, off + 2, from.major);
  putU16(buf, off + 4, from.minor);
  putU16(buf, off + 6, from.nlink);
  putU32(buf, off + 8, from.size);
  for (let i = 0; i < NADDRS; i++) putU32(buf, off + 12 + 4 * i, from.addrs[i]!);
}

/*
 * Directory entry, 16 bytes, in the data of a directory inode:
 *
 *   offset  size  field
 *    0      u16   inum     0 marks a free entry
 *    2      u8[14] name    NUL-padded; no NUL when all 14 bytes are used
 *
 * Names are byte strings held as JS strings with one char per byte (latin1). Like xv6, a longer
 * name is cut to DIRSIZ bytes, and names compare on at most DIRSIZ bytes, up to a NUL.
 */

/** Cuts a name at its first NUL and at DIRSIZ bytes, as xv6 stores and compares names. */
export function direntName(name: string): string {
  const nul = name.indexOf("\0");
  const cut = nul < 0 ? name : name.slice(0, nul);
  return cut.length > DIRSIZ ? cut.slice(0, DIRSIZ) : cut;
}

export function decodeDirentInum(buf: Uint8Array, off: number): number {
  return getU16(buf, off);
}

export function decodeDirentName(buf: Uint8Array, off: number): string {
  let name = "";
  for (let i = 0; i < DIRSIZ; i++) {
    const byte = buf[off + 2 + i]!;
    if (byte === 0) break;
    name += String.fromCharCode(byte);
  }
  return name;
}

/**
 * Encodes an entry; the name is cut as direntName does, and chars above 0xff keep their low byte.
 * Raises TypeError or RangeError, writing nothing, for an entry outside buf or an inum that 16
 * bits cannot hold.
 */
export function encodeDirent(buf: Uint8Array, off: number, inum: number, name: string): void {
  requireBytes("encodeDirent", "buf", buf);
  requireInteger("encodeDirent", "off", off, 0, buf.length - DIRENT_SIZE);
  requireInteger("encodeDirent", "inum", inum, 0, 0xffff);
  requireString("encodeDirent", "name", name);
  const stored = direntName(name);
  putU16(buf, off, inum);
  for (let i = 0; i < DIRSIZ; i++) {
    buf[off + 2 + i] = i < stored.length ? stored.charCodeAt(i) & 0xff : 0;
  }
}

/*
 * Log header, the block at logstart; the logged copies follow at logstart+1 .. logstart+n.
 *
 *   xv6 (512 bytes)                     extended (4096 bytes)
 *   offset  field                       offset  field
 *    0      i32 n                        0      u32 n
 *    4      i32 block[30] home blocks    4      u32 checksum: CRC-32 of bytes 0..3, 8..8+4n
 *                                        8      u32 block[1022] home blocks
 *
 * The write of the header with n > 0 is the commit point. An xv6 header is one sector and
 * cannot tear. An extended header spans eight 512-byte sectors; a torn write leaves a checksum
 * that does not match, and such a header reads as "no commit".
 */

/** A decoded log header; `torn` is set when an extended header's checksum does not match. */
export interface LogHeader {
  n: number;
  blocks: number[];
  torn: boolean;
}

export function decodeLogHeader(geometry: GeometryName, buf: Uint8Array): LogHeader {
  const spec = GEOMETRIES[geometry];
  const base = geometry === "xv6" ? 4 : 8;
  const n = geometry === "xv6" ? getU32(buf, 0) | 0 : getU32(buf, 0);
  const count = Math.max(0, Math.min(n, spec.logHeaderEntries));
  const blocks: number[] = [];
  for (let i = 0; i < count; i++) blocks.push(getU32(buf, base + 4 * i));
  if (geometry === "xv6") return { n, blocks, torn: false };

  const expected = n > spec.logHeaderEntries ? -1 : headerChecksum(buf, n);
  return { n, blocks, torn: getU32(buf, 4) !== expected };
}

/** Encodes a header for `blocks` into buf (a whole block, zero-filled first). */
export function encodeLogHeader(
  geometry: GeometryName,
  blocks: ArrayLike<number>,
  n: number,
  buf: Uint8Array,
): void {
  const base = geometry === "xv6" ? 4 : 8;
  buf.fill(0);
  putU32(buf, 0, n);
  for (let i = 0; i < n; i++) putU32(buf, base + 4 * i, blocks[i]!);
  if (geometry === "extended") putU32(buf, 4, headerChecksum(buf, n));
}

function headerChecksum(buf: Uint8Array, n: number): number {
  return crc32(buf, 8, 8 + 4 * n, crc32(buf, 0, 4));
}

/*
 * Free-block bitmap: block b is bit (b % 8) of byte (b % BPB) / 8 of bitmap block
 * bmapstart + b / BPB, where BPB = blockSize * 8. A set bit means the block is in use; mkfs
 * marks every block before the data area as used.
 */

export function bitmapBlock(layout: DiskLayout, b: number): number {
  return layout.bmapstart + Math.floor(b / layout.bitsPerBlock);
}

export function bitmapByte(layout: DiskLayout, b: number): number {
  return (b % layout.bitsPerBlock) >>> 3;
}

export function bitmapMask(b: number): number {
  return 1 << (b & 7);
}

/** The struct stat that fstat copies to user memory. */
export interface Stat {
  type: number;
  dev: number;
  ino: number;
  nlink: number;
  size: number;
}

/*
 * struct stat, 20 bytes as user programs see it:
 *
 *   offset  size  field
 *    0      i16   type
 *    2      -     padding
 *    4      i32   dev
 *    8      u32   ino
 *   12      i16   nlink
 *   14      -     padding
 *   16      u32   size
 */

/** Encodes st as the 20-byte struct stat at buf[off], padding zeroed. */
export function encodeStat(st: Stat, buf: Uint8Array, off = 0): void {
  buf.fill(0, off, off + STAT_SIZE);
  putU16(buf, off, st.type);
  putU32(buf, off + 4, st.dev);
  putU32(buf, off + 8, st.ino);
  putU16(buf, off + 12, st.nlink);
  putU32(buf, off + 16, st.size);
}
