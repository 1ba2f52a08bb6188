/**
 * The user-visible system state: segment registers, EFLAGS rules at CPL 3, cpuid, rdtsc, the
 * descriptor-table instructions, the TLB protocol with the translator, and code invalidation.
 */
import { describe, expect, test } from "vitest";
import { ACCESS_WRITE, Cpu, EAX, EBX, ECX, EDX, ESP, type Translator } from "../src/index.ts";
import { CODE, DATA, hex, makeMachine } from "./machine.ts";

function readWord(bytes: Uint8Array, address: number): number {
  return new DataView(bytes.buffer).getUint32(address, true);
}

describe("segment registers", () => {
  test.each([
    ["mov ds, 0x10", "66 b8 10 00 8e d8", 0x10],
    ["mov es, 0x08", "66 b8 08 00 8e c0", 0x08],
    ["mov fs, 0x28 (TSS)", "66 b8 28 00 8e e0", 0x28],
    ["mov gs, 0x30 (past the GDT)", "66 b8 30 00 8e e8", 0x30],
    ["mov ds, 0x1c (LDT)", "66 b8 1c 00 8e d8", 0x1c],
    ["mov ss, 0x1b", "66 b8 1b 00 8e d0", 0x18],
    ["mov ss, 0", "66 b8 00 00 8e d0", 0],
  ])("%s raises #GP with the selector", (_name, bytes, errorCode) => {
    const { cpu } = makeMachine(hex(bytes));
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 13, errorCode, executed: 1 });
    expect(cpu.getContext().ds).toBe(0x23);
  });

  test("user selectors load into data segments", () => {
    // mov ax, 0x1b; mov ds, ax; mov ax, 0x20; mov es, ax; xor eax, eax; mov fs, ax
    const { cpu } = makeMachine(hex("66 b8 1b 00 8e d8 66 b8 20 00 8e c0 31 c0 8e e0"));
    expect(cpu.run(6)).toEqual({ type: "budget", executed: 6 });
    expect(cpu.getContext()).toMatchObject({ ds: 0x1b, es: 0x20, fs: 0 });
  });

  test("access through a null segment raises #GP(0)", () => {
    // mov eax, fs:[0x2000] with fs = 0
    const { cpu } = makeMachine(hex("64 a1 00 20 00 00"));
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 13, errorCode: 0 });
  });

  test("lea ignores a null data segment", () => {
    // xor eax, eax; mov ds, ax; lea ebx, [eax+5]; then a load through ds faults
    const { cpu } = makeMachine(hex("31 c0 8e d8 8d 58 05 8b 08"));
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 13, errorCode: 0, executed: 3 });
    expect(cpu.regs[EBX]).toBe(5);
  });

  test("push and pop of segment registers", () => {
    // push ds; pop es; push fs; pop gs
    const { cpu } = makeMachine(hex("1e 07 0f a0 0f a9"));
    cpu.setContext({ ...cpu.getContext(), ds: 0x1b });
    expect(cpu.run(4)).toEqual({ type: "budget", executed: 4 });
    expect(cpu.getContext()).toMatchObject({ es: 0x1b, gs: 0 });
    expect(cpu.regs[ESP]).toBe(0x4000);
  });

  test("far call and far return to the user code segment", () => {
    // call 0x18:0x1010 (RPL 0 becomes 3); at 0x1010: retf
    const { cpu, bytes } = makeMachine(hex("9a 10 10 00 00 18 00 cd 40"), { userVectors: [64] });
    bytes[0x1010] = 0xcb;
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 64, executed: 3 });
    expect(cpu.getContext().cs).toBe(0x1b);
    expect(cpu.regs[ESP]).toBe(0x4000);
  });

  test("far jump to the kernel code segment raises #GP(8)", () => {
    const { cpu } = makeMachine(hex("ea 00 10 00 00 08 00"));
    expect(cpu.run(10)).toMatchObject({ type: "trap", vector: 13, errorCode: 8 });
  });

  test("iret returns to CPL 3 and loads flags like popf", () => {
    // push 0x3ed7 (IOPL 3, IF clear and more); push 0x1b; push 0x1010; iret
    const { cpu, bytes } = makeMachine(hex("68 d7 3e 00 00 6a 1b 68 10 10 00 00 cf"));
    bytes[0x1010] = 0x90;
    expect(cpu.run(5)).toEqual({ type: "budget", executed: 5 });
    expect(cpu.eip).toBe(0x1011);
    expect(cpu.eflags).toBe(0xed7);
  });
});

