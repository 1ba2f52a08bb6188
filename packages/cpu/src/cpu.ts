/**
 * The public CPU: construction and validation of options, `run` with its trap exits, the
 * register context, and the TLB and code-cache controls the kernel uses. The work happens in the
 * run loop (execute.ts); this file adds single-stepping (TF), the trace, and the stop reasons.
 */
import {
  checkInteger,
  checkNumber,
  checkOptionalFunction,
  checkRegister,
  describeNumber,
  describeValue,
  isRegisterValue,
} from "./arguments.ts";
import { BlockCompiler } from "./block-compiler.ts";
import { CodeFetcher } from "./code-fetch.ts";
import {
  CS,
  DS,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ES,
  ESI,
  ESP,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_RESERVED1,
  FLAG_RF,
  FLAG_TF,
  FLAG_VM,
  FS,
  GS,
  REGISTER_NAMES,
  SS,
  VECTOR_DB,
} from "./constants.ts";
import { CpuCore, STOP_FAULT, STOP_SIGNAL, STOP_TRAP, type Translator } from "./core.ts";
import { formatTraceLine } from "./disassembler.ts";
import { CpuPanic } from "./errors.ts";
import { executeLoop } from "./execute.ts";
import { isUserDataSelector } from "./execute-system.ts";
import { FlatTranslator } from "./flat-translator.ts";
import { InstructionCache } from "./instruction-cache.ts";

export interface CpuOptions {
  /** Physical memory, shared with the MMU: a multiple of 4 KiB, at most 256 MiB. */
  memory: ArrayBuffer;
  translator: Translator;
  /** Vectors `int n` may invoke at CPL 3 (xv6: [64]); default none. */
  userVectors?: Iterable<number>;
  /** If given, called with one line per instruction (disassembly and registers). */
  trace?: (line: string) => void;
  /** Compile hot basic blocks to JavaScript (default true); false runs the interpreter only. */
  compileBlocks?: boolean;
}

/** Every user-visible register; selectors and eflags as 32-bit unsigned numbers. */
export interface CpuContext {
  eax: number;
  ecx: number;
  edx: number;
  ebx: number;
  esp: number;
  ebp: number;
  esi: number;
  edi: number;
  eip: number;
  eflags: number;
  cs: number;
  ss: number;
  ds: number;
  es: number;
  fs: number;
  gs: number;
}

export type RunResult =
  | { type: "budget"; executed: number }
  | { type: "trap"; executed: number; vector: number; errorCode: number; faultAddress: number };

/** The maximum memory a `Cpu` accepts, in bytes (256 MiB). */
export const MAX_MEMORY = 256 * 1024 * 1024;
/** EFLAGS bits that exist on i686 (all others read as 0). */
const DEFINED_FLAGS = 0x3f7fd7;

/** An IA-32 CPU that runs user-mode (CPL 3) code in flat segments over paged memory. */
export class Cpu {
  /** eax..edi in encoding order; the kernel reads and writes it directly. */
  // NOTE: stores into regs are unchecked (NaN becomes 0, as in any Int32Array), to keep system
  // calls cheap
  readonly regs: Int32Array;
  private readonly core: CpuCore;
  private readonly cache: InstructionCache;
  private readonly fetcher: CodeFetcher;
  private readonly compiler: BlockCompiler;
  private readonly trace: ((line: string) => void) | undefined;

