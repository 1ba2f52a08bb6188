/**
 * CR2 and `faultAddress` after a page fault: the linear address of the first byte that faulted,
 * never its page. Instruction fetches, reads, writes and read-modify-writes are checked, within
 * one page and across a page end, in the interpreter and in compiled blocks.
 */
import { describe, expect, test } from "vitest";
import { Cpu, EAX, EBX, ECX, ESI, ESP, FlatTranslator, type Translator } from "../src/index.ts";
import { CODE, hasCompiledBlock, hex, makeMachine, STACK_TOP } from "./machine.ts";

const KERNBASE = 0x80000000;
/** The page-fault error code's present bit, as the translator reports it. */
const PF_PRESENT = 1;

/**
 * Identity translation below KERNBASE, and above it a present page that user code may not touch,
 * as in xv6, where every page directory maps the kernel supervisor-only.
 */
function kernelHoleTranslator(flat: FlatTranslator): Translator {
  return {
    translate: (linear, access, cpl) =>
      linear >>> 0 >= KERNBASE ? -1 - PF_PRESENT : flat.translate(linear, access, cpl),
  };
}

describe("fetch faults in the interpreter", () => {
  test("jump to an absent page reports the target", () => {
    // jmp 0x9123
    const { cpu, translator } = makeMachine(hex("e9 1e 81 00 00"), { compileBlocks: false });
    translator.setPages(0x9000, 0xa000, "absent");
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 1,
      vector: 14,
      errorCode: 4,
      faultAddress: 0x9123,
    });
    expect(cpu.eip).toBe(0x9123);
    expect(cpu.cr2).toBe(0x9123);
  });

  test("return to 0xffffffff reports 0xffffffff", () => {
    // push -1; ret: what a program that returns from main does on xv6
    const memory = new ArrayBuffer(0x10000);
    new Uint8Array(memory).set(hex("6a ff c3"), CODE);
    const cpu = new Cpu({
      memory,
      translator: kernelHoleTranslator(new FlatTranslator(memory.byteLength)),
      compileBlocks: false,
    });
    cpu.eip = CODE;
    cpu.regs[ESP] = STACK_TOP;
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 2,
      vector: 14,
      errorCode: 5,
      faultAddress: 0xffffffff,
    });
    expect(cpu.eip).toBe(0xffffffff);
    expect(cpu.cr2).toBe(0xffffffff);
    expect(cpu.regs[ESP]).toBe(STACK_TOP);
  });

  test.each([
    ["prefix mapped, opcode absent", "66 b8 34 12", 1],
    ["opcode mapped, ModRM absent", "8b 0d 00 20 00 00", 1],
    ["ModRM mapped, displacement absent", "8b 0d 00 20 00 00", 2],
    ["displacement split", "8b 0d 00 20 00 00", 4],
    ["last immediate byte absent", "b8 01 02 03 04", 4],
  ])("instruction crossing into an absent page: %s", (_name, bytes, mappedBytes) => {
    const code = hex(bytes);
    const start = 0x2000 - mappedBytes;
    const { cpu, translator, bytes: memory } = makeMachine([], { compileBlocks: false });
    memory.set(code.slice(0, mappedBytes), start);
    translator.setPages(0x2000, 0x3000, "absent");
    cpu.eip = start;
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 0,
      vector: 14,
      errorCode: 4,
      faultAddress: 0x2000,
    });
    expect(cpu.eip).toBe(start);
  });

  test("instruction ending at the page end runs", () => {
    const { cpu, translator, bytes } = makeMachine([], { compileBlocks: false });
    bytes.set(hex("b8 01 00 00 00"), 0x1ffb); // mov eax, 1
    translator.setPages(0x2000, 0x3000, "absent");
    cpu.eip = 0x1ffb;
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 1,
      vector: 14,
      errorCode: 4,
      faultAddress: 0x2000,
    });
    expect(cpu.eip).toBe(0x2000);
    expect(cpu.regs[EAX]).toBe(1);
  });
});

