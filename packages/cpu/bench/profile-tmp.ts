import { readFileSync } from "node:fs";
import { runProgram } from "../test/bare-harness.ts";

const file = `test-programs/elf/${process.argv[3] ?? "bench-O2-nofp.elf"}`;
runProgram(readFileSync(file), ["bench", "4"]);
const t = performance.now();
const cpu0 = process.cpuUsage();
const r = runProgram(readFileSync(file), ["bench", process.argv[2] ?? "10"]);
const ms = performance.now() - t;
const cpuMs = process.cpuUsage(cpu0).user / 1000;
console.log(
  `${r.output.trim()} instructions ${r.instructions} ${ms.toFixed(0)} ms ${(r.instructions / ms / 1000).toFixed(1)} MIPS wall, ${(r.instructions / cpuMs / 1000).toFixed(1)} MIPS cpu`,
);
