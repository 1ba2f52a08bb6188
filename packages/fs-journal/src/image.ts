/**
 * Reading an image before anything is mounted: the superblock, the log header, and a view of
 * the disk as it will be once the pending log is installed. mount and fsck share these, and
 * none of them writes.
 *
 * A header is pending when it records a commit (n > 0, and for the extended geometry a matching
 * checksum). RecoveredView serves reads of the blocks such a header names from their logged
 * copies, so a reader sees the disk that recovery will produce without producing it.
 */
import type { BlockDevice } from "./devices";
import {
  checkSuperblock,
  type DiskLayout,
  decodeLogHeader,
  decodeSuperblock,
  describeLayout,
  GEOMETRIES,
  getI16,
  getU32,
  inodeBlock,
  inodeOffset,
  type LogHeader,
  ROOTINO,
  SUPERBLOCK_BYTE,
  T_DIR,
} from "./format";

/** The layout and log header of a valid image, read without mounting it. */
export interface ImageInfo {
  layout: DiskLayout;
  header: LogHeader;
  /** Blocks the pending commit will install; 0 when nothing is pending. */
  pending: number;
}

export type Inspection = { ok: true; info: ImageInfo } | { ok: false; problem: string };

/** Reads and checks the superblock and the log header; returns the first problem as a sentence. */
export function inspectImage(device: BlockDevice): Inspection {
  const bytes = device.blockCount * device.blockSize;
  if (bytes < SUPERBLOCK_BYTE + 512) {
    return {
      ok: false,
      problem: `the image holds ${bytes} bytes, too few for a superblock at byte ${SUPERBLOCK_BYTE}`,
    };
  }
  const block = new Uint8Array(device.blockSize);
  device.read(Math.floor(SUPERBLOCK_BYTE / device.blockSize), block);
  const offset = SUPERBLOCK_BYTE % device.blockSize;
  const decoded = decodeSuperblock(block.subarray(offset, offset + 512));
  if (decoded.problem) return { ok: false, problem: decoded.problem };

  const { geometry, sb } = decoded;
  const expectedSize = GEOMETRIES[geometry].blockSize;
  if (device.blockSize !== expectedSize) {
    return {
      ok: false,
      problem: `the image has a ${geometry} superblock, which needs ${expectedSize}-byte blocks, but the device has ${device.blockSize}-byte blocks`,
    };
  }
  const sbProblem = checkSuperblock(geometry, sb, device.blockCount);
  if (sbProblem) return { ok: false, problem: sbProblem };

  const layout = describeLayout(geometry, sb);
  device.read(layout.logstart, block);
  const header = decodeLogHeader(geometry, block);
  const headerProblem = checkLogHeader(layout, header);
  if (headerProblem) return { ok: false, problem: headerProblem };
  const pending = header.torn ? 0 : header.n;
  return { ok: true, info: { layout, header, pending } };
}

/** Returns a problem sentence unless a header that is not torn names only possible blocks. */
function checkLogHeader(layout: DiskLayout, header: LogHeader): string | null {
  if (header.torn) return null;
  if (header.n < 0 || header.n > layout.logCapacity) {
    return `the log header gives n = ${header.n} logged blocks, but the log holds at most ${layout.logCapacity}`;
  }
  for (let i = 0; i < header.n; i++) {
    const home = header.blocks[i]!;
    if (home < layout.inodestart || home >= layout.size) {
      return `the log header sends logged block ${i} to block ${home}, which is not an inode, bitmap or data block (${layout.inodestart} to ${layout.size - 1})`;
    }
  }
  return null;
}

/** A read-only view of a device as it will be after the pending log is installed. */
export class RecoveredView implements BlockDevice {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly readOnly = true;
  private readonly device: BlockDevice;
  /** Home block to the log block holding its committed copy. */
  private readonly logged = new Map<number, number>();

  constructor(device: BlockDevice, info: ImageInfo) {
    this.device = device;
    this.blockSize = device.blockSize;
    this.blockCount = device.blockCount;
    for (let i = 0; i < info.pending; i++) {
      this.logged.set(info.header.blocks[i]!, info.layout.logstart + 1 + i);
    }
  }

  read(blockno: number, dst: Uint8Array): void {
    this.device.read(this.logged.get(blockno) ?? blockno, dst);
  }

  write(blockno: number): void {
    throw new Error(`write: block ${blockno} of a read-only view of the image`);
  }

  flush(): void {}

  close(): void {}
}

/** Returns a problem sentence unless the root inode, read through `view`, is a directory. */
export function checkRoot(view: BlockDevice, layout: DiskLayout): string | null {
  const block = new Uint8Array(layout.blockSize);
  view.read(inodeBlock(layout, ROOTINO), block);
  const off = inodeOffset(layout, ROOTINO);
  const type = getI16(block, off);
  if (type !== T_DIR) return `inode ${ROOTINO}, the root, is not a directory (its type is ${type})`;
  if (getU32(block, off + 8) === 0) {
    return `inode ${ROOTINO}, the root directory, is empty: it lacks "." and ".."`;
  }
  return null;
}
