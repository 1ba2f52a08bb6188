/**
 * Reading and writing open files: regular files and directories through the file system, pipes,
 * and devices by major number (the console is major 1).
 *
 * Pipe and console reads, and pipe writes, may have to wait. They follow the retry rule: they
 * park the process and return `BLOCKED`, having changed nothing the retry cannot redo, except
 * that a pipe write keeps in the process how many bytes it already put into the pipe.
 * File reads and writes never wait. A write to a file is split into transactions of at most
 * `fs.maxWriteBytes`, so that one large write never overflows the log.
 */
import type { KernelCore, SyscallResult } from "./core.js";
import type { OpenFile } from "./file.js";
import { CONSOLE_MAJOR } from "./param.js";
import type { Pipe } from "./pipe.js";
import type { Process } from "./proc.js";

/** Bytes moved between the file system and user memory per step of a large read. */
const READ_CHUNK = 64 * 1024;

/** A device driver: reads into and writes from a process's memory. */
export interface Device {
  read(core: KernelCore, process: Process, va: number, n: number): SyscallResult;
  write(core: KernelCore, process: Process, va: number, n: number): SyscallResult;
}

/** The console: line-disciplined input (see console.ts), output straight to the sink. */
const consoleDevice: Device = {
  read(core, process, va, n) {
    if (n === 0) return 0;
    const console = core.console;
    if (!console.hasReadyInput()) {
      if (process.killed) return -1;
      // dispatchSyscall calls the console-wait listeners once the call is rewound.
      return core.block(process, core.consoleChannel);
    }
    const { bytes, consumed } = console.peek(n);
    if (!core.copyOut(process, va, bytes)) return -1;
    console.consume(consumed);
    return bytes.length;
  },
  write(core, process, va, n) {
    const bytes = core.copyIn(process, va, n);
    if (bytes === null) return -1;
    core.console.write(bytes);
    return n;
  },
};

/** Devices by major number. */
export const DEVICES: ReadonlyMap<number, Device> = new Map([[CONSOLE_MAJOR, consoleDevice]]);

/** read() on an open file: bytes read, 0 at end of file, -1, or BLOCKED. */
export function fileRead(
  core: KernelCore,
  process: Process,
  file: OpenFile,
  va: number,
  n: number,
): SyscallResult {
  if (!file.readable) return -1;
  switch (file.kind) {
    case "pipe-read":
      return pipeRead(core, process, file.pipe!, va, n);
    case "device":
      return DEVICES.get(file.major)?.read(core, process, va, n) ?? -1;
    case "file":
    case "directory":
      return inodeRead(core, process, file, va, n);
    default:
      return -1;
  }
}

/** write() on an open file: n, or -1 (also when only part was written), or BLOCKED. */
export function fileWrite(
  core: KernelCore,
  process: Process,
  file: OpenFile,
  va: number,
  n: number,
): SyscallResult {
  if (!file.writable) return -1;
  switch (file.kind) {
    case "pipe-write":
      return pipeWrite(core, process, file.pipe!, va, n);
    case "device":
      return DEVICES.get(file.major)?.write(core, process, va, n) ?? -1;
    case "file":
      return inodeWrite(core, process, file, va, n);
    default:
      return -1;
  }
}

function inodeRead(
  core: KernelCore,
  process: Process,
  file: OpenFile,
  va: number,
  n: number,
): number {
  const fs = core.fileSystem;
  let total = 0;
  while (total < n) {
    const chunk = new Uint8Array(Math.min(READ_CHUNK, n - total));
    const count = fs.readi(file.ip!, chunk, file.offset, chunk.length);
    if (count < 0) return total > 0 ? total : -1;
    if (count === 0) break;
    if (!core.copyOut(process, va + total, chunk.subarray(0, count))) return -1;
    file.offset += count;
    total += count;
    if (count < chunk.length) break;
  }
  return total;
}

function inodeWrite(
  core: KernelCore,
  process: Process,
  file: OpenFile,
  va: number,
  n: number,
): number {
  const fs = core.fileSystem;
  const maxBytes = fs.maxWriteBytes;
  let written = 0;
  while (written < n) {
    const size = Math.min(maxBytes, n - written);
    const data = core.copyIn(process, va + written, size);
    if (data === null) break;
    fs.beginOp();
    let count: number;
    try {
      count = fs.writei(file.ip!, data, file.offset, size);
    } finally {
      fs.endOp();
    }
    if (count > 0) file.offset += count;
    if (count !== size) break;
    written += count;
  }
  return written === n ? n : -1;
}

/** Reads from a pipe: what is buffered (at most n), 0 once the write end is closed, or waits. */
function pipeRead(
  core: KernelCore,
  process: Process,
  pipe: Pipe,
  va: number,
  n: number,
): SyscallResult {
  if (pipe.buffered === 0) {
    if (!pipe.writeOpen) return 0;
    if (process.killed) return -1;
    return core.block(process, pipe.readers);
  }
  const bytes = pipe.peek(n);
  if (!core.copyOut(process, va, bytes)) return -1;
  pipe.consume(bytes.length);
  core.wakeup(pipe.writers);
  return bytes.length;
}

/**
 * Writes all n bytes into a pipe, waiting for room as needed; -1 once the read end is closed or
 * the writer is killed. The bytes already written survive a retry in `process.pipeWritten`.
 */
function pipeWrite(
  core: KernelCore,
  process: Process,
  pipe: Pipe,
  va: number,
  n: number,
): SyscallResult {
  let done = process.pipeWritten;
  while (done < n) {
    if (!pipe.readOpen || process.killed) return -1;
    if (pipe.room === 0) {
      process.pipeWritten = done;
      core.wakeup(pipe.readers);
      return core.block(process, pipe.writers);
    }
    const data = core.copyIn(process, va + done, Math.min(pipe.room, n - done));
    if (data === null) return -1;
    done += pipe.write(data);
  }
  core.wakeup(pipe.readers);
  return n;
}

/** Releases an open file whose last reference was closed: a pipe end, or its inode. */
export function releaseFile(core: KernelCore, file: OpenFile): void {
  const pipe = file.pipe;
  if (pipe !== null) {
    pipe.close(file.kind === "pipe-read" ? "read" : "write");
    core.wakeup(pipe.readers);
    core.wakeup(pipe.writers);
    return;
  }
  if (file.ip !== null) core.iputInTransaction(file.ip);
}
