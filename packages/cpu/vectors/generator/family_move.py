"""move.json: mov (all forms, moffs included), movzx, movsx, xchg, cbw/cwde/cwd/cdq, xlat, nops.

No instruction here changes the flags, so every flag is compared; eflags before are random, so
an interpreter that touches them shows up.
"""

from encoding import (
    OPERAND_SIZE_PREFIX,
    REGISTERS,
    data_address,
    register_of,
    set_register_part,
    u32,
)
from flags_table import undefined_flags
from forms import RegOperand, memory_window, operand_bytes, rm_case
from operands import Rng
from vector import CaseSpec, Group, fill_background, random_eflags

SEED = 0x4D4F_5645
SIZES = [(8, b""), (16, OPERAND_SIZE_PREFIX), (32, b"")]
REGISTER_CASES = 32
MEMORY_CASES = 16
SHORT_CASES = 16
NONE = undefined_flags("none")

# Multi-byte nops as gcc's assembler pads code with them (32-bit mode, -march=i686).
NOPS = [
    ("nop", "90"),
    ("xchg ax, ax (66 90)", "6690"),
    ("pause", "f390"),
    ("nop dword [eax]", "0f1f00"),
    ("nop dword [eax+0]", "0f1f4000"),
    ("nop dword [eax+eax*1+0]", "0f1f440000"),
    ("nop word [eax+eax*1+0]", "660f1f440000"),
    ("nop dword [eax+0] (disp32)", "0f1f8000000000"),
    ("nop dword [eax+eax*1+0] (disp32)", "0f1f840000000000"),
    ("nop word [eax+eax*1+0] (disp32)", "660f1f840000000000"),
    ("cs nop word [eax+eax*1+0]", "662e0f1f840000000000"),
    ("data16 data16 cs nop word", "66662e0f1f840000000000"),
    ("lea esi, [esi+0]", "8d7600"),
    ("lea esi, [esi+eiz*1+0]", "8d742600"),
    ("lea esi, [esi+0] (disp32)", "8db600000000"),
    ("lea esi, [esi+eiz*1+0] (disp32)", "8db42600000000"),
    ("lea edi, [edi+eiz*1+0] (disp32)", "8dbc2700000000"),
    ("cs lea esi, [esi+eiz*1+0]", "2e8db42600000000"),
    ("mov esi, esi", "89f6"),
    ("mov edi, edi", "89ff"),
]


def _mov_groups(rng: Rng) -> list:
    """Return mov r/m, r (88, 89), mov r, r/m (8a, 8b) and mov r/m, imm (c6, c7 /0)."""
    groups = []
    for size, prefix in SIZES:
        width_bit = 0 if size == 8 else 1
        for name, opcode in [(f"mov r/m{size}, r{size}", 0x88), (f"mov r{size}, r/m{size}", 0x8A)]:
            def build(memory, size=size, opcode=prefix + bytes([opcode + width_bit])):
                return rm_case(rng, opcode, size, rng.operand(size), memory,
                               RegOperand(size, rng.operand(size)), undefined=NONE)

            groups += _pair(name, build)

        def build_immediate(memory, size=size, opcode=prefix + bytes([0xC6 + width_bit])):
            return rm_case(rng, opcode, size, rng.operand(size), memory, 0,
                           immediate=operand_bytes(rng.operand(size), size), undefined=NONE)

        groups += _pair(f"mov r/m{size}, imm{size}", build_immediate)
        groups.append(_mov_register_immediate(rng, size, prefix))
        groups += _moffs_groups(rng, size, prefix)
    return groups


def _mov_register_immediate(rng: Rng, size: int, prefix: bytes) -> Group:
    """Return mov r8, imm8 (b0+r) or mov r32, imm32 (b8+r), 16 bits with 0x66."""
    cases = []
    base = 0xB0 if size == 8 else 0xB8
    for index in range(SHORT_CASES):
        code = index % 8
        if size != 8 and code == 4:
            code = rng.pick([0, 1, 2, 3, 5, 6, 7])
        registers = fill_background(rng, {REGISTERS[register_of(code, size)]: rng.bits(32)})
        opcode = prefix + bytes([base + code]) + operand_bytes(rng.operand(size), size)
        cases.append(CaseSpec(opcode, registers, random_eflags(rng), undefined=NONE))
    return Group(f"mov r{size}, imm{size} ({base:02x}+r)", cases)


