/**
 * Deterministic mode: two kernels booted from the same image and given the same input at the same
 * points execute the same instructions, so the console output, the tick count and the number of
 * retired instructions all match, whatever the host did meanwhile.
 */
import { describe, expect, it } from "vitest";
import { bootSession } from "./session.js";

const SCRIPT = ["stressfs", "forktest", "pipebench 1", "syscallbench 50000", "sleep 7"];

async function runScript(): Promise<{ output: string; ticks: number; instructions: number }> {
  const session = await bootSession();
  for (const line of SCRIPT) await session.command(line);
  const result = {
    output: session.text,
    ticks: session.kernel.ticks,
    instructions: session.kernel.extension.cpu.instructionCount,
  };
  await session.shutdown();
  return result;
}

describe("deterministic clock", () => {
  it("repeats a run instruction for instruction", async () => {
    const first = await runScript();
    await new Promise((resolve) => setTimeout(resolve, 25));
    const second = await runScript();
    expect(second.output).toBe(first.output);
    expect(second.ticks).toBe(first.ticks);
    expect(second.instructions).toBe(first.instructions);
    expect(first.ticks).toBeGreaterThan(7);
  });
});