describe("eflags at CPL 3", () => {
  test("pushf of a new process shows 0x202", () => {
    const { cpu, bytes } = makeMachine(hex("9c"));
    cpu.run(1);
    expect(readWord(bytes, 0x3ffc)).toBe(0x202);
  });

  test("popf keeps IF and IOPL and sets AC, NT and ID", () => {
    // push 0xffffffff; popf (TF excluded: 0xfffffeff)
    const { cpu } = makeMachine(hex("68 ff fe ff ff 9d"));
    cpu.run(2);
    expect(cpu.eflags).toBe(0x244ed7);
  });

  test("the ID bit toggles so cpuid is detected", () => {
    // pushf; xor dword [esp], 0x200000; popf; pushf; pop eax
    const { cpu } = makeMachine(hex("9c 81 34 24 00 00 20 00 9d 9c 58"));
    cpu.run(5);
    expect(cpu.regs[EAX]! & 0x200000).toBe(0x200000);
  });

  test("eflags setter keeps bit 1 and IF and clears IOPL", () => {
    const { cpu } = makeMachine([]);
    cpu.eflags = 0x3000;
    expect(cpu.eflags).toBe(0x202);
    cpu.eflags = 0xffffffff;
    expect(cpu.eflags).toBe(0x3d4fd7);
  });

  test.each([true, false])(
    "RF from the setter clears after an instruction (blocks %s)",
    (compileBlocks) => {
      // nop; nop
      const { cpu } = makeMachine(hex("90 90"), { compileBlocks });
      cpu.eflags = 0x10202;
      expect(cpu.eflags).toBe(0x10202);

      cpu.run(1);
      expect(cpu.eflags).toBe(0x202);
    },
  );

  test("RF stays set when the first instruction faults", () => {
    const { cpu } = makeMachine(hex("0f 0b")); // ud2
    cpu.eflags = 0x10202;
    expect(cpu.run(1)).toMatchObject({ type: "trap", vector: 6, executed: 0 });
    expect(cpu.eflags).toBe(0x10202);
  });

  test("pushf stores RF as 0", () => {
    const { cpu, bytes } = makeMachine(hex("9c")); // pushf
    cpu.eflags = 0x10202;
    cpu.run(1);
    expect(readWord(bytes, 0x3ffc)).toBe(0x202);
  });

  test("setContext and getContext round trip", () => {
    const { cpu } = makeMachine([]);
    const context = {
      eax: 1,
      ecx: 2,
      edx: 3,
      ebx: 0xffffffff,
      esp: 0x3ff0,
      ebp: 6,
      esi: 7,
      edi: 8,
      eip: 0x1234,
      eflags: 0x246,
      cs: 0x1b,
      ss: 0x23,
      ds: 0x23,
      es: 0x1b,
      fs: 0,
      gs: 0x23,
    };
    cpu.setContext(context);
    expect(cpu.getContext()).toEqual(context);
  });
});

describe("identification and descriptor tables", () => {
  test("cpuid reports an i686 GenuineIntel", () => {
    const { cpu } = makeMachine(hex("31 c0 0f a2"));
    cpu.run(2);
    const vendor = [EBX, EDX, ECX].map((n) =>
      String.fromCharCode(...new Uint8Array(Int32Array.of(cpu.regs[n]!).buffer)),
    );
    expect(vendor.join("")).toBe("GenuineIntel");
    expect(cpu.regs[EAX]).toBe(1);
  });

  test("cpuid leaf 1 lists TSC, CX8 and CMOV", () => {
    const { cpu } = makeMachine(hex("b8 01 00 00 00 0f a2"));
    cpu.run(2);
    expect((cpu.regs[EAX]! >> 8) & 15).toBe(6);
    expect(cpu.regs[EDX]).toBe((1 << 4) | (1 << 8) | (1 << 15));
  });

  test("rdtsc reads the instruction count", () => {
    const { cpu } = makeMachine(hex("90 90 0f 31"));
    cpu.instructionCount = 0x1_0000_0005;
    cpu.run(3);
    expect(cpu.regs[EAX]).toBe(7);
    expect(cpu.regs[EDX]).toBe(1);
  });

  test("sgdt, sidt, smsw and str work at CPL 3", () => {
    // sgdt [0x2000]; sidt [0x2008]; smsw eax; str ecx
    const { cpu, bytes } = makeMachine(
      hex("0f 01 05 00 20 00 00 0f 01 0d 08 20 00 00 0f 01 e0 0f 00 c9"),
    );
    expect(cpu.run(4)).toEqual({ type: "budget", executed: 4 });
    expect(bytes[DATA]! | (bytes[DATA + 1]! << 8)).toBe(0x2f);
    expect(bytes[DATA + 8]! | (bytes[DATA + 9]! << 8)).toBe(0x7ff);
    expect(cpu.regs[EAX]! >>> 0).toBe(0x80010011);
    expect(cpu.regs[ECX]).toBe(0x28);
  });
});

