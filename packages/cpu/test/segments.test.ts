/**
 * Memory accesses through the data segment registers at CPL 3. A data segment register may
 * contain a null selector, or the user code or data selector with any RPL (0x18 to 0x1b, 0x20 to
 * 0x23). Any access through a null selector raises #GP(0). So does a write through a register
 * that contains the code segment, because code segments are never writable. Reads through the code segment work. Each
 * rule is checked for every handler that has a memory operand, for the string instructions, and
 * in compiled blocks.
 */
import { describe, expect, test } from "vitest";
import { type CpuContext, EAX, ECX, EDI, EDX, ESI, isUserDataSelector } from "../src/index.ts";
import { CODE, DATA, hasCompiledBlock, hex, type Machine, makeMachine } from "./machine.ts";

const USER_CODE = 0x1b;
const USER_DATA = 0x23;
const GP = { type: "trap", vector: 13, errorCode: 0, executed: 0 };

/**
 * Builds a machine with `bytes` at 0x1000, ebx = esi = 0x2000, edi = 0x2100, eax = 2 and the
 * segment registers of `segments`. The data page contains 1 at 0x2000, 0x23 at 0x2004 (a far
 * pointer 0x23:1) and the far pointer 0x1b:0x1000 at 0x2008.
 */
function machineWith(
  bytes: string,
  segments: Partial<CpuContext>,
): Machine & { before: CpuContext } {
  const machine = makeMachine(hex(bytes), { userVectors: [64] });
  const view = new DataView(machine.memory);
  view.setUint32(DATA, 1, true);
  view.setUint32(DATA + 4, USER_DATA, true);
  view.setUint32(DATA + 8, CODE, true);
  view.setUint32(DATA + 12, USER_CODE, true);
  const context = machine.cpu.getContext();
  machine.cpu.setContext({
    ...context,
    eax: 2,
    ebx: DATA,
    esi: DATA,
    edi: DATA + 0x100,
    ebp: DATA,
    ...segments,
  });
  return { ...machine, before: machine.cpu.getContext() };
}

/** Returns the data page's bytes, to check that a faulting write left memory alone. */
function dataPage(machine: Machine): number[] {
  return Array.from(machine.bytes.subarray(DATA, DATA + 0x200));
}

