/**
 * Disassembly of decoded instructions in Intel syntax, for the debug trace and for tools. It
 * reads the decoded slot (handler, operands), not the raw bytes, so it shows what the CPU will
 * execute. Each handler has a mnemonic and an operand pattern:
 *
 *   R  the reg field (a destination in register forms) at the operand size; R8 as a byte register
 *   B  the register in `base` (the r/m register, or the source of a register-register form);
 *      B8 and B16 at a fixed size
 *   E  the r/m operand: B for a register form, else the memory operand; M the memory operand;
 *      M8, M16 and M64 at a fixed size
 *   G  the reg field at the operand size
 *   I  the immediate; J the branch target; C the shift count (immediate or cl); S a segment
 *   F  a far pointer selector:offset; X the second immediate (enter's nesting level)
 *   K  the counter of loop, loope and loopne: cx under the address-size prefix, else nothing
 *
 * A trace line has four columns: address, bytes, disassembly, registers. The byte and
 * disassembly columns have fixed widths, so the registers line up. An entry longer than its
 * column pushes the rest of the line right but stays two spaces away from the next column.
 */
import type { CodeFetcher } from "./code-fetch.ts";
import { REGISTER_NAMES, SEGMENT_NAMES } from "./constants.ts";
import { type CpuCore, STOP_SIGNAL } from "./core.ts";
import {
  DECODED_ADDRESS16,
  DECODED_MEMORY,
  DECODED_REP,
  DECODED_REPNE,
  DECODED_SEGMENT_OVERRIDE,
  type InstructionCache,
} from "./instruction-cache.ts";
import { OP_NAMES } from "./ops.ts";

const ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"];
const SHIFTS = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"];
const CONDITIONS = [
  "o",
  "no",
  "b",
  "ae",
  "e",
  "ne",
  "be",
  "a",
  "s",
  "ns",
  "p",
  "np",
  "l",
  "ge",
  "le",
  "g",
];
const BYTE_REGISTERS = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const WORD_REGISTERS = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const STRINGS = ["movs", "cmps", "stos", "lods", "scas"];
const SIZE_NAMES: Record<number, string> = { 1: "byte", 2: "word", 4: "dword", 8: "qword" };

