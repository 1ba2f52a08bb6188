"""atomic.json: xadd, cmpxchg, cmpxchg8b and the lock-prefixed forms gcc emits for atomics.

cmpxchg and cmpxchg8b compare equal about half the time. The lock prefix (f0) changes nothing a
single CPU can observe, so the locked groups check that the interpreter accepts the prefix on
every memory form gcc uses (including the "lock or dword [esp], 0" fence of -march=i686).
"""

from encoding import (
    OPERAND_SIZE_PREFIX,
    STACK_PAGE,
    data_address,
    encode_memory,
    set_register_part,
)
from flags_table import undefined_flags
from forms import RegOperand, memory_window, operand_bytes, rm_case
from operands import MASKS, Rng
from vector import CaseSpec, Group, fill_background, random_eflags

SEED = 0x4154_4F4D
SIZES = [(8, b""), (16, OPERAND_SIZE_PREFIX), (32, b"")]
REGISTER_CASES = 32
MEMORY_CASES = 16
LOCKED_CASES = 12
LOCK = b"\xf0"


def _xadd_groups(rng: Rng) -> list:
    groups = []
    for size, prefix in SIZES:
        opcode = prefix + bytes([0x0F, 0xC0 if size == 8 else 0xC1])

        def build(memory, size=size, opcode=opcode):
            return rm_case(rng, opcode, size, rng.operand(size), memory,
                           RegOperand(size, rng.operand(size)), undefined=undefined_flags("xadd"))

        groups += _pair(f"xadd r/m{size}, r{size}", build)
    return groups


def _cmpxchg_case(rng: Rng, opcode: bytes, size: int, memory: bool) -> CaseSpec:
    """Build cmpxchg r/m, r with the accumulator equal to r/m about half the time."""
    destination = rng.operand(size)
    accumulator = destination if rng.chance(1, 2) else rng.operand(size)
    registers = {"eax": rng.bits(32)}
    set_register_part(registers, 0, size, accumulator)
    return rm_case(rng, opcode, size, destination, memory, RegOperand(size, rng.operand(size)),
                   undefined=undefined_flags("cmpxchg"), registers=registers)


def _cmpxchg_groups(rng: Rng) -> list:
    groups = []
    for size, prefix in SIZES:
        opcode = prefix + bytes([0x0F, 0xB0 if size == 8 else 0xB1])
        groups += _pair(f"cmpxchg r/m{size}, r{size}",
                        lambda memory, size=size, opcode=opcode: _cmpxchg_case(rng, opcode, size, memory))
    return groups


def _cmpxchg8b_case(rng: Rng, prefix: bytes) -> CaseSpec:
    """Build cmpxchg8b m64: compare edx:eax with m64, store ecx:ebx or load m64 into edx:eax."""
    stored = rng.bits(64) if rng.chance(1, 2) else rng.pick([0, MASKS[32], 1 << 63, rng.bits(32)])
    expected = stored if rng.chance(1, 2) else stored ^ (1 << rng.below(64))
    registers = {
        "eax": expected & MASKS[32], "edx": expected >> 32,
        "ebx": rng.bits(32), "ecx": rng.bits(32),
    }
    address = data_address(rng, 8)
    operand = encode_memory(rng, 1, address, {0, 1, 2, 3})
    registers.update(operand.registers)
    fill_background(rng, registers)
    memory = [memory_window(rng, address, stored.to_bytes(8, "little"))]
    return CaseSpec(prefix + b"\x0f\xc7" + operand.tail, registers, random_eflags(rng), memory,
                    undefined_flags("cmpxchg8b"))


