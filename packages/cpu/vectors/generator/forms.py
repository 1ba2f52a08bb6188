"""Case builders for instructions whose operands come from a ModRM byte.

rm_case covers every instruction whose operands come from a ModRM byte: the r/m operand is a
register (mod 11) or a memory operand in the data page, the reg field is either a register
operand or an opcode extension (/digit). The memory operand is surrounded by random guard
bytes that are listed in memoryBefore and memoryAfter, so a write of the wrong width shows.
"""

from dataclasses import dataclass

from encoding import (
    REGISTERS,
    encode_memory,
    data_address,
    modrm,
    register_of,
    set_register_part,
)
from operands import MASKS, Rng
from vector import CaseSpec, fill_background, random_eflags

GUARD_BYTES = 4


@dataclass
class RegOperand:
    """The reg field as a register operand of `size` bits with `value`; a None `code` is random."""

    size: int
    value: int
    code: int | None = None


def random_register(rng: Rng, size: int, avoid: set = frozenset()) -> int:
    """Return a register code for a `size`-bit operand, never esp for 16 and 32 bits."""
    choices = [
        code for code in range(8)
        if (size == 8 or code != 4) and register_of(code, size) not in avoid
    ]
    return rng.pick(choices)


def operand_bytes(value: int, size: int) -> bytes:
    """Return `value` as a little-endian operand of `size` bits."""
    return (value & MASKS[size]).to_bytes(size // 8, "little")


def memory_window(rng: Rng, address: int, content: bytes) -> tuple:
    """Return a memory region with `content` at `address` between random guard bytes."""
    before = bytes(rng.bits(8) for _ in range(GUARD_BYTES))
    after = bytes(rng.bits(8) for _ in range(GUARD_BYTES))
    return (address - GUARD_BYTES, before + content + after)


def rm_case(
    rng: Rng,
    opcode: bytes,
    rm_size: int,
    rm_value: int,
    memory: bool,
    reg: RegOperand | int,
    immediate: bytes = b"",
    undefined: int = 0,
    eflags: int | None = None,
    registers: dict | None = None,
) -> CaseSpec:
    """Build a case for `opcode` with a ModRM operand of `rm_size` bits set to `rm_value`.

    `reg` is a RegOperand or an opcode extension digit. `registers` are fixed register values
    (such as eax for mul); those registers are not used for the operands.
    """
    values = dict(registers or {})
    fixed = {REGISTERS.index(name) for name in values}
    busy = set(fixed)
    reg_field = reg
    if isinstance(reg, RegOperand):
        reg_field = reg.code if reg.code is not None else random_register(rng, reg.size, fixed)
        set_register_part(values, reg_field, reg.size, reg.value)
        busy.add(register_of(reg_field, reg.size))

    memory_regions = []
    if memory:
        address = data_address(rng, rm_size // 8)
        operand = encode_memory(rng, reg_field, address, busy)
        values.update(operand.registers)
        tail = operand.tail
        memory_regions.append(memory_window(rng, address, operand_bytes(rm_value, rm_size)))
    else:
        # The r/m register may be the reg operand's register (xor eax, eax); the later write wins.
        rm_code = random_register(rng, rm_size, fixed)
        set_register_part(values, rm_code, rm_size, rm_value)
        tail = bytes([modrm(3, reg_field, rm_code)])

    fill_background(rng, values)
    return CaseSpec(
        code=opcode + tail + immediate,
        registers=values,
        eflags=random_eflags(rng) if eflags is None else eflags,
        memory=memory_regions,
        undefined=undefined,
    )

