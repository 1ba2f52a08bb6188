/**
 * Multiplication, division and the BCD adjustments. No BigInt: a 32x32-bit product is formed
 * from 16-bit halves, and a 64/32-bit division runs as two steps of 16-bit long division, so
 * every intermediate value stays an exact double below 2^53.
 */

import { setResultFlags } from "./alu.ts";
import { FLAG_AF, FLAG_CF, FLAG_OF, VECTOR_DE } from "./constants.ts";
import type { CpuCore } from "./core.ts";
import { signExtend, truncate } from "./operands.ts";

/** High 32 bits of the unsigned product of two 32-bit values (the low half is Math.imul). */
export function multiplyHighUnsigned(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const middle = a1 * b0 + ((a0 * b0) >>> 16);
  const middle2 = a0 * b1 + (middle % 0x10000);
  return (a1 * b1 + Math.floor(middle / 0x10000) + Math.floor(middle2 / 0x10000)) | 0;
}

/** High 32 bits of the signed product of two signed 32-bit values. */
export function multiplyHighSigned(a: number, b: number): number {
  let high = multiplyHighUnsigned(a, b);
  if (a < 0) high = (high - b) | 0;
  if (b < 0) high = (high - a) | 0;
  return high;
}

/** One-operand `mul`: edx:eax = eax * src (or dx:ax, ax = al * src). CF = OF = high half non-zero. */
export function multiplyUnsigned(core: CpuCore, size: number, source: number): void {
  const r = core.r32;
  let high: number;
  let low: number;
  if (size === 4) {
    low = Math.imul(r[0]!, source);
    high = multiplyHighUnsigned(r[0]!, source);
    r[0] = low;
    r[2] = high;
  } else if (size === 2) {
    const product = core.r16[0]! * truncate(2, source);
    low = product & 0xffff;
    high = product >>> 16;
    core.r16[0] = low;
    core.r16[4] = high;
  } else {
    const product = core.r8[0]! * truncate(1, source);
    low = product & 0xff;
    high = product >>> 8;
    core.r16[0] = product;
  }
  setResultFlags(core, size, low, high !== 0 ? FLAG_CF | FLAG_OF : 0);
}

/** One-operand `imul`: CF = OF = the high half is not the sign extension of the low half. */
export function multiplySigned(core: CpuCore, size: number, source: number): void {
  const r = core.r32;
  let low: number;
  let overflow: boolean;
  if (size === 4) {
    low = Math.imul(r[0]!, source);
    const high = multiplyHighSigned(r[0]!, source);
    r[0] = low;
    r[2] = high;
    overflow = high !== low >> 31;
  } else if (size === 2) {
    const product = signExtend(2, core.r16[0]!) * signExtend(2, source);
    low = product & 0xffff;
    core.r16[0] = low;
    core.r16[4] = product >>> 16;
    overflow = product !== signExtend(2, product);
  } else {
    const product = signExtend(1, core.r8[0]!) * signExtend(1, source);
    low = product & 0xff;
    core.r16[0] = product & 0xffff;
    overflow = product !== signExtend(1, product);
  }
  setResultFlags(core, size, low, overflow ? FLAG_CF | FLAG_OF : 0);
}

/** Two- and three-operand `imul`: returns the truncated product of two values of `size`. */
export function multiplyTruncated(core: CpuCore, size: number, a: number, b: number): number {
  let result: number;
  let overflow: boolean;
  if (size === 4) {
    result = Math.imul(a, b);
    overflow = multiplyHighSigned(a, b) !== result >> 31;
  } else {
    const product = signExtend(2, a) * signExtend(2, b);
    result = product & 0xffff;
    overflow = product !== signExtend(2, product);
  }
  setResultFlags(core, size, result, overflow ? FLAG_CF | FLAG_OF : 0);
  return result;
}

/**
 * Divides the 64-bit unsigned value high:low by `divisor` (all as unsigned 32-bit values).
 * Returns false, leaving `quotient` untouched, when the quotient does not fit 32 bits.
 */
function divide64(high: number, low: number, divisor: number, out: Float64Array): boolean {
  if (high >= divisor) return false;
  let remainder = high * 0x10000 + (low >>> 16);
  const quotientHigh = Math.floor(remainder / divisor);
  remainder = (remainder % divisor) * 0x10000 + (low & 0xffff);
  const quotientLow = Math.floor(remainder / divisor);
  out[0] = quotientHigh * 0x10000 + quotientLow;
  out[1] = remainder % divisor;
  return true;
}

const divisionResult = new Float64Array(2);

