/**
 * exec: replaces a process's memory with a program read from the file system.
 *
 * The new image is built in a new page directory while the old one stays untouched:
 *
 *   0 ── segments (PT_LOAD, zero past filesz) ── sz rounded up ── guard page ── stack page ── sz
 *                                                                 (no PTE_U)   (esp starts at
 *                                                                               its top)
 *
 * The stack receives the argument strings (each start aligned down to 4 bytes), then the array
 * [0xffffffff (fake return pc), argc, argv, argv[0] … argv[argc-1], 0], so that esp points at the
 * fake return pc and main(argc, argv) finds its arguments where cdecl puts them. The stack is
 * written with user rights, so arguments that do not fit in the one stack page fail.
 *
 * Any failure before the commit frees every frame the new image took and returns -1 with the old
 * image intact. The commit installs the new directory, sets eip and esp, and frees the old image.
 * As in xv6 the other registers stay as they were at the call, and eax becomes exec's result, 0.
 */
import { KERNBASE, PGSIZE, pgRoundUp } from "@xv6ts/mmu";
import type { KernelCore, SyscallResult } from "./core.js";
import { type ElfImage, parseElf } from "./elf.js";
import { MAXARG, PROC_NAME_MAX } from "./param.js";
import { lastPathElement } from "./path.js";
import type { Process } from "./proc.js";
import type { SyscallCall } from "./syscall.js";

const FAKE_RETURN_PC = 0xffffffff;

/** A built image that is not yet installed. */
interface NewImage {
  pgdir: number;
  sz: number;
  entry: number;
}

/**
 * Replaces the image of `process` with the program at `path` and arguments `argv`; returns 0, or
 * -1 with the process unchanged. Works on the current process and on one that is not running.
 */
export function exec(core: KernelCore, process: Process, path: string, argv: string[]): number {
  if (argv.length >= MAXARG) return -1;
  const image = loadProgram(core, process, path);
  if (image === null) return -1;
  const sp = buildStack(core, image, argv);
  if (sp < 0) {
    core.mmu.freeVm(image.pgdir);
    return -1;
  }

  commitImage(core, process, image, sp);
  process.name = lastPathElement(path, PROC_NAME_MAX);
  core.trace.exec?.(
    `exec: pid ${process.pid} ${path} sz ${image.sz} entry 0x${image.entry.toString(16)}`,
  );
  return 0;
}

/** Reads and checks the ELF file and builds its segments and stack pages in a new directory. */
function loadProgram(core: KernelCore, process: Process, path: string): NewImage | null {
  const fs = core.fileSystem;
  fs.beginOp();
  try {
    const ip = fs.namei(path, process.cwd ?? core.rootInode());
    if (ip === null) {
      core.print("exec: fail\n");
      return null;
    }
    try {
      const readAt = (offset: number, length: number) => {
        const bytes = new Uint8Array(length);
        return fs.readi(ip, bytes, offset, length) === length ? bytes : null;
      };
      const elf = parseElf(readAt, fs.stati(ip).size);
      if (typeof elf === "string") {
        core.trace.exec?.(`exec: ${path}: ${elf}`);
        return null;
      }
      return buildSegments(core, elf, readAt);
    } finally {
      fs.iput(ip);
    }
  } finally {
    fs.endOp();
  }
}

function buildSegments(
  core: KernelCore,
  elf: ElfImage,
  readAt: (offset: number, length: number) => Uint8Array | null,
): NewImage | null {
  const mmu = core.mmu;
  const pgdir = mmu.setupKvm();
  if (pgdir < 0) return null;
  let sz = 0;
  for (const segment of elf.segments) {
    const end = segment.vaddr + segment.memsz;
    const grown = end > sz ? allocate(core, pgdir, sz, end) : sz;
    const data = readAt(segment.offset, segment.filesz);
    if (grown === 0 || data === null || !mmu.loadUvm(pgdir, segment.vaddr, data)) {
      mmu.freeVm(pgdir);
      return null;
    }
    sz = grown;
  }

  sz = pgRoundUp(sz);
  const stackTop = allocate(core, pgdir, sz, sz + 2 * PGSIZE);
  if (stackTop === 0) {
    mmu.freeVm(pgdir);
    return null;
  }
  mmu.clearPteU(pgdir, stackTop - 2 * PGSIZE);
  return { pgdir, sz: stackTop, entry: elf.entry };
}

/** allocUvm that prints xv6's message when frames (not address space) ran out. */
function allocate(core: KernelCore, pgdir: number, oldsz: number, newsz: number): number {
  const grown = core.mmu.allocUvm(pgdir, oldsz, newsz);
  if (grown === 0 && newsz < KERNBASE) core.print("allocuvm out of memory\n");
  return grown;
}

/** Writes the argument strings and array onto the new stack; returns esp, or -1. */
function buildStack(core: KernelCore, image: NewImage, argv: string[]): number {
  const mmu = core.mmu;
  let sp = image.sz;
  const pointers: number[] = [];
  for (const arg of argv) {
    const bytes = Buffer.from(`${arg}\0`, "latin1");
    sp = ((sp - bytes.length) & ~3) >>> 0;
    if (sp < image.sz - PGSIZE || !mmu.copyOut(image.pgdir, sp, bytes, 3)) return -1;
    pointers.push(sp);
  }

  const words = [FAKE_RETURN_PC, argv.length, 0, ...pointers, 0];
  words[2] = sp - (argv.length + 1) * 4;
  sp -= words.length * 4;
  const array = new Uint8Array(words.length * 4);
  const view = new DataView(array.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i]! >>> 0, true);
  if (sp < image.sz - PGSIZE || !mmu.copyOut(image.pgdir, sp, array, 3)) return -1;
  return sp;
}

/** The point of no return: installs the image and frees the old one. */
function commitImage(core: KernelCore, process: Process, image: NewImage, sp: number): void {
  const oldPgdir = process.pgdir;
  process.pgdir = image.pgdir;
  process.sz = image.sz;
  const registers = core.registersOf(process);
  core.setRegisters(process, { ...registers, eip: image.entry, esp: sp });
  if (process === core.current) {
    core.mmu.switchUvm(image.pgdir);
    core.cpu.flushTlb();
  }
  if (oldPgdir !== 0) core.mmu.freeVm(oldPgdir);
}

/** exec(path, argv): fetches the path and at most MAXARG - 1 argument strings, then execs. */
export function sysExec(core: KernelCore, call: SyscallCall): SyscallResult {
  const path = call.argStr(0);
  const uargv = call.argInt(1);
  if (path === null || uargv === null) return -1;
  const argv: string[] = [];
  for (let i = 0; ; i++) {
    if (i >= MAXARG) return -1;
    const pointer = call.fetchInt((uargv >>> 0) + 4 * i);
    if (pointer === null) return -1;
    if (pointer === 0) break;
    const arg = call.fetchStr(pointer);
    if (arg === null) return -1;
    argv.push(arg);
  }
  return exec(core, call.process, path, argv);
}
