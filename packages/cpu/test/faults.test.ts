/**
 * Faults, traps and restartability: what the kernel relies on when it handles a trap exit.
 */
import { describe, expect, test } from "vitest";
import { EAX, ECX, EDI, ESI, ESP } from "../src/index.ts";
import { CODE, DATA, hex, makeMachine } from "./machine.ts";

describe("page faults", () => {
  test("read-modify-write is checked as a write", () => {
    // add [0x9000], eax on a read-only page: error code P|W|U, memory and flags untouched
    const { cpu, translator, bytes } = makeMachine(hex("01 05 00 90 00 00"));
    translator.setPages(0x9000, 0xa000, "read-only");
    bytes[0x9000] = 5;
    cpu.regs[EAX] = 1;
    const flagsBefore = cpu.eflags;
    expect(cpu.run(10)).toMatchObject({
      type: "trap",
      vector: 14,
      errorCode: 7,
      faultAddress: 0x9000,
    });
    expect(bytes[0x9000]).toBe(5);
    expect(cpu.eflags).toBe(flagsBefore);
    expect(cpu.eip).toBe(CODE);
  });

  test("write spanning two pages faults before writing either", () => {
    // mov [0x8ffe], eax with 0x9000 absent: the bytes at 0x8ffe..0x8fff stay as they were
    const { cpu, translator, bytes } = makeMachine(hex("a3 fe 8f 00 00"));
    translator.setPages(0x9000, 0xa000, "absent");
    cpu.regs[EAX] = 0x11223344;
    expect(cpu.run(10)).toMatchObject({
      type: "trap",
      vector: 14,
      errorCode: 6,
      faultAddress: 0x9000,
    });
    expect(bytes[0x8ffe]).toBe(0);
    expect(bytes[0x8fff]).toBe(0);
  });

  test("push faults with esp unchanged", () => {
    const { cpu, translator } = makeMachine(hex("50"));
    translator.setPages(0x3000, 0x4000, "absent");
    expect(cpu.run(10)).toMatchObject({
      type: "trap",
      vector: 14,
      errorCode: 6,
      faultAddress: 0x3ffc,
    });
    expect(cpu.regs[ESP]).toBe(0x4000);
  });

  test("instruction fetch from an absent page faults", () => {
    const { cpu, translator } = makeMachine([]);
    translator.setPages(0x1000, 0x2000, "absent");
    expect(cpu.run(10)).toMatchObject({
      type: "trap",
      vector: 14,
      errorCode: 4,
      faultAddress: 0x1000,
    });
  });

  test("instruction crossing into an absent page faults at the boundary", () => {
    const { cpu, translator, bytes } = makeMachine([]);
    bytes.set(hex("b8 01 02"), 0x1ffd); // mov eax, imm32 with two immediate bytes on the next page
    translator.setPages(0x2000, 0x3000, "absent");
    cpu.eip = 0x1ffd;
    expect(cpu.run(10)).toMatchObject({
      type: "trap",
      vector: 14,
      errorCode: 4,
      faultAddress: 0x2000,
    });
    expect(cpu.eip).toBe(0x1ffd);
  });

  test("faulting instruction resumes after the page appears", () => {
    const { cpu, translator, bytes } = makeMachine(hex("a1 00 90 00 00 cd 40"), {
      userVectors: [64],
    });
    translator.setPages(0x9000, 0xa000, "absent");
    bytes[0x9000] = 42;
    expect(cpu.run(10)).toMatchObject({ vector: 14 });
    translator.setPages(0x9000, 0xa000, "writable");
    cpu.flushTlb();
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 64, executed: 2 });
    expect(cpu.regs[EAX]).toBe(42);
  });
});

describe("rep string instructions", () => {
  test("rep stosd with a huge count stops at the budget", () => {
    // rep stosd with ecx = 0xfffffff0: eip stays on it, ecx and edi advance per iteration
    const { cpu } = makeMachine(hex("f3 ab"), {}, 0x100000);
    cpu.regs[ECX] = 0xfffffff0 | 0;
    cpu.regs[EDI] = 0x10000;
    cpu.regs[EAX] = 0x01020304;
    expect(cpu.run(1000)).toEqual({ type: "budget", executed: 1000 });
    expect(cpu.eip).toBe(CODE);
    expect(cpu.regs[ECX]! >>> 0).toBe(0xfffffff0 - 1000);
    expect(cpu.regs[EDI]).toBe(0x10000 + 4000);
  });

  test("rep movsb resumes across runs and finishes", () => {
    const { cpu, bytes } = makeMachine(hex("f3 a4 cd 40"), { userVectors: [64] });
    bytes.set(new TextEncoder().encode("hello, world"), DATA);
    cpu.regs[ESI] = DATA;
    cpu.regs[EDI] = DATA + 0x100;
    cpu.regs[ECX] = 12;
    expect(cpu.run(5)).toEqual({ type: "budget", executed: 5 });
    expect(cpu.regs[ECX]).toBe(7);
    expect(cpu.run(100)).toMatchObject({ type: "trap", vector: 64, executed: 8 });
    expect(new TextDecoder().decode(bytes.subarray(DATA + 0x100, DATA + 0x10c))).toBe(
      "hello, world",
    );
  });

  test("fault mid rep keeps completed iterations", () => {
    // rep stosb from 0x8ffc with 0x9000 absent: four bytes written, then #PF at 0x9000
    const { cpu, translator, bytes } = makeMachine(hex("f3 aa"));
    translator.setPages(0x9000, 0xa000, "absent");
    cpu.regs[EDI] = 0x8ffc;
    cpu.regs[ECX] = 10;
    cpu.regs[EAX] = 0x77;
    expect(cpu.run(100)).toMatchObject({
      type: "trap",
      vector: 14,
      executed: 4,
      faultAddress: 0x9000,
    });
    expect(cpu.regs[ECX]).toBe(6);
    expect(cpu.regs[EDI]).toBe(0x9000);
    expect(Array.from(bytes.subarray(0x8ffc, 0x9000))).toEqual([0x77, 0x77, 0x77, 0x77]);
    expect(cpu.eip).toBe(CODE);
  });

  test("rep with ecx zero counts one instruction", () => {
    const { cpu } = makeMachine(hex("f3 a4 90"));
    expect(cpu.run(1)).toEqual({ type: "budget", executed: 1 });
    expect(cpu.eip).toBe(CODE + 2);
  });
});

