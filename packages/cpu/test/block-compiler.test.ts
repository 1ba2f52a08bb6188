/**
 * The block compiler against the interpreter: random loops built from the instructions of the
 * vector files run on two CPUs, one compiling hot blocks and one interpreting only. After every
 * `run` slice (of random size, so budgets end inside and between blocks) both must agree on the
 * stop, every register, EFLAGS and every byte of memory. Random registers make many memory
 * operands fault, so faults inside compiled blocks are compared too, and random stores into the
 * loop's own code exercise self-modifying code.
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Cpu, FlatTranslator, REGISTER_NAMES, type RunResult } from "../src/index.ts";

const MEMORY_SIZE = 0x10000;
const CODE_ADDRESS = 0x1000;
const COUNTER_ADDRESS = 0x5000;
const ITERATIONS = 60;
const MAX_INSTRUCTIONS = 20_000;
/** Vector files whose instructions stay inside a loop body: no jumps, no string loops, no popf. */
const POOL_FILES = [
  "alu.json",
  "move.json",
  "address.json",
  "cond.json",
  "shift.json",
  "muldiv.json",
  "bits.json",
  "stack.json",
  "atomic.json",
];

function loadPool(): number[][] {
  const directory = new URL("../vectors/", import.meta.url);
  const present = new Set(readdirSync(directory));
  const pool: number[][] = [];
  for (const file of POOL_FILES.filter((name) => present.has(name))) {
    const data = JSON.parse(readFileSync(new URL(file, directory), "utf8")) as {
      groups: { cases: { bytes: string }[] }[];
    };
    for (const group of data.groups) {
      for (const vector of group.cases.slice(0, 4)) {
        pool.push(vector.bytes.match(/../g)!.map((pair) => Number.parseInt(pair, 16)));
      }
    }
  }
  return pool;
}

const pool = loadPool();

/**
 * A body item: an instruction of the pool, or one of three synthesized shapes that random picks
 * rarely produce. The shapes are a flag producer followed by setcc or cmovcc, a jcc over one
 * `inc`, and a store that changes a later instruction of its own compiled block.
 */
type Item =
  | { kind: "pool"; index: number }
  | { kind: "pair"; producer: number; cc: number; a: number; b: number; cmov: boolean }
  | { kind: "jcc"; cc: number }
  | { kind: "patch"; value: number };

/** Register-register producers: cmp, sub, test, add, and, or, xor (opcode /r), inc, dec. */
const PRODUCERS = [0x39, 0x29, 0x85, 0x01, 0x21, 0x09, 0x31, 0x40, 0x48];

function itemBytes(item: Item, address: number): number[] {
  switch (item.kind) {
    case "pool":
      return pool[item.index]!;
    case "pair": {
      const opcode = PRODUCERS[item.producer]!;
      const producer = opcode >= 0x40 ? [opcode | item.a] : [opcode, 0xc0 | (item.b << 3) | item.a];
      const consumer = item.cmov
        ? [0x0f, 0x40 | item.cc, 0xc0 | (item.a << 3) | item.b]
        : [0x0f, 0x90 | item.cc, 0xc0 | item.a];
      return [...producer, ...consumer];
    }
    case "jcc":
      return [0x70 | item.cc, 0x01, 0x41];
    default: {
      // mov edx, 0x6000; mov esi, site; cmp dword [0x5000], 5; cmove edx, esi; xor dword [edx], 8;
      // site: an inc or dec. On the pass where the counter is 5, long after the loop was
      // compiled, the xor turns the inc into a dec (or back) in the middle of the block.
      const site = address + 23;
      const siteBytes = [site & 0xff, (site >> 8) & 0xff, (site >> 16) & 0xff, site >>> 24];
      return [
        0xba,
        0x00,
        0x60,
        0x00,
        0x00,
        0xbe,
        ...siteBytes,
        0x83,
        0x3d,
        0x00,
        0x50,
        0x00,
        0x00,
        0x05,
        0x0f,
        0x44,
        0xd6,
        0x83,
        0x32,
        0x08,
        item.value,
      ];
    }
  }
}

