/**
 * Instruction fetch: finds the decoded instruction at eip, decoding it on first use.
 *
 * The run loop keeps the page map of the code page it is executing in `codeMap` (valid while
 * `eip >>> 12 === codeVpn`), so fetching an instruction that was decoded before is one compare
 * and one Int32Array load. The map is keyed by physical page, so two mappings of one page share
 * their decoded code, and a store into a 128-byte chunk holding decoded code drops the page's
 * map (self-modifying code works; the store must go through the CPU or `invalidateCode`).
 */
import type { CpuCore } from "./core.ts";
import { Decoder } from "./decoder.ts";
import type { InstructionCache } from "./instruction-cache.ts";

const PAGE_SHIFT = 12;
const PAGE_MASK = 0xfff;
const EMPTY_MAP = new Int32Array(4096);

export class CodeFetcher {
  /** Virtual page number of `codeMap`, or -1. */
  codeVpn = -1;
  codeMap: Int32Array = EMPTY_MAP;
  private codePage = -1;
  private readonly decoder: Decoder;

  constructor(
    private readonly core: CpuCore,
    private readonly cache: InstructionCache,
  ) {
    this.decoder = new Decoder(core, cache);
    core.onCodeWrite = (physicalPage) => this.dropPage(physicalPage);
  }

  /**
   * Makes the page of `eip` the current code page. Raises #PF if the page cannot be read, with CR2
   * set to `eip` itself (the first byte fetched) rather than the page base.
   */
  selectPage(eip: number): void {
    const pa = this.core.translateRead(eip);
    this.codePage = pa >>> PAGE_SHIFT;
    this.codeMap = this.cache.pageMap(this.codePage);
    this.codeVpn = eip >>> PAGE_SHIFT;
  }

  /** Decodes the instruction at `eip` (on the current code page) and returns its slot. */
  decodeAt(eip: number): number {
    const cache = this.cache;
    if (cache.full) {
      this.clear();
      this.selectPage(eip);
    }
    const slot = cache.next;
    this.decoder.decode(slot, eip);
    const offset = eip & PAGE_MASK;
    const end = offset + cache.len[slot]!;
    if (end > 0x1000) {
      // crosses into the next page: used once and not cached, since a store to the next page
      // could not drop it; the slot is reused by the next decode
      return slot;
    }
    cache.next = slot + 1;
    this.codeMap[offset] = slot;
    const chunks = this.core.codeChunks;
    const firstChunk = offset >>> 7;
    const lastChunk = (end - 1) >>> 7;
    chunks[this.codePage] = chunks[this.codePage]! | (1 << firstChunk) | (1 << lastChunk);
    return slot;
  }

  /** Forgets the current code page (after a TLB flush). */
  forgetPage(): void {
    this.codeVpn = -1;
  }

  /** Drops the decoded instructions of one physical page. */
  dropPage(physicalPage: number): void {
    if (this.cache.dropPage(physicalPage)) this.core.codeWritten = true;
    this.core.codeChunks[physicalPage] = 0;
    if (physicalPage === this.codePage) this.codeVpn = -1;
  }

  /** Drops every decoded instruction. */
  clear(): void {
    for (const page of this.cache.clear()) this.core.codeChunks[page] = 0;
    this.codeVpn = -1;
  }
}
