/**
 * The Mmu under a real @xv6ts/cpu. Each test makes one kind of mapping change, followed by the
 * flush the kernel's rules require: cpu.flushTlb() after a change to the loaded directory or a
 * switch, and cpu.invalidateCode() through onWrite after the kernel writes user memory. The CPU
 * must then use the new mapping, with no stale TLB entry or decoded instruction left.
 *
 * Each guest program is a few hand-assembled instructions at user address 0 that stop with
 * `int 0x40` (vector 64) between steps, so the test acts as the kernel between two runs.
 */
import { Cpu, EAX, EBX } from "@xv6ts/cpu";
import { describe, expect, test } from "vitest";
import { KERNBASE, Mmu, PGSIZE, PTE_D, PTE_U, PTE_W } from "../src/index.ts";

const MiB = 1024 * 1024;
const DATA = 0x1000;
const SYSCALL = 64;
const PAGE_FAULT = 14;

function le32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/** mov eax, [address] */
function loadEax(address: number): number[] {
  return [0xa1, ...le32(address)];
}

/** mov [address], eax */
function storeEax(address: number): number[] {
  return [0xa3, ...le32(address)];
}

/** mov eax, value */
function setEax(value: number): number[] {
  return [0xb8, ...le32(value)];
}

/** mov ebx, [address] */
function loadEbx(address: number): number[] {
  return [0x8b, 0x1d, ...le32(address)];
}

const INT_0X40 = [0xcd, 0x40];

interface Machine {
  mmu: Mmu;
  cpu: Cpu;
  pgdir: number;
}

/**
 * Builds an Mmu and a Cpu wired as the kernel wires them, with a loaded address space of
 * `pages` pages holding `code` at address 0.
 */
function machine(code: number[], pages = 3): Machine {
  let cpu: Cpu | undefined;
  const mmu = new Mmu({ memorySize: 4 * MiB, onWrite: (page) => cpu?.invalidateCode(page) });
  cpu = new Cpu({ memory: mmu.memory, translator: mmu, userVectors: [SYSCALL] });
  const pgdir = mmu.setupKvm();
  expect(mmu.allocUvm(pgdir, 0, pages * PGSIZE)).toBe(pages * PGSIZE);
  expect(mmu.loadUvm(pgdir, 0, Uint8Array.from(code))).toBe(true);
  mmu.switchUvm(pgdir);
  cpu.flushTlb();
  cpu.eip = 0;
  return { mmu, cpu, pgdir };
}

function writeWord(mmu: Mmu, pgdir: number, va: number, value: number): void {
  expect(mmu.copyOut(pgdir, va, Uint8Array.from(le32(value)), 0)).toBe(true);
}

/** Runs to the next trap and checks that it is the system call. */
function runToSyscall(cpu: Cpu): void {
  const result = cpu.run(100);
  expect(result).toMatchObject({ type: "trap", vector: SYSCALL });
}

/** Runs to the next trap and checks that it is a page fault at `address` with `errorCode`. */
function runToPageFault(cpu: Cpu, address: number, errorCode: number): void {
  const eip = cpu.eip;
  const result = cpu.run(100);
  expect(result).toMatchObject({
    type: "trap",
    vector: PAGE_FAULT,
    errorCode,
    faultAddress: address,
  });
  expect(cpu.eip).toBe(eip);
}

