/**
 * The general handlers: every instruction form that the main loop does not run inline, for all
 * operand sizes and both register and memory operands. Each reads its operand size and form from
 * the decoded slot. Faults are raised before any register changes, so a faulting instruction
 * leaves the state as it found it (memory written by an earlier store of the same instruction
 * excepted, as on the hardware).
 */
import { aluOperation, doubleShift, shiftOperation } from "./alu.ts";
import {
  asciiAdjust,
  asciiAdjustDivide,
  asciiAdjustMultiply,
  decimalAdjust,
  divideSigned,
  divideUnsigned,
  multiplySigned,
  multiplyTruncated,
  multiplyUnsigned,
} from "./arith.ts";
import {
  ESP,
  FLAG_AF,
  FLAG_CF,
  FLAG_DF,
  FLAG_PF,
  FLAG_SF,
  FLAG_TF,
  FLAG_ZF,
  USER_WRITABLE_FLAGS,
  VECTOR_GP,
} from "./constants.ts";
import type { CpuCore } from "./core.ts";
import { FLAG_CLC, FLAG_CLD, FLAG_CMC, FLAG_STC } from "./decoder.ts";
import { executeSystem } from "./execute-system.ts";
import { LAZY_ADD, LAZY_SUB } from "./flags.ts";
import { DECODED_ADDRESS16, type InstructionCache } from "./instruction-cache.ts";
import {
  effectiveAddress,
  isMemory,
  loadE,
  loadG,
  readMemory,
  readRegister,
  signExtend,
  storeE,
  storeENew,
  storeG,
  truncate,
  writeMemory,
  writeRegister,
} from "./operands.ts";
import { ALU_CMP, ALU_SUB, ALU_TEST } from "./ops.ts";

/** Runs a general handler (op >= FIRST_GENERIC_OP); `next` is the address after the instruction. */
export function executeGeneric(core: CpuCore, c: InstructionCache, i: number, next: number): void {
  switch (c.op[i]) {
    case 89: // ALU_EG
      aluEG(core, c, i);
      return;
    case 90: // ALU_GE
      aluGE(core, c, i);
      return;
    case 91: // ALU_EI
      aluEI(core, c, i);
      return;
    case 92: // INC_E
    case 93: // DEC_E
      incDec(core, c, i, c.op[i] === 92);
      return;
    case 94: // NOT_E
      storeE(core, c, i, ~loadE(core, c, i, true));
      return;
    case 95: // NEG_E
      storeE(core, c, i, aluOperation(core, ALU_SUB, c.size[i]!, 0, loadE(core, c, i, true)));
      return;
    case 96: // MUL_E
      multiplyUnsigned(core, c.size[i]!, loadE(core, c, i, false));
      return;
    case 97: // IMUL1_E
      multiplySigned(core, c.size[i]!, loadE(core, c, i, false));
      return;
    case 98: // DIV_E
      divideUnsigned(core, c.size[i]!, loadE(core, c, i, false));
      return;
    case 99: // IDIV_E
      divideSigned(core, c.size[i]!, loadE(core, c, i, false));
      return;
    case 100: // IMUL_GE
      storeG(
        core,
        c,
        i,
        multiplyTruncated(core, c.size[i]!, loadG(core, c, i), loadE(core, c, i, false)),
      );
      return;
    case 101: // IMUL_GEI
      storeG(core, c, i, multiplyTruncated(core, c.size[i]!, loadE(core, c, i, false), c.imm[i]!));
      return;
    default:
      executeGenericMore(core, c, i, next);
  }
}