LOCKED_FORMS = [
    # Each row: name, opcode after the lock prefix, operand size, reg field, immediate size (0 for
    # none) and flag row. The reg field is "r" for a register operand, "offset" for a bit offset
    # register, or an opcode extension digit.
    ("add m32, r32", "01", 32, "r", 0, "add"),
    ("or m32, r32", "09", 32, "r", 0, "or"),
    ("and m32, r32", "21", 32, "r", 0, "and"),
    ("sub m32, r32", "29", 32, "r", 0, "sub"),
    ("xor m32, r32", "31", 32, "r", 0, "xor"),
    ("add m8, r8", "00", 8, "r", 0, "add"),
    ("or m16, r16", "6609", 16, "r", 0, "or"),
    ("add m32, imm8", "83", 32, 0, 8, "add"),
    ("or m32, imm8", "83", 32, 1, 8, "or"),
    ("adc m32, imm8", "83", 32, 2, 8, "adc"),
    ("sbb m32, imm8", "83", 32, 3, 8, "sbb"),
    ("and m32, imm32", "81", 32, 4, 32, "and"),
    ("sub m32, imm32", "81", 32, 5, 32, "sub"),
    ("xor m8, imm8", "80", 8, 6, 8, "xor"),
    ("inc m32", "ff", 32, 0, 0, "inc"),
    ("dec m32", "ff", 32, 1, 0, "dec"),
    ("not m32", "f7", 32, 2, 0, "none"),
    ("neg m32", "f7", 32, 3, 0, "neg"),
    ("xchg m32, r32", "87", 32, "r", 0, "none"),
    ("xadd m32, r32", "0fc1", 32, "r", 0, "xadd"),
    ("xadd m8, r8", "0fc0", 8, "r", 0, "xadd"),
    ("bts m32, imm8", "0fba", 32, 5, 8, "bts"),
    ("btr m32, imm8", "0fba", 32, 6, 8, "btr"),
    ("btc m32, imm8", "0fba", 32, 7, 8, "btc"),
    ("bts m32, r32", "0fab", 32, "offset", 0, "bts"),
]


def _locked_groups(rng: Rng) -> list:
    groups = []
    for name, opcode, size, reg, immediate_size, row in LOCKED_FORMS:
        def build(opcode=LOCK + bytes.fromhex(opcode), size=size, reg=reg,
                  immediate_size=immediate_size, row=row):
            if reg == "r":
                operand = RegOperand(size, rng.operand(size))
            elif reg == "offset":
                operand = RegOperand(size, rng.below(size))
            else:
                operand = reg
            immediate = b""
            if immediate_size:
                immediate = operand_bytes(rng.operand(immediate_size), immediate_size)
            return rm_case(rng, opcode, size, rng.operand(size), True, operand,
                           immediate=immediate, undefined=undefined_flags(row))

        groups.append(Group(f"lock {name}", [build() for _ in range(LOCKED_CASES)]))

    cmpxchg = [_cmpxchg_case(rng, LOCK + b"\x0f\xb1", 32, True) for _ in range(LOCKED_CASES)]
    groups.append(Group("lock cmpxchg m32, r32", cmpxchg))
    groups.append(Group("lock cmpxchg8b m64", [_cmpxchg8b_case(rng, LOCK) for _ in range(LOCKED_CASES)]))
    groups.append(_fence_group(rng))
    return groups


def _fence_group(rng: Rng) -> Group:
    """Return "lock or dword [esp], 0" (f0 83 0c 24 00), gcc's fence without SSE2."""
    cases = []
    for _ in range(LOCKED_CASES):
        esp = STACK_PAGE + 0x100 + 4 * rng.below(0x3A0)
        registers = fill_background(rng, {"esp": esp})
        memory = [memory_window(rng, esp, rng.operand(32).to_bytes(4, "little"))]
        cases.append(CaseSpec(bytes.fromhex("f0830c2400"), registers, random_eflags(rng), memory,
                              undefined_flags("or")))
    return Group("lock or dword [esp], 0", cases)


def _pair(name: str, build) -> list:
    return [
        Group(f"{name} (register)", [build(False) for _ in range(REGISTER_CASES)]),
        Group(f"{name} (memory)", [build(True) for _ in range(MEMORY_CASES)]),
    ]


def generate() -> list:
    """Return every group of atomic.json."""
    rng = Rng(SEED)
    cmpxchg8b = Group("cmpxchg8b m64", [_cmpxchg8b_case(rng, b"") for _ in range(2 * MEMORY_CASES)])
    return _xadd_groups(rng) + _cmpxchg_groups(rng) + [cmpxchg8b] + _locked_groups(rng)