/** Mnemonic (or a function of the slot) and operand pattern per handler name. */
const FORMS: Record<string, [string | ((c: InstructionCache, i: number) => string), string]> = {
  UD: ["(bad)", ""],
  NOP: ["nop", ""],
  MOV32_RR: ["mov", "R,B"],
  MOV32_RM: ["mov", "R,M"],
  MOV32_MR: ["mov", "M,R"],
  MOV32_RI: ["mov", "R,I"],
  MOV32_MI: ["mov", "M,I"],
  MOV8_RR: ["mov", "R,B"],
  MOV8_RM: ["mov", "R,M"],
  MOV8_MR: ["mov", "M,R"],
  MOV8_RI: ["mov", "R,I"],
  MOV8_MI: ["mov", "M,I"],
  TEST32_RR: ["test", "R,B"],
  TEST32_MR: ["test", "M,R"],
  TEST32_RI: ["test", "R,I"],
  TEST32_MI: ["test", "M,I"],
  INC32_R: ["inc", "R"],
  DEC32_R: ["dec", "R"],
  INC32_M: ["inc", "M"],
  DEC32_M: ["dec", "M"],
  PUSH32_R: ["push", "R"],
  PUSH32_I: ["push", "I"],
  PUSH32_M: ["push", "M"],
  POP32_R: ["pop", "R"],
  LEA32: ["lea", "R,M"],
  JMP_REL: ["jmp", "J"],
  JCC_REL: [(c, i) => `j${CONDITIONS[c.sub[i]!]}`, "J"],
  CALL_REL: ["call", "J"],
  RET: ["ret", ""],
  RET_IMM: ["ret", "I"],
  JMP_R32: ["jmp", "R"],
  JMP_M32: ["jmp", "M"],
  CALL_R32: ["call", "R"],
  CALL_M32: ["call", "M"],
  MOVZX8_RR: ["movzx", "R,B8"],
  MOVZX8_RM: ["movzx", "R,M8"],
  MOVZX16_RR: ["movzx", "R,B16"],
  MOVZX16_RM: ["movzx", "R,M16"],
  MOVSX8_RR: ["movsx", "R,B8"],
  MOVSX8_RM: ["movsx", "R,M8"],
  MOVSX16_RR: ["movsx", "R,B16"],
  MOVSX16_RM: ["movsx", "R,M16"],
  SETCC_R: [(c, i) => `set${CONDITIONS[c.sub[i]!]}`, "R8"],
  SETCC_M: [(c, i) => `set${CONDITIONS[c.sub[i]!]}`, "M8"],
  CMOV32_RR: [(c, i) => `cmov${CONDITIONS[c.sub[i]!]}`, "R,B"],
  CMOV32_RM: [(c, i) => `cmov${CONDITIONS[c.sub[i]!]}`, "R,M"],
  SHIFT32_R: [(c, i) => SHIFTS[c.sub[i]!]!, "R,C"],
  IMUL32_RR: ["imul", "R,B"],
  IMUL32_RM: ["imul", "R,M"],
  IMUL32_RRI: ["imul", "R,B,I"],
  CDQ: ["cdq", ""],
  LEAVE32: ["leave", ""],
  XCHG32_RR: ["xchg", "R,B"],
  RDTSC: ["rdtsc", ""],
  STRING: [stringMnemonic, ""],
  CMP8_RI: ["cmp", "R,I"],
  CMP8_MI: ["cmp", "M,I"],
  TEST8_RR: ["test", "R,B"],
  TEST8_RI: ["test", "R,I"],
  ALU_EG: [(c, i) => ALU[c.sub[i]!]!, "E,G"],
  ALU_GE: [(c, i) => ALU[c.sub[i]!]!, "G,E"],
  ALU_EI: [(c, i) => ALU[c.sub[i]!]!, "E,I"],
  INC_E: ["inc", "E"],
  DEC_E: ["dec", "E"],
  NOT_E: ["not", "E"],
  NEG_E: ["neg", "E"],
  MUL_E: ["mul", "E"],
  IMUL1_E: ["imul", "E"],
  DIV_E: ["div", "E"],
  IDIV_E: ["idiv", "E"],
  IMUL_GE: ["imul", "G,E"],
  IMUL_GEI: ["imul", "G,E,I"],
  SHIFT_E: [(c, i) => SHIFTS[c.sub[i]!]!, "E,C"],
  SHLD_E: ["shld", "E,G,C"],
  SHRD_E: ["shrd", "E,G,C"],
  MOV_EG: ["mov", "E,G"],
  MOV_GE: ["mov", "G,E"],
  MOV_EI: ["mov", "E,I"],
  XCHG_EG: ["xchg", "E,G"],
  XADD_EG: ["xadd", "E,G"],
  CMPXCHG_EG: ["cmpxchg", "E,G"],
  CMPXCHG8B: ["cmpxchg8b", "M64"],
  MOVZX_GE: ["movzx", "G,E*"],
  MOVSX_GE: ["movsx", "G,E*"],
  CMOV_GE: [(c, i) => `cmov${CONDITIONS[c.sub[i]!]}`, "G,E"],
  BT_EG: [(c, i) => ["bt", "bts", "btr", "btc"][c.sub[i]!]!, "E,G"],
  BT_EI: [(c, i) => ["bt", "bts", "btr", "btc"][c.sub[i]!]!, "E,I"],
  BSF_GE: ["bsf", "G,E"],
  BSR_GE: ["bsr", "G,E"],
  BSWAP_R: ["bswap", "R"],
  PUSH_E: ["push", "E"],
  POP_E: ["pop", "E"],
  PUSH_I: ["push", "I"],
  PUSHA: [(c, i) => (c.size[i] === 4 ? "pushad" : "pushaw"), ""],
  POPA: [(c, i) => (c.size[i] === 4 ? "popad" : "popaw"), ""],
  PUSHF: [(c, i) => (c.size[i] === 4 ? "pushfd" : "pushfw"), ""],
  POPF: [(c, i) => (c.size[i] === 4 ? "popfd" : "popfw"), ""],
  SAHF: ["sahf", ""],
  LAHF: ["lahf", ""],
  CBW: [(c, i) => (c.size[i] === 4 ? "cwde" : "cbw"), ""],
  CWD: ["cwd", ""],
  ENTER: ["enter", "I,X"],
  LEAVE16: ["leavew", ""],
  JMP_REL16: ["jmpw", "J"],
  JCC_REL16: [(c, i) => `j${CONDITIONS[c.sub[i]!]}w`, "J"],
  CALL_REL16: ["callw", "J"],
  RET16: ["retw", "I"],
  JMP_E16: ["jmpw", "E"],
  CALL_E16: ["callw", "E"],
  LOOP: [loopMnemonic, "J,K"],
  FLAG_OP: [(c, i) => ["clc", "stc", "cmc", "cld", "std"][c.sub[i]!]!, ""],
  SALC: ["salc", ""],
  XLAT: ["xlatb", ""],
  DAA: ["daa", ""],
  DAS: ["das", ""],
  AAA: ["aaa", ""],
  AAS: ["aas", ""],
  AAM: ["aam", "I"],
  AAD: ["aad", "I"],
  INT: ["int", "I"],
  INT3: ["int3", ""],
  INTO: ["into", ""],
  ICEBP: ["int1", ""],
  BOUND: ["bound", "G,M"],
  GP0: ["(privileged)", ""],
  CPUID: ["cpuid", ""],
  MOV_E_SREG: ["mov", "E,S"],
  MOV_SREG_E: ["mov", "S,E"],
  PUSH_SREG: ["push", "S"],
  POP_SREG: ["pop", "S"],
  LOAD_FAR_POINTER: [(c, i) => `l${SEGMENT_NAMES[c.sub[i]!]}`, "G,M"],
  CALL_FAR: ["call far", "F"],
  JMP_FAR: ["jmp far", "F"],
  CALL_FAR_M: ["call far", "M"],
  JMP_FAR_M: ["jmp far", "M"],
  RETF: ["retf", "I"],
  IRET: [(c, i) => (c.size[i] === 4 ? "iretd" : "iretw"), ""],
  SYSTEM_TABLE: [(c, i) => ["sldt", "str", "sgdt", "sidt", "smsw"][c.sub[i]!]!, "E"],
  SELECTOR_TEST: [(c, i) => ["verr", "verw", "lar", "lsl"][c.sub[i]!]!, "E"],
  ARPL: ["arpl", "E,G"],
  ADC32_RR: ["adc", "R,B"],
  ADC32_RI: ["adc", "R,I"],
  SBB32_RR: ["sbb", "R,B"],
  SBB32_RI: ["sbb", "R,I"],
  SHLD32_R: ["shld", "B,R,C"],
  SHRD32_R: ["shrd", "B,R,C"],
  MUL32_R: ["mul", "B"],
};

