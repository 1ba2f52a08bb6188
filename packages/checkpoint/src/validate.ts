/**
 * Validation of a decoded image before restart touches anything. Images are untrusted input: a
 * file on the disk that anyone may have written. `validateImage` is one pure function of the
 * image and a few facts about the machine (free frames, the file system's inode count and
 * largest file). It returns the first problem as a sentence naming the value, or null.
 * `validateImageStructure` runs every check but the free frames. A checkpoint runs it before it
 * writes an image, so that it never writes one that its own restart would reject.
 *
 * What it checks, in order:
 *   1. the process: a pid, a name of at most 15 bytes without NUL (any other byte, control
 *      bytes included, can be in a name exec gives), 0 < sz < KERNBASE, a blocked call number
 *      and remaining sleep ticks that fit together;
 *   2. the registers: exactly the values a CPL-3 xv6 process can hold (the kernel's
 *      `checkUserRegisters`). cs is 0x1b and ss 0x23.
 *      ds, es, fs and gs hold a null selector or the user code or data segment with any RPL.
 *      EFLAGS has bit 1 and IF set, IOPL 0, VM 0, and no bit that user code cannot set itself;
 *   3. the pages: page-aligned, ascending, inside sz, permission bits P with W and U only;
 *   4. the working directory and every descriptor: inode numbers that can exist, absolute paths,
 *      modes their kind allows, ascending descriptor numbers below NOFILE, and sharing that
 *      points at an identical lower descriptor;
 *   5. free frames for the pages, their page tables and a directory (validateImage only).
 */
import { CONSOLE_MAJOR, checkUserRegisters, NOFILE, PROC_NAME_MAX, SYS_sleep } from "@xv6ts/kernel";
import { KERNBASE, PGSIZE, PTE_P, PTE_U, PTE_W } from "@xv6ts/mmu";
import { printable } from "./describe.js";
import type { CheckpointImage, DescriptorRecord, PageRecord } from "./format.js";

/** Facts about the file system an image is validated against. */
export interface StructureLimits {
  /** The file system's inode count: inode numbers run from 1 to ninodes - 1. */
  ninodes: number;
  /** Bytes of the largest file: no offset can lie beyond it. */
  maxFileBytes: number;
}

/** Facts about the machine an image is validated against. */
export interface ValidationLimits extends StructureLimits {
  /** Physical frames free for the new address space. */
  freeFrames: number;
}

/** The highest system-call number the kernel dispatches. */
const MAX_SYSCALL = 255;

const hex = (value: number) => `0x${(value >>> 0).toString(16)}`;

/**
 * Returns why `image` must not be restarted on a machine with `limits`, or null when it may.
 * Reads nothing but its arguments.
 */
export function validateImage(image: CheckpointImage, limits: ValidationLimits): string | null {
  return validateImageStructure(image, limits) ?? checkFrames(image.pages, limits.freeFrames);
}

/**
 * Returns why `image` must not be restarted on any machine whose file system has `limits`, or
 * null. It runs every check of `validateImage` except the free frames, and reads nothing but its
 * arguments.
 */
export function validateImageStructure(
  image: CheckpointImage,
  limits: StructureLimits,
): string | null {
  return (
    checkProcess(image) ??
    checkUserRegisters(image.registers) ??
    checkPages(image.pages, image.process.sz) ??
    checkCwd(image.cwd, limits) ??
    checkDescriptors(image.descriptors, limits)
  );
}

/** Frames a restart of the image takes: its pages, their page tables and a page directory. */
export function framesNeeded(pages: readonly PageRecord[]): number {
  const tables = new Set<number>();
  for (const page of pages) tables.add(page.va >>> 22);
  return pages.length + tables.size + 1;
}

function checkProcess(image: CheckpointImage): string | null {
  const { pid, name, sz, blockedSyscall, sleepTicksRemaining } = image.process;
  if (pid < 1) return `pid ${pid} is not a process id`;
  if (name.length > PROC_NAME_MAX)
    return `the name "${printable(name)}" is longer than ${PROC_NAME_MAX} bytes`;
  if (name.includes("\0")) return "the name contains a NUL byte";
  if (sz === 0 || sz >= KERNBASE)
    return `size ${hex(sz)} is not between 1 and KERNBASE (${hex(KERNBASE)})`;
  if (blockedSyscall > MAX_SYSCALL) return `blocked system call ${blockedSyscall} does not exist`;
  if (sleepTicksRemaining !== 0 && blockedSyscall !== SYS_sleep) {
    return `${sleepTicksRemaining} sleep ticks remain, but the process was not in sleep`;
  }
  return null;
}

