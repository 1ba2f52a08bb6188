/**
 * The disk image tools: mkfs, fsck, ls, cat, cp, rm and mkdir on disk image files.
 *
 * Each tool opens the disk under its lock (disk.ts) and does its work through the file system's
 * host API, then shuts the file system down cleanly. A tool that only reads mounts the image
 * read-only, so `ls`, `cat` and `fsck` never change the file, not even by replaying the log. A
 * failure is a CliError whose sentence comes from the file system's own reason plus the disk it
 * was on.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, sep } from "node:path";
import {
  type BlockDevice,
  type DirEntry,
  type FileSystem,
  type FsckReport,
  type FsResult,
  fsck,
  GEOMETRIES,
  type GeometryName,
  type Inode,
  T_DEV,
  T_DIR,
} from "@xv6ts/fs-journal";
import { makeImage, mountDisk, openDisk, withFileSystem, withFileSystemAsync } from "./disk";
import { CliError, describeHostError, systemErrorCode } from "./errors";
import {
  formatImagePath,
  type ImagePath,
  joinImagePath,
  lastElement,
  namesDirectory,
  normalizeImagePath,
  parseDiskArgument,
  parseImagePath,
} from "./image-path";
import { interruptExitCode, interruptSignal } from "./interrupt";
import { type CliIo, colorsFor } from "./io";
import { CountingDevice, type Progress, startProgress } from "./progress";
import { formatSize } from "./sizes";

/** Options of `xv6ts mkfs`. */
export interface MkfsCommandOptions {
  geometry: GeometryName;
  size: number;
  empty: boolean;
  force: boolean;
}

/** xv6ts mkfs FILE: makes a bootable (or with --empty, bare) disk image. */
export function mkfsCommand(io: CliIo, file: string, options: MkfsCommandOptions): void {
  const image = makeImage(file, { ...options, command: "xv6ts mkfs", io });
  const contents = options.empty ? "an empty file system" : `${image.files} userland programs`;
  io.stdout.write(
    `made ${file}: ${options.geometry} geometry, ${formatSize(options.size)} (${image.blocks} blocks of ${image.blockSize} bytes), ${contents}\n`,
  );
}

/** xv6ts fsck FILE: checks an image without changing it; raises a CliError when it has problems. */
export function fsckCommand(io: CliIo, file: string, options: { json: boolean }): void {
  const disk = openDisk(file, { readOnly: true, command: "xv6ts fsck", io });
  let report: FsckReport;
  try {
    const progress = startProgress(io, "fsck", estimateFsckReads(disk.device, file));
    report = fsck(new CountingDevice(disk.device, () => progress.advance()));
    progress.finish();
  } finally {
    disk.close();
  }

  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printFsckReport(io, file, report);
  if (report.layout === null) {
    // No superblock could be read, so there are no files to copy out.
    throw new CliError(
      `${file} is not a valid xv6ts disk image (${report.problems[0] ?? "no superblock"}); check the file name, or make a new image with "xv6ts mkfs FILE"`,
    );
  }
  if (!report.clean) {
    const count = report.problems.length;
    throw new CliError(
      `fsck found ${count} problem${count === 1 ? "" : "s"} in ${file}; restore it from a copy, or copy its files out with "xv6ts cp" and make a new image`,
    );
  }
}

/** Reads fsck does, roughly: inode, bitmap and index blocks; 0 when the image does not mount. */
function estimateFsckReads(device: BlockDevice, file: string): number {
  try {
    const fs = mountDisk(device, file, { readOnly: true });
    const { layout } = fs;
    fs.shutdown();
    const inodeBlocks = Math.ceil(layout.ninodes / layout.inodesPerBlock);
    return inodeBlocks + layout.nbitmap + Math.ceil(layout.nblocks / layout.nindirect);
  } catch {
    return 0;
  }
}

