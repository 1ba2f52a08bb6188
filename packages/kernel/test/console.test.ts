/**
 * The console and the boot and trap messages, compared byte for byte on a booted kernel.
 */
import { describe, expect, it } from "vitest";
import { Assembler } from "./asm.js";
import { bootSession, startProgram } from "./session.js";

/** Builds a program that runs `bytes` as its first instruction. */
function faultProgram(bytes: number[]): Uint8Array {
  return new Assembler().raw(...bytes).build();
}

describe("boot", () => {
  it("prints the boot lines and the first prompt", async () => {
    const session = await bootSession({ programs: ["init", "sh"], size: 1000 });
    expect(session.text).toBe(
      "xv6...\ncpu0: starting 0\n" +
        "sb: size 1000 nblocks 941 ninodes 200 nlog 30 logstart 2 inodestart 32 bmap start 58\n" +
        "init: starting sh\n$ ",
    );
    await session.shutdown();
  });
});

describe("console through sh", () => {
  it("echoes a command and prints its output", async () => {
    const session = await bootSession({ programs: ["init", "sh", "echo"] });
    expect(await session.command("echo hello")).toBe("echo hello\nhello\n$ ");
    await session.shutdown();
  });

  it("applies backspace and ctrl-U before sh reads the line", async () => {
    const session = await bootSession({ programs: ["init", "sh", "echo"] });
    const output = await session.command("junk\x15ecjo\x08\x08ho hi");
    expect(output).toBe("junk\b \b\b \b\b \b\b \becjo\b \b\b \bho hi\nhi\n$ ");
    await session.shutdown();
  });

  it("lists processes on ctrl-P without echo", async () => {
    const session = await bootSession({ programs: ["init", "sh"] });
    await session.settle();
    const start = session.text.length;
    session.kernel.input("\x10");
    expect(session.text.slice(start)).toBe("1 sleep  init\n2 sleep  sh\n");
    await session.shutdown();
  });

  it("restarts sh after ctrl-D at an empty prompt", async () => {
    const session = await bootSession({ programs: ["init", "sh"] });
    const start = session.text.length;
    const next = session.nextConsoleWait();
    session.kernel.input("\x04");
    await next;
    expect(session.text.slice(start)).toBe("\x04init: starting sh\n$ ");
    const pids = session.kernel.processes().map((p) => `${p.pid} ${p.name}`);
    expect(pids).toEqual(["1 init", "3 sh"]);
    await session.shutdown();
  });
});

describe("traps", () => {
  const cases: [string, number[], string][] = [
    [
      "read of kernel memory",
      [0xa1, 0, 0, 0, 0x80],
      "trap 14 err 5 on cpu 0 eip 0x74 addr 0x80000000",
    ],
    [
      "read of an unmapped page",
      [0xa1, 0, 0, 0, 0x10],
      "trap 14 err 4 on cpu 0 eip 0x74 addr 0x10000000",
    ],
    [
      "write to the guard page",
      [0xa3, 0, 0x30, 0, 0],
      "trap 14 err 7 on cpu 0 eip 0x74 addr 0x3000",
    ],
    ["ud2", [0x0f, 0x0b], "trap 6 err 0 on cpu 0 eip 0x74 addr 0x0"],
    ["int3", [0xcc], "trap 13 err 26 on cpu 0 eip 0x74 addr 0x0"],
  ];

  for (const [name, bytes, expected] of cases) {
    it(`kill the process with xv6's line on ${name}`, async () => {
      const session = startProgram(faultProgram(bytes));
      await session.waitFor("--kill proc\n");
      await session.settle();
      expect(session.text.split("\n").slice(3).join("\n")).toBe(
        `pid 2 program: ${expected}--kill proc\n`,
      );
      expect(session.kernel.processes().map((p) => p.pid)).toEqual([1]);
      await session.shutdown();
    });
  }
});