function checkPages(pages: readonly PageRecord[], sz: number): string | null {
  let previous = -1;
  for (const page of pages) {
    const { va, flags } = page;
    if (va % PGSIZE !== 0) return `page address ${hex(va)} is not page-aligned`;
    if (va <= previous) return `page ${hex(va)} is out of order or repeated after ${hex(previous)}`;
    if (va >= sz) return `page ${hex(va)} lies past the size ${hex(sz)}`;
    if ((flags & PTE_P) === 0 || (flags & ~(PTE_P | PTE_W | PTE_U)) !== 0) {
      return `page ${hex(va)} has permission bits ${hex(flags)}; only P, W and U are allowed, P always`;
    }
    previous = va;
  }
  return null;
}

function checkFrames(pages: readonly PageRecord[], freeFrames: number): string | null {
  const needed = framesNeeded(pages);
  if (needed > freeFrames) {
    return `the image needs ${needed} frames of memory, but only ${freeFrames} are free`;
  }
  return null;
}

function checkPath(subject: string, path: string | null): string | null {
  if (path === null || !path.startsWith("/"))
    return `${subject} has path "${path ?? ""}", not an absolute path`;
  if (path.includes("\0")) return `${subject} has a path with a NUL byte`;
  return null;
}

function checkInum(subject: string, inum: number, ninodes: number): string | null {
  if (inum < 1 || inum >= ninodes) {
    return `${subject} names inode ${inum}, which this file system cannot have (1 to ${ninodes - 1})`;
  }
  return null;
}

function checkCwd(cwd: CheckpointImage["cwd"], limits: StructureLimits): string | null {
  return (
    checkInum("the working directory", cwd.inum, limits.ninodes) ??
    checkPath("the working directory", cwd.path)
  );
}

function checkDescriptors(
  descriptors: readonly DescriptorRecord[],
  limits: StructureLimits,
): string | null {
  if (descriptors.length > NOFILE) return `${descriptors.length} descriptors, more than ${NOFILE}`;
  const byFd = new Map<number, DescriptorRecord>();
  let previous = -1;
  for (const descriptor of descriptors) {
    const subject = `fd ${descriptor.fd}`;
    if (descriptor.fd >= NOFILE) return `${subject} is not below ${NOFILE}`;
    if (descriptor.fd <= previous)
      return `${subject} is repeated or out of order after fd ${previous}`;
    previous = descriptor.fd;
    const problem =
      checkDescriptor(subject, descriptor, limits) ?? checkSharing(subject, descriptor, byFd);
    if (problem !== null) return problem;
    byFd.set(descriptor.fd, descriptor);
  }
  return null;
}

function checkDescriptor(
  subject: string,
  d: DescriptorRecord,
  limits: StructureLimits,
): string | null {
  if (!d.readable && !d.writable) return `${subject} is neither readable nor writable`;
  switch (d.kind) {
    case "pipe-read":
    case "pipe-write": {
      const readEnd = d.kind === "pipe-read";
      if (d.readable !== readEnd || d.writable === readEnd)
        return `${subject} is a pipe end with the wrong mode`;
      if (d.inum !== 0 || d.path !== null || d.offset !== 0)
        return `${subject} is a pipe end with an inode, path or offset`;
      return null;
    }
    case "directory":
      if (d.writable) return `${subject} is a directory opened for writing`;
      break;
    case "device":
      if (d.major < 0 || d.minor < 0) return `${subject} has device numbers ${d.major}/${d.minor}`;
      break;
    case "file":
      break;
  }
  if (d.kind !== "device" && (d.major !== 0 || d.minor !== 0))
    return `${subject} is not a device but has device numbers`;
  if (d.offset > limits.maxFileBytes)
    return `${subject} has offset ${d.offset}, past the largest file (${limits.maxFileBytes} bytes)`;
  if (d.kind === "device" && d.major === CONSOLE_MAJOR && d.offset !== 0)
    return `${subject} is the console with offset ${d.offset}`;
  return checkInum(subject, d.inum, limits.ninodes) ?? checkPath(subject, d.path);
}

/** A descriptor that shares an open file must name a lower, identical, unshared descriptor. */
function checkSharing(
  subject: string,
  d: DescriptorRecord,
  byFd: ReadonlyMap<number, DescriptorRecord>,
): string | null {
  if (d.sharesWith === null) return null;
  const first = byFd.get(d.sharesWith);
  if (d.sharesWith >= d.fd || first === undefined || first.sharesWith !== null) {
    return `${subject} shares an open file with fd ${d.sharesWith}, which is not an earlier unshared descriptor`;
  }
  const same =
    first.kind === d.kind &&
    first.inum === d.inum &&
    first.path === d.path &&
    first.offset === d.offset &&
    first.readable === d.readable &&
    first.writable === d.writable &&
    first.major === d.major &&
    first.minor === d.minor;
  return same ? null : `${subject} shares an open file with fd ${d.sharesWith} but differs from it`;
}
