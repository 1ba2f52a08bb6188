/**
 * Block devices: the one interface the file system reads and writes through, an in-memory
 * device and a host file device.
 *
 * A device moves whole blocks and does not interpret them. flush() is a write barrier:
 * every write issued before it is durable once it returns. The log relies on exactly that and
 * on nothing else, so writes between two barriers may reach the disk in any order (the crash
 * device in crash-device.ts simulates such disks). The file device makes flush() a real fsync.
 *
 * All calls are synchronous (Node's *Sync file calls), which is what lets the kernel run a
 * system call's transactions to the end without yielding.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { requireBytes, requireString, showValue } from "./arguments";
import { quoteName } from "./diagnostics";
import { detectGeometry, GEOMETRIES, SUPERBLOCK_BYTE } from "./format";

/** A disk of fixed-size blocks. */
export interface BlockDevice {
  /** Bytes per block: 512 for the xv6 geometry, 4096 for extended. */
  readonly blockSize: number;
  readonly blockCount: number;
  /** Set when writes are refused; mount then mounts read-only. */
  readonly readOnly?: boolean;
  /** Reads block blockno into dst, whose length is blockSize. */
  read(blockno: number, dst: Uint8Array): void;
  /** Writes src, whose length is blockSize, to block blockno. */
  write(blockno: number, src: Uint8Array): void;
  /** A write barrier: every earlier write is durable when flush returns. */
  flush(): void;
  close(): void;
}

/** Counts of the calls a device has served since it was made. */
export interface DeviceStats {
  reads: number;
  writes: number;
  flushes: number;
}

/** Raises RangeError unless blockno and the buffer fit the device; a caller bug, not bad input. */
export function checkAccess(
  device: BlockDevice,
  op: string,
  blockno: number,
  buf: Uint8Array,
): void {
  if (!Number.isInteger(blockno) || blockno < 0 || blockno >= device.blockCount) {
    throw new RangeError(
      `${op}: block ${showValue(blockno)} is outside the device (blocks 0 to ${device.blockCount - 1})`,
    );
  }
  if (buf.length !== device.blockSize) {
    throw new RangeError(
      `${op}: buffer of ${buf.length} bytes for ${device.blockSize}-byte blocks`,
    );
  }
}

/**
 * Returns the block size an image was made with: 4096 when the bytes at SUPERBLOCK_BYTE are an
 * extended superblock, 512 otherwise. `head` is the start of the image (1024 bytes suffice).
 */
export function sniffBlockSize(head: Uint8Array): number {
  if (head.length < SUPERBLOCK_BYTE + 512) return GEOMETRIES.xv6.blockSize;
  const geometry = detectGeometry(head.subarray(SUPERBLOCK_BYTE, SUPERBLOCK_BYTE + 512));
  return GEOMETRIES[geometry].blockSize;
}

/** Raises TypeError or RangeError unless blockSize is 512 or 4096. */
function checkBlockSize(where: string, blockSize: unknown): asserts blockSize is number {
  if (typeof blockSize !== "number") {
    throw new TypeError(`${where}: block size ${showValue(blockSize)} is not a number`);
  }
  if (blockSize !== 512 && blockSize !== 4096) {
    throw new RangeError(`${where}: block size ${blockSize} is neither 512 nor 4096`);
  }
}

/** Raises TypeError or RangeError unless blockCount is a whole number of bytes a host can address. */
function checkBlockCount(
  where: string,
  blockCount: unknown,
  blockSize: number,
): asserts blockCount is number {
  if (typeof blockCount !== "number") {
    throw new TypeError(`${where}: block count ${showValue(blockCount)} is not a number`);
  }
  if (!Number.isInteger(blockCount) || blockCount < 0) {
    throw new RangeError(`${where}: block count ${blockCount} is not a whole number`);
  }
  if (blockCount * blockSize > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `${where}: block count ${blockCount} of ${blockSize}-byte blocks is more bytes than a JavaScript number counts exactly`,
    );
  }
}

/** A disk held in one Uint8Array. */
export class MemoryDevice implements BlockDevice {
  readonly blockSize: number;
  readonly blockCount: number;
  /** The whole disk, live: writes change it. */
  readonly bytes: Uint8Array;
  readonly stats: DeviceStats = { reads: 0, writes: 0, flushes: 0 };
  private closed = false;

