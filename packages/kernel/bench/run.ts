/**
 * Kernel benchmark. It boots real images on memory devices in deterministic mode and times user
 * programs on the host's wall clock. Figures: system calls per second (`syscallbench`, a getpid
 * loop), fork+exec+exit+wait per second (`forkbench`), pipe throughput (`pipebench`), boot time
 * to the first shell prompt, and the wall time of `usertests` (quick tier).
 *
 * Run: pnpm bench (from packages/kernel).
 */
import { performance } from "node:perf_hooks";
import { type Figure, writeReport } from "../../../bench/report.ts";
import { bootSession, makeImage, Session } from "../test/session.ts";

const SYSCALLS = 200_000;
const FORKS = 200;
const PIPE_MB = 4;
const BOOTS = 5;

/** Types a command at the prompt and returns the output and the wall time until the next prompt. */
async function timeCommand(
  session: Session,
  line: string,
): Promise<{ ms: number; output: string }> {
  const start = performance.now();
  const output = await session.command(line);
  return { ms: performance.now() - start, output };
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

async function main(): Promise<void> {
  const figures: Figure[] = [];
  figures.push({
    name: "boot to first prompt",
    value: await measureBoot(),
    unit: "ms",
    note: `median of ${BOOTS}: mount, exec /init, init starts sh, sh prompts`,
  });

  const session = await bootSession();
  const syscalls = await timeCommand(session, `syscallbench ${SYSCALLS}`);
  figures.push({
    name: "getpid system calls",
    value: SYSCALLS / (syscalls.ms / 1000),
    unit: "calls/s",
    note: `syscallbench ${SYSCALLS}, including the program's fork and exec`,
  });
  const forks = await timeCommand(session, `forkbench ${FORKS}`);
  figures.push({
    name: "fork+exec+exit+wait",
    value: FORKS / (forks.ms / 1000),
    unit: "cycles/s",
    note: `forkbench ${FORKS} (exec of true)`,
  });
  const pipe = await timeCommand(session, `pipebench ${PIPE_MB}`);
  figures.push({
    name: "pipe throughput",
    value: PIPE_MB / (pipe.ms / 1000),
    unit: "MiB/s",
    note: `pipebench ${PIPE_MB}: one writer, one reader`,
  });
  await session.shutdown();

  const tests = await bootSession();
  const usertests = await timeCommand(tests, "usertests");
  if (!usertests.output.includes("ALL TESTS PASSED")) {
    console.error(usertests.output);
    throw new Error("usertests did not pass; its wall time would mean nothing");
  }
  figures.push({
    name: "usertests quick tier",
    value: usertests.ms / 1000,
    unit: "s",
    note: "wall time, deterministic clock, 32 MiB memory",
  });
  await tests.shutdown();

  writeReport("@xv6ts/kernel", figures);
}

await main();