function printFsckReport(io: CliIo, file: string, report: FsckReport): void {
  const colors = colorsFor(io.stdout, io.env);
  for (const line of report.notes) io.stdout.write(`${colors.yellow("note:")} ${line}\n`);
  for (const line of report.problems) io.stdout.write(`${colors.red("problem:")} ${line}\n`);
  if (!report.clean || report.layout === null) return;
  const { counts, layout } = report;
  io.stdout.write(
    `${file}: ${colors.green("clean")}, ${layout.geometry} geometry, ${formatSize(layout.size * layout.blockSize)}; ` +
      `${plural(counts.files, "file")}, ${plural(counts.directories, "directory", "directories")}, ${plural(counts.devices, "device")}; ` +
      `${counts.freeBlocks} of ${layout.nblocks} data blocks free\n`,
  );
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Returns the value of a host API result, or raises a CliError with its reason and the disk. */
function unwrap<T>(result: FsResult<T>, disk: string): T {
  if (result.ok) return result.value;
  throw new CliError(`${result.reason} on ${disk}`);
}

const TYPE_NAMES: Record<number, string> = { [T_DIR]: "dir", [T_DEV]: "dev" };

/** xv6ts ls DISK[:/PATH]: lists a directory (or describes one file) inside an image. */
export function lsCommand(io: CliIo, argument: string): void {
  const target = parseDiskArgument(argument);
  const colors = colorsFor(io.stdout, io.env);
  const entries = withFileSystem(target.disk, { readOnly: true, command: "xv6ts ls", io }, (fs) =>
    listOrStat(fs, target),
  );
  for (const entry of entries) {
    const type = TYPE_NAMES[entry.type] ?? "file";
    const name = entry.type === T_DIR ? colors.bold(colors.blue(entry.name)) : entry.name;
    io.stdout.write(
      `${type.padEnd(4)} ${String(entry.inum).padStart(5)} ${String(entry.nlink).padStart(3)} ${String(entry.size).padStart(10)}  ${name}\n`,
    );
  }
}

function listOrStat(fs: FileSystem, target: ImagePath): DirEntry[] {
  const st = unwrap(fs.stat(target.path), target.disk);
  if (st.type === T_DIR) return unwrap(fs.listDir(target.path), target.disk);
  const name = lastElement(target.path);
  return [{ name, inum: st.ino, type: st.type, nlink: st.nlink, size: st.size }];
}

/** Parses an argument that must name a path inside an image. */
export function requireImagePath(argument: string, role: string): ImagePath {
  const target = parseImagePath(argument);
  if (target === null) {
    throw new CliError(
      `${role} "${argument}" is not a path inside a disk image; write it as DISK:/PATH, like disk.img:/README`,
    );
  }
  return target;
}

/** xv6ts cat DISK:/PATH...: writes files from an image to standard output. */
export function catCommand(io: CliIo, argumentList: string[]): void {
  for (const argument of argumentList) {
    const target = requireImagePath(argument, "the file");
    const data = withFileSystem(target.disk, { readOnly: true, command: "xv6ts cat", io }, (fs) =>
      unwrap(fs.readFile(target.path), target.disk),
    );
    io.stdout.write(data);
  }
}

/** xv6ts cp SRC DST: copies a file between the host and an image, or between two images. */
export async function cpCommand(io: CliIo, source: string, destination: string): Promise<void> {
  const from = parseImagePath(source);
  const to = parseImagePath(destination);
  if (from === null && to === null) {
    throw new CliError(
      `neither "${source}" nor "${destination}" is a path inside a disk image; write one of them as DISK:/PATH`,
    );
  }
  if (from === null) await copyToImage(io, source, to!);
  else if (to === null) copyFromImage(io, from, destination);
  else await copyBetweenImages(io, from, to);
}

/** Reads a whole host file; a missing or unreadable file becomes a CliError. */
function readHostFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw describeHostError(error, "read", path);
  }
}

async function copyToImage(io: CliIo, source: string, to: ImagePath): Promise<void> {
  const data = readHostFile(source);
  await writeImageFile(io, to, basename(source), data);
}

/**
 * Writes `data` to an image path; a path naming a directory gets `name` inside it, as cp does.
 * Shows progress counted in device writes: each data block goes to the log and then home.
 */
async function writeImageFile(
  io: CliIo,
  to: ImagePath,
  name: string,
  data: Uint8Array,
): Promise<void> {
  let progress: Progress | null = null;
  const wrap = (device: BlockDevice): BlockDevice => {
    progress = startProgress(io, "cp", 2 * Math.ceil(data.length / device.blockSize));
    return new CountingDevice(device, (kind) => kind === "write" && progress?.advance());
  };
  const options = { readOnly: false, command: "xv6ts cp", io, wrap };
  await withFileSystemAsync(to.disk, options, async (fs) => {
    const path = imageDestination(fs, to, name);
    checkFileSize(fs, { disk: to.disk, path }, data.length);
    await writeInSteps(fs, { disk: to.disk, path }, data);
  });
  (progress as Progress | null)?.finish();
}

