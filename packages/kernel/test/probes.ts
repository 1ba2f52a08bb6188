/**
 * Probe programs for kernel tests, assembled with test/asm.ts: a program that runs a list of
 * system calls and records each result, and deliberately broken executables made from a good one.
 */
import {
  SYS_close,
  SYS_dup,
  SYS_exec,
  SYS_exit,
  SYS_fork,
  SYS_mknod,
  SYS_open,
  SYS_pipe,
  SYS_read,
  SYS_wait,
} from "../src/index.js";
import { Assembler, patchProgramHeader, RESULTS_BASE } from "./asm.js";

/**
 * An /init that needs no userland: it opens the console as fds 0, 1 and 2 (making the device
 * node first), forks a child that execs `path`, reaps children, and then blocks for good on a
 * pipe that no process writes to. The program at `path` runs as pid 2.
 */
export function launcherInit(path: string): Uint8Array {
  const asm = new Assembler();
  const consolePath = asm.data("console");
  const programPath = asm.data(path);
  const argv = asm.words([programPath, 0]);
  const fds = asm.words([0, 0]);
  const scratch = asm.words([0]);
  asm.syscall(SYS_mknod, consolePath, 1, 1);
  asm.syscall(SYS_open, consolePath, 2);
  asm.syscall(SYS_dup, 0);
  asm.syscall(SYS_dup, 0);
  asm.syscall(SYS_fork);
  asm.jumpIfZero("child");
  asm.label("reap");
  asm.syscall(SYS_wait);
  asm.jumpIfLess(0, "park");
  asm.jump("reap");
  asm.label("park");
  asm.syscall(SYS_pipe, fds);
  asm.loadEax(fds);
  asm.pushImm(1).pushImm(scratch).pushEax().pushImm(0).movEaxImm(SYS_read);
  asm.raw(0xcd, 0x40, 0x83, 0xc4, 16);
  asm.jump("reap");
  asm.label("child");
  asm.syscall(SYS_exec, programPath, argv);
  asm.syscall(SYS_exit);
  return asm.build();
}

/** Builds a program that exits at once. */
export function exitProgram(): Uint8Array {
  return new Assembler().syscall(SYS_exit).build();
}

/** Executables exec must reject, by name, each made from a good one. */
export function badExecutables(): Record<string, Uint8Array> {
  const good = exitProgram();
  const badMagic = good.slice();
  badMagic[0] = 0;
  const badClass = good.slice();
  badClass[4] = 2;
  return {
    "bad-magic": badMagic,
    "bad-class": badClass,
    "bad-trunc-hdr": good.slice(0, 90),
    "bad-trunc-data": good.slice(0, good.length - 5),
    "bad-kernbase": patchProgramHeader(
      patchProgramHeader(good, 1, "vaddr", 0x7ffff000),
      1,
      "memsz",
      0x2000,
    ),
    "bad-memsz": patchProgramHeader(good, 1, "memsz", 0x7000000),
    "bad-align": patchProgramHeader(good, 1, "vaddr", 0x1010),
    "bad-filesz": patchProgramHeader(good, 0, "memsz", 16),
  };
}

/** Records a call's result; returns the index of its word in the results area. */
export type Recorder = (asm: Assembler) => void;

/**
 * Builds a program that waits for one console line, runs `body` (which records results with
 * `asm.record()`), waits for another line, and exits. The two waits let the test look at the
 * kernel (free frames, open files) before and after the body.
 */
export function probeProgram(body: (asm: Assembler) => void): Uint8Array {
  const asm = new Assembler();
  const scratch = asm.data(new Uint8Array(16));
  asm.syscall(SYS_read, 0, scratch, 1);
  body(asm);
  asm.syscall(SYS_read, 0, scratch, 1);
  asm.syscall(SYS_exit);
  return asm.build();
}

/** Emits exec(path, [path, ...extra, 0]) and records the result. */
export function emitExec(asm: Assembler, path: string, extraArgs: number[] = []): void {
  const pathAddress = asm.data(path);
  const argv = asm.words([pathAddress, ...extraArgs, 0]);
  asm.syscall(SYS_exec, pathAddress, argv).record();
}

/** Emits opens of `path` until one fails (recording each), then closes fds 3 to 15. */
export function emitOpenUntilFull(asm: Assembler, path: string, attempts: number): void {
  const pathAddress = asm.data(path);
  for (let i = 0; i < attempts; i++) asm.syscall(SYS_open, pathAddress, 0).record();
  for (let fd = 3; fd < 16; fd++) asm.syscall(SYS_close, fd);
}

/**
 * Emits a fork loop: forks until fork fails (children exit at once), counting successes in a
 * data word, records the count and the failing result, then waits for every child.
 */
export function emitForkUntilFull(asm: Assembler): void {
  const count = asm.words([0]);
  const failed = asm.words([0]);
  asm.label("fork");
  asm.syscall(SYS_fork);
  asm.jumpIfZero("child");
  asm.jumpIfLess(0, "full");
  asm.raw(0xff, 0x05, ...le32(count)); // inc dword [count]
  asm.jump("fork");
  asm.label("child");
  asm.syscall(SYS_exit);
  asm.label("full");
  asm.storeEax(failed);
  asm.label("wait");
  asm.syscall(SYS_wait);
  asm.jumpIfLess(0, "done");
  asm.jump("wait");
  asm.label("done");
  asm.loadEax(count).record();
  asm.loadEax(failed).record();
}

function le32(value: number): number[] {
  const v = value >>> 0;
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

/** Reads the first `count` result words of a probe. */
export function readResults(memory: Uint8Array | null, count: number): number[] {
  if (memory === null) throw new Error("probe memory is not readable");
  const view = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  return Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true));
}

export { RESULTS_BASE };
