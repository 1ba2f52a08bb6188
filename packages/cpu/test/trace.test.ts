/**
 * The debug trace: one line per instruction with address, bytes, Intel-syntax disassembly and the
 * registers before the instruction runs.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { hex, makeMachine } from "./machine.ts";

/** Runs one instruction with the trace on and returns its trace line. */
function traceLine(bytes: string): string {
  const lines: string[] = [];
  const { cpu } = makeMachine(hex(bytes), { trace: (line) => lines.push(line) });
  cpu.run(1);
  expect(lines.length).toBe(1);
  return lines[0]!;
}

/** Runs one instruction with the trace on and returns its disassembly column. */
function disassembly(bytes: string): string {
  // Columns are separated by two or more spaces, and a column contains single spaces only.
  return traceLine(bytes).split(/ {2,}/)[2]!;
}

describe("trace", () => {
  test.each([
    ["01 d8", "add eax, ebx"],
    ["03 44 24 08", "add eax, dword [esp+0x8]"],
    ["8b 44 9d f0", "mov eax, dword [ebp+ebx*4-0x10]"],
    ["c7 05 00 20 00 00 01 00 00 00", "mov dword [0x2000], 0x1"],
    ["88 e0", "mov al, ah"],
    ["66 89 c8", "mov ax, cx"],
    ["0f b6 c1", "movzx eax, cl"],
    ["0f bf 06", "movsx eax, word [esi]"],
    ["83 e8 05", "sub eax, 0x5"],
    ["80 3d 00 20 00 00 07", "cmp byte [0x2000], 0x7"],
    ["11 d8", "adc eax, ebx"],
    ["d3 e0", "shl eax, cl"],
    ["0f ac d0 04", "shrd eax, edx, 4"],
    ["f7 f1", "div ecx"],
    ["0f 94 c0", "sete al"],
    ["0f 4c c1", "cmovl eax, ecx"],
    ["74 02", "je 0x1004"],
    ["e8 00 00 00 00", "call 0x1005"],
    ["ff 24 85 00 20 00 00", "jmp dword [eax*4+0x2000]"],
    ["f3 ab", "rep stosd"],
    ["f3 a6", "repe cmpsb"],
    ["f0 0f c1 03", "xadd dword [ebx], eax"],
    ["0f c7 0e", "cmpxchg8b qword [esi]"],
    ["64 a1 00 00 00 00", "mov eax, dword fs:[0x0]"],
    ["cd 40", "int 0x40"],
    ["0f 0b", "(bad)"],
    ["c3", "ret"],
    ["c2 08 00", "ret 0x8"],
    ["e3 00", "jecxz 0x1002"],
    ["67 e3 00", "jcxz 0x1003"],
    ["e2 00", "loop 0x1002"],
    ["67 e2 00", "loop 0x1003, cx"],
    ["67 e1 00", "loope 0x1003, cx"],
  ])("%s disassembles as %s", (bytes, expected) => {
    expect(disassembly(bytes)).toBe(expected);
  });

  test("registers start in one column for short instructions", () => {
    const columns = ["90", "01 d8", "8b 44 9d f0", "c7 05 00 20 00 00 01 00 00 00"].map((bytes) =>
      traceLine(bytes).indexOf("eax="),
    );
    expect(columns).toEqual([82, 82, 82, 82]);
  });

  test("long operands stay apart from the register column", () => {
    // mov dword es:[eax+ecx*4+0x12345678], 0x12345678: 12 bytes and 47 characters of text
    const line = traceLine("26 c7 84 88 78 56 34 12 78 56 34 12");
    expect(line).toContain("78 56 34 12  mov dword es:[eax+ecx*4+0x12345678], 0x12345678  eax=");
  });

  test("trace line shows address, bytes and registers", () => {
    const lines: string[] = [];
    const { cpu } = makeMachine(hex("b8 05 00 00 00"), { trace: (line) => lines.push(line) });
    cpu.run(1);
    expect(lines[0]).toMatch(
      /^00001000 {2}b8 05 00 00 00 +mov eax, 0x5 +eax=00000000 ecx=00000000 .* esp=00004000 .*eflags=00000202$/,
    );
  });

  test("trace of an unmapped eip shows the fetch fault", () => {
    const lines: string[] = [];
    const { cpu } = makeMachine([], { trace: (line) => lines.push(line) });
    cpu.eip = 0x100000;
    expect(cpu.run(1)).toMatchObject({ type: "trap", vector: 14, faultAddress: 0x100000 });
    expect(lines[0]).toContain("(fetch faults)");
  });

  describe("XV6TS_TRACE", () => {
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
    });

    test("cpu in the list writes the trace to stderr", () => {
      vi.stubEnv("XV6TS_TRACE", "mmu, cpu");
      const written: string[] = [];
      vi.spyOn(process.stderr, "write").mockImplementation((text) => {
        written.push(String(text));
        return true;
      });
      const { cpu } = makeMachine(hex("90"));
      cpu.run(1);
      expect(written.length).toBe(1);
      expect(written[0]).toMatch(/^00001000 {2}90 +nop +eax=/);
    });

    test("other subsystems leave the CPU silent", () => {
      vi.stubEnv("XV6TS_TRACE", "mmu,log");
      const write = vi.spyOn(process.stderr, "write");
      const { cpu } = makeMachine(hex("90"));
      cpu.run(1);
      expect(write).not.toHaveBeenCalled();
    });
  });
});
