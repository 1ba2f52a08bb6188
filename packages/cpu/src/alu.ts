/**
 * Integer arithmetic of every operand size: the eight ALU operations, shifts and rotates, and
 * double shifts. Each takes operands as unsigned values of the operand size (a signed 32-bit
 * integer for size 4), records the flags on the CPU's lazy-flag state and returns the result
 * truncated to the operand size.
 *
 * Flags the Intel manual leaves undefined are given one fixed behaviour here, listed in the
 * README: AF is cleared by logic operations and shifts; OF after a shift or rotate by more than
 * one is computed by the one-bit formula; SF, ZF and PF after a multiply follow the low half of
 * the product.
 */
import { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_SF, FLAG_ZF, STATUS_FLAGS } from "./constants.ts";
import { LAZY_ADD, LAZY_SUB, type LazyFlags, PARITY } from "./flags.ts";
import { truncate } from "./operands.ts";
import {
  ALU_ADC,
  ALU_ADD,
  ALU_AND,
  ALU_CMP,
  ALU_OR,
  ALU_SBB,
  ALU_SUB,
  ALU_XOR,
  SHIFT_RCL,
  SHIFT_RCR,
  SHIFT_ROL,
  SHIFT_ROR,
  SHIFT_SAR,
  SHIFT_SHR,
} from "./ops.ts";

/** Runs ALU operation `kind` (ALU_ADD ... ALU_TEST) and returns the result of the operand size. */
export function aluOperation(
  flags: LazyFlags,
  kind: number,
  size: number,
  a: number,
  b: number,
): number {
  const shift = 32 - 8 * size;
  let result: number;
  switch (kind) {
    case ALU_ADD:
      result = (a + b) | 0;
      flags.setLazy(LAZY_ADD, a, b, result, shift);
      break;
    case ALU_OR:
      result = a | b;
      flags.setLogic(result, shift);
      break;
    case ALU_ADC:
      result = (a + b + flags.carryFlag()) | 0;
      flags.setLazy(LAZY_ADD, a, b, result, shift);
      break;
    case ALU_SBB:
      result = (a - b - flags.carryFlag()) | 0;
      flags.setLazy(LAZY_SUB, a, b, result, shift);
      break;
    case ALU_AND:
      result = a & b;
      flags.setLogic(result, shift);
      break;
    case ALU_SUB:
    case ALU_CMP:
      result = (a - b) | 0;
      flags.setLazy(LAZY_SUB, a, b, result, shift);
      break;
    case ALU_XOR:
      result = a ^ b;
      flags.setLogic(result, shift);
      break;
    default:
      result = a & b;
      flags.setLogic(result, shift);
      break;
  }
  return size === 4 ? result : truncate(size, result);
}

/**
 * Sets all six status flags at once: SF, ZF and PF from `result` (of `size` bytes), and CF, OF
 * and AF from `extra`.
 */
export function setResultFlags(
  flags: LazyFlags,
  size: number,
  result: number,
  extra: number,
): void {
  const shifted = result << (32 - 8 * size);
  let value = PARITY[result & 0xff]! | (extra & (FLAG_CF | FLAG_OF | FLAG_AF));
  if (shifted === 0) value |= FLAG_ZF;
  if (shifted < 0) value |= FLAG_SF;
  flags.lazyMask = 0;
  flags.flags = (flags.flags & ~STATUS_FLAGS) | value;
}

/** Shifts or rotates `value` by `count` (the instruction's count, masked here to 5 bits). */
export function shiftOperation(
  flags: LazyFlags,
  kind: number,
  size: number,
  value: number,
  count: number,
): number {
  count &= 31;
  if (count === 0) return value;
  switch (kind) {
    case SHIFT_ROL:
    case SHIFT_ROR:
      return rotate(flags, kind, size, value, count);
    case SHIFT_RCL:
    case SHIFT_RCR:
      return rotateThroughCarry(flags, kind, size, value, count);
    case SHIFT_SHR:
      return shiftRight(flags, size, value, count, false);
    case SHIFT_SAR:
      return shiftRight(flags, size, value, count, true);
    default:
      return shiftLeft(flags, size, value, count);
  }
}

function shiftLeft(flags: LazyFlags, size: number, value: number, count: number): number {
  const bits = 8 * size;
  const beforeLast = count > bits ? 0 : value << (count - 1);
  const carry = (beforeLast >>> (bits - 1)) & 1;
  const result = truncate(size, beforeLast << 1);
  const overflow = ((result >>> (bits - 1)) & 1) ^ carry;
  setResultFlags(flags, size, result, carry | (overflow !== 0 ? FLAG_OF : 0));
  return result;
}

