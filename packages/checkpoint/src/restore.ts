/**
 * Restarting a process from an image, in ordered stages. Nothing visible changes before the last
 * one, so any failure leaves the caller as it was and gives back everything taken.
 *
 *   1. read       the whole file, refusing one larger than any image the free memory could hold,
 *                 so a huge file is never read into the host's memory.
 *   2. decode     magic, version, every checksum and record layout (format.ts).
 *   3. validate   one pure function over the decoded image (validate.ts). It runs before
 *                 anything is allocated, so a hostile image is refused with nothing to undo.
 *   4. memory     a new page directory with every saved page at its address and permission bits.
 *                 It is the first stage that allocates because it is the one that can run out
 *                 (frames), and freeing a page directory undoes all of it at once.
 *   5. descriptors  console descriptors take the caller's descriptors of the same number, as a
 *                 shell job expects. Files, directories and devices are reopened by path when
 *                 the path still names the same inode (number and type) and the saved offset
 *                 lies inside the file. Descriptors that shared an open file share again. Pipe
 *                 ends, and files that cannot be reopened, are closed, each with a console line.
 *                 This comes after memory because it takes inode and file-table references.
 *   6. working directory  by path when it is still a directory, else "/" with a console line.
 *   7. install    the kernel swaps in page directory, registers exactly as saved, name,
 *                 descriptors and working directory in one call that checks before it changes
 *                 anything: the only point of no return. The clock offset makes `uptime`
 *                 continue from the saved value, and a `sleep` keeps the ticks it had left.
 *   8. report     the console lines of stages 5 and 6, printed only after the install.
 */

import { T_DEV, T_DIR } from "@xv6ts/fs-journal";
import {
  CONSOLE_MAJOR,
  type KernelExtensionApi,
  type OpenFile,
  type ProcessControl,
  type ProcessImage,
  SYS_sleep,
} from "@xv6ts/kernel";
import { PGSIZE, PTE_U, PTE_W } from "@xv6ts/mmu";
import {
  type CheckpointImage,
  type DescriptorRecord,
  decodeImage,
  type PageRecord,
} from "./format.js";
import { type ImagePath, readImageFile } from "./image-file.js";
import { trace } from "./trace.js";
import { validateImage } from "./validate.js";

/** Bytes an image may have beyond its pages: fixed records, descriptors and skipped records. */
const IMAGE_OVERHEAD_BYTES = 2 * 1024 * 1024;
/** Bytes a page record takes at most: record header, page header and 4096 bytes. */
const PAGE_RECORD_BYTES = 12 + 8 + PGSIZE;
const NOFILE_SLOTS = 16;

/** The process a restart fills: the calling process, or a new child of init. */
export type RestartTarget = { type: "caller"; process: ProcessControl } | { type: "new-child" };

/** The outcome of a restart: the pid that now runs the image, or why nothing changed. */
export type RestartResult =
  | { ok: true; pid: number; notes: string[] }
  | { ok: false; reason: string };

/** Everything stages 4 to 6 built, owned by the restart until the install takes it. */
interface Built {
  pgdir: number;
  files: (OpenFile | null)[];
  cwd: ProcessImage["cwd"];
  notes: string[];
}

/**
 * Restarts the image file at `source` into `target` (see the file comment). `consoleSource`
 * lends its descriptors to the image's console descriptors. On failure nothing has changed.
 */
export function restartFromFile(
  api: KernelExtensionApi,
  source: ImagePath,
  target: RestartTarget,
  consoleSource: ProcessControl | null,
): RestartResult {
  const maxBytes = IMAGE_OVERHEAD_BYTES + api.mmu.frames.freeCount * PAGE_RECORD_BYTES;
  const read = readImageFile(api.fileSystem, source, maxBytes);
  if (!read.ok) return read;
  return restartFromBytes(api, read.bytes, target, consoleSource);
}

