/**
 * String instructions (movs, cmps, stos, lods, scas) with and without rep/repe/repne.
 *
 * A `rep` instruction runs one iteration per retired-instruction count and stops early when the
 * run's budget is spent: ecx, esi and edi then hold the progress, and eip stays on the instruction
 * so the next run resumes it. A fault in iteration k leaves the k-1 completed iterations in place,
 * as the hardware does. The source segment may be overridden (ds by default); the destination is
 * always es. The segments are checked only when an iteration runs, so a `rep` instruction with
 * ecx = 0 never faults. A null segment raises #GP(0) for any access, and an es that contains the
 * code segment raises #GP(0) for movs and stos, which write through it.
 */
import { ES, FLAG_DF, VECTOR_GP } from "./constants.ts";
import type { CpuCore } from "./core.ts";
import { STRING_CMPS, STRING_LODS, STRING_MOVS, STRING_SCAS, STRING_STOS } from "./decoder.ts";
import { LAZY_SUB } from "./flags.ts";
import {
  DECODED_ADDRESS16,
  DECODED_REP,
  DECODED_REPNE,
  type InstructionCache,
} from "./instruction-cache.ts";
import { readMemory, readRegister, truncate, writeMemory, writeRegister } from "./operands.ts";

const ESI = 6;
const EDI = 7;

/**
 * Executes the string instruction in slot `i` for at most `budget` iterations and returns the
 * number of instructions retired (at least 1 when the instruction completes). Sets eip back to
 * `start` when iterations remain.
 */
// NOTE: every iteration moves one element through the TLB path; there is no bulk copy
export function executeString(
  core: CpuCore,
  c: InstructionCache,
  i: number,
  start: number,
  budget: number,
): number {
  const kind = c.sub[i]!;
  const size = c.size[i]!;
  const repeat = c.flags[i]! & (DECODED_REP | DECODED_REPNE);
  if (repeat === 0) {
    checkSegments(core, c, i, kind);
    stringStep(core, c, i, kind, size);
    return 1;
  }
  const short = (c.flags[i]! & DECODED_ADDRESS16) !== 0;
  const conditional = kind === STRING_CMPS || kind === STRING_SCAS;
  const stopWhenZero = (repeat & DECODED_REP) !== 0; // repe stops when ZF = 0, repne when ZF = 1
  let done = 0;
  for (;;) {
    const count = short ? core.r16[2]! : core.r32[1]!;
    if (count === 0) break;
    if (done === budget) {
      core.eip = start;
      return done;
    }
    if (done === 0) checkSegments(core, c, i, kind);
    core.repDone = done;
    stringStep(core, c, i, kind, size);
    if (short) core.r16[2] = count - 1;
    else core.r32[1] = count - 1;
    done++;
    if (conditional && core.zeroFlag() !== stopWhenZero) break;
  }
  core.repDone = 0;
  return done === 0 ? 1 : done;
}

/**
 * Raises #GP(0) when an operand's segment register contains a null selector, or when the
 * destination is written (movs, stos) and es contains a code selector.
 */
function checkSegments(core: CpuCore, c: InstructionCache, i: number, kind: number): void {
  const usesSource = kind === STRING_MOVS || kind === STRING_CMPS || kind === STRING_LODS;
  const usesDestination = kind !== STRING_LODS;
  const writesDestination = kind === STRING_MOVS || kind === STRING_STOS;
  const nulls = core.nullSegments;
  if (usesSource && ((nulls >> c.seg[i]!) & 1) !== 0) core.fault(VECTOR_GP, 0);
  if (usesDestination && ((nulls >> ES) & 1) !== 0) core.fault(VECTOR_GP, 0);
  if (writesDestination && ((core.codeSegments >> ES) & 1) !== 0) core.fault(VECTOR_GP, 0);
}

/** Runs one iteration; esi and edi advance only after every access of the iteration succeeded. */
function stringStep(
  core: CpuCore,
  c: InstructionCache,
  i: number,
  kind: number,
  size: number,
): void {
  const short = (c.flags[i]! & DECODED_ADDRESS16) !== 0;
  const mask = short ? 0xffff : -1;
  const source = core.r32[ESI]! & mask;
  const destination = core.r32[EDI]! & mask;
  const delta = (core.flags & FLAG_DF) !== 0 ? -size : size;
  switch (kind) {
    case STRING_MOVS:
      writeMemory(core, size, destination, readMemory(core, size, source));
      advance(core, ESI, delta, short);
      advance(core, EDI, delta, short);
      return;
    case STRING_CMPS: {
      const a = readMemory(core, size, source);
      const b = readMemory(core, size, destination);
      compare(core, size, a, b);
      advance(core, ESI, delta, short);
      advance(core, EDI, delta, short);
      return;
    }
    case STRING_STOS:
      writeMemory(core, size, destination, readRegister(core, size, 0));
      advance(core, EDI, delta, short);
      return;
    case STRING_LODS:
      writeRegister(core, size, 0, readMemory(core, size, source));
      advance(core, ESI, delta, short);
      return;
    default: {
      const b = readMemory(core, size, destination);
      compare(core, size, readRegister(core, size, 0), b);
      advance(core, EDI, delta, short);
    }
  }
}

function compare(core: CpuCore, size: number, a: number, b: number): void {
  const left = truncate(size, a);
  const right = truncate(size, b);
  core.setLazy(LAZY_SUB, left, right, (left - right) | 0, 32 - 8 * size);
}

function advance(core: CpuCore, register: number, delta: number, short: boolean): void {
  if (short) core.r16[register << 1] = core.r16[register << 1]! + delta;
  else core.r32[register] = (core.r32[register]! + delta) | 0;
}
