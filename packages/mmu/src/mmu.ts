/**
 * The Mmu: one simulated physical memory (one ArrayBuffer), its frame allocator, the shared kernel
 * page tables, the loaded directory (cr3), and the hardware page walk that serves the CPU's TLB
 * misses. The address-space operations live in page-table.ts, uvm.ts, copy.ts and check.ts; the
 * methods here check arguments where needed and call them with the shared Memory state.
 *
 * Every method checks its arguments before it changes or allocates anything (args.ts): a bad
 * type is a TypeError, a bad number a RangeError. A pgdir must also be a live directory made by
 * setupKvm, or the method panics. The check reads the allocator's page-directory tag
 * (O(1), debug mode or not); translate() does not check, because switchUvm already did.
 *
 * translate() is the seam with @xv6ts/cpu, which this package does not import: the CPU calls it
 * through its own Translator interface on a TLB miss. It is the hot path: typed-array loads and
 * integer operations only, no allocation, no exception, no trace. It walks like an i386 with
 * CR0.PG, CR0.WP and CR4.PSE set, as xv6 runs it:
 *
 *   1. pde = directory[pdx(linear)]; not present: fault with P = 0.
 *   2. pde.PS set (never created here): a 4 MiB page whose rights are the pde's.
 *   3. pte = table[ptx(linear)]; not present: fault with P = 0.
 *   4. rights = pde & pte. At cpl 3 a page without U faults; a write to a page without W faults at
 *      any cpl (CR0.WP). Those faults have P = 1.
 *   5. Set A in the pde and pte, and D in the pte on a write; a faulting access sets nothing.
 *
 * A fault is returned as -1 - errorCode (= ~errorCode), errorCode = P | W (the access was a write) |
 * U (cpl 3). An entry whose frame lies outside physical memory can only come from a raw write to a
 * table; the walk treats it as not present so that it never returns an address outside memory.
 */
import { checkBoolean, checkIterable, checkLinear, checkOptions, describe } from "./args.ts";
import { checkRefCounts } from "./check.ts";
import {
  type CopyPrivilege,
  clearDirty,
  copyIn,
  copyInStr,
  copyOut,
  dirtyPages,
  loadUvm,
  readAddressSpace,
  readPage,
  type UserPage,
} from "./copy.ts";
import { FrameAllocator } from "./frames.ts";
import {
  buildKernelTables,
  checkPgdir,
  type Memory,
  mapPages,
  setupKvm,
  unmapPages,
  walkPgdir,
} from "./page-table.ts";
import { TRACE, trace } from "./panic.ts";
import {
  DEVSPACE,
  FEC_P,
  FEC_U,
  FEC_W,
  hex,
  KERNBASE,
  PHYSTOP_DEFAULT,
  PTE_A,
  PTE_P,
  PTE_PS,
  PTE_U,
  PTE_W,
  PTSIZE,
} from "./pte.ts";
import { allocUvm, clearPteU, copyUvm, deallocUvm, freeVm, uva2ka } from "./uvm.ts";

/** Options of an Mmu. */
export interface MmuOptions {
  /** Bytes of physical memory: a multiple of 4 MiB, at most DEVSPACE - KERNBASE. Default 224 MiB. */
  memorySize?: number;
  /** Poison freed frames, detect writes to freed frames, and check more invariants. */
  debug?: boolean;
  /**
   * Called with the physical page number (pa >>> 12) of each frame whose contents the MMU writes:
   * every frame kalloc zeroes, every frame copyUvm fills, every frame copyOut and loadUvm write
   * into. The kernel passes `(page) => cpu.invalidateCode(page)`. Page-table updates are not
   * reported, because user code never runs from a page table.
   */
  onWrite?: (physicalPage: number) => void;
}

const MEMORY_SIZE_MAX = DEVSPACE - KERNBASE;

function checkMemorySize(memorySize: unknown): asserts memorySize is number {
  if (typeof memorySize !== "number") {
    throw new TypeError(`Mmu: memorySize ${describe(memorySize)} is not a number of bytes`);
  }
  if (
    !Number.isInteger(memorySize) ||
    memorySize <= 0 ||
    memorySize % PTSIZE !== 0 ||
    memorySize > MEMORY_SIZE_MAX
  ) {
    throw new RangeError(
      `Mmu: memorySize ${memorySize} is invalid; use a multiple of 4 MiB (4194304) up to ${MEMORY_SIZE_MAX}`,
    );
  }
}