  /**
   * Builds a CPU in the state of a new CPL-3 process. Invalid options throw a TypeError or a
   * RangeError naming the option and the value received.
   */
  constructor(options: CpuOptions) {
    const userVectors = checkOptions(options);
    const { memory, translator } = options;
    if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
      throw new Error(
        "Cpu: the host must be little-endian, because registers and memory are typed-array views",
      );
    }
    this.core = new CpuCore(memory, translator);
    this.cache = new InstructionCache(memory.byteLength / 4096);
    this.fetcher = new CodeFetcher(this.core, this.cache);
    this.compiler = new BlockCompiler(
      this.core,
      this.cache,
      this.fetcher,
      options.compileBlocks ?? true,
    );
    this.regs = this.core.r32.subarray(0, 8);
    for (const vector of userVectors) this.core.userVectors[vector] = 1;
    this.trace = options.trace ?? environmentTrace();
  }

  get eip(): number {
    return this.core.eip >>> 0;
  }

  /** Takes an integer from -2^31 to 2^32 - 1 and keeps it as unsigned; anything else throws. */
  set eip(value: number) {
    if (!isRegisterValue(value)) checkRegister("Cpu.eip", "eip", value);
    this.core.eip = value >>> 0;
  }

  /** EFLAGS with the lazy status flags computed. */
  get eflags(): number {
    this.core.materializeFlags();
    return this.core.flags >>> 0;
  }

  /**
   * Sets EFLAGS; bit 1 and IF stay set, IOPL and VM stay 0, undefined bits read as 0. RF may be
   * set (as an iret from a fault handler sets it) and is cleared when the next instruction completes.
   * The value must be an integer from -2^31 to 2^32 - 1.
   */
  set eflags(value: number) {
    if (!isRegisterValue(value)) checkRegister("Cpu.eflags", "eflags", value);
    this.setFlags(value);
  }

  private setFlags(value: number): void {
    this.core.lazyMask = 0;
    this.core.flags =
      ((value & DEFINED_FLAGS & ~FLAG_IOPL & ~FLAG_VM) | FLAG_RESERVED1 | FLAG_IF) >>> 0;
  }

  /** The last page-fault linear address (as CR2). */
  get cr2(): number {
    return this.core.cr2 >>> 0;
  }

  /** Takes an integer from -2^31 to 2^32 - 1 and keeps it as unsigned. */
  set cr2(value: number) {
    if (!isRegisterValue(value)) checkRegister("Cpu.cr2", "cr2", value);
    this.core.cr2 = value >>> 0;
  }

  /** Retired instructions (each rep iteration counts one); `rdtsc` reads it. */
  get instructionCount(): number {
    return this.core.instructionCount;
  }

  /** Takes a non-negative safe integer (rdtsc then reads it as a 64-bit count). */
  set instructionCount(value: number) {
    if (!Number.isSafeInteger(value) || value < 0) {
      checkInteger("Cpu.instructionCount", "instructionCount", value, 0, Number.MAX_SAFE_INTEGER);
    }
    this.core.instructionCount = value;
  }

  /**
   * Executes up to `budget` instructions and returns why it stopped: the budget was spent, or a
   * trap. After a fault the registers are as at the start of the faulting instruction; after a
   * software interrupt or a debug trap, eip is past the instruction.
   */
  run(budget: number): RunResult {
    if (!Number.isSafeInteger(budget) || budget < 0) {
      checkInteger("Cpu.run", "budget", budget, 0, Number.MAX_SAFE_INTEGER);
    }
    const core = this.core;
    let executed = 0;
    while (executed < budget) {
      const singleStep = (core.flags & FLAG_TF) !== 0;
      const slice = singleStep || this.trace !== undefined ? 1 : budget - executed;
      if (this.trace !== undefined) this.trace(formatTraceLine(core, this.fetcher, this.cache));
      const retired = this.runLoop(slice);
      // The hardware clears RF when an instruction completes. Clearing it once per loop gives the
      // same result, because a program cannot read RF (pushf stores it as 0, popf and iret keep it).
      if (retired > 0) core.flags &= ~FLAG_RF;
      executed += retired;
      core.instructionCount += retired;
      const stop = core.stopKind;
      if (stop === STOP_FAULT || stop === STOP_TRAP) return this.trapResult(executed);
      // an instruction that started with TF set traps after it, even a popf that keeps TF set
      if (singleStep) {
        return { type: "trap", executed, vector: VECTOR_DB, errorCode: 0, faultAddress: this.cr2 };
      }
    }
    return { type: "budget", executed };
  }

  private runLoop(budget: number): number {
    try {
      return executeLoop(this.core, this.cache, this.fetcher, this.compiler, budget);
    } catch (error) {
      this.core.eip = this.core.instructionStart;
      if (error instanceof CpuPanic) throw error;
      if (error === STOP_SIGNAL) throw new CpuPanic("run: stop signal escaped the run loop");
      const reason = error instanceof Error ? error.message : String(error);
      throw new CpuPanic(`run: internal error at eip 0x${this.eip.toString(16)}: ${reason}`);
    }
  }

  private trapResult(executed: number): RunResult {
    const core = this.core;
    return {
      type: "trap",
      executed,
      vector: core.stopVector,
      errorCode: core.stopErrorCode,
      faultAddress: core.cr2 >>> 0,
    };
  }

  /** Returns a copy of every user-visible register. */
  getContext(): CpuContext {
    const r = this.core.r32;
    const segments = this.core.segments;
    return {
      eax: r[0]! >>> 0,
      ecx: r[1]! >>> 0,
      edx: r[2]! >>> 0,
      ebx: r[3]! >>> 0,
      esp: r[4]! >>> 0,
      ebp: r[5]! >>> 0,
      esi: r[6]! >>> 0,
      edi: r[7]! >>> 0,
      eip: this.eip,
      eflags: this.eflags,
      cs: segments[CS]!,
      ss: segments[SS]!,
      ds: segments[DS]!,
      es: segments[ES]!,
      fs: segments[FS]!,
      gs: segments[GS]!,
    };
  }

  /**
   * Loads every register from `context`, EFLAGS after the setter's rule. The general registers,
   * eip and eflags take integers from -2^31 to 2^32 - 1, cs only 0x1b and ss only 0x23, and ds,
   * es, fs and gs a selector that `isUserDataSelector` accepts. A bad value throws before any change.
   */
  setContext(context: CpuContext): void {
    if (!isValidContext(context)) throwContextError(context);
    const r = this.core.r32;
    r[EAX] = context.eax;
    r[ECX] = context.ecx;
    r[EDX] = context.edx;
    r[EBX] = context.ebx;
    r[ESP] = context.esp;
    r[EBP] = context.ebp;
    r[ESI] = context.esi;
    r[EDI] = context.edi;
    this.core.eip = context.eip >>> 0;
    this.setFlags(context.eflags);
    const segments = this.core.segments;
    segments[CS] = context.cs;
    segments[SS] = context.ss;
    segments[DS] = context.ds;
    segments[ES] = context.es;
    segments[FS] = context.fs;
    segments[GS] = context.gs;
    this.core.updateSegmentMasks();
  }

  /** Empties the TLB: the CR3 load, after an address-space switch or a changed mapping. */
  flushTlb(): void {
    this.core.flushTlb();
    this.fetcher.forgetPage();
  }

  /** Drops decoded instructions of physical page `physicalPage` (pa >>> 12) after an outside write. */
  invalidateCode(physicalPage: number): void {
    const pages = this.core.codeChunks.length;
    if (!Number.isInteger(physicalPage) || physicalPage < 0 || physicalPage >= pages) {
      checkNumber("Cpu.invalidateCode", "physicalPage", physicalPage, "a physical page number");
      throw new RangeError(
        `Cpu.invalidateCode: physical page ${describeValue(physicalPage)} is outside memory ` +
          `(pages 0 to ${pages - 1})`,
      );
    }
    this.fetcher.dropPage(physicalPage);
  }
}

