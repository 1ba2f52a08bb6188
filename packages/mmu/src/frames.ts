/**
 * The frame allocator: hands out the 4 KiB frames of simulated physical memory (xv6's kalloc and
 * kfree), with a reference count per frame so that one frame can be mapped in several address
 * spaces (shared or copy-on-write pages).
 *
 * State, all typed arrays indexed by frame number (pa >>> 12):
 *   refs[f]    the reference count; 0 means free
 *   pinned[f]  1 for frames that are never freed: frame 0 and the shared kernel page tables
 *   pgdirs[f]  1 for a live page directory: set by the Mmu's setupKvm, cleared by its freeVm
 *   freeStack  the free frame numbers, a LIFO stack whose top is freeStack[freeTop - 1]
 *
 * The page-directory tag lets the Mmu check in O(1) that a pgdir argument is a directory. The
 * allocator keeps it true: kfree and incRef panic on a tagged frame, so a tagged frame always has
 * exactly one reference, and only unmarkPageDirectory (called by freeVm) removes the tag.
 *
 * The stack starts ordered so that the lowest frames come out first, and a freed frame is the next
 * one handed out, as with xv6's free list. Allocation order is therefore deterministic.
 *
 * Frame 0 is reserved and never handed out, so no allocated frame has physical address 0.
 *
 * Debug mode poisons a freed frame with the byte 0x01 (the junk xv6 writes on kfree) and checks
 * on the next kalloc of that frame that the poison is intact, which catches writes to freed
 * frames. In debug mode the whole memory starts poisoned, so frames never allocated pass the check.
 */
import { argumentError, checkOptions, describe } from "./args.ts";
import { MmuPanic } from "./panic.ts";
import { hex, PGSHIFT, PGSIZE } from "./pte.ts";

const POISON_BYTE = 0x01;
const POISON_WORD = 0x01010101;

/** Options of a FrameAllocator; the Mmu passes its own. */
export interface FrameAllocatorOptions {
  /** Poison freed frames and check the poison on reallocation. */
  debug?: boolean;
  /** Called with the physical page number (pa >>> 12) of every frame kalloc zeroes. */
  onWrite?: (physicalPage: number) => void;
}

/** Hands out and reference-counts the 4 KiB frames of one physical memory (`mmu.frames`). */
export class FrameAllocator {
  /** Frames in the physical memory, including reserved and pinned ones. */
  readonly totalCount: number;

  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private readonly refs: Uint32Array;
  private readonly pinned: Uint8Array;
  private readonly pgdirs: Uint8Array;
  private readonly freeStack: Int32Array;
  private freeTop: number;
  private readonly debug: boolean;
  private readonly onWrite: ((physicalPage: number) => void) | undefined;

  /** Builds the allocator over `memory`; every frame but frame 0 starts free. */
  constructor(memory: ArrayBuffer, options: FrameAllocatorOptions = {}) {
    if (!(memory instanceof ArrayBuffer)) {
      throw new TypeError(`FrameAllocator: memory ${describe(memory)} is not an ArrayBuffer`);
    }
    checkOptions("FrameAllocator", options);
    if (memory.byteLength % PGSIZE !== 0 || memory.byteLength < 2 * PGSIZE) {
      throw new RangeError(
        `FrameAllocator: memory of ${memory.byteLength} bytes is not a multiple of ${PGSIZE} of at least two frames`,
      );
    }
    this.bytes = new Uint8Array(memory);
    this.words = new Uint32Array(memory);
    this.totalCount = memory.byteLength >>> PGSHIFT;
    this.refs = new Uint32Array(this.totalCount);
    this.pinned = new Uint8Array(this.totalCount);
    this.pgdirs = new Uint8Array(this.totalCount);
    this.freeStack = new Int32Array(this.totalCount);
    this.debug = options.debug ?? false;
    this.onWrite = options.onWrite;

    this.freeTop = 0;
    for (let frame = this.totalCount - 1; frame >= 1; frame--) {
      this.freeStack[this.freeTop++] = frame;
    }
    this.refs[0] = 1;
    this.pinned[0] = 1;
    if (this.debug) {
      this.bytes.fill(POISON_BYTE, PGSIZE);
    }
  }

  /** Frames that kalloc can still hand out. */
  get freeCount(): number {
    return this.freeTop;
  }

  /** Frames in use: allocated, pinned or reserved (totalCount - freeCount). */
  get usedCount(): number {
    return this.totalCount - this.freeTop;
  }

  /** Allocates a zeroed frame with reference count 1; returns its physical address, or -1 when out. */
  kalloc(): number {
    const pa = this.kallocUnzeroed();
    if (pa < 0) {
      return -1;
    }

    this.bytes.fill(0, pa, pa + PGSIZE);
    if (this.onWrite !== undefined) {
      this.onWrite(pa >>> PGSHIFT);
    }
    return pa;
  }