/** Instructions that write their memory operand, through ds (ebx = 0x2000) unless named. */
const WRITES: [string, string][] = [
  ["mov [ebx], eax", "89 03"],
  ["mov dword [ebx], 7", "c7 03 07 00 00 00"],
  ["mov [ebx], al", "88 03"],
  ["mov byte [ebx], 7", "c6 03 07"],
  ["mov [0x2000], eax", "a3 00 20 00 00"],
  ["mov [0x2000], al", "a2 00 20 00 00"],
  ["mov [0x2000], ax", "66 a3 00 20 00 00"],
  ["add [ebx], eax", "01 03"],
  ["add dword [ebx], 7", "81 03 07 00 00 00"],
  ["or [ebx], eax", "09 03"],
  ["or dword [ebx], 1", "83 0b 01"],
  ["and [ebx], eax", "21 03"],
  ["and dword [ebx], 1", "83 23 01"],
  ["sub [ebx], eax", "29 03"],
  ["sub dword [ebx], 1", "83 2b 01"],
  ["xor [ebx], eax", "31 03"],
  ["xor dword [ebx], 1", "83 33 01"],
  ["lock add [ebx], eax", "f0 01 03"],
  ["inc dword [ebx]", "ff 03"],
  ["dec dword [ebx]", "ff 0b"],
  ["sete [ebx]", "0f 94 03"],
  ["add [ebx], al", "00 03"],
  ["adc [ebx], eax", "11 03"],
  ["sbb [ebx], eax", "19 03"],
  ["add [ebx], ax", "66 01 03"],
  ["add byte [ebx], 1", "80 03 01"],
  ["adc dword [ebx], 1", "83 13 01"],
  ["inc byte [ebx]", "fe 03"],
  ["dec byte [ebx]", "fe 0b"],
  ["inc word [ebx]", "66 ff 03"],
  ["not dword [ebx]", "f7 13"],
  ["neg dword [ebx]", "f7 1b"],
  ["shl dword [ebx], 1", "d1 23"],
  ["shl dword [ebx], 0", "c1 23 00"],
  ["shl dword [ebx], cl (cl = 0)", "d3 23"],
  ["shld [ebx], eax, 4", "0f a4 03 04"],
  ["shrd [ebx], eax, 4", "0f ac 03 04"],
  ["mov [ebx], ax", "66 89 03"],
  ["mov word [ebx], 7", "66 c7 03 07 00"],
  ["xchg [ebx], eax", "87 03"],
  ["xadd [ebx], eax", "0f c1 03"],
  ["cmpxchg [ebx], eax (not equal)", "0f b1 03"],
  ["cmpxchg8b [ebx]", "0f c7 0b"],
  ["bts [ebx], eax", "0f ab 03"],
  ["btr [ebx], eax", "0f b3 03"],
  ["btc [ebx], eax", "0f bb 03"],
  ["bts dword [ebx], 1", "0f ba 2b 01"],
  ["btr dword [ebx], 1", "0f ba 33 01"],
  ["btc dword [ebx], 1", "0f ba 3b 01"],
  ["pop dword [ebx]", "8f 03"],
  ["pop word [ebx]", "66 8f 03"],
  ["mov [ebx], ds", "8c 1b"],
  ["sgdt [ebx]", "0f 01 03"],
  ["sidt [ebx]", "0f 01 0b"],
  ["sldt [ebx]", "0f 00 03"],
  ["str [ebx]", "0f 00 0b"],
  ["smsw [ebx]", "0f 01 23"],
  ["arpl [ebx], ax", "63 03"],
];

/** Instructions that only read their memory operand, and complete with the data set up above. */
const READS: [string, string][] = [
  ["mov eax, [ebx]", "8b 03"],
  ["mov al, [ebx]", "8a 03"],
  ["mov ax, [ebx]", "66 8b 03"],
  ["mov eax, [0x2000]", "a1 00 20 00 00"],
  ["add eax, [ebx]", "03 03"],
  ["adc eax, [ebx]", "13 03"],
  ["cmp eax, [ebx]", "3b 03"],
  ["cmp [ebx], eax", "39 03"],
  ["cmp dword [ebx], 7", "81 3b 07 00 00 00"],
  ["test [ebx], eax", "85 03"],
  ["test dword [ebx], 7", "f7 03 07 00 00 00"],
  ["cmp byte [ebx], 7", "80 3b 07"],
  ["cmp [ebx], al", "38 03"],
  ["test [ebx], al", "84 03"],
  ["test byte [ebx], 7", "f6 03 07"],
  ["cmp word [ebx], 1", "66 83 3b 01"],
  ["push dword [ebx]", "ff 33"],
  ["push word [ebx]", "66 ff 33"],
  ["movzx eax, byte [ebx]", "0f b6 03"],
  ["movzx eax, word [ebx]", "0f b7 03"],
  ["movsx eax, byte [ebx]", "0f be 03"],
  ["movsx eax, word [ebx]", "0f bf 03"],
  ["movzx ax, byte [ebx]", "66 0f b6 03"],
  ["cmove eax, [ebx]", "0f 44 03"],
  ["imul eax, [ebx]", "0f af 03"],
  ["imul ax, [ebx]", "66 0f af 03"],
  ["imul eax, [ebx], 2", "6b 03 02"],
  ["mul dword [ebx]", "f7 23"],
  ["imul dword [ebx]", "f7 2b"],
  ["div dword [ebx]", "f7 33"],
  ["idiv dword [ebx]", "f7 3b"],
  ["bt [ebx], eax", "0f a3 03"],
  ["bt dword [ebx], 1", "0f ba 23 01"],
  ["bsf eax, [ebx]", "0f bc 03"],
  ["bsr eax, [ebx]", "0f bd 03"],
  ["bound eax, [ebx]", "62 03"],
  ["les eax, [ebx]", "c4 03"],
  ["lds eax, [ebx]", "c5 03"],
  ["mov ds, [ebx]", "8e 1b"],
  ["lar eax, [ebx]", "0f 02 03"],
  ["lsl eax, [ebx]", "0f 03 03"],
  ["verr [ebx]", "0f 00 23"],
  ["verw [ebx]", "0f 00 2b"],
  ["xlatb", "d7"],
  ["jmp [ebx]", "ff 23"],
  ["call [ebx]", "ff 13"],
  ["jmp far [0x2008]", "ff 2d 08 20 00 00"],
  ["call far [0x2008]", "ff 1d 08 20 00 00"],
  ["lea eax, [ebx]", "8d 03"],
];

