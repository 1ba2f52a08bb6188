/**
 * Trap exits that do not fault: `int n` through a user gate, `icebp`, and the end of a run loop
 * after popf sets TF. The run loop leaves through a flag instead of an exception here, so these
 * tests pin the counts and registers at each stop, in the interpreter and next to compiled blocks.
 */
import { describe, expect, test } from "vitest";
import { EAX, EBX, ECX } from "../src/index.ts";
import { CODE, hasCompiledBlock, hex, makeMachine } from "./machine.ts";

describe("system-call stops", () => {
  test.each([true, false])(
    "loop of 1000 int 0x40 stops at each (compileBlocks %s)",
    (compileBlocks) => {
      // loop: add ebx, eax; mov eax, 11; int 0x40; jmp loop
      const { cpu } = makeMachine(hex("01 c3 b8 0b 00 00 00 cd 40 eb f5"), {
        userVectors: [64],
        compileBlocks,
      });
      for (let call = 0; call < 1000; call++) {
        expect(cpu.run(100)).toEqual({
          type: "trap",
          executed: call === 0 ? 3 : 4,
          vector: 64,
          errorCode: 0,
          faultAddress: 0,
        });
        expect(cpu.eip).toBe(CODE + 9);
        expect(cpu.regs[EAX]).toBe(11);
        cpu.regs[EAX] = call + 1; // the kernel's return value
      }
      expect(cpu.regs[EBX]).toBe((999 * 1000) / 2);
      expect(cpu.instructionCount).toBe(3 + 4 * 999);
      expect(hasCompiledBlock(cpu, CODE)).toBe(compileBlocks);
    },
  );

  test("int 0x40 as the budget's last instruction", () => {
    // inc eax; inc eax; int 0x40
    const { cpu } = makeMachine(hex("40 40 cd 40"), { userVectors: [64] });
    expect(cpu.run(3)).toEqual({
      type: "trap",
      executed: 3,
      vector: 64,
      errorCode: 0,
      faultAddress: 0,
    });
    expect(cpu.eip).toBe(CODE + 4);
    expect(cpu.instructionCount).toBe(3);
  });

  test("int 0x40 first in a new run after a budget stop", () => {
    const { cpu } = makeMachine(hex("40 40 cd 40"), { userVectors: [64] });
    expect(cpu.run(2)).toEqual({ type: "budget", executed: 2 });
    expect(cpu.run(1)).toMatchObject({ type: "trap", executed: 1, vector: 64 });
    expect(cpu.eip).toBe(CODE + 4);
    expect(cpu.regs[EAX]).toBe(2);
  });

  test("run after a trap ends at its budget", () => {
    // int 0x40; loop: inc ecx; jmp loop
    const { cpu } = makeMachine(hex("cd 40 41 eb fd"), { userVectors: [64] });
    expect(cpu.run(10)).toMatchObject({ type: "trap", executed: 1, vector: 64 });
    expect(cpu.run(5)).toEqual({ type: "budget", executed: 5 });
    expect(cpu.regs[ECX]).toBe(3);
    expect(cpu.eip).toBe(CODE + 3);
  });
});

describe("other trap stops", () => {
  test.each([true, false])("icebp after a loop (compileBlocks %s)", (compileBlocks) => {
    // loop: dec ecx; jnz loop; icebp
    const { cpu } = makeMachine(hex("49 75 fd f1 90"), { compileBlocks });
    cpu.regs[ECX] = 100;
    expect(cpu.run(1000)).toEqual({
      type: "trap",
      executed: 201,
      vector: 1,
      errorCode: 0,
      faultAddress: 0,
    });
    expect(cpu.eip).toBe(CODE + 4);
    expect(cpu.regs[ECX]).toBe(0);
    expect(hasCompiledBlock(cpu, CODE)).toBe(compileBlocks);
  });

  test("popf setting TF in a loop ends it with #DB", () => {
    // loop: dec ecx; jnz loop; push 0x302; popf; inc eax
    const { cpu } = makeMachine(hex("49 75 fd 68 02 03 00 00 9d 40 90"));
    cpu.regs[ECX] = 100;
    expect(cpu.run(1000)).toEqual({
      type: "trap",
      executed: 203,
      vector: 1,
      errorCode: 0,
      faultAddress: 0,
    });
    expect(cpu.eip).toBe(CODE + 10);
    expect(cpu.regs[EAX]).toBe(1);
  });
});