/**
 * Checks the constructor's options before anything is built, and returns the user vectors as
 * an array (read once, because an iterable may be a generator).
 */
function checkOptions(options: CpuOptions): number[] {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cpu: options must be an object { memory, translator, ... }, got ${describeValue(options)}`,
    );
  }
  const { memory, translator, userVectors, trace, compileBlocks } = options;
  if (!(memory instanceof ArrayBuffer)) {
    throw new TypeError(`Cpu: memory must be an ArrayBuffer, got ${describeValue(memory)}`);
  }
  if (memory.byteLength % 4096 !== 0 || memory.byteLength > MAX_MEMORY) {
    throw new RangeError(
      `Cpu: memory must be an ArrayBuffer whose size is a multiple of 4096 up to ${MAX_MEMORY} ` +
        `bytes, got ${describeValue(memory)}`,
    );
  }
  if (typeof (translator as Partial<Translator> | null)?.translate !== "function") {
    throw new TypeError(
      "Cpu: translator must have a translate(linear, access, cpl) method, " +
        `got ${describeValue(translator)}`,
    );
  }
  if (translator instanceof FlatTranslator && translator.coveredBytes > memory.byteLength) {
    throw new RangeError(
      `Cpu: the FlatTranslator covers ${translator.coveredBytes} bytes but memory has only ` +
        `${memory.byteLength}; build it with new FlatTranslator(memory.byteLength)`,
    );
  }
  checkOptionalFunction("Cpu", "trace", trace);
  if (compileBlocks !== undefined && typeof compileBlocks !== "boolean") {
    throw new TypeError(
      `Cpu: compileBlocks must be true or false, got ${describeValue(compileBlocks)}`,
    );
  }
  return checkUserVectors(userVectors);
}

/** Returns the vectors of `userVectors` (an iterable of integers from 0 to 255) as an array. */
function checkUserVectors(userVectors: Iterable<number> | undefined): number[] {
  if (userVectors === undefined) return [];
  const iterable = userVectors as { [Symbol.iterator]?: unknown } | null;
  if (
    typeof iterable !== "object" ||
    iterable === null ||
    typeof iterable[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `Cpu: userVectors must be an iterable of vector numbers such as [64], ` +
        `got ${describeValue(userVectors)}`,
    );
  }
  const vectors = [...userVectors];
  for (const vector of vectors) checkInteger("Cpu", "user vector", vector, 0, 255);
  return vectors;
}

/** The registers of a `CpuContext` that hold 32-bit values, in the order they are checked. */
const VALUE_REGISTERS = [...REGISTER_NAMES, "eip", "eflags"] as const;

/** Returns whether `setContext` may load `context`: the fast check, run on every call. */
function isValidContext(context: CpuContext): boolean {
  return (
    typeof context === "object" &&
    context !== null &&
    isRegisterValue(context.eax) &&
    isRegisterValue(context.ecx) &&
    isRegisterValue(context.edx) &&
    isRegisterValue(context.ebx) &&
    isRegisterValue(context.esp) &&
    isRegisterValue(context.ebp) &&
    isRegisterValue(context.esi) &&
    isRegisterValue(context.edi) &&
    isRegisterValue(context.eip) &&
    isRegisterValue(context.eflags) &&
    context.cs === 0x1b &&
    context.ss === 0x23 &&
    isUserDataSelector(context.ds) &&
    isUserDataSelector(context.es) &&
    isUserDataSelector(context.fs) &&
    isUserDataSelector(context.gs)
  );
}

/** Throws the error that names the first invalid register of a `context` that failed the check. */
function throwContextError(context: CpuContext): never {
  describeContextError(context);
  throw new CpuPanic("setContext: the register check failed but no register is invalid");
}

/** Checks every register of `context` in turn; throws a TypeError or RangeError for the first bad one. */
function describeContextError(context: CpuContext): void {
  const where = "Cpu.setContext";
  if (typeof context !== "object" || context === null) {
    throw new TypeError(
      `${where}: context must be an object with every register, got ${describeValue(context)}`,
    );
  }
  for (const name of VALUE_REGISTERS) checkRegister(where, name, context[name]);
  checkSelector(where, "cs", context.cs, (selector) => selector === 0x1b, USER_CODE);
  checkSelector(where, "ss", context.ss, (selector) => selector === 0x23, USER_STACK);
  for (const name of ["ds", "es", "fs", "gs"] as const) {
    checkSelector(where, name, context[name], isUserDataSelector, USER_DATA_SELECTORS);
  }
}

const USER_CODE = "0x1b (the user code selector)";
const USER_STACK = "0x23 (the user data selector)";
const USER_DATA_SELECTORS = "a selector CPL 3 may hold (0 to 3, 0x18 to 0x1b or 0x20 to 0x23)";

/** Throws unless `value` is a number that `accepts` passes. */
function checkSelector(
  where: string,
  name: string,
  value: unknown,
  accepts: (selector: number) => boolean,
  expected: string,
): void {
  checkNumber(where, name, value, expected);
  if (!Number.isInteger(value) || !accepts(value as number)) {
    throw new RangeError(`${where}: ${name} must be ${expected}, got ${describeNumber(value)}`);
  }
}

/** Returns the trace sink that XV6TS_TRACE=cpu (a comma list) switches on: standard error. */
function environmentTrace(): ((line: string) => void) | undefined {
  const host = globalThis as {
    process?: { env?: Record<string, string | undefined>; stderr?: { write(text: string): void } };
  };
  const setting = host.process?.env?.XV6TS_TRACE ?? "";
  if (
    !setting
      .split(",")
      .map((word) => word.trim())
      .includes("cpu")
  )
    return undefined;
  const stderr = host.process?.stderr;
  return stderr === undefined ? undefined : (line) => stderr.write(`${line}\n`);
}
