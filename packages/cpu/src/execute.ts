/**
 * The run loop: fetch the decoded instruction at eip, set eip past it, and dispatch on its handler
 * number. The hot 32-bit forms (moves, ALU operations, stack, branches) run inline in the switch;
 * the rest go to the general handlers. `case` labels are literals with the handler's name in a
 * comment (see ops.ts); ops.test.ts checks them.
 *
 * Guest faults leave the loop by the preallocated STOP_SIGNAL (see core.ts), and the catch below
 * restores eip. A trap or a change of TF does not throw: the general handler sets
 * `core.stopKind`, and the loop checks it after each general handler and returns, counting the
 * instruction as retired. Nothing in the loop allocates.
 */
import { doubleShift, shiftOperation } from "./alu.ts";
import { multiplyTruncated, multiplyUnsigned } from "./arith.ts";
import { type BlockCompiler, COMPILE_THRESHOLD } from "./block-compiler.ts";
import type { CodeFetcher } from "./code-fetch.ts";
import { VECTOR_UD } from "./constants.ts";
import { type CpuCore, STOP_FAULT, STOP_SIGNAL } from "./core.ts";
import { executeGeneric } from "./execute-generic.ts";
import { executeString } from "./execute-string.ts";
import { LAZY_ADD, LAZY_SUB } from "./flags.ts";
import { DECODED_MEMORY, type InstructionCache } from "./instruction-cache.ts";
import { slowEffectiveAddress } from "./operands.ts";

/**
 * Executes up to `budget` instructions (rep iterations count one each) and returns how many
 * retired. On return `core.stopKind` is 0 when the budget was spent, else the kind of stop that ended it.
 */
export function executeLoop(
  core: CpuCore,
  c: InstructionCache,
  fetcher: CodeFetcher,
  compiler: BlockCompiler,
  budget: number,
): number {
  core.stopKind = 0;
  core.loopRetired = 0;
  try {
    return runBlocks(core, c, fetcher, compiler, budget);
  } catch (error) {
    if (error !== STOP_SIGNAL || core.stopKind !== STOP_FAULT) throw error;
    core.eip = core.instructionStart;
    const retired = core.loopRetired + core.repDone;
    core.repDone = 0;
    return retired;
  }
}

/**
 * Runs compiled blocks back to back, and the interpreter wherever no block fits. This loop is
 * small so that the step from one block to the next stays cheap; like the interpreter it is
 * free of try/catch. Returns the instructions retired.
 */
function runBlocks(
  core: CpuCore,
  c: InstructionCache,
  fetcher: CodeFetcher,
  compiler: BlockCompiler,
  budget: number,
): number {
  const r = core.r32;
  const blocks = c.blocks;
  const blockLength = c.blockLength;
  let executed = 0;
  while (executed < budget) {
    const eip = core.eip;
    if (eip >>> 12 === fetcher.codeVpn) {
      const i = fetcher.codeMap[eip & 0xfff]!;
      const block = blocks[i];
      if (block != null && budget - executed >= blockLength[i]!) {
        core.eip = block(core, r, eip, executed, budget);
        executed += core.blockRetired;
        continue;
      }
    }
    executed = runInstructions(core, c, fetcher, compiler, executed, budget);
    if (core.stopKind !== 0) break;
  }
  return executed;
}

/**
 * Runs the interpreter, kept free of try/catch so that its locals stay in registers. Before each
 * instruction it records the instruction's address and the count retired so far, which the
 * catch in `executeLoop` needs when a fault ends the loop. It returns the new count when the
 * budget is spent, a general handler set `core.stopKind`, or the next instruction starts a
 * compiled block that fits it.
 */
