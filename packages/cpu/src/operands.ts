/**
 * Operand access for the general handlers: effective addresses, and reads and writes of an "E"
 * (register or memory) or "G" (register) operand of any size. The hot handlers in execute.ts do
 * the same inline for their fixed forms.
 */
import { VECTOR_GP } from "./constants.ts";
import type { CpuCore } from "./core.ts";
import { DECODED_ADDRESS16, DECODED_MEMORY, type InstructionCache } from "./instruction-cache.ts";
import { ALU_CMP, ALU_TEST, OP_NAMES, Op, type OpName } from "./ops.ts";

/**
 * The fixed-form handlers that write their memory operand. The block compiler also compiles
 * them, so it uses this list to know which of its instructions store.
 */
export const FIXED_MEMORY_WRITERS: readonly OpName[] = [
  "MOV32_MR",
  "MOV32_MI",
  "MOV8_MR",
  "MOV8_MI",
  "ADD32_MR",
  "ADD32_MI",
  "OR32_MR",
  "OR32_MI",
  "AND32_MR",
  "AND32_MI",
  "SUB32_MR",
  "SUB32_MI",
  "XOR32_MR",
  "XOR32_MI",
  "INC32_M",
  "DEC32_M",
  "SETCC_M",
];

/**
 * Handlers that write their ModRM or moffs memory operand, whatever `sub` contains. Pushes and
 * far calls write only the stack, through ss, so they are not listed. cmpxchg writes its
 * destination even when the comparison fails, and a shift by 0 still checks the operand as a write.
 */
const WRITING_HANDLERS: readonly OpName[] = [
  ...FIXED_MEMORY_WRITERS,
  "INC_E",
  "DEC_E",
  "NOT_E",
  "NEG_E",
  "SHIFT_E",
  "SHLD_E",
  "SHRD_E",
  "MOV_EG",
  "MOV_EI",
  "XCHG_EG",
  "XADD_EG",
  "CMPXCHG_EG",
  "CMPXCHG8B",
  "POP_E",
  "MOV_E_SREG",
  "SYSTEM_TABLE",
  "ARPL",
];
const writesOperand = new Uint8Array(OP_NAMES.length);
for (const name of WRITING_HANDLERS) writesOperand[Op[name]] = 1;

/**
 * Returns whether slot `i` writes its memory operand. Besides the handlers above, the ALU forms
 * write it unless they are cmp or test, and bts, btr and btc (`sub` 1..3) write it but bt does not.
 */
export function writesMemoryOperand(c: InstructionCache, i: number): boolean {
  const op = c.op[i]!;
  if (writesOperand[op] === 1) return true;
  if (op === Op.ALU_EG || op === Op.ALU_EI) return c.sub[i] !== ALU_CMP && c.sub[i] !== ALU_TEST;
  if (op === Op.BT_EG || op === Op.BT_EI) return c.sub[i] !== 0;
  return false;
}

/** Computes the effective address of slot `i`'s memory operand, raising #GP(0) on a null segment. */
export function effectiveAddress(core: CpuCore, c: InstructionCache, i: number): number {
  const r = core.r32;
  const address = (r[c.base[i]!]! + (r[c.index[i]!]! << c.scale[i]!) + c.disp[i]!) | 0;
  if ((c.segBit[i]! & core.eaSlowMask) === 0) return address;
  return slowEffectiveAddress(core, c, i, address);
}

/**
 * Finishes an effective address whose `segBit` met `core.eaSlowMask`: raises #GP(0) when the
 * operand's segment register is null, or contains a code segment and the instruction writes the
 * operand. Truncates a 16-bit address. Both checks come before any access of the instruction.
 */
export function slowEffectiveAddress(
  core: CpuCore,
  c: InstructionCache,
  i: number,
  address: number,
): number {
  const segmentBit = c.segBit[i]! & 0x3f;
  if ((core.nullSegments & segmentBit) !== 0) core.fault(VECTOR_GP, 0);
  if ((core.codeSegments & segmentBit) !== 0 && writesMemoryOperand(c, i)) {
    core.fault(VECTOR_GP, 0);
  }
  return (c.flags[i]! & DECODED_ADDRESS16) !== 0 ? address & 0xffff : address;
}