describe("traps", () => {
  test("popf setting TF traps after the next instruction", () => {
    // push 0x302; popf; inc eax; inc eax
    const { cpu } = makeMachine(hex("68 02 03 00 00 9d 40 40"));
    const result = cpu.run(10);
    expect(result).toEqual({ type: "trap", executed: 3, vector: 1, errorCode: 0, faultAddress: 0 });
    expect(cpu.eip).toBe(CODE + 7);
    expect(cpu.regs[EAX]).toBe(1);
  });

  test("popf keeping TF set traps after itself", () => {
    // push 0x302; popf (sets TF); push 0x302; popf (TF already set, stays set)
    const { cpu } = makeMachine(hex("68 02 03 00 00 9d 68 02 03 00 00 9d 90"));
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 1, executed: 3 });
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 1, executed: 1 });
    expect(cpu.eip).toBe(CODE + 12);
  });

  test("icebp traps with vector 1 after the instruction", () => {
    const { cpu } = makeMachine(hex("f1"));
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 1, executed: 1 });
    expect(cpu.eip).toBe(CODE + 1);
  });

  test("int3 with a user gate traps with vector 3", () => {
    const { cpu } = makeMachine(hex("cc"), { userVectors: [3] });
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 3, executed: 1 });
    expect(cpu.eip).toBe(CODE + 1);
  });

  test("into raises #GP 34 only when OF is set", () => {
    // into with OF clear does nothing; then mov al, 0x7f; add al, 1 (OF set); into
    const { cpu } = makeMachine(hex("ce b0 7f 04 01 ce"));
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 13, errorCode: 34, executed: 3 });
    expect(cpu.eip).toBe(CODE + 5);
  });

  test("bound out of range raises #BR", () => {
    const { cpu, bytes } = makeMachine(hex("62 05 00 20 00 00"));
    new DataView(bytes.buffer).setInt32(DATA, 10, true);
    new DataView(bytes.buffer).setInt32(DATA + 4, 20, true);
    cpu.regs[EAX] = 21;
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 5 });
    cpu.regs[EAX] = 20;
    expect(cpu.run(1)).toEqual({ type: "budget", executed: 1 });
  });

  test("other traps report cr2 as the fault address", () => {
    const { cpu } = makeMachine(hex("0f 0b"));
    cpu.cr2 = 0x1234;
    expect(cpu.run(10)).toEqual({
      type: "trap",
      executed: 0,
      vector: 6,
      errorCode: 0,
      faultAddress: 0x1234,
    });
  });

  test("instruction longer than 15 bytes raises #GP(0)", () => {
    const { cpu } = makeMachine([...new Array(15).fill(0x66), 0x90]);
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 13, errorCode: 0 });
  });

  test.each([
    ["hlt", "f4"],
    ["cli", "fa"],
    ["sti", "fb"],
    ["in al, dx", "ec"],
    ["out 0x80, al", "e6 80"],
    ["insb", "6c"],
    ["lgdt", "0f 01 15 00 20 00 00"],
    ["lidt", "0f 01 1d 00 20 00 00"],
    ["lldt", "0f 00 d0"],
    ["ltr", "0f 00 d8"],
    ["invlpg", "0f 01 3d 00 20 00 00"],
    ["mov eax, cr0", "0f 20 c0"],
    ["mov cr3, eax", "0f 22 d8"],
    ["mov eax, dr7", "0f 21 f8"],
    ["rdmsr", "0f 32"],
    ["wrmsr", "0f 30"],
    ["clts", "0f 06"],
  ])("%s raises #GP(0)", (_name, bytes) => {
    const { cpu } = makeMachine(hex(bytes));
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 13, errorCode: 0, executed: 0 });
    expect(cpu.eip).toBe(CODE);
  });

  test.each([
    ["ud2", "0f 0b"],
    ["fld1 (x87)", "d9 e8"],
    ["movups (SSE)", "0f 10 c1"],
    ["emms (MMX)", "0f 77"],
    ["lock nop", "f0 90"],
    ["mov cs, ax", "8e c8"],
    ["lea eax, eax", "8d c0"],
  ])("%s raises #UD", (_name, bytes) => {
    const { cpu } = makeMachine(hex(bytes));
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 6, executed: 0 });
  });
});
