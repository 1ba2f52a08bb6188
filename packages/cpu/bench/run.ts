/**
 * The CPU benchmark: runs test-programs/bench.c (built -O2 and -O0) on the emulated CPU through
 * the bare harness and reports emulated MIPS. In the same run it times the same ELF natively and
 * under qemu-i386 when the host can run them, and reports the ratios. It also times a system-call
 * loop in which every `run` call ends at an `int 0x40`, as a kernel's does at each system call,
 * once with a write of eax and once with a context switch (getContext and setContext) per stop.
 *
 * Every runner is measured twice: by wall time, and by the CPU time it used (user + system),
 * because on a shared machine the wall time also counts the time other processes held the cores.
 *
 *   pnpm bench            (from packages/cpu)
 *   pnpm bench syscalls   (the system-call loops only)
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Figure, writeReport } from "../../../bench/report.ts";
import { Cpu, EAX, ESP, FlatTranslator } from "../src/index.ts";
import { runProgram } from "../test/bare-harness.ts";

const ELF_DIRECTORY = fileURLToPath(new URL("../test-programs/elf/", import.meta.url));
const EMULATED_ROUNDS = 30;
const WARMUP_ROUNDS = 4;
/** Native and qemu runs are much faster, so they run more rounds to be measurable. */
const HOST_ROUNDS = 600;
const SYSCALL_STOPS = 2_000_000;
const SYSCALL_WARMUP_STOPS = 200_000;
const SYSCALL_VECTOR = 0x40;

interface Timing {
  wallSeconds: number;
  cpuSeconds: number;
}

function emulate(elfName: string, rounds: number): Timing & { instructions: number } {
  const elf = readFileSync(`${ELF_DIRECTORY}${elfName}`);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = runProgram(elf, ["bench", String(rounds)]);
  const cpu = process.cpuUsage(cpuStart);
  const wallSeconds = (performance.now() - start) / 1000;
  if (result.exitStatus !== 0)
    throw new Error(`bench: ${elfName} exited with status ${result.exitStatus}`);
  return {
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    instructions: result.instructions,
  };
}

/**
 * Times a host command with bash's `time`; returns undefined when it cannot run here (no qemu,
 * or a host that does not run i386 programs).
 */
function timeHost(command: string[]): Timing | undefined {
  const quoted = command.map((word) => `'${word}'`).join(" ");
  const result = spawnSync("bash", ["-c", `TIMEFORMAT='%3R %3U %3S'; time ${quoted} > /dev/null`], {
    encoding: "utf8",
  });
  const match = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr ?? "");
  if (result.status !== 0 || match === null) return undefined;
  return { wallSeconds: Number(match[1]), cpuSeconds: Number(match[2]) + Number(match[3]) };
}

function measure(elfName: string, label: string): Figure[] {
  emulate(elfName, WARMUP_ROUNDS);
  const emulated = emulate(elfName, EMULATED_ROUNDS);
  const perRound = emulated.instructions / EMULATED_ROUNDS;
  const emulatedCpuMips = emulated.instructions / emulated.cpuSeconds / 1e6;
  const note = `${EMULATED_ROUNDS} rounds, ${(emulated.instructions / 1e6).toFixed(1)} M instructions`;
  const figures: Figure[] = [
    {
      name: `${label} emulated (CPU time)`,
      value: emulatedCpuMips,
      unit: "MIPS",
      note: `${note} in ${emulated.cpuSeconds.toFixed(2)} s of CPU time`,
    },
    {
      name: `${label} emulated (wall time)`,
      value: emulated.instructions / emulated.wallSeconds / 1e6,
      unit: "MIPS",
      note: `${note} in ${emulated.wallSeconds.toFixed(2)} s`,
    },
  ];
  const elfPath = `${ELF_DIRECTORY}${elfName}`;
  const hosts: [string, string[]][] = [
    ["native", [elfPath, String(HOST_ROUNDS)]],
    ["qemu-i386", ["qemu-i386", elfPath, String(HOST_ROUNDS)]],
  ];
  for (const [hostName, command] of hosts) {
    const timing = timeHost(command);
    if (timing === undefined) continue;
    const hostCpuMips = (perRound * HOST_ROUNDS) / timing.cpuSeconds / 1e6;
    figures.push({
      name: `${label} ${hostName} (CPU time)`,
      value: hostCpuMips,
      unit: "MIPS",
      note: `${HOST_ROUNDS} rounds in ${timing.cpuSeconds.toFixed(2)} s of CPU time (${timing.wallSeconds.toFixed(2)} s wall), process start included`,
    });
    figures.push({
      name: `${label} ${hostName} / emulated`,
      value: hostCpuMips / emulatedCpuMips,
      unit: "x",
      note: "times faster, by CPU time",
    });
  }
  return figures;
}

