"""cond.json: cmovcc and setcc for all 16 conditions.

eflags before are random in CF, PF, AF, ZF, SF and OF, so every condition occurs both true and
false. The signed conditions (l, ge, le, g) get every SF/OF combination.
"""

from encoding import OPERAND_SIZE_PREFIX
from flags_table import ALWAYS_SET, undefined_flags
from forms import RegOperand, rm_case
from operands import Rng
from vector import Group

SEED = 0x434F_4E44
CONDITIONS = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
REGISTER_CASES = 32
MEMORY_CASES = 16
NONE = undefined_flags("none")


def _condition_eflags(rng: Rng) -> int:
    """Return eflags with each arithmetic flag set with probability 1/2 (DF sometimes too)."""
    return ALWAYS_SET | (rng.bits(12) & 0x8D5) | (0x400 if rng.chance(1, 8) else 0)


def generate() -> list:
    """Return every group of cond.json."""
    rng = Rng(SEED)
    groups = []
    for index, condition in enumerate(CONDITIONS):
        for size, prefix, register_cases, memory_cases in [
            (32, b"", REGISTER_CASES, MEMORY_CASES),
            (16, OPERAND_SIZE_PREFIX, REGISTER_CASES // 2, MEMORY_CASES // 2),
        ]:
            def build_move(memory, size=size, opcode=prefix + bytes([0x0F, 0x40 + index])):
                return rm_case(rng, opcode, size, rng.bits(size), memory,
                               RegOperand(size, rng.bits(32)), undefined=NONE,
                               eflags=_condition_eflags(rng))

            name = f"cmov{condition} r{size}, r/m{size}"
            groups.append(Group(f"{name} (register)", [build_move(False) for _ in range(register_cases)]))
            groups.append(Group(f"{name} (memory)", [build_move(True) for _ in range(memory_cases)]))

        def build_set(memory, opcode=bytes([0x0F, 0x90 + index])):
            return rm_case(rng, opcode, 8, rng.bits(8), memory, 0, undefined=NONE,
                           eflags=_condition_eflags(rng))

        groups.append(Group(f"set{condition} r/m8 (register)", [build_set(False) for _ in range(REGISTER_CASES)]))
        groups.append(Group(f"set{condition} r/m8 (memory)", [build_set(True) for _ in range(MEMORY_CASES)]))
    return groups
