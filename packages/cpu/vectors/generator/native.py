"""Runs instruction cases on the host CPU through native_runner.c.

The runner is compiled once per generator run with `gcc -m32 -static` into a temporary folder,
then fed every case of a family in one batch over stdin (record layout in native_runner.c).
"""

import pathlib
import struct
import subprocess
import tempfile
from dataclasses import dataclass

RECORD_MAGIC = 0x56454354
RESULT_MAGIC = 0x54534552
PAGE_SIZE = 0x1000
RESULT_HEADER = struct.Struct("<14I")
RESULT_SIZE = RESULT_HEADER.size + 2 * PAGE_SIZE
RUNNER_SOURCE = pathlib.Path(__file__).with_name("native_runner.c")
COMPILE = ["gcc", "-m32", "-static", "-no-pie", "-fno-pie", "-O2", "-Wall", "-Wextra", "-Werror"]


@dataclass
class NativeInput:
    """One instruction run: code bytes, registers in encoding order, eflags, memory chunks."""

    code: bytes
    registers: list
    eflags: int
    memory: list


@dataclass
class NativeResult:
    """The state at the fault that ended a run."""

    signal: int
    trap: int
    error_code: int
    registers: list
    eflags: int
    eip: int
    data_page: bytes
    stack_page: bytes


def _encode(run: NativeInput) -> bytes:
    if not 1 <= len(run.code) <= 15:
        raise ValueError(f"instruction length must be 1..15 bytes, got {run.code.hex()}")
    record = struct.pack("<II", RECORD_MAGIC, len(run.code)) + run.code.ljust(16, b"\0")
    record += struct.pack("<9I", *run.registers, run.eflags)
    record += struct.pack("<I", len(run.memory))
    for address, content in run.memory:
        record += struct.pack("<II", address, len(content)) + content
    return record


def _decode(raw: bytes) -> NativeResult:
    words = RESULT_HEADER.unpack_from(raw)
    if words[0] != RESULT_MAGIC:
        raise RuntimeError(f"native runner returned an invalid result magic {words[0]:#x}")
    pages = raw[RESULT_HEADER.size :]
    return NativeResult(
        signal=words[1],
        trap=words[2],
        error_code=words[3],
        registers=list(words[4:12]),
        eflags=words[12],
        eip=words[13],
        data_page=pages[:PAGE_SIZE],
        stack_page=pages[PAGE_SIZE:],
    )


class NativeRunner:
    """A compiled native_runner binary, usable for any number of batches."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="xv6ts-vectors-")
        self._binary = pathlib.Path(self._folder.name) / "native_runner"
        subprocess.run([*COMPILE, "-o", str(self._binary), str(RUNNER_SOURCE)], check=True)

    def run(self, runs: list) -> list:
        """Execute every run in order and return one NativeResult per run."""
        stdin = b"".join(_encode(run) for run in runs)
        completed = subprocess.run(
            [str(self._binary)], input=stdin, capture_output=True, check=False, timeout=600
        )
        if completed.returncode != 0:
            message = completed.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"native runner exited with {completed.returncode}: {message}")
        output = completed.stdout
        if len(output) != RESULT_SIZE * len(runs):
            raise RuntimeError(
                f"native runner returned {len(output)} bytes for {len(runs)} runs, "
                f"expected {RESULT_SIZE * len(runs)}"
            )
        return [_decode(output[i * RESULT_SIZE : (i + 1) * RESULT_SIZE]) for i in range(len(runs))]

    def close(self) -> None:
        """Delete the compiled binary."""
        self._folder.cleanup()