function executeGenericMore(core: CpuCore, c: InstructionCache, i: number, next: number): void {
  switch (c.op[i]) {
    case 102: // SHIFT_E
      shiftE(core, c, i);
      return;
    case 103: // SHLD_E
    case 104: // SHRD_E
      doubleShiftE(core, c, i, c.op[i] === 103);
      return;
    case 105: // MOV_EG
      storeENew(core, c, i, loadG(core, c, i));
      return;
    case 106: // MOV_GE
      storeG(core, c, i, loadE(core, c, i, false));
      return;
    case 107: // MOV_EI
      storeENew(core, c, i, c.imm[i]!);
      return;
    case 108: // XCHG_EG
      exchange(core, c, i);
      return;
    case 109: // XADD_EG
      exchangeAdd(core, c, i);
      return;
    case 110: // CMPXCHG_EG
      compareExchange(core, c, i);
      return;
    case 111: // CMPXCHG8B
      compareExchange8(core, c, i);
      return;
    case 112: // MOVZX_GE
      storeG(core, c, i, loadSource(core, c, i, c.sub[i]!));
      return;
    case 113: // MOVSX_GE
      storeG(core, c, i, signExtend(c.sub[i]!, loadSource(core, c, i, c.sub[i]!)));
      return;
    case 114: // CMOV_GE
      conditionalMove(core, c, i);
      return;
    case 115: // BT_EG
    case 116: // BT_EI
      bitTest(core, c, i, c.op[i] === 116);
      return;
    case 117: // BSF_GE
    case 118: // BSR_GE
      bitScan(core, c, i, c.op[i] === 118);
      return;
    case 119: // BSWAP_R
      byteSwap(core, c, i);
      return;
    default:
      executeStack(core, c, i, next);
  }
}

// ---- ALU ----

function aluEG(core: CpuCore, c: InstructionCache, i: number): void {
  const kind = c.sub[i]!;
  const writes = kind !== ALU_CMP && kind !== ALU_TEST;
  const destination = loadE(core, c, i, writes);
  const result = aluOperation(core, kind, c.size[i]!, destination, loadG(core, c, i));
  if (writes) storeE(core, c, i, result);
}

function aluGE(core: CpuCore, c: InstructionCache, i: number): void {
  const kind = c.sub[i]!;
  const result = aluOperation(core, kind, c.size[i]!, loadG(core, c, i), loadE(core, c, i, false));
  if (kind !== ALU_CMP && kind !== ALU_TEST) storeG(core, c, i, result);
}

function aluEI(core: CpuCore, c: InstructionCache, i: number): void {
  const kind = c.sub[i]!;
  const size = c.size[i]!;
  const writes = kind !== ALU_CMP && kind !== ALU_TEST;
  const destination = loadE(core, c, i, writes);
  const result = aluOperation(core, kind, size, destination, truncate(size, c.imm[i]!));
  if (writes) storeE(core, c, i, result);
}

function incDec(core: CpuCore, c: InstructionCache, i: number, increment: boolean): void {
  const size = c.size[i]!;
  const value = loadE(core, c, i, true);
  const result = truncate(size, increment ? value + 1 : value - 1);
  storeE(core, c, i, result);
  core.setLazyKeepCarry(increment ? LAZY_ADD : LAZY_SUB, value, result, 32 - 8 * size);
}

function shiftE(core: CpuCore, c: InstructionCache, i: number): void {
  const count = c.imm[i]! < 0 ? core.r8[4]! : c.imm[i]!;
  if ((count & 31) === 0) {
    loadE(core, c, i, true); // a zero count still checks the operand's access
    return;
  }
  const value = loadE(core, c, i, true);
  storeE(core, c, i, shiftOperation(core, c.sub[i]!, c.size[i]!, value, count));
}

function doubleShiftE(core: CpuCore, c: InstructionCache, i: number, left: boolean): void {
  const count = c.imm[i]! < 0 ? core.r8[4]! : c.imm[i]!;
  const value = loadE(core, c, i, true);
  if ((count & 31) === 0) return;
  storeE(core, c, i, doubleShift(core, left, c.size[i]!, value, loadG(core, c, i), count));
}

// ---- exchanges ----

function exchange(core: CpuCore, c: InstructionCache, i: number): void {
  const memoryValue = loadE(core, c, i, true);
  const registerValue = loadG(core, c, i);
  storeE(core, c, i, registerValue);
  storeG(core, c, i, memoryValue);
}

function exchangeAdd(core: CpuCore, c: InstructionCache, i: number): void {
  const size = c.size[i]!;
  const destination = loadE(core, c, i, true);
  const source = loadG(core, c, i);
  const sum = aluOperation(core, 0, size, destination, source);
  storeE(core, c, i, sum);
  // with a register destination that is also the source, the sum wins (stored last by hardware)
  if (isMemory(c, i) || c.base[i] !== c.reg[i]) storeG(core, c, i, destination);
}

