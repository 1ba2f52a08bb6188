"""faults.json: instructions a CPL 3 program cannot execute, with the fault they raise.

#UD (6) for ud2 and for a lock prefix on a register operand; #GP (13) for hlt, cli, sti, in
and out with IOPL 0 and no I/O permission. A fault leaves every register and eflags as they
were, so after equals before with eip 0x1000. Vectors for int n are left out: Linux gives
int3 a DPL 3 gate (trap 3) where xv6 raises #GP, so the host cannot stand in for xv6 there.
"""

from flags_table import undefined_flags
from operands import Rng
from vector import CaseSpec, Group, fill_background, random_eflags

SEED = 0x4641_554C
CASES = 8
INVALID_OPCODE = 6
GENERAL_PROTECTION = 13

FORMS = [
    ("ud2", "0f0b", INVALID_OPCODE),
    ("lock add r/m32, r32 (register operand)", "f001d8", INVALID_OPCODE),
    ("lock inc r/m32 (register operand)", "f0ffc0", INVALID_OPCODE),
    ("hlt", "f4", GENERAL_PROTECTION),
    ("cli", "fa", GENERAL_PROTECTION),
    ("sti", "fb", GENERAL_PROTECTION),
    ("in al, dx", "ec", GENERAL_PROTECTION),
    ("in eax, imm8", "e560", GENERAL_PROTECTION),
    ("out dx, al", "ee", GENERAL_PROTECTION),
    ("out imm8, al", "e680", GENERAL_PROTECTION),
]


def generate() -> list:
    """Return every group of faults.json."""
    rng = Rng(SEED)
    groups = []
    for name, code, trap in FORMS:
        cases = []
        for _ in range(CASES):
            registers = fill_background(rng, {"edx": rng.bits(32)})
            case = CaseSpec(bytes.fromhex(code), registers, random_eflags(rng),
                            undefined=undefined_flags("none"))
            case.trap = trap
            cases.append(case)
        groups.append(Group(name, cases))
    return groups
