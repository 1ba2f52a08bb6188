/**
 * Kernel benchmark. It boots real images on memory devices in deterministic mode and times user
 * programs on the host's wall clock. Figures: system calls per second (`syscallbench`, a getpid
 * loop), fork+exec+exit+wait per second (`forkbench`), pipe throughput (`pipebench`), boot time
 * to the first shell prompt, and the wall time of both `usertests` tiers.
 *
 * Run: pnpm bench (from packages/kernel).
 */
import { performance } from "node:perf_hooks";
import { type Figure, writeReport } from "../../../bench/report.ts";
import {
  SYS_close,
  SYS_exit,
  SYS_fork,
  SYS_pipe,
  SYS_read,
  SYS_wait,
  SYS_write,
} from "../src/index.ts";
import { Assembler } from "../test/asm.ts";
import { bootSession, makeImage, Session } from "../test/session.ts";

const SYSCALLS = 1_000_000;
const FORKS = 1000;
const PIPE_MB = 4;
const BOOTS = 5;
/** Repetitions of each timed command; the median is reported. */
const RUNS = 7;
/** 4 KiB writes the assembled pipe program makes: 16 MiB in all. */
const PIPE_CHUNKS = 4096;

/**
 * Builds `pipeasm`: a child writes PIPE_CHUNKS chunks of 4 KiB into a pipe and the parent reads
 * until end of file, with no work per byte, so the time is the kernel's pipe path.
 */
function pipeProgram(): Uint8Array {
  const asm = new Assembler();
  const fds = asm.words([0, 0]);
  const count = asm.words([PIPE_CHUNKS]);
  const buffer = 0x2000;
  asm.syscall(SYS_pipe, fds);
  asm.syscall(SYS_fork);
  asm.jumpIfZero("writer");
  asm
    .pushMem(fds + 4)
    .pushImm(0)
    .interrupt(SYS_close, 1);
  asm.label("read");
  asm.pushImm(4096).pushImm(buffer).pushMem(fds).pushImm(0).interrupt(SYS_read, 3);
  asm.jumpIfLess(1, "done");
  asm.jump("read");
  asm.label("done");
  asm.syscall(SYS_wait);
  asm.syscall(SYS_exit);
  asm.label("writer");
  asm
    .pushImm(4096)
    .pushImm(buffer)
    .pushMem(fds + 4)
    .pushImm(0)
    .interrupt(SYS_write, 3);
  asm.loadEax(count).addEaxImm(-1).storeEax(count);
  asm.jumpIfZero("written");
  asm.jump("writer");
  asm.label("written");
  asm.syscall(SYS_exit);
  return asm.build();
}

/** Types a command at the prompt and returns the output and the wall time until the next prompt. */
async function timeCommand(
  session: Session,
  line: string,
  expected = "",
): Promise<{ ms: number; output: string }> {
  const start = performance.now();
  const output = await session.command(line);
  const ms = performance.now() - start;
  if (!output.includes(expected)) throw new Error(`${line} printed ${JSON.stringify(output)}`);
  return { ms, output };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measureBoot(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < BOOTS; i++) {
    const device = makeImage();
    const start = performance.now();
    const session = new Session({ device });
    await session.waitForConsoleWaits(1);
    times.push(performance.now() - start);
    await session.shutdown();
  }
  return median(times);
}

/** Runs `line` RUNS times on `session` and returns the median wall time in milliseconds. */
async function medianCommand(session: Session, line: string, expected: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await timeCommand(session, line, expected)).ms);
  return median(times);
}

/** Runs one usertests tier on a fresh image; returns its figure. */
async function measureUsertests(tier: "quick" | "slow"): Promise<Figure> {
  const session = await bootSession();
  const run = await timeCommand(session, `usertests ${tier}`);
  await session.shutdown();
  const passed = run.output.includes("ALL TESTS PASSED");
  const summary = run.output.match(/usertests: \d+ of \d+ tests failed/)?.[0];
  return {
    name: `usertests ${tier} tier`,
    value: run.ms / 1000,
    unit: "s",
    note: `wall time, deterministic clock, 32 MiB; ${passed ? "ALL TESTS PASSED" : (summary ?? "did not finish")}`,
  };
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  figures.push({
    name: "boot to first prompt",
    value: await measureBoot(),
    unit: "ms",
    note: `median of ${BOOTS}: mount, exec /init, init starts sh, sh prompts`,
  });

  const session = await bootSession({ files: [{ path: "/pipeasm", data: pipeProgram() }] });
  const syscallMs = await medianCommand(session, `syscallbench ${SYSCALLS}`, "getpid calls in");
  figures.push({
    name: "getpid system calls",
    value: SYSCALLS / (syscallMs / 1000),
    unit: "calls/s",
    note: `syscallbench ${SYSCALLS}, median of ${RUNS}, including the program's fork and exec`,
  });
  const forkMs = await medianCommand(session, `forkbench ${FORKS}`, "fork+exec+wait in");
  figures.push({
    name: "fork+exec+exit+wait",
    value: FORKS / (forkMs / 1000),
    unit: "cycles/s",
    note: `forkbench ${FORKS} (exec of true), median of ${RUNS}`,
  });
  const pipeMs = await medianCommand(session, `pipebench ${PIPE_MB}`, "MiB in");
  figures.push({
    name: "pipe throughput",
    value: PIPE_MB / (pipeMs / 1000),
    unit: "MiB/s",
    note: `pipebench ${PIPE_MB}, median of ${RUNS}: the C program checks every byte`,
  });
  const pipeKernelMs = await medianCommand(session, "pipeasm", "");
  figures.push({
    name: "pipe throughput, kernel path",
    value: (PIPE_CHUNKS * 4096) / 2 ** 20 / (pipeKernelMs / 1000),
    unit: "MiB/s",
    note: `assembled writer and reader, 16 MiB in 4 KiB calls, no work per byte, median of ${RUNS}`,
  });
  await session.shutdown();

  figures.push(await measureUsertests("quick"));
  figures.push(await measureUsertests("slow"));
  writeReport("@xv6ts/kernel", figures);
}

await main();
