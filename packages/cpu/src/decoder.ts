/**
 * The instruction decoder: a chain of small scanners (prefixes, opcode, ModRM and SIB,
 * displacement, immediate) that fills one slot of the instruction cache. Each opcode picks a
 * handler number; the hot 32-bit forms get a handler of their own (register and memory forms
 * apart), everything else a general handler that reads the operand size and form from the slot.
 *
 * Bytes are fetched through the CPU's read path, so fetching from a page that is not mapped
 * raises #PF with the address of the missing byte. An instruction longer than 15 bytes raises
 * #GP(0). An opcode this CPU does not implement decodes to the UD handler, which raises #UD when
 * executed; decoding never throws anything else.
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
import { ALU_ADC, ALU_CMP, ALU_SBB, ALU_TEST, COUNT_FROM_CL, Op } from "./ops.ts";

const NO_REGISTER = 8;
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

/** String instruction kinds, stored in `sub`. */
export const STRING_MOVS = 0;
export const STRING_CMPS = 1;
export const STRING_STOS = 2;
export const STRING_LODS = 3;
export const STRING_SCAS = 4;

/** Flag instructions, stored in `sub` of FLAG_OP. */
export const FLAG_CLC = 0;
export const FLAG_STC = 1;
export const FLAG_CMC = 2;
export const FLAG_CLD = 3;
export const FLAG_STD = 4;

/** Decodes instructions into an instruction cache. */
export class Decoder {
  private slot = 0;
  private start = 0;
  private position = 0;
  private operandSize = 4;
  private address16 = false;
  private segmentOverride = -1;
  private lockPrefix = false;
  private lockable = false;
  private modReg = 0;
  private modRm = 0;
  private memoryOperand = false;

  constructor(
    private readonly core: CpuCore,
    private readonly cache: InstructionCache,
  ) {}

  /** Decodes the instruction at linear address `eip` into `slot`. May raise #PF or #GP. */
  decode(slot: number, eip: number): void {
    this.begin(slot, eip);
    let opcode = this.scanPrefixes();
    if (opcode === 0x0f) opcode = 0x100 | this.byte();
    const op = opcode < 0x100 ? this.decodeOneByte(opcode) : this.decodeTwoByte(opcode & 0xff);
    const c = this.cache;
    c.op[slot] = this.lockPrefix && !(this.lockable && this.memoryOperand) ? Op.UD : op;
    c.len[slot] = this.position - this.start;
  }

