/**
 * The CPU's state and its memory path: registers, segment selectors, lazy EFLAGS (inherited), the
 * TLB and the loads and stores every instruction uses.
 *
 * Registers live in one 64-byte buffer seen through three views, so `al`, `ax` and `eax` are the
 * same bytes as on the hardware (the host must be little-endian, as x86 and ARM hosts are):
 *
 *   r32 index  0..7   eax ecx edx ebx esp ebp esi edi; index 8 is always 0, so that an
 *                     effective address can add "no base" or "no index" without a branch
 *   r8 byte    4*n    al cl dl bl (n = 0..3), 4*n+1 ah ch dh bh
 *   r16 index  2*n    ax cx dx bx sp bp si di
 *
 * The TLB is two flat Int32Array tables indexed by virtual page number (va >>> 12), one for reads
 * and one for writes. An entry is the physical page base (pa with the low 12 bits clear) or -1:
 *
 *   31          12 11         0
 *   | frame base  |     0     |    or -1 (0xffffffff) when the page is not cached
 *
 * A read fills only the read table, so the first write to a page goes back to the translator,
 * which sets the page's dirty bit. A TLB hit is therefore one Int32Array load and one load from
 * physical memory, with no call through the translator interface and no allocation.
 *
 * Guest faults are raised by `fault`, which records the vector and throws the preallocated
 * STOP_SIGNAL. `Cpu.run` catches it and turns it into a trap exit, so no host exception ever
 * leaves the package for a guest fault, and nothing is allocated to raise one. Traps (`int n`
 * through a user gate, `icebp`) and a change of TF do not throw: they set `stopKind`, the handler
 * returns, and the run loop ends after the instruction. A system call is the most frequent stop,
 * and leaving the loop by a throw cost about 1 µs per call, about 20 times the rest of the round
 * trip (the int 0x40 figures of `pnpm bench`, see BENCHMARKS.md).
 */
import {
  ACCESS_READ,
  ACCESS_WRITE,
  INITIAL_EFLAGS,
  PF_USER,
  USER_CODE_SELECTOR,
  USER_DATA_SELECTOR,
  VECTOR_PF,
} from "./constants.ts";
import { CpuPanic } from "./errors.ts";
import { LazyFlags } from "./flags.ts";

/** Implemented structurally by a page-table MMU; see the package README. */
export interface Translator {
  /**
   * Returns the physical address of `linear`, or -1 - errorCode (the x86 page-fault error code)
   * when the access faults. `cpl` is 3 for user mode. Never throws, never allocates.
   */
  translate(linear: number, access: number, cpl: number): number;
}

/** Stop kinds of a run loop: a fault restarts the instruction, a trap resumes after it. */
export const STOP_FAULT = 1;
export const STOP_TRAP = 2;
/** Not a stop for the caller: the run loop must re-check the single-step flag or the budget. */
export const STOP_CONTINUE = 3;

/** The one object thrown inside the CPU, by `fault` only, to leave the run loop; never escapes `Cpu.run`. */
export const STOP_SIGNAL: { readonly stop: true } = Object.freeze({ stop: true });

const PAGE_SHIFT = 12;
const PAGE_MASK = 0xfff;
// NOTE: the two flat tables take 8 MiB per CPU, the price of a one-load TLB hit
const TLB_ENTRIES = 1 << 20;
/** Filled entries remembered for a cheap flush; past this many the whole tables are reset. */
const TLB_FILL_LOG = 4096;
const NO_ENTRY = -1;

/** The part of the CPU every instruction handler works on. */
export class CpuCore extends LazyFlags {
  readonly registerBuffer = new ArrayBuffer(64);
  readonly r32 = new Int32Array(this.registerBuffer, 0, 16);
  readonly r16 = new Uint16Array(this.registerBuffer);
  readonly r8 = new Uint8Array(this.registerBuffer);

  eip = 0;
  /** Selectors by segment number (es cs ss ds fs gs). */
  readonly segments = new Uint16Array(8);
  /** Bit n set when segment register n contains a null selector, so a data access through it faults. */
  nullSegments = 0;
  /**
   * Bit n set when segment register n contains a code selector (cs always, and a data segment
   * register loaded with 0x18..0x1b), so a write through it faults: code segments are never
   * writable.
   */
  codeSegments = 0;
  /**
   * The `segBit` values of decoded memory operands that need the slow effective-address path:
   * the null and code segments, and bit 7 for 16-bit addressing. While ds, es and ss hold 0x23,
   * an operand with its default segment never matches it.
   */
  eaSlowMask = 0x80;
  /** The address of the memory operand of the instruction being executed by a general handler. */
  operandAddress = 0;
  /** Bit n set for each vector n that `int n` may invoke at CPL 3. */
  readonly userVectors = new Uint8Array(256);
  cr2 = 0;

