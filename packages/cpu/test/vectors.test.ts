/**
 * Runs the instruction vectors of vectors/*.json: each case loads registers and memory, executes
 * one instruction, and compares registers, eip, memory and the eflags bits in `flagsMask`. One
 * test per group, named with its case count, so a run reports how many cases each opcode form has.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Cpu, type CpuContext, FlatTranslator, REGISTER_NAMES } from "../src/index.ts";

interface VectorState {
  [register: string]: number;
}

interface MemoryRegion {
  address: number;
  hex: string;
}

interface VectorCase {
  bytes: string;
  before: VectorState;
  after: VectorState;
  memoryBefore?: MemoryRegion[];
  memoryAfter?: MemoryRegion[];
  flagsMask: number;
  trap?: number;
}

interface VectorFile {
  generator: string;
  groups: { name: string; cases: VectorCase[] }[];
}

const VECTOR_DIRECTORY = new URL("../vectors/", import.meta.url);
const CODE_ADDRESS = 0x1000;
const LAYOUT_END = 0x4000;
const MEMORY_SIZE = 0x10000;

const memory = new ArrayBuffer(MEMORY_SIZE);
const bytes = new Uint8Array(memory);
const cpu = new Cpu({ memory, translator: new FlatTranslator(MEMORY_SIZE) });

function parseHex(text: string): Uint8Array {
  const result = new Uint8Array(text.length / 2);
  for (let k = 0; k < result.length; k++)
    result[k] = Number.parseInt(text.slice(2 * k, 2 * k + 2), 16);
  return result;
}

function toHex(data: Uint8Array): string {
  return Array.from(data, (value) => value.toString(16).padStart(2, "0")).join("");
}

function contextOf(state: VectorState): CpuContext {
  const context = cpu.getContext();
  for (const name of REGISTER_NAMES) context[name] = state[name] ?? 0;
  context.eflags = state.eflags ?? 0x202;
  context.eip = CODE_ADDRESS;
  context.cs = 0x1b;
  context.ss = 0x23;
  context.ds = 0x23;
  context.es = 0x23;
  context.fs = 0;
  context.gs = 0;
  return context;
}

/** Runs one case and returns a description of each mismatch (empty when it passes). */
function runCase(vector: VectorCase): string[] {
  bytes.fill(0, CODE_ADDRESS, LAYOUT_END);
  bytes.set(parseHex(vector.bytes), CODE_ADDRESS);
  for (const region of vector.memoryBefore ?? []) bytes.set(parseHex(region.hex), region.address);
  for (let page = 1; page < LAYOUT_END / 4096; page++) cpu.invalidateCode(page);
  cpu.flushTlb();
  cpu.setContext(contextOf(vector.before));

  // a rep instruction retires one count per iteration: run until eip leaves it
  let result = cpu.run(1);
  for (
    let slice = 0;
    slice < 10_000 && result.type === "budget" && cpu.eip === CODE_ADDRESS;
    slice++
  ) {
    result = cpu.run(1);
  }
  const problems: string[] = [];
  if (vector.trap === undefined && result.type !== "budget") {
    problems.push(
      `stopped with trap ${result.type === "trap" ? result.vector : "?"}, expected none`,
    );
  }
  if (vector.trap !== undefined && (result.type !== "trap" || result.vector !== vector.trap)) {
    problems.push(`expected trap ${vector.trap}, got ${JSON.stringify(result)}`);
  }
  const actual = cpu.getContext();
  for (const name of REGISTER_NAMES) {
    if (actual[name] !== (vector.after[name] ?? 0)) {
      problems.push(
        `${name} 0x${actual[name].toString(16)}, expected 0x${(vector.after[name] ?? 0).toString(16)}`,
      );
    }
  }
  if (actual.eip !== vector.after.eip)
    problems.push(`eip 0x${actual.eip.toString(16)}, expected 0x${vector.after.eip!.toString(16)}`);
  const flagDifference = (actual.eflags ^ vector.after.eflags!) & vector.flagsMask;
  if (flagDifference !== 0) {
    problems.push(
      `eflags 0x${actual.eflags.toString(16)}, expected 0x${vector.after.eflags!.toString(16)} (differs in 0x${flagDifference.toString(16)})`,
    );
  }
  for (const region of vector.memoryAfter ?? []) {
    const found = toHex(bytes.subarray(region.address, region.address + region.hex.length / 2));
    if (found !== region.hex)
      problems.push(`memory at 0x${region.address.toString(16)} ${found}, expected ${region.hex}`);
  }
  return problems;
}

const files = existsSync(VECTOR_DIRECTORY)
  ? readdirSync(VECTOR_DIRECTORY)
      .filter((name) => name.endsWith(".json"))
      .sort()
  : [];

test("vector files are present", () => {
  expect(files.length).toBeGreaterThan(0);
});

for (const file of files) {
  const data = JSON.parse(readFileSync(new URL(file, VECTOR_DIRECTORY), "utf8")) as VectorFile;
  describe(file, () => {
    for (const group of data.groups) {
      test(`${group.name} (${group.cases.length} cases)`, () => {
        const failures: string[] = [];
        for (const vector of group.cases) {
          const problems = runCase(vector);
          if (problems.length > 0) failures.push(`${vector.bytes}: ${problems.join("; ")}`);
        }
        expect(
          failures.slice(0, 5),
          `${failures.length} of ${group.cases.length} cases failed`,
        ).toEqual([]);
      });
    }
  });
}
