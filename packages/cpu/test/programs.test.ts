/**
 * Whole programs: every ELF in test-programs/elf runs on the bare harness and must print exactly
 * what its native i386 Linux run printed (test-programs/expected, written by build.sh).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { runProgram } from "./bare-harness.ts";

const PROGRAM_DIRECTORY = new URL("../test-programs/", import.meta.url);
const elfFiles = readdirSync(new URL("elf/", PROGRAM_DIRECTORY))
  .filter((name) => name.endsWith(".elf"))
  .sort();

/** Returns the arguments of each program's native run in build.sh. */
function argumentsFor(program: string): string[] {
  return program === "bench" ? ["bench", "2"] : [program];
}

describe("whole programs", () => {
  test("every program has builds", () => {
    expect(elfFiles.length).toBe(40);
  });

  for (const file of elfFiles) {
    const program = file.split("-")[0]!;
    test(`${file} prints the native output`, { tags: program === "bench" ? ["slow"] : [] }, () => {
      const elf = readFileSync(new URL(`elf/${file}`, PROGRAM_DIRECTORY));
      const expected = readFileSync(new URL(`expected/${program}.txt`, PROGRAM_DIRECTORY), "utf8");
      const result = runProgram(elf, argumentsFor(program), { slice: 100_003 });
      expect(result.output).toBe(expected);
      expect(result.exitStatus).toBe(0);
    });
  }
});