/** Restarts an image held in memory; stages 2 to 8 of the file comment. */
export function restartFromBytes(
  api: KernelExtensionApi,
  bytes: Uint8Array,
  target: RestartTarget,
  consoleSource: ProcessControl | null,
): RestartResult {
  const decoded = decodeImage(bytes);
  if (!decoded.ok) return decoded;
  const image = decoded.image;
  const layout = api.fileSystem.layout;
  const problem = validateImage(image, {
    freeFrames: api.mmu.frames.freeCount,
    ninodes: layout.ninodes,
    maxFileBytes: layout.maxFileBytes,
  });
  if (problem !== null) return { ok: false, reason: problem };

  const built = build(api, image, consoleSource);
  if (typeof built === "string") return { ok: false, reason: built };
  const installed = install(api, image, built, target);
  if (typeof installed === "string") {
    release(api, built);
    return { ok: false, reason: installed };
  }
  trace(`restarted ${image.process.name} (saved as pid ${image.process.pid}) as pid ${installed}`);
  return { ok: true, pid: installed, notes: built.notes };
}

/** Stages 4 to 6: memory, descriptors, working directory. Returns the reason on failure. */
function build(
  api: KernelExtensionApi,
  image: CheckpointImage,
  consoleSource: ProcessControl | null,
): Built | string {
  const pgdir = buildAddressSpace(api, image.pages);
  if (pgdir < 0) return `not enough free memory for ${image.pages.length} pages`;
  const notes: string[] = [];
  const files = openDescriptors(api, image.descriptors, consoleSource, notes);
  const cwd = openWorkingDirectory(api, image.cwd.path, notes);
  return { pgdir, files, cwd, notes };
}

/** Stage 4: a new page directory holding every saved page; -1, with nothing kept, when frames run out. */
function buildAddressSpace(api: KernelExtensionApi, pages: readonly PageRecord[]): number {
  const mmu = api.mmu;
  const pgdir = mmu.setupKvm();
  if (pgdir < 0) return -1;
  for (const page of pages) {
    const pa = page.bytes === null ? mmu.frames.kalloc() : mmu.frames.kallocUnzeroed();
    if (pa < 0) {
      mmu.freeVm(pgdir);
      return -1;
    }
    if (page.bytes !== null) {
      new Uint8Array(mmu.memory, pa, PGSIZE).set(page.bytes);
      api.cpu.invalidateCode(pa / PGSIZE);
    }
    if (!mmu.mapPages(pgdir, page.va, PGSIZE, pa, page.flags & (PTE_W | PTE_U))) {
      mmu.frames.kfree(pa);
      mmu.freeVm(pgdir);
      return -1;
    }
  }
  return pgdir;
}

/** Stage 5: one open file (or null) per descriptor number; `notes` gets a line per closed one. */
function openDescriptors(
  api: KernelExtensionApi,
  descriptors: readonly DescriptorRecord[],
  consoleSource: ProcessControl | null,
  notes: string[],
): (OpenFile | null)[] {
  const files: (OpenFile | null)[] = new Array(NOFILE_SLOTS).fill(null);
  const lent = new Map((consoleSource?.descriptors() ?? []).map((info) => [info.fd, info.file]));
  for (const d of descriptors) {
    if (d.kind === "device" && d.major === CONSOLE_MAJOR) {
      const file = lent.get(d.fd);
      if (file !== undefined) files[d.fd] = api.dupFile(file);
      else
        notes.push(
          `restart: fd ${d.fd} was the console, but the caller has no fd ${d.fd}; it stays closed`,
        );
      continue;
    }
    if (d.kind === "pipe-read" || d.kind === "pipe-write") {
      const end = d.kind === "pipe-read" ? "read" : "write";
      notes.push(
        `restart: fd ${d.fd} closed: it was the ${end} end of a pipe, and pipes are not restored`,
      );
      continue;
    }
    if (d.sharesWith !== null) {
      const shared = files[d.sharesWith] ?? null;
      if (shared !== null) files[d.fd] = api.dupFile(shared);
      else
        notes.push(
          `restart: fd ${d.fd} shared fd ${d.sharesWith}'s open file, which was closed; it is closed too`,
        );
      continue;
    }
    const opened = reopen(api, d);
    if (typeof opened === "string") notes.push(`restart: fd ${d.fd} closed: ${opened}`);
    else files[d.fd] = opened;
  }
  return files;
}

