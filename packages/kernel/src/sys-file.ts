/**
 * The file system calls: dup, read, write, close, fstat, link, unlink, open, mkdir, mknod, chdir,
 * pipe.
 *
 * Every call that touches the file system runs inside one transaction (`beginOp`/`endOp`) and
 * never waits, so transactions never overlap. Descriptors index the process's table of NOFILE
 * open files; a new descriptor is the lowest free one.
 */
import { encodeStat, type Inode, STAT_SIZE } from "@xv6ts/fs-journal";
import type { KernelCore, SyscallResult } from "./core.js";
import type { FileKind, OpenFile } from "./file.js";
import { fileRead, fileWrite } from "./file-io.js";
import { NOFILE, O_CREATE, O_RDWR, O_WRONLY, T_DEV, T_DIR, T_FILE } from "./param.js";
import { resolvePath } from "./path.js";
import { Pipe } from "./pipe.js";
import type { Process } from "./proc.js";
import type { SyscallCall } from "./syscall.js";

/** Returns the lowest free descriptor of a process, or -1. */
function freeDescriptor(process: Process): number {
  return process.files.indexOf(null);
}

/** Fetches descriptor argument n: the descriptor and its open file, or null. */
function argFd(call: SyscallCall, n: number): { fd: number; file: OpenFile } | null {
  const fd = call.argInt(n);
  if (fd === null || fd < 0 || fd >= NOFILE) return null;
  const file = call.process.files[fd];
  return file ? { fd, file } : null;
}

/** dup(fd): a new descriptor for the same open file. */
export function sysDup(core: KernelCore, call: SyscallCall): SyscallResult {
  const arg = argFd(call, 0);
  if (arg === null) return -1;
  const fd = freeDescriptor(call.process);
  if (fd < 0) return -1;
  call.process.files[fd] = core.files.dup(arg.file);
  return fd;
}

/** read(fd, buf, n). */
export function sysRead(core: KernelCore, call: SyscallCall): SyscallResult {
  const arg = argFd(call, 0);
  const n = call.argInt(2);
  if (arg === null || n === null) return -1;
  const va = call.argPtr(1, n);
  if (va === null) return -1;
  return fileRead(core, call.process, arg.file, va, n);
}

/** write(fd, buf, n). */
export function sysWrite(core: KernelCore, call: SyscallCall): SyscallResult {
  const arg = argFd(call, 0);
  const n = call.argInt(2);
  if (arg === null || n === null) return -1;
  const va = call.argPtr(1, n);
  if (va === null) return -1;
  return fileWrite(core, call.process, arg.file, va, n);
}

/** close(fd). */
export function sysClose(core: KernelCore, call: SyscallCall): SyscallResult {
  const arg = argFd(call, 0);
  if (arg === null) return -1;
  call.process.files[arg.fd] = null;
  core.files.close(arg.file);
  return 0;
}

/** fstat(fd, st): fills struct stat for a file, directory or device; -1 for a pipe. */
export function sysFstat(core: KernelCore, call: SyscallCall): SyscallResult {
  const arg = argFd(call, 0);
  if (arg === null) return -1;
  const va = call.argPtr(1, STAT_SIZE);
  if (va === null || arg.file.ip === null) return -1;
  const bytes = new Uint8Array(STAT_SIZE);
  encodeStat(core.fileSystem.stati(arg.file.ip), bytes);
  return core.copyOut(call.process, va, bytes) ? 0 : -1;
}

/** Runs `body` inside one file-system transaction. */
function inTransaction<T>(core: KernelCore, body: () => T): T {
  const fs = core.fileSystem;
  fs.beginOp();
  try {
    return body();
  } finally {
    fs.endOp();
  }
}

/** link(old, new): refuses directories. */
export function sysLink(core: KernelCore, call: SyscallCall): SyscallResult {
  const oldPath = call.argStr(0);
  const newPath = call.argStr(1);
  if (oldPath === null || newPath === null) return -1;
  const cwd = call.process.cwd!;
  return inTransaction(core, () => core.fileSystem.link(oldPath, newPath, cwd)) ? 0 : -1;
}

/** unlink(path): refuses `.`, `..` and non-empty directories. */
export function sysUnlink(core: KernelCore, call: SyscallCall): SyscallResult {
  const path = call.argStr(0);
  if (path === null) return -1;
  const cwd = call.process.cwd!;
  return inTransaction(core, () => core.fileSystem.unlink(path, cwd)) ? 0 : -1;
}

/** Returns the kind of open file an inode of this type gives, or null for a bad type. */
function kindOfInode(type: number): FileKind | null {
  if (type === T_DIR) return "directory";
  if (type === T_FILE) return "file";
  if (type === T_DEV) return "device";
  return null;
}

