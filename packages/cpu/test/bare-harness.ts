/**
 * The bare harness for whole-program tests and the benchmark: runs a static i386 Linux program
 * (built with -nostdlib) on the CPU without a kernel. It maps the ELF's PT_LOAD segments into a
 * small physical memory through its own page map, gives the program a Linux-style initial stack
 * (argc, argv, an empty environment and auxiliary vector), and implements two system calls of
 * `int $0x80` with Linux numbering: write (4) and exit (1).
 *
 * Stack pages are not mapped up front: the first touch of each one is a page fault that the
 * harness answers by mapping a page and running again, so every program also exercises the
 * CPU's restartable faults.
 */
import { ACCESS_WRITE, Cpu, EAX, EBX, ECX, EDX, ESP } from "../src/index.ts";
import { parseElf } from "./elf.ts";

const PAGE = 4096;
const STACK_TOP = 0xc0000000;
const STACK_PAGES = 256;
const SYS_EXIT = 1;
const SYS_WRITE = 4;
const ENOSYS = 38;
const VECTOR_SYSCALL = 0x80;
const VECTOR_PF = 14;

export interface ProgramResult {
  output: string;
  exitStatus: number;
  instructions: number;
  pageFaults: number;
}

export interface ProgramOptions {
  /** Instructions to run before giving up; default 4e9. */
  maxInstructions?: number;
  /** Instructions per `run` call; default 1,000,000. */
  slice?: number;
  /** Physical memory in bytes; default 8 MiB. */
  memorySize?: number;
}

/** A page map from virtual page number to physical page, filled as pages are needed. */
class PageMap {
  readonly frames = new Int32Array(1 << 20).fill(-1);
  private nextFrame = 0;

  constructor(private readonly frameCount: number) {}

  /** Maps the page of `va` to a fresh zeroed frame if unmapped; returns the frame's physical base. */
  ensure(va: number): number {
    const vpn = va >>> 12;
    if (this.frames[vpn]! < 0) {
      if (this.nextFrame >= this.frameCount)
        throw new Error("bare harness: out of physical memory");
      this.frames[vpn] = this.nextFrame++;
    }
    return this.frames[vpn]! * PAGE;
  }

  translate(linear: number, access: number, _cpl: number): number {
    const frame = this.frames[linear >>> 12]!;
    if (frame < 0) return -1 - (4 | (access & ACCESS_WRITE));
    return frame * PAGE + (linear & 0xfff);
  }
}

/** Runs a program to its exit and returns what it printed on fd 1 and 2, and its status. */
export function runProgram(
  elfBytes: Uint8Array,
  args: string[],
  options: ProgramOptions = {},
): ProgramResult {
  const memorySize = options.memorySize ?? 8 << 20;
  const memory = new ArrayBuffer(memorySize);
  const bytes = new Uint8Array(memory);
  const pages = new PageMap(memorySize / PAGE);
  const image = parseElf(elfBytes);

  for (const segment of image.segments) {
    for (let offset = 0; offset < segment.memsz; offset++) {
      const pa = pages.ensure(segment.vaddr + offset) + ((segment.vaddr + offset) & 0xfff);
      bytes[pa] = offset < segment.filesz ? elfBytes[segment.offset + offset]! : 0;
    }
  }
  const cpu = new Cpu({ memory, translator: pages, userVectors: [VECTOR_SYSCALL] });
  cpu.eip = image.entry;
  cpu.regs[ESP] = buildStack(pages, bytes, args);
  return runUntilExit(cpu, pages, bytes, options);
}

/** Writes argv strings and the argc/argv/envp/auxv words below STACK_TOP; returns esp. */
function buildStack(pages: PageMap, bytes: Uint8Array, args: string[]): number {
  const poke = (va: number, value: number) => {
    bytes[pages.ensure(va) + (va & 0xfff)] = value;
  };
  let sp = STACK_TOP;
  const pointers: number[] = [];
  for (const arg of args) {
    const encoded = new TextEncoder().encode(`${arg}\0`);
    sp -= encoded.length;
    for (let k = 0; k < encoded.length; k++) poke(sp + k, encoded[k]!);
    pointers.push(sp);
  }
  const words = [args.length, ...pointers, 0, 0, 0, 0]; // argc, argv..., NULL, envp NULL, AT_NULL
  sp = (sp - 4 * words.length) & ~15;
  words.forEach((word, k) => {
    for (let b = 0; b < 4; b++) poke(sp + 4 * k + b, (word >>> (8 * b)) & 0xff);
  });
  return sp;
}

function runUntilExit(
  cpu: Cpu,
  pages: PageMap,
  bytes: Uint8Array,
  options: ProgramOptions,
): ProgramResult {
  const maxInstructions = options.maxInstructions ?? 4e9;
  const slice = options.slice ?? 1_000_000;
  const chunks: number[] = [];
  let pageFaults = 0;
  while (cpu.instructionCount < maxInstructions) {
    const result = cpu.run(slice);
    if (result.type === "budget") continue;
    if (result.vector === VECTOR_PF && isStackAddress(result.faultAddress)) {
      pages.ensure(result.faultAddress);
      pageFaults++;
      continue;
    }
    if (result.vector !== VECTOR_SYSCALL) {
      throw new Error(
        `bare harness: trap ${result.vector} err ${result.errorCode} at eip 0x${cpu.eip.toString(16)} addr 0x${result.faultAddress.toString(16)}`,
      );
    }
    const number = cpu.regs[EAX]!;
    if (number === SYS_EXIT) {
      return {
        output: decode(chunks),
        exitStatus: cpu.regs[EBX]!,
        instructions: cpu.instructionCount,
        pageFaults,
      };
    }
    if (number === SYS_WRITE) {
      const buffer = cpu.regs[ECX]! >>> 0;
      const length = cpu.regs[EDX]!;
      for (let k = 0; k < length; k++) {
        const pa = pages.translate(buffer + k, 0, 3);
        if (pa < 0)
          throw new Error(
            `bare harness: write from unmapped address 0x${(buffer + k).toString(16)}`,
          );
        chunks.push(bytes[pa]!);
      }
      cpu.regs[EAX] = length;
    } else {
      cpu.regs[EAX] = -ENOSYS;
    }
  }
  throw new Error(`bare harness: no exit after ${maxInstructions} instructions`);
}

function isStackAddress(va: number): boolean {
  return va < STACK_TOP && va >= STACK_TOP - STACK_PAGES * PAGE;
}

function decode(chunks: number[]): string {
  return new TextDecoder().decode(new Uint8Array(chunks));
}
