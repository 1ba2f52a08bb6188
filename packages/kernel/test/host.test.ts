/**
 * The host API around the run loop: inspection of processes, shutdown while a process computes,
 * returning to the host event loop, the real-time clock, boot failures, and traces.
 */
import { FsFormatError, MemoryDevice, mkfs } from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import { Assembler, PROBE_SZ } from "./asm.js";
import {
  BootError,
  Kernel,
  PTE_FLAGS_FOR_TESTS,
  SYS_read,
  SYS_sleep,
  SYS_write,
} from "./constants.js";
import { launcherInit, probeProgram } from "./probes.js";
import { bootSession, Session, startProgram } from "./session.js";

const { PTE_P, PTE_W, PTE_U } = PTE_FLAGS_FOR_TESTS;

/** Builds a program that loops forever without system calls. */
function spinProgram(): Uint8Array {
  return new Assembler().label("spin").jump("spin").build();
}

describe("process inspection", () => {
  it("lists processes, registers, pages and memory", async () => {
    const session = startProgram(probeProgram(() => {}));
    await session.waitForConsoleWaits(1);
    await session.settle();
    expect(session.kernel.processes()).toEqual([
      { pid: 1, state: "sleeping", name: "init", size: PROBE_SZ, parentPid: 0 },
      { pid: 2, state: "sleeping", name: "program", size: PROBE_SZ, parentPid: 1 },
    ]);
    const registers = session.kernel.registers(2)!;
    expect(registers.cs).toBe(0x1b);
    expect(registers.eax).toBe(5);
    expect(session.kernel.readMemory(2, registers.eip, 2)).toEqual(Uint8Array.of(0xcd, 0x40));

    const pages = session.kernel.memoryMap(2)!;
    expect(pages.map((page) => page.va)).toEqual([0, 0x1000, 0x2000, 0x3000, 0x4000]);
    const userWritable = PTE_P | PTE_W | PTE_U;
    expect(pages.map((page) => page.flags & userWritable)).toEqual([
      userWritable,
      userWritable,
      userWritable,
      PTE_P | PTE_W,
      userWritable,
    ]);
    expect(session.kernel.registers(9)).toBeNull();
    expect(session.kernel.memoryMap(9)).toBeNull();
    expect(session.kernel.readMemory(2, 0x80000000, 4)).toBeNull();
    await session.shutdown();
  });
});

/**
 * Builds a kernel, not yet booted, whose init runs `program` as pid 2. Unlike `startProgram`,
 * this lets a test add listeners before anything runs.
 */
function programKernel(program: Uint8Array): Kernel {
  const device = new MemoryDevice(1000, 512);
  const files = [
    { path: "/init", data: launcherInit("/program") },
    { path: "/program", data: program },
  ];
  mkfs(device, { geometry: "xv6", size: 1000, files });
  return new Kernel({ device, memorySize: 4 * 1024 * 1024 });
}

/** Builds a program that writes one byte to the console and sleeps 100 ticks, forever. */
function counterProgram(): Uint8Array {
  const asm = new Assembler();
  const dot = asm.data(".");
  asm.label("loop");
  asm.syscall(SYS_write, 1, dot, 1);
  asm.syscall(SYS_sleep, 100);
  asm.jump("loop");
  return asm.build();
}

describe("console wait listener", () => {
  it("sees the reader parked on its int $64", async () => {
    const kernel = programKernel(probeProgram(() => {}));
    const seen: unknown[] = [];
    kernel.onConsoleWait((pid) => {
      const registers = kernel.registers(pid)!;
      seen.push({
        pid,
        state: kernel.processes().find((p) => p.pid === pid)?.state,
        code: Array.from(kernel.readMemory(pid, registers.eip, 2) ?? []),
        eax: registers.eax,
        blocked: kernel.extension.findProcess(pid)?.blockedCall() ?? null,
      });
      void kernel.shutdown();
    });
    kernel.boot();
    await kernel.run();
    expect(seen).toEqual([
      {
        pid: 2,
        state: "sleeping",
        code: [0xcd, 0x40],
        eax: SYS_read,
        blocked: { syscall: SYS_read, name: "read" },
      },
    ]);
  });
});