/** `div`: raises #DE on a zero divisor or a quotient that does not fit; flags are left as they were. */
export function divideUnsigned(core: CpuCore, size: number, source: number): void {
  const divisor = truncate(size, source);
  if (divisor === 0) core.fault(VECTOR_DE, 0);
  if (size === 4) {
    const out = divisionResult;
    if (!divide64(core.r32[2]! >>> 0, core.r32[0]! >>> 0, divisor, out)) core.fault(VECTOR_DE, 0);
    core.r32[0] = out[0]!;
    core.r32[2] = out[1]!;
    return;
  }
  const bits = 8 * size;
  const dividend = size === 2 ? core.r16[4]! * 0x10000 + core.r16[0]! : core.r16[0]!;
  const quotient = Math.floor(dividend / divisor);
  if (quotient >= 2 ** bits) core.fault(VECTOR_DE, 0);
  const remainder = dividend % divisor;
  if (size === 2) {
    core.r16[0] = quotient;
    core.r16[4] = remainder;
  } else {
    core.r8[0] = quotient;
    core.r8[1] = remainder;
  }
}

/** `idiv`: the quotient rounds toward zero and the remainder takes the dividend's sign. */
export function divideSigned(core: CpuCore, size: number, source: number): void {
  const divisor = signExtend(size, source);
  if (divisor === 0) core.fault(VECTOR_DE, 0);
  if (size === 4) {
    divideSigned64(core, divisor);
    return;
  }
  const bits = 8 * size;
  const dividend = size === 2 ? (core.r16[4]! << 16) | core.r16[0]! : signExtend(2, core.r16[0]!);
  const quotient = Math.trunc(dividend / divisor);
  if (quotient >= 2 ** (bits - 1) || quotient < -(2 ** (bits - 1))) core.fault(VECTOR_DE, 0);
  const remainder = dividend - quotient * divisor;
  if (size === 2) {
    core.r16[0] = quotient;
    core.r16[4] = remainder;
  } else {
    core.r8[0] = quotient;
    core.r8[1] = remainder;
  }
}

function divideSigned64(core: CpuCore, divisor: number): void {
  let high = core.r32[2]!;
  let low = core.r32[0]!;
  const negativeDividend = high < 0;
  if (negativeDividend) {
    low = -low | 0;
    high = (~high + (low === 0 ? 1 : 0)) | 0;
  }
  const magnitude = Math.abs(divisor);
  const out = divisionResult;
  if (!divide64(high >>> 0, low >>> 0, magnitude, out)) core.fault(VECTOR_DE, 0);
  const negativeQuotient = negativeDividend !== divisor < 0;
  const quotient = negativeQuotient ? -out[0]! : out[0]!;
  if (quotient > 0x7fffffff || quotient < -0x80000000) core.fault(VECTOR_DE, 0);
  core.r32[0] = quotient;
  core.r32[2] = negativeDividend ? -out[1]! : out[1]!;
}

// ---- BCD adjustments (al and ah) ----

/** daa (`subtract` false) and das, as the Intel manual's pseudocode defines them. */
export function decimalAdjust(core: CpuCore, subtract: boolean): void {
  const oldAl = core.r8[0]!;
  const oldCarry = core.carryFlag();
  core.materializeFlags();
  let al = oldAl;
  let carry = 0;
  let auxiliary = 0;
  if ((al & 0x0f) > 9 || (core.flags & FLAG_AF) !== 0) {
    const adjusted = subtract ? al - 6 : al + 6;
    carry = oldCarry | (adjusted < 0 || adjusted > 0xff ? 1 : 0);
    al = adjusted & 0xff;
    auxiliary = FLAG_AF;
  }
  if (oldAl > 0x99 || oldCarry !== 0) {
    al = (subtract ? al - 0x60 : al + 0x60) & 0xff;
    carry = 1;
  }
  core.r8[0] = al;
  // OF is undefined; it is cleared
  setResultFlags(core, 1, al, carry | auxiliary);
}

/** aaa (`subtract` false) and aas. */
export function asciiAdjust(core: CpuCore, subtract: boolean): void {
  core.materializeFlags();
  let ax = core.r16[0]!;
  let adjust = 0;
  if ((ax & 0x0f) > 9 || (core.flags & FLAG_AF) !== 0) {
    ax = subtract ? (ax - 0x106) & 0xffff : (ax + 0x106) & 0xffff;
    adjust = FLAG_AF | FLAG_CF;
  }
  core.r16[0] = ax & 0xff0f;
  // SF, ZF, PF and OF are undefined; they follow the new al
  setResultFlags(core, 1, core.r8[0]!, adjust);
}

/** aam: ah = al / base, al = al % base; #DE when base is 0. */
export function asciiAdjustMultiply(core: CpuCore, base: number): void {
  if (base === 0) core.fault(VECTOR_DE, 0);
  const al = core.r8[0]!;
  core.r8[1] = Math.floor(al / base);
  core.r8[0] = al % base;
  setResultFlags(core, 1, core.r8[0]!, 0);
}

/** aad: al = al + ah * base, ah = 0. */
export function asciiAdjustDivide(core: CpuCore, base: number): void {
  const al = (core.r8[0]! + core.r8[1]! * base) & 0xff;
  core.r16[0] = al;
  setResultFlags(core, 1, al, 0);
}
