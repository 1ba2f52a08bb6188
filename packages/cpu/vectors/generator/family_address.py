"""address.json: every ModRM and SIB addressing form, through lea and mov r32, m32.

lea returns the effective address itself, so its groups run every mod (00, 01, 10) with every
rm and, for rm 100, all 256 SIB bytes, with random registers and displacements: the sums wrap
modulo 2^32. The mov groups load through every ModRM form with the address inside the data
page (or the stack page when esp is the base), so the access itself is checked too.
"""

import struct

from encoding import DATA_PAGE, OPERAND_SIZE_PREFIX, REGISTERS, STACK_PAGE, modrm, u32
from flags_table import undefined_flags
from forms import memory_window
from operands import Rng
from vector import CaseSpec, Group, fill_background, random_eflags

SEED = 0x4144_4452
MOD_NAMES = {0: "mod 00", 1: "mod 01 (disp8)", 2: "mod 10 (disp32)"}
NONE = undefined_flags("none")


def _components(mod: int, rm: int, sib: int | None) -> tuple:
    """Return (base, index, scale, displacement bytes) of a ModRM/SIB form; None = absent."""
    displacement = {0: 0, 1: 1, 2: 4}[mod]
    if rm != 4:
        if mod == 0 and rm == 5:
            return None, None, 1, 4
        return rm, None, 1, displacement
    scale = 1 << (sib >> 6)
    index = (sib >> 3) & 7
    base = sib & 7
    if mod == 0 and base == 5:
        base, displacement = None, 4
    return base, None if index == 4 else index, scale, displacement


def _displacement_bytes(value: int, size: int) -> bytes:
    if size == 0:
        return b""
    if size == 1:
        return struct.pack("<b", value)
    return u32(value)


def _random_displacement(rng: Rng, size: int) -> int:
    if size == 1:
        return rng.between(-128, 127)
    if size == 4:
        return rng.bits(32)
    return 0


def _lea_case(rng: Rng, mod: int, rm: int, sib: int | None, prefix: bytes = b"") -> CaseSpec:
    reg = rng.below(8)
    _, _, _, displacement_size = _components(mod, rm, sib)
    displacement = _random_displacement(rng, displacement_size)
    tail = bytes([modrm(mod, reg, rm)]) + (bytes([sib]) if sib is not None else b"")
    tail += _displacement_bytes(displacement, displacement_size)
    registers = {name: rng.operand(32) for name in REGISTERS if name != "esp"}
    registers["esp"] = STACK_PAGE + 0x100 + 4 * rng.below(0x380)
    return CaseSpec(prefix + b"\x8d" + tail, registers, random_eflags(rng), undefined=NONE)


def _lea_groups(rng: Rng) -> list:
    groups = []
    for mod in range(3):
        plain = [_lea_case(rng, mod, rm, None) for rm in range(8) if rm != 4 for _ in range(4)]
        groups.append(Group(f"lea r32, m ({MOD_NAMES[mod]}, no SIB)", plain))
        indexed = [_lea_case(rng, mod, 4, sib) for sib in range(256)]
        groups.append(Group(f"lea r32, m ({MOD_NAMES[mod]}, every SIB byte)", indexed))
    short = [_lea_case(rng, rng.below(3), rm, rng.bits(8) if rm == 4 else None, OPERAND_SIZE_PREFIX)
             for rm in [rng.below(8) for _ in range(16)]]
    groups.append(Group("lea r16, m", short))
    return groups


def _place_operand(rng: Rng, base, index, scale: int, displacement_size: int) -> tuple:
    """Return (registers, displacement, address) for a load through base + index*scale + disp.

    The address lands in the data page, or in the stack page when esp is the base (esp keeps
    its stack value). A register used as both base and index gets a value that reaches the
    page as nearly as the scale allows.
    """
    registers = {"esp": STACK_PAGE + 0x400 + 4 * rng.below(0x200)}
    target = DATA_PAGE + 0x100 + rng.below(0xE00)
    index_value = rng.below(16)
    if index is not None:
        registers[REGISTERS[index]] = index_value
    scaled = index_value * scale if index is not None else 0

    if base is None:
        return registers, target - scaled, target
    if base == 4:
        displacement = rng.between(-16, 16) if displacement_size else 0
        return registers, displacement, registers["esp"] + scaled + displacement

    displacement = _random_displacement(rng, displacement_size)
    if index == base:
        value = (target - displacement) // (1 + scale)
        registers[REGISTERS[base]] = value & 0xFFFFFFFF
        return registers, displacement, value * (1 + scale) + displacement
    registers[REGISTERS[base]] = (target - scaled - displacement) & 0xFFFFFFFF
    return registers, displacement, target


def _mov_case(rng: Rng, mod: int, rm: int) -> CaseSpec:
    sib = rng.bits(8) if rm == 4 else None
    base, index, scale, displacement_size = _components(mod, rm, sib)
    registers, displacement, address = _place_operand(rng, base, index, scale, displacement_size)
    reg = rng.pick([0, 1, 2, 3, 5, 6, 7])
    tail = bytes([modrm(mod, reg, rm)]) + (bytes([sib]) if sib is not None else b"")
    tail += _displacement_bytes(displacement, displacement_size)
    fill_background(rng, registers)
    window = memory_window(rng, address, rng.bits(32).to_bytes(4, "little"))
    return CaseSpec(b"\x8b" + tail, registers, random_eflags(rng), [window], NONE)


def _mov_groups(rng: Rng) -> list:
    groups = []
    for mod in range(3):
        cases = [_mov_case(rng, mod, rm) for rm in range(8) for _ in range(4)]
        groups.append(Group(f"mov r32, m32 ({MOD_NAMES[mod]}, every rm)", cases))
    return groups


def generate() -> list:
    """Return every group of address.json."""
    rng = Rng(SEED)
    return _lea_groups(rng) + _mov_groups(rng)
