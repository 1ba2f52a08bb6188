/**
 * Error paths of the system calls, run by a probe program on a booted kernel: each bad call
 * returns -1, the probe keeps running, and the kernel's free frames and open files come back to
 * where they were.
 */
import { describe, expect, it } from "vitest";
import { PROBE_SZ } from "./asm.js";
import {
  KERNBASE_FOR_TESTS,
  SYS_chdir,
  SYS_close,
  SYS_dup,
  SYS_exec,
  SYS_fstat,
  SYS_kill,
  SYS_link,
  SYS_mkdir,
  SYS_open,
  SYS_pipe,
  SYS_read,
  SYS_sbrk,
  SYS_unlink,
  SYS_write,
} from "./constants.js";
import {
  badExecutables,
  emitExec,
  emitForkUntilFull,
  emitOpenUntilFull,
  probeProgram,
  RESULTS_BASE,
  readResults,
} from "./probes.js";
import { startProgram } from "./session.js";

const KERNBASE = KERNBASE_FOR_TESTS;

/** Each entry: a description and how to emit the call; every call here must return -1. */
const BAD_CALLS: [string, (asm: import("./asm.js").Assembler) => void][] = [
  ["read into 0xffffffff", (a) => a.syscall(SYS_read, 0, 0xffffffff, 1)],
  ["read into KERNBASE", (a) => a.syscall(SYS_read, 0, KERNBASE, 1)],
  ["write from just past sz", (a) => a.syscall(SYS_write, 1, PROBE_SZ, 1)],
  ["write across sz", (a) => a.syscall(SYS_write, 1, PROBE_SZ - 1, 2)],
  ["write to fd 16", (a) => a.syscall(SYS_write, 16, 0x1000, 1)],
  ["write to fd -1", (a) => a.syscall(SYS_write, -1, 0x1000, 1)],
  ["write to a closed fd", (a) => a.syscall(SYS_write, 7, 0x1000, 1)],
  ["write with negative n", (a) => a.syscall(SYS_write, 1, 0x1000, -1)],
  ["close a closed fd", (a) => a.syscall(SYS_close, 9)],
  ["fstat into KERNBASE", (a) => a.syscall(SYS_fstat, 0, KERNBASE)],
  ["fstat across sz", (a) => a.syscall(SYS_fstat, 0, PROBE_SZ - 10)],
  ["pipe into 0xfffffffc", (a) => a.syscall(SYS_pipe, 0xfffffffc)],
  ["open of path 0xffffffff", (a) => a.syscall(SYS_open, 0xffffffff, 0)],
  ["open of path at KERNBASE", (a) => a.syscall(SYS_open, KERNBASE, 0)],
  ["open of path just past sz", (a) => a.syscall(SYS_open, PROBE_SZ, 0)],
  ["open of a missing file", (a) => a.syscall(SYS_open, a.data("/no-such-file"), 0)],
  ["open of / for writing", (a) => a.syscall(SYS_open, a.data("/"), 1)],
  ["exec of path at KERNBASE", (a) => a.syscall(SYS_exec, KERNBASE, 0x1000)],
  ["exec with argv at KERNBASE", (a) => a.syscall(SYS_exec, a.data("/program"), KERNBASE)],
  ["mkdir of path past sz", (a) => a.syscall(SYS_mkdir, PROBE_SZ)],
  ["link of a missing file", (a) => a.syscall(SYS_link, a.data("/nope"), a.data("/nope2"))],
  ["unlink of .", (a) => a.syscall(SYS_unlink, a.data("."))],
  ["chdir to a file", (a) => a.syscall(SYS_chdir, a.data("/program"))],
  ["dup of a closed fd", (a) => a.syscall(SYS_dup, 12)],
  ["kill of a missing pid", (a) => a.syscall(SYS_kill, 9999)],
  ["sbrk past memory", (a) => a.syscall(SYS_sbrk, 0x10000000)],
  ["sbrk below 0", (a) => a.syscall(SYS_sbrk, -0x100000)],
];

/** Runs a probe as pid 2 through its two console waits; returns what the test compares. */
async function runProbe(program: Uint8Array, files: { path: string; data: Uint8Array }[] = []) {
  const session = startProgram(program, files);
  await session.waitForConsoleWaits(1);
  const before = { frames: session.kernel.freeFrames, files: session.kernel.openFiles };
  const secondWait = session.nextConsoleWait();
  session.kernel.input("\n");
  await secondWait;
  const after = { frames: session.kernel.freeFrames, files: session.kernel.openFiles };
  const memory = session.kernel.readMemory(2, RESULTS_BASE, 4096);
  session.kernel.input("\n");
  await session.settle();
  await session.shutdown();
  return { before, after, memory, output: session.text };
}

describe("system-call error paths", () => {
  it("return -1 for bad pointers, descriptors and paths", async () => {
    const program = probeProgram((asm) => {
      for (const [, emit] of BAD_CALLS) {
        emit(asm);
        asm.record();
      }
    });
    const { before, after, memory, output } = await runProbe(program);
    const results = readResults(memory, BAD_CALLS.length);
    BAD_CALLS.forEach(([name], i) => {
      expect({ name, result: results[i] }).toEqual({ name, result: -1 });
    });
    expect(after).toEqual(before);
    expect(output).toContain("allocuvm out of memory\n");
  });

  it("reject bad executables and keep the caller's frames", async () => {
    const bad = badExecutables();
    const names = Object.keys(bad);
    const longArgument = "x".repeat(2000);
    const program = probeProgram((asm) => {
      for (const name of names) emitExec(asm, `/${name}`);
      emitExec(
        asm,
        "/program",
        new Array(31).fill(0).map(() => asm.data("a")),
      );
      const long = asm.data(longArgument);
      emitExec(asm, "/program", [long, long, long]);
    });
    const files = names.map((name) => ({ path: `/${name}`, data: bad[name]! }));
    const { before, after, memory } = await runProbe(program, files);
    const results = readResults(memory, names.length + 2);
    expect(results).toEqual(new Array(names.length + 2).fill(-1));
    expect(after).toEqual(before);
  });

  it("fail open beyond NOFILE and fork beyond NPROC, then recover", async () => {
    const program = probeProgram((asm) => {
      emitOpenUntilFull(asm, "/program", 14);
      emitForkUntilFull(asm);
    });
    const { before, after, memory } = await runProbe(program);
    const results = readResults(memory, 16);
    expect(results.slice(0, 13)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(results[13]).toBe(-1);
    expect(results[14]).toBe(64 - 2);
    expect(results[15]).toBe(-1);
    expect(after).toEqual(before);
  });

  it("let read() fill the stack guard page", async () => {
    const program = probeProgram((asm) => {
      asm.syscall(SYS_open, asm.data("/program"), 0).record();
      asm.syscall(SYS_read, 3, PROBE_SZ - 0x2000, 16).record();
    });
    const { memory } = await runProbe(program);
    expect(readResults(memory, 2)).toEqual([3, 16]);
  });
});
