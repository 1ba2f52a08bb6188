"""alu.json: add or adc sbb and sub xor cmp, test, inc dec, neg not in 8, 16 and 32 bits.

Every ModRM form comes with a register group and a memory group. The immediate forms include
the sign-extended imm8 (83) and the short accumulator forms (04, 05, a8, a9).
"""

from encoding import OPERAND_SIZE_PREFIX, REGISTERS, set_register_part
from flags_table import undefined_flags
from forms import RegOperand, operand_bytes, rm_case
from operands import Rng
from vector import CaseSpec, Group, fill_background, random_eflags

SEED = 0x41_4C_55
BINARY_OPERATIONS = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
SIZES = [(8, b""), (16, OPERAND_SIZE_PREFIX), (32, b"")]
SIZE_NAMES = {8: "8", 16: "16", 32: "32"}
ACCUMULATORS = {8: "al", 16: "ax", 32: "eax"}
REGISTER_CASES = 32
MEMORY_CASES = 16
ACCUMULATOR_CASES = 20


def _register_and_memory(name: str, build) -> list:
    """Return the "(register)" and "(memory)" groups of one ModRM form."""
    return [
        Group(f"{name} (register)", [build(False) for _ in range(REGISTER_CASES)]),
        Group(f"{name} (memory)", [build(True) for _ in range(MEMORY_CASES)]),
    ]


def _binary_groups(rng: Rng, operation: str, index: int) -> list:
    """Return every form of one of the eight classic binary operations."""
    undefined = undefined_flags(operation)
    groups = []
    for size, prefix in SIZES:
        bits = SIZE_NAMES[size]
        width_bit = 0 if size == 8 else 1
        to_rm = prefix + bytes([index * 8 + width_bit])
        to_reg = prefix + bytes([index * 8 + 2 + width_bit])

        def build_to_rm(memory, size=size, opcode=to_rm):
            return rm_case(rng, opcode, size, rng.operand(size), memory,
                           RegOperand(size, rng.operand(size)), undefined=undefined)

        def build_to_reg(memory, size=size, opcode=to_reg):
            return rm_case(rng, opcode, size, rng.operand(size), memory,
                           RegOperand(size, rng.operand(size)), undefined=undefined)

        groups += _register_and_memory(f"{operation} r/m{bits}, r{bits}", build_to_rm)
        groups += _register_and_memory(f"{operation} r{bits}, r/m{bits}", build_to_reg)
        groups.append(_accumulator_group(rng, operation, size, prefix + bytes([index * 8 + 4 + width_bit]), undefined))
        groups += _immediate_groups(rng, operation, index, size, prefix, undefined)
    return groups


def _accumulator_group(rng: Rng, operation: str, size: int, opcode: bytes, undefined: int) -> Group:
    """Return the short form "op al/ax/eax, imm" group."""
    cases = []
    for _ in range(ACCUMULATOR_CASES):
        registers = {}
        set_register_part(registers, 0, size, rng.operand(size))
        if size != 32:
            registers["eax"] = (rng.bits(32) & ~((1 << size) - 1)) | registers["eax"]
        fill_background(rng, registers)
        code = opcode + operand_bytes(rng.operand(size), size)
        cases.append(CaseSpec(code, registers, random_eflags(rng), undefined=undefined))
    accumulator = ACCUMULATORS[size]
    return Group(f"{operation} {accumulator}, imm{size}", cases)


def _immediate_groups(rng: Rng, operation: str, digit: int, size: int, prefix: bytes,
                      undefined: int) -> list:
    """Return the 80/81/83 /digit groups: r/m with a full or a sign-extended 8-bit immediate."""
    bits = SIZE_NAMES[size]
    forms = [(0x80, 8)] if size == 8 else [(0x81, size), (0x83, 8)]
    groups = []
    for opcode, immediate_size in forms:
        def build(memory, opcode=opcode, immediate_size=immediate_size):
            immediate = operand_bytes(rng.operand(immediate_size), immediate_size)
            return rm_case(rng, prefix + bytes([opcode]), size, rng.operand(size), memory,
                           digit, immediate=immediate, undefined=undefined)

        groups += _register_and_memory(f"{operation} r/m{bits}, imm{immediate_size}", build)
    return groups


def _test_groups(rng: Rng) -> list:
    """Return test r/m, r (84, 85), test r/m, imm (f6/f7 /0) and test al/ax/eax, imm (a8, a9)."""
    undefined = undefined_flags("test")
    groups = []
    for size, prefix in SIZES:
        bits = SIZE_NAMES[size]
        width_bit = 0 if size == 8 else 1

        def build_reg(memory, size=size, opcode=prefix + bytes([0x84 + width_bit])):
            return rm_case(rng, opcode, size, rng.operand(size), memory,
                           RegOperand(size, rng.operand(size)), undefined=undefined)

        def build_imm(memory, size=size, opcode=prefix + bytes([0xF6 + width_bit])):
            immediate = operand_bytes(rng.operand(size), size)
            return rm_case(rng, opcode, size, rng.operand(size), memory, 0,
                           immediate=immediate, undefined=undefined)

        groups += _register_and_memory(f"test r/m{bits}, r{bits}", build_reg)
        groups += _register_and_memory(f"test r/m{bits}, imm{size}", build_imm)
        groups.append(_accumulator_group(rng, "test", size, prefix + bytes([0xA8 + width_bit]), undefined))
    return groups


def _unary_groups(rng: Rng) -> list:
    """Return inc, dec (fe/ff /0 /1 and 40+r, 48+r), not (f6/f7 /2) and neg (f6/f7 /3)."""
    groups = []
    for operation, digit in [("inc", 0), ("dec", 1), ("not", 2), ("neg", 3)]:
        undefined = undefined_flags("none" if operation == "not" else operation)
        for size, prefix in SIZES:
            base = 0xFE if digit < 2 else 0xF6
            opcode = prefix + bytes([base + (0 if size == 8 else 1)])

            def build(memory, size=size, opcode=opcode, digit=digit):
                return rm_case(rng, opcode, size, rng.operand(size), memory, digit,
                               undefined=undefined)

            groups += _register_and_memory(f"{operation} r/m{SIZE_NAMES[size]}", build)
            if digit < 2 and size != 8:
                groups.append(_short_unary_group(rng, operation, digit, size, prefix, undefined))
    return groups


def _short_unary_group(rng: Rng, operation: str, digit: int, size: int, prefix: bytes,
                       undefined: int) -> Group:
    """Return the one-byte inc r32 (40+r) or dec r32 (48+r) group, 16 bits with 0x66."""
    cases = []
    for _ in range(ACCUMULATOR_CASES):
        code = rng.pick([c for c in range(8) if c != 4])
        registers = {REGISTERS[code]: rng.bits(32)}
        set_register_part(registers, code, size, rng.operand(size))
        fill_background(rng, registers)
        opcode = prefix + bytes([0x40 + digit * 8 + code])
        cases.append(CaseSpec(opcode, registers, random_eflags(rng), undefined=undefined))
    return Group(f"{operation} r{size} (short form {0x40 + digit * 8:02x}+r)", cases)


def generate() -> list:
    """Return every group of alu.json."""
    rng = Rng(SEED)
    groups = []
    for index, operation in enumerate(BINARY_OPERATIONS):
        groups += _binary_groups(rng, operation, index)
    groups += _test_groups(rng)
    groups += _unary_groups(rng)
    return groups
