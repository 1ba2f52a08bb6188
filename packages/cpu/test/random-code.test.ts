/**
 * Random instruction streams: whatever the bytes, `run` returns a budget stop or a trap with an
 * exception vector the CPU can raise, and never throws.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Cpu, FlatTranslator, REGISTER_NAMES } from "../src/index.ts";

const MEMORY_SIZE = 0x10000;
const CODE_ADDRESS = 0x1000;
const BUDGET = 300;
/** #DE #DB #BP #OF #BR #UD #TS #GP #PF, and the user gate 0x40. */
const POSSIBLE_VECTORS = [0, 1, 3, 4, 5, 6, 10, 13, 14, 0x40];

const memory = new ArrayBuffer(MEMORY_SIZE);
const bytes = new Uint8Array(memory);
const translator = new FlatTranslator(MEMORY_SIZE);
const cpu = new Cpu({ memory, translator, userVectors: [0x40] });

const pageStates = fc.constantFrom("writable", "writable", "read-only", "absent") as fc.Arbitrary<
  "writable" | "read-only" | "absent"
>;

const machineState = fc.record({
  code: fc.uint8Array({ minLength: 1, maxLength: 96 }),
  registers: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 8, maxLength: 8 }),
  smallRegisters: fc.array(fc.integer({ min: 0, max: MEMORY_SIZE }), {
    minLength: 8,
    maxLength: 8,
  }),
  useSmall: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  eflags: fc.integer({ min: 0, max: 0xffffffff }),
  pages: fc.array(pageStates, { minLength: 16, maxLength: 16 }),
});

type MachineState = typeof machineState extends fc.Arbitrary<infer T> ? T : never;

function load(state: MachineState): void {
  bytes.fill(0);
  bytes.set(state.code, CODE_ADDRESS);
  state.pages.forEach((pageState, page) => {
    translator.setPages(page * 4096, page * 4096 + 4096, page === 1 ? "writable" : pageState);
  });
  for (let page = 0; page < MEMORY_SIZE / 4096; page++) cpu.invalidateCode(page);
  cpu.flushTlb();
  const context = cpu.getContext();
  REGISTER_NAMES.forEach((name, n) => {
    context[name] = state.useSmall[n] ? state.smallRegisters[n]! : state.registers[n]!;
  });
  context.eip = CODE_ADDRESS;
  context.eflags = state.eflags & ~0x100; // no single-step, so runs are long
  context.cs = 0x1b;
  context.ss = 0x23;
  context.ds = 0x23;
  context.es = 0x23;
  context.fs = 0;
  context.gs = 0;
  cpu.setContext(context);
}

describe("random code", () => {
  test("run stops with budget or trap", () => {
    fc.assert(
      fc.property(machineState, (state) => {
        load(state);
        let total = 0;
        for (let round = 0; round < 3; round++) {
          const result = cpu.run(BUDGET);
          expect(result.executed).toBeGreaterThanOrEqual(0);
          expect(result.executed).toBeLessThanOrEqual(BUDGET);
          total += result.executed;
          if (result.type === "trap") {
            expect(POSSIBLE_VECTORS).toContain(result.vector);
            expect(Number.isInteger(result.errorCode)).toBe(true);
          } else {
            expect(result).toEqual({ type: "budget", executed: BUDGET });
          }
        }
        expect(cpu.instructionCount).toBeGreaterThanOrEqual(total);
      }),
      { numRuns: 3000, seed: 20261204 },
    );
  });

  test("faults leave eip at a decodable instruction", () => {
    fc.assert(
      fc.property(machineState, (state) => {
        load(state);
        const result = cpu.run(BUDGET);
        if (result.type !== "trap" || result.vector === 0x40 || result.vector === 1) return;
        // a fault restarts: running again from the same state faults the same way
        const again = cpu.run(1);
        expect(again).toMatchObject({ type: "trap", vector: result.vector, executed: 0 });
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