describe("data segment register holding the code segment", () => {
  test.each(WRITES)("%s raises #GP(0)", (_name, bytes) => {
    const machine = machineWith(bytes, { ds: USER_CODE });
    const memory = dataPage(machine);

    expect(machine.cpu.run(1)).toMatchObject(GP);
    expect(machine.cpu.getContext()).toEqual(machine.before);
    expect(dataPage(machine)).toEqual(memory);
  });

  test.each(READS)("%s reads through it", (_name, bytes) => {
    const machine = machineWith(bytes, { ds: USER_CODE });
    expect(machine.cpu.run(1)).toEqual({ type: "budget", executed: 1 });
  });

  test("write with the ds=0x1b of the tcseg program raises #GP(0)", () => {
    // push ds; mov eax, 0x1b; mov ds, eax; mov dword [ecx], 7 (ecx = 0x2000)
    const { cpu, bytes } = makeMachine(hex("1e b8 1b 00 00 00 8e d8 c7 01 07 00 00 00"));
    cpu.regs[ECX] = DATA;

    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 13, errorCode: 0, executed: 3 });
    expect(cpu.eip).toBe(CODE + 8);
    expect(cpu.getContext().ds).toBe(USER_CODE);
    expect(bytes[DATA]).toBe(0);
  });

  test.each([
    ["es override", "26 89 03", { es: USER_CODE }],
    ["fs override", "64 89 03", { fs: USER_CODE }],
    ["gs override", "65 89 03", { gs: USER_CODE }],
    ["cs override", "2e 89 03", {}],
    ["cs override with 16-bit addressing", "2e 67 89 07", {}],
  ])("write through the %s raises #GP(0)", (_name, bytes, segments) => {
    const machine = machineWith(bytes, segments);
    expect(machine.cpu.run(1)).toMatchObject(GP);
    expect(machine.bytes[DATA]).toBe(1);
  });

  test.each([
    ["read through a cs override", "2e 8b 03"],
    ["write with ss, the default for ebp", "89 45 00"],
    ["write with ss, the default for esp", "89 04 24"],
    ["write through an ss override", "36 89 03"],
    ["push", "50"],
  ])("%s works while ds holds 0x1b", (_name, bytes) => {
    const machine = machineWith(bytes, { ds: USER_CODE });
    expect(machine.cpu.run(1)).toEqual({ type: "budget", executed: 1 });
  });

  test("write works again after ds is reloaded with 0x23", () => {
    // mov [ebx], eax faults; the kernel reloads ds; the same instruction then writes
    const machine = machineWith("89 03", { ds: USER_CODE });
    expect(machine.cpu.run(1)).toMatchObject(GP);

    machine.cpu.setContext({ ...machine.cpu.getContext(), ds: USER_DATA });
    expect(machine.cpu.run(1)).toEqual({ type: "budget", executed: 1 });
    expect(machine.bytes[DATA]).toBe(2);
  });
});

