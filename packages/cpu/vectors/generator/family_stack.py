"""stack.json: push, pop, pusha, popa, enter, leave and the esp/ebp frame forms gcc emits.

Each case lists a window of random bytes around esp, which also covers the ebp frames that
enter and leave read. So every stack write shows in memoryAfter, and reads get random data
rather than zeros. esp is random in the stack page, mostly dword-aligned.
"""

from encoding import (
    OPERAND_SIZE_PREFIX,
    REGISTERS,
    STACK_PAGE,
    data_address,
    encode_memory,
    modrm,
    u16,
    u32,
)
from flags_table import undefined_flags
from forms import memory_window, random_register
from operands import Rng
from vector import CaseSpec, Group, fill_background, random_eflags

SEED = 0x5354_4143
CASES = 32
SMALL_CASES = 12
WINDOW_BELOW = 0x20
WINDOW_ABOVE = 0x20
NONE = undefined_flags("none")


def _random_esp(rng: Rng) -> int:
    """Return an esp inside the stack page with room for the window; 1 in 8 not dword-aligned."""
    esp = STACK_PAGE + 0x100 + 4 * rng.below(0x380)
    if rng.chance(1, 8):
        esp += rng.between(1, 3)
    return esp


def _stack_window(rng: Rng, esp: int) -> tuple:
    content = bytes(rng.bits(8) for _ in range(WINDOW_BELOW + WINDOW_ABOVE))
    return (esp - WINDOW_BELOW, content)


def stack_case(rng: Rng, code: bytes, registers: dict, undefined: int = NONE,
               memory: list | None = None, esp: int | None = None) -> CaseSpec:
    """Build a case with esp in the stack page and a random window around it."""
    esp = _random_esp(rng) if esp is None else esp
    registers = fill_background(rng, {**registers, "esp": esp})
    regions = [_stack_window(rng, esp)] + (memory or [])
    return CaseSpec(code, registers, random_eflags(rng), sorted(regions), undefined)


def _register_groups(rng: Rng) -> list:
    """Return push r32 (50+r), pop r32 (58+r) and their 16-bit forms; esp included."""
    groups = []
    for name, base, prefix, count in [
        ("push r32 (50+r)", 0x50, b"", CASES), ("pop r32 (58+r)", 0x58, b"", CASES),
        ("push r16 (66 50+r)", 0x50, OPERAND_SIZE_PREFIX, SMALL_CASES),
        ("pop r16 (66 58+r)", 0x58, OPERAND_SIZE_PREFIX, SMALL_CASES),
    ]:
        cases = []
        for index in range(count):
            code = index % 8
            registers = {REGISTERS[code]: rng.bits(32)} if code != 4 else {}
            cases.append(stack_case(rng, prefix + bytes([base + code]), registers))
        groups.append(Group(name, cases))
    return groups