const item: fc.Arbitrary<Item> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .integer({ min: 0, max: pool.length - 1 })
      .map((index) => ({ kind: "pool" as const, index })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("pair" as const),
      producer: fc.integer({ min: 0, max: PRODUCERS.length - 1 }),
      cc: fc.integer({ min: 0, max: 15 }),
      a: fc.integer({ min: 0, max: 7 }).filter((n) => n !== 4),
      b: fc.integer({ min: 0, max: 7 }).filter((n) => n !== 4),
      cmov: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 15 }).map((cc) => ({ kind: "jcc" as const, cc })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0x40, max: 0x4f })
      .map((value) => ({ kind: "patch" as const, value })),
  },
);

/** Builds the loop: body; dec dword [0x5000]; jnz body (rel32); int 0x40. */
function buildLoop(body: Item[]): number[] {
  const code: number[] = [];
  for (const entry of body) code.push(...itemBytes(entry, CODE_ADDRESS + code.length));
  code.push(0xff, 0x0d, 0x00, 0x50, 0x00, 0x00);
  const rel = -(code.length + 6);
  code.push(0x0f, 0x85, rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >>> 24) & 0xff);
  code.push(0xcd, 0x40);
  return code;
}

interface Machine {
  cpu: Cpu;
  bytes: Uint8Array;
}

function makeCpu(compileBlocks: boolean): Machine {
  const memory = new ArrayBuffer(MEMORY_SIZE);
  const cpu = new Cpu({
    memory,
    translator: new FlatTranslator(MEMORY_SIZE),
    userVectors: [0x40],
    compileBlocks,
  });
  return { cpu, bytes: new Uint8Array(memory) };
}

const compiled = makeCpu(true);
const interpreted = makeCpu(false);

function reset(
  machine: Machine,
  code: number[],
  registers: number[],
  eflags: number,
  fill: number,
): void {
  machine.bytes.fill(fill);
  machine.bytes.set(code, CODE_ADDRESS);
  new DataView(machine.bytes.buffer).setUint32(COUNTER_ADDRESS, ITERATIONS, true);
  for (let page = 0; page < MEMORY_SIZE / 4096; page++) machine.cpu.invalidateCode(page);
  machine.cpu.flushTlb();
  const context = machine.cpu.getContext();
  REGISTER_NAMES.forEach((name, n) => {
    context[name] = registers[n]!;
  });
  context.eip = CODE_ADDRESS;
  context.eflags = eflags;
  machine.cpu.setContext(context);
  machine.cpu.instructionCount = 0;
}

/** Returns the first offset where the two memories differ, or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (Buffer.compare(a, b) === 0) return -1;
  return a.findIndex((value, offset) => value !== b[offset]);
}

const program = fc.record({
  body: fc.array(item, { minLength: 1, maxLength: 12 }),
  registers: fc.array(fc.integer({ min: 0x2000, max: 0x3ff0 }), { minLength: 8, maxLength: 8 }),
  eflags: fc.integer({ min: 0, max: 0xfff }).map((value) => value & ~0x100),
  fill: fc.integer({ min: 0, max: 255 }),
  slices: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 4, maxLength: 4 }),
});

describe("block compiler", () => {
  test("pool holds instructions", () => {
    expect(pool.length).toBeGreaterThan(500);
  });

  test("compiled blocks match the interpreter", () => {
    fc.assert(
      fc.property(program, ({ body, registers, eflags, fill, slices }) => {
        const code = buildLoop(body);
        reset(compiled, code, registers, eflags, fill);
        reset(interpreted, code, registers, eflags, fill);
        let total = 0;
        for (let round = 0; total < MAX_INSTRUCTIONS; round++) {
          const budget = slices[round % slices.length]!;
          const expected: RunResult = interpreted.cpu.run(budget);
          const actual: RunResult = compiled.cpu.run(budget);
          expect(actual).toEqual(expected);
          expect(compiled.cpu.getContext()).toEqual(interpreted.cpu.getContext());
          expect(firstDifference(compiled.bytes, interpreted.bytes)).toBe(-1);
          total += expected.executed;
          if (expected.type === "trap") break;
        }
      }),
      { numRuns: 1000, seed: 4242 },
    );
  });
});
