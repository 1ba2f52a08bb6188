"""Replay the vector files on Unicorn and list every case where it disagrees with the vectors.

Usage (from packages/cpu/vectors): /usr/bin/python3 generator/unicorn_check.py [file.json ...]

Unicorn 2 (QEMU's TCG) is a second, independent model of the instructions. A disagreement on a
defined flag or a register is either a Unicorn bug or a mistake in the vectors, so the script
prints each one for a person to judge. Undefined flags (outside flagsMask) are not compared.

Unicorn runs at CPL 0, so popf may change IF and IOPL and faults.json's privileged
instructions succeed there: those differences are expected. Unicorn 2.0.1 also dies with
SIGFPE on muldiv.json, because it divides -2^63 by -1 on the host for idiv r/m32.
"""

import json
import pathlib
import sys
from collections import Counter

import unicorn
from unicorn import x86_const as x86

CODE_PAGE = 0x1000
LAYOUT_SIZE = 0x3000
REGISTERS = {
    "eax": x86.UC_X86_REG_EAX, "ecx": x86.UC_X86_REG_ECX, "edx": x86.UC_X86_REG_EDX,
    "ebx": x86.UC_X86_REG_EBX, "esp": x86.UC_X86_REG_ESP, "ebp": x86.UC_X86_REG_EBP,
    "esi": x86.UC_X86_REG_ESI, "edi": x86.UC_X86_REG_EDI, "eflags": x86.UC_X86_REG_EFLAGS,
}
SHOWN_PER_GROUP = 3
MAX_STEPS = 10_000


def replay(vector: dict) -> tuple:
    """Run one case on Unicorn and return (registers with eip, memory bytes by address, trap)."""
    emulator = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_32)
    emulator.mem_map(CODE_PAGE, LAYOUT_SIZE)
    code = bytes.fromhex(vector["bytes"])
    emulator.mem_write(CODE_PAGE, code)
    for region in vector.get("memoryBefore", []):
        emulator.mem_write(region["address"], bytes.fromhex(region["hex"]))
    for name, register in REGISTERS.items():
        emulator.reg_write(register, vector["before"].get(name, 0))

    traps = []

    def on_interrupt(uc, number, _data):
        traps.append(number)
        uc.emu_stop()

    def on_code(uc, address, _size, _data):
        # Unicorn runs one rep iteration per step; stop once eip leaves the instruction.
        if address != CODE_PAGE:
            uc.emu_stop()

    emulator.hook_add(unicorn.UC_HOOK_INTR, on_interrupt)
    emulator.hook_add(unicorn.UC_HOOK_CODE, on_code)
    try:
        emulator.emu_start(CODE_PAGE, CODE_PAGE + 0x1000, count=MAX_STEPS)
    except unicorn.UcError as error:
        if error.errno != unicorn.UC_ERR_FETCH_UNMAPPED:
            traps.append(f"error {error}")

    state = {name: emulator.reg_read(register) for name, register in REGISTERS.items()}
    state["eip"] = emulator.reg_read(x86.UC_X86_REG_EIP)
    memory = {
        region["address"]: emulator.mem_read(region["address"], len(region["hex"]) // 2).hex()
        for region in vector.get("memoryAfter", [])
    }
    return state, memory, traps[0] if traps else None


def differences(vector: dict) -> list:
    """Return the fields where Unicorn disagrees with one vector."""
    state, memory, trap = replay(vector)
    if "trap" in vector or trap is not None:
        return [] if trap == vector.get("trap") else [f"trap {trap} != {vector.get('trap')}"]
    found = []
    for name, expected in vector["after"].items():
        actual = state[name]
        if name == "eflags":
            mask = vector["flagsMask"]
            actual, expected = actual & mask, expected & mask
        if actual != expected:
            found.append(f"{name} {actual:#x} != {expected:#x}")
    for region in vector.get("memoryAfter", []):
        if memory[region["address"]] != region["hex"]:
            found.append(f"memory at {region['address']:#x} {memory[region['address']]} != {region['hex']}")
    return found


def check_file(path: pathlib.Path) -> int:
    """Print the disagreements of one file and return how many cases disagree."""
    content = json.loads(path.read_text())
    disagreeing = 0
    for group in content["groups"]:
        kinds = Counter()
        for vector in group["cases"]:
            found = differences(vector)
            if not found:
                continue
            disagreeing += 1
            kinds[" ".join(item.split()[0] for item in found)] += 1
            if sum(kinds.values()) <= SHOWN_PER_GROUP:
                print(f"{path.name} {group['name']}: {vector['bytes']} {'; '.join(found)}")
        for kind, count in kinds.items():
            print(f"{path.name} {group['name']}: {count} cases differ in {kind}")
    total = sum(len(group["cases"]) for group in content["groups"])
    print(f"{path.name}: {disagreeing} of {total} cases differ from Unicorn {unicorn.__version__}")
    return disagreeing


def main() -> int:
    folder = pathlib.Path(__file__).resolve().parent.parent
    paths = [pathlib.Path(name) for name in sys.argv[1:]] or sorted(folder.glob("*.json"))
    for path in paths:
        check_file(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