describe("string instructions and segments", () => {
  test.each([
    ["stosd with es = 0x1b", "ab", { es: USER_CODE }],
    ["movsd with es = 0x1b", "a5", { es: USER_CODE }],
    ["rep stosb with es = 0x1b", "f3 aa", { es: USER_CODE }],
    ["rep movsb with es = 0x1b", "f3 a4", { es: USER_CODE }],
    ["stosb with a null es", "aa", { es: 0 }],
    ["lodsd with a null ds", "ad", { ds: 3 }],
    ["movsd with a null fs source", "64 a5", { fs: 0 }],
    ["scasd with a null es", "af", { es: 0 }],
  ])("%s raises #GP(0) before any iteration", (_name, bytes, segments) => {
    const machine = machineWith(bytes, { ecx: 3, ...segments });
    const memory = dataPage(machine);

    expect(machine.cpu.run(10)).toMatchObject(GP);
    expect(machine.cpu.getContext()).toEqual(machine.before);
    expect(dataPage(machine)).toEqual(memory);
  });

  test.each([
    ["movsd with ds = 0x1b", "a5", { ds: USER_CODE }],
    ["lodsd with ds = 0x1b", "ad", { ds: USER_CODE }],
    ["cmpsd with es = 0x1b", "a7", { es: USER_CODE }],
    ["scasd with es = 0x1b", "af", { es: USER_CODE }],
    ["rep stosb with ecx = 0 and es = 0x1b", "f3 aa", { es: USER_CODE, ecx: 0 }],
    ["rep movsb with ecx = 0 and a null es", "f3 a4", { es: 0, ecx: 0 }],
  ])("%s completes", (_name, bytes, segments) => {
    const machine = machineWith(bytes, segments);
    expect(machine.cpu.run(1)).toEqual({ type: "budget", executed: 1 });
  });

  test("movsd with ds = 0x1b copies the dword", () => {
    const machine = machineWith("a5", { ds: USER_CODE });
    machine.cpu.run(1);

    expect(machine.bytes[DATA + 0x100]).toBe(1);
    expect(machine.cpu.regs[ESI]).toBe(DATA + 4);
    expect(machine.cpu.regs[EDI]).toBe(DATA + 0x104);
  });
});

describe("instructions that access no memory", () => {
  test("nop with a memory operand ignores a null fs", () => {
    // nop dword fs:[eax]
    const machine = machineWith("64 0f 1f 00", { fs: 0 });
    expect(machine.cpu.run(1)).toEqual({ type: "budget", executed: 1 });
  });

  test("invalid opcode with a memory operand raises #UD, not #GP", () => {
    // c6 /1 does not exist; its operand goes through the null fs
    const machine = machineWith("64 c6 08 00", { fs: 0 });
    expect(machine.cpu.run(1)).toMatchObject({ type: "trap", vector: 6, executed: 0 });
  });
});

