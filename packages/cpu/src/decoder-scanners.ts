/**
 * The operand scanners of the decoder: prefixes, ModRM and SIB with their displacement,
 * immediates, and the helpers that store an instruction's operands in its cache slot and pick
 * the handler of a register or memory form. `Decoder` (decoder.ts) adds the opcode tables.
 *
 * ModRM and SIB (32-bit addressing):
 *
 *   ModRM  7-6 mod | 5-3 reg | 2-0 rm      mod 3: rm is a register; rm 4: a SIB byte follows;
 *                                          mod 0 with rm 5: disp32 and no base
 *   SIB    7-6 scale | 5-3 index | 2-0 base  index 4: none; base 5 with mod 0: disp32, no base
 *
 * With the 0x67 prefix the 16-bit forms apply: rm 0..7 = bx+si, bx+di, bp+si, bp+di, si, di,
 * bp (disp16 alone when mod is 0), bx.
 */
import { CS, DS, ES, FS, GS, SS, VECTOR_GP } from "./constants.ts";
import type { CpuCore } from "./core.ts";
import {
  DECODED_ADDRESS16,
  DECODED_MEMORY,
  DECODED_REP,
  DECODED_REPNE,
  DECODED_SEGMENT_OVERRIDE,
  type InstructionCache,
} from "./instruction-cache.ts";
import { ALU_ADC, ALU_CMP, ALU_SBB, ALU_TEST, Op } from "./ops.ts";

export const NO_REGISTER = 8;
const MAX_LENGTH = 15;
/** Base and index registers of the eight 16-bit r/m encodings (bx+si ... bx). */
const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3];
const INDEX16 = [6, 7, 6, 7, NO_REGISTER, NO_REGISTER, NO_REGISTER, NO_REGISTER];

/** First handler of the five 32-bit forms (RR, RM, MR, RI, MI) of each ALU kind, or -1. */
const ALU32_FIRST_OP = [
  Op.ADD32_RR,
  Op.OR32_RR,
  -1,
  -1,
  Op.AND32_RR,
  Op.SUB32_RR,
  Op.XOR32_RR,
  Op.CMP32_RR,
];
const FORM_RR = 0;
const FORM_RM = 1;
const FORM_MR = 2;
const FORM_RI = 3;
const FORM_MI = 4;

/** Reads one instruction's prefixes and operands into a slot of the instruction cache. */
export class InstructionScanner {
  protected slot = 0;
  protected start = 0;
  protected position = 0;
  protected operandSize = 4;
  protected address16 = false;
  protected segmentOverride = -1;
  protected lockPrefix = false;
  protected lockable = false;
  protected modReg = 0;
  protected modRm = 0;
  protected memoryOperand = false;

  constructor(
    protected readonly core: CpuCore,
    protected readonly cache: InstructionCache,
  ) {}

  protected begin(slot: number, eip: number): void {
    const c = this.cache;
    this.slot = slot;
    this.start = eip;
    this.position = eip;
    this.operandSize = 4;
    this.address16 = false;
    this.segmentOverride = -1;
    this.lockPrefix = false;
    this.lockable = false;
    this.memoryOperand = false;
    c.sub[slot] = 0;
    c.size[slot] = 4;
    c.flags[slot] = 0;
    c.reg[slot] = 0;
    c.base[slot] = NO_REGISTER;
    c.index[slot] = NO_REGISTER;
    c.scale[slot] = 0;
    c.segBit[slot] = 1 << DS;
    c.seg[slot] = DS;
    c.disp[slot] = 0;
    c.imm[slot] = 0;
    c.imm2[slot] = 0;
  }

  // ---- scanners ----

  protected byte(): number {
    if (this.position - this.start >= MAX_LENGTH) this.core.fault(VECTOR_GP, 0);
    const value = this.core.read8(this.position);
    this.position = (this.position + 1) | 0;
    return value;
  }

  protected imm8(): number {
    return (this.byte() << 24) >> 24;
  }

  protected imm16(): number {
    return this.byte() | (this.byte() << 8);
  }

  protected imm32(): number {
    return this.imm16() | (this.imm16() << 16);
  }

  /** Reads an immediate of the operand size (16 or 32 bits), sign-extended to 32 bits if 16. */
  protected immOperand(): number {
    return this.operandSize === 2 ? (this.imm16() << 16) >> 16 : this.imm32();
  }