/**
 * Runs `stops` system calls of a getpid loop (mov eax, 11; int 0x40; jmp back), one `run` call per
 * stop, with the caller writing a return value into eax as a kernel does: straight into `regs`,
 * or, with `switchContext`, through `getContext` and `setContext` as a context switch does.
 */
function syscallLoop(stops: number, switchContext: boolean): Timing {
  const memory = new ArrayBuffer(0x10000);
  new Uint8Array(memory).set([0xb8, 0x0b, 0, 0, 0, 0xcd, SYSCALL_VECTOR, 0xeb, 0xf7], 0x1000);
  const cpu = new Cpu({
    memory,
    translator: new FlatTranslator(memory.byteLength),
    userVectors: [SYSCALL_VECTOR],
  });
  cpu.eip = 0x1000;
  cpu.regs[ESP] = 0x8000;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let call = 0; call < stops; call++) {
    const result = cpu.run(1000);
    if (result.type !== "trap" || result.vector !== SYSCALL_VECTOR)
      throw new Error(`bench: the system-call loop stopped with ${JSON.stringify(result)}`);
    if (switchContext) {
      const context = cpu.getContext();
      context.eax = call;
      cpu.setContext(context);
    } else {
      cpu.regs[EAX] = call;
    }
  }
  const used = process.cpuUsage(cpuStart);
  return {
    wallSeconds: (performance.now() - start) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

/** Times the system-call loop, writing eax directly or through a context switch. */
function measureSyscalls(switchContext: boolean): Figure[] {
  syscallLoop(SYSCALL_WARMUP_STOPS, switchContext);
  const timing = syscallLoop(SYSCALL_STOPS, switchContext);
  const label = switchContext ? "int 0x40 stops + setContext" : "int 0x40 stops";
  const write = switchContext ? "getContext and setContext" : "a write of regs[EAX]";
  const note = `${SYSCALL_STOPS} stops, each a run call retiring jmp, mov and int 0x40, then ${write}`;
  return [
    {
      name: `${label} (CPU time)`,
      value: SYSCALL_STOPS / timing.cpuSeconds,
      unit: "stops/s",
      note: `${note}, ${timing.cpuSeconds.toFixed(2)} s of CPU time`,
    },
    {
      name: `${label} (wall time)`,
      value: SYSCALL_STOPS / timing.wallSeconds,
      unit: "stops/s",
      note: `${note}, ${timing.wallSeconds.toFixed(2)} s`,
    },
  ];
}

// The system-call loops run last, so that their Cpu and translator cannot make the programs'
// call sites polymorphic before they are timed. `pnpm bench syscalls` runs only those loops and
// prints them without writing the report, for repeated before-and-after comparisons.
const syscallFigures = () => [...measureSyscalls(false), ...measureSyscalls(true)];
if (process.argv[2] === "syscalls") {
  console.table(syscallFigures());
} else {
  writeReport("@xv6ts/cpu", [
    ...measure("bench-O2-nofp.elf", "bench -O2"),
    ...measure("bench-O0-fp.elf", "bench -O0"),
    ...syscallFigures(),
  ]);
}