/**
 * Opens the inode at `path` (relative to `cwd`, remembered as absolute) with an open(2) mode;
 * returns the open file or null. The caller has begun a transaction.
 */
export function openInode(
  core: KernelCore,
  path: string,
  omode: number,
  cwd: Inode,
  cwdPath: string,
): OpenFile | null {
  const fs = core.fileSystem;
  const ip = omode & O_CREATE ? fs.create(path, T_FILE, 0, 0, cwd) : fs.namei(path, cwd);
  if (ip === null) return null;
  const type = fs.stati(ip).type;
  const kind = kindOfInode(type);
  if (kind === null || (kind === "directory" && (omode & (O_WRONLY | O_RDWR)) !== 0)) {
    fs.iput(ip);
    return null;
  }
  const file = core.files.alloc({
    kind,
    ip,
    readable: (omode & O_WRONLY) === 0,
    writable: (omode & (O_WRONLY | O_RDWR)) !== 0,
    path: resolvePath(cwdPath, path),
    major: kind === "device" ? ip.major : 0,
    minor: kind === "device" ? ip.minor : 0,
  });
  if (file === null) fs.iput(ip);
  return file;
}

/** open(path, omode): a descriptor, or -1. */
export function sysOpen(core: KernelCore, call: SyscallCall): SyscallResult {
  const path = call.argStr(0);
  const omode = call.argInt(1);
  if (path === null || omode === null) return -1;
  const process = call.process;
  const fd = freeDescriptor(process);
  if (fd < 0) return -1;
  const file = inTransaction(core, () =>
    openInode(core, path, omode, process.cwd!, process.cwdPath),
  );
  if (file === null) return -1;
  process.files[fd] = file;
  return fd;
}

/** Creates an inode of `type` at `path` and drops the reference; true on success. */
function createNode(
  core: KernelCore,
  call: SyscallCall,
  path: string,
  type: number,
  major = 0,
  minor = 0,
) {
  const fs = core.fileSystem;
  const cwd = call.process.cwd!;
  return inTransaction(core, () => {
    const ip = fs.create(path, type, major, minor, cwd);
    if (ip === null) return false;
    fs.iput(ip);
    return true;
  });
}

/** mkdir(path). */
export function sysMkdir(core: KernelCore, call: SyscallCall): SyscallResult {
  const path = call.argStr(0);
  if (path === null) return -1;
  return createNode(core, call, path, T_DIR) ? 0 : -1;
}

/** mknod(path, major, minor): major and minor are C shorts. */
export function sysMknod(core: KernelCore, call: SyscallCall): SyscallResult {
  const path = call.argStr(0);
  const major = call.argInt(1);
  const minor = call.argInt(2);
  if (path === null || major === null || minor === null) return -1;
  return createNode(core, call, path, T_DEV, (major << 16) >> 16, (minor << 16) >> 16) ? 0 : -1;
}

/** chdir(path): the path must name a directory. */
export function sysChdir(core: KernelCore, call: SyscallCall): SyscallResult {
  const path = call.argStr(0);
  if (path === null) return -1;
  const process = call.process;
  const fs = core.fileSystem;
  const changed = inTransaction(core, () => {
    const ip = fs.namei(path, process.cwd!);
    if (ip === null) return false;
    if (fs.stati(ip).type !== T_DIR) {
      fs.iput(ip);
      return false;
    }
    if (process.cwd !== null) fs.iput(process.cwd);
    process.cwd = ip;
    return true;
  });
  if (!changed) return -1;
  process.cwdPath = resolvePath(process.cwdPath, path);
  return 0;
}

/** pipe(fd[2]): fd[0] is the read end, fd[1] the write end. */
export function sysPipe(core: KernelCore, call: SyscallCall): SyscallResult {
  const va = call.argPtr(0, 8);
  if (va === null) return -1;
  const process = call.process;
  const pipe = new Pipe();
  const reader = core.files.alloc({ kind: "pipe-read", pipe, readable: true, writable: false });
  const writer = core.files.alloc({ kind: "pipe-write", pipe, readable: false, writable: true });
  const fd0 = freeDescriptor(process);
  const fd1 = fd0 < 0 ? -1 : process.files.indexOf(null, fd0 + 1);
  if (reader === null || writer === null || fd1 < 0) {
    if (reader !== null) core.files.close(reader);
    if (writer !== null) core.files.close(writer);
    return -1;
  }

  const fds = new Uint8Array(8);
  const view = new DataView(fds.buffer);
  view.setInt32(0, fd0, true);
  view.setInt32(4, fd1, true);
  if (!core.copyOut(process, va, fds)) {
    core.files.close(reader);
    core.files.close(writer);
    return -1;
  }
  process.files[fd0] = reader;
  process.files[fd1] = writer;
  return 0;
}
