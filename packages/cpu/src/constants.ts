/**
 * Architectural constants of IA-32 that the CPU and its users share: register numbers in
 * instruction-encoding order, segment-register numbers, EFLAGS bits, exception vectors and the
 * access kinds a translator is asked for.
 *
 * EFLAGS (the bits user code can see or try to set):
 *
 *   21  20  19  18  17  16  14  13-12  11  10   9   8   7   6   4   2   1   0
 *   ID VIP VIF  AC  VM  RF  NT  IOPL   OF  DF  IF  TF  SF  ZF  AF  PF  (1) CF
 */

export const EAX = 0;
export const ECX = 1;
export const EDX = 2;
export const EBX = 3;
export const ESP = 4;
export const EBP = 5;
export const ESI = 6;
export const EDI = 7;

export const REGISTER_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;

/** Segment registers in the encoding order of the ModRM reg field of `mov Sreg`. */
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;

export const SEGMENT_NAMES = ["es", "cs", "ss", "ds", "fs", "gs"] as const;

/** The access kinds a translator is asked for; ACCESS_WRITE is the page-fault error code's W bit. */
export const ACCESS_READ = 0;
export const ACCESS_WRITE = 2;

/** Page-fault error code bits. */
export const PF_PRESENT = 1;
export const PF_WRITE = 2;
export const PF_USER = 4;

export const FLAG_CF = 0x1;
export const FLAG_RESERVED1 = 0x2;
export const FLAG_PF = 0x4;
export const FLAG_AF = 0x10;
export const FLAG_ZF = 0x40;
export const FLAG_SF = 0x80;
export const FLAG_TF = 0x100;
export const FLAG_IF = 0x200;
export const FLAG_DF = 0x400;
export const FLAG_OF = 0x800;
export const FLAG_IOPL = 0x3000;
export const FLAG_NT = 0x4000;
export const FLAG_RF = 0x10000;
export const FLAG_VM = 0x20000;
export const FLAG_AC = 0x40000;
export const FLAG_VIF = 0x80000;
export const FLAG_VIP = 0x100000;
export const FLAG_ID = 0x200000;

/** The six status flags that arithmetic instructions compute. */
export const STATUS_FLAGS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

/**
 * The bits `popf` can change at CPL 3 with IOPL 0. IF and IOPL are kept silently; VM, RF, VIF and
 * VIP are not writable by `popf` in protected mode at CPL 3.
 * NOTE: AC can be set, but alignment is never checked (#AC is never raised).
 */
export const USER_WRITABLE_FLAGS = STATUS_FLAGS | FLAG_TF | FLAG_DF | FLAG_NT | FLAG_AC | FLAG_ID;

/** Exception vectors. */
export const VECTOR_DE = 0;
export const VECTOR_DB = 1;
export const VECTOR_BP = 3;
export const VECTOR_OF = 4;
export const VECTOR_BR = 5;
export const VECTOR_UD = 6;
export const VECTOR_GP = 13;
export const VECTOR_PF = 14;

/** Selectors of xv6's user segments (GDT entries 3 and 4 with RPL 3). */
export const USER_CODE_SELECTOR = 0x1b;
export const USER_DATA_SELECTOR = 0x23;

/** The EFLAGS value of a new process: IF and the always-one bit 1. */
export const INITIAL_EFLAGS = 0x202;
