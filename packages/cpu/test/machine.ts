/**
 * A bare machine for tests: flat memory with identity translation, code at 0x1000, a data page at
 * 0x2000 and the stack page at 0x3000 (the layout the instruction vectors assume).
 */
import { Cpu, type CpuOptions, FlatTranslator } from "../src/index.ts";
import type { InstructionCache } from "../src/instruction-cache.ts";

export const CODE = 0x1000;
export const DATA = 0x2000;
export const STACK_TOP = 0x4000;

export interface Machine {
  cpu: Cpu;
  memory: ArrayBuffer;
  bytes: Uint8Array;
  translator: FlatTranslator;
}

/** Builds a CPU over `size` bytes of flat memory with `code` at 0x1000 and esp at 0x4000. */
export function makeMachine(
  code: number[] | Uint8Array,
  options: Partial<CpuOptions> = {},
  size = 0x10000,
): Machine {
  const memory = new ArrayBuffer(size);
  const bytes = new Uint8Array(memory);
  const translator = new FlatTranslator(size);
  bytes.set(code, CODE);
  const cpu = new Cpu({ memory, translator, ...options });
  cpu.eip = CODE;
  cpu.regs[4] = STACK_TOP;
  return { cpu, memory, bytes, translator };
}

/** Parses instruction bytes written as hex with optional spaces ("b8 01 00 00 00"). */
export function hex(text: string): number[] {
  const digits = text.replace(/\s+/g, "");
  const result: number[] = [];
  for (let k = 0; k < digits.length; k += 2)
    result.push(Number.parseInt(digits.slice(k, k + 2), 16));
  return result;
}

/**
 * Returns whether a compiled block starts at `eip` (identity-mapped). It reads the CPU's private
 * instruction cache, because the public API does not show whether code runs compiled.
 */
export function hasCompiledBlock(cpu: Cpu, eip: number): boolean {
  const cache = (cpu as unknown as { cache: InstructionCache }).cache;
  const slot = cache.pageMap(eip >>> 12)[eip & 0xfff]!;
  return slot !== 0 && typeof cache.blocks[slot] === "function";
}
