/**
 * A translator for flat memory without page tables: linear address = physical address. Pages
 * can be marked absent or read-only, which is enough to run bare programs and to test page
 * faults without an MMU.
 */
import { ACCESS_WRITE, PF_PRESENT, PF_USER, PF_WRITE } from "./constants.ts";
import type { Translator } from "./core.ts";

const PAGE_ABSENT = 0;
const PAGE_READ_ONLY = 1;
const PAGE_WRITABLE = 2;

/** Identity translation over `[0, memorySize)`; every page starts present and writable. */
export class FlatTranslator implements Translator {
  private readonly pages: Uint8Array;
  /** Bytes of linear (and physical) addresses it maps: `memorySize` rounded up to whole pages. */
  readonly coveredBytes: number;

  /** Maps `[0, memorySize)`; `memorySize` must not exceed the memory the CPU is given. */
  constructor(memorySize: number) {
    if (!Number.isSafeInteger(memorySize) || memorySize < 0) {
      throw new RangeError(
        `FlatTranslator: memory size must be a non-negative integer, got ${memorySize}`,
      );
    }
    const pages = Math.ceil(memorySize / 4096);
    this.pages = new Uint8Array(pages).fill(PAGE_WRITABLE);
    this.coveredBytes = pages * 4096;
  }

  /** Returns `linear` itself, or -1 - errorCode for an absent page or a write to a read-only one. */
  translate(linear: number, access: number, _cpl: number): number {
    const state = this.pages[linear >>> 12] ?? PAGE_ABSENT;
    const write = access & ACCESS_WRITE;
    if (state === PAGE_ABSENT) return -1 - (PF_USER | write);
    if (state === PAGE_READ_ONLY && write !== 0) return -1 - (PF_USER | PF_WRITE | PF_PRESENT);
    return linear >>> 0;
  }

  /** Marks the pages of `[start, end)` absent, read-only or writable. */
  setPages(start: number, end: number, state: "absent" | "read-only" | "writable"): void {
    let value = PAGE_WRITABLE;
    if (state === "absent") value = PAGE_ABSENT;
    else if (state === "read-only") value = PAGE_READ_ONLY;
    for (let page = start >>> 12; page < Math.ceil(end / 4096); page++) {
      if (page < this.pages.length) this.pages[page] = value;
    }
  }
}