  readonly mem8: Uint8Array;
  readonly view: DataView;
  readonly memorySize: number;
  readonly translator: Translator;

  readonly tlbRead = new Int32Array(TLB_ENTRIES).fill(NO_ENTRY);
  readonly tlbWrite = new Int32Array(TLB_ENTRIES).fill(NO_ENTRY);
  private readonly tlbFilled = new Int32Array(TLB_FILL_LOG);
  private tlbFilledCount = 0;

  /**
   * Per physical page, one bit for each 128-byte chunk that contains decoded instructions. A store
   * into a marked chunk calls `onCodeWrite`, which drops the page's decoded instructions.
   */
  readonly codeChunks: Int32Array;
  onCodeWrite: (physicalPage: number) => void = () => {};

  /** Instructions retired before the current run loop started; `rdtsc` reads it. */
  instructionCount = 0;
  /** 0 while the run loop may go on, else why it must end: STOP_FAULT, STOP_TRAP or STOP_CONTINUE. */
  stopKind = 0;
  /** Address of the instruction being executed, where a fault restarts. */
  instructionStart = 0;
  /** Instructions retired in the current run loop before the one being executed. */
  loopRetired = 0;
  /** Instructions a compiled block retired, set by the block before it returns. */
  blockRetired = 0;
  /** Set when decoded code is dropped, so a compiled block stops after the store that did it. */
  codeWritten = false;
  stopVector = 0;
  stopErrorCode = 0;
  /** Iterations a `rep` instruction completed before it faulted; counted as retired. */
  repDone = 0;

  constructor(memory: ArrayBuffer, translator: Translator) {
    super();
    this.mem8 = new Uint8Array(memory);
    this.view = new DataView(memory);
    this.memorySize = memory.byteLength;
    this.translator = translator;
    this.codeChunks = new Int32Array(memory.byteLength >>> PAGE_SHIFT);
    this.resetState();
  }

  /** Puts the registers in the state of a new CPL-3 process. */
  resetState(): void {
    this.r32.fill(0);
    this.eip = 0;
    this.flags = INITIAL_EFLAGS;
    this.lazyMask = 0;
    this.segments.fill(0);
    this.segments[0] = USER_DATA_SELECTOR;
    this.segments[1] = USER_CODE_SELECTOR;
    this.segments[2] = USER_DATA_SELECTOR;
    this.segments[3] = USER_DATA_SELECTOR;
    this.updateSegmentMasks();
  }

  /** Recomputes `nullSegments`, `codeSegments` and `eaSlowMask` after a selector changed. */
  updateSegmentMasks(): void {
    let nulls = 0;
    let codes = 0;
    for (let segment = 0; segment < 6; segment++) {
      const selector = this.segments[segment]!;
      if ((selector & 0xfffc) === 0) nulls |= 1 << segment;
      else if (isCodeSelector(selector)) codes |= 1 << segment;
    }
    this.nullSegments = nulls;
    this.codeSegments = codes;
    this.eaSlowMask = nulls | codes | 0x80;
  }

  /** Stops the run with a fault: registers and eip go back to the start of the instruction. */
  fault(vector: number, errorCode: number): never {
    this.stopKind = STOP_FAULT;
    this.stopVector = vector;
    this.stopErrorCode = errorCode;
    throw STOP_SIGNAL;
  }

  /**
   * Stops the run with a trap after this instruction, which counts as retired and leaves eip after
   * it. Does not throw: the handler must return at once, and the run loop checks `stopKind`.
   */
  trap(vector: number, errorCode: number): void {
    this.stopKind = STOP_TRAP;
    this.stopVector = vector;
    this.stopErrorCode = errorCode;
  }

  /**
   * Ends the current run loop after this instruction so that `run` re-checks its state. Does not
   * throw: the handler must return at once, as after `trap`.
   */
  leaveLoop(): void {
    this.stopKind = STOP_CONTINUE;
  }

  // ---- TLB ----

  /** Empties the TLB (the CR3 load). */
  flushTlb(): void {
    if (this.tlbFilledCount > TLB_FILL_LOG) {
      this.tlbRead.fill(NO_ENTRY);
      this.tlbWrite.fill(NO_ENTRY);
    } else {
      for (let k = 0; k < this.tlbFilledCount; k++) {
        const vpn = this.tlbFilled[k]!;
        this.tlbRead[vpn] = NO_ENTRY;
        this.tlbWrite[vpn] = NO_ENTRY;
      }
    }
    this.tlbFilledCount = 0;
  }

