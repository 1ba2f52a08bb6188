/**
 * The host API, for the CLI and for tests. It saves a process of a running kernel, restarts an
 * image in a running kernel as a new child of init, reads and describes image files, and copies
 * an image from one disk to another (migration).
 *
 * The kernel calls run between turns of its run loop, when no system call is under way and no
 * transaction is open, which is when host code runs. Paths are absolute or relative to the root.
 * Warnings and notes come back in the result, so the caller decides where to print them.
 *
 * Host callers are not xv6 programs, so a path element longer than a directory entry's 14 bytes
 * is rejected instead of cut as xv6 cuts it (the system calls keep xv6's rule). So is a path with a
 * NUL byte or a character above 0xff, which a directory entry cannot store either.
 */
import { DIRSIZ, type FileSystem } from "@xv6ts/fs-journal";
import type { Kernel, KernelExtensionApi } from "@xv6ts/kernel";
import { checkFileSystem, checkKernel, checkPid, checkStringType } from "./arguments.js";
import { describeImage, type ImageSummary } from "./describe.js";
import { decodeImage, parseImage } from "./format.js";
import { readImageFile, type WriteResult, writeImageFile } from "./image-file.js";
import { type RestartResult, restartFromFile } from "./restore.js";
import { type SaveResult, saveProcess } from "./save.js";

/** The largest image file the host reads whole (1 GiB). */
const HOST_MAX_IMAGE_BYTES = 1 << 30;
/** The pid whose descriptors a host restart lends to the image's console descriptors. */
const INIT_PID = 1;

/** A summary of an image file, or why it could not be read. */
export type InspectResult = { ok: true; summary: ImageSummary } | { ok: false; reason: string };

/** Returns the kernel's extension API once no transaction is open; throws otherwise. */
function hostApi(kernel: Kernel): KernelExtensionApi {
  const api = kernel.extension;
  if (api.fileSystem.inTransaction) {
    throw new Error("checkpoint host API: called while a file-system transaction is open");
  }
  return api;
}

/** Returns why a host caller's `path` names no file the way it is written, or null. */
function checkHostPath(path: string): string | null {
  if (path === "") return 'the path is empty; name an image file, such as "/c4"';
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === 0) return `${JSON.stringify(path)} contains a NUL byte`;
    if (code > 0xff) {
      return `${JSON.stringify(path)} has a character above 0xff; names are bytes, one per character`;
    }
  }
  const long = path.split("/").find((element) => element.length > DIRSIZ);
  if (long === undefined) return null;
  return `"${long}" in ${path} is ${long.length} bytes, longer than the ${DIRSIZ} bytes of an xv6 file name`;
}

/**
 * Saves process `pid` of a running kernel to the image file at `path` on its disk, freezing the
 * process meanwhile. The process must not be inside a system call. Returns the absolute path
 * written, the image's size and the warnings (one per pipe end), or the reason.
 */
export function checkpointProcess(kernel: Kernel, pid: number, path: string): SaveResult {
  checkKernel("checkpointProcess", kernel);
  checkPid("checkpointProcess", pid);
  checkStringType("checkpointProcess", "path", path);
  const api = hostApi(kernel);
  const invalid = checkHostPath(path);
  if (invalid !== null) return { ok: false, reason: invalid };
  // The system call's console line names the pid itself, so only the host's reason adds it.
  if (api.findProcess(pid) === null) return { ok: false, reason: `no process has pid ${pid}` };
  const saved = saveProcess(api, pid, { path }, null);
  if (!saved.ok || saved.path.startsWith("/")) return saved;
  return { ...saved, path: `/${saved.path}` };
}

/**
 * Restarts the image file at `path` as a new runnable child of init. Its console descriptors
 * take init's descriptors of the same numbers. Returns the new pid and the notes on descriptors
 * or the working directory that could not be restored, or the reason nothing changed.
 */
export function restartProcess(kernel: Kernel, path: string): RestartResult {
  checkKernel("restartProcess", kernel);
  checkStringType("restartProcess", "path", path);
  const api = hostApi(kernel);
  const invalid = checkHostPath(path);
  if (invalid !== null) return { ok: false, reason: invalid };
  const restarted = restartFromFile(
    api,
    { path },
    { type: "new-child" },
    api.findProcess(INIT_PID),
  );
  if (restarted.ok) return restarted;
  return { ok: false, reason: `${path}: ${restarted.reason}` };
}

/**
 * Reads the image file at `path` and describes it, also when its checksums do not match (the
 * summary then reports the first mismatch). Fails when the file is missing or not an image.
 */
export function inspectImage(fs: FileSystem, path: string): InspectResult {
  checkFileSystem("inspectImage", "fs", fs);
  checkStringType("inspectImage", "path", path);
  const invalid = checkHostPath(path);
  if (invalid !== null) return { ok: false, reason: invalid };
  const read = readImageFile(fs, { path }, HOST_MAX_IMAGE_BYTES);
  if (!read.ok) return { ok: false, reason: `${path}: ${read.reason}` };
  const parsed = parseImage(read.bytes);
  if (!parsed.ok) return { ok: false, reason: `${path}: ${parsed.reason}` };
  return { ok: true, summary: describeImage(parsed.image, parsed.checksums) };
}

/**
 * Copies the image at `fromPath` on one mounted disk to `toPath` on another, for migration. The
 * image must decode with valid checksums. The copy is written without tearing, and not at all
 * when the target disk lacks the blocks or inodes for it. For a disk that a running kernel uses,
 * pass that kernel's own `extension.fileSystem`, never a second mount.
 */
export function copyImage(
  from: FileSystem,
  fromPath: string,
  to: FileSystem,
  toPath: string,
): WriteResult {
  checkFileSystem("copyImage", "from", from);
  checkStringType("copyImage", "fromPath", fromPath);
  checkFileSystem("copyImage", "to", to);
  checkStringType("copyImage", "toPath", toPath);
  const invalid = checkHostPath(fromPath) ?? checkHostPath(toPath);
  if (invalid !== null) return { ok: false, reason: invalid };
  const read = readImageFile(from, { path: fromPath }, HOST_MAX_IMAGE_BYTES);
  if (!read.ok) return { ok: false, reason: `${fromPath}: ${read.reason}` };
  const decoded = decodeImage(read.bytes);
  if (!decoded.ok) return { ok: false, reason: `${fromPath}: ${decoded.reason}` };
  return writeImageFile(to, { path: toPath }, read.bytes, "copy");
}
