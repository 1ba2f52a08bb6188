/**
 * Argument fetching against a real MMU address space. The CPU is represented only by its
 * register file, which is all argument fetching reads.
 */
import { Mmu } from "@xv6ts/mmu";
import { describe, expect, it } from "vitest";
import type { KernelCore } from "./core.js";
import { Process } from "./proc.js";
import { SyscallCall } from "./syscall.js";

const SZ = 0x3000;

/** Maps [0, SZ), writes `words` at esp = 0x2000 and returns a call for that process. */
function setup(words: number[], extra: { va: number; bytes: Uint8Array }[] = []) {
  const mmu = new Mmu({ memorySize: 4 * 1024 * 1024 });
  const pgdir = mmu.setupKvm();
  expect(mmu.allocUvm(pgdir, 0, SZ)).toBe(SZ);
  const stack = new Uint8Array(words.length * 4);
  const view = new DataView(stack.buffer);
  words.forEach((word, i) => {
    view.setUint32(i * 4, word >>> 0, true);
  });
  expect(mmu.copyOut(pgdir, 0x2000, stack, 0)).toBe(true);
  for (const { va, bytes } of extra) expect(mmu.copyOut(pgdir, va, bytes, 0)).toBe(true);
  const regs = new Int32Array(8);
  regs[4] = 0x2000;
  const core = { mmu, cpu: { regs } } as unknown as KernelCore;
  const call = new SyscallCall(core);
  const process = new Process(1, 0);
  process.pgdir = pgdir;
  process.sz = SZ;
  call.process = process;
  return { call, regs };
}

describe("SyscallCall", () => {
  it("fetches cdecl arguments above the return address", () => {
    const { call } = setup([0xdead, 7, -5, 0x1000]);
    expect(call.argInt(0)).toBe(7);
    expect(call.argInt(1)).toBe(-5);
    expect(call.argInt(2)).toBe(0x1000);
  });

  it("rejects an integer whose bytes reach sz", () => {
    const { call, regs } = setup([]);
    regs[4] = SZ - 8;
    expect(call.argInt(0)).not.toBeNull();
    expect(call.argInt(1)).toBeNull();
    regs[4] = -8;
    expect(call.argInt(0)).toBeNull();
  });

  it("checks pointer ranges against sz", () => {
    const { call } = setup([0, 0x2ff0, SZ, 0xffffffff, 0x80000000]);
    expect(call.argPtr(0, 16)).toBe(0x2ff0);
    expect(call.argPtr(0, 17)).toBeNull();
    expect(call.argPtr(1, 0)).toBeNull();
    expect(call.argPtr(2, 1)).toBeNull();
    expect(call.argPtr(3, 1)).toBeNull();
    expect(call.argPtr(0, -1)).toBeNull();
  });

  it("fetches a string that ends before sz", () => {
    const text = Buffer.from("hello\0", "latin1");
    const { call } = setup([0, 0x100], [{ va: 0x100, bytes: text }]);
    expect(call.argStr(0)).toBe("hello");
  });

  it("rejects a string that runs to sz", () => {
    const tail = new Uint8Array(16).fill(0x41);
    const { call } = setup([0, SZ - 16, SZ], [{ va: SZ - 16, bytes: tail }]);
    expect(call.argStr(0)).toBeNull();
    expect(call.argStr(1)).toBeNull();
  });
});