for (const kind of ["ADD", "OR", "AND", "SUB", "XOR", "CMP"]) {
  const mnemonic = kind.toLowerCase();
  FORMS[`${kind}32_RR`] = [mnemonic, "R,B"];
  FORMS[`${kind}32_RM`] = [mnemonic, "R,M"];
  FORMS[`${kind}32_MR`] = [mnemonic, "M,R"];
  FORMS[`${kind}32_RI`] = [mnemonic, "R,I"];
  FORMS[`${kind}32_MI`] = [mnemonic, "M,I"];
}

function stringMnemonic(c: InstructionCache, i: number): string {
  const flags = c.flags[i]!;
  const kind = c.sub[i]!;
  let prefix = "";
  if ((flags & DECODED_REP) !== 0) prefix = kind === 1 || kind === 4 ? "repe " : "rep ";
  if ((flags & DECODED_REPNE) !== 0) prefix = "repne ";
  return `${prefix}${STRINGS[kind]}${"?bw?d"[c.size[i]!]}`;
}

/** loopne, loope, loop, and jecxz, which is jcxz when the address-size prefix selects cx. */
function loopMnemonic(c: InstructionCache, i: number): string {
  const kind = c.sub[i]!;
  if (kind !== 3) return ["loopne", "loope", "loop"][kind]!;
  return (c.flags[i]! & DECODED_ADDRESS16) !== 0 ? "jcxz" : "jecxz";
}

function registerName(size: number, n: number): string {
  if (size === 1) return BYTE_REGISTERS[n]!;
  if (size === 2) return WORD_REGISTERS[n]!;
  return REGISTER_NAMES[n]!;
}