/**
 * Returns where a copy to `to` goes: inside it under `name` when it is a directory, else `to`
 * itself. A path ending in "/" must be an existing directory, as for cp on the host, so that a
 * mistyped folder never becomes a file and a file is never replaced by mistake.
 */
export function imageDestination(fs: FileSystem, to: ImagePath, name: string): string {
  const st = fs.stat(to.path);
  if (st.ok && st.value.type === T_DIR) return joinImagePath(to.path, name);
  if (namesDirectory(to.path)) {
    const directory = formatImagePath({ disk: to.disk, path: to.path.replace(/\/+$/, "") });
    throw new CliError(
      `cannot copy to "${to.path}" on ${to.disk}: it is not a directory, and a destination ending in "/" must be one; make it with "xv6ts mkdir ${directory}" or drop the "/"`,
    );
  }
  return to.path;
}

/**
 * Returns the host file a copy to `destination` writes: inside it under `name` when it is a
 * folder, else `destination` itself. A path ending in "/" must be an existing folder.
 */
export function hostDestination(destination: string, name: string): string {
  try {
    if (statSync(destination).isDirectory()) return join(destination, name);
  } catch (error) {
    const code = systemErrorCode(error);
    if (code !== "ENOENT" && code !== "ENOTDIR")
      throw describeHostError(error, "write", destination);
  }
  if (destination.endsWith("/") || destination.endsWith(sep)) {
    throw new CliError(
      `cannot copy to ${destination}: it is not a folder, and a destination ending in "/" must be one; make it first or drop the "/"`,
    );
  }
  return destination;
}

/**
 * Raises a CliError, before anything is written, when `bytes` is more than the largest file the
 * image's geometry holds (71,680 bytes in the xv6 geometry: 12 direct and 128 indirect blocks).
 */
function checkFileSize(fs: FileSystem, target: ImagePath, bytes: number): void {
  const { geometry, maxFileBytes } = fs.layout;
  if (bytes <= maxFileBytes) return;
  const advice =
    geometry === "xv6"
      ? "copy it to an image of the extended geometry, which holds files of almost 4 GiB"
      : "split it into smaller files";
  throw new CliError(
    `cannot copy ${bytes} bytes to "${target.path}" on ${target.disk}: the largest file the ${geometry} geometry holds is ${maxFileBytes} bytes; ${advice}`,
  );
}

/**
 * Writes a whole file in transactions that each fill the log as far as they can, yielding to the
 * event loop between them so that a signal can stop the copy at a transaction boundary. The host
 * API's writeFile first creates or truncates the file, with its reasons for paths that fail.
 */
async function writeInSteps(fs: FileSystem, target: ImagePath, data: Uint8Array): Promise<void> {
  unwrap(fs.writeFile(target.path, new Uint8Array(0)), target.disk);
  const ip = fs.namei(target.path);
  if (ip === null)
    throw new CliError(`cannot write "${target.path}": it vanished on ${target.disk}`);
  try {
    let written = 0;
    while (written < data.length) {
      await new Promise((resolve) => setImmediate(resolve));
      const signal = interruptSignal();
      if (signal !== null) {
        throw new CliError(
          `the copy was stopped by ${signal}; "${target.path}" on ${target.disk} contains the first ${written} of ${data.length} bytes, so copy it again to complete it`,
          interruptExitCode(signal),
        );
      }
      const step = inTransaction(fs, fs.logCapacity, () => writeStep(fs, ip, data, written));
      if (step === 0) {
        throw new CliError(
          `cannot write "${target.path}": the disk is full after ${written} of ${data.length} bytes (the file keeps them) on ${target.disk}`,
        );
      }
      written += step;
    }
  } finally {
    inTransaction(fs, fs.maxOpBlocks, () => fs.iput(ip));
  }
}

function inTransaction<T>(fs: FileSystem, reserve: number, work: () => T): T {
  fs.beginOp(reserve);
  try {
    return work();
  } finally {
    // After a panic the file system is stopped and endOp would only raise a second panic
    if (fs.panicMessage === null) fs.endOp();
  }
}

/**
 * Writes as much of `data` from `offset` as the open transaction's log space takes, and returns
 * the bytes written (0 when not one block fits or the disk is full).
 */