  /** Scans prefixes and returns the first opcode byte. */
  protected scanPrefixes(): number {
    const c = this.cache;
    for (;;) {
      const value = this.byte();
      switch (value) {
        case 0x66:
          this.operandSize = 2;
          c.size[this.slot] = 2;
          break;
        case 0x67:
          this.address16 = true;
          c.flags[this.slot] |= DECODED_ADDRESS16;
          break;
        case 0xf0:
          this.lockPrefix = true;
          break;
        case 0xf2:
          c.flags[this.slot] = (c.flags[this.slot]! & ~DECODED_REP) | DECODED_REPNE;
          break;
        case 0xf3:
          c.flags[this.slot] = (c.flags[this.slot]! & ~DECODED_REPNE) | DECODED_REP;
          break;
        case 0x26:
          this.segmentOverride = ES;
          break;
        case 0x2e:
          this.segmentOverride = CS;
          break;
        case 0x36:
          this.segmentOverride = SS;
          break;
        case 0x3e:
          this.segmentOverride = DS;
          break;
        case 0x64:
          this.segmentOverride = FS;
          break;
        case 0x65:
          this.segmentOverride = GS;
          break;
        default:
          if (this.segmentOverride >= 0) {
            c.flags[this.slot] |= DECODED_SEGMENT_OVERRIDE;
            this.setSegment(this.segmentOverride);
          }
          return value;
      }
    }
  }

  protected setSegment(segment: number): void {
    this.cache.seg[this.slot] = segment;
    this.cache.segBit[this.slot] = (1 << segment) | (this.address16 ? 0x80 : 0);
  }

  /** Reads a ModRM byte and its SIB and displacement; stores the memory operand or the r/m register. */
  protected modrm(): void {
    const value = this.byte();
    const mod = value >> 6;
    this.modReg = (value >> 3) & 7;
    this.modRm = value & 7;
    this.memoryOperand = mod !== 3;
    const c = this.cache;
    const slot = this.slot;
    c.reg[slot] = this.modReg;
    if (mod === 3) {
      c.base[slot] = this.modRm;
      return;
    }
    c.flags[slot] |= DECODED_MEMORY;
    let defaultSegment: number;
    if (this.address16) defaultSegment = this.modrm16(mod);
    else defaultSegment = this.modrm32(mod);
    this.setSegment(this.segmentOverride >= 0 ? this.segmentOverride : defaultSegment);
  }

  /** 32-bit addressing; returns the default segment (SS when the base is esp or ebp). */
  protected modrm32(mod: number): number {
    const c = this.cache;
    const slot = this.slot;
    let base = this.modRm;
    if (base === 4) {
      const sib = this.byte();
      const index = (sib >> 3) & 7;
      c.scale[slot] = sib >> 6;
      c.index[slot] = index === 4 ? NO_REGISTER : index;
      base = sib & 7;
    }
    if (mod === 0 && base === 5) {
      c.disp[slot] = this.imm32();
      return DS;
    }
    c.base[slot] = base;
    if (mod === 1) c.disp[slot] = this.imm8();
    else if (mod === 2) c.disp[slot] = this.imm32();
    return base === 4 || base === 5 ? SS : DS;
  }

  /** 16-bit addressing; returns the default segment (SS when bp is used). */
  protected modrm16(mod: number): number {
    const c = this.cache;
    const slot = this.slot;
    const rm = this.modRm;
    if (mod === 0 && rm === 6) {
      c.disp[slot] = this.imm16();
      return DS;
    }
    c.base[slot] = BASE16[rm]!;
    c.index[slot] = INDEX16[rm]!;
    if (mod === 1) c.disp[slot] = this.imm8();
    else if (mod === 2) c.disp[slot] = (this.imm16() << 16) >> 16;
    return rm === 2 || rm === 3 || rm === 6 ? SS : DS;
  }

  /** Reads the `moffs` operand of `mov al/eax, [moffs]`: an address of the address size, no ModRM. */
  protected memoryOffset(): void {
    const c = this.cache;
    c.flags[this.slot] |= DECODED_MEMORY;
    this.memoryOperand = true;
    c.disp[this.slot] = this.address16 ? this.imm16() : this.imm32();
    this.setSegment(this.segmentOverride >= 0 ? this.segmentOverride : DS);
  }

  // ---- helpers that store operands ----

  protected set(field: "sub" | "reg" | "base" | "size", value: number): void {
    this.cache[field][this.slot] = value;
  }