  /**
   * Translates the page of `va` for `access` and fills the TLB; raises #PF when the translator
   * reports a fault. Returns the physical page base.
   */
  fillTlb(va: number, access: number): number {
    const pa = this.translator.translate(va >>> 0, access, 3);
    if (pa < 0) {
      this.cr2 = va >>> 0;
      this.fault(VECTOR_PF, (-1 - pa) | PF_USER);
    }
    // memorySize is a multiple of 4 KiB, so the whole page of an address below it is inside
    if (!(pa < this.memorySize)) this.rejectTranslation(va, access, pa);
    const vpn = va >>> PAGE_SHIFT;
    const base = pa & ~PAGE_MASK;
    if (this.tlbRead[vpn] === NO_ENTRY && this.tlbWrite[vpn] === NO_ENTRY) {
      if (this.tlbFilledCount < TLB_FILL_LOG) this.tlbFilled[this.tlbFilledCount] = vpn;
      this.tlbFilledCount++;
    }
    this.tlbRead[vpn] = base;
    if (access === ACCESS_WRITE) this.tlbWrite[vpn] = base;
    return base;
  }

  /** Panics on a physical address outside memory: the translator broke its contract. */
  private rejectTranslation(va: number, access: number, pa: number): never {
    const result = Number.isInteger(pa) ? `0x${pa.toString(16)}` : String(pa);
    const kind = access === ACCESS_WRITE ? "write" : "read";
    const size = this.memorySize;
    throw new CpuPanic(
      `run: translator bug: it returned physical address ${result} for a ${kind} of linear ` +
        `address 0x${(va >>> 0).toString(16)}, but memory has only ${size} bytes ` +
        `(0x${size.toString(16)}); a translator must return addresses inside memory`,
    );
  }

  /** Physical address of a byte to read at `va`. */
  translateRead(va: number): number {
    let base = this.tlbRead[va >>> PAGE_SHIFT]!;
    if (base < 0) base = this.fillTlb(va, ACCESS_READ);
    return base | (va & PAGE_MASK);
  }

  /** Physical address of a byte to write at `va`. */
  translateWrite(va: number): number {
    let base = this.tlbWrite[va >>> PAGE_SHIFT]!;
    if (base < 0) base = this.fillTlb(va, ACCESS_WRITE);
    return base | (va & PAGE_MASK);
  }

  // ---- loads ----

  read8(va: number): number {
    const base = this.tlbRead[va >>> PAGE_SHIFT]!;
    if (base >= 0) return this.mem8[base | (va & PAGE_MASK)]!;
    return this.mem8[this.translateRead(va)]!;
  }

  read16(va: number): number {
    const base = this.tlbRead[va >>> PAGE_SHIFT]!;
    if (base >= 0 && (va & PAGE_MASK) <= 0xffe) {
      return this.view.getUint16(base | (va & PAGE_MASK), true);
    }
    return this.read16Slow(va);
  }

  read32(va: number): number {
    const base = this.tlbRead[va >>> PAGE_SHIFT]!;
    if (base >= 0 && (va & PAGE_MASK) <= 0xffc) {
      return this.view.getInt32(base | (va & PAGE_MASK), true);
    }
    return this.read32Slow(va);
  }

  private read16Slow(va: number): number {
    if ((va & PAGE_MASK) <= 0xffe) return this.view.getUint16(this.translateRead(va), true);
    return this.read8(va) | (this.read8(va + 1) << 8);
  }

  /**
   * Reads a dword after a TLB miss or across a page end. The bytes are read in address order, so a
   * fault on the second page reports its first byte in CR2.
   */
  private read32Slow(va: number): number {
    if ((va & PAGE_MASK) <= 0xffc) return this.view.getInt32(this.translateRead(va), true);
    let value = 0;
    for (let k = 0; k < 4; k++) value |= this.read8(va + k) << (8 * k);
    return value;
  }

  // ---- loads for read-modify-write: checked as writes, so a later store cannot fault ----

  readForWrite8(va: number): number {
    return this.mem8[this.translateWrite(va)]!;
  }

  readForWrite16(va: number): number {
    const base = this.tlbWrite[va >>> PAGE_SHIFT]!;
    if (base >= 0 && (va & PAGE_MASK) <= 0xffe) {
      return this.view.getUint16(base | (va & PAGE_MASK), true);
    }
    this.checkWritable(va, 2);
    return this.read16(va);
  }

  readForWrite32(va: number): number {
    const base = this.tlbWrite[va >>> PAGE_SHIFT]!;
    if (base >= 0 && (va & PAGE_MASK) <= 0xffc) {
      return this.view.getInt32(base | (va & PAGE_MASK), true);
    }
    this.checkWritable(va, 4);
    return this.read32(va);
  }

