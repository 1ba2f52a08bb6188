/**
 * System and control-transfer handlers: software interrupts and the gate check, segment-register
 * loads, far jumps, calls and returns, `iret`, `cpuid`, and the descriptor-table instructions a
 * CPL-3 program may run.
 *
 * The segment rules are those of xv6's GDT seen from CPL 3 (six entries, limit 0x2f):
 *
 *   index 0  null        ds/es/fs/gs may hold it (0..3); a memory access through it is #GP(0)
 *   index 1  kernel code DPL 0: loading 0x08..0x0b is #GP(selector)
 *   index 2  kernel data DPL 0: loading 0x10..0x13 is #GP(selector)
 *   index 3  user code   DPL 3, readable: cs (as 0x1b), and ds/es/fs/gs with any RPL
 *   index 4  user data   DPL 3, writable: ss (only as 0x23), and ds/es/fs/gs with any RPL
 *   index 5  TSS         a system segment: loading it is #GP(selector)
 *
 * A selector past the table or with the LDT bit set (xv6 has no LDT) is #GP(selector & 0xfffc).
 */
import {
  CS,
  FLAG_NT,
  FLAG_TF,
  FLAG_ZF,
  SS,
  USER_CODE_SELECTOR,
  USER_WRITABLE_FLAGS,
  VECTOR_BP,
  VECTOR_BR,
  VECTOR_DB,
  VECTOR_GP,
  VECTOR_OF,
  VECTOR_UD,
} from "./constants.ts";
import type { CpuCore } from "./core.ts";
import type { InstructionCache } from "./instruction-cache.ts";
import {
  effectiveAddress,
  isMemory,
  loadE,
  readMemory,
  readRegister,
  signExtend,
  storeE,
  writeMemory,
  writeRegister,
} from "./operands.ts";

/** Invented but fixed descriptor-table registers, as `sgdt`/`sidt` show them to user code. */
export const GDT_LIMIT = 0x2f;
export const GDT_BASE = 0x80112f40;
export const IDT_LIMIT = 0x7ff;
export const IDT_BASE = 0x80113580;
/** CR0 of xv6: paging, write protect, extension type (always 1 on i686) and protection enable. */
export const CR0 = 0x80010011;
/** xv6's task register: GDT entry 5. */
export const TASK_REGISTER = 0x28;

const TSS_VECTOR = 10;

/** `cpuid` leaf 0: maximum basic leaf 1 and "GenuineIntel". */
const CPUID_VENDOR = [1, 0x756e6547, 0x6c65746e, 0x49656e69]; // eax, ebx, ecx, edx
/** Leaf 1: family 6 model 3 stepping 3 (a Pentium II); edx lists TSC, CX8 and CMOV, no x87. */
const CPUID_SIGNATURE = 0x633;
const CPUID_FEATURES = (1 << 4) | (1 << 8) | (1 << 15);

export function executeSystem(core: CpuCore, c: InstructionCache, i: number): void {
  switch (c.op[i]) {
    case 149: // INT
      softwareInterrupt(core, c.imm[i]!);
      return;
    case 150: // INT3
      softwareInterrupt(core, VECTOR_BP);
      return;
    case 151: // INTO
      if (core.overflowFlag()) softwareInterrupt(core, VECTOR_OF);
      return;
    case 152: // ICEBP
      core.trap(VECTOR_DB, 0);
      return;
    case 153: // BOUND
      bound(core, c, i);
      return;
    case 154: // GP0
      core.fault(VECTOR_GP, 0);
      return;
    case 155: // CPUID
      cpuid(core);
      return;
    case 156: // MOV_E_SREG
      moveFromSegment(core, c, i);
      return;
    case 157: // MOV_SREG_E
      loadSegment(core, c.sub[i]!, loadE(core, c, i, false) & 0xffff);
      return;
    default:
      executeSegmentAndFar(core, c, i);
  }
}

/** int n: a trap with eip after the instruction if user code may use vector n, else #GP(n*8+2). */
function softwareInterrupt(core: CpuCore, vector: number): void {
  if (core.userVectors[vector] === 0) core.fault(VECTOR_GP, vector * 8 + 2);
  core.trap(vector, 0);
}

function bound(core: CpuCore, c: InstructionCache, i: number): void {
  const size = c.size[i]!;
  const address = effectiveAddress(core, c, i);
  const lower = signExtend(size, readMemory(core, size, address));
  const upper = signExtend(size, readMemory(core, size, address + size));
  const index = signExtend(size, readRegister(core, size, c.reg[i]!));
  if (index < lower || index > upper) core.fault(VECTOR_BR, 0);
}

function cpuid(core: CpuCore): void {
  const r = core.r32;
  if (r[0] === 0) {
    r[0] = CPUID_VENDOR[0]!;
    r[3] = CPUID_VENDOR[1]!;
    r[1] = CPUID_VENDOR[2]!;
    r[2] = CPUID_VENDOR[3]!;
    return;
  }
  // leaf 1, and as on Intel processors any leaf above the maximum
  r[0] = CPUID_SIGNATURE;
  r[3] = 0;
  r[1] = 0;
  r[2] = CPUID_FEATURES;
}