describe("segments in compiled blocks", () => {
  /** Runs `instruction; dec ecx; jnz start; int 0x40` 60 times, so the loop is compiled. */
  function compiledLoop(instruction: string): Machine & { before: CpuContext } {
    const jump = 256 - (hex(instruction).length + 3);
    const machine = machineWith(`${instruction} 49 75 ${jump.toString(16)} cd 40`, {});
    machine.cpu.setContext({ ...machine.cpu.getContext(), ecx: 60 });
    expect(machine.cpu.run(10_000)).toMatchObject({ type: "trap", vector: 64 });
    expect(hasCompiledBlock(machine.cpu, CODE)).toBe(true);
    return machine;
  }

  test.each([
    ["mov [ebx], eax", "89 03"],
    ["mov dword [ebx], 7", "c7 03 07 00 00 00"],
    ["mov [ebx], al", "88 03"],
    ["mov byte [ebx], 7", "c6 03 07"],
    ["add [ebx], eax", "01 03"],
    ["or dword [ebx], 1", "83 0b 01"],
    ["and [ebx], eax", "21 03"],
    ["sub dword [ebx], 1", "83 2b 01"],
    ["xor [ebx], eax", "31 03"],
    ["inc dword [ebx]", "ff 03"],
    ["dec dword [ebx]", "ff 0b"],
    ["sete [ebx]", "0f 94 03"],
  ])("%s raises #GP(0) once ds holds 0x1b", (_name, instruction) => {
    const machine = compiledLoop(instruction);
    const memory = dataPage(machine);
    const context = { ...machine.cpu.getContext(), eip: CODE, ecx: 5, ds: USER_CODE };
    machine.cpu.setContext(context);

    expect(machine.cpu.run(100)).toMatchObject(GP);
    expect(machine.cpu.getContext()).toEqual(context);
    expect(dataPage(machine)).toEqual(memory);
  });

  test.each([
    ["mov eax, [ebx]", "8b 03"],
    ["add eax, [ebx]", "03 03"],
    ["cmp [ebx], eax", "39 03"],
    ["test dword [ebx], 7", "f7 03 07 00 00 00"],
    ["cmp byte [ebx], 7", "80 3b 07"],
    ["movzx eax, byte [ebx]", "0f b6 03"],
    ["cmove eax, [ebx]", "0f 44 03"],
    ["imul eax, [ebx]", "0f af 03"],
    ["push dword [ebx]", "ff 33"],
  ])("%s reads through ds = 0x1b", (_name, instruction) => {
    const machine = compiledLoop(instruction);
    machine.cpu.setContext({ ...machine.cpu.getContext(), eip: CODE, ecx: 5, ds: USER_CODE });
    expect(machine.cpu.run(100)).toMatchObject({ type: "trap", vector: 64, executed: 16 });
  });

  test("fault inside a block keeps the instructions before it", () => {
    // inc edx; mov [ebx], eax; dec ecx; jnz start; int 0x40
    const machine = compiledLoop("42 89 03");
    const edx = machine.cpu.regs[EDX]!;
    machine.cpu.setContext({ ...machine.cpu.getContext(), eip: CODE, ecx: 5, ds: USER_CODE });

    expect(machine.cpu.run(100)).toMatchObject({ ...GP, executed: 1 });
    expect(machine.cpu.eip).toBe(CODE + 1);
    expect(machine.cpu.regs[EDX]).toBe(edx + 1);
    expect(machine.cpu.regs[ECX]).toBe(5);
  });

  test("null fs in a compiled block raises #GP(0)", () => {
    // mov eax, fs:[ebx] with fs = 0x23 while the block compiles, then fs = 0
    const machine = machineWith("64 8b 03 49 75 fa cd 40", { fs: USER_DATA, ecx: 60 });
    expect(machine.cpu.run(10_000)).toMatchObject({ type: "trap", vector: 64 });
    expect(hasCompiledBlock(machine.cpu, CODE)).toBe(true);
    machine.cpu.setContext({ ...machine.cpu.getContext(), eip: CODE, ecx: 5, fs: 0 });

    expect(machine.cpu.run(100)).toMatchObject(GP);
    expect(machine.cpu.regs[EAX]).toBe(1);
  });
});

describe("isUserDataSelector", () => {
  test.each([0, 1, 2, 3, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23])(
    "accepts %s",
    (selector) => {
      expect(isUserDataSelector(selector)).toBe(true);
    },
  );

  test.each([4, 0x8, 0xb, 0x10, 0x13, 0x1c, 0x1f, 0x24, 0x28, 0x2b, 0xffff, 0x10023, -1, 0.5])(
    "rejects %s",
    (selector) => {
      expect(isUserDataSelector(selector)).toBe(false);
    },
  );

  test.each([0x18, 0x20, 0x21, 0x22])("mov fs, %s loads it as the predicate says", (selector) => {
    // mov eax, selector; mov fs, eax
    const machine = makeMachine(hex(`b8 ${selector.toString(16).padStart(2, "0")} 00 00 00 8e e0`));
    expect(machine.cpu.run(2)).toMatchObject({ type: "budget", executed: 2 });
    expect(machine.cpu.getContext().fs).toBe(selector);
  });
});
