/**
 * @xv6ts/cpu: an IA-32 user-mode CPU interpreter for 32-bit x86 programs built by gcc -m32.
 *
 * The CPU reads and writes memory through a `Translator` (implemented by @xv6ts/mmu, or by an identity
 * translator for flat memory), keeps its own TLB, and stops with a trap exit for every guest
 * fault and software interrupt. The general registers are numbered in their encoding order.
 */
export {
  ACCESS_READ,
  ACCESS_WRITE,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ESI,
  ESP,
  REGISTER_NAMES,
} from "./constants.ts";
export type { Translator } from "./core.ts";
export { Cpu, type CpuContext, type CpuOptions, MAX_MEMORY, type RunResult } from "./cpu.ts";
export { CpuPanic } from "./errors.ts";
export { isUserDataSelector } from "./execute-system.ts";
export { FlatTranslator, type PageState } from "./flat-translator.ts";