function moveFromSegment(core: CpuCore, c: InstructionCache, i: number): void {
  const selector = core.segments[c.sub[i]!]!;
  if (isMemory(c, i)) writeMemory(core, 2, effectiveAddress(core, c, i), selector);
  else writeRegister(core, c.size[i]!, c.base[i]!, selector); // 32-bit: zero-extended
}

/** Checks a selector for a data segment register (or ss) at CPL 3; raises #GP if it may not be loaded. */
function checkDataSelector(core: CpuCore, segment: number, selector: number): void {
  if (segment === SS) {
    if ((selector & 0xfffc) === 0) core.fault(VECTOR_GP, 0);
    if (selector !== 0x23) core.fault(VECTOR_GP, selector & 0xfffc);
    return;
  }
  if (!isUserDataSelector(selector)) core.fault(VECTOR_GP, selector & 0xfffc);
}

/**
 * Returns whether ds, es, fs or gs can hold `selector` at CPL 3 with xv6's GDT: a null selector
 * (0 to 3), or the user code (index 3) or user data (index 4) segment with any RPL, since both
 * have DPL 3 and a data-segment load needs only DPL >= max(CPL, RPL).
 */
export function isUserDataSelector(selector: number): boolean {
  if (!Number.isInteger(selector) || selector < 0 || selector > 0xffff) return false;
  if (selector <= 3) return true;
  const index = selector >>> 3;
  return (selector & 4) === 0 && (index === 3 || index === 4);
}

/** Loads a data segment register (es ss ds fs gs) after the checks. */
export function loadSegment(core: CpuCore, segment: number, selector: number): void {
  checkDataSelector(core, segment, selector);
  // NOTE: a load of ss does not hold off a single-step trap for the next instruction
  core.segments[segment] = selector;
  core.updateSegmentMasks();
}

/** Checks the code selector of a far jump or call; the new cs always gets RPL 3. */
function checkCodeSelector(core: CpuCore, selector: number): void {
  if ((selector & 0xfffc) === 0) core.fault(VECTOR_GP, 0);
  if ((selector & 0xfff8) !== 0x18) core.fault(VECTOR_GP, selector & 0xfffc);
}

/** Checks the code selector of a far return or iret: only a return to CPL 3 (0x1b) is possible. */
function checkReturnSelector(core: CpuCore, selector: number): void {
  if ((selector & 0xfffc) === 0) core.fault(VECTOR_GP, 0);
  if (selector !== USER_CODE_SELECTOR) core.fault(VECTOR_GP, selector & 0xfffc);
}

function executeSegmentAndFar(core: CpuCore, c: InstructionCache, i: number): void {
  const size = c.size[i]!;
  switch (c.op[i]) {
    case 158: // PUSH_SREG
      if (size === 4) core.push32(core.segments[c.sub[i]!]!);
      else core.push16(core.segments[c.sub[i]!]!);
      return;
    case 159: {
      // POP_SREG
      const esp = core.r32[4]!;
      const selector = readMemory(core, size, esp) & 0xffff;
      loadSegment(core, c.sub[i]!, selector);
      core.r32[4] = (esp + size) | 0;
      return;
    }
    case 160: // LOAD_FAR_POINTER
      loadFarPointer(core, c, i);
      return;
    case 161: // CALL_FAR
      farCall(core, size, c.imm[i]!, c.imm2[i]! & 0xffff);
      return;
    case 162: // JMP_FAR
      checkCodeSelector(core, c.imm2[i]! & 0xffff);
      core.eip = size === 4 ? c.imm[i]! >>> 0 : c.imm[i]! & 0xffff;
      return;
    case 163: // CALL_FAR_M
    case 164: {
      // JMP_FAR_M
      const address = effectiveAddress(core, c, i);
      const offset = readMemory(core, size, address);
      const selector = core.read16(address + size);
      if (c.op[i] === 163) {
        farCall(core, size, offset, selector);
      } else {
        checkCodeSelector(core, selector);
        core.eip = size === 4 ? offset >>> 0 : offset & 0xffff;
      }
      return;
    }
    case 165: // RETF
      farReturn(core, size, c.imm[i]!);
      return;
    case 166: // IRET
      interruptReturn(core, size);
      return;
    default:
      executeDescriptorQueries(core, c, i);
  }
}

function loadFarPointer(core: CpuCore, c: InstructionCache, i: number): void {
  const size = c.size[i]!;
  const address = effectiveAddress(core, c, i);
  const offset = readMemory(core, size, address);
  const selector = core.read16(address + size);
  loadSegment(core, c.sub[i]!, selector);
  writeRegister(core, size, c.reg[i]!, offset);
}