function runInstructions(
  core: CpuCore,
  c: InstructionCache,
  fetcher: CodeFetcher,
  compiler: BlockCompiler,
  retired: number,
  budget: number,
): number {
  const r = core.r32;
  const op = c.op;
  const len = c.len;
  const reg = c.reg;
  const base = c.base;
  const imm = c.imm;
  const sub = c.sub;
  const flags = c.flags;
  const index = c.index;
  const scale = c.scale;
  const disp = c.disp;
  const segBit = c.segBit;
  const blocks = c.blocks;
  const blockLength = c.blockLength;
  const heat = c.heat;
  let executed = retired;
  let eip = core.eip;
  let codeMap = fetcher.codeMap;
  while (executed < budget) {
    const start = eip;
    core.instructionStart = start;
    core.loopRetired = executed;
    if (eip >>> 12 !== fetcher.codeVpn) {
      fetcher.selectPage(eip);
      codeMap = fetcher.codeMap;
    }
    let i = codeMap[eip & 0xfff]!;
    if (i === 0) {
      i = fetcher.decodeAt(eip);
      codeMap = fetcher.codeMap;
    }
    const block = blocks[i];
    if (block !== undefined) {
      if (block !== null && budget - executed >= blockLength[i]!) break;
    } else if (++heat[i]! >= COMPILE_THRESHOLD && codeMap[eip & 0xfff] === i) {
      compiler.compile(i, eip);
      codeMap = fetcher.codeMap;
      continue;
    }
    const next = (eip + len[i]!) >>> 0;
    eip = next;
    let address = 0;
    if ((flags[i]! & DECODED_MEMORY) !== 0) {
      address = (r[base[i]!]! + (r[index[i]!]! << scale[i]!) + disp[i]!) | 0;
      if ((segBit[i]! & core.eaSlowMask) !== 0) address = slowEffectiveAddress(core, c, i, address);
    }
    switch (op[i]) {
      case 0: // UD
        core.fault(VECTOR_UD, 0);
        break;
      case 1: // NOP
        break;
      case 2: // MOV32_RR
        r[reg[i]!] = r[base[i]!]!;
        break;
      case 3: // MOV32_RM
        r[reg[i]!] = core.read32(address);
        break;
      case 4: // MOV32_MR
        core.write32(address, r[reg[i]!]!);
        break;
      case 5: // MOV32_RI
        r[reg[i]!] = imm[i]!;
        break;
      case 6: // MOV32_MI
        core.write32(address, imm[i]!);
        break;
      case 7: // MOV8_RR
        core.setReg8(reg[i]!, core.getReg8(base[i]!));
        break;
      case 8: // MOV8_RM
        core.setReg8(reg[i]!, core.read8(address));
        break;
      case 9: // MOV8_MR
        core.write8(address, core.getReg8(reg[i]!));
        break;
      case 10: // MOV8_RI
        core.setReg8(reg[i]!, imm[i]!);
        break;
      case 11: // MOV8_MI
        core.write8(address, imm[i]!);
        break;
      case 12: // ADD32_RR
        r[reg[i]!] = add32(core, r[reg[i]!]!, r[base[i]!]!);
        break;
      case 13: // ADD32_RM
        r[reg[i]!] = add32(core, r[reg[i]!]!, core.read32(address));
        break;
      case 14: {
        // ADD32_MR
        core.write32(address, add32(core, core.readForWrite32(address), r[reg[i]!]!));
        break;
      }
      case 15: // ADD32_RI
        r[reg[i]!] = add32(core, r[reg[i]!]!, imm[i]!);
        break;
      case 16: {
        // ADD32_MI
        core.write32(address, add32(core, core.readForWrite32(address), imm[i]!));
        break;
      }
      case 17: // OR32_RR
        r[reg[i]!] = logic32(core, r[reg[i]!]! | r[base[i]!]!);
        break;
      case 18: // OR32_RM
        r[reg[i]!] = logic32(core, r[reg[i]!]! | core.read32(address));
        break;
      case 19: {
        // OR32_MR
        core.write32(address, logic32(core, core.readForWrite32(address) | r[reg[i]!]!));
        break;
      }
      case 20: // OR32_RI
        r[reg[i]!] = logic32(core, r[reg[i]!]! | imm[i]!);
        break;
      case 21: {
        // OR32_MI
        core.write32(address, logic32(core, core.readForWrite32(address) | imm[i]!));
        break;
      }
      case 22: // AND32_RR
        r[reg[i]!] = logic32(core, r[reg[i]!]! & r[base[i]!]!);
        break;
      case 23: // AND32_RM
        r[reg[i]!] = logic32(core, r[reg[i]!]! & core.read32(address));
        break;
      case 24: {
        // AND32_MR
        core.write32(address, logic32(core, core.readForWrite32(address) & r[reg[i]!]!));
        break;
      }
      case 25: // AND32_RI
        r[reg[i]!] = logic32(core, r[reg[i]!]! & imm[i]!);
        break;
      case 26: {
        // AND32_MI
        core.write32(address, logic32(core, core.readForWrite32(address) & imm[i]!));
        break;
      }
      case 27: // SUB32_RR
        r[reg[i]!] = sub32(core, r[reg[i]!]!, r[base[i]!]!);
        break;
      case 28: // SUB32_RM
        r[reg[i]!] = sub32(core, r[reg[i]!]!, core.read32(address));
        break;
      case 29: {
        // SUB32_MR
        core.write32(address, sub32(core, core.readForWrite32(address), r[reg[i]!]!));
        break;
      }
      case 30: // SUB32_RI
        r[reg[i]!] = sub32(core, r[reg[i]!]!, imm[i]!);
        break;
      case 31: {
        // SUB32_MI
        core.write32(address, sub32(core, core.readForWrite32(address), imm[i]!));
        break;
      }
      case 32: // XOR32_RR
        r[reg[i]!] = logic32(core, r[reg[i]!]! ^ r[base[i]!]!);
        break;
      case 33: // XOR32_RM
        r[reg[i]!] = logic32(core, r[reg[i]!]! ^ core.read32(address));
        break;
      case 34: {
        // XOR32_MR
        core.write32(address, logic32(core, core.readForWrite32(address) ^ r[reg[i]!]!));
        break;
      }
      case 35: // XOR32_RI
        r[reg[i]!] = logic32(core, r[reg[i]!]! ^ imm[i]!);
        break;
      case 36: {
        // XOR32_MI
        core.write32(address, logic32(core, core.readForWrite32(address) ^ imm[i]!));
        break;
      }
      case 37: // CMP32_RR
        sub32(core, r[reg[i]!]!, r[base[i]!]!);
        break;
      case 38: // CMP32_RM
        sub32(core, r[reg[i]!]!, core.read32(address));
        break;
      case 39: // CMP32_MR
        sub32(core, core.read32(address), r[reg[i]!]!);
        break;
      case 40: // CMP32_RI
        sub32(core, r[reg[i]!]!, imm[i]!);
        break;
      case 41: // CMP32_MI
        sub32(core, core.read32(address), imm[i]!);
        break;
      case 42: // TEST32_RR
        logic32(core, r[reg[i]!]! & r[base[i]!]!);
        break;
      case 43: // TEST32_MR
        logic32(core, core.read32(address) & r[reg[i]!]!);
        break;
      case 44: // TEST32_RI
        logic32(core, r[reg[i]!]! & imm[i]!);
        break;
      case 45: // TEST32_MI
        logic32(core, core.read32(address) & imm[i]!);
        break;
      case 46: {
        // INC32_R
        const value = r[reg[i]!]!;
        const result = (value + 1) | 0;
        r[reg[i]!] = result;
        core.setLazyKeepCarry(LAZY_ADD, value, result, 0);
        break;
      }
      case 47: {
        // DEC32_R
        const value = r[reg[i]!]!;
        const result = (value - 1) | 0;
        r[reg[i]!] = result;
        core.setLazyKeepCarry(LAZY_SUB, value, result, 0);
        break;
      }
      case 48: // PUSH32_R
        core.push32(r[reg[i]!]!);
        break;
      case 49: // PUSH32_I
        core.push32(imm[i]!);
        break;
      case 50: // PUSH32_M
        core.push32(core.read32(address));
        break;
      case 51: {
        // POP32_R
        const value = core.pop32();
        r[reg[i]!] = value;
        break;
      }
      case 52: // LEA32
        if (c.size[i] === 4) r[reg[i]!] = address;
        else core.r16[reg[i]! << 1] = address;
        break;
      case 53: // JMP_REL
        eip = (next + imm[i]!) >>> 0;
        break;
      case 54: // JCC_REL
        if (core.condition(sub[i]!)) eip = (next + imm[i]!) >>> 0;
        break;
      case 55: // CALL_REL
        core.push32(next);
        eip = (next + imm[i]!) >>> 0;
        break;
      case 56: // RET
        eip = core.pop32() >>> 0;
        break;
      case 57: {
        // RET_IMM
        const target = core.pop32();
        r[4] = (r[4]! + imm[i]!) | 0;
        eip = target >>> 0;
        break;
      }
      case 58: // JMP_R32
        eip = r[reg[i]!]! >>> 0;
        break;
      case 59: // JMP_M32
        eip = core.read32(address) >>> 0;
        break;
      case 60: {
        // CALL_R32
        const target = r[reg[i]!]!;
        core.push32(next);
        eip = target >>> 0;
        break;
      }
      case 61: {
        // CALL_M32
        const target = core.read32(address);
        core.push32(next);
        eip = target >>> 0;
        break;
      }
      case 62: // MOVZX8_RR
        r[reg[i]!] = core.getReg8(base[i]!);
        break;
      case 63: // MOVZX8_RM
        r[reg[i]!] = core.read8(address);
        break;
      case 64: // MOVZX16_RR
        r[reg[i]!] = core.r16[base[i]! << 1]!;
        break;
      case 65: // MOVZX16_RM
        r[reg[i]!] = core.read16(address);
        break;
      case 66: // MOVSX8_RR
        r[reg[i]!] = (core.getReg8(base[i]!) << 24) >> 24;
        break;
      case 67: // MOVSX8_RM
        r[reg[i]!] = (core.read8(address) << 24) >> 24;
        break;
      case 68: // MOVSX16_RR
        r[reg[i]!] = (core.r16[base[i]! << 1]! << 16) >> 16;
        break;
      case 69: // MOVSX16_RM
        r[reg[i]!] = (core.read16(address) << 16) >> 16;
        break;
      case 70: // SETCC_R
        core.setReg8(reg[i]!, core.condition(sub[i]!) ? 1 : 0);
        break;
      case 71: // SETCC_M
        core.write8(address, core.condition(sub[i]!) ? 1 : 0);
        break;
      case 72: // CMOV32_RR
        if (core.condition(sub[i]!)) r[reg[i]!] = r[base[i]!]!;
        break;
      case 73: {
        // CMOV32_RM
        const value = core.read32(address);
        if (core.condition(sub[i]!)) r[reg[i]!] = value;
        break;
      }
      case 74: {
        // SHIFT32_R
        const count = imm[i]! < 0 ? core.r8[4]! : imm[i]!;
        r[reg[i]!] = shiftOperation(core, sub[i]!, 4, r[reg[i]!]!, count);
        break;
      }
      case 75: // IMUL32_RR
        r[reg[i]!] = multiplyTruncated(core, 4, r[reg[i]!]!, r[base[i]!]!);
        break;
      case 76: // IMUL32_RM
        r[reg[i]!] = multiplyTruncated(core, 4, r[reg[i]!]!, core.read32(address));
        break;
      case 77: // IMUL32_RRI
        r[reg[i]!] = multiplyTruncated(core, 4, r[base[i]!]!, imm[i]!);
        break;
      case 78: // CDQ
        r[2] = r[0]! >> 31;
        break;
      case 79: {
        // LEAVE32
        const ebp = r[5]!;
        const value = core.read32(ebp);
        r[4] = (ebp + 4) | 0;
        r[5] = value;
        break;
      }
      case 80: {
        // XCHG32_RR
        const value = r[reg[i]!]!;
        r[reg[i]!] = r[base[i]!]!;
        r[base[i]!] = value;
        break;
      }
      case 81: {
        // RDTSC
        const count = core.instructionCount + executed;
        r[0] = count % 0x100000000;
        r[2] = Math.floor(count / 0x100000000);
        break;
      }
      case 82: // STRING
        core.eip = next;
        executed += executeString(core, c, i, start, budget - executed) - 1;
        eip = core.eip;
        break;
      case 83: {
        // CMP8_RI
        const value = core.getReg8(reg[i]!);
        core.setLazy(LAZY_SUB, value, imm[i]! & 0xff, (value - (imm[i]! & 0xff)) | 0, 24);
        break;
      }
      case 84: {
        // CMP8_MI
        const value = core.read8(address);
        core.setLazy(LAZY_SUB, value, imm[i]! & 0xff, (value - (imm[i]! & 0xff)) | 0, 24);
        break;
      }
      case 85: // TEST8_RR
        core.setLogic(core.getReg8(reg[i]!) & core.getReg8(base[i]!), 24);
        break;
      case 86: // TEST8_RI
        core.setLogic(core.getReg8(reg[i]!) & imm[i]!, 24);
        break;
      case 87: {
        // INC32_M
        const value = core.readForWrite32(address);
        const result = (value + 1) | 0;
        core.write32(address, result);
        core.setLazyKeepCarry(LAZY_ADD, value, result, 0);
        break;
      }
      case 88: {
        // DEC32_M
        const value = core.readForWrite32(address);
        const result = (value - 1) | 0;
        core.write32(address, result);
        core.setLazyKeepCarry(LAZY_SUB, value, result, 0);
        break;
      }
      case 170: // ADC32_RR
        r[reg[i]!] = addWithCarry32(core, r[reg[i]!]!, r[base[i]!]!);
        break;
      case 171: // ADC32_RI
        r[reg[i]!] = addWithCarry32(core, r[reg[i]!]!, imm[i]!);
        break;
      case 172: // SBB32_RR
        r[reg[i]!] = subtractWithBorrow32(core, r[reg[i]!]!, r[base[i]!]!);
        break;
      case 173: // SBB32_RI
        r[reg[i]!] = subtractWithBorrow32(core, r[reg[i]!]!, imm[i]!);
        break;
      case 174: // SHLD32_R
      case 175: {
        // SHRD32_R: the destination is the r/m register (base), the source the reg field
        const count = imm[i]! < 0 ? core.r8[4]! : imm[i]!;
        if ((count & 31) !== 0) {
          r[base[i]!] = doubleShift(core, op[i] === 174, 4, r[base[i]!]!, r[reg[i]!]!, count);
        }
        break;
      }
      case 176: // MUL32_R
        multiplyUnsigned(core, 4, r[base[i]!]!);
        break;
      default:
        core.eip = next;
        executeGeneric(core, c, i, next);
        eip = core.eip;
        // a trap or a change of TF ends the loop; the instruction retired and core.eip is the next one
        if (core.stopKind !== 0) return executed + 1;
        break;
    }
    executed++;
  }
  core.eip = eip;
  return executed;
}

function add32(core: CpuCore, a: number, b: number): number {
  const result = (a + b) | 0;
  core.setLazy(LAZY_ADD, a, b, result, 0);
  return result;
}

function sub32(core: CpuCore, a: number, b: number): number {
  const result = (a - b) | 0;
  core.setLazy(LAZY_SUB, a, b, result, 0);
  return result;
}

function addWithCarry32(core: CpuCore, a: number, b: number): number {
  const result = (a + b + core.carryFlag()) | 0;
  core.setLazy(LAZY_ADD, a, b, result, 0);
  return result;
}

function subtractWithBorrow32(core: CpuCore, a: number, b: number): number {
  const result = (a - b - core.carryFlag()) | 0;
  core.setLazy(LAZY_SUB, a, b, result, 0);
  return result;
}

function logic32(core: CpuCore, result: number): number {
  core.setLogic(result, 0);
  return result;
}
