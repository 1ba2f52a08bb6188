"""control.json: jcc (rel8, rel32), jmp, call and ret in every form gcc emits.

A jump target is either inside the code page after the instruction, where the runner left hlt
bytes, or an unmapped address below 0x1000 or between 0x4000 and 0x08000000, where the fetch
faults. Either way the fault reports the eip the jump produced; the CPU test executes the one
instruction and compares that eip. Taken and not-taken conditions come from random flags.
"""

import struct

from encoding import REGISTERS, data_address, encode_memory, modrm, u16, u32
from family_stack import stack_case
from flags_table import ALWAYS_SET, undefined_flags
from forms import memory_window, random_register
from operands import Rng
from vector import CaseSpec, Group, fill_background

SEED = 0x4354_524C
CONDITIONS = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
CASES = 24
CODE_PAGE = 0x1000
CODE_END = 0x2000
FAR_START = 0x4000
FAR_END = 0x0800_0000
NONE = undefined_flags("none")


def _target(rng: Rng, next_eip: int) -> int:
    """Return a jump target: in the code page after the instruction, below it, or far above."""
    roll = rng.below(4)
    if roll < 2:
        return rng.between(next_eip, min(next_eip + 0x200, CODE_END - 1))
    if roll == 2:
        return rng.between(0, CODE_PAGE - 1)
    return rng.between(FAR_START, FAR_END - 1)


def _rel8_target(rng: Rng, next_eip: int) -> int:
    """Return a target a signed 8-bit displacement reaches, never inside the instruction."""
    if rng.chance(1, 2):
        return next_eip + rng.below(128)
    return next_eip - rng.between(3, 128)


def _flags(rng: Rng) -> int:
    return ALWAYS_SET | (rng.bits(12) & 0x8D5) | (0x400 if rng.chance(1, 8) else 0)


def _relative_case(rng: Rng, opcode: bytes, wide: bool, eflags: int) -> CaseSpec:
    length = len(opcode) + (4 if wide else 1)
    next_eip = CODE_PAGE + length
    target = _target(rng, next_eip) if wide else _rel8_target(rng, next_eip)
    displacement = u32(target - next_eip) if wide else struct.pack("<b", target - next_eip)
    registers = fill_background(rng, {})
    return CaseSpec(opcode + displacement, registers, eflags, undefined=NONE)


def _conditional_groups(rng: Rng) -> list:
    groups = []
    for index, condition in enumerate(CONDITIONS):
        short = [_relative_case(rng, bytes([0x70 + index]), False, _flags(rng)) for _ in range(CASES)]
        near = [_relative_case(rng, bytes([0x0F, 0x80 + index]), True, _flags(rng))
                for _ in range(CASES)]
        groups.append(Group(f"j{condition} rel8", short))
        groups.append(Group(f"j{condition} rel32", near))
    return groups


def _jump_groups(rng: Rng) -> list:
    short = [_relative_case(rng, b"\xeb", False, _flags(rng)) for _ in range(CASES)]
    near = [_relative_case(rng, b"\xe9", True, _flags(rng)) for _ in range(CASES)]
    return [Group("jmp rel8", short), Group("jmp rel32", near)] + _indirect_groups(rng, "jmp", 4)


def _indirect_groups(rng: Rng, operation: str, digit: int) -> list:
    """Return jmp/call r/m32 (ff /4, ff /2) with the target in a register or in the data page."""
    register_cases, memory_cases = [], []
    for _ in range(CASES):
        code = random_register(rng, 32)
        length = 2
        target = _target(rng, CODE_PAGE + length)
        tail = bytes([0xFF, modrm(3, digit, code)])
        register_cases.append(_control_case(rng, operation, tail, {REGISTERS[code]: target}))

        address = data_address(rng, 4)
        operand = encode_memory(rng, digit, address, set())
        length = 1 + len(operand.tail)
        target = _target(rng, CODE_PAGE + length)
        window = memory_window(rng, address, u32(target))
        memory_cases.append(_control_case(rng, operation, b"\xff" + operand.tail,
                                          operand.registers, [window]))
    return [Group(f"{operation} r/m32 (register)", register_cases),
            Group(f"{operation} r/m32 (memory)", memory_cases)]


def _control_case(rng: Rng, operation: str, code: bytes, registers: dict,
                  memory: list | None = None) -> CaseSpec:
    """Build a jmp case, or a call case with a stack window for the return address."""
    if operation == "call":
        return stack_case(rng, code, registers, NONE, memory=memory)
    return CaseSpec(code, fill_background(rng, registers), _flags(rng), memory or [], NONE)


def _call_groups(rng: Rng) -> list:
    cases = []
    for _ in range(CASES):
        next_eip = CODE_PAGE + 5
        target = _target(rng, next_eip)
        cases.append(stack_case(rng, b"\xe8" + u32(target - next_eip), {}, NONE))
    return [Group("call rel32", cases)] + _indirect_groups(rng, "call", 2)


def _return_groups(rng: Rng) -> list:
    """Return ret (c3), rep ret (f3 c3) and ret imm16 (c2 iw) with the return address at [esp]."""
    groups = []
    for name, opcode in [("ret", b"\xc3"), ("rep ret", b"\xf3\xc3"), ("ret imm16", b"\xc2")]:
        cases = []
        for _ in range(CASES):
            # 0xfffc carries esp past 0x10000: the stack pointer is 32 bits wide, not 16.
            release = rng.pick([0, 4, 8, 12, 0x10, 0xFFFC, rng.bits(16)])
            code = opcode + (u16(release) if name == "ret imm16" else b"")
            case = stack_case(rng, code, {}, NONE, esp=0x3100 + 4 * rng.below(0x300))
            esp = case.registers["esp"]
            start, window = case.memory[0]
            offset = esp - start
            target = u32(_target(rng, CODE_PAGE + len(code)))
            case.memory[0] = (start, window[:offset] + target + window[offset + 4:])
            cases.append(case)
        groups.append(Group(name, cases))
    return groups


def generate() -> list:
    """Return every group of control.json."""
    rng = Rng(SEED)
    return _conditional_groups(rng) + _jump_groups(rng) + _call_groups(rng) + _return_groups(rng)