/** Returns the offset part of the effective address, as `lea` computes it (no segment check). */
export function addressOffset(core: CpuCore, c: InstructionCache, i: number): number {
  const r = core.r32;
  const address = (r[c.base[i]!]! + (r[c.index[i]!]! << c.scale[i]!) + c.disp[i]!) | 0;
  return (c.flags[i]! & DECODED_ADDRESS16) !== 0 ? address & 0xffff : address;
}

export function isMemory(c: InstructionCache, i: number): boolean {
  return (c.flags[i]! & DECODED_MEMORY) !== 0;
}

/** Reads a register of `size` bytes: 8-bit numbers are al cl dl bl ah ch dh bh. */
export function readRegister(core: CpuCore, size: number, n: number): number {
  if (size === 4) return core.r32[n]!;
  if (size === 2) return core.r16[n << 1]!;
  return core.getReg8(n);
}

export function writeRegister(core: CpuCore, size: number, n: number, value: number): void {
  if (size === 4) core.r32[n] = value;
  else if (size === 2) core.r16[n << 1] = value;
  else core.setReg8(n, value);
}

/** Reads `size` bytes at `va`: unsigned for 1 and 2, a signed 32-bit integer for 4. */
export function readMemory(core: CpuCore, size: number, va: number): number {
  if (size === 4) return core.read32(va);
  if (size === 2) return core.read16(va);
  return core.read8(va);
}

export function readMemoryForWrite(core: CpuCore, size: number, va: number): number {
  if (size === 4) return core.readForWrite32(va);
  if (size === 2) return core.readForWrite16(va);
  return core.readForWrite8(va);
}

export function writeMemory(core: CpuCore, size: number, va: number, value: number): void {
  if (size === 4) core.write32(va, value);
  else if (size === 2) core.write16(va, value);
  else core.write8(va, value);
}

/**
 * Reads the E operand of slot `i`. A memory operand's address is kept in `core.operandAddress`
 * for `storeE`; with `forWrite` the access is checked as a write (read-modify-write).
 */
export function loadE(core: CpuCore, c: InstructionCache, i: number, forWrite: boolean): number {
  const size = c.size[i]!;
  if ((c.flags[i]! & DECODED_MEMORY) === 0) return readRegister(core, size, c.base[i]!);
  const address = effectiveAddress(core, c, i);
  core.operandAddress = address;
  return forWrite ? readMemoryForWrite(core, size, address) : readMemory(core, size, address);
}

/** Writes the E operand of slot `i`; a memory operand must have been loaded by `loadE` first. */
export function storeE(core: CpuCore, c: InstructionCache, i: number, value: number): void {
  const size = c.size[i]!;
  if ((c.flags[i]! & DECODED_MEMORY) === 0) writeRegister(core, size, c.base[i]!, value);
  else writeMemory(core, size, core.operandAddress, value);
}

/** Writes the E operand of slot `i` without a prior load. */
export function storeENew(core: CpuCore, c: InstructionCache, i: number, value: number): void {
  const size = c.size[i]!;
  if ((c.flags[i]! & DECODED_MEMORY) === 0) writeRegister(core, size, c.base[i]!, value);
  else writeMemory(core, size, effectiveAddress(core, c, i), value);
}

export function loadG(core: CpuCore, c: InstructionCache, i: number): number {
  return readRegister(core, c.size[i]!, c.reg[i]!);
}

export function storeG(core: CpuCore, c: InstructionCache, i: number, value: number): void {
  writeRegister(core, c.size[i]!, c.reg[i]!, value);
}

/** Masks a value to `size` bytes, unsigned. */
export function truncate(size: number, value: number): number {
  return size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
}

/** Sign-extends the low `size` bytes of a value to a 32-bit integer. */
export function signExtend(size: number, value: number): number {
  const shift = 32 - 8 * size;
  return (value << shift) >> shift;
}