  protected setImm(value: number): void {
    this.cache.imm[this.slot] = value;
  }

  /**
   * Picks the handler of an "E, G" or "G, E" instruction. `toRegister` is true for "G, E" (the
   * ModRM reg field is the destination). Register forms get reg = destination, base = source.
   */
  protected aluForm(kind: number, size: number, toRegister: boolean): number {
    this.modrm();
    this.set("size", size);
    this.set("sub", kind);
    const first = size === 4 && kind < ALU_TEST ? ALU32_FIRST_OP[kind]! : -1;
    if (!toRegister) this.lockable = kind !== ALU_CMP && kind !== ALU_TEST;
    if (first < 0) {
      if (size === 4 && !this.memoryOperand && (kind === ALU_ADC || kind === ALU_SBB)) {
        return this.registerPair(kind === ALU_ADC ? Op.ADC32_RR : Op.SBB32_RR, toRegister);
      }
      if (kind === ALU_TEST && size === 1 && !this.memoryOperand)
        return this.registerPair(Op.TEST8_RR, false);
      if (kind === ALU_TEST && size === 4) return this.test32Form();
      return toRegister ? Op.ALU_GE : Op.ALU_EG;
    }
    if (this.memoryOperand) return first + (toRegister ? FORM_RM : FORM_MR);
    return this.registerPair(first + FORM_RR, toRegister);
  }

  protected test32Form(): number {
    if (this.memoryOperand) return Op.TEST32_MR;
    return this.registerPair(Op.TEST32_RR, false);
  }

  /** Stores a register-register form as reg = destination, base = source. */
  protected registerPair(op: number, toRegister: boolean): number {
    if (!toRegister) {
      this.set("reg", this.modRm);
      this.set("base", this.modReg);
    }
    return op;
  }

  /** Picks the handler of an "E, immediate" ALU form, reading the immediate with `readImmediate`. */
  protected aluImmediate(kind: number, size: number, readImmediate: () => number): number {
    this.set("size", size);
    this.set("sub", kind);
    this.lockable = kind !== ALU_CMP && kind !== ALU_TEST;
    this.setImm(readImmediate());
    if (size === 4) {
      if (kind === ALU_TEST)
        return this.memoryOperand ? Op.TEST32_MI : this.registerForm(Op.TEST32_RI);
      const first = ALU32_FIRST_OP[kind]!;
      if (first < 0 && !this.memoryOperand) {
        return this.registerForm(kind === ALU_ADC ? Op.ADC32_RI : Op.SBB32_RI);
      }
      if (first >= 0)
        return this.memoryOperand ? first + FORM_MI : this.registerForm(first + FORM_RI);
    }
    if (size === 1 && kind === ALU_CMP)
      return this.memoryOperand ? Op.CMP8_MI : this.registerForm(Op.CMP8_RI);
    if (size === 1 && kind === ALU_TEST && !this.memoryOperand)
      return this.registerForm(Op.TEST8_RI);
    return Op.ALU_EI;
  }

  /** For a register form with one operand: the r/m register becomes `reg`. */
  protected registerForm(op: number): number {
    this.set("reg", this.modRm);
    return op;
  }

  /** Picks the handler of an accumulator form (`add eax, imm`), whose operand is register 0. */
  protected accumulatorImmediate(kind: number, size: number): number {
    this.modReg = 0;
    this.modRm = 0;
    this.memoryOperand = false;
    this.set("base", 0);
    const read = size === 1 ? () => this.byte() : () => this.immOperand();
    return this.aluImmediate(kind, size, read);
  }

  protected operandSizeOrByte(opcode: number): number {
    return (opcode & 1) === 0 ? 1 : this.operandSize;
  }

  protected registerInOpcode(opcode: number, op32: number, opGeneral: number): number {
    this.set("reg", opcode & 7);
    this.set("base", opcode & 7);
    return this.operandSize === 4 ? op32 : opGeneral;
  }

  protected relative(size: number, op32: number, op16: number): number {
    this.setImm(size === 1 ? this.imm8() : this.operandSize === 2 ? this.imm16() : this.imm32());
    return this.operandSize === 4 ? op32 : op16;
  }

  protected stringOp(kind: number, opcode: number): number {
    this.set("sub", kind);
    this.set("size", this.operandSizeOrByte(opcode));
    return Op.STRING;
  }
}
