/**
 * Handler numbers of decoded instructions. The decoder stores one of these per instruction; the
 * executors switch on it. The executors' `case` labels are numeric literals, because the
 * TypeScript transform used by vitest does not inline constants, and a `switch` over property
 * loads is a chain of comparisons instead of a jump table. Every label carries the name as a
 * comment (`case 12: // ADD32_RR`), and ops.test.ts checks each label against this list.
 *
 * Naming: R register, M memory, I immediate; "E" and "G" are the Intel manual's ModRM operand
 * letters for handlers that serve both register and memory forms and every operand size.
 */
export const OP_NAMES = [
  // 0: the hot 32-bit forms, executed inline by the main loop (execute.ts)
  "UD",
  "NOP",
  "MOV32_RR",
  "MOV32_RM",
  "MOV32_MR",
  "MOV32_RI",
  "MOV32_MI",
  "MOV8_RR",
  "MOV8_RM",
  "MOV8_MR",
  "MOV8_RI",
  "MOV8_MI",
  // 12
  "ADD32_RR",
  "ADD32_RM",
  "ADD32_MR",
  "ADD32_RI",
  "ADD32_MI",
  "OR32_RR",
  "OR32_RM",
  "OR32_MR",
  "OR32_RI",
  "OR32_MI",
  // 22
  "AND32_RR",
  "AND32_RM",
  "AND32_MR",
  "AND32_RI",
  "AND32_MI",
  "SUB32_RR",
  "SUB32_RM",
  "SUB32_MR",
  "SUB32_RI",
  "SUB32_MI",
  // 32
  "XOR32_RR",
  "XOR32_RM",
  "XOR32_MR",
  "XOR32_RI",
  "XOR32_MI",
  "CMP32_RR",
  "CMP32_RM",
  "CMP32_MR",
  "CMP32_RI",
  "CMP32_MI",
  // 42
  "TEST32_RR",
  "TEST32_MR",
  "TEST32_RI",
  "TEST32_MI",
  "INC32_R",
  "DEC32_R",
  "PUSH32_R",
  "PUSH32_I",
  "PUSH32_M",
  "POP32_R",
  // 52
  "LEA32",
  "JMP_REL",
  "JCC_REL",
  "CALL_REL",
  "RET",
  "RET_IMM",
  "JMP_R32",
  "JMP_M32",
  "CALL_R32",
  "CALL_M32",
  // 62
  "MOVZX8_RR",
  "MOVZX8_RM",
  "MOVZX16_RR",
  "MOVZX16_RM",
  "MOVSX8_RR",
  "MOVSX8_RM",
  "MOVSX16_RR",
  "MOVSX16_RM",
  "SETCC_R",
  "SETCC_M",
  // 72
  "CMOV32_RR",
  "CMOV32_RM",
  "SHIFT32_R",
  "IMUL32_RR",
  "IMUL32_RM",
  "IMUL32_RRI",
  "CDQ",
  "LEAVE32",
  "XCHG32_RR",
  "RDTSC",
  // 82
  "STRING",
  "CMP8_RI",
  "CMP8_MI",
  "TEST8_RR",
  "TEST8_RI",
  "INC32_M",
  "DEC32_M",
  // 89: the general handlers (execute-generic.ts), for every size and form
  "ALU_EG",
  "ALU_GE",
  "ALU_EI",
  "INC_E",
  "DEC_E",
  "NOT_E",
  "NEG_E",
  "MUL_E",
  "IMUL1_E",
  "DIV_E",
  // 99
  "IDIV_E",
  "IMUL_GE",
  "IMUL_GEI",
  "SHIFT_E",
  "SHLD_E",
  "SHRD_E",
  "MOV_EG",
  "MOV_GE",
  "MOV_EI",
  "XCHG_EG",
  // 109
  "XADD_EG",
  "CMPXCHG_EG",
  "CMPXCHG8B",
  "MOVZX_GE",
  "MOVSX_GE",
  "CMOV_GE",
  "BT_EG",
  "BT_EI",
  "BSF_GE",
  "BSR_GE",
  // 119
  "BSWAP_R",
  "PUSH_E",
  "POP_E",
  "PUSH_I",
  "PUSHA",
  "POPA",
  "PUSHF",
  "POPF",
  "SAHF",
  "LAHF",
  // 129
  "CBW",
  "CWD",
  "ENTER",
  "LEAVE16",
  "JMP_REL16",
  "JCC_REL16",
  "CALL_REL16",
  "RET16",
  "JMP_E16",
  "CALL_E16",
  // 139
  "LOOP",
  "FLAG_OP",
  "SALC",
  "XLAT",
  "DAA",
  "DAS",
  "AAA",
  "AAS",
  "AAM",
  "AAD",
  // 149: system and control-transfer handlers (execute-system.ts)
  "INT",
  "INT3",
  "INTO",
  "ICEBP",
  "BOUND",
  "GP0",
  "CPUID",
  "MOV_E_SREG",
  "MOV_SREG_E",
  "PUSH_SREG",
  // 159
  "POP_SREG",
  "LOAD_FAR_POINTER",
  "CALL_FAR",
  "JMP_FAR",
  "CALL_FAR_M",
  "JMP_FAR_M",
  "RETF",
  "IRET",
  "SYSTEM_TABLE",
  "SELECTOR_TEST",
  // 169
  "ARPL",
  // 170: more hot forms, executed inline by the main loop (appended to keep the numbers above)
  "ADC32_RR",
  "ADC32_RI",
  "SBB32_RR",
  "SBB32_RI",
  "SHLD32_R",
  "SHRD32_R",
  "MUL32_R",
] as const;

export type OpName = (typeof OP_NAMES)[number];

/** Handler number by name, for the decoder. */
export const Op = Object.fromEntries(OP_NAMES.map((name, index) => [name, index])) as {
  readonly [name in OpName]: number;
};

/** ALU operation kinds in the order of the opcode rows 00-3F and the group-1 reg field. */
export const ALU_ADD = 0;
export const ALU_OR = 1;
export const ALU_ADC = 2;
export const ALU_SBB = 3;
export const ALU_AND = 4;
export const ALU_SUB = 5;
export const ALU_XOR = 6;
export const ALU_CMP = 7;
/** `test`: an `and` that writes only the flags. */
export const ALU_TEST = 8;

/** Shift kinds in the order of the group-2 reg field. */
export const SHIFT_ROL = 0;
export const SHIFT_ROR = 1;
export const SHIFT_RCL = 2;
export const SHIFT_RCR = 3;
export const SHIFT_SHL = 4;
export const SHIFT_SHR = 5;
export const SHIFT_SAL = 6;
export const SHIFT_SAR = 7;
/** A shift whose count comes from `cl` stores this in its immediate. */
export const COUNT_FROM_CL = -1;
