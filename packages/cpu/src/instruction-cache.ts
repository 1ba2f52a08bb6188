/**
 * The decoded-instruction cache: decoded instructions stored as columns of typed arrays, and for
 * each physical page that contains code, a map from page offset to the instruction decoded there.
 *
 * One decoded instruction is one index ("slot") into these columns:
 *
 *   op      Uint16  handler number (ops.ts)
 *   len     Uint8   length in bytes, prefixes included
 *   sub     Uint8   handler detail: ALU or shift kind, condition code, segment, string kind
 *   size    Uint8   operand size in bytes: 1, 2 or 4
 *   flags   Uint8   DECODED_* bits below
 *   reg     Uint8   ModRM reg field or the register in the opcode; a destination register
 *   base    Uint8   memory form: base register (8 = none); register form: the r/m register
 *   index   Uint8   index register (8 = none)
 *   scale   Uint8   index shift count, 0..3
 *   segBit  Uint8   1 << segment of the memory operand, | 0x80 with 16-bit addressing
 *   seg     Uint8   segment number of the memory operand (es cs ss ds fs gs)
 *   disp    Int32   displacement
 *   imm     Int32   immediate, relative branch displacement or shift count
 *   imm2    Int32   second immediate (far selector, enter's nesting level)
 *
 * Slot 0 marks "not decoded" in a page map. An instruction that crosses a page boundary is decoded
 * into the next free slot without taking it, so it is decoded again each time it runs. When the
 * columns are full, the whole cache is emptied and filling starts again.
 */

import type { CpuCore } from "./core.ts";

export const DECODED_MEMORY = 1;
export const DECODED_REP = 2;
export const DECODED_REPNE = 4;
export const DECODED_ADDRESS16 = 8;
export const DECODED_SEGMENT_OVERRIDE = 16;

const FIRST_SLOT = 1;
const CAPACITY = 1 << 16;
const PAGE_SIZE = 4096;

/**
 * A basic block compiled to JavaScript: runs the block's instructions from `eip` (its first
 * instruction's address), stores the number it retired in `core.blockRetired` and returns the
 * next eip. `executed` is the run loop's count before the block, for the fault restart point;
 * a block that loops back to its start runs another pass only while `executed` plus what it
 * retired plus one more pass stays within `limit`.
 */
export type CompiledBlock = (
  core: CpuCore,
  r: Int32Array,
  eip: number,
  executed: number,
  limit: number,
) => number;

export class InstructionCache {
  readonly op = new Uint16Array(CAPACITY);
  readonly len = new Uint8Array(CAPACITY);
  readonly sub = new Uint8Array(CAPACITY);
  readonly size = new Uint8Array(CAPACITY);
  readonly flags = new Uint8Array(CAPACITY);
  readonly reg = new Uint8Array(CAPACITY);
  readonly base = new Uint8Array(CAPACITY);
  readonly index = new Uint8Array(CAPACITY);
  readonly scale = new Uint8Array(CAPACITY);
  readonly segBit = new Uint8Array(CAPACITY);
  readonly seg = new Uint8Array(CAPACITY);
  readonly disp = new Int32Array(CAPACITY);
  readonly imm = new Int32Array(CAPACITY);
  readonly imm2 = new Int32Array(CAPACITY);

  /** Compiled blocks by the slot of their first instruction; null when the slot cannot start one. */
  readonly blocks: (CompiledBlock | null | undefined)[] = new Array(CAPACITY).fill(undefined);
  /** Instructions in the block starting at a slot. */
  readonly blockLength = new Uint8Array(CAPACITY);
  /** Times the interpreter fetched each slot, up to the compile threshold. */
  readonly heat = new Uint8Array(CAPACITY);
  /** Counts `clear` calls, so a compiler can tell that its slots went away under it. */
  generation = 0;

  /** The next free slot. */
  next = FIRST_SLOT;
  private readonly pageMaps: (Int32Array | undefined)[];
  private readonly pagesInUse: number[] = [];

  constructor(physicalPages: number) {
    this.pageMaps = new Array(physicalPages).fill(undefined);
  }

  /** Returns the offset-to-slot map of a physical page, creating an empty one. */
  pageMap(physicalPage: number): Int32Array {
    let map = this.pageMaps[physicalPage];
    if (map === undefined) {
      map = new Int32Array(PAGE_SIZE);
      this.pageMaps[physicalPage] = map;
      this.pagesInUse.push(physicalPage);
    }
    return map;
  }

  /** Drops every instruction decoded from a physical page. Returns whether there were any. */
  dropPage(physicalPage: number): boolean {
    if (this.pageMaps[physicalPage] === undefined) return false;
    this.pageMaps[physicalPage] = undefined;
    const position = this.pagesInUse.indexOf(physicalPage);
    this.pagesInUse[position] = this.pagesInUse[this.pagesInUse.length - 1]!;
    this.pagesInUse.pop();
    return true;
  }

  /** Drops everything, returning the physical pages that had decoded instructions. */
  clear(): number[] {
    const pages = this.pagesInUse.splice(0);
    for (const page of pages) this.pageMaps[page] = undefined;
    this.blocks.fill(undefined);
    this.heat.fill(0);
    this.generation++;
    this.next = FIRST_SLOT;
    return pages;
  }

  get full(): boolean {
    return this.next >= CAPACITY;
  }
}