/** Opens a saved file, directory or device again; returns the open file or why it stays closed. */
function reopen(api: KernelExtensionApi, d: DescriptorRecord): OpenFile | string {
  const path = d.path!;
  const file = api.openFile(path, { readable: d.readable, writable: d.writable }, d.offset);
  if (file === null) return whyNotReopened(api, d);

  const stat = api.fileSystem.stati(file.ip!);
  let problem: string | null = null;
  if (stat.ino !== d.inum || file.kind !== d.kind) {
    problem = replacedReason(path, stat.ino, file.kind, d);
  } else if (d.kind === "device" && (file.major !== d.major || file.minor !== d.minor)) {
    problem = `${path} is now device ${file.major}/${file.minor}, not ${d.major}/${d.minor}`;
  } else if (d.kind !== "device" && d.offset > stat.size) {
    problem = `${path} is ${stat.size} bytes, shorter than the saved offset ${d.offset}`;
  }
  if (problem === null) return file;
  api.closeFile(file);
  return problem;
}

/** Returns the reason a saved path now names another inode or another kind of inode. */
function replacedReason(path: string, inum: number, kind: string, d: DescriptorRecord): string {
  if (inum === d.inum) return `${path} is now a ${kind}, not a ${d.kind}`;
  return `${path} is now inode ${inum} (${kind}), not inode ${d.inum} (${d.kind})`;
}

/**
 * Returns why a saved descriptor's path could not be opened again: it is gone, it now names
 * something of another kind (a directory cannot be opened for writing), or the open failed.
 */
function whyNotReopened(api: KernelExtensionApi, d: DescriptorRecord): string {
  const path = d.path!;
  const fs = api.fileSystem;
  fs.beginOp();
  try {
    const ip = fs.namei(path);
    if (ip === null) return `${path} no longer exists`;
    const { inum, type } = ip;
    fs.iput(ip);
    let kind = "file";
    if (type === T_DIR) kind = "directory";
    else if (type === T_DEV) kind = "device";
    if (kind !== d.kind) return replacedReason(path, inum, kind, d);
    return `${path} cannot be opened again (no free file or inode slot)`;
  } finally {
    fs.endOp();
  }
}

/** Stage 6: the saved working directory, or the root with a note. */
function openWorkingDirectory(
  api: KernelExtensionApi,
  path: string,
  notes: string[],
): ProcessImage["cwd"] {
  const fs = api.fileSystem;
  fs.beginOp();
  try {
    const ip = fs.namei(path);
    if (ip !== null && ip.type === T_DIR) return { inode: ip, path };
    if (ip !== null) fs.iput(ip);
    notes.push(`restart: working directory ${path} is gone or not a directory; using /`);
    return { inode: fs.idup(fs.root), path: "/" };
  } finally {
    fs.endOp();
  }
}

/** Stage 7: hands everything to the kernel; returns the pid, or the kernel's reason. */
function install(
  api: KernelExtensionApi,
  image: CheckpointImage,
  built: Built,
  target: RestartTarget,
): number | string {
  const processImage: ProcessImage = {
    pgdir: built.pgdir,
    sz: image.process.sz,
    registers: { ...image.registers },
    name: image.process.name,
    files: built.files,
    cwd: built.cwd,
    // uptime() then continues from the value the process saw when it was saved.
    clockOffset: (image.process.uptime - api.ticks) | 0,
  };
  if (image.process.blockedSyscall === SYS_sleep) {
    processImage.sleepTicksRemaining = image.process.sleepTicksRemaining;
  }

  if (target.type === "caller") {
    const problem = api.replaceImage(target.process, processImage);
    return problem ?? target.process.pid;
  }
  const created = api.createProcess(processImage);
  return typeof created === "string" ? created : created.pid;
}

/** Gives back what `build` took after the install refused it. */
function release(api: KernelExtensionApi, built: Built): void {
  api.mmu.freeVm(built.pgdir);
  for (const file of built.files) if (file !== null) api.closeFile(file);
  const fs = api.fileSystem;
  fs.beginOp();
  fs.iput(built.cwd.inode);
  fs.endOp();
}
