/**
 * Disk image files: opening one under its lock, mounting it, and making a new one.
 *
 * Every command that touches a disk file goes through here, so the checks and their sentences
 * are the same everywhere: a missing file gets the hint to run `xv6ts mkfs`, the error for a
 * directory or a file that is not an image states which it is, and a file in use names the process
 * holding it.
 *
 * A new image is built in a temporary file next to the target and renamed over it at the end,
 * so that a failed or interrupted mkfs leaves the old file (or nothing) and never half an image.
 * The temporary file is made by FileDevice.create with `overwrite`, so a file left at that name
 * by a killed run whose pid came back is replaced. It is sized without writing, all zeros and
 * sparse, so mkfs need not write the free data blocks.
 */
import { lstatSync, readlinkSync, renameSync, type Stats, statSync, unlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  type BlockDevice,
  FileDevice,
  FileSystem,
  FsFormatError,
  GEOMETRIES,
  type GeometryName,
  type MkfsEntry,
  MkfsError,
  mkfs,
} from "@xv6ts/fs-journal";
import { BIN_DIR, programBytes, programNames } from "@xv6ts/userland";
import { CliError, describeHostError, systemErrorCode } from "./errors";
import { checkImageSize, largestImageSize, smallestImageSize } from "./image-size";
import type { CliIo } from "./io";
import { DiskLock } from "./lock";
import { CountingDevice, startProgress } from "./progress";
import { formatSize, formatSizeOption, MiB } from "./sizes";

/** The geometry and size of images the CLI makes when none is given. */
export const DEFAULT_GEOMETRY: GeometryName = "extended";
export const DEFAULT_DISK_SIZE = 64 * MiB;

/** A disk file opened under its lock. */
export interface OpenDisk {
  path: string;
  device: FileDevice;
  lock: DiskLock;
  /** Closes the device and releases the lock; safe to call twice. */
  close(): void;
}

/** Options of openDisk. */
export interface OpenDiskOptions {
  readOnly: boolean;
  /** The command line recorded in the lock file. */
  command: string;
  io: CliIo;
}

/** Prints one note line on standard error. */
export function note(io: CliIo, line: string): void {
  io.stderr.write(`xv6ts: ${line}\n`);
}

/** Raises a CliError unless `path` is an existing regular file. */
export function requireDiskFile(path: string): void {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") {
      throw new CliError(
        `the disk image ${path} does not exist; make one with "xv6ts mkfs ${path}" first`,
      );
    }
    throw describeHostError(error, "open the disk image", path);
  }
  if (stat.isDirectory()) {
    throw new CliError(
      `${path} is a folder, not a disk image file; name an image file in it, or make one with "xv6ts mkfs FILE"`,
    );
  }
  if (!stat.isFile()) {
    throw new CliError(
      `${path} is not a regular file but a device, FIFO or socket; name a disk image file, or make one with "xv6ts mkfs FILE"`,
    );
  }
}

/** Opens a disk image file under its lock; raises a CliError for a missing file or a held lock. */
export function openDisk(path: string, options: OpenDiskOptions): OpenDisk {
  requireDiskFile(path);
  const lock = DiskLock.acquire(path, options.command, (line) => note(options.io, line));
  let device: FileDevice;
  try {
    device = FileDevice.open(path, { readOnly: options.readOnly });
  } catch (error) {
    lock.release();
    throw describeHostError(error, "open the disk image", path);
  }
  let closed = false;
  return {
    path,
    device,
    lock,
    close() {
      if (closed) return;
      closed = true;
      device.close();
      lock.release();
    },
  };
}

/** Turns the file system's format errors into a sentence about the disk file. */
export function describeFormatError(error: unknown, path: string): unknown {
  if (!(error instanceof FsFormatError)) return error;
  const reason = error.message.replace(/^mount: /, "");
  return new CliError(
    `${path} is not a valid xv6ts disk image (${reason}); check the file name, or make a new image with "xv6ts mkfs FILE"`,
  );
}

/**
 * Describes a damaged structure that the file system met after the disk mounted (FsFormatError),
 * with the advice to check the disk, worded as the command to run.
 */
export function describeDamage(error: FsFormatError, path: string): CliError {
  return new CliError(
    `the disk image ${path} is damaged (${error.damage}); check it with "xv6ts fsck ${path}"`,
  );
}

/** Mounts the file system of an open disk; a bad image becomes a CliError. */
export function mountDisk(
  device: BlockDevice,
  path: string,
  options: { readOnly: boolean },
): FileSystem {
  try {
    return FileSystem.mount(device, { readOnly: options.readOnly });
  } catch (error) {
    throw describeFormatError(error, path);
  }
}

/**
 * Opens, locks and mounts a disk, runs `work` on its file system, shuts the file system down, and
 * closes the disk and releases the lock whatever happens. A damaged structure met during the work
 * becomes a CliError that says to run fsck.
 */
export function withFileSystem<T>(
  path: string,
  options: OpenDiskOptions & { wrap?: (device: BlockDevice) => BlockDevice },
  work: (fs: FileSystem) => T,
): T {
  const disk = openDisk(path, options);
  try {
    const device = options.wrap ? options.wrap(disk.device) : disk.device;
    const fs = mountDisk(device, path, options);
    try {
      return work(fs);
    } catch (error) {
      throw error instanceof FsFormatError ? describeDamage(error, path) : error;
    } finally {
      closeFileSystem(fs);
    }
  } finally {
    disk.close();
  }
}

/**
 * Shuts `fs` down unless an operation is still open or it stopped after a panic. Either way the
 * error on its way out is the first one, not a second panic from shutdown.
 */
