/**
 * System calls 22 to 24, registered with the kernel through its extension point:
 *
 *   22 checkpoint(pid, path)    0; 1 in a process restarted from an image of itself; -1
 *   23 restart(path)            does not return on success; -1
 *   24 ckptinfo(path, buf, n)   bytes of the image's text summary written to buf, or -1
 *
 * Paths are relative to the caller's working directory. Every refusal prints one console line
 * prefixed with the call's name and naming the value; every warning too.
 */
import {
  type ExtensionCall,
  type Kernel,
  type KernelExtensionApi,
  REGISTERS_SET,
  SYS_checkpoint,
  SYS_ckptinfo,
  SYS_restart,
} from "@xv6ts/kernel";
import { checkKernel } from "./arguments.js";
import { describeImage, formatSummary } from "./describe.js";
import { parseImage } from "./format.js";
import { type ImagePath, readImageFile, sweepTemporaryFiles } from "./image-file.js";
import { restartFromFile } from "./restore.js";
import { saveProcess } from "./save.js";

/** The largest image file `ckptinfo` reads, so that a huge file cannot exhaust host memory. */
const CKPTINFO_MAX_BYTES = 1 << 30;

/**
 * Registers system calls 22, 23 and 24 with a booted kernel and removes the temporary files of
 * checkpoints a crash interrupted. Call it once after `kernel.boot()` and before `kernel.run()`.
 * Returns the names of the files it removed from /.ckpt.
 */
export function installCheckpoint(kernel: Kernel): { swept: string[] } {
  checkKernel("installCheckpoint", kernel);
  const api = kernel.extension;
  const fs = fileSystemOf(api);
  // Registering first makes a second installCheckpoint fail before the sweep changes the disk
  api.registerSyscall(SYS_checkpoint, "checkpoint", sysCheckpoint);
  api.registerSyscall(SYS_restart, "restart", sysRestart);
  api.registerSyscall(SYS_ckptinfo, "ckptinfo", sysCkptinfo);
  return { swept: sweepTemporaryFiles(fs) };
}

function fileSystemOf(api: KernelExtensionApi) {
  try {
    return api.fileSystem;
  } catch (error) {
    throw new Error(
      "installCheckpoint: the kernel has no file system yet; call kernel.boot() first",
      {
        cause: error,
      },
    );
  }
}

/** Fetches path argument n as an image path relative to the caller's working directory. */
function pathArgument(call: ExtensionCall, n: number): ImagePath | null {
  const path = call.argStr(n);
  if (path === null) return null;
  return { path, cwd: call.process.cwd().inode ?? undefined };
}

/** checkpoint(pid, path). */
function sysCheckpoint(call: ExtensionCall, api: KernelExtensionApi): number {
  const pid = call.argInt(0);
  const target = pathArgument(call, 1);
  if (pid === null || target === null) {
    api.printLine("checkpoint: invalid pid or path argument");
    return -1;
  }

  const result = saveProcess(api, pid, target, call.process);
  if (!result.ok) {
    api.printLine(`checkpoint: pid ${pid} to ${target.path} failed: ${result.reason}`);
    return -1;
  }
  for (const warning of result.warnings) api.printLine(warning);
  return 0;
}

/** restart(path): on success the caller is the saved process and its registers are set. */
function sysRestart(call: ExtensionCall, api: KernelExtensionApi): number | typeof REGISTERS_SET {
  const source = pathArgument(call, 0);
  if (source === null) {
    api.printLine("restart: invalid path argument");
    return -1;
  }

  const caller = call.process;
  const result = restartFromFile(api, source, { type: "caller", process: caller }, caller);
  if (!result.ok) {
    api.printLine(`restart: ${source.path}: ${result.reason}`);
    return -1;
  }
  for (const note of result.notes) api.printLine(note);
  return REGISTERS_SET;
}

/** ckptinfo(path, buf, n): writes at most n bytes of the summary text to buf. */
function sysCkptinfo(call: ExtensionCall, api: KernelExtensionApi): number {
  const source = pathArgument(call, 0);
  const n = call.argInt(2);
  const buf = n === null ? null : call.argPtr(1, n);
  if (source === null || n === null || n < 0 || buf === null) {
    api.printLine("ckptinfo: invalid path, buffer or length argument");
    return -1;
  }

  const read = readImageFile(api.fileSystem, source, CKPTINFO_MAX_BYTES);
  const parsed = read.ok ? parseImage(read.bytes) : read;
  if (!parsed.ok) {
    api.printLine(`ckptinfo: ${source.path}: ${parsed.reason}`);
    return -1;
  }
  const text = formatSummary(describeImage(parsed.image, parsed.checksums));
  const bytes = Buffer.from(text, "latin1").subarray(0, n);
  if (!api.mmu.copyOut(call.process.pgdir, buf, bytes, 0)) return -1;
  return bytes.length;
}
