import { describe, expect, test } from "vitest";
import { CODE, hex, makeMachine } from "../test/machine.ts";
import { Cpu, CpuPanic, EAX, ECX, ESP, FlatTranslator } from "./index.ts";

describe("Cpu construction", () => {
  test("initial state is a new CPL-3 process", () => {
    const cpu = new Cpu({ memory: new ArrayBuffer(4096), translator: new FlatTranslator(4096) });
    expect(cpu.getContext()).toEqual({
      eax: 0,
      ecx: 0,
      edx: 0,
      ebx: 0,
      esp: 0,
      ebp: 0,
      esi: 0,
      edi: 0,
      eip: 0,
      eflags: 0x202,
      cs: 0x1b,
      ss: 0x23,
      ds: 0x23,
      es: 0x23,
      fs: 0,
      gs: 0,
    });
    expect(cpu.regs.length).toBe(8);
  });

  test("constructor rejects memory that is not whole pages", () => {
    expect(
      () => new Cpu({ memory: new ArrayBuffer(1000), translator: new FlatTranslator(1000) }),
    ).toThrow(/multiple of 4096/);
  });

  test("constructor rejects a user vector out of range", () => {
    const options = { memory: new ArrayBuffer(4096), translator: new FlatTranslator(4096) };
    expect(() => new Cpu({ ...options, userVectors: [256] })).toThrow(
      "Cpu: user vector must be an integer from 0 to 255, got 256",
    );
  });

  test("constructor rejects a FlatTranslator larger than memory", () => {
    const create = () =>
      new Cpu({ memory: new ArrayBuffer(8192), translator: new FlatTranslator(1 << 20) });
    expect(create).toThrow(RangeError);
    expect(create).toThrow(/covers 1048576 bytes but memory has only 8192/);
  });

  test("constructor accepts a FlatTranslator smaller than memory", () => {
    // mov eax, [0x1800]; mov eax, [0x2000]: the translator leaves the third page absent
    const memory = new ArrayBuffer(3 * 4096);
    const cpu = new Cpu({ memory, translator: new FlatTranslator(8192) });
    new Uint8Array(memory).set([0xa1, 0x00, 0x18, 0, 0, 0xa1, 0x00, 0x20, 0, 0], 0x1000);
    cpu.eip = 0x1000;
    expect(cpu.run(2)).toMatchObject({ type: "trap", executed: 1, vector: 14, errorCode: 4 });
  });

  test("FlatTranslator rejects a size that is not a non-negative integer", () => {
    expect(() => new FlatTranslator(-1)).toThrow(
      "FlatTranslator: memorySize must be an integer from 0 to 4294967296, got -1",
    );
    expect(() => new FlatTranslator(Number.NaN)).toThrow(RangeError);
  });

  test("CpuPanic is exported for callers that catch it", () => {
    expect(new CpuPanic("run: x").name).toBe("CpuPanic");
  });
});

describe("Cpu.run", () => {
  test("int 0x40 stops with vector 64 and eip after it", () => {
    const { cpu } = makeMachine(hex("b8 05 00 00 00 cd 40"), { userVectors: [64] });
    const result = cpu.run(100);
    expect(result).toEqual({
      type: "trap",
      executed: 2,
      vector: 64,
      errorCode: 0,
      faultAddress: 0,
    });
    expect(cpu.eip).toBe(CODE + 7);
    expect(cpu.regs[EAX]).toBe(5);
  });

  test("int 3 without a user gate is #GP with error 26", () => {
    const { cpu } = makeMachine(hex("cc"), { userVectors: [64] });
    expect(cpu.run(10)).toMatchObject({ type: "trap", executed: 0, vector: 13, errorCode: 26 });
    expect(cpu.eip).toBe(CODE);
  });

  test("int 0x80 without a user gate is #GP with error 1026", () => {
    const { cpu } = makeMachine(hex("cd 80"), { userVectors: [64] });
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 13, errorCode: 1026 });
  });

  test("run stops after the budget", () => {
    const { cpu } = makeMachine(hex("41 eb fd")); // inc ecx; jmp back
    expect(cpu.run(1001)).toEqual({ type: "budget", executed: 1001 });
    expect(cpu.regs[ECX]).toBe(501);
    expect(cpu.instructionCount).toBe(1001);
  });

  test("page fault restores registers and reports the address", () => {
    // push eax (to the stack), then mov eax, [0x9000] which is absent
    const { cpu, translator } = makeMachine(hex("50 a1 00 90 00 00"));
    translator.setPages(0x9000, 0xa000, "absent");
    const result = cpu.run(10);
    expect(result).toEqual({
      type: "trap",
      executed: 1,
      vector: 14,
      errorCode: 4,
      faultAddress: 0x9000,
    });
    expect(cpu.eip).toBe(CODE + 1);
    expect(cpu.regs[ESP]).toBe(0x4000 - 4);
    expect(cpu.cr2).toBe(0x9000);
  });

  test("write to a read-only page faults with the write bit", () => {
    const { cpu, translator } = makeMachine(hex("c7 05 00 90 00 00 01 00 00 00"));
    translator.setPages(0x9000, 0xa000, "read-only");
    expect(cpu.run(10)).toMatchObject({
      type: "trap",
      vector: 14,
      errorCode: 7,
      faultAddress: 0x9000,
    });
  });

  test("run rejects a budget that is not a non-negative integer", () => {
    const { cpu } = makeMachine(hex("90"));
    for (const budget of [-1, 2.5, Number.NaN]) {
      expect(() => cpu.run(budget)).toThrow(RangeError);
    }
    expect(cpu.eip).toBe(CODE);
    expect(cpu.instructionCount).toBe(0);
  });

  test("run with budget zero executes nothing", () => {
    const { cpu } = makeMachine(hex("90"));
    expect(cpu.run(0)).toEqual({ type: "budget", executed: 0 });
    expect(cpu.eip).toBe(CODE);
  });

  test("translator result outside memory panics and names the translator", () => {
    // mov eax, [0x2000]; the translator maps page 2 past the end of the 8 KiB of memory
    const memory = new ArrayBuffer(8192);
    new Uint8Array(memory).set([0xa1, 0x00, 0x20, 0x00, 0x00], 0x1000);
    const translator = {
      translate: (linear: number) => (linear >>> 12 === 2 ? 0x100000 + (linear & 0xfff) : linear),
    };
    const cpu = new Cpu({ memory, translator });
    cpu.eip = 0x1000;

    expect(() => cpu.run(10)).toThrow(CpuPanic);
    expect(() => cpu.run(10)).toThrow(
      "run: translator bug: it returned physical address 0x100000 for a read of linear address " +
        "0x2000, but memory has only 8192 bytes (0x2000); a translator must return addresses " +
        "inside memory",
    );
    expect(cpu.eip).toBe(0x1000);
  });

  test("translator result that is not a number panics", () => {
    const memory = new ArrayBuffer(8192);
    const translator = { translate: () => Number.NaN };
    const cpu = new Cpu({ memory, translator });
    expect(() => cpu.run(1)).toThrow(
      /returned physical address NaN for a read of linear address 0x0/,
    );
  });

  test("invalidateCode rejects a page outside memory", () => {
    const { cpu } = makeMachine(hex("90"));
    expect(() => cpu.invalidateCode(16)).toThrow(/physical page 16 is outside memory/);
    expect(() => cpu.invalidateCode(-1)).toThrow(RangeError);
  });
});
