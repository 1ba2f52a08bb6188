/**
 * @xv6ts/fs-journal: the xv6 file system with its write-ahead log, on block devices.
 *
 * Two geometries share one code path: `xv6`, byte-compatible with images of the real xv6 mkfs,
 * and `extended` (4096-byte blocks, double-indirect files, a checksummed log header). This file
 * is the package's whole public API; the README shows it in use.
 */

export { NBUF } from "./buffer-cache";
export type { CrashOptions, CrashState, DeviceEvent } from "./crash-device";
export { CrashDevice, DeviceCrashed } from "./crash-device";
export type {
  BlockDevice,
  DeviceStats,
  FileDeviceCreateOptions,
  FileDeviceOptions,
} from "./devices";
export { FileDevice, MemoryDevice, sniffBlockSize } from "./devices";
export { FsFormatError, FsPanic, MkfsError, quoteName } from "./diagnostics";
export type { Lookup } from "./directory";
export type { MountOptions } from "./file-system";
export { FileSystem, MAX_BUFFERS } from "./file-system";
export type {
  Dinode,
  DiskLayout,
  GeometryName,
  GeometrySpec,
  LogHeader,
  Stat,
  Superblock,
} from "./format";
export {
  DINODE_SIZE,
  DIRENT_SIZE,
  DIRSIZ,
  decodeDirentInum,
  decodeDirentName,
  describeLayout,
  direntName,
  EXTENDED_MAGIC,
  encodeDirent,
  encodeStat,
  GEOMETRIES,
  MAX_INODES,
  NADDRS,
  planSuperblock,
  ROOTDEV,
  ROOTINO,
  STAT_SIZE,
  T_DEV,
  T_DIR,
  T_FILE,
  XV6_MAXOPBLOCKS,
} from "./format";
export type { FsckReport } from "./fsck";
export { fsck } from "./fsck";
export type { DirEntry, FsResult } from "./host-api";
export { Inode, NINODE } from "./inode";
export type { LogStats } from "./log";
export type { MkfsEntry, MkfsOptions } from "./mkfs";
export { mkfs } from "./mkfs";