function shiftRight(
  flags: LazyFlags,
  size: number,
  value: number,
  count: number,
  arithmetic: boolean,
): number {
  const bits = 8 * size;
  const shift = 32 - bits;
  const source = arithmetic ? (value << shift) >> shift : truncate(size, value);
  // the operand shifted by one less than the count: its low bit is the last bit shifted out
  let beforeLast: number;
  if (arithmetic) beforeLast = source >> (count - 1);
  else if (count > bits) beforeLast = 0;
  else beforeLast = source >>> (count - 1);
  const carry = beforeLast & 1;
  const result = truncate(size, arithmetic ? beforeLast >> 1 : beforeLast >>> 1);
  // OF: for a one-bit shr the original sign bit; for sar always 0
  const overflow = arithmetic ? 0 : (truncate(size, value) >>> (bits - 1)) & (count === 1 ? 1 : 0);
  setResultFlags(flags, size, result, carry | (overflow !== 0 ? FLAG_OF : 0));
  return result;
}

/** rol and ror change only CF and OF. */
function rotate(
  flags: LazyFlags,
  kind: number,
  size: number,
  value: number,
  count: number,
): number {
  const bits = 8 * size;
  const amount = count % bits;
  value = truncate(size, value);
  let result = value;
  if (amount !== 0) {
    result =
      kind === SHIFT_ROL
        ? truncate(size, (value << amount) | (value >>> (bits - amount)))
        : truncate(size, (value >>> amount) | (value << (bits - amount)));
  }
  const msb = (result >>> (bits - 1)) & 1;
  let carry: number;
  let overflow: number;
  if (kind === SHIFT_ROL) {
    carry = result & 1;
    overflow = msb ^ carry;
  } else {
    carry = msb;
    overflow = msb ^ ((result >>> (bits - 2)) & 1);
  }
  flags.setStatusFlags(FLAG_CF | FLAG_OF, carry | (overflow !== 0 ? FLAG_OF : 0));
  return result;
}

/** rcl and rcr rotate the operand and CF together, one bit per step. */
function rotateThroughCarry(
  flags: LazyFlags,
  kind: number,
  size: number,
  value: number,
  count: number,
): number {
  const bits = 8 * size;
  const steps = size === 4 ? count : count % (bits + 1);
  let carry = flags.carryFlag();
  let result = truncate(size, value);
  for (let step = 0; step < steps; step++) {
    if (kind === SHIFT_RCL) {
      const out = (result >>> (bits - 1)) & 1;
      result = truncate(size, (result << 1) | carry);
      carry = out;
    } else {
      const out = result & 1;
      result = truncate(size, (result >>> 1) | (carry << (bits - 1)));
      carry = out;
    }
  }
  const msb = (result >>> (bits - 1)) & 1;
  const overflow = kind === SHIFT_RCL ? msb ^ carry : msb ^ ((result >>> (bits - 2)) & 1);
  flags.setStatusFlags(FLAG_CF | FLAG_OF, carry | (overflow !== 0 ? FLAG_OF : 0));
  return result;
}

/**
 * shld (`left`) or shrd: shifts `destination` by `count` (masked to 5 bits), filling from
 * `source`. A 16-bit count above 16 shifts through destination:source:destination, as QEMU and
 * Unicorn do; the Intel manual leaves that result undefined.
 */
export function doubleShift(
  flags: LazyFlags,
  left: boolean,
  size: number,
  destination: number,
  source: number,
  count: number,
): number {
  count &= 31;
  if (count === 0) return truncate(size, destination);
  const bits = 8 * size;
  const d = truncate(size, destination);
  const s = truncate(size, source);
  let result: number;
  let carry: number;
  if (size === 4) {
    result = left ? (d << count) | (s >>> (32 - count)) : (d >>> count) | (s << (32 - count));
    carry = left ? (d >>> (32 - count)) & 1 : (d >>> (count - 1)) & 1;
  } else {
    // the 48-bit value d:s:d, 16 bits each, with d in the top bits
    const wide = d * 2 ** 32 + s * 0x10000 + d;
    if (left) {
      result = Math.floor(wide / 2 ** (32 - count)) & 0xffff;
      carry = Math.floor(wide / 2 ** (48 - count)) & 1;
    } else {
      result = Math.floor(wide / 2 ** count) & 0xffff;
      carry = Math.floor(wide / 2 ** (count - 1)) & 1;
    }
  }
  result = truncate(size, result);
  const overflow = ((result ^ d) >>> (bits - 1)) & 1;
  setResultFlags(flags, size, result, carry | (overflow !== 0 ? FLAG_OF : 0));
  return result;
}
