/**
 * A translator for flat memory without page tables: linear address = physical address. Pages
 * can be marked absent or read-only, which is enough to run bare programs and to test page
 * faults without an MMU.
 */
import { checkInteger, describeValue } from "./arguments.ts";
import { ACCESS_WRITE, PF_PRESENT, PF_USER, PF_WRITE } from "./constants.ts";
import type { Translator } from "./core.ts";

const PAGE_ABSENT = 0;
const PAGE_READ_ONLY = 1;
const PAGE_WRITABLE = 2;
/** The states `setPages` takes, indexed by the page byte they store. */
const PAGE_STATES = ["absent", "read-only", "writable"] as const;
export type PageState = (typeof PAGE_STATES)[number];
/** The whole 32-bit linear address space, the most a flat translator can map. */
const LINEAR_BYTES = 2 ** 32;

/** Identity translation over `[0, memorySize)`; every page starts present and writable. */
export class FlatTranslator implements Translator {
  private readonly pages: Uint8Array;
  /** Bytes of linear (and physical) addresses it maps: `memorySize` rounded up to whole pages. */
  readonly coveredBytes: number;

  /** Maps `[0, memorySize)`; `memorySize` must not exceed the memory the CPU is given. */
  constructor(memorySize: number) {
    checkInteger("FlatTranslator", "memorySize", memorySize, 0, LINEAR_BYTES);
    const pages = Math.ceil(memorySize / 4096);
    this.pages = new Uint8Array(pages).fill(PAGE_WRITABLE);
    this.coveredBytes = pages * 4096;
  }

  /** Returns `linear` itself, or -1 - errorCode for an absent page or a write to a read-only one. */
  translate(linear: number, access: number, _cpl: number): number {
    // NOTE: linear is not checked (the CPU passes 32-bit integers), so NaN reads as 0, as with >>> 0
    const state = this.pages[linear >>> 12] ?? PAGE_ABSENT;
    const write = access & ACCESS_WRITE;
    if (state === PAGE_ABSENT) return -1 - (PF_USER | write);
    if (state === PAGE_READ_ONLY && write !== 0) return -1 - (PF_USER | PF_WRITE | PF_PRESENT);
    return linear >>> 0;
  }

  /**
   * Marks every page that `[start, end)` touches (start rounded down, end rounded up to a page)
   * absent, read-only or writable. `start === end` marks nothing. The range must satisfy
   * `0 <= start <= end <= coveredBytes`, and a bad argument throws before any page changes.
   */
  setPages(start: number, end: number, state: PageState): void {
    const where = "FlatTranslator.setPages";
    checkInteger(where, "start", start, 0, this.coveredBytes);
    checkInteger(where, "end", end, start, this.coveredBytes);
    const value = PAGE_STATES.indexOf(state);
    if (value < 0) {
      const expected = `one of ${PAGE_STATES.map((name) => `"${name}"`).join(", ")}`;
      const Kind = typeof state === "string" ? RangeError : TypeError;
      throw new Kind(`${where}: state must be ${expected}, got ${describeValue(state)}`);
    }
    this.pages.fill(value, Math.floor(start / 4096), Math.ceil(end / 4096));
  }
}