def _immediate_groups(rng: Rng) -> list:
    """Return push imm8 (6a, sign-extended), push imm32 (68) and push imm16 (66 68)."""
    groups = []
    for name, opcode, size in [("push imm8", b"\x6a", 8), ("push imm32", b"\x68", 32),
                               ("push imm16", b"\x66\x68", 16)]:
        cases = []
        for _ in range(SMALL_CASES if size == 16 else CASES):
            value = rng.operand(size).to_bytes(size // 8, "little")
            cases.append(stack_case(rng, opcode + value, {}))
        groups.append(Group(name, cases))
    return groups


def _rm_groups(rng: Rng) -> list:
    """Return push r/m32 (ff /6) and pop r/m32 (8f /0), register and memory operands."""
    groups = []
    for operation, opcode, digit in [("push", 0xFF, 6), ("pop", 0x8F, 0)]:
        register_cases, memory_cases = [], []
        for _ in range(CASES):
            code = random_register(rng, 32)
            tail = bytes([opcode, modrm(3, digit, code)])
            register_cases.append(stack_case(rng, tail, {REGISTERS[code]: rng.bits(32)}))

            address = data_address(rng, 4)
            operand = encode_memory(rng, digit, address, set())
            window = memory_window(rng, address, rng.bits(32).to_bytes(4, "little"))
            memory_cases.append(stack_case(rng, bytes([opcode]) + operand.tail, operand.registers,
                                           memory=[window]))
        groups.append(Group(f"{operation} r/m32 (register)", register_cases))
        groups.append(Group(f"{operation} r/m32 (memory)", memory_cases))
    return groups + [_esp_based_group(rng, "push", 0xFF, 6), _esp_based_group(rng, "pop", 0x8F, 0)]


def _esp_based_group(rng: Rng, operation: str, opcode: int, digit: int) -> Group:
    """Return push/pop dword [esp+disp8]: pop computes the address after incrementing esp."""
    cases = []
    for _ in range(SMALL_CASES):
        displacement = 4 * rng.between(-4, 3)
        code = bytes([opcode, modrm(1, digit, 4), 0x24, displacement & 0xFF])
        esp = STACK_PAGE + 0x100 + 4 * rng.below(0x380)
        cases.append(stack_case(rng, code, {}, esp=esp))
    return Group(f"{operation} dword [esp+disp8]", cases)


def _pusha_groups(rng: Rng) -> list:
    """Return pusha (60) and popa (61); popa skips the saved esp."""
    groups = []
    for name, code in [("pusha", b"\x60"), ("popa", b"\x61"), ("pushaw", b"\x66\x60"),
                       ("popaw", b"\x66\x61")]:
        count = SMALL_CASES if code[0] == 0x66 else CASES
        cases = [stack_case(rng, code, {name: rng.bits(32) for name in REGISTERS if name != "esp"})
                 for _ in range(count)]
        groups.append(Group(name, cases))
    return groups


def _enter_leave_groups(rng: Rng) -> list:
    """Return enter imm16, imm8 with nesting levels 0-4 and leave (c9)."""
    enter_cases = []
    for index in range(CASES):
        level = index % 5
        size = rng.pick([0, 4, 8, 0x10, 0x18, 0x28, 0x100, rng.below(0x200)])
        esp = STACK_PAGE + 0x400 + 4 * rng.below(0x2E0)
        # enter copies level-1 frame pointers from [ebp-4], [ebp-8], ...; keep ebp in the window.
        ebp = esp + 4 * rng.between(2, 6)
        enter_cases.append(stack_case(rng, b"\xc8" + u16(size) + bytes([level]),
                                      {"ebp": ebp}, esp=esp))

    leave_cases = []
    for _ in range(CASES):
        esp = STACK_PAGE + 0x400 + 4 * rng.below(0x2E0)
        ebp = esp + 4 * rng.between(-4, 6)
        leave_cases.append(stack_case(rng, b"\xc9", {"ebp": ebp}, esp=esp))
    return [Group("enter imm16, imm8", enter_cases), Group("leave", leave_cases)]


# Frame and stack-pointer instructions from gcc's prologues, epilogues and argument passing.
FRAME_FORMS = [
    ("add esp, imm8", "83c4", 8, "flags:add"),
    ("sub esp, imm8", "83ec", 8, "flags:sub"),
    ("sub esp, imm32", "81ec", 32, "flags:sub"),
    ("add esp, imm32", "81c4", 32, "flags:add"),
    ("and esp, -16", "83e4f0", 0, "flags:and"),
    ("mov ebp, esp", "89e5", 0, ""),
    ("mov esp, ebp", "89ec", 0, ""),
    ("lea esp, [ebp+disp8]", "8d65", 8, ""),
    ("lea ecx, [esp+4]", "8d4c2404", 0, ""),
    ("lea esp, [ecx-4]", "8d61fc", 0, ""),
    ("push dword [ecx-4]", "ff71fc", 0, ""),
    ("mov eax, [esp+disp8]", "8b4424", 8, ""),
    ("mov [esp+disp8], eax", "894424", 8, ""),
    ("mov dword [esp+disp8], imm32", "c74424", 8, "imm32"),
    ("mov eax, [ebp+disp8]", "8b45", 8, ""),
    ("mov [ebp+disp8], edx", "8955", 8, ""),
    ("mov eax, [esp+disp32]", "8b8424", 32, ""),
]


def _frame_groups(rng: Rng) -> list:
    groups = []
    for name, opcode, displacement_size, extra in FRAME_FORMS:
        cases = []
        for _ in range(SMALL_CASES):
            esp = STACK_PAGE + 0x400 + 4 * rng.below(0x2E0)
            registers = {
                "ebp": esp + 4 * rng.between(-4, 4),
                "ecx": esp + 4 * rng.between(-4, 4),
                "eax": rng.bits(32),
                "edx": rng.bits(32),
            }
            code = bytes.fromhex(opcode) + _frame_operand(rng, displacement_size, name)
            if extra == "imm32":
                code += u32(rng.bits(32))
            undefined = undefined_flags(extra.split(":")[1]) if extra.startswith("flags") else NONE
            cases.append(stack_case(rng, code, registers, undefined, esp=esp))
        groups.append(Group(name, cases))
    return groups


def _frame_operand(rng: Rng, size: int, name: str) -> bytes:
    """Return the displacement or immediate of a frame form, keeping accesses in the window."""
    if size == 0:
        return b""
    if name.startswith(("add esp", "sub esp")):
        value = 4 * rng.between(1, 0x1F) if size == 8 else 4 * rng.between(0x20, 0xC0)
        return u32(value) if size == 32 else bytes([value & 0xFF])
    value = 4 * rng.between(-3, 3)
    if name.startswith("mov") and "[ebp" not in name:
        value = 4 * rng.between(0, 7)
    return u32(value) if size == 32 else bytes([value & 0xFF])


def generate() -> list:
    """Return every group of stack.json."""
    rng = Rng(SEED)
    return (
        _register_groups(rng)
        + _immediate_groups(rng)
        + _rm_groups(rng)
        + _pusha_groups(rng)
        + _enter_leave_groups(rng)
        + _frame_groups(rng)
    )