/** cmpxchg: compares the accumulator with E; equal: E = G, else accumulator = E. E is always written. */
function compareExchange(core: CpuCore, c: InstructionCache, i: number): void {
  const size = c.size[i]!;
  const destination = loadE(core, c, i, true);
  const accumulator = readRegister(core, size, 0);
  aluOperation(core, ALU_CMP, size, truncate(size, accumulator), truncate(size, destination));
  if (core.zeroFlag()) {
    storeE(core, c, i, loadG(core, c, i));
  } else {
    if (isMemory(c, i)) storeE(core, c, i, destination);
    writeRegister(core, size, 0, destination);
  }
}

function compareExchange8(core: CpuCore, c: InstructionCache, i: number): void {
  const address = effectiveAddress(core, c, i);
  core.checkWritable(address, 8);
  const r = core.r32;
  const low = core.read32(address);
  const high = core.read32(address + 4);
  const equal = low === r[0] && high === r[2];
  if (equal) {
    core.write32(address, r[3]!);
    core.write32(address + 4, r[1]!);
  } else {
    core.write32(address, low);
    core.write32(address + 4, high);
    r[0] = low;
    r[2] = high;
  }
  core.setStatusFlags(FLAG_ZF, equal ? FLAG_ZF : 0);
}

// ---- moves ----

/** Loads the source of movzx/movsx, whose size (`sourceSize`) differs from the destination's. */
function loadSource(core: CpuCore, c: InstructionCache, i: number, sourceSize: number): number {
  if (!isMemory(c, i)) return readRegister(core, sourceSize, c.base[i]!);
  return readMemory(core, sourceSize, effectiveAddress(core, c, i));
}

function conditionalMove(core: CpuCore, c: InstructionCache, i: number): void {
  const value = loadE(core, c, i, false); // the source is read (and may fault) either way
  if (core.condition(c.sub[i]!)) storeG(core, c, i, value);
}

// ---- bits ----

/**
 * bt, bts, btr, btc (`sub` 0..3). With a register bit offset and a memory operand the offset is
 * signed and may address any byte; with an immediate it is taken modulo the operand size.
 */
function bitTest(core: CpuCore, c: InstructionCache, i: number, immediate: boolean): void {
  const size = c.size[i]!;
  const bits = 8 * size;
  const kind = c.sub[i]!;
  let offset = immediate ? c.imm[i]! : readRegister(core, size, c.reg[i]!);
  let value: number;
  let address = 0;
  if (isMemory(c, i)) {
    address = effectiveAddress(core, c, i);
    if (!immediate) {
      const signedOffset = signExtend(size, offset);
      address = (address + (signedOffset >> (size === 4 ? 5 : 4)) * size) | 0;
    }
    value =
      kind === 0 ? readMemory(core, size, address) : readMemoryForWriteSized(core, size, address);
  } else {
    value = readRegister(core, size, c.base[i]!);
  }
  offset &= bits - 1;
  const bit = (value >>> offset) & 1;
  core.setStatusFlags(FLAG_CF, bit);
  if (kind === 0) return;
  const mask = 1 << offset;
  let result = value ^ mask; // btc
  if (kind === 1)
    result = value | mask; // bts
  else if (kind === 2) result = value & ~mask; // btr
  if (isMemory(c, i)) writeMemory(core, size, address, result);
  else writeRegister(core, size, c.base[i]!, result);
}

function readMemoryForWriteSized(core: CpuCore, size: number, address: number): number {
  core.checkWritable(address, size);
  return readMemory(core, size, address);
}

/** bsf/bsr: a zero source sets ZF and leaves the destination as it was. */
function bitScan(core: CpuCore, c: InstructionCache, i: number, reverse: boolean): void {
  const size = c.size[i]!;
  const value = truncate(size, loadE(core, c, i, false));
  if (value === 0) {
    core.setStatusFlags(FLAG_ZF, FLAG_ZF);
    return;
  }
  const index = reverse ? 31 - Math.clz32(value) : 31 - Math.clz32(value & -value);
  storeG(core, c, i, index);
  core.setStatusFlags(FLAG_ZF, 0);
}

