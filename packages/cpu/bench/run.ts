/**
 * The CPU benchmark: runs test-programs/bench.c (built -O2 and -O0) on the emulated CPU through
 * the bare harness and reports emulated MIPS. In the same run it times the same ELF natively and
 * under qemu-i386 when the host can run them, and reports the ratios.
 *
 *   pnpm bench        (from packages/cpu)
 */
import { execFileSync } from "node:child_process";
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
  seconds: number;
  instructions: number;
}

function emulate(elfName: string, rounds: number): Timing {
  const elf = readFileSync(`${ELF_DIRECTORY}${elfName}`);
  const start = performance.now();
  const result = runProgram(elf, ["bench", String(rounds)]);
  const seconds = (performance.now() - start) / 1000;
  if (result.exitStatus !== 0)
    throw new Error(`bench: ${elfName} exited with status ${result.exitStatus}`);
  return { seconds, instructions: result.instructions };
}

/** Times a host command running the benchmark ELF; returns undefined when it cannot run here. */
function timeHost(command: string, args: string[]): number | undefined {
  try {
    const start = performance.now();
    execFileSync(command, args, { stdio: "ignore" });
    return (performance.now() - start) / 1000;
  } catch {
    return undefined;
  }
}

function measure(elfName: string, label: string): Figure[] {
  emulate(elfName, WARMUP_ROUNDS);
  const emulated = emulate(elfName, EMULATED_ROUNDS);
  const instructionsPerRound = emulated.instructions / EMULATED_ROUNDS;
  const emulatedMips = emulated.instructions / emulated.seconds / 1e6;
  const figures: Figure[] = [
    {
      name: `${label} emulated`,
      value: emulatedMips,
      unit: "MIPS",
      note: `${EMULATED_ROUNDS} rounds, ${(emulated.instructions / 1e6).toFixed(1)} M instructions in ${emulated.seconds.toFixed(2)} s`,
    },
  ];
  const elfPath = `${ELF_DIRECTORY}${elfName}`;
  const hosts: [string, string, string[]][] = [
    ["native", elfPath, [String(HOST_ROUNDS)]],
    ["qemu-i386", "qemu-i386", [elfPath, String(HOST_ROUNDS)]],
  ];
  for (const [hostName, command, args] of hosts) {
    const seconds = timeHost(command, args);
    if (seconds === undefined) continue;
    const hostMips = (instructionsPerRound * HOST_ROUNDS) / seconds / 1e6;
    figures.push({
      name: `${label} ${hostName}`,
      value: hostMips,
      unit: "MIPS",
      note: `${HOST_ROUNDS} rounds in ${seconds.toFixed(2)} s, process start included`,
    });
    figures.push({
      name: `${label} ${hostName} / emulated`,
      value: hostMips / emulatedMips,
      unit: "x",
      note: "how many times faster",
    });
  }
  return figures;
}

writeReport("@xv6ts/cpu", [
  ...measure("bench-O2-nofp.elf", "bench -O2"),
  ...measure("bench-O0-fp.elf", "bench -O0"),
]);