function hexNumber(value: number): string {
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

function memoryOperand(c: InstructionCache, i: number, size: number): string {
  const parts: string[] = [];
  const registers = (c.flags[i]! & DECODED_ADDRESS16) !== 0 ? WORD_REGISTERS : REGISTER_NAMES;
  if (c.base[i]! < 8) parts.push(registers[c.base[i]!]!);
  if (c.index[i]! < 8)
    parts.push(`${registers[c.index[i]!]}${c.scale[i] ? `*${1 << c.scale[i]!}` : ""}`);
  const disp = c.disp[i]!;
  let text = parts.join("+");
  if (disp !== 0 || parts.length === 0)
    text +=
      parts.length === 0
        ? hexNumber(disp >>> 0)
        : disp < 0
          ? hexNumber(disp)
          : `+${hexNumber(disp)}`;
  const segment =
    (c.flags[i]! & DECODED_SEGMENT_OVERRIDE) !== 0 ? `${SEGMENT_NAMES[c.seg[i]!]}:` : "";
  return `${SIZE_NAMES[size] ?? ""} ${segment}[${text}]`.trim();
}

function formatOperand(token: string, c: InstructionCache, i: number, next: number): string {
  const size = c.size[i]!;
  const memory = (c.flags[i]! & DECODED_MEMORY) !== 0;
  switch (token) {
    case "R":
    case "G":
      return registerName(size, c.reg[i]!);
    case "R8":
      return BYTE_REGISTERS[c.reg[i]!]!;
    case "B":
      return registerName(size, c.base[i]!);
    case "B8":
      return BYTE_REGISTERS[c.base[i]!]!;
    case "B16":
      return WORD_REGISTERS[c.base[i]!]!;
    case "E":
      return memory ? memoryOperand(c, i, size) : registerName(size, c.base[i]!);
    case "E*":
      return memory ? memoryOperand(c, i, c.sub[i]!) : registerName(c.sub[i]!, c.base[i]!);
    case "M":
      return memoryOperand(c, i, size);
    case "M8":
      return memoryOperand(c, i, 1);
    case "M16":
      return memoryOperand(c, i, 2);
    case "M64":
      return memoryOperand(c, i, 8);
    case "I":
      return hexNumber(size === 4 ? c.imm[i]! >>> 0 : c.imm[i]! & (size === 2 ? 0xffff : 0xff));
    case "J":
      return hexNumber(size === 2 ? (next + c.imm[i]!) & 0xffff : (next + c.imm[i]!) >>> 0);
    case "C":
      return c.imm[i]! < 0 ? "cl" : String(c.imm[i]);
    case "S":
      return SEGMENT_NAMES[c.sub[i]!]!;
    case "F":
      return `${hexNumber(c.imm2[i]! & 0xffff)}:${hexNumber(c.imm[i]! >>> 0)}`;
    case "K":
      return c.sub[i] !== 3 && (c.flags[i]! & DECODED_ADDRESS16) !== 0 ? "cx" : "";
    default:
      return String(c.imm2[i]);
  }
}

/** Formats decoded slot `i`, an instruction ending at `next`, in Intel syntax. */
export function formatInstruction(c: InstructionCache, i: number, next: number): string {
  const name = OP_NAMES[c.op[i]!] ?? "UD";
  const [mnemonic, pattern] = FORMS[name] ?? ["(bad)", ""];
  const text = typeof mnemonic === "string" ? mnemonic : mnemonic(c, i);
  const operands =
    pattern === ""
      ? []
      : pattern
          .split(",")
          .map((token) => formatOperand(token, c, i, next))
          .filter((operand) => operand !== "");
  if ((name === "RET_IMM" || name === "RET16" || name === "RETF") && c.imm[i] === 0) return text;
  return operands.length === 0 ? text : `${text} ${operands.join(", ")}`;
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}

/** Widths of the trace line's byte column (10 bytes) and disassembly column, separators included. */
const BYTES_COLUMN = 32;
const TEXT_COLUMN = 40;

/** Pads a column entry to `width`, keeping at least two spaces before the next column. */
function column(text: string, width: number): string {
  return `${text.padEnd(width - 2)}  `;
}

/**
 * Formats the trace line of the instruction at eip: address, bytes, disassembly and the
 * registers before it runs. Decoding here cannot fault the CPU, so a fetch fault is shown in the
 * line instead.
 */
export function formatTraceLine(
  core: CpuCore,
  fetcher: CodeFetcher,
  cache: InstructionCache,
): string {
  const eip = core.eip >>> 0;
  const cr2 = core.cr2;
  let text: string;
  let length = 0;
  try {
    if (eip >>> 12 !== fetcher.codeVpn) fetcher.selectPage(eip);
    let slot = fetcher.codeMap[eip & 0xfff]!;
    if (slot === 0) slot = fetcher.decodeAt(eip);
    length = cache.len[slot]!;
    text = formatInstruction(cache, slot, (eip + length) >>> 0);
  } catch (error) {
    if (error !== STOP_SIGNAL) throw error;
    core.stopKind = 0;
    core.cr2 = cr2;
    text = "(fetch faults)";
  }
  const bytes: string[] = [];
  for (let k = 0; k < length; k++)
    bytes.push(core.mem8[core.translateRead((eip + k) >>> 0)]!.toString(16).padStart(2, "0"));
  core.materializeFlags();
  const r = core.r32;
  const registers = REGISTER_NAMES.map((name, n) => `${name}=${hex8(r[n]!)}`).join(" ");
  const bytesText = column(bytes.join(" "), BYTES_COLUMN);
  return `${hex8(eip)}  ${bytesText}${column(text, TEXT_COLUMN)}${registers} eflags=${hex8(core.flags)}`;
}
