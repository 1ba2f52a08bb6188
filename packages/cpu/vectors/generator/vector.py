"""Case specifications, their checked execution on the reference, and the JSON vector format.

A family builds CaseSpecs (instruction bytes, registers, eflags, memory, undefined flags),
run_groups executes them on the native CPU and turns each into a JSON case:

  { "bytes": hex, "before": {eax..edi, eflags}, "memoryBefore": [{address, hex}],
    "after": {eax..edi, eflags, eip}, "memoryAfter": [{address, hex}], "flagsMask": n,
    "trap": vector (only when the instruction itself faults) }

Every run is checked before it becomes a vector. The instruction must end where the case
expects: at a hlt after it, at a jump target, or at its own fault. No byte outside the listed
memory regions may change, so memoryAfter shows every write.
"""

import signal
from dataclasses import dataclass, field

from encoding import DATA_PAGE, INITIAL_ESP, PAGE_SIZE, REGISTERS, STACK_PAGE
from flags_table import ALWAYS_SET, RF, TF, USER_SETTABLE, flags_mask
from native import NativeInput, NativeResult, NativeRunner
from operands import Rng

CODE_PAGE = 0x1000
HLT = 0xF4
TRAP_GENERAL_PROTECTION = 13
TRAP_PAGE_FAULT = 14
PAGE_FAULT_INSTRUCTION_FETCH = 0x10


@dataclass
class CaseSpec:
    """One instruction run as a family describes it; registers missing here are 0."""

    code: bytes
    registers: dict = field(default_factory=dict)
    eflags: int = ALWAYS_SET
    memory: list = field(default_factory=list)
    undefined: int = 0
    trap: int | None = None


@dataclass
class Group:
    """A named list of cases of one instruction form, such as "add r/m32, r32 (register)"."""

    name: str
    cases: list


def fill_background(rng: Rng, registers: dict) -> dict:
    """Give each register the case leaves open (never esp) a random value one time in three."""
    for name in REGISTERS:
        if name not in registers and name != "esp" and rng.chance(1, 3):
            registers[name] = rng.bits(32)
    return registers


def random_eflags(rng: Rng, direction: bool = True) -> int:
    """Return user eflags with random arithmetic flags and, one time in eight, DF set."""
    eflags = ALWAYS_SET | (rng.bits(12) & 0x8D5)
    if direction and rng.chance(1, 8):
        eflags |= 0x400
    return eflags


def _validate_spec(spec: CaseSpec) -> None:
    if spec.eflags & ALWAYS_SET != ALWAYS_SET or spec.eflags & ~(USER_SETTABLE | ALWAYS_SET):
        raise ValueError(f"{spec.code.hex()}: eflags {spec.eflags:#x} cannot be set at CPL 3")
    if spec.eflags & TF:
        raise ValueError(f"{spec.code.hex()}: TF would trap after the instruction")
    for name in spec.registers:
        if name not in REGISTERS:
            raise ValueError(f"{spec.code.hex()}: unknown register {name!r}")
    covered = set()
    for address, content in spec.memory:
        span = set(range(address, address + len(content)))
        if address < DATA_PAGE or address + len(content) > STACK_PAGE + PAGE_SIZE:
            raise ValueError(f"{spec.code.hex()}: memory at {address:#x} is outside the layout")
        if covered & span:
            raise ValueError(f"{spec.code.hex()}: memory regions overlap at {address:#x}")
        covered |= span


def _before_registers(spec: CaseSpec) -> list:
    values = {"esp": INITIAL_ESP, **spec.registers}
    return [values.get(name, 0) & 0xFFFFFFFF for name in REGISTERS]


def _pages_from_regions(regions: list) -> bytearray:
    pages = bytearray(2 * PAGE_SIZE)
    for address, content in regions:
        offset = address - DATA_PAGE
        pages[offset : offset + len(content)] = content
    return pages