  /**
   * Makes a zero-filled disk of blockCount blocks, or a disk over `bytes` (used as is, not
   * copied), which must be exactly blockCount * blockSize bytes long.
   */
  constructor(blockCount: number, blockSize = 512, bytes?: Uint8Array) {
    checkBlockSize("MemoryDevice", blockSize);
    checkBlockCount("MemoryDevice", blockCount, blockSize);
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    if (bytes !== undefined) {
      requireBytes("MemoryDevice", "bytes", bytes);
      if (bytes.length !== blockCount * blockSize) {
        throw new RangeError(
          `MemoryDevice: bytes of ${bytes.length} bytes is not ${blockCount} blocks of ${blockSize} bytes`,
        );
      }
    }
    this.bytes = bytes ?? allocate(blockCount, blockSize);
  }

  /**
   * Makes a disk from a copy of an image. The block size is sniffed from the superblock unless
   * given. A trailing partial block is dropped, so a truncated image shows up as a short device.
   */
  static fromBytes(image: Uint8Array, blockSize?: number): MemoryDevice {
    requireBytes("MemoryDevice.fromBytes", "image", image);
    blockSize ??= sniffBlockSize(image);
    const blockCount = Math.floor(image.length / blockSize);
    return new MemoryDevice(blockCount, blockSize, image.slice(0, blockCount * blockSize));
  }

  /** Returns a copy of the whole disk. */
  snapshot(): Uint8Array {
    return this.bytes.slice();
  }

  /** Returns an independent device with a copy of this disk. */
  clone(): MemoryDevice {
    return new MemoryDevice(this.blockCount, this.blockSize, this.bytes.slice());
  }

  read(blockno: number, dst: Uint8Array): void {
    this.checkOpen("read");
    checkAccess(this, "read", blockno, dst);
    const start = blockno * this.blockSize;
    dst.set(this.bytes.subarray(start, start + this.blockSize));
    this.stats.reads++;
  }

  write(blockno: number, src: Uint8Array): void {
    this.checkOpen("write");
    checkAccess(this, "write", blockno, src);
    this.bytes.set(src, blockno * this.blockSize);
    this.stats.writes++;
  }

  flush(): void {
    this.checkOpen("flush");
    this.stats.flushes++;
  }

  close(): void {
    this.closed = true;
  }

  private checkOpen(op: string): void {
    if (this.closed) throw new Error(`${op}: the memory device is closed`);
  }
}

/** Returns a zeroed Uint8Array for a disk; RangeError naming the size when the host cannot make one. */
function allocate(blockCount: number, blockSize: number): Uint8Array {
  try {
    return new Uint8Array(blockCount * blockSize);
  } catch (error) {
    throw new RangeError(
      `MemoryDevice: ${blockCount} blocks of ${blockSize} bytes do not fit in one Uint8Array on this host; use a FileDevice`,
      { cause: error },
    );
  }
}

/**
 * Opens a new file for writing: O_EXCL refuses an existing path (a symbolic link included),
 * and with `overwrite` an existing file is truncated instead.
 */