  /** Translates every page of [va, va+size) for writing, so that the store cannot fault later. */
  checkWritable(va: number, size: number): void {
    this.translateWrite(va);
    // the second page faults at its first byte, and CR2 gets that address
    if ((va & PAGE_MASK) + size > 0x1000) this.translateWrite((va + size - 1) & ~PAGE_MASK);
  }

  // ---- stores ----

  write8(va: number, value: number): void {
    const pa = this.translateWrite(va);
    if (this.codeChunks[pa >>> PAGE_SHIFT] !== 0) this.noteCodeWrite(pa, 1);
    this.mem8[pa] = value;
  }

  write16(va: number, value: number): void {
    const base = this.tlbWrite[va >>> PAGE_SHIFT]!;
    if (base >= 0 && (va & PAGE_MASK) <= 0xffe) {
      const pa = base | (va & PAGE_MASK);
      if (this.codeChunks[base >>> PAGE_SHIFT] !== 0) this.noteCodeWrite(pa, 2);
      this.view.setUint16(pa, value, true);
      return;
    }
    this.writeSlow(va, value, 2);
  }

  write32(va: number, value: number): void {
    const base = this.tlbWrite[va >>> PAGE_SHIFT]!;
    if (base >= 0 && (va & PAGE_MASK) <= 0xffc) {
      const pa = base | (va & PAGE_MASK);
      if (this.codeChunks[base >>> PAGE_SHIFT] !== 0) this.noteCodeWrite(pa, 4);
      this.view.setInt32(pa, value, true);
      return;
    }
    this.writeSlow(va, value, 4);
  }

  /** Stores through the slow path (a TLB miss or a page crossing), checking both pages before writing either. */
  private writeSlow(va: number, value: number, size: number): void {
    this.checkWritable(va, size);
    for (let k = 0; k < size; k++) {
      const pa = this.translateWrite(va + k);
      if (this.codeChunks[pa >>> PAGE_SHIFT] !== 0) this.noteCodeWrite(pa, 1);
      this.mem8[pa] = value >>> (8 * k);
    }
  }

  /** Drops decoded code if the store to [pa, pa+size) touches a chunk that contains some. */
  private noteCodeWrite(pa: number, size: number): void {
    const page = pa >>> PAGE_SHIFT;
    const first = (pa & PAGE_MASK) >>> 7;
    const last = ((pa & PAGE_MASK) + size - 1) >>> 7;
    const touched = ((2 << last) - 1) & ~((1 << first) - 1);
    if ((this.codeChunks[page]! & touched) !== 0) this.onCodeWrite(page);
  }

  // ---- the stack (flat ss, 32-bit stack pointer) ----

  push32(value: number): void {
    const esp = (this.r32[4]! - 4) | 0;
    this.write32(esp, value);
    this.r32[4] = esp;
  }

  pop32(): number {
    const esp = this.r32[4]!;
    const value = this.read32(esp);
    this.r32[4] = (esp + 4) | 0;
    return value;
  }

  push16(value: number): void {
    const esp = (this.r32[4]! - 2) | 0;
    this.write16(esp, value);
    this.r32[4] = esp;
  }

  pop16(): number {
    const esp = this.r32[4]!;
    const value = this.read16(esp);
    this.r32[4] = (esp + 2) | 0;
    return value;
  }

  // ---- sub-registers ----

  /** Reads 8-bit register n (al cl dl bl ah ch dh bh). */
  getReg8(n: number): number {
    return this.r8[((n & 3) << 2) | (n >> 2)]!;
  }

  setReg8(n: number, value: number): void {
    this.r8[((n & 3) << 2) | (n >> 2)] = value;
  }

  getReg16(n: number): number {
    return this.r16[n << 1]!;
  }

  setReg16(n: number, value: number): void {
    this.r16[n << 1] = value;
  }
}

/**
 * Returns whether `selector` names one of the code segments of xv6's GDT: kernel code (index 1)
 * or user code (index 3), with any RPL. A data segment register can hold user code at CPL 3;
 * kernel code only through `Cpu.setContext`.
 */
export function isCodeSelector(selector: number): boolean {
  const index = (selector & 0xffff) >>> 3;
  return (selector & 4) === 0 && (index === 1 || index === 3);
}

/**
 * Reads the CPU's own memory for tools (trace, tests): a read that faults, or that the translator
 * maps outside memory, returns -1.
 */
export function peekByte(core: CpuCore, va: number): number {
  const base = core.tlbRead[va >>> PAGE_SHIFT]!;
  if (base >= 0) return core.mem8[base | (va & PAGE_MASK)]!;
  const pa = core.translator.translate(va >>> 0, ACCESS_READ, 3);
  return pa >= 0 && pa < core.memorySize ? core.mem8[pa]! : -1;
}