/** Physical memory, frames and x86 page tables; implements the CPU's Translator structurally. */
export class Mmu {
  /** The physical memory; the CPU is built on the same buffer. */
  readonly memory: ArrayBuffer;
  /** Bytes of physical memory. */
  readonly memorySize: number;
  readonly frames: FrameAllocator;

  private readonly state: Memory;
  private readonly words: Uint32Array;
  private readonly frameLimit: number;
  /** The directory with only the kernel mappings (xv6's kpgdir), loaded by switchKvm. */
  private readonly kpgdir: number;
  private cr3Value: number;
  private cr3Word: number;

  /**
   * Creates the memory and builds the shared kernel page tables. Throws a TypeError or RangeError
   * naming the option on a bad one, before allocating anything.
   */
  constructor(options: MmuOptions = {}) {
    checkOptions("Mmu", options);
    const memorySize = options.memorySize ?? PHYSTOP_DEFAULT;
    checkMemorySize(memorySize);
    this.memory = new ArrayBuffer(memorySize);
    this.memorySize = memorySize;
    const debug = options.debug ?? false;
    this.frames = new FrameAllocator(this.memory, { debug, onWrite: options.onWrite });
    // NOTE: the entries are read through a Uint32Array, which uses the host's byte order. Like the
    // CPU's memory path, this assumes a little-endian host, as Node's x86, ARM and RISC-V builds are.
    this.words = new Uint32Array(this.memory);
    this.frameLimit = memorySize >>> 12;
    this.state = {
      bytes: new Uint8Array(this.memory),
      words: this.words,
      size: memorySize,
      frames: this.frames,
      debug,
      onWrite: options.onWrite,
      kernelPdes: new Uint32Array(1024),
    };
    buildKernelTables(this.state);
    this.kpgdir = setupKvm(this.state);
    this.frames.pin(this.kpgdir);
    this.cr3Value = this.kpgdir;
    this.cr3Word = this.kpgdir >>> 2;
    if (TRACE) trace(`memory ${hex(memorySize)} bytes, ${this.frames.freeCount} frames free`);
  }

  /** The physical address of the loaded directory; the kernel-only one until a switchUvm. */
  get cr3(): number {
    return this.cr3Value;
  }

  /**
   * Creates a page directory with only the shared kernel mappings; returns its pa, or -1. Only a
   * directory made here is accepted as a pgdir, until freeVm frees it.
   */
  setupKvm(): number {
    return setupKvm(this.state);
  }

  /**
   * Loads `pgdir` as the directory translate() walks (the CR3 load). The caller also calls
   * cpu.flushTlb(), which the hardware does as part of the load.
   */
  switchUvm(pgdir: number): void {
    checkPgdir(this.state, "switchUvm", pgdir);
    this.cr3Value = pgdir;
    this.cr3Word = pgdir >>> 2;
  }

  /**
   * Loads the directory that maps only kernel space (xv6's switchkvm), so that every user
   * address faults as not present and any user directory can be freed. The caller flushes the
   * CPU TLB.
   */
  switchKvm(): void {
    this.cr3Value = this.kpgdir;
    this.cr3Word = this.kpgdir >>> 2;
  }