function writeStep(fs: FileSystem, ip: Inode, data: Uint8Array, offset: number): number {
  const free = fs.logCapacity - fs.loggedBlocks;
  const blockSize = fs.blockSize;
  // Two blocks of the log are kept for the inode and a bitmap block.
  let length = Math.min(
    data.length - offset,
    Math.max(0, free - 2) * blockSize - (offset % blockSize),
  );
  while (length > 0 && fs.blocksForWrite(ip, offset, length) > free) {
    const end = offset + length;
    const shorter = end % blockSize === 0 ? end - blockSize : end - (end % blockSize);
    length = shorter - offset;
  }
  if (length <= 0) return 0;
  const written = fs.writei(ip, data.subarray(offset, offset + length), offset, length);
  return Math.max(0, written);
}

/** Reads a file from an image, with progress counted in device reads. */
function readImageFile(io: CliIo, from: ImagePath): Uint8Array {
  let progress: Progress | null = null;
  const wrap = (device: BlockDevice): BlockDevice =>
    new CountingDevice(device, () => progress?.advance());
  const data = withFileSystem(
    from.disk,
    { readOnly: true, command: "xv6ts cp", io, wrap },
    (fs) => {
      const st = unwrap(fs.stat(from.path), from.disk);
      progress = startProgress(io, "cp", Math.ceil(st.size / fs.blockSize));
      return unwrap(fs.readFile(from.path), from.disk);
    },
  );
  (progress as Progress | null)?.finish();
  return data;
}

function copyFromImage(io: CliIo, from: ImagePath, destination: string): void {
  const path = hostDestination(destination, lastElement(from.path));
  const data = readImageFile(io, from);
  try {
    writeFileSync(path, data);
  } catch (error) {
    throw describeHostError(error, "write", path);
  }
}

async function copyBetweenImages(io: CliIo, from: ImagePath, to: ImagePath): Promise<void> {
  const data = readImageFile(io, from);
  await writeImageFile(io, to, lastElement(from.path), data);
}

/** xv6ts rm DISK:/PATH...: removes files or empty directories; with `recursive`, whole trees. */
export function rmCommand(
  io: CliIo,
  argumentList: string[],
  options: { recursive: boolean },
): void {
  const targets = argumentList.map(removalTarget);
  for (const target of targets) {
    withFileSystem(target.disk, { readOnly: false, command: "xv6ts rm", io }, (fs) => {
      if (options.recursive) removeTree(fs, target.path, target.disk);
      else unwrap(fs.remove(target.path), target.disk);
    });
  }
}

/**
 * Parses a path to remove, rejecting the root and any path whose last element is "." or "..":
 * removing such a path with -r would first empty the directory it resolves to.
 */
function removalTarget(argument: string): ImagePath {
  const target = requireImagePath(argument, "the path to remove");
  const resolved = normalizeImagePath(target.path);
  if (target.path === "/" && resolved === "/") {
    throw new CliError(`cannot remove the root directory of ${target.disk}`);
  }
  if (resolved === "/") {
    throw new CliError(
      `cannot remove "${target.path}": it names the root directory of ${target.disk}, which rm never removes`,
    );
  }
  const elements = target.path.split("/").filter((element) => element !== "");
  const last = elements[elements.length - 1];
  if (last === "." || last === "..") {
    throw new CliError(
      `cannot remove "${target.path}" on ${target.disk}: a path ending in "." or ".." is rejected; write the directory's own path, like ${formatImagePath({ disk: target.disk, path: resolved })}`,
    );
  }
  return target;
}

function removeTree(fs: FileSystem, path: string, disk: string): void {
  const st = unwrap(fs.stat(path), disk);
  if (st.type === T_DIR) {
    for (const entry of unwrap(fs.listDir(path), disk)) {
      if (entry.name === "." || entry.name === "..") continue;
      removeTree(fs, joinImagePath(path, entry.name), disk);
    }
  }
  unwrap(fs.remove(path), disk);
}

/** xv6ts mkdir DISK:/PATH...: makes directories; with `parents`, every missing one above too. */
export function mkdirCommand(
  io: CliIo,
  argumentList: string[],
  options: { parents: boolean },
): void {
  for (const argument of argumentList) {
    const target = requireImagePath(argument, "the directory");
    withFileSystem(target.disk, { readOnly: false, command: "xv6ts mkdir", io }, (fs) =>
      unwrap(fs.mkdir(target.path, { parents: options.parents }), target.disk),
    );
  }
}

/** Raises a CliError unless `name` is a geometry. */
export function parseGeometry(name: string): GeometryName {
  if (name in GEOMETRIES) return name as GeometryName;
  throw new CliError(`invalid geometry "${name}" for --geometry; use "xv6" or "extended"`);
}
