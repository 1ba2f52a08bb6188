"""muldiv.json: mul, imul (one, two and three operands), div and idiv in 8, 16 and 32 bits.

Division groups mix valid divisions (dividends built as quotient * divisor + remainder, so the
quotient fits), divide by zero and quotient overflow. Both faults are #DE (vector 0) and leave
every register and the memory as they were.
"""

from encoding import OPERAND_SIZE_PREFIX, set_register_part
from flags_table import undefined_flags
from forms import RegOperand, operand_bytes, rm_case
from operands import MASKS, Rng
from vector import Group

SEED = 0x4D55_4C44
SIZES = [(8, b""), (16, OPERAND_SIZE_PREFIX), (32, b"")]
REGISTER_CASES = 48
MEMORY_CASES = 24
DIVIDE_ERROR = 0


def _signed(value: int, size: int) -> int:
    value &= (1 << size) - 1
    return value - (1 << size) if value >> (size - 1) else value


def _accumulator_registers(rng: Rng, size: int, low: int, high: int) -> dict:
    """Return eax (and edx) holding a `2*size`-bit dividend or a `size`-bit factor.

    For 8 bits the operand is ax (al for mul); for 16 bits dx:ax; for 32 bits edx:eax. The
    register bits outside the operand are random so partial writes show.
    """
    registers = {"eax": rng.bits(32), "edx": rng.bits(32)}
    if size == 8:
        set_register_part(registers, 0, 16, (high << 8) | low)
    else:
        set_register_part(registers, 0, size, low)
        set_register_part(registers, 2, size, high)
    return registers


def _one_operand_groups(rng: Rng) -> list:
    """Return mul r/m (f6/f7 /4) and imul r/m (f6/f7 /5)."""
    groups = []
    for operation, digit in [("mul", 4), ("imul", 5)]:
        for size, prefix in SIZES:
            opcode = prefix + bytes([0xF6 if size == 8 else 0xF7])

            def build(memory, size=size, opcode=opcode, digit=digit, operation=operation):
                registers = _accumulator_registers(rng, size, rng.operand(size), rng.bits(size))
                return rm_case(rng, opcode, size, rng.operand(size), memory, digit,
                               undefined=undefined_flags(operation), registers=registers)

            groups += _pair(f"{operation} r/m{size}", build)
    return groups


def _multi_operand_groups(rng: Rng) -> list:
    """Return imul r, r/m (0f af) and imul r, r/m, imm8/imm (6b, 69) in 16 and 32 bits."""
    undefined = undefined_flags("imul")
    groups = []
    for size, prefix in SIZES[1:]:
        def build_two(memory, size=size, prefix=prefix):
            return rm_case(rng, prefix + b"\x0f\xaf", size, rng.operand(size), memory,
                           RegOperand(size, rng.operand(size)), undefined=undefined)

        def build_three(memory, size=size, prefix=prefix, immediate_size=8):
            opcode = prefix + bytes([0x6B if immediate_size == 8 else 0x69])
            immediate = operand_bytes(rng.operand(immediate_size), immediate_size)
            return rm_case(rng, opcode, size, rng.operand(size), memory,
                           RegOperand(size, rng.bits(32)), immediate=immediate,
                           undefined=undefined)

        def build_three_full(memory, size=size, build_three=build_three):
            return build_three(memory, immediate_size=size)

        groups += _pair(f"imul r{size}, r/m{size}", build_two)
        groups += _pair(f"imul r{size}, r/m{size}, imm8", build_three)
        groups += _pair(f"imul r{size}, r/m{size}, imm{size}", build_three_full)
    return groups


def _division_operands(rng: Rng, size: int, signed: bool, kind: str) -> tuple:
    """Return (dividend, divisor) of one division kind: "valid", "zero" or "overflow"."""
    mask = MASKS[size]
    if kind == "zero":
        return rng.bits(2 * size), 0
    if kind == "overflow":
        return _overflowing_division(rng, size, signed)
    if kind == "boundary":
        return _boundary_division(rng, size, signed)

    divisor = rng.operand(size) or 1
    if not signed:
        quotient = rng.operand(size)
        remainder = rng.below(divisor)
        return quotient * divisor + remainder, divisor

    signed_divisor = _signed(divisor, size)
    low, high = -(1 << (size - 1)), (1 << (size - 1)) - 1
    quotient = max(low, min(high, _signed(rng.operand(size), size)))
    remainder = rng.below(abs(signed_divisor))
    dividend = quotient * signed_divisor
    # The remainder takes the dividend's sign; only add it where the quotient stays the same.
    if dividend > 0 or (dividend == 0 and rng.chance(1, 2)):
        dividend += remainder
    else:
        dividend -= remainder
    if not low <= _truncated_quotient(dividend, signed_divisor) <= high:
        dividend = quotient * signed_divisor
    return dividend & ((mask << size) | mask), divisor


