/**
 * Lazy EFLAGS. An arithmetic instruction does not compute its six status flags; it records the
 * operation kind, both operands, the result and the operand size, and each flag is derived from
 * that record only when something reads it (a conditional jump reads one or two, `pushf` all).
 *
 * The record is kept in the fields of `LazyFlags`:
 *
 *   lazyMask   which status bits are to be derived (the others are taken from `flags`)
 *   lazyKind   LAZY_ADD (add, adc, inc), LAZY_SUB (sub, sbb, cmp, dec, neg) or LAZY_LOGIC
 *   lazyA/B    the operands; lazyRes the result, not truncated to the operand size
 *   lazyShift  32 - operand bits: `value << lazyShift` puts the operand's sign bit at bit 31
 *
 * With the sign bit moved to bit 31, one set of formulas serves all sizes:
 *
 *   carry out of an add     (a & b) | ((a | b) & ~r)      at the sign bit
 *   borrow out of a sub     (~a & b) | ((~a | b) & r)     at the sign bit
 *   overflow of an add      (a ^ r) & (b ^ r)             at the sign bit
 *   overflow of a sub       (a ^ b) & (a ^ r)             at the sign bit
 *   auxiliary carry         (a ^ b ^ r) & 0x10            for add and sub alike
 *
 * The formulas hold for adc and sbb too, because the result already includes the carry in.
 */
import { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, STATUS_FLAGS } from "./constants.ts";

export const LAZY_ADD = 0;
export const LAZY_SUB = 1;
export const LAZY_LOGIC = 2;

/** PF for each value of the low result byte: set when the byte has an even number of ones. */
export const PARITY = new Uint8Array(256);
for (let value = 0; value < 256; value++) {
  let ones = 0;
  for (let bit = 0; bit < 8; bit++) ones += (value >> bit) & 1;
  PARITY[value] = ones % 2 === 0 ? FLAG_PF : 0;
}

/** The EFLAGS register with its status flags kept lazily. */
export class LazyFlags {
  /** EFLAGS bits that are not lazy, and the lazy bits' values from before the last record. */
  flags = 0x202;
  lazyMask = 0;
  lazyKind = LAZY_LOGIC;
  lazyA = 0;
  lazyB = 0;
  lazyRes = 0;
  lazyShift = 0;

  /** Records an instruction that sets all six status flags. `shift` is 32 - operand bits. */
  setLazy(kind: number, a: number, b: number, result: number, shift: number): void {
    this.lazyMask = STATUS_FLAGS;
    this.lazyKind = kind;
    this.lazyA = a;
    this.lazyB = b;
    this.lazyRes = result;
    this.lazyShift = shift;
  }

  /** Records an `and`/`or`/`xor`/`test` style result: CF, OF and AF clear, the rest from it. */
  setLogic(result: number, shift: number): void {
    this.lazyMask = STATUS_FLAGS;
    this.lazyKind = LAZY_LOGIC;
    this.lazyRes = result;
    this.lazyShift = shift;
  }

  /** Records an `inc`/`dec`, which leave CF as it was. */
  setLazyKeepCarry(kind: number, a: number, result: number, shift: number): void {
    if ((this.lazyMask & FLAG_CF) !== 0) {
      this.flags = (this.flags & ~FLAG_CF) | this.carryFlag();
    }
    this.lazyMask = STATUS_FLAGS & ~FLAG_CF;
    this.lazyKind = kind;
    this.lazyA = a;
    this.lazyB = 1;
    this.lazyRes = result;
    this.lazyShift = shift;
  }

  /** Sets the status flags in `mask` to the bits of `values`, ending their lazy state. */
  setStatusFlags(mask: number, values: number): void {
    this.materializeFlags();
    this.flags = (this.flags & ~mask) | (values & mask);
  }

  /** Folds the lazy record into `flags`. */
  materializeFlags(): void {
    const mask = this.lazyMask;
    if (mask !== 0) {
      this.flags = (this.flags & ~mask) | (this.computeLazy() & mask);
      this.lazyMask = 0;
    }
  }

  /** Returns CF as 0 or 1. */
  carryFlag(): number {
    if ((this.lazyMask & FLAG_CF) === 0) return this.flags & FLAG_CF;
    const a = this.lazyA;
    const b = this.lazyB;
    const r = this.lazyRes;
    switch (this.lazyKind) {
      case LAZY_ADD:
        return (((a & b) | ((a | b) & ~r)) << this.lazyShift) >>> 31;
      case LAZY_SUB:
        return (((~a & b) | ((~a | b) & r)) << this.lazyShift) >>> 31;
      default:
        return 0;
    }
  }

  zeroFlag(): boolean {
    if ((this.lazyMask & FLAG_ZF) === 0) return (this.flags & FLAG_ZF) !== 0;
    return this.lazyRes << this.lazyShift === 0;
  }

  signFlag(): boolean {
    if ((this.lazyMask & FLAG_SF) === 0) return (this.flags & FLAG_SF) !== 0;
    return this.lazyRes << this.lazyShift < 0;
  }

  overflowFlag(): boolean {
    if ((this.lazyMask & FLAG_OF) === 0) return (this.flags & FLAG_OF) !== 0;
    const a = this.lazyA;
    const b = this.lazyB;
    const r = this.lazyRes;
    switch (this.lazyKind) {
      case LAZY_ADD:
        return ((a ^ r) & (b ^ r)) << this.lazyShift < 0;
      case LAZY_SUB:
        return ((a ^ b) & (a ^ r)) << this.lazyShift < 0;
      default:
        return false;
    }
  }

  parityFlag(): boolean {
    if ((this.lazyMask & FLAG_PF) === 0) return (this.flags & FLAG_PF) !== 0;
    return PARITY[this.lazyRes & 0xff] !== 0;
  }

  /** Evaluates condition code `cc` (0 O, 1 NO, 2 B, 3 AE, 4 E, 5 NE, ... 15 G) of jcc/setcc/cmovcc. */
  condition(cc: number): boolean {
    let value: boolean;
    switch (cc >> 1) {
      case 0:
        value = this.overflowFlag();
        break;
      case 1:
        value = this.carryFlag() !== 0;
        break;
      case 2:
        value = this.zeroFlag();
        break;
      case 3:
        value = this.carryFlag() !== 0 || this.zeroFlag();
        break;
      case 4:
        value = this.signFlag();
        break;
      case 5:
        value = this.parityFlag();
        break;
      case 6:
        value = this.signFlag() !== this.overflowFlag();
        break;
      default:
        value = this.zeroFlag() || this.signFlag() !== this.overflowFlag();
        break;
    }
    return (cc & 1) === 0 ? value : !value;
  }

  /** Computes all six status flags from the lazy record. */
  private computeLazy(): number {
    const r = this.lazyRes;
    const shifted = r << this.lazyShift;
    let result = PARITY[r & 0xff]!;
    if (shifted === 0) result |= FLAG_ZF;
    if (shifted < 0) result |= FLAG_SF;
    if (this.lazyKind !== LAZY_LOGIC) {
      result |= this.carryFlag();
      if (this.overflowFlag()) result |= FLAG_OF;
      result |= (this.lazyA ^ this.lazyB ^ r) & FLAG_AF;
    }
    return result;
  }
}
