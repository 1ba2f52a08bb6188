"""string.json: movs, cmps, stos, lods, scas in byte, word and dword, with and without rep.

Each form runs with DF=0 and DF=1 and, under rep/repe/repne, an ecx of 0 to 8. esi points into
a source buffer near 0x2400 and edi into a destination buffer near 0x2c00; both buffers are
listed with guard bytes, sized for the direction and count. cmps and scas buffers are built so
that the repe/repne stop condition hits at a random element, or never.
"""

from encoding import OPERAND_SIZE_PREFIX
from flags_table import ALWAYS_SET, DF, undefined_flags
from forms import operand_bytes
from operands import Rng
from vector import CaseSpec, Group, fill_background

SEED = 0x5354_5247
CASES = 16
MAX_COUNT = 8
GUARD_BYTES = 4
SOURCE_BASE = 0x2400
DESTINATION_BASE = 0x2C00
SIZES = [(8, "b"), (16, "w"), (32, "d")]
# (operation, opcode of the byte form, prefixes to try, reads esi, reads/writes edi, flag row)
OPERATIONS = [
    ("movs", 0xA4, ["", "rep"], True, True, "none"),
    ("cmps", 0xA6, ["", "repe", "repne"], True, True, "cmps"),
    ("stos", 0xAA, ["", "rep"], False, True, "none"),
    ("lods", 0xAC, ["", "rep"], True, False, "none"),
    ("scas", 0xAE, ["", "repe", "repne"], False, True, "scas"),
]
PREFIX_BYTES = {"": b"", "rep": b"\xf3", "repe": b"\xf3", "repne": b"\xf2"}


def _encode(rng: Rng, opcode: int, size: int, prefix: str) -> bytes:
    """Return the instruction bytes; 16-bit forms put 0x66 first as gas does, 1 in 4 after rep."""
    code = bytes([opcode if size == 8 else opcode + 1])
    repeat = PREFIX_BYTES[prefix]
    if size != 16:
        return repeat + code
    if repeat and rng.chance(1, 4):
        return repeat + OPERAND_SIZE_PREFIX + code
    return OPERAND_SIZE_PREFIX + repeat + code


def _buffer(start: int, direction_down: bool, count: int, width: int) -> tuple:
    """Return (lowest address, length) of `count` elements walked from `start`."""
    elements = max(count, 1)
    if direction_down:
        return start - (elements - 1) * width, elements * width
    return start, elements * width


def _elements(rng: Rng, count: int, size: int) -> list:
    return [rng.operand(size) for _ in range(max(count, 1))]


def _comparison_data(rng: Rng, operation: str, prefix: str, count: int, size: int) -> tuple:
    """Return (source elements, destination elements, accumulator) where the stop hits at random.

    repe stops at the first difference, repne at the first equal pair; the stop element is
    drawn from 0..count, where count means "never".
    """
    source = _elements(rng, count, size)
    stop = rng.below(max(count, 1) + 1)
    accumulator = rng.operand(size)
    if operation == "cmps":
        if prefix == "repne":
            destination = [value ^ (1 + rng.below(255)) for value in source]
            if stop < len(source):
                destination[stop] = source[stop]
        else:
            destination = list(source)
            if stop < len(source):
                destination[stop] ^= 1 << rng.below(size)
        return source, destination, accumulator
    if prefix == "repne":
        destination = [accumulator ^ (1 + rng.below(255)) for _ in source]
        if stop < len(source):
            destination[stop] = accumulator
    else:
        destination = [accumulator] * len(source)
        if stop < len(source):
            destination[stop] ^= 1 << rng.below(size)
    return source, destination, accumulator


def _string_case(rng: Rng, operation: str, opcode: int, size: int, prefix: str,
                 uses_source: bool, uses_destination: bool, row: str, direction_down: bool):
    width = size // 8
    count = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8]) if prefix else 1
    esi = SOURCE_BASE + rng.below(0x100)
    edi = DESTINATION_BASE + rng.below(0x100)
    if operation in ("cmps", "scas"):
        source, destination, accumulator = _comparison_data(rng, operation, prefix, count, size)
    else:
        source, destination = _elements(rng, count, size), _elements(rng, count, size)
        accumulator = rng.bits(32)

    registers = {"eax": rng.bits(32), "esi": esi, "edi": edi}
    registers["eax"] = (registers["eax"] & ~((1 << size) - 1)) | (accumulator & ((1 << size) - 1))
    registers["ecx"] = count if prefix else rng.bits(32)
    fill_background(rng, registers)

    memory = []
    for used, start, values in [(uses_source, esi, source), (uses_destination, edi, destination)]:
        if not used:
            continue
        low, length = _buffer(start, direction_down, count, width)
        ordered = values[::-1] if direction_down else values
        content = b"".join(operand_bytes(value, size) for value in ordered)[:length]
        guard = [bytes(rng.bits(8) for _ in range(GUARD_BYTES)) for _ in range(2)]
        memory.append((low - GUARD_BYTES, guard[0] + content + guard[1]))

    eflags = ALWAYS_SET | (rng.bits(12) & 0x8D5) | (DF if direction_down else 0)
    return CaseSpec(_encode(rng, opcode, size, prefix), registers, eflags, memory,
                    undefined_flags(row))


def generate() -> list:
    """Return every group of string.json."""
    rng = Rng(SEED)
    groups = []
    for operation, opcode, prefixes, uses_source, uses_destination, row in OPERATIONS:
        for size, suffix in SIZES:
            for prefix in prefixes:
                for direction_down in (False, True):
                    name = f"{prefix + ' ' if prefix else ''}{operation}{suffix} (DF={int(direction_down)})"
                    cases = [
                        _string_case(rng, operation, opcode, size, prefix, uses_source,
                                     uses_destination, row, direction_down)
                        for _ in range(CASES)
                    ]
                    groups.append(Group(name, cases))
    return groups
