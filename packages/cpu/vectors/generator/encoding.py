"""Register names and ModRM/SIB encoding for building instruction bytes.

ModRM byte:  7-6 mod | 5-3 reg | 2-0 rm
SIB byte:    7-6 scale (log2) | 5-3 index | 2-0 base
mod 11 selects a register; mod 00/01/10 a memory operand with no, 8-bit or 32-bit displacement.
rm 100 brings a SIB byte; mod 00 with rm 101 (or with SIB base 101) means disp32 without base;
index 100 means no index.
"""

import struct

from operands import Rng

REGISTERS = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]
NAMES = {
    8: ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"],
    16: ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"],
    32: REGISTERS,
}
OPERAND_SIZE_PREFIX = b"\x66"

DATA_PAGE = 0x2000
STACK_PAGE = 0x3000
PAGE_SIZE = 0x1000
INITIAL_ESP = 0x3800


def modrm(mod: int, reg: int, rm: int) -> int:
    """Return a ModRM byte."""
    return (mod << 6) | (reg << 3) | rm


def sib(scale_log2: int, index: int, base: int) -> int:
    """Return a SIB byte."""
    return (scale_log2 << 6) | (index << 3) | base


def disp8(value: int) -> bytes:
    """Return a signed 8-bit displacement."""
    return struct.pack("<b", value)


def u32(value: int) -> bytes:
    """Return a little-endian 32-bit field."""
    return struct.pack("<I", value & 0xFFFFFFFF)


def u16(value: int) -> bytes:
    """Return a little-endian 16-bit field."""
    return struct.pack("<H", value & 0xFFFF)


def register_of(code: int, size: int) -> int:
    """Return the 32-bit register (0-7) that contains register `code` of `size` bits."""
    if size == 8:
        return code & 3
    return code


def set_register_part(registers: dict, code: int, size: int, value: int) -> None:
    """Store `value` into register `code` of `size` bits, keeping the other bits of its dword."""
    name = REGISTERS[register_of(code, size)]
    old = registers.get(name, 0)
    if size == 32:
        registers[name] = value & 0xFFFFFFFF
    elif size == 16:
        registers[name] = (old & 0xFFFF0000) | (value & 0xFFFF)
    elif code < 4:
        registers[name] = (old & 0xFFFFFF00) | (value & 0xFF)
    else:
        registers[name] = (old & 0xFFFF00FF) | ((value & 0xFF) << 8)


class MemoryOperand:
    """The ModRM tail (ModRM, SIB, displacement) addressing one linear address.

    `registers` contains the base and index values that make the address. `text` is its Intel
    syntax, such as "[esi+ecx*4+0x10]".
    """

    def __init__(self, tail: bytes, registers: dict, text: str) -> None:
        self.tail = tail
        self.registers = registers
        self.text = text


def encode_memory(rng: Rng, reg_field: int, address: int, busy: set) -> MemoryOperand:
    """Encode a memory operand at `address` with a random addressing form.

    Base and index registers are taken from those not in `busy` (register numbers 0-7) and never
    esp, so the stack stays where the case put it.
    """
    free = [code for code in range(8) if code not in busy and code != 4]
    form = rng.below(6) if len(free) >= 2 else rng.below(4)
    if form == 0 or not free:
        return MemoryOperand(bytes([modrm(0, reg_field, 5)]) + u32(address), {}, f"[{address:#x}]")

    base = rng.pick([code for code in free if code != 5] or free)
    if form == 1 and base != 5:
        tail = bytes([modrm(0, reg_field, base)])
        return MemoryOperand(tail, {REGISTERS[base]: address}, f"[{REGISTERS[base]}]")
    if form in (1, 2):
        displacement = rng.between(-128, 127)
        tail = bytes([modrm(1, reg_field, base)]) + disp8(displacement)
        values = {REGISTERS[base]: (address - displacement) & 0xFFFFFFFF}
        return MemoryOperand(tail, values, f"[{REGISTERS[base]}{displacement:+#x}]")
    if form == 3:
        displacement = rng.bits(32)
        tail = bytes([modrm(2, reg_field, base)]) + u32(displacement)
        values = {REGISTERS[base]: (address - displacement) & 0xFFFFFFFF}
        return MemoryOperand(tail, values, f"[{REGISTERS[base]}+{displacement:#x}]")
    return _encode_indexed(rng, reg_field, address, free, form == 5)


def _encode_indexed(rng: Rng, reg_field: int, address: int, free: list, wide: bool) -> MemoryOperand:
    """Encode [base+index*scale+disp8] or, when `wide`, [base+index*scale+disp32]."""
    base, index = rng.shuffled(free)[:2]
    scale_log2 = rng.below(4)
    index_value = rng.below(64) if rng.chance(3, 4) else rng.bits(32)
    displacement = rng.bits(32) if wide else rng.between(-128, 127)
    mod = 2 if wide else 1
    tail = bytes([modrm(mod, reg_field, 4), sib(scale_log2, index, base)])
    tail += u32(displacement) if wide else disp8(displacement)
    base_value = address - (index_value << scale_log2) - displacement
    values = {REGISTERS[base]: base_value & 0xFFFFFFFF, REGISTERS[index]: index_value}
    text = f"[{REGISTERS[base]}+{REGISTERS[index]}*{1 << scale_log2}{displacement:+#x}]"
    return MemoryOperand(tail, values, text)


def data_address(rng: Rng, size_bytes: int) -> int:
    """Return a random operand address inside the data page, away from its edges."""
    aligned = rng.chance(3, 4)
    address = DATA_PAGE + 0x100 + rng.below(0xE00)
    if aligned:
        address &= ~(size_bytes - 1)
    return address