  /**
   * Translates `linear` for an access (2 = write, 0 = read) at `cpl` through the loaded directory.
   * Returns the physical address, or -1 - errorCode on a fault. Never throws, never allocates.
   */
  translate(linear: number, access: number, cpl: number): number {
    // NOTE: no argument is checked here, on the CPU's TLB-miss path. A linear address outside
    // [0, 2^32) is taken modulo 2^32 by the shifts. A cpl other than 3 walks as the kernel.
    const words = this.words;
    const write = access & FEC_W;
    const fault = write | (cpl === 3 ? FEC_U : 0);
    const pdeIndex = this.cr3Word + (linear >>> 22);
    const pde = words[pdeIndex];
    if ((pde & PTE_P) === 0) {
      return ~fault;
    }
    if ((pde & PTE_PS) !== 0) {
      return this.translateLarge(linear, write, fault, pdeIndex, pde);
    }

    const tableFrame = pde >>> 12;
    if (tableFrame >= this.frameLimit) {
      return ~fault;
    }
    const pteIndex = (tableFrame << 10) + ((linear >>> 12) & 0x3ff);
    const pte = words[pteIndex];
    const frame = pte >>> 12;
    if ((pte & PTE_P) === 0 || frame >= this.frameLimit) {
      return ~fault;
    }

    const rights = pde & pte;
    if (
      ((fault & FEC_U) !== 0 && (rights & PTE_U) === 0) ||
      (write !== 0 && (rights & PTE_W) === 0)
    ) {
      return ~(fault | FEC_P);
    }
    if ((pde & PTE_A) === 0) {
      words[pdeIndex] = pde | PTE_A;
    }
    const marks = PTE_A | (write << 5); // FEC_W (bit 1) moved to PTE_D (bit 6)
    if ((pte & marks) !== marks) {
      words[pteIndex] = pte | marks;
    }
    return (frame << 12) | (linear & 0xfff);
  }

  /** The walk for a pde with PS set: a 4 MiB page, accessed and dirty bits in the pde. */
  private translateLarge(
    linear: number,
    write: number,
    fault: number,
    pdeIndex: number,
    pde: number,
  ): number {
    const pa = (pde >>> 22) * 0x400000 + (linear & 0x3fffff);
    if (pa >= this.memorySize) {
      return ~fault;
    }
    if (((fault & FEC_U) !== 0 && (pde & PTE_U) === 0) || (write !== 0 && (pde & PTE_W) === 0)) {
      return ~(fault | FEC_P);
    }

    this.words[pdeIndex] = pde | PTE_A | (write << 5);
    return pa;
  }

  /**
   * Returns the pa of the pte for `va` in `pgdir`, allocating a missing user page table when
   * `alloc` is set; -1 if the table is missing and not allocated, or frames run out. A new table
   * changes the directory: the caller flushes the CPU TLB if `pgdir` is loaded.
   */
  walkPgdir(pgdir: number, va: number, alloc: boolean): number {
    checkPgdir(this.state, "walkPgdir", pgdir);
    checkLinear("walkPgdir", va);
    checkBoolean("walkPgdir", "alloc", alloc);
    return walkPgdir(this.state, pgdir, va, alloc);
  }

  /**
   * Maps the pages covering [va, va + size) to frames from page-aligned `pa` on with
   * `perm | PTE_P`. Returns false, changing nothing, when frames for page tables run out. Panics on
   * a remap; a range outside user space is a RangeError. The caller flushes the CPU TLB if `pgdir` is loaded.
   */
  mapPages(pgdir: number, va: number, size: number, pa: number, perm: number): boolean {
    return mapPages(this.state, pgdir, va, size, pa, perm);
  }

  /**
   * Unmaps the pages covering [va, va + size), dropping one reference to each frame if `free` is
   * set, and frees page tables left empty. Panics, changing nothing, if a page is not mapped. The
   * caller flushes the CPU TLB if `pgdir` is loaded.
   */
  unmapPages(pgdir: number, va: number, size: number, free: boolean): void {
    unmapPages(this.state, pgdir, va, size, free);
  }

  /**
   * Grows the address space from `oldsz` to `newsz` with zeroed user + writable pages. Returns
   * `newsz` (or `oldsz` if `newsz` is smaller), or 0 when `newsz` >= KERNBASE or frames run out;
   * a failed call returns the frames it took. The caller flushes the CPU TLB if `pgdir` is loaded.
   */
  allocUvm(pgdir: number, oldsz: number, newsz: number): number {
    return allocUvm(this.state, pgdir, oldsz, newsz);
  }

  /**
   * Shrinks the address space from `oldsz` to `newsz`, freeing pages and emptied page tables.
   * Returns `newsz` (or `oldsz` if `newsz` is not smaller). The caller flushes the CPU TLB if
   * `pgdir` is loaded.
   */
  deallocUvm(pgdir: number, oldsz: number, newsz: number): number {
    return deallocUvm(this.state, pgdir, oldsz, newsz);
  }