export function closeFileSystem(fs: FileSystem): void {
  if (!fs.inTransaction && fs.panicMessage === null) fs.shutdown();
}

/** Runs withFileSystem's steps around async work that yields to the event loop between steps. */
export async function withFileSystemAsync<T>(
  path: string,
  options: OpenDiskOptions & { wrap?: (device: BlockDevice) => BlockDevice },
  work: (fs: FileSystem) => Promise<T>,
): Promise<T> {
  const disk = openDisk(path, options);
  try {
    const device = options.wrap ? options.wrap(disk.device) : disk.device;
    const fs = mountDisk(device, path, options);
    try {
      return await work(fs);
    } catch (error) {
      throw error instanceof FsFormatError ? describeDamage(error, path) : error;
    } finally {
      closeFileSystem(fs);
    }
  } finally {
    disk.close();
  }
}

/** Returns the userland programs as mkfs entries, one per program at the root. */
export function userlandFiles(): MkfsEntry[] {
  const names = programNames();
  if (names.length === 0) {
    throw new CliError(
      `the userland programs are missing from ${BIN_DIR}; reinstall xv6ts, or build them with "make" in packages/userland`,
    );
  }
  return names.map((name) => ({ path: `/${name}`, data: programBytes(name) }));
}

/** Options of makeImage. */
export interface MakeImageOptions {
  geometry: GeometryName;
  /** Bytes; a multiple of the geometry's block size. */
  size: number;
  /** A bare file system without the userland programs. */
  empty: boolean;
  /** Replace an existing file. */
  force: boolean;
  command: string;
  io: CliIo;
}

/** The result of makeImage: the new image's size and the number of programs on it. */
export interface MadeImage {
  blocks: number;
  blockSize: number;
  files: number;
}

/**
 * Makes a new image file at `path`: bootable with the userland programs, or bare with `empty`.
 * Raises a CliError, leaving any old file as it was, for a bad size or an existing file.
 */
export function makeImage(path: string, options: MakeImageOptions): MadeImage {
  const spec = GEOMETRIES[options.geometry];
  const blocks = checkImageSize(options.size, options.geometry);
  // A symbolic link keeps pointing where it did: the new image replaces the file it names.
  const target = followLinks(path);
  checkTarget(path, target, options.force);
  const files = options.empty ? [] : userlandFiles();

  const lock = DiskLock.acquire(target, options.command, (line) => note(options.io, line));
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.new`);
  let device: FileDevice | null = null;
  try {
    device = FileDevice.create(temporary, blocks, spec.blockSize, { overwrite: true });
    const dataBlocks = files.reduce((sum, file) => sum + blocksOf(file, spec.blockSize), 0);
    const progress = startProgress(options.io, "mkfs", blocks / 64 + dataBlocks);
    const counting = new CountingDevice(device, () => progress.advance());
    mkfs(counting, { geometry: options.geometry, size: blocks, files, zeroDataBlocks: false });
    progress.finish();
    device.close();
    device = null;
    renameSync(temporary, target);
  } catch (error) {
    device?.close();
    removeQuietly(temporary);
    throw describeMkfsError(error, path, options, files);
  } finally {
    lock.release();
  }
  return { blocks, blockSize: spec.blockSize, files: files.length };
}

function blocksOf(file: MkfsEntry, blockSize: number): number {
  return "data" in file ? Math.ceil(file.data.length / blockSize) : 0;
}

/** Linux's limit on the symbolic links one path lookup follows (MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;

/** Follows symbolic links from `path` to the path of the file they name, which may not exist. */
function followLinks(path: string): string {
  let current = path;
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    try {
      if (!lstatSync(current).isSymbolicLink()) return current;
      current = resolve(dirname(current), readlinkSync(current));
    } catch (error) {
      if (systemErrorCode(error) === "ENOENT") return current;
      throw describeHostError(error, "make", path);
    }
  }
  throw new CliError(
    `cannot make ${path}: its symbolic links lead to more links than ${MAX_LINK_HOPS}, likely a loop; point it at a file or remove it`,
  );
}

/** Checks that `path` (whose links lead to `target`) may be made, before anything is written. */
function checkTarget(path: string, target: string, force: boolean): void {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) {
      throw new CliError(
        `${path} exists and is not a regular file; give the name of an image file`,
      );
    }
    if (!force) {
      throw new CliError(
        `${path} already exists; add --force to replace it with a new image (its contents are lost)`,
      );
    }
  } catch (error) {
    if (systemErrorCode(error) !== "ENOENT") throw describeHostError(error, "make", path);
  }
  try {
    if (!statSync(dirname(target)).isDirectory()) throw new Error("not a directory");
  } catch {
    throw new CliError(`cannot make ${path}: the folder ${dirname(target)} does not exist`);
  }
}

function describeMkfsError(
  error: unknown,
  path: string,
  options: MakeImageOptions,
  files: MkfsEntry[],
): unknown {
  if (!(error instanceof MkfsError)) return describeHostError(error, "write the disk image", path);
  const smallest = smallestImageSize(options.geometry, files);
  if (smallest !== null && smallest > options.size) {
    const contents = files.length > 0 ? " with the userland programs" : "";
    return new CliError(
      `the disk size ${formatSize(options.size)} is too small for the ${options.geometry} geometry${contents}; use --size ${formatSizeOption(smallest)} or more`,
    );
  }
  const advice =
    smallest === null
      ? "the programs fit no image of this geometry, so use the other geometry or --empty"
      : `use a --size from ${formatSizeOption(smallest)} to ${formatSizeOption(largestImageSize(options.geometry))}`;
  return new CliError(`cannot make ${path}: ${error.message}; ${advice}`);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // It was never made.
  }
}