def _moffs_groups(rng: Rng, size: int, prefix: bytes) -> list:
    """Return mov al/ax/eax, [moffs] (a0, a1) and mov [moffs], al/ax/eax (a2, a3)."""
    accumulator = {8: "al", 16: "ax", 32: "eax"}[size]
    width_bit = 0 if size == 8 else 1
    groups = []
    for name, opcode in [(f"mov {accumulator}, moffs{size}", 0xA0),
                         (f"mov moffs{size}, {accumulator}", 0xA2)]:
        cases = []
        for _ in range(SHORT_CASES):
            address = data_address(rng, size // 8)
            registers = fill_background(rng, {"eax": rng.bits(32)})
            memory = [memory_window(rng, address, operand_bytes(rng.operand(size), size))]
            code = prefix + bytes([opcode + width_bit]) + u32(address)
            cases.append(CaseSpec(code, registers, random_eflags(rng), memory, NONE))
        groups.append(Group(name, cases))
    return groups


def _extend_groups(rng: Rng) -> list:
    """Return movzx and movsx from 8 and 16 bits into 16 and 32 bits."""
    groups = []
    forms = [(32, 8, b""), (32, 16, b""), (16, 8, OPERAND_SIZE_PREFIX)]
    for operation, opcode in [("movzx", 0xB6), ("movsx", 0xBE)]:
        for destination, source, prefix in forms:
            code = prefix + bytes([0x0F, opcode + (1 if source == 16 else 0)])

            def build(memory, destination=destination, source=source, code=code):
                return rm_case(rng, code, source, rng.operand(source), memory,
                               RegOperand(destination, rng.bits(32)), undefined=NONE)

            groups += _pair(f"{operation} r{destination}, r/m{source}", build)
    return groups


def _exchange_groups(rng: Rng) -> list:
    """Return xchg r/m, r (86, 87) and xchg eax, r32 (90+r), 16 bits with 0x66."""
    groups = []
    for size, prefix in SIZES:
        def build(memory, size=size, opcode=prefix + bytes([0x86 if size == 8 else 0x87])):
            return rm_case(rng, opcode, size, rng.operand(size), memory,
                           RegOperand(size, rng.operand(size)), undefined=NONE)

        groups += _pair(f"xchg r/m{size}, r{size}", build)
        if size == 8:
            continue
        cases = []
        for index in range(SHORT_CASES):
            code = 1 + index % 7
            if code == 4:
                code = rng.pick([1, 2, 3, 5, 6, 7])
            registers = fill_background(rng, {"eax": rng.bits(32), REGISTERS[code]: rng.bits(32)})
            cases.append(CaseSpec(prefix + bytes([0x90 + code]), registers, random_eflags(rng),
                                  undefined=NONE))
        accumulator = "ax" if size == 16 else "eax"
        groups.append(Group(f"xchg {accumulator}, r{size} (90+r)", cases))
    return groups


def _convert_groups(rng: Rng) -> list:
    """Return cbw, cwde, cwd and cdq with sign boundaries in the source."""
    groups = []
    for name, code in [("cbw", "6698"), ("cwde", "98"), ("cwd", "6699"), ("cdq", "99")]:
        source_size = {"cbw": 8, "cwde": 16, "cwd": 16, "cdq": 32}[name]
        cases = []
        for _ in range(SHORT_CASES):
            registers = {"eax": rng.bits(32), "edx": rng.bits(32)}
            set_register_part(registers, 0, source_size, rng.operand(source_size))
            fill_background(rng, registers)
            cases.append(CaseSpec(bytes.fromhex(code), registers, random_eflags(rng),
                                  undefined=NONE))
        groups.append(Group(name, cases))
    return groups


def _xlat_group(rng: Rng) -> Group:
    """Return xlat: al = [ebx + al] with a 256-byte table in the data page."""
    cases = []
    for _ in range(SHORT_CASES):
        table = data_address(rng, 4) & ~0xFF
        table = min(table, 0x2E00)
        content = bytes(rng.bits(8) for _ in range(256))
        registers = fill_background(rng, {"eax": rng.bits(32), "ebx": table})
        cases.append(CaseSpec(b"\xd7", registers, random_eflags(rng), [(table, content)], NONE))
    return Group("xlat m8", cases)


def _nop_groups(rng: Rng) -> list:
    """Return the nop encodings; the memory forms never touch memory, so registers are random."""
    groups = []
    for name, code in NOPS:
        cases = []
        for _ in range(4):
            registers = fill_background(rng, {"esi": rng.bits(32), "edi": rng.bits(32)})
            cases.append(CaseSpec(bytes.fromhex(code), registers, random_eflags(rng),
                                  undefined=NONE))
        groups.append(Group(name, cases))
    cases = [
        rm_case(rng, b"\x0f\x1f", 32, rng.bits(32), rng.chance(1, 2), 0, undefined=NONE)
        for _ in range(SHORT_CASES)
    ]
    groups.append(Group("nop r/m32 (0f 1f /0, any ModRM)", cases))
    return groups


def _pair(name: str, build) -> list:
    return [
        Group(f"{name} (register)", [build(False) for _ in range(REGISTER_CASES)]),
        Group(f"{name} (memory)", [build(True) for _ in range(MEMORY_CASES)]),
    ]


def generate() -> list:
    """Return every group of move.json."""
    rng = Rng(SEED)
    return (
        _mov_groups(rng)
        + _extend_groups(rng)
        + _exchange_groups(rng)
        + _convert_groups(rng)
        + [_xlat_group(rng)]
        + _nop_groups(rng)
    )