  /**
   * Copies ELF segment bytes to page-aligned `va` through mapped writable pages; reports the
   * frames written through onWrite. Returns false, writing nothing, if a page is missing.
   */
  loadUvm(pgdir: number, va: number, data: Uint8Array): boolean {
    return loadUvm(this.state, pgdir, va, data);
  }

  /**
   * Copies the address space [0, sz) for fork into a new directory, giving every present page a
   * new frame with the same bytes and flags, and reports those frames through onWrite. Returns
   * the new directory, or -1 when frames run out, with nothing leaked.
   */
  copyUvm(pgdir: number, sz: number): number {
    return copyUvm(this.state, pgdir, sz);
  }

  /**
   * Frees the user pages, user page tables and the directory. Panics, changing nothing, if
   * `pgdir` is cr3 or one of its entries is broken (see freeVm in uvm.ts).
   */
  freeVm(pgdir: number): void {
    freeVm(this.state, pgdir, this.cr3Value);
  }

  /** Clears the user bit of the page at `va` (the stack guard). The caller flushes the CPU TLB. */
  clearPteU(pgdir: number, va: number): void {
    clearPteU(this.state, pgdir, va);
  }

  /** Returns the frame address of the present user page holding `va`, or -1. */
  uva2ka(pgdir: number, va: number): number {
    return uva2ka(this.state, pgdir, va);
  }

  /**
   * Copies `src` to user address `va`, sets A and D, and reports the written frames through
   * onWrite. Returns false, writing nothing, if [va, va + len) leaves user space or a page is
   * absent, read-only, or not a user page at cpl 3 (the default).
   */
  copyOut(pgdir: number, va: number, src: Uint8Array, cpl: CopyPrivilege = 3): boolean {
    return copyOut(this.state, pgdir, va, src, cpl);
  }

  /**
   * Fills `dst` from user address `va` and sets A. Returns false, leaving `dst` unchanged, if the
   * range leaves user space or a page is absent or not a user page at cpl 3 (the default).
   */
  copyIn(pgdir: number, va: number, dst: Uint8Array, cpl: CopyPrivilege = 3): boolean {
    return copyIn(this.state, pgdir, va, dst, cpl);
  }

  /**
   * Reads the NUL-terminated string at `va`, examining at most `max` bytes. Returns it as latin1,
   * or null if no NUL is found first or a page on the way is absent or not permitted at `cpl`.
   */
  copyInStr(pgdir: number, va: number, max: number, cpl: CopyPrivilege = 3): string | null {
    return copyInStr(this.state, pgdir, va, max, cpl);
  }

  /** Returns one page of `pgdir` (loaded or not): its effective flags and bytes, or absent. */
  readPage(pgdir: number, va: number): UserPage {
    return readPage(this.state, pgdir, va);
  }

  /**
   * Returns the pages of [va, va + len) of `pgdir` (loaded or not), each present with its
   * effective flags and a copy of its bytes, or absent. Sets no bit.
   */
  readAddressSpace(pgdir: number, va: number, len: number): UserPage[] {
    return readAddressSpace(this.state, pgdir, va, len);
  }

  /** Returns the addresses of the present pages of [0, sz) with the dirty bit set, ascending. */
  dirtyPages(pgdir: number, sz: number): number[] {
    return dirtyPages(this.state, pgdir, sz);
  }

  /** Clears the dirty bits of [0, sz). The caller then calls cpu.flushTlb() if `pgdir` is loaded. */
  clearDirty(pgdir: number, sz: number): void {
    clearDirty(this.state, pgdir, sz);
  }

  /**
   * Checks the reference count of every frame against the given address spaces and `heldFrames`
   * (frames the caller holds outside any address space). Returns the problems; [] when right.
   */
  checkRefCounts(pgdirs: Iterable<number>, heldFrames: Iterable<number> = []): string[] {
    checkIterable("checkRefCounts", "pgdirs", pgdirs);
    checkIterable("checkRefCounts", "heldFrames", heldFrames);
    return checkRefCounts(this.state, pgdirs, heldFrames);
  }
}
