/**
 * Helpers for the tests of calls that must fail and leave memory as it was.
 */
import type { Mmu } from "../src/index.ts";

/** Runs `call` and returns what it threw, or undefined if it returned. */
export function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Returns the index of the first word of `mmu`'s memory that differs from `before`, or -1. */
export function firstChangedWord(mmu: Mmu, before: Uint32Array): number {
  const words = new Uint32Array(mmu.memory);
  for (let index = 0; index < words.length; index++) {
    if (words[index] !== before[index]) {
      return index;
    }
  }
  return -1;
}