def _truncated_quotient(dividend: int, divisor: int) -> int:
    quotient = abs(dividend) // abs(divisor)
    return quotient if (dividend < 0) == (divisor < 0) else -quotient


def _overflowing_division(rng: Rng, size: int, signed: bool) -> tuple:
    """Return a dividend and a non-zero divisor whose quotient does not fit in `size` bits."""
    if signed and rng.chance(1, 3):
        return (1 << (2 * size - 1)), MASKS[size]  # the minimum signed dividend divided by -1
    divisor = rng.between(1, 16)
    high = rng.between(divisor, MASKS[size])
    if signed:
        # A positive quotient of at least 2^(size-1) overflows.
        quotient = rng.between(1 << (size - 1), (1 << size) - 1)
        return (quotient * divisor) & ((1 << (2 * size)) - 1), divisor
    return (high << size) | rng.bits(size), divisor


def _boundary_division(rng: Rng, size: int, signed: bool) -> tuple:
    """Return a division whose quotient is at, or one past, the edge of the destination."""
    divisor = rng.between(2, 0x7F)
    remainder = rng.below(divisor)
    if not signed:
        quotient = MASKS[size] + rng.below(2)
        return quotient * divisor + remainder, divisor
    quotient = rng.pick([-(1 << (size - 1)) - 1, -(1 << (size - 1)), (1 << (size - 1)) - 1,
                         1 << (size - 1)])
    if rng.chance(1, 2):
        divisor, quotient = -divisor, -quotient
    dividend = quotient * divisor
    dividend += remainder if dividend >= 0 else -remainder
    return dividend & ((1 << (2 * size)) - 1), divisor & MASKS[size]


def _division_faults(dividend: int, divisor: int, size: int, signed: bool) -> bool:
    """Return whether div or idiv raises #DE, following the manual's pseudocode."""
    if divisor == 0:
        return True
    if not signed:
        return dividend // divisor > MASKS[size]
    quotient = _truncated_quotient(_signed(dividend, 2 * size), _signed(divisor, size))
    return not -(1 << (size - 1)) <= quotient <= (1 << (size - 1)) - 1


def _division_groups(rng: Rng) -> list:
    """Return div r/m (f6/f7 /6) and idiv r/m (f6/f7 /7)."""
    kinds = ["zero"] * 3 + ["overflow"] * 5 + ["boundary"] * 6
    groups = []
    for operation, digit in [("div", 6), ("idiv", 7)]:
        signed = operation == "idiv"
        for size, prefix in SIZES:
            opcode = prefix + bytes([0xF6 if size == 8 else 0xF7])

            def build(memory, kind, size=size, opcode=opcode, digit=digit, signed=signed,
                      operation=operation):
                dividend, divisor = _division_operands(rng, size, signed, kind)
                registers = _accumulator_registers(
                    rng, size, dividend & MASKS[size], dividend >> size
                )
                case = rm_case(rng, opcode, size, divisor, memory, digit,
                               undefined=undefined_flags(operation), registers=registers)
                if _division_faults(dividend, divisor, size, signed):
                    case.trap = DIVIDE_ERROR
                return case

            register_kinds = rng.shuffled(kinds + ["valid"] * (REGISTER_CASES - len(kinds)))
            memory_kinds = ["zero", "overflow", "boundary", "boundary"]
            memory_kinds = rng.shuffled(memory_kinds + ["valid"] * (MEMORY_CASES - 4))
            groups.append(Group(f"{operation} r/m{size} (register)",
                                [build(False, kind) for kind in register_kinds]))
            groups.append(Group(f"{operation} r/m{size} (memory)",
                                [build(True, kind) for kind in memory_kinds]))
    return groups


def _pair(name: str, build) -> list:
    return [
        Group(f"{name} (register)", [build(False) for _ in range(REGISTER_CASES)]),
        Group(f"{name} (memory)", [build(True) for _ in range(MEMORY_CASES)]),
    ]


def generate() -> list:
    """Return every group of muldiv.json."""
    rng = Rng(SEED)
    return _one_operand_groups(rng) + _multi_operand_groups(rng) + _division_groups(rng)
