"""Summarize what the reference CPU did with the flags each vector masks as undefined.

Usage (from packages/cpu/vectors): /usr/bin/python3 generator/undefined_report.py [file.json ...]

For every group and every masked arithmetic flag it prints whether the CPU always cleared it
("0"), always set it ("1"), left it as it was ("kept") or set it either way ("varies"). The CPU
tests ignore these flags; the summary is for a reader deciding what an interpreter should do.
"""

import json
import pathlib
import sys

FLAG_NAMES = [("CF", 0x1), ("PF", 0x4), ("AF", 0x10), ("ZF", 0x40), ("SF", 0x80), ("OF", 0x800)]


def classify(pairs: list) -> str:
    """Return "0", "1", "kept" or "varies" for a list of (before, after) bit values."""
    afters = {after for _, after in pairs}
    if afters == {0}:
        return "0"
    if afters == {1}:
        return "1"
    if all(before == after for before, after in pairs):
        return "kept"
    return "varies"


def summarize_group(group: dict) -> str:
    """Return one line per group listing the behavior of each masked flag, or "" if none."""
    parts = []
    for name, bit in FLAG_NAMES:
        pairs = [
            (bool(case["before"]["eflags"] & bit), bool(case["after"]["eflags"] & bit))
            for case in group["cases"]
            if not case["flagsMask"] & bit and "trap" not in case
        ]
        if pairs:
            parts.append(f"{name} {classify([(int(b), int(a)) for b, a in pairs])} ({len(pairs)})")
    return ", ".join(parts)


def main() -> int:
    folder = pathlib.Path(__file__).resolve().parent.parent
    paths = [pathlib.Path(name) for name in sys.argv[1:]] or sorted(folder.glob("*.json"))
    for path in paths:
        for group in json.loads(path.read_text())["groups"]:
            line = summarize_group(group)
            if line:
                print(f"{path.name} {group['name']}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
