/**
 * The CPU benchmark: runs test-programs/bench.c (built -O2 and -O0) on the emulated CPU through
 * the bare harness and reports emulated MIPS. In the same run it times the same ELF natively and
 * under qemu-i386 when the host can run them, and reports the ratios.
 *
 * Every runner is measured twice: by wall time, and by the CPU time it used (user + system),
 * because on a shared machine the wall time also counts the time other processes held the cores.
 *
 *   pnpm bench        (from packages/cpu)
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Figure, writeReport } from "../../../bench/report.ts";
import { runProgram } from "../test/bare-harness.ts";

const ELF_DIRECTORY = fileURLToPath(new URL("../test-programs/elf/", import.meta.url));
const EMULATED_ROUNDS = 30;
const WARMUP_ROUNDS = 4;
/** Native and qemu runs are much faster, so they run more rounds to be measurable. */
const HOST_ROUNDS = 600;

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

writeReport("@xv6ts/cpu", [
  ...measure("bench-O2-nofp.elf", "bench -O2"),
  ...measure("bench-O0-fp.elf", "bench -O0"),
]);
