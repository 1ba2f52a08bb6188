/**
 * The register values a CPL-3 xv6 process can hold, checked wherever a whole register
 * state comes from outside the CPU: an extension installing an image, or a checkpoint image
 * being validated before restart.
 *
 * cs is 0x1b and ss 0x23. ds, es, fs and gs hold what the CPU lets user code load into them: a
 * null selector (0–3), or the user code or data segment with any RPL (0x18–0x1b, 0x20–0x23).
 * EFLAGS has bit 1 and IF set, IOPL 0, VM 0, and no bit that user code cannot set with `popf`.
 */
import { type CpuContext, isUserDataSelector } from "@xv6ts/cpu";
import { USER_CS, USER_DS } from "./param.js";

/** EFLAGS bits that are always set in user mode: bit 1 and IF. */
const EFLAGS_REQUIRED = 0x2 | 0x200;
/**
 * EFLAGS bits a CPL-3 process can hold: the required ones and those `popf` may change there (CF,
 * PF, AF, ZF, SF, TF, DF, OF, NT, AC, ID). IOPL, VM, RF, VIF and VIP stay clear.
 */
const EFLAGS_ALLOWED =
  EFLAGS_REQUIRED |
  0x1 |
  0x4 |
  0x10 |
  0x40 |
  0x80 |
  0x100 |
  0x400 |
  0x800 |
  0x4000 |
  0x40000 |
  0x200000;

const hex = (value: number) => `0x${(value >>> 0).toString(16)}`;

/** Returns why `registers` is not a state a CPL-3 process may hold, as a sentence, or null. */
export function checkUserRegisters(
  registers: Pick<CpuContext, "eflags" | "cs" | "ss" | "ds" | "es" | "fs" | "gs">,
): string | null {
  if (registers.cs !== USER_CS) return `cs ${hex(registers.cs)} is not the user code selector 0x1b`;
  if (registers.ss !== USER_DS) return `ss ${hex(registers.ss)} is not the user data selector 0x23`;
  for (const name of ["ds", "es", "fs", "gs"] as const) {
    if (!isUserDataSelector(registers[name])) {
      return `${name} ${hex(registers[name])} is not a selector user mode can hold`;
    }
  }

  const eflags = registers.eflags;
  if ((eflags & EFLAGS_REQUIRED) !== EFLAGS_REQUIRED) {
    return `eflags ${hex(eflags)} lacks bit 1 or IF, which user mode always has`;
  }
  if ((eflags & 0x3000) !== 0)
    return `eflags ${hex(eflags)} has IOPL ${(eflags >>> 12) & 3}, not 0`;
  if ((eflags & 0x20000) !== 0) return `eflags ${hex(eflags)} has VM (virtual-8086 mode) set`;
  if ((eflags & ~EFLAGS_ALLOWED) !== 0) {
    return `eflags ${hex(eflags)} has bits ${hex(eflags & ~EFLAGS_ALLOWED)} that user mode cannot set`;
  }
  return null;
}