describe("run loop", () => {
  it("lets the host run and shuts down while a process computes", async () => {
    const session = startProgram(spinProgram());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const spinning = session.kernel.processes().find((p) => p.pid === 2);
    expect(spinning?.state === "runnable" || spinning?.state === "running").toBe(true);
    await session.shutdown();
    await expect(session.running).resolves.toBeUndefined();
  });

  it("lets a host timer fire while a process sleeps in a loop", async () => {
    // Each round trip of the loop moves the deterministic clock 100 ticks without waiting. A
    // 20 ms timer must fire long before the clock reaches the limit, which the host reaches in
    // seconds when it never gets a turn.
    const limit = 50_000_000;
    const kernel = programKernel(counterProgram());
    let firedAt: number | null = null;
    kernel.onOutput(() => {
      if (kernel.ticks >= limit) void kernel.shutdown();
    });
    kernel.boot();
    const running = kernel.run();
    setTimeout(() => {
      firedAt = kernel.ticks;
      void kernel.shutdown();
    }, 20);
    await running;

    expect(firedAt).not.toBeNull();
    expect(firedAt!).toBeLessThan(limit);
  });

  it("sleeps on the wall clock in real-time mode", async () => {
    const session = await bootSession(
      { programs: ["init", "sh", "sleep", "echo"] },
      { clock: { mode: "realtime" } },
    );
    const output = await session.command("sleep 20; echo woke");
    expect(output).toBe("sleep 20; echo woke\nwoke\n$ ");
    expect(session.kernel.ticks).toBeGreaterThanOrEqual(20);
    await session.shutdown();
  });
});

describe("boot and options", () => {
  it("throws FsFormatError for a device without a file system", () => {
    const kernel = new Kernel({ device: new MemoryDevice(100, 512), memorySize: 4 * 1024 * 1024 });
    expect(() => kernel.boot()).toThrow(FsFormatError);
  });

  it("throws BootError when /init is missing", () => {
    const device = new MemoryDevice(1000, 512);
    mkfs(device, { geometry: "xv6", size: 1000, files: [] });
    const kernel = new Kernel({ device, memorySize: 4 * 1024 * 1024 });
    expect(() => kernel.boot()).toThrow(
      new BootError("/init is missing or is not an i386 ELF program that exec accepts"),
    );
  });

  it("rejects bad options with a RangeError", () => {
    const device = new MemoryDevice(10, 512);
    expect(() => new Kernel({ device, nproc: 0 })).toThrow(
      "nproc must be a positive integer, got 0",
    );
    expect(() => new Kernel({ device, memorySize: 1000 })).toThrow(RangeError);
  });

  it("prints the superblock of an extended image", async () => {
    const device = new MemoryDevice(1024, 4096);
    mkfs(device, {
      geometry: "extended",
      size: 1024,
      files: [{ path: "/init", data: spinProgram() }],
    });
    const session = new Session({ device });
    const sb = session.text.split("\n")[2]!;
    expect(sb).toMatch(
      /^sb: size 1024 nblocks \d+ ninodes \d+ nlog \d+ logstart \d+ inodestart \d+ bmap start \d+$/,
    );
    await session.shutdown();
  });
});

describe("traces", () => {
  it("writes system-call lines when XV6TS_TRACE names syscall", async () => {
    const lines: string[] = [];
    const previous = process.env.XV6TS_TRACE;
    process.env.XV6TS_TRACE = "syscall";
    try {
      const session = startProgram(
        probeProgram(() => {}),
        [],
        { trace: (line) => lines.push(line) },
      );
      await session.waitForConsoleWaits(1);
      await session.shutdown();
    } finally {
      if (previous === undefined) delete process.env.XV6TS_TRACE;
      else process.env.XV6TS_TRACE = previous;
    }
    expect(lines).toContain("[syscall] pid 1 init: mknod -> 0");
    expect(lines).toContain("[syscall] pid 2 program: read -> blocked");
  });
});
