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
 * This file holds the opcode tables; the operand scanners are in decoder-scanners.ts.
 */
import { CS, DS, ES, FS, GS, SS } from "./constants.ts";
import { InstructionScanner } from "./decoder-scanners.ts";
import { DECODED_MEMORY } from "./instruction-cache.ts";
import { ALU_TEST, COUNT_FROM_CL, Op } from "./ops.ts";

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
export class Decoder extends InstructionScanner {
  /** Decodes the instruction at linear address `eip` into `slot`. May raise #PF or #GP. */
  decode(slot: number, eip: number): void {
    this.begin(slot, eip);
    let opcode = this.scanPrefixes();
    if (opcode === 0x0f) opcode = 0x100 | this.byte();
    const op = opcode < 0x100 ? this.decodeOneByte(opcode) : this.decodeTwoByte(opcode & 0xff);
    const c = this.cache;
    const handler = this.lockPrefix && !(this.lockable && this.memoryOperand) ? Op.UD : op;
    c.op[slot] = handler;
    c.len[slot] = this.position - this.start;
    if (handler === Op.NOP || handler === Op.UD) {
      // `nop r/m` and an invalid opcode access no memory, so their segment is never checked
      c.flags[slot] &= ~DECODED_MEMORY;
      c.segBit[slot] = 0;
    }
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
    if (opcode >= 0xd8 && opcode <= 0xdf) return Op.UD; // NOTE: x87 is not implemented; every x87 opcode raises #UD
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