  private begin(slot: number, eip: number): void {
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

  private byte(): number {
    if (this.position - this.start >= MAX_LENGTH) this.core.fault(VECTOR_GP, 0);
    const value = this.core.read8(this.position);
    this.position = (this.position + 1) | 0;
    return value;
  }

  private imm8(): number {
    return (this.byte() << 24) >> 24;
  }

  private imm16(): number {
    return this.byte() | (this.byte() << 8);
  }

  private imm32(): number {
    return this.imm16() | (this.imm16() << 16);
  }

  /** An immediate of the operand size (16 or 32 bits), sign-extended to 32 bits if 16. */
  private immOperand(): number {
    return this.operandSize === 2 ? (this.imm16() << 16) >> 16 : this.imm32();
  }

  /** Scans prefixes and returns the first opcode byte. */
  private scanPrefixes(): number {
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

  private setSegment(segment: number): void {
    this.cache.seg[this.slot] = segment;
    this.cache.segBit[this.slot] = (1 << segment) | (this.address16 ? 0x80 : 0);
  }

  /** Reads a ModRM byte and its SIB and displacement; stores the memory operand or the r/m register. */
  private modrm(): void {
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
  private modrm32(mod: number): number {
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
  private modrm16(mod: number): number {
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

  /** A `moffs` operand of `mov al/eax, [moffs]`: an address of the address size, no ModRM. */
  private memoryOffset(): void {
    const c = this.cache;
    c.flags[this.slot] |= DECODED_MEMORY;
    this.memoryOperand = true;
    c.disp[this.slot] = this.address16 ? this.imm16() : this.imm32();
    this.setSegment(this.segmentOverride >= 0 ? this.segmentOverride : DS);
  }

  // ---- helpers that store operands ----

  private set(field: "sub" | "reg" | "base" | "size", value: number): void {
    this.cache[field][this.slot] = value;
  }

  private setImm(value: number): void {
    this.cache.imm[this.slot] = value;
  }

  /**
   * Picks the handler of an "E, G" or "G, E" instruction. `toRegister` is true for "G, E" (the
   * ModRM reg field is the destination). Register forms get reg = destination, base = source.
   */
  private aluForm(kind: number, size: number, toRegister: boolean): number {
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

  private test32Form(): number {
    if (this.memoryOperand) return Op.TEST32_MR;
    return this.registerPair(Op.TEST32_RR, false);
  }

  /** Stores a register-register form as reg = destination, base = source. */
  private registerPair(op: number, toRegister: boolean): number {
    if (!toRegister) {
      this.set("reg", this.modRm);
      this.set("base", this.modReg);
    }
    return op;
  }

  /** An "E, immediate" ALU form; the immediate is read by the caller's `readImmediate`. */
  private aluImmediate(kind: number, size: number, readImmediate: () => number): number {
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
  private registerForm(op: number): number {
    this.set("reg", this.modRm);
    return op;
  }

  /** An accumulator form (`add eax, imm`): the operand is register 0. */
  private accumulatorImmediate(kind: number, size: number): number {
    this.modReg = 0;
    this.modRm = 0;
    this.memoryOperand = false;
    this.set("base", 0);
    const read = size === 1 ? () => this.byte() : () => this.immOperand();
    return this.aluImmediate(kind, size, read);
  }

  private operandSizeOrByte(opcode: number): number {
    return (opcode & 1) === 0 ? 1 : this.operandSize;
  }

  private registerInOpcode(opcode: number, op32: number, opGeneral: number): number {
    this.set("reg", opcode & 7);
    this.set("base", opcode & 7);
    return this.operandSize === 4 ? op32 : opGeneral;
  }

  private relative(size: number, op32: number, op16: number): number {
    this.setImm(size === 1 ? this.imm8() : this.operandSize === 2 ? this.imm16() : this.imm32());
    return this.operandSize === 4 ? op32 : op16;
  }

  private stringOp(kind: number, opcode: number): number {
    this.set("sub", kind);
    this.set("size", this.operandSizeOrByte(opcode));
    return Op.STRING;
  }

  // ---- one-byte opcodes ----

  private decodeOneByte(opcode: number): number {
    if (opcode < 0x40 && (opcode & 7) < 6) return this.decodeAluRow(opcode);
    if (opcode >= 0x40 && opcode < 0x60) return this.decodeRegisterRow(opcode);
    if (opcode >= 0x70 && opcode < 0x80) {
      this.set("sub", opcode & 15);
      return this.relative(1, Op.JCC_REL, Op.JCC_REL16);
    }
    if (opcode >= 0xb0 && opcode < 0xc0) return this.decodeMovImmediate(opcode);
    if (opcode >= 0xd8 && opcode <= 0xdf) return Op.UD; // NOTE: no x87 yet
    switch (opcode) {
      case 0x06:
      case 0x0e:
      case 0x16:
      case 0x1e:
        this.set("sub", opcode >> 3);
        return Op.PUSH_SREG;
      case 0x07:
      case 0x17:
      case 0x1f:
        this.set("sub", opcode >> 3);
        return Op.POP_SREG;
      case 0x27:
        return Op.DAA;
      case 0x2f:
        return Op.DAS;
      case 0x37:
        return Op.AAA;
      case 0x3f:
        return Op.AAS;
      default:
        return this.decodeOneByteRest(opcode);
    }
  }

  private decodeAluRow(opcode: number): number {
    const kind = opcode >> 3;
    switch (opcode & 7) {
      case 0:
        return this.aluForm(kind, 1, false);
      case 1:
        return this.aluForm(kind, this.operandSize, false);
      case 2:
        return this.aluForm(kind, 1, true);
      case 3:
        return this.aluForm(kind, this.operandSize, true);
      case 4:
        return this.accumulatorImmediate(kind, 1);
      default:
        return this.accumulatorImmediate(kind, this.operandSize);
    }
  }

  private decodeRegisterRow(opcode: number): number {
    switch (opcode >> 3) {
      case 8:
        this.set("size", this.operandSize);
        return this.registerInOpcode(opcode, Op.INC32_R, Op.INC_E);
      case 9:
        this.set("size", this.operandSize);
        return this.registerInOpcode(opcode, Op.DEC32_R, Op.DEC_E);
      case 10:
        return this.registerInOpcode(opcode, Op.PUSH32_R, Op.PUSH_E);
      default:
        return this.registerInOpcode(opcode, Op.POP32_R, Op.POP_E);
    }
  }

  private decodeMovImmediate(opcode: number): number {
    this.set("reg", opcode & 7);
    this.set("base", opcode & 7);
    if (opcode < 0xb8) {
      this.set("size", 1);
      this.setImm(this.byte());
      return Op.MOV8_RI;
    }
    this.setImm(this.immOperand());
    return this.operandSize === 4 ? Op.MOV32_RI : Op.MOV_EI;
  }

  private decodeOneByteRest(opcode: number): number {
    if (opcode < 0x90) return this.decode60To8F(opcode);
    if (opcode < 0xc0) return this.decode90ToAF(opcode);
    if (opcode < 0xe0) return this.decodeC0ToDF(opcode);
    return this.decodeE0ToFF(opcode);
  }

  private decode60To8F(opcode: number): number {
    const size = this.operandSize;
    switch (opcode) {
      case 0x60:
        return Op.PUSHA;
      case 0x61:
        return Op.POPA;
      case 0x62:
        this.modrm();
        return this.memoryOperand ? Op.BOUND : Op.UD;
      case 0x63:
        this.modrm();
        this.set("size", 2);
        this.lockable = false;
        return Op.ARPL;
      case 0x68:
        this.setImm(this.immOperand());
        return size === 4 ? Op.PUSH32_I : Op.PUSH_I;
      case 0x6a:
        this.setImm(this.imm8());
        return size === 4 ? Op.PUSH32_I : Op.PUSH_I;
      case 0x69:
      case 0x6b:
        this.modrm();
        this.setImm(opcode === 0x69 ? this.immOperand() : this.imm8());
        return size === 4 && !this.memoryOperand ? Op.IMUL32_RRI : Op.IMUL_GEI;
      case 0x6c:
      case 0x6d:
      case 0x6e:
      case 0x6f:
        return Op.GP0;
      case 0x80:
      case 0x82:
        this.modrm();
        return this.aluImmediate(this.modReg, 1, () => this.byte());
      case 0x81:
        this.modrm();
        return this.aluImmediate(this.modReg, size, () => this.immOperand());
      case 0x83:
        this.modrm();
        return this.aluImmediate(this.modReg, size, () => this.imm8());
      case 0x84:
      case 0x85:
        return this.aluForm(ALU_TEST, this.operandSizeOrByte(opcode), false);
      case 0x86:
      case 0x87:
        return this.decodeXchg(opcode);
      default:
        return this.decodeMovFamily(opcode);
    }
  }

  private decodeXchg(opcode: number): number {
    this.modrm();
    const size = this.operandSizeOrByte(opcode);
    this.set("size", size);
    this.lockable = true;
    if (size === 4 && !this.memoryOperand) return Op.XCHG32_RR;
    return Op.XCHG_EG;
  }

  private decodeMovFamily(opcode: number): number {
    switch (opcode) {
      case 0x88:
      case 0x8a:
        this.modrm();
        this.set("size", 1);
        if (this.memoryOperand) return opcode === 0x88 ? Op.MOV8_MR : Op.MOV8_RM;
        return this.registerPair(Op.MOV8_RR, opcode === 0x8a);
      case 0x89:
      case 0x8b: {
        this.modrm();
        const toRegister = opcode === 0x8b;
        if (this.operandSize === 2) {
          this.set("size", 2);
          return toRegister ? Op.MOV_GE : Op.MOV_EG;
        }
        if (this.memoryOperand) return toRegister ? Op.MOV32_RM : Op.MOV32_MR;
        return this.registerPair(Op.MOV32_RR, toRegister);
      }
      case 0x8c:
        this.modrm();
        this.set("sub", this.modReg);
        return this.modReg > 5 ? Op.UD : Op.MOV_E_SREG;
      case 0x8d:
        this.modrm();
        // lea only computes the offset: no segment check, so only the 16-bit flag stays
        this.cache.segBit[this.slot] = this.address16 ? 0x80 : 0;
        return this.memoryOperand ? Op.LEA32 : Op.UD;
      case 0x8e:
        this.modrm();
        this.set("sub", this.modReg);
        return this.modReg > 5 || this.modReg === CS ? Op.UD : Op.MOV_SREG_E;
      default:
        this.modrm();
        if (this.modReg !== 0) return Op.UD;
        return this.operandSize === 4 && !this.memoryOperand
          ? this.registerForm(Op.POP32_R)
          : Op.POP_E;
    }
  }

  private decode90ToAF(opcode: number): number {
    if (opcode > 0x90 && opcode < 0x98) {
      this.set("reg", 0);
      this.set("base", opcode & 7);
      this.set("size", this.operandSize);
      return this.operandSize === 4 ? Op.XCHG32_RR : Op.XCHG_EG;
    }
    switch (opcode) {
      case 0x90:
      case 0x9b: // NOTE: fwait: a no-op, since there is no x87 state to wait for
        return Op.NOP;
      case 0x98:
        return Op.CBW;
      case 0x99:
        return this.operandSize === 4 ? Op.CDQ : Op.CWD;
      case 0x9a:
        this.setImm(this.operandSize === 2 ? this.imm16() : this.imm32());
        this.cache.imm2[this.slot] = this.imm16();
        return Op.CALL_FAR;
      case 0x9c:
        return Op.PUSHF;
      case 0x9d:
        return Op.POPF;
      case 0x9e:
        return Op.SAHF;
      case 0x9f:
        return Op.LAHF;
      case 0xa0:
      case 0xa1:
      case 0xa2:
      case 0xa3:
        return this.decodeMovOffset(opcode);
      case 0xa4:
      case 0xa5:
        return this.stringOp(0, opcode);
      case 0xa6:
      case 0xa7:
        return this.stringOp(1, opcode);
      case 0xa8:
      case 0xa9:
        return this.accumulatorImmediate(ALU_TEST, this.operandSizeOrByte(opcode));
      case 0xaa:
      case 0xab:
        return this.stringOp(2, opcode);
      case 0xac:
      case 0xad:
        return this.stringOp(3, opcode);
      default:
        return this.stringOp(4, opcode);
    }
  }

  private decodeMovOffset(opcode: number): number {
    this.memoryOffset();
    this.set("reg", 0);
    const size = this.operandSizeOrByte(opcode);
    this.set("size", size);
    const toRegister = opcode < 0xa2;
    if (size === 1) return toRegister ? Op.MOV8_RM : Op.MOV8_MR;
    if (size === 2) return toRegister ? Op.MOV_GE : Op.MOV_EG;
    return toRegister ? Op.MOV32_RM : Op.MOV32_MR;
  }

  private decodeShift(size: number, count: number): number {
    this.set("sub", this.modReg);
    this.set("size", size);
    this.setImm(count);
    if (size === 4 && !this.memoryOperand) return this.registerForm(Op.SHIFT32_R);
    return Op.SHIFT_E;
  }

  private decodeC0ToDF(opcode: number): number {
    const size = this.operandSizeOrByte(opcode);
    switch (opcode) {
      case 0xc0:
      case 0xc1:
        this.modrm();
        return this.decodeShift(size, this.byte());
      case 0xd0:
      case 0xd1:
        this.modrm();
        return this.decodeShift(size, 1);
      case 0xd2:
      case 0xd3:
        this.modrm();
        return this.decodeShift(size, COUNT_FROM_CL);
      case 0xc2:
        this.setImm(this.imm16());
        return this.operandSize === 4 ? Op.RET_IMM : Op.RET16;
      case 0xc3:
        return this.operandSize === 4 ? Op.RET : Op.RET16;
      case 0xc4:
      case 0xc5:
        this.modrm();
        this.set("sub", opcode === 0xc4 ? ES : DS);
        return this.memoryOperand ? Op.LOAD_FAR_POINTER : Op.UD;
      case 0xc6:
      case 0xc7:
        return this.decodeMovImmediateToE(opcode);
      case 0xc8:
        this.setImm(this.imm16());
        this.cache.imm2[this.slot] = this.byte();
        return Op.ENTER;
      case 0xc9:
        return this.operandSize === 4 ? Op.LEAVE32 : Op.LEAVE16;
      case 0xca:
        this.setImm(this.imm16());
        return Op.RETF;
      case 0xcb:
        return Op.RETF;
      case 0xcc:
        return Op.INT3;
      case 0xcd:
        this.setImm(this.byte());
        return Op.INT;
      case 0xce:
        return Op.INTO;
      case 0xcf:
        return Op.IRET;
      case 0xd4:
        this.setImm(this.byte());
        return Op.AAM;
      case 0xd5:
        this.setImm(this.byte());
        return Op.AAD;
      case 0xd6:
        return Op.SALC;
      default:
        return Op.XLAT;
    }
  }

  private decodeMovImmediateToE(opcode: number): number {
    this.modrm();
    if (this.modReg !== 0) return Op.UD;
    const size = this.operandSizeOrByte(opcode);
    this.set("size", size);
    this.setImm(size === 1 ? this.byte() : this.immOperand());
    if (size === 1) return this.memoryOperand ? Op.MOV8_MI : this.registerForm(Op.MOV8_RI);
    if (size === 4) return this.memoryOperand ? Op.MOV32_MI : this.registerForm(Op.MOV32_RI);
    return Op.MOV_EI;
  }

  private decodeE0ToFF(opcode: number): number {
    switch (opcode) {
      case 0xe0:
      case 0xe1:
      case 0xe2:
      case 0xe3:
        this.set("sub", opcode & 3);
        this.setImm(this.imm8());
        return Op.LOOP;
      case 0xe4:
      case 0xe5:
      case 0xe6:
      case 0xe7:
        this.byte();
        return Op.GP0;
      case 0xe8:
        return this.relative(4, Op.CALL_REL, Op.CALL_REL16);
      case 0xe9:
        return this.relative(4, Op.JMP_REL, Op.JMP_REL16);
      case 0xea:
        this.setImm(this.operandSize === 2 ? this.imm16() : this.imm32());
        this.cache.imm2[this.slot] = this.imm16();
        return Op.JMP_FAR;
      case 0xeb:
        return this.relative(1, Op.JMP_REL, Op.JMP_REL16);
      case 0xf1:
        return Op.ICEBP;
      case 0xf5:
        this.set("sub", FLAG_CMC);
        return Op.FLAG_OP;
      case 0xf6:
      case 0xf7:
        return this.decodeGroup3(this.operandSizeOrByte(opcode));
      case 0xf8:
      case 0xf9:
      case 0xfc:
      case 0xfd:
        this.set("sub", [FLAG_CLC, FLAG_STC, 0, 0, FLAG_CLD, FLAG_STD][opcode - 0xf8]!);
        return Op.FLAG_OP;
      case 0xfe:
        return this.decodeGroup4();
      case 0xff:
        return this.decodeGroup5();
      default:
        // in/out with dx (ec-ef), hlt (f4), cli (fa), sti (fb): privileged at CPL 3 with IOPL 0
        return Op.GP0;
    }
  }

  private decodeGroup3(size: number): number {
    this.modrm();
    this.set("size", size);
    switch (this.modReg) {
      case 0:
      case 1:
        return this.aluImmediate(
          ALU_TEST,
          size,
          size === 1 ? () => this.byte() : () => this.immOperand(),
        );
      case 2:
        this.lockable = true;
        return Op.NOT_E;
      case 3:
        this.lockable = true;
        return Op.NEG_E;
      case 4:
        return size === 4 && !this.memoryOperand ? Op.MUL32_R : Op.MUL_E;
      case 5:
        return Op.IMUL1_E;
      case 6:
        return Op.DIV_E;
      default:
        return Op.IDIV_E;
    }
  }

  private decodeGroup4(): number {
    this.modrm();
    this.set("size", 1);
    this.lockable = true;
    if (this.modReg === 0) return Op.INC_E;
    if (this.modReg === 1) return Op.DEC_E;
    return Op.UD;
  }

  private decodeGroup5(): number {
    this.modrm();
    const size = this.operandSize;
    const memory = this.memoryOperand;
    this.set("size", size);
    switch (this.modReg) {
      case 0:
      case 1:
        this.lockable = true;
        if (size !== 4) return this.modReg === 0 ? Op.INC_E : Op.DEC_E;
        if (memory) return this.modReg === 0 ? Op.INC32_M : Op.DEC32_M;
        return this.registerForm(this.modReg === 0 ? Op.INC32_R : Op.DEC32_R);
      case 2:
        if (size !== 4) return Op.CALL_E16;
        return memory ? Op.CALL_M32 : this.registerForm(Op.CALL_R32);
      case 3:
        return memory ? Op.CALL_FAR_M : Op.UD;
      case 4:
        if (size !== 4) return Op.JMP_E16;
        return memory ? Op.JMP_M32 : this.registerForm(Op.JMP_R32);
      case 5:
        return memory ? Op.JMP_FAR_M : Op.UD;
      case 6:
        if (size !== 4) return Op.PUSH_E;
        return memory ? Op.PUSH32_M : this.registerForm(Op.PUSH32_R);
      default:
        return Op.UD;
    }
  }

  // ---- two-byte opcodes (0F xx) ----

  private decodeTwoByte(opcode: number): number {
    if (opcode >= 0x80 && opcode < 0x90) {
      this.set("sub", opcode & 15);
      return this.relative(4, Op.JCC_REL, Op.JCC_REL16);
    }
    if (opcode >= 0x40 && opcode < 0x50) return this.decodeCmov(opcode);
    if (opcode >= 0x90 && opcode < 0xa0) {
      this.modrm();
      this.set("sub", opcode & 15);
      this.set("size", 1);
      return this.memoryOperand ? Op.SETCC_M : this.registerForm(Op.SETCC_R);
    }
    if (opcode >= 0xc8 && opcode < 0xd0) {
      this.set("reg", opcode & 7);
      this.set("size", this.operandSize);
      return Op.BSWAP_R;
    }
    if (opcode >= 0x18 && opcode < 0x20) {
      this.modrm(); // hint NOPs, the multi-byte nop 0F 1F among them
      return Op.NOP;
    }
    if (opcode >= 0xa0 && opcode < 0xc8) return this.decodeTwoByteA0(opcode);
    return this.decodeTwoByteSystem(opcode);
  }

  private decodeCmov(opcode: number): number {
    this.modrm();
    this.set("sub", opcode & 15);
    this.set("size", this.operandSize);
    if (this.operandSize === 2) return Op.CMOV_GE;
    return this.memoryOperand ? Op.CMOV32_RM : Op.CMOV32_RR;
  }

  private decodeTwoByteSystem(opcode: number): number {
    switch (opcode) {
      case 0x00:
        return this.decodeGroup6();
      case 0x01:
        return this.decodeGroup7();
      case 0x02:
      case 0x03:
        this.modrm();
        this.set("sub", opcode);
        this.set("size", this.operandSize);
        return Op.SELECTOR_TEST;
      case 0x06:
      case 0x08:
      case 0x09:
      case 0x30:
      case 0x32:
      case 0x33:
      case 0x34:
      case 0x35:
        return Op.GP0; // clts invd wbinvd wrmsr rdmsr rdpmc sysenter sysexit
      case 0x20:
      case 0x21:
      case 0x22:
      case 0x23:
        this.modrm(); // moves to and from control and debug registers
        return Op.GP0;
      case 0x31:
        return Op.RDTSC;
      default:
        return Op.UD;
    }
  }

  private decodeGroup6(): number {
    this.modrm();
    this.set("size", this.operandSize);
    switch (this.modReg) {
      case 0:
      case 1:
        this.set("sub", this.modReg);
        return Op.SYSTEM_TABLE;
      case 2:
      case 3:
        return Op.GP0; // lldt, ltr
      case 4:
      case 5:
        this.set("sub", this.modReg - 4);
        return Op.SELECTOR_TEST;
      default:
        return Op.UD;
    }
  }

  private decodeGroup7(): number {
    this.modrm();
    this.set("size", this.operandSize);
    const reg = this.modReg;
    if (reg === 4) {
      this.set("sub", 4);
      return Op.SYSTEM_TABLE; // smsw
    }
    if (reg === 6) return Op.GP0; // lmsw
    if (!this.memoryOperand) return Op.UD;
    if (reg === 0 || reg === 1) {
      this.set("sub", reg + 2);
      return Op.SYSTEM_TABLE; // sgdt, sidt
    }
    if (reg === 5) return Op.UD;
    return Op.GP0; // lgdt, lidt, lmsw, invlpg
  }

  private decodeTwoByteA0(opcode: number): number {
    switch (opcode) {
      case 0xa0:
      case 0xa8:
        this.set("sub", opcode === 0xa0 ? FS : GS);
        return Op.PUSH_SREG;
      case 0xa1:
      case 0xa9:
        this.set("sub", opcode === 0xa1 ? FS : GS);
        return Op.POP_SREG;
      case 0xa2:
        return Op.CPUID;
      case 0xa3:
      case 0xab:
      case 0xb3:
      case 0xbb:
        this.modrm();
        this.set("size", this.operandSize);
        this.set("sub", (opcode >> 3) & 3);
        this.lockable = opcode !== 0xa3;
        return Op.BT_EG;
      case 0xa4:
      case 0xa5:
      case 0xac:
      case 0xad:
        this.modrm();
        this.set("size", this.operandSize);
        this.setImm((opcode & 1) === 0 ? this.byte() : COUNT_FROM_CL);
        if (this.operandSize === 4 && !this.memoryOperand) {
          return opcode < 0xa8 ? Op.SHLD32_R : Op.SHRD32_R;
        }
        return opcode < 0xa8 ? Op.SHLD_E : Op.SHRD_E;
      case 0xaf:
        this.modrm();
        this.set("size", this.operandSize);
        if (this.operandSize === 2) return Op.IMUL_GE;
        return this.memoryOperand ? Op.IMUL32_RM : Op.IMUL32_RR;
      default:
        return this.decodeTwoByteB0(opcode);
    }
  }

  private decodeTwoByteB0(opcode: number): number {
    switch (opcode) {
      case 0xb0:
      case 0xb1:
      case 0xc0:
      case 0xc1:
        this.modrm();
        this.set("size", this.operandSizeOrByte(opcode));
        this.lockable = true;
        return opcode < 0xc0 ? Op.CMPXCHG_EG : Op.XADD_EG;
      case 0xb2:
      case 0xb4:
      case 0xb5:
        this.modrm();
        this.set("sub", opcode === 0xb2 ? SS : opcode === 0xb4 ? FS : GS);
        return this.memoryOperand ? Op.LOAD_FAR_POINTER : Op.UD;
      case 0xb6:
      case 0xb7:
      case 0xbe:
      case 0xbf:
        return this.decodeExtend(opcode);
      case 0xba:
        this.modrm();
        this.set("size", this.operandSize);
        this.setImm(this.byte());
        this.set("sub", this.modReg & 3);
        this.lockable = this.modReg > 4;
        return this.modReg < 4 ? Op.UD : Op.BT_EI;
      case 0xbc:
      case 0xbd:
        this.modrm();
        this.set("size", this.operandSize);
        return opcode === 0xbc ? Op.BSF_GE : Op.BSR_GE;
      case 0xc7:
        this.modrm();
        this.lockable = true;
        return this.modReg === 1 && this.memoryOperand ? Op.CMPXCHG8B : Op.UD;
      default:
        return Op.UD;
    }
  }

  /** movzx and movsx: `sub` is the source size in bytes. */
  private decodeExtend(opcode: number): number {
    this.modrm();
    const sourceSize = (opcode & 1) === 0 ? 1 : 2;
    const signed = opcode >= 0xbe;
    this.set("sub", sourceSize);
    this.set("size", this.operandSize);
    if (this.operandSize === 2) return signed ? Op.MOVSX_GE : Op.MOVZX_GE;
    const memory = this.memoryOperand ? 1 : 0;
    if (signed) return (sourceSize === 1 ? Op.MOVSX8_RR : Op.MOVSX16_RR) + memory;
    return (sourceSize === 1 ? Op.MOVZX8_RR : Op.MOVZX16_RR) + memory;
  }
}
