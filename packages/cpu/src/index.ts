/**
 * @xv6ts/cpu: an IA-32 user-mode CPU interpreter.
 *
 * The general registers are numbered in their instruction-encoding order.
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
