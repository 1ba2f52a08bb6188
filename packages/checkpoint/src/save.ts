/**
 * Saving a process to an image file, for the checkpoint system call and the host API:
 *
 *   1. find the target and refuse what cannot be saved: no such pid, init (pid 1), a zombie, an
 *      embryo;
 *   2. freeze it (the kernel's stopped state, which the scheduler skips) unless it is the caller,
 *      which is inside this system call, or it is already stopped;
 *   3. capture its state (capture.ts) and encode the image (format.ts);
 *   4. write the image file without tearing (image-file.ts);
 *   5. thaw it, on success and on failure alike.
 *
 * The target stays frozen from the first byte read to the last byte written, so the image is one
 * instant of the process.
 */
import type { KernelExtensionApi, ProcessControl } from "@xv6ts/kernel";
import { captureProcess } from "./capture.js";
import { encodeImage } from "./format.js";
import { type ImagePath, writeImageFile } from "./image-file.js";
import { trace } from "./trace.js";

/** The outcome of a save: the image's size and warnings, or why no file was written. */
export type SaveResult =
  | { ok: true; bytes: number; transactions: number; warnings: string[] }
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
  const frozen = !savedItself && saved.state !== "stopped";
  if (frozen && !saved.freeze())
    return { ok: false, reason: `pid ${pid} cannot be stopped (${saved.state})` };
  try {
    const { contents, warnings } = captureProcess(api, saved, savedItself);
    // NOTE: the pages and the encoded image are both in host memory meanwhile, about twice the
    // process's size.
    const bytes = encodeImage(contents);
    const written = writeImageFile(api.fileSystem, target, bytes, String(pid));
    if (!written.ok) return written;
    trace(`saved pid ${pid} (${saved.name}) as ${target.path}: ${bytes.length} bytes`);
    return { ok: true, bytes: bytes.length, transactions: written.transactions, warnings };
  } finally {
    if (frozen) saved.thaw();
  }
}

/** Returns why `process` cannot be saved, or null. */
function rejectTarget(process: ProcessControl | null, pid: number): string | null {
  if (process === null) return "no such process";
  if (pid === 1) return "pid 1 is init, which cannot be saved";
  if (process.state === "zombie") return `pid ${pid} is a zombie`;
  if (process.state === "embryo") return `pid ${pid} has not started yet`;
  return null;
}
