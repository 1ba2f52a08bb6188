"""shift.json: rol ror rcl rcr shl shr sar by 1, by imm8 and by cl, and shld shrd.

The imm8 and cl groups run every count 0-31 and a few above 31 (32, 33, 63, 64, 0x81, 255),
which the CPU masks to 5 bits. A count of 0 leaves the flags alone, so those cases keep every
flag in flagsMask. 16-bit shld/shrd only use masked counts up to 16: above the operand size the
manual leaves the destination undefined, which a vector cannot mask.
"""

from encoding import OPERAND_SIZE_PREFIX
from flags_table import double_shift_undefined_flags, rotate_undefined_flags, shift_undefined_flags
from forms import RegOperand, rm_case
from operands import Rng
from vector import Group

SEED = 0x5348_4946
OPERATIONS = [("rol", 0), ("ror", 1), ("rcl", 2), ("rcr", 3), ("shl", 4), ("shr", 5), ("sar", 7)]
SIZES = [(8, b""), (16, OPERAND_SIZE_PREFIX), (32, b"")]
COUNTS_ABOVE_31 = [32, 33, 63, 64, 0x81, 0xFF]
BY_ONE_CASES = 24
MEMORY_CASES = 20


def _undefined(operation: str, size: int, count: int) -> int:
    if operation in ("rol", "ror", "rcl", "rcr"):
        return rotate_undefined_flags(count)
    return shift_undefined_flags(operation, size, count)


def _all_counts(rng: Rng) -> list:
    """Return every count 0-31 and the counts above 31, in a random order."""
    return rng.shuffled(list(range(32)) + COUNTS_ABOVE_31)


def _memory_counts(rng: Rng) -> list:
    """Return the counts of a memory group: 0, 1, the operand-size edges and random ones."""
    return [0, 1, 7, 8, 9, 15, 16, 17, 31, 32] + [rng.below(256) for _ in range(MEMORY_CASES - 10)]


def _shift_case(rng: Rng, operation: str, digit: int, size: int, prefix: bytes, form: str,
                count: int, memory: bool):
    """Return one case of `operation` in the form "1", "imm8" or "cl"."""
    width_bit = 0 if size == 8 else 1
    value = rng.operand(size)
    if form == "1":
        return rm_case(rng, prefix + bytes([0xD0 + width_bit]), size, value, memory, digit,
                       undefined=_undefined(operation, size, 1))
    if form == "imm8":
        return rm_case(rng, prefix + bytes([0xC0 + width_bit]), size, value, memory, digit,
                       immediate=bytes([count]), undefined=_undefined(operation, size, count))
    ecx = (rng.bits(32) & ~0xFF) | count
    return rm_case(rng, prefix + bytes([0xD2 + width_bit]), size, value, memory, digit,
                   undefined=_undefined(operation, size, count), registers={"ecx": ecx})


def _shift_groups(rng: Rng) -> list:
    groups = []
    for operation, digit in OPERATIONS:
        for size, prefix in SIZES:
            for form in ("1", "imm8", "cl"):
                name = f"{operation} r/m{size}, {form}"
                if form == "1":
                    register_counts = [1] * BY_ONE_CASES
                    memory_counts = [1] * (BY_ONE_CASES // 2)
                else:
                    register_counts = _all_counts(rng)
                    memory_counts = _memory_counts(rng)
                register_cases = [
                    _shift_case(rng, operation, digit, size, prefix, form, count, False)
                    for count in register_counts
                ]
                memory_cases = [
                    _shift_case(rng, operation, digit, size, prefix, form, count, True)
                    for count in memory_counts
                ]
                groups.append(Group(f"{name} (register)", register_cases))
                groups.append(Group(f"{name} (memory)", memory_cases))
    return groups


def _double_counts(rng: Rng, size: int) -> list:
    """Return the shld/shrd counts: every count the manual defines, plus masked ones above 31."""
    if size == 32:
        return rng.shuffled(list(range(32)) + COUNTS_ABOVE_31)
    return rng.shuffled(list(range(17)) + [32, 33, 48, 0xE0, 0xE5, 0xF0])


def _double_case(rng: Rng, opcode: int, size: int, prefix: bytes, by_cl: bool, count: int,
                 memory: bool):
    undefined = double_shift_undefined_flags(size, count)
    source = RegOperand(size, rng.operand(size))
    if by_cl:
        ecx = (rng.bits(32) & ~0xFF) | count
        return rm_case(rng, prefix + bytes([0x0F, opcode + 1]), size, rng.operand(size), memory,
                       source, undefined=undefined, registers={"ecx": ecx})
    return rm_case(rng, prefix + bytes([0x0F, opcode]), size, rng.operand(size), memory, source,
                   immediate=bytes([count]), undefined=undefined)


def _double_groups(rng: Rng) -> list:
    groups = []
    for operation, opcode in [("shld", 0xA4), ("shrd", 0xAC)]:
        for size, prefix in [(16, OPERAND_SIZE_PREFIX), (32, b"")]:
            for by_cl in (False, True):
                name = f"{operation} r/m{size}, r{size}, {'cl' if by_cl else 'imm8'}"
                counts = _double_counts(rng, size)
                memory_counts = [count for count in _double_counts(rng, size)][:MEMORY_CASES]
                groups.append(Group(f"{name} (register)", [
                    _double_case(rng, opcode, size, prefix, by_cl, count, False) for count in counts
                ]))
                groups.append(Group(f"{name} (memory)", [
                    _double_case(rng, opcode, size, prefix, by_cl, count, True)
                    for count in memory_counts
                ]))
    return groups


def generate() -> list:
    """Return every group of shift.json."""
    rng = Rng(SEED)
    return _shift_groups(rng) + _double_groups(rng)