describe("Mmu with a real Cpu", () => {
  test("unmapping a page faults after flushTlb", () => {
    const { mmu, cpu, pgdir } = machine([
      ...loadEax(DATA),
      ...INT_0X40,
      ...loadEax(DATA),
      ...INT_0X40,
    ]);
    writeWord(mmu, pgdir, DATA, 0x1234);
    runToSyscall(cpu);
    expect(cpu.regs[EAX]).toBe(0x1234);

    mmu.unmapPages(pgdir, DATA, PGSIZE, true);
    cpu.flushTlb();

    runToPageFault(cpu, DATA, 4);
  });

  test("without flushTlb the stale entry is used", () => {
    // The control for the test above: it shows that the flush is what removes the entry.
    const { mmu, cpu, pgdir } = machine([
      ...loadEax(DATA),
      ...INT_0X40,
      ...loadEax(DATA),
      ...INT_0X40,
    ]);
    writeWord(mmu, pgdir, DATA, 0x1234);
    runToSyscall(cpu);

    mmu.unmapPages(pgdir, DATA, PGSIZE, false);

    runToSyscall(cpu);
    expect(cpu.regs[EAX]).toBe(0x1234);
  });

  test("remapping to another frame is seen after flushTlb", () => {
    const { mmu, cpu, pgdir } = machine([
      ...loadEax(DATA),
      ...INT_0X40,
      ...loadEax(DATA),
      ...INT_0X40,
    ]);
    writeWord(mmu, pgdir, DATA, 0x1111);
    runToSyscall(cpu);
    const frame = mmu.frames.kalloc();
    new DataView(mmu.memory).setUint32(frame, 0x2222, true);

    mmu.unmapPages(pgdir, DATA, PGSIZE, true);
    mmu.mapPages(pgdir, DATA, PGSIZE, frame, PTE_W | PTE_U);
    cpu.flushTlb();

    runToSyscall(cpu);
    expect(cpu.regs[EAX]).toBe(0x2222);
  });

  test("mapping a page that faulted lets the access retry", () => {
    const { mmu, cpu, pgdir } = machine([...loadEax(0x5000), ...INT_0X40]);
    runToPageFault(cpu, 0x5000, 4);

    mmu.mapPages(pgdir, 0x5000, PGSIZE, mmu.frames.kalloc(), PTE_W | PTE_U);
    writeWord(mmu, pgdir, 0x5000, 0x77);
    cpu.flushTlb();

    runToSyscall(cpu);
    expect(cpu.regs[EAX]).toBe(0x77);
  });

  test("clearPteU makes a used page fault with 5 and 7", () => {
    const code = [...loadEax(DATA), ...storeEax(DATA), ...INT_0X40, ...loadEax(DATA), ...INT_0X40];
    const { mmu, cpu, pgdir } = machine(code);
    runToSyscall(cpu);

    mmu.clearPteU(pgdir, DATA);
    cpu.flushTlb();

    runToPageFault(cpu, DATA, 5);
    cpu.eip = 5;
    runToPageFault(cpu, DATA, 7);
  });

  test("a read-only remap makes writes fault with 7", () => {
    const code = [...storeEax(DATA), ...INT_0X40, ...storeEax(DATA), ...INT_0X40];
    const { mmu, cpu, pgdir } = machine(code);
    runToSyscall(cpu);
    const frame = mmu.uva2ka(pgdir, DATA);
    mmu.frames.incRef(frame);

    mmu.unmapPages(pgdir, DATA, PGSIZE, true);
    mmu.mapPages(pgdir, DATA, PGSIZE, frame, PTE_U);
    cpu.flushTlb();

    runToPageFault(cpu, DATA, 7);
  });

  test("deallocUvm faults, allocUvm brings a zeroed page", () => {
    const code = [...setEax(0x99), ...storeEax(DATA), ...INT_0X40, ...loadEbx(DATA), ...INT_0X40];
    const { mmu, cpu, pgdir } = machine(code);
    runToSyscall(cpu);
    expect(mmu.deallocUvm(pgdir, 3 * PGSIZE, DATA)).toBe(DATA);
    cpu.flushTlb();
    const eip = cpu.eip;
    runToPageFault(cpu, DATA, 4);

    expect(mmu.allocUvm(pgdir, DATA, 3 * PGSIZE)).toBe(3 * PGSIZE);
    cpu.flushTlb();
    cpu.eip = eip;

    runToSyscall(cpu);
    expect(cpu.regs[EBX]).toBe(0);
  });

  test("switchUvm with flushTlb switches what the CPU sees", () => {
    const code = [...loadEax(DATA), ...INT_0X40, ...loadEax(DATA), ...INT_0X40];
    const { mmu, cpu, pgdir } = machine(code);
    const other = mmu.copyUvm(pgdir, 3 * PGSIZE);
    writeWord(mmu, pgdir, DATA, 0xaaaa);
    writeWord(mmu, other, DATA, 0xbbbb);
    runToSyscall(cpu);
    expect(cpu.regs[EAX]).toBe(0xaaaa);

    mmu.switchUvm(other);
    cpu.flushTlb();

    runToSyscall(cpu);
    expect(cpu.regs[EAX]).toBe(0xbbbb);
  });

  test("a forked child's writes stay in the child", () => {
    const code = [...setEax(0x5150), ...storeEax(DATA), ...INT_0X40];
    const { mmu, cpu, pgdir } = machine(code);
    writeWord(mmu, pgdir, DATA, 0x1);
    const child = mmu.copyUvm(pgdir, 3 * PGSIZE);

    mmu.switchUvm(child);
    cpu.flushTlb();
    runToSyscall(cpu);

    const parentWord = new Uint8Array(4);
    const childWord = new Uint8Array(4);
    mmu.copyIn(pgdir, DATA, parentWord);
    mmu.copyIn(child, DATA, childWord);
    expect([...parentWord]).toEqual(le32(0x1));
    expect([...childWord]).toEqual(le32(0x5150));
  });

  test("the first write after a read sets the dirty bit", () => {
    const code = [...loadEax(DATA), ...INT_0X40, ...storeEax(DATA), ...INT_0X40];
    const { mmu, cpu, pgdir } = machine(code);
    mmu.clearDirty(pgdir, 3 * PGSIZE);
    cpu.flushTlb();

    runToSyscall(cpu);
    expect(mmu.dirtyPages(pgdir, 3 * PGSIZE)).toEqual([]);

    runToSyscall(cpu);
    expect(mmu.dirtyPages(pgdir, 3 * PGSIZE)).toEqual([DATA]);
  });

  test("clearDirty with flushTlb catches the next write", () => {
    const code = [...storeEax(DATA), ...INT_0X40, ...storeEax(DATA), ...INT_0X40];
    const { mmu, cpu, pgdir } = machine(code);
    runToSyscall(cpu);

    mmu.clearDirty(pgdir, 3 * PGSIZE);
    cpu.flushTlb();
    runToSyscall(cpu);

    const pte = new Uint32Array(mmu.memory)[mmu.walkPgdir(pgdir, DATA, false) >>> 2];
    expect(pte & PTE_D).toBe(PTE_D);
    expect(mmu.dirtyPages(pgdir, 3 * PGSIZE)).toEqual([DATA]);
  });

  test("clearDirty without flushTlb misses the next write", () => {
    // The control for the test above: the CPU's cached write permission skips the walk.
    const code = [...storeEax(DATA), ...INT_0X40, ...storeEax(DATA), ...INT_0X40];
    const { mmu, cpu, pgdir } = machine(code);
    runToSyscall(cpu);

    mmu.clearDirty(pgdir, 3 * PGSIZE);
    runToSyscall(cpu);

    expect(mmu.dirtyPages(pgdir, 3 * PGSIZE)).toEqual([]);
  });

  test("loadUvm over executed code runs the new code", () => {
    const { mmu, cpu, pgdir } = machine([...setEax(1), ...INT_0X40]);
    runToSyscall(cpu);
    expect(cpu.regs[EAX]).toBe(1);

    expect(mmu.loadUvm(pgdir, 0, Uint8Array.from([...setEax(2), ...INT_0X40]))).toBe(true);
    cpu.eip = 0;

    runToSyscall(cpu);
    expect(cpu.regs[EAX]).toBe(2);
  });

  test("a freed code frame reused for new code runs the new code", () => {
    const { mmu, cpu, pgdir } = machine([...setEax(1), ...INT_0X40]);
    runToSyscall(cpu);
    const frame = mmu.uva2ka(pgdir, 0);
    const fresh = mmu.setupKvm();
    mmu.switchUvm(fresh);
    mmu.freeVm(pgdir);

    // The freed frames come back last-freed first, so one of five new pages gets the old frame.
    expect(mmu.allocUvm(fresh, 0, 5 * PGSIZE)).toBe(5 * PGSIZE);
    const va = [0, 1, 2, 3, 4].map((n) => n * PGSIZE).find((a) => mmu.uva2ka(fresh, a) === frame);
    if (va === undefined) throw new Error("no new page reuses the freed code frame");
    mmu.loadUvm(fresh, va, Uint8Array.from([...setEax(3), ...INT_0X40]));
    cpu.flushTlb();
    cpu.eip = va;

    runToSyscall(cpu);
    expect(cpu.regs[EAX]).toBe(3);
  });

  test("user access to kernel space and the guard faults as present", () => {
    const { mmu, cpu, pgdir } = machine([...loadEax(KERNBASE), ...INT_0X40, ...storeEax(0x2000)]);
    runToPageFault(cpu, KERNBASE, 5);

    mmu.clearPteU(pgdir, 0x2000);
    cpu.flushTlb();
    cpu.eip = 7;

    runToPageFault(cpu, 0x2000, 7);
  });
});
