"""The EFLAGS bits and, per instruction, the flags the Intel manual calls undefined.

Every vector's flagsMask is EFLAGS_ALL without the undefined bits of its instruction. So the
CPU test compares every flag the manual defines: the arithmetic flags, TF, IF, DF, IOPL, NT, AC,
ID and the always-zero RF, VM, VIF and VIP. It skips only what the manual leaves open.
Each row below quotes the "Flags Affected" section of the Intel 64 and IA-32 Architectures
Software Developer's Manual, Volume 2 (instruction set reference), for that instruction.
"""

CF = 0x0001
PF = 0x0004
AF = 0x0010
ZF = 0x0040
SF = 0x0080
TF = 0x0100
IF = 0x0200
DF = 0x0400
OF = 0x0800
IOPL = 0x3000
NT = 0x4000
RF = 0x10000
AC = 0x40000
ID = 0x200000

ARITHMETIC = CF | PF | AF | ZF | SF | OF

# Bits 0-21 without the reserved bits 3, 5 and 15 (bit 1 is reserved but always reads 1).
EFLAGS_ALL = 0x3F7FD7

# Bits user code at CPL 3 can set with popf; bit 1 and IF always read as 1.
USER_SETTABLE = ARITHMETIC | TF | DF | NT | AC | ID
ALWAYS_SET = 0x0002 | IF

UNDEFINED = {
    # add, adc, sub, sbb, cmp, neg: "The OF, SF, ZF, AF, CF, and PF flags are set according to
    # the result." (neg: "The CF flag set to 0 if the source operand is 0; otherwise it is set
    # to 1.") xadd and cmpxchg set them as add and cmp do; cmps and scas as cmp does.
    "add": 0, "adc": 0, "sub": 0, "sbb": 0, "cmp": 0, "neg": 0,
    "xadd": 0, "cmpxchg": 0, "cmps": 0, "scas": 0,
    # inc, dec: "The CF flag is not affected. The OF, SF, ZF, AF, and PF flags are set according
    # to the result."
    "inc": 0, "dec": 0,
    # and, or, xor: "The OF and CF flags are cleared; the SF, ZF, and PF flags are set according
    # to the result. The state of the AF flag is undefined." test: "The OF and CF flags are set
    # to 0. The SF, ZF, and PF flags are set according to the result [...] The state of the AF
    # flag is undefined."
    "and": AF, "or": AF, "xor": AF, "test": AF,
    # not, mov, movzx, movsx, lea, xchg, bswap, cmovcc, setcc, push, pop, pusha, popa, enter,
    # leave, cbw, cwde, cwd, cdq, movs, stos, lods, xlat, nop, lahf, jmp, jcc, call, ret:
    # "None." (the flags are not affected).
    "none": 0,
    # mul: "The OF and CF flags are set to 0 if the upper half of the result is 0; otherwise,
    # they are set to 1. The SF, ZF, AF, and PF flags are undefined."
    "mul": SF | ZF | AF | PF,
    # imul: "For the one operand form of the instruction, the CF and OF flags are set when
    # significant bits are carried into the upper half of the result [...] The ZF, AF, and PF
    # flags are undefined." Current editions add "SF is updated according to the most
    # significant bit of the operand-size-truncated result"; older ones listed SF as undefined.
    # SF stays masked, because the reference CPU (AMD family 26) leaves SF unchanged, so its
    # vectors cannot show the value the current manual defines.
    "imul": SF | ZF | AF | PF,
    # div, idiv: "The CF, OF, SF, ZF, AF, and PF flags are undefined."
    "div": ARITHMETIC, "idiv": ARITHMETIC,
    # bt, bts, btr, btc: "The CF flag contains the value of the selected bit. The ZF flag is
    # unaffected. The OF, SF, AF, and PF flags are undefined."
    "bt": OF | SF | AF | PF, "bts": OF | SF | AF | PF,
    "btr": OF | SF | AF | PF, "btc": OF | SF | AF | PF,
    # bsf, bsr: "The ZF flag is set to 1 if the source operand is 0; otherwise, the ZF flag is
    # cleared. The CF, OF, SF, AF, and PF flags are undefined."
    "bsf": CF | OF | SF | AF | PF, "bsr": CF | OF | SF | AF | PF,
    # cmpxchg8b: "The ZF flag is set if the destination operand and EDX:EAX are equal;
    # otherwise it is cleared. The CF, PF, AF, SF, and OF flags are unaffected."
    "cmpxchg8b": 0,
    # sahf: "The SF, ZF, AF, PF, and CF flags are loaded with values from the AH register."
    # clc, stc, cmc, cld, std: only CF or DF changes. popf: every flag the privilege level
    # allows is loaded, the rest kept.
    "sahf": 0, "flag": 0, "popf": 0,
}


def undefined_flags(mnemonic: str) -> int:
    """Return the undefined flag bits of an instruction whose flags do not depend on a count."""
    if mnemonic not in UNDEFINED:
        raise KeyError(f"undefined_flags: no row for {mnemonic!r}; add it with the manual's text")
    return UNDEFINED[mnemonic]


def shift_undefined_flags(mnemonic: str, size: int, count: int) -> int:
    """Return the undefined flags of shl, shr or sar by `count` on a `size`-bit operand.

    "The CF flag contains the value of the last bit shifted out of the destination operand; it
    is undefined for SHL and SHR instructions where the count is greater than or equal to the
    size (in bits) of the destination operand. The OF flag is affected only for 1-bit shifts;
    otherwise, it is undefined. [...] If the count is 0, the flags are not affected. For a
    non-zero count, the AF flag is undefined." The count is masked to 5 bits first.
    """
    masked = count & 0x1F
    if masked == 0:
        return 0
    undefined = AF
    if masked != 1:
        undefined |= OF
    if mnemonic in ("shl", "shr") and masked >= size:
        undefined |= CF
    return undefined


def rotate_undefined_flags(count: int) -> int:
    """Return the undefined flags of rol, ror, rcl or rcr by `count`.

    The manual's rule for rotates: with a masked count of 0 no flag changes. OF is defined only
    for a masked count of 1 and undefined for larger counts. CF takes the last bit rotated, and
    SF, ZF, AF and PF never change.
    NOTE: this row states the rule in its own words; it was not compared with a copy of the
    manual's text, unlike the quoted rows.
    """
    masked = count & 0x1F
    if masked <= 1:
        return 0
    return OF


def double_shift_undefined_flags(size: int, count: int) -> int:
    """Return the undefined flags of shld or shrd by `count` on a `size`-bit operand.

    "If the count is 1 or greater, the CF flag is filled with the last bit shifted out of the
    destination operand and the SF, ZF, and PF flags are set according to the value of the
    result. For a 1-bit shift, the OF flag is set if a sign change occurred; otherwise, it is
    cleared. For shifts greater than 1 bit, the OF flag is undefined. If a shift occurs, the AF
    flag is undefined. If the count operand is 0, the flags are not affected. If the count is
    greater than the operand size, the flags are undefined." The destination is then undefined
    too, which a vector cannot mask, so callers must not ask for such counts.
    """
    masked = count & 0x1F
    if masked > size:
        raise ValueError(f"double_shift_undefined_flags: count {masked} > size {size} is undefined")
    if masked == 0:
        return 0
    if masked == 1:
        return AF
    return AF | OF


def flags_mask(undefined: int) -> int:
    """Return the flagsMask of a vector: every architectural flag except the undefined ones."""
    return EFLAGS_ALL & ~undefined