/** bswap; with a 16-bit operand (undefined in the manual) the register becomes 0, as on hardware. */
function byteSwap(core: CpuCore, c: InstructionCache, i: number): void {
  const n = c.reg[i]!;
  if (c.size[i] === 2) {
    core.r16[n << 1] = 0;
    return;
  }
  const v = core.r32[n]!;
  core.r32[n] = (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

// ---- stack, flags and the rest ----

function executeStack(core: CpuCore, c: InstructionCache, i: number, next: number): void {
  const size = c.size[i]!;
  switch (c.op[i]) {
    case 120: // PUSH_E
      push(core, size, loadE(core, c, i, false));
      return;
    case 121: // POP_E
      popE(core, c, i);
      return;
    case 122: // PUSH_I
      push(core, size, c.imm[i]!);
      return;
    case 123: // PUSHA
      pushAll(core, size);
      return;
    case 124: // POPA
      popAll(core, size);
      return;
    case 125: // PUSHF
      core.materializeFlags();
      push(core, size, core.flags & 0xfcffff); // VM and RF read as 0 in the pushed image
      return;
    case 126: // POPF
      popFlags(core, size);
      return;
    case 127: // SAHF
      core.setStatusFlags(FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF, core.r8[1]!);
      return;
    case 128: // LAHF
      core.materializeFlags();
      core.r8[1] = core.flags & 0xff;
      return;
    case 129: // CBW
      if (size === 4) core.r32[0] = signExtend(2, core.r16[0]!);
      else core.r16[0] = signExtend(1, core.r8[0]!);
      return;
    case 130: // CWD
      core.r16[4] = core.r16[0]! & 0x8000 ? 0xffff : 0;
      return;
    case 131: // ENTER
      enter(core, size, c.imm[i]!, c.imm2[i]! & 31);
      return;
    case 132: // LEAVE16
      leave16(core);
      return;
    default:
      executeBranch16(core, c, i, next);
  }
}

function push(core: CpuCore, size: number, value: number): void {
  if (size === 4) core.push32(value);
  else core.push16(value);
}

function popE(core: CpuCore, c: InstructionCache, i: number): void {
  const size = c.size[i]!;
  const esp = core.r32[4]!;
  const value = readMemory(core, size, esp);
  if (!isMemory(c, i)) {
    core.r32[4] = (esp + size) | 0;
    writeRegister(core, size, c.base[i]!, value);
    return;
  }
  // the address of `pop [esp+x]` is computed with esp already incremented
  core.r32[4] = (esp + size) | 0;
  let address: number;
  try {
    address = effectiveAddress(core, c, i);
  } finally {
    core.r32[4] = esp;
  }
  writeMemory(core, size, address, value);
  core.r32[4] = (esp + size) | 0;
}

function pushAll(core: CpuCore, size: number): void {
  const r = core.r32;
  const esp = r[4]!;
  for (let n = 0; n < 8; n++) {
    const address = (esp - size * (n + 1)) | 0;
    const value = n === ESP ? esp : readRegister(core, size, n);
    writeMemory(core, size, address, value);
  }
  r[4] = (esp - 8 * size) | 0;
}

function popAll(core: CpuCore, size: number): void {
  const r = core.r32;
  const esp = r[4]!;
  const values = popAllValues;
  for (let n = 0; n < 8; n++) values[7 - n] = readMemory(core, size, (esp + size * n) | 0);
  for (let n = 0; n < 8; n++) {
    if (n !== 4) writeRegister(core, size, n, values[n]!);
  }
  r[4] = (esp + 8 * size) | 0;
}

const popAllValues = new Int32Array(8);

/** popf at CPL 3: IOPL, IF, VM, RF, VIF and VIP keep their values; bit 1 stays set. */
function popFlags(core: CpuCore, size: number): void {
  const value = size === 4 ? core.pop32() : core.pop16();
  const writable = size === 4 ? USER_WRITABLE_FLAGS : USER_WRITABLE_FLAGS & 0xffff;
  core.lazyMask = 0; // every status flag is replaced
  core.flags = (core.flags & ~writable) | (value & writable);
  if ((core.flags & FLAG_TF) !== 0) core.leaveLoop();
}

function enter(core: CpuCore, size: number, frameSize: number, level: number): void {
  const r = core.r32;
  let esp = (r[4]! - size) | 0;
  writeMemory(core, size, esp, readRegister(core, size, 5));
  const frame = esp;
  let ebp = r[5]!;
  for (let n = 1; n < level; n++) {
    ebp = (ebp - size) | 0;
    esp = (esp - size) | 0;
    writeMemory(core, size, esp, readMemory(core, size, ebp));
  }
  if (level > 0) {
    esp = (esp - size) | 0;
    writeMemory(core, size, esp, frame);
  }
  writeRegister(core, size, 5, frame);
  r[4] = (esp - frameSize) | 0;
}

function leave16(core: CpuCore): void {
  const ebp = core.r32[5]!;
  const value = core.read16(ebp);
  core.r32[4] = (ebp + 2) | 0;
  core.r16[10] = value;
}

// ---- 16-bit near branches, loop, flag and BCD instructions ----

function executeBranch16(core: CpuCore, c: InstructionCache, i: number, next: number): void {
  switch (c.op[i]) {
    case 133: // JMP_REL16
      core.eip = (next + c.imm[i]!) & 0xffff;
      return;
    case 134: // JCC_REL16
      if (core.condition(c.sub[i]!)) core.eip = (next + c.imm[i]!) & 0xffff;
      return;
    case 135: // CALL_REL16
      core.push16(next);
      core.eip = (next + c.imm[i]!) & 0xffff;
      return;
    case 136: {
      // RET16
      const target = core.read16(core.r32[4]!);
      core.r32[4] = (core.r32[4]! + 2 + c.imm[i]!) | 0;
      core.eip = target;
      return;
    }
    case 137: // JMP_E16
      core.eip = truncate(2, loadE(core, c, i, false));
      return;
    case 138: {
      // CALL_E16
      const target = truncate(2, loadE(core, c, i, false));
      core.push16(next);
      core.eip = target;
      return;
    }
    case 139: // LOOP
      loop(core, c, i, next);
      return;
    default:
      executeMisc(core, c, i);
  }
}

/** loopne, loope, loop, jecxz (`sub` 0..3); the counter is cx with 16-bit addressing. */
function loop(core: CpuCore, c: InstructionCache, i: number, next: number): void {
  const kind = c.sub[i]!;
  const short = (c.flags[i]! & DECODED_ADDRESS16) !== 0;
  let count = short ? core.r16[2]! : core.r32[1]!;
  let taken: boolean;
  if (kind === 3) {
    taken = count === 0;
  } else {
    count = short ? (count - 1) & 0xffff : (count - 1) | 0;
    if (short) core.r16[2] = count;
    else core.r32[1] = count;
    taken = count !== 0 && (kind === 2 || core.zeroFlag() === (kind === 1));
  }
  if (!taken) return;
  const target = (next + c.imm[i]!) | 0;
  core.eip = c.size[i] === 2 ? target & 0xffff : target >>> 0;
}

function executeMisc(core: CpuCore, c: InstructionCache, i: number): void {
  switch (c.op[i]) {
    case 140: // FLAG_OP
      flagOperation(core, c.sub[i]!);
      return;
    case 141: // SALC
      core.r8[0] = core.carryFlag() !== 0 ? 0xff : 0;
      return;
    case 142: {
      // XLAT
      const offset = (core.r32[3]! + core.r8[0]!) | 0;
      const short = (c.flags[i]! & DECODED_ADDRESS16) !== 0;
      checkSegment(core, c, i);
      core.r8[0] = core.read8(short ? offset & 0xffff : offset);
      return;
    }
    case 143: // DAA
    case 144: // DAS
      decimalAdjust(core, c.op[i] === 144);
      return;
    case 145: // AAA
    case 146: // AAS
      asciiAdjust(core, c.op[i] === 146);
      return;
    case 147: // AAM
      asciiAdjustMultiply(core, c.imm[i]!);
      return;
    case 148: // AAD
      asciiAdjustDivide(core, c.imm[i]!);
      return;
    default:
      executeSystem(core, c, i);
  }
}

function checkSegment(core: CpuCore, c: InstructionCache, i: number): void {
  if (((core.nullSegments >> c.seg[i]!) & 1) !== 0) core.fault(VECTOR_GP, 0);
}

function flagOperation(core: CpuCore, kind: number): void {
  switch (kind) {
    case FLAG_CLC:
      core.setStatusFlags(FLAG_CF, 0);
      return;
    case FLAG_STC:
      core.setStatusFlags(FLAG_CF, FLAG_CF);
      return;
    case FLAG_CMC:
      core.setStatusFlags(FLAG_CF, core.carryFlag() ^ 1);
      return;
    case FLAG_CLD:
      core.flags &= ~FLAG_DF;
      return;
    default:
      core.flags |= FLAG_DF;
      return;
  }
}
