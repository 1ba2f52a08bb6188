"""bits.json: bt bts btr btc (register and immediate offsets), bsf bsr, bswap.

With a register bit offset and a memory operand the offset is a signed integer that selects a
bit anywhere around the operand: the CPU addresses the word or dword at
address + (size/8) * (offset >> log2(size)). Those cases list memory at both the ModRM address
and the addressed bytes. An immediate offset is taken modulo the operand size, register or
memory. bsf and bsr run with a zero source about one time in five.
"""

from encoding import (
    DATA_PAGE,
    OPERAND_SIZE_PREFIX,
    REGISTERS,
    encode_memory,
    set_register_part,
)
from flags_table import undefined_flags
from forms import RegOperand, memory_window, random_register, rm_case
from operands import MASKS, Rng
from vector import CaseSpec, Group, fill_background, random_eflags

SEED = 0x4249_5453
SIZES = [(16, OPERAND_SIZE_PREFIX), (32, b"")]
BIT_OPERATIONS = [("bt", 0xA3, 4), ("bts", 0xAB, 5), ("btr", 0xB3, 6), ("btc", 0xBB, 7)]
REGISTER_CASES = 40
MEMORY_CASES = 28
# Keep far offsets inside the data page: the operand sits near its middle, 0x2800.
FAR_OFFSET_BITS = 0x3000


def _signed(value: int, size: int) -> int:
    return value - (1 << size) if value >> (size - 1) else value


def _register_offset(rng: Rng, size: int) -> int:
    """Return a bit offset register value: inside the operand, beyond it, or negative."""
    roll = rng.below(4)
    if roll == 0:
        return rng.below(size)
    if roll == 1:
        return rng.pick([0, size - 1, size, size + 1, 2 * size - 1, MASKS[size]])
    return rng.between(-FAR_OFFSET_BITS, FAR_OFFSET_BITS) & MASKS[size]


def _far_memory_case(rng: Rng, operation: str, opcode: bytes, size: int) -> CaseSpec:
    """Build bt* m, r with a register offset that may address bytes beyond the operand."""
    offset = _register_offset(rng, size)
    offset_code = random_register(rng, size)
    registers = {}
    set_register_part(registers, offset_code, size, offset)

    address = 0x2800 + rng.between(-0x40, 0x40)
    operand = encode_memory(rng, offset_code, address, {offset_code})
    registers.update(operand.registers)

    width = size // 8
    target = address + width * (_signed(offset, size) >> (size.bit_length() - 1))
    if not DATA_PAGE + 8 <= target <= DATA_PAGE + 0xFF0:
        raise ValueError(f"bit offset {offset:#x} leaves the data page")
    memory = [memory_window(rng, target, rng.bits(size).to_bytes(width, "little"))]
    if abs(target - address) >= width + 8:
        memory.append(memory_window(rng, address, rng.bits(size).to_bytes(width, "little")))

    fill_background(rng, registers)
    return CaseSpec(opcode + operand.tail, registers, random_eflags(rng),
                    sorted(memory), undefined_flags(operation))


def _bit_test_groups(rng: Rng) -> list:
    groups = []
    for operation, opcode, digit in BIT_OPERATIONS:
        undefined = undefined_flags(operation)
        for size, prefix in SIZES:
            def build_register(size=size, opcode=prefix + bytes([0x0F, opcode])):
                return rm_case(rng, opcode, size, rng.operand(size), False,
                               RegOperand(size, _register_offset(rng, size)), undefined=undefined)

            def build_immediate(memory, size=size, opcode=prefix + b"\x0f\xba", digit=digit):
                return rm_case(rng, opcode, size, rng.operand(size), memory, digit,
                               immediate=bytes([rng.bits(8)]), undefined=undefined)

            memory_opcode = prefix + bytes([0x0F, opcode])
            groups += [
                Group(f"{operation} r/m{size}, r{size} (register)",
                      [build_register() for _ in range(REGISTER_CASES)]),
                Group(f"{operation} r/m{size}, r{size} (memory)",
                      [_far_memory_case(rng, operation, memory_opcode, size)
                       for _ in range(MEMORY_CASES)]),
                Group(f"{operation} r/m{size}, imm8 (register)",
                      [build_immediate(False) for _ in range(REGISTER_CASES)]),
                Group(f"{operation} r/m{size}, imm8 (memory)",
                      [build_immediate(True) for _ in range(MEMORY_CASES)]),
            ]
    return groups


def _scan_source(rng: Rng, size: int) -> int:
    """Return a bsf/bsr source: zero, one bit, or random."""
    roll = rng.below(5)
    if roll == 0:
        return 0
    if roll == 1:
        return 1 << rng.below(size)
    return rng.operand(size)


def _bit_scan_groups(rng: Rng) -> list:
    groups = []
    for operation, opcode in [("bsf", 0xBC), ("bsr", 0xBD)]:
        undefined = undefined_flags(operation)
        for size, prefix in SIZES:
            def build(memory, size=size, opcode=prefix + bytes([0x0F, opcode])):
                destination = RegOperand(size, rng.bits(32))
                return rm_case(rng, opcode, size, _scan_source(rng, size), memory, destination,
                               undefined=undefined)

            groups.append(Group(f"{operation} r{size}, r/m{size} (register)",
                                [build(False) for _ in range(REGISTER_CASES)]))
            groups.append(Group(f"{operation} r{size}, r/m{size} (memory)",
                                [build(True) for _ in range(MEMORY_CASES)]))
    return groups


def _bswap_group(rng: Rng) -> Group:
    cases = []
    for _ in range(REGISTER_CASES):
        code = rng.pick([c for c in range(8) if c != 4])
        registers = fill_background(rng, {REGISTERS[code]: rng.operand(32)})
        cases.append(CaseSpec(bytes([0x0F, 0xC8 + code]), registers, random_eflags(rng),
                              undefined=undefined_flags("none")))
    return Group("bswap r32", cases)


def generate() -> list:
    """Return every group of bits.json."""
    rng = Rng(SEED)
    return _bit_test_groups(rng) + _bit_scan_groups(rng) + [_bswap_group(rng)]