def _check_end(spec: CaseSpec, result: NativeResult, before: list) -> None:
    """Raise unless the run ended the way the case expects."""
    where = f"{spec.code.hex()} before {before} eflags {spec.eflags:#x}"
    if spec.trap is not None:
        unchanged = result.registers == before and result.eflags & ~RF == spec.eflags
        if result.trap != spec.trap or result.eip != CODE_PAGE or not unchanged:
            raise RuntimeError(f"{where}: expected trap {spec.trap}, got {_describe(result)}")
        return

    outside = not CODE_PAGE <= result.eip < CODE_PAGE + 3 * PAGE_SIZE
    at_hlt = (
        result.signal == signal.SIGSEGV
        and result.trap == TRAP_GENERAL_PROTECTION
        and CODE_PAGE + len(spec.code) <= result.eip < CODE_PAGE + PAGE_SIZE
    )
    at_unmapped = (
        result.trap == TRAP_PAGE_FAULT
        and result.error_code & PAGE_FAULT_INSTRUCTION_FETCH
        and outside
    )
    if not (at_hlt or at_unmapped):
        raise RuntimeError(f"{where}: unexpected end {_describe(result)}")


def _describe(result: NativeResult) -> str:
    return (
        f"signal {result.signal} trap {result.trap} error {result.error_code:#x} "
        f"eip {result.eip:#x} registers {[hex(value) for value in result.registers]}"
    )


def _check_writes(spec: CaseSpec, after: bytes) -> None:
    """Raise if the run changed a byte outside the case's memory regions."""
    before = _pages_from_regions(spec.memory)
    if before == after:
        return
    listed = set()
    for address, content in spec.memory:
        listed.update(range(address - DATA_PAGE, address - DATA_PAGE + len(content)))
    for offset in range(len(after)):
        if after[offset] != before[offset] and offset not in listed:
            raise RuntimeError(
                f"{spec.code.hex()}: wrote {after[offset]:#04x} at {DATA_PAGE + offset:#x}, "
                "outside the listed memory"
            )


def _state(registers: list, eflags: int) -> dict:
    state = dict(zip(REGISTERS, registers))
    state["eflags"] = eflags
    return state


def _regions(regions: list, pages: bytes) -> list:
    listed = []
    for address, content in regions:
        offset = address - DATA_PAGE
        listed.append({"address": address, "hex": pages[offset : offset + len(content)].hex()})
    return listed


def to_vector(spec: CaseSpec, result: NativeResult) -> dict:
    """Check one run and return its JSON case."""
    before = _before_registers(spec)
    _check_end(spec, result, before)
    pages = result.data_page + result.stack_page
    if spec.trap is None:
        _check_writes(spec, pages)
        after = _state(result.registers, result.eflags & ~RF)
        after["eip"] = result.eip
    else:
        pages = bytes(_pages_from_regions(spec.memory))
        after = _state(before, spec.eflags)
        after["eip"] = CODE_PAGE

    vector = {"bytes": spec.code.hex(), "before": _state(before, spec.eflags)}
    if spec.memory:
        vector["memoryBefore"] = [
            {"address": address, "hex": content.hex()} for address, content in spec.memory
        ]
    vector["after"] = after
    if spec.memory:
        vector["memoryAfter"] = _regions(spec.memory, pages)
    vector["flagsMask"] = flags_mask(spec.undefined)
    if spec.trap is not None:
        vector["trap"] = spec.trap
    return vector


def run_groups(runner: NativeRunner, groups: list) -> list:
    """Run every case of every group natively and return the JSON groups."""
    specs = [spec for group in groups for spec in group.cases]
    for spec in specs:
        _validate_spec(spec)
    inputs = [
        NativeInput(spec.code, _before_registers(spec), spec.eflags, spec.memory) for spec in specs
    ]
    results = iter(runner.run(inputs))
    return [
        {"name": group.name, "cases": [to_vector(spec, next(results)) for spec in group.cases]}
        for group in groups
    ]