describe("data faults in the interpreter", () => {
  test.each([
    ["dword inside an absent page", "a1 23 91 00 00", ["9000"], 0x9123],
    ["dword crossing into an absent page", "a1 fe 8f 00 00", ["9000"], 0x9000],
    ["dword with one byte on an absent page", "a1 ff 8f 00 00", ["9000"], 0x9000],
    ["word crossing into an absent page", "0f b7 05 ff 8f 00 00", ["9000"], 0x9000],
    ["dword starting on an absent page", "a1 fe 8f 00 00", ["8000"], 0x8ffe],
    ["dword on two absent pages", "a1 fe 8f 00 00", ["8000", "9000"], 0x8ffe],
  ])("read of a %s", (_name, code, absentPages, address) => {
    const { cpu, translator } = makeMachine(hex(code), { compileBlocks: false });
    for (const page of absentPages) {
      const start = Number.parseInt(page, 16);
      translator.setPages(start, start + 0x1000, "absent");
    }
    cpu.regs[EAX] = 0x55;
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 0,
      vector: 14,
      errorCode: 4,
      faultAddress: address,
    });
    expect(cpu.eip).toBe(CODE);
    expect(cpu.regs[EAX]).toBe(0x55);
  });

  test("lodsd crossing into an absent page", () => {
    const { cpu, translator } = makeMachine(hex("ad"), { compileBlocks: false });
    translator.setPages(0x9000, 0xa000, "absent");
    cpu.regs[ESI] = 0x8ffd;
    expect(cpu.run(10)).toMatchObject({ vector: 14, errorCode: 4, faultAddress: 0x9000 });
    expect(cpu.regs[ESI]).toBe(0x8ffd);
  });

  test.each([
    ["mov dword crossing into a read-only page", "a3 fe 8f 00 00", 0x9000],
    ["add dword crossing into a read-only page", "01 05 fd 8f 00 00", 0x9000],
    ["cmpxchg8b crossing into a read-only page", "0f c7 0d fc 8f 00 00", 0x9000],
    ["mov dword inside a read-only page", "a3 10 90 00 00", 0x9010],
  ])("write: %s", (_name, code, address) => {
    const { cpu, translator, bytes } = makeMachine(hex(code), { compileBlocks: false });
    translator.setPages(0x9000, 0xa000, "read-only");
    bytes.fill(0xaa, 0x8ff0, 0x9020);
    cpu.regs[EAX] = 0x11223344;
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 0,
      vector: 14,
      errorCode: 7,
      faultAddress: address,
    });
    expect(Array.from(bytes.subarray(0x8ff0, 0x9020)).every((value) => value === 0xaa)).toBe(true);
  });

  test("push straddling an absent page", () => {
    const { cpu, translator } = makeMachine(hex("50"), { compileBlocks: false });
    translator.setPages(0x8000, 0x9000, "absent");
    cpu.regs[ESP] = 0x9002;
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 0,
      vector: 14,
      errorCode: 6,
      faultAddress: 0x8ffe,
    });
    expect(cpu.regs[ESP]).toBe(0x9002);
  });

  test("pusha into an absent page", () => {
    // pusha from esp 0x9008 writes 0x9004 and 0x9000, then faults writing the dword at 0x8ffc
    const { cpu, translator } = makeMachine(hex("60"), { compileBlocks: false });
    translator.setPages(0x8000, 0x9000, "absent");
    cpu.regs[ESP] = 0x9008;
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 0,
      vector: 14,
      errorCode: 6,
      faultAddress: 0x8ffc,
    });
    expect(cpu.regs[ESP]).toBe(0x9008);
    expect(cpu.eip).toBe(CODE);
  });
});

describe("faults in compiled blocks", () => {
  /** Runs `setup` on a compiling and an interpreting CPU, and returns both results and CPUs. */
  function runBoth(setup: (compileBlocks: boolean) => Cpu, budget: number) {
    const compiled = setup(true);
    const interpreted = setup(false);
    const compiledResult = compiled.run(budget);
    const interpretedResult = interpreted.run(budget);
    expect(compiledResult).toEqual(interpretedResult);
    expect(compiled.getContext()).toEqual(interpreted.getContext());
    expect(compiled.cr2).toBe(interpreted.cr2);
    return { compiled, result: compiledResult };
  }

  test.each([
    ["read", "8b 03 83 c3 02 eb f9", "absent", 4],
    ["write", "89 03 83 c3 02 eb f9", "read-only", 7],
    ["read-modify-write", "01 03 83 c3 02 eb f9", "read-only", 7],
  ] as const)("%s crossing a page end in a loop", (_name, code, state, errorCode) => {
    // loop: op [ebx] with eax; add ebx, 2; jmp loop, from 0x8f00 until the dword at 0x8ffe crosses
    const { compiled, result } = runBoth((compileBlocks) => {
      const { cpu, translator } = makeMachine(hex(code), { compileBlocks });
      translator.setPages(0x9000, 0xa000, state);
      cpu.regs[EBX] = 0x8f00;
      return cpu;
    }, 100_000);
    expect(result).toEqual({
      type: "trap",
      executed: 127 * 3,
      vector: 14,
      errorCode,
      faultAddress: 0x9000,
    });
    expect(compiled.eip).toBe(CODE);
    expect(compiled.regs[EBX]).toBe(0x8ffe);
    expect(hasCompiledBlock(compiled, CODE)).toBe(true);
  });

  test("return from a compiled loop to 0xffffffff", () => {
    // loop: dec ecx; jnz loop; ret (to the 0xffffffff on the stack)
    const { compiled, result } = runBoth((compileBlocks) => {
      const memory = new ArrayBuffer(0x10000);
      const bytes = new Uint8Array(memory);
      bytes.set(hex("49 75 fd c3"), CODE);
      new DataView(memory).setUint32(STACK_TOP - 4, 0xffffffff, true);
      const cpu = new Cpu({
        memory,
        translator: kernelHoleTranslator(new FlatTranslator(memory.byteLength)),
        compileBlocks,
      });
      cpu.eip = CODE;
      cpu.regs[ESP] = STACK_TOP - 4;
      cpu.regs[ECX] = 100;
      return cpu;
    }, 10_000);
    expect(result).toEqual({
      type: "trap",
      executed: 201,
      vector: 14,
      errorCode: 5,
      faultAddress: 0xffffffff,
    });
    expect(compiled.eip).toBe(0xffffffff);
    expect(compiled.regs[ESP]).toBe(STACK_TOP);
    expect(hasCompiledBlock(compiled, CODE)).toBe(true);
  });

  test("compiled loop falling into a crossing instruction", () => {
    // loop: dec ecx; jnz loop; nop; nop; nop; then mov eax, imm32 at 0x1ffe with 3 bytes on 0x2000
    const start = 0x1ff8;
    const { compiled, result } = runBoth((compileBlocks) => {
      const { cpu, translator, bytes } = makeMachine([], { compileBlocks });
      bytes.set(hex("49 75 fd 90 90 90 b8 01"), start);
      translator.setPages(0x2000, 0x3000, "absent");
      cpu.eip = start;
      cpu.regs[ECX] = 100;
      return cpu;
    }, 10_000);
    expect(result).toEqual({
      type: "trap",
      executed: 203,
      vector: 14,
      errorCode: 4,
      faultAddress: 0x2000,
    });
    expect(compiled.eip).toBe(0x1ffe);
    expect(hasCompiledBlock(compiled, start)).toBe(true);
  });
});