function openNew(path: string, overwrite: boolean): number {
  // No O_TRUNC with overwrite: create() empties the old file only once the new size fits.
  const exclusive = overwrite ? 0 : constants.O_EXCL;
  try {
    return openSync(path, constants.O_RDWR | constants.O_CREAT | exclusive, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const exists = new Error(
      `FileDevice.create: ${quoteName(path)} exists; pass { overwrite: true } to replace it`,
      { cause: error },
    );
    throw Object.assign(exists, { code: "EEXIST" });
  }
}

/** Describes a failed ftruncate of a new image, keeping the system error's code (EFBIG, ENOSPC). */
function sizeError(path: string, blockCount: number, blockSize: number, cause: unknown): Error {
  const code = (cause as NodeJS.ErrnoException).code;
  const reason =
    code === "EFBIG" || code === "EINVAL"
      ? "is too large for the host file system"
      : `failed: ${(cause as Error).message}`;
  const error = new Error(
    `FileDevice.create: a file of ${blockCount} blocks of ${blockSize} bytes at ${quoteName(path)} ${reason}`,
    { cause },
  );
  return Object.assign(error, { code });
}

/** Options of FileDevice.open. */
export interface FileDeviceOptions {
  /** Block size; sniffed from the image's superblock when omitted. */
  blockSize?: number;
  /** Opens the file read-only; writes raise an error and mount mounts read-only. */
  readOnly?: boolean;
}

/** Options of FileDevice.create. */
export interface FileDeviceCreateOptions {
  /** Replaces an existing file at the path; without it, an existing path raises EEXIST. */
  overwrite?: boolean;
}

/** A disk image in a host file; flush() is fsync. */
export class FileDevice implements BlockDevice {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly readOnly: boolean;
  readonly path: string;
  readonly stats: DeviceStats = { reads: 0, writes: 0, flushes: 0 };
  /** Bytes of the file past its last whole block, which the device does not include (0 when created). */
  readonly trailingBytes: number;
  private fd: number;

  private constructor(
    path: string,
    fd: number,
    blockSize: number,
    blockCount: number,
    readOnly: boolean,
    trailingBytes = 0,
  ) {
    this.path = path;
    this.trailingBytes = trailingBytes;
    this.fd = fd;
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    this.readOnly = readOnly;
  }

  /**
   * Opens an existing image. A trailing partial block is not part of the device (trailingBytes
   * counts it), so a file cut inside a block reads as a truncated image that mount and fsck
   * report.
   */
  static open(path: string, options: FileDeviceOptions = {}): FileDevice {
    requireString("FileDevice.open", "path", path);
    const readOnly = options.readOnly ?? false;
    if (options.blockSize !== undefined) checkBlockSize("FileDevice.open", options.blockSize);
    const fd = openSync(path, readOnly ? constants.O_RDONLY : constants.O_RDWR);
    try {
      const length = fstatSync(fd).size;
      let blockSize = options.blockSize;
      if (blockSize === undefined) {
        const head = new Uint8Array(Math.min(length, 1024));
        readSync(fd, head, 0, head.length, 0);
        blockSize = sniffBlockSize(head);
      }
      const blockCount = Math.floor(length / blockSize);
      return new FileDevice(path, fd, blockSize, blockCount, readOnly, length % blockSize);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /**
   * Creates an image file of blockCount zero blocks. An existing path raises an error with code
   * EEXIST, unless `overwrite` is set, which truncates the file. The new file is sparse on file
   * systems that support it, so a large empty image costs no disk space until it is written.
   */
  static create(
    path: string,
    blockCount: number,
    blockSize = 512,
    options: FileDeviceCreateOptions = {},
  ): FileDevice {
    requireString("FileDevice.create", "path", path);
    checkBlockSize("FileDevice.create", blockSize);
    checkBlockCount("FileDevice.create", blockCount, blockSize);
    const overwrite = options.overwrite === true;
    const existed = overwrite && existsSync(path);
    const fd = openNew(path, overwrite);
    const bytes = blockCount * blockSize;
    try {
      // Growing or shrinking to the new size first leaves an old file whole when the size fails
      ftruncateSync(fd, bytes);
    } catch (error) {
      closeSync(fd);
      if (!existed) unlinkSync(path);
      throw sizeError(path, blockCount, blockSize, error);
    }
    if (existed) {
      // The size fits, so empty the old contents: every block of a new image reads as zeros
      ftruncateSync(fd, 0);
      ftruncateSync(fd, bytes);
    }
    return new FileDevice(path, fd, blockSize, blockCount, false);
  }

  read(blockno: number, dst: Uint8Array): void {
    this.checkOpen("read");
    checkAccess(this, "read", blockno, dst);
    let done = 0;
    while (done < this.blockSize) {
      const got = readSync(
        this.fd,
        dst,
        done,
        this.blockSize - done,
        blockno * this.blockSize + done,
      );
      if (got === 0) throw new Error(`read: ${quoteName(this.path)} ended inside block ${blockno}`);
      done += got;
    }
    this.stats.reads++;
  }

  write(blockno: number, src: Uint8Array): void {
    this.checkOpen("write");
    if (this.readOnly) throw new Error(`write: ${quoteName(this.path)} is opened read-only`);
    checkAccess(this, "write", blockno, src);
    let done = 0;
    while (done < this.blockSize) {
      done += writeSync(this.fd, src, done, this.blockSize - done, blockno * this.blockSize + done);
    }
    this.stats.writes++;
  }

  flush(): void {
    this.checkOpen("flush");
    if (!this.readOnly) fsyncSync(this.fd);
    this.stats.flushes++;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private checkOpen(op: string): void {
    if (this.fd < 0) throw new Error(`${op}: ${quoteName(this.path)} is closed`);
  }
}
