/**
 * Saving a process to an image file, for the checkpoint system call and the host API:
 *
 *   1. find the target and refuse what cannot be saved: no such pid, init (pid 1), a zombie, an
 *      embryo, and a target other than the caller that is not at a system-call boundary;
 *   2. freeze it (the kernel's stopped state, which the scheduler skips) unless it is the caller,
 *      which is inside this system call, or it is already stopped;
 *   3. capture its state (capture.ts) and encode the image (format.ts);
 *   4. check the bytes as a restart would: read their layout back and run every validation that
 *      does not depend on the restarting machine's free memory (validate.ts). An image that its
 *      own reader or validator would reject is refused here, before anything is written;
 *   5. write the image file without tearing (image-file.ts);
 *   6. thaw it, on success and on failure alike.
 *
 * The target stays frozen from the first byte read to the last byte written, so the image is one
 * instant of the process.
 */
import { type DiskLayout, direntName } from "@xv6ts/fs-journal";
import type { KernelExtensionApi, ProcessControl } from "@xv6ts/kernel";
import { boundaryFacts, boundaryProblem, captureProcess } from "./capture.js";
import { checkEncodable, encodeImage, type ImageContents, parseImage } from "./format.js";
import { type ImagePath, writeImageFile } from "./image-file.js";
import { trace } from "./trace.js";
import { validateImageStructure } from "./validate.js";

/**
 * The outcome of a save: the image's size, the path it was written to (each element cut to the
 * 14 bytes a directory entry stores, as xv6 does) and warnings, or why no file was written.
 */
export type SaveResult =
  | { ok: true; path: string; bytes: number; transactions: number; warnings: string[] }
  | { ok: false; reason: string };

/**
 * Saves process `pid` into the image file at `target`. `caller` is the process making the
 * checkpoint system call (null for the host). A caller saving itself records eax = 1.
 */
export function saveProcess(
  api: KernelExtensionApi,
  pid: number,
  target: ImagePath,
  caller: ProcessControl | null,
): SaveResult {
  const process = api.findProcess(pid);
  const rejection = rejectTarget(process, pid);
  if (rejection !== null) return { ok: false, reason: rejection };
  const saved = process!;

  const savedItself = caller !== null && caller.pid === saved.pid;
  if (!savedItself) {
    const problem = boundaryProblem(boundaryFacts(api, saved));
    if (problem !== null) return { ok: false, reason: problem };
  }
  const frozen = !savedItself && saved.state !== "stopped";
  if (frozen && !saved.freeze())
    return { ok: false, reason: `pid ${pid} cannot be stopped (${saved.state})` };
  try {
    const { contents, warnings } = captureProcess(api, saved, savedItself);
    // NOTE: the pages and the encoded image are both in host memory meanwhile, about twice the
    // process's size.
    const bytes = encodeChecked(contents, api.fileSystem.layout);
    if (typeof bytes === "string") return { ok: false, reason: bytes };
    const written = writeImageFile(api.fileSystem, target, bytes, String(pid));
    if (!written.ok) return written;
    trace(`saved pid ${pid} (${saved.name}) as ${target.path}: ${bytes.length} bytes`);
    return {
      ok: true,
      path: storedPath(target.path),
      bytes: bytes.length,
      transactions: written.transactions,
      warnings,
    };
  } finally {
    if (frozen) saved.thaw();
  }
}

/**
 * Encodes `contents` and checks the bytes as a restart on a disk of `layout` would (step 4 of the
 * file comment). Returns the bytes, or the reason no image can be written.
 */
export function encodeChecked(contents: ImageContents, layout: DiskLayout): Uint8Array | string {
  const unencodable = checkEncodable(contents);
  if (unencodable !== null) return unencodable;
  const bytes = encodeImage(contents);
  // The encoder has just computed every checksum, so reading them back would only cost time.
  const parsed = parseImage(bytes, false);
  if (!parsed.ok) return `the encoded image does not decode: ${parsed.reason}`;
  const invalid = validateImageStructure(parsed.image, layout);
  if (invalid !== null) return `a restart would reject the image: ${invalid}`;
  return bytes;
}

/** Returns `path` as the file system stores it: every element cut to a directory entry's name. */
function storedPath(path: string): string {
  return path
    .split("/")
    .map((element) => direntName(element))
    .join("/");
}

/** Returns why `process` cannot be saved, or null. */
function rejectTarget(process: ProcessControl | null, pid: number): string | null {
  if (process === null) return "no such process";
  if (pid === 1) return "pid 1 is init, which cannot be saved";
  if (process.state === "zombie") return `pid ${pid} is a zombie`;
  if (process.state === "embryo") return `pid ${pid} has not started yet`;
  return null;
}
