"""flags.json: pushf, popf at CPL 3, sahf, lahf, clc, stc, cmc, cld, std.

popf pops random values and every special bit alone. At CPL 3 with IOPL 0 the CPU keeps IF
and IOPL, clears RF, keeps VM, VIF and VIP, and loads CF, PF, AF, ZF, SF, TF, DF, OF, NT, AC
and ID. Bit 1 reads 1, and bits 3, 5 and 15 read 0. The vectors record what the CPU did.
eflags before include random ID, AC, NT and DF bits, so pushf shows them.
"""

from encoding import u16, u32
from family_stack import stack_case
from flags_table import AC, ALWAYS_SET, ARITHMETIC, DF, ID, NT, TF, undefined_flags
from operands import Rng
from vector import CaseSpec, Group, fill_background

SEED = 0x464C_4147
CASES = 32
SMALL_CASES = 12
NONE = undefined_flags("none")

# One bit of each kind alone, plus all and none, as popf operands.
SPECIAL_POPF_VALUES = [
    0x00000000, 0xFFFFFFFF & ~TF, 0x00000001, 0x00000002, 0x00000008, 0x00000020, 0x00000200,
    0x00003000, 0x00004000, 0x00008000, 0x00010000, 0x00020000, 0x00040000, 0x00080000,
    0x00100000, 0x00200000, 0x00400000, 0x80000000, 0x00000CD5,
]


def _user_eflags(rng: Rng) -> int:
    """Return eflags a CPL 3 program can hold: random arithmetic flags, DF, NT, AC and ID."""
    return ALWAYS_SET | (rng.bits(22) & (ARITHMETIC | DF | NT | AC | ID))


def _aligned_esp(rng: Rng) -> int:
    """Return a dword-aligned esp: with AC set, Linux raises #AC (17) on a misaligned push.

    xv6 leaves CR0.AM clear, so it never checks alignment; these cases avoid the difference.
    """
    return 0x3400 + 4 * rng.below(0x200)


def _with_eflags(case: CaseSpec, eflags: int) -> CaseSpec:
    case.eflags = eflags
    return case


def _pushf_groups(rng: Rng) -> list:
    groups = []
    for name, code, count in [("pushf", b"\x9c", CASES), ("pushfw", b"\x66\x9c", SMALL_CASES)]:
        cases = [
            _with_eflags(stack_case(rng, code, {}, esp=_aligned_esp(rng)), _user_eflags(rng))
            for _ in range(count)
        ]
        groups.append(Group(name, cases))
    return groups


def _popf_value(rng: Rng, index: int) -> int:
    if index < len(SPECIAL_POPF_VALUES):
        return SPECIAL_POPF_VALUES[index]
    value = rng.bits(32)
    # TF set would raise a debug trap after the next instruction; see the README's limits.
    return value & ~TF


def _popf_groups(rng: Rng) -> list:
    groups = []
    for name, code, size, count in [("popf", b"\x9d", 32, len(SPECIAL_POPF_VALUES) + CASES),
                                    ("popfw", b"\x66\x9d", 16, SMALL_CASES)]:
        cases = []
        for index in range(count):
            value = _popf_value(rng, index) & ((1 << size) - 1)
            esp = _aligned_esp(rng)
            case = stack_case(rng, code, {}, undefined_flags("popf"), esp=esp)
            window_start, window = case.memory[0]
            offset = esp - window_start
            encoded = u32(value) if size == 32 else u16(value)
            case.memory[0] = (window_start, window[:offset] + encoded + window[offset + len(encoded):])
            cases.append(_with_eflags(case, _user_eflags(rng)))
        groups.append(Group(name, cases))
    return groups


def _simple_groups(rng: Rng) -> list:
    groups = []
    forms = [("sahf", "9e", "sahf"), ("lahf", "9f", "none"), ("clc", "f8", "flag"),
             ("stc", "f9", "flag"), ("cmc", "f5", "flag"), ("cld", "fc", "flag"),
             ("std", "fd", "flag")]
    for name, code, row in forms:
        cases = []
        for _ in range(CASES):
            registers = fill_background(rng, {"eax": rng.bits(32)})
            cases.append(CaseSpec(bytes.fromhex(code), registers, _user_eflags(rng),
                                  undefined=undefined_flags(row)))
        groups.append(Group(name, cases))
    return groups


def generate() -> list:
    """Return every group of flags.json."""
    rng = Rng(SEED)
    return _pushf_groups(rng) + _popf_groups(rng) + _simple_groups(rng)