/** A flat translator that counts calls by access kind. */
class CountingTranslator implements Translator {
  reads = 0;
  writes = 0;
  offset = 0;

  translate(linear: number, access: number): number {
    if (access === ACCESS_WRITE) this.writes++;
    else this.reads++;
    return linear + this.offset;
  }
}

describe("TLB", () => {
  test("first write to a page filled by a read asks the translator again", () => {
    // mov eax, [0x2000]; mov [0x2004], eax; mov [0x2008], eax
    const memory = new ArrayBuffer(0x10000);
    const translator = new CountingTranslator();
    new Uint8Array(memory).set(hex("a1 00 20 00 00 a3 04 20 00 00 a3 08 20 00 00"), CODE);
    const cpu = new Cpu({ memory, translator });
    cpu.eip = CODE;
    cpu.run(3);
    expect(translator.writes).toBe(1);
    expect(translator.reads).toBe(2); // the code page and the data page
  });

  test("flushTlb makes the next access translate again", () => {
    const memory = new ArrayBuffer(0x10000);
    const bytes = new Uint8Array(memory);
    const translator = new CountingTranslator();
    bytes.set(hex("a1 00 20 00 00 eb f9"), CODE); // loop: mov eax, [0x2000]; jmp loop
    bytes.set(hex("a1 00 20 00 00 eb f9"), CODE + 0x4000);
    bytes[DATA] = 1;
    bytes[DATA + 0x4000] = 2;
    const cpu = new Cpu({ memory, translator });
    cpu.eip = CODE;
    cpu.run(4);
    expect(cpu.regs[EAX]).toBe(1);
    translator.offset = 0x4000; // the kernel changed the mapping of the running address space
    cpu.run(2);
    expect(cpu.regs[EAX]).toBe(1);
    cpu.flushTlb();
    cpu.run(2);
    expect(cpu.regs[EAX]).toBe(2);
  });
});

describe("decoded code invalidation", () => {
  test("a store into decoded code takes effect", () => {
    // mov ecx, 2; x: nop; mov byte [x], 0x42 (inc edx); dec ecx; jnz x; int 0x40. The nop runs
    // once and is decoded before the store patches it, so edx is 1 only if the store drops it.
    const code = hex("b9 02 00 00 00 90 c6 05 05 10 00 00 42 49 75 f5 cd 40");
    const { cpu } = makeMachine(code, { userVectors: [64] });
    expect(cpu.run(100)).toMatchObject({ type: "trap", vector: 64 });
    expect(cpu.regs[EDX]).toBe(1);
  });

  test("invalidateCode drops code after an outside write", () => {
    const { cpu, bytes } = makeMachine(hex("40 eb fd")); // inc eax; jmp back
    cpu.run(4);
    expect(cpu.regs[EAX]).toBe(2);
    bytes[CODE] = 0x48; // dec eax, written without the CPU
    cpu.invalidateCode(CODE >>> 12);
    cpu.run(4);
    expect(cpu.regs[EAX]).toBe(0);
  });

  test("without invalidateCode an outside write is not seen", () => {
    const { cpu, bytes } = makeMachine(hex("40 eb fd"));
    cpu.run(4);
    bytes[CODE] = 0x48;
    cpu.run(4);
    expect(cpu.regs[EAX]).toBe(4);
  });
});

describe("16-bit addressing", () => {
  test("address-size prefix uses bx+si", () => {
    // mov eax, [bx+si] with 0x67; ebx = 0x11000 (only bx = 0x1000 counts), esi = 0x1000
    const { cpu, bytes } = makeMachine(hex("67 8b 00"));
    new DataView(bytes.buffer).setUint32(0x2000, 0xcafe, true);
    cpu.regs[EBX] = 0x11000;
    cpu.regs[6] = 0x1000;
    cpu.run(1);
    expect(cpu.regs[EAX]).toBe(0xcafe);
  });
});