  /**
   * Allocates a frame like kalloc but leaves its old contents, for a caller that overwrites the
   * whole frame at once (and reports that write itself). Returns the physical address, or -1.
   */
  kallocUnzeroed(): number {
    if (this.freeTop === 0) {
      return -1;
    }

    const frame = this.freeStack[--this.freeTop];
    if (this.refs[frame] !== 0) {
      throw new MmuPanic(`kalloc: free frame ${hex(frame << PGSHIFT)} has references`);
    }
    if (this.debug) {
      this.checkPoison(frame);
    }
    this.refs[frame] = 1;
    return frame << PGSHIFT;
  }

  /**
   * Drops one reference to the frame at `pa` and frees it when none remain (poisoning it in debug
   * mode). Freeing a frame that is not allocated, a pinned one or a page directory is a panic.
   */
  kfree(pa: number): void {
    const frame = this.frameOf("kfree", pa);
    if (this.pinned[frame] !== 0) {
      throw new MmuPanic(`kfree: frame ${hex(pa)} is reserved or a kernel page table`);
    }
    if (this.pgdirs[frame] !== 0) {
      throw new MmuPanic(`kfree: frame ${hex(pa)} is a page directory, which only freeVm frees`);
    }
    if (this.refs[frame] === 0) {
      throw new MmuPanic(`kfree: frame ${hex(pa)} is not allocated`);
    }

    this.refs[frame]--;
    if (this.refs[frame] !== 0) {
      return;
    }
    if (this.debug) {
      this.bytes.fill(POISON_BYTE, pa, pa + PGSIZE);
    }
    this.freeStack[this.freeTop++] = frame;
  }

  /** Adds a reference to the allocated frame at `pa` (one more mapping will share it). */
  incRef(pa: number): void {
    const frame = this.frameOf("incRef", pa);
    if (this.refs[frame] === 0) {
      throw new MmuPanic(`incRef: frame ${hex(pa)} is not allocated`);
    }
    if (this.pinned[frame] !== 0) {
      throw new MmuPanic(`incRef: frame ${hex(pa)} is reserved or a kernel page table`);
    }
    if (this.pgdirs[frame] !== 0) {
      throw new MmuPanic(`incRef: frame ${hex(pa)} is a page directory, which is never shared`);
    }

    this.refs[frame]++;
  }

  /** Returns the reference count of the frame at `pa`: 0 when free, 1 for pinned frames. */
  refCount(pa: number): number {
    return this.refs[this.frameOf("refCount", pa)];
  }

  /** Returns whether the frame at `pa` is pinned (reserved or a shared kernel page table). */
  isPinned(pa: number): boolean {
    return this.pinned[this.frameOf("isPinned", pa)] !== 0;
  }

  /** Marks the allocated frame at `pa` as never to be freed (the MMU's shared kernel tables). */
  pin(pa: number): void {
    const frame = this.frameOf("pin", pa);
    if (this.refs[frame] !== 1) {
      throw new MmuPanic(`pin: frame ${hex(pa)} does not have exactly one reference`);
    }

    this.pinned[frame] = 1;
  }

  /**
   * Tags the frame at `pa`, which must have exactly one reference, as a live page directory. The
   * Mmu's setupKvm calls it; the Mmu accepts only tagged frames as a pgdir.
   */
  markPageDirectory(pa: number): void {
    const frame = this.frameOf("markPageDirectory", pa);
    if (this.refs[frame] !== 1) {
      throw new MmuPanic(`markPageDirectory: frame ${hex(pa)} does not have exactly one reference`);
    }

    this.pgdirs[frame] = 1;
  }

  /** Removes the page-directory tag of the frame at `pa`, so that kfree can free it (freeVm). */
  unmarkPageDirectory(pa: number): void {
    const frame = this.frameOf("unmarkPageDirectory", pa);
    if (this.pgdirs[frame] === 0) {
      throw new MmuPanic(`unmarkPageDirectory: frame ${hex(pa)} is not a page directory`);
    }

    this.pgdirs[frame] = 0;
  }

  /** Returns whether the frame at `pa` is tagged as a live page directory. */
  isPageDirectory(pa: number): boolean {
    return this.pgdirs[this.frameOf("isPageDirectory", pa)] !== 0;
  }

  /**
   * Returns the frame number of `pa`. Throws in `caller` a TypeError or RangeError if `pa` is not
   * a frame address: a page-aligned integer below the memory size.
   */
  private frameOf(caller: string, pa: number): number {
    if (!Number.isInteger(pa) || pa < 0 || pa % PGSIZE !== 0 || pa >= this.bytes.length) {
      throw argumentError(
        caller,
        "pa",
        pa,
        `a frame address (a multiple of ${PGSIZE} below ${this.bytes.length})`,
      );
    }
    return pa >>> PGSHIFT;
  }

  private checkPoison(frame: number): void {
    const first = frame << (PGSHIFT - 2);
    const end = first + (PGSIZE >>> 2);
    for (let index = first; index < end; index++) {
      if (this.words[index] !== POISON_WORD) {
        const pa = index << 2;
        throw new MmuPanic(
          `kalloc: freed frame ${hex(frame << PGSHIFT)} was written after kfree (at ${hex(pa)})`,
        );
      }
    }
  }
}