function farCall(core: CpuCore, size: number, offset: number, selector: number): void {
  checkCodeSelector(core, selector);
  const esp = core.r32[4]!;
  writeMemory(core, size, (esp - size) | 0, core.segments[CS]!);
  writeMemory(core, size, (esp - 2 * size) | 0, core.eip);
  core.r32[4] = (esp - 2 * size) | 0;
  core.eip = size === 4 ? offset >>> 0 : offset & 0xffff;
}

function farReturn(core: CpuCore, size: number, release: number): void {
  const esp = core.r32[4]!;
  const offset = readMemory(core, size, esp);
  const selector = readMemory(core, size, (esp + size) | 0) & 0xffff;
  checkReturnSelector(core, selector);
  core.r32[4] = (esp + 2 * size + release) | 0;
  core.eip = size === 4 ? offset >>> 0 : offset & 0xffff;
}

/**
 * iret at CPL 3 returns to CPL 3 only; EFLAGS is loaded as `popf` loads it. With NT set it would
 * be a task return through xv6's TSS back link, which is 0, so it raises #TS(0).
 */
function interruptReturn(core: CpuCore, size: number): void {
  if ((core.flags & FLAG_NT) !== 0) core.fault(TSS_VECTOR, 0);
  const esp = core.r32[4]!;
  const offset = readMemory(core, size, esp);
  const selector = readMemory(core, size, (esp + size) | 0) & 0xffff;
  const flags = readMemory(core, size, (esp + 2 * size) | 0);
  checkReturnSelector(core, selector);
  const writable = size === 4 ? USER_WRITABLE_FLAGS : USER_WRITABLE_FLAGS & 0xffff;
  core.lazyMask = 0;
  core.flags = (core.flags & ~writable) | (flags & writable);
  core.r32[4] = (esp + 3 * size) | 0;
  core.eip = size === 4 ? offset >>> 0 : offset & 0xffff;
  if ((core.flags & FLAG_TF) !== 0) core.leaveLoop();
}

function executeDescriptorQueries(core: CpuCore, c: InstructionCache, i: number): void {
  switch (c.op[i]) {
    case 167: // SYSTEM_TABLE
      storeSystemRegister(core, c, i);
      return;
    case 168: // SELECTOR_TEST
      selectorTest(core, c, i);
      return;
    case 169: {
      // ARPL
      const destination = loadE(core, c, i, true) & 0xffff;
      const source = core.r16[c.reg[i]! << 1]!;
      if ((destination & 3) < (source & 3)) {
        storeE(core, c, i, (destination & ~3) | (source & 3));
        core.setStatusFlags(FLAG_ZF, FLAG_ZF);
      } else {
        core.setStatusFlags(FLAG_ZF, 0);
      }
      return;
    }
    default:
      core.fault(VECTOR_UD, 0);
  }
}

/** sldt, str, sgdt, sidt, smsw (`sub` 0..4). */
function storeSystemRegister(core: CpuCore, c: InstructionCache, i: number): void {
  const kind = c.sub[i]!;
  if (kind === 2 || kind === 3) {
    const address = effectiveAddress(core, c, i);
    const base = kind === 2 ? GDT_BASE : IDT_BASE;
    core.checkWritable(address, 6);
    core.write16(address, kind === 2 ? GDT_LIMIT : IDT_LIMIT);
    core.write32(address + 2, c.size[i] === 2 ? base & 0xffffff : base);
    return;
  }
  let value = CR0; // smsw
  if (kind === 0)
    value = 0; // sldt: no LDT
  else if (kind === 1) value = TASK_REGISTER;
  if (isMemory(c, i)) writeMemory(core, 2, effectiveAddress(core, c, i), value);
  else writeRegister(core, c.size[i]!, c.base[i]!, value);
}

/**
 * verr, verw, lar, lsl (`sub` 0, 1, 2, 3): ZF set when the selector names a segment visible at
 * CPL 3, and lar/lsl then load its access rights or limit. Only xv6's user segments qualify.
 */
function selectorTest(core: CpuCore, c: InstructionCache, i: number): void {
  const kind = c.sub[i]!;
  const selector =
    (isMemory(c, i) ? core.read16(effectiveAddress(core, c, i)) : core.r16[c.base[i]! << 1]!) &
    0xffff;
  const index = selector >> 3;
  const user = (selector & 4) === 0 && (index === 3 || index === 4);
  let valid = user;
  if (kind === 1) valid = user && index === 4; // verw: only the data segment is writable
  core.setStatusFlags(FLAG_ZF, valid ? FLAG_ZF : 0);
  if (!valid || kind < 2) return;
  // lar: the access-rights bytes of the descriptor (G, D, limit 19:16, P, DPL 3, S, type accessed)
  const value = kind === 2 ? (index === 3 ? 0x00cffb00 : 0x00cff300) : 0xffffffff;
  writeRegister(core, c.size[i]!, c.reg[i]!, value);
}
