"""Generate the instruction test vectors: /usr/bin/python3 generator [family ...].

Run from packages/cpu/vectors. Each family module returns its groups; this script runs them on
the native CPU and writes <family>.json next to this folder. Without arguments it writes every
family.
"""

import argparse
import json
import pathlib
import platform
import sys

import family_address
import family_alu
import family_atomic
import family_bits
import family_cond
import family_control
import family_faults
import family_flags
import family_move
import family_muldiv
import family_shift
import family_stack
import family_string
from native import NativeRunner
from vector import run_groups

FAMILIES = {
    "address": family_address,
    "alu": family_alu,
    "atomic": family_atomic,
    "bits": family_bits,
    "cond": family_cond,
    "control": family_control,
    "faults": family_faults,
    "flags": family_flags,
    "move": family_move,
    "muldiv": family_muldiv,
    "shift": family_shift,
    "stack": family_stack,
    "string": family_string,
}
OUTPUT_FOLDER = pathlib.Path(__file__).resolve().parent.parent


def describe_host() -> str:
    """Return the CPU and kernel the vectors come from, such as "AuthenticAMD family 26 ..."."""
    fields = {}
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
        if not line.strip():
            break
    return (
        f"{fields.get('vendor_id')} {fields.get('model name')} (family {fields.get('cpu family')}"
        f" model {fields.get('model')} stepping {fields.get('stepping')}),"
        f" Linux {platform.release()}"
    )


def write_vectors(path: pathlib.Path, generator: str, groups: list) -> None:
    """Write the vector file with one case per line, so diffs between runs stay readable."""
    compact = {"separators": (",", ":")}
    lines = ["{", f'"generator":{json.dumps(generator)},', '"groups":[']
    for group_index, group in enumerate(groups):
        lines.append(f'{{"name":{json.dumps(group["name"])},"cases":[')
        cases = [json.dumps(case, **compact) for case in group["cases"]]
        lines.append(",\n".join(cases))
        lines.append("]}" + ("," if group_index < len(groups) - 1 else ""))
    lines += ["]", "}"]
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("families", nargs="*", metavar="family",
                        help=f"families to write (default: all of {', '.join(FAMILIES)})")
    arguments = parser.parse_args()
    unknown = [name for name in arguments.families if name not in FAMILIES]
    if unknown:
        parser.error(f"unknown family {', '.join(unknown)}; choose from {', '.join(FAMILIES)}")
    selected = arguments.families or list(FAMILIES)

    host = describe_host()
    runner = NativeRunner()
    try:
        for name in selected:
            module = FAMILIES[name]
            groups = run_groups(runner, module.generate())
            generator = (
                f"native: each case executed once at CPL 3 on {host} by generator/native_runner.c"
                f" (gcc -m32 -static), driven by generator/{module.__name__}.py with seed"
                f" {module.SEED:#x}"
            )
            path = OUTPUT_FOLDER / f"{name}.json"
            write_vectors(path, generator, groups)
            count = sum(len(group["cases"]) for group in groups)
            print(f"{path.name}: {len(groups)} groups, {count} cases, {path.stat().st_size} bytes")
    finally:
        runner.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
