/**
 * Argument checks of the host API: every bad option or argument raises a TypeError or RangeError
 * that names the function, the argument and the value as received, before anything changes.
 */
import { MemoryDevice, mkfs } from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import { Assembler } from "./asm.js";
import { Kernel, type KernelOptions } from "./constants.js";

const MIB = 1024 * 1024;

/** Builds a disk whose /init loops forever without system calls. */
function spinDisk(): MemoryDevice {
  const device = new MemoryDevice(1000, 512);
  const init = new Assembler().label("spin").jump("spin").build();
  mkfs(device, { geometry: "xv6", size: 1000, files: [{ path: "/init", data: init }] });
  return device;
}

/** Builds and boots a kernel with 4 MiB of memory; init (pid 1) exists, nothing has run. */
function bootedKernel(): Kernel {
  const kernel = new Kernel({ device: spinDisk(), memorySize: 4 * MIB });
  kernel.boot();
  return kernel;
}

/** Options that differ from valid ones in one place, by intent: the point is to pass bad values. */
function withOption(extra: Record<string, unknown>): KernelOptions {
  return { device: new MemoryDevice(10, 512), memorySize: 4 * MIB, ...extra } as KernelOptions;
}

describe("Kernel constructor", () => {
  const cases: [string, Record<string, unknown>, ErrorConstructor, string][] = [
    [
      "missing device",
      { device: undefined },
      TypeError,
      "Kernel: device must be a block device (blockSize, blockCount, read, write, flush, close) such as a MemoryDevice or FileDevice of @xv6ts/fs-journal, got undefined",
    ],
    [
      "empty object as device",
      { device: {} },
      TypeError,
      "Kernel: device must be a block device (blockSize, blockCount, read, write, flush, close) such as a MemoryDevice or FileDevice of @xv6ts/fs-journal, got an object",
    ],
    [
      "memorySize over the CPU's maximum",
      { memorySize: 512 * MIB },
      RangeError,
      "Kernel: memorySize 536870912 is more than the CPU's maximum of 268435456 bytes (256 MiB)",
    ],
    [
      "memorySize not a multiple of 4 MiB",
      { memorySize: 1000 },
      RangeError,
      "Kernel: memorySize 1000 is not a positive multiple of 4 MiB (4194304 bytes); use e.g. 33554432 (32 MiB)",
    ],
    [
      "memorySize NaN",
      { memorySize: Number.NaN },
      RangeError,
      "Kernel: memorySize NaN is not a positive multiple of 4 MiB (4194304 bytes); use e.g. 33554432 (32 MiB)",
    ],
    [
      "memorySize as a string",
      { memorySize: "33554432" },
      TypeError,
      'Kernel: memorySize must be a number of bytes, got "33554432"',
    ],
    ["nproc zero", { nproc: 0 }, RangeError, "Kernel: nproc must be a positive integer, got 0"],
    [
      "timeSlice fraction",
      { timeSlice: 1.5 },
      RangeError,
      "Kernel: timeSlice must be a positive integer, got 1.5",
    ],
    [
      "unknown clock mode",
      { clock: { mode: "fast" } },
      RangeError,
      'Kernel: clock.mode must be "deterministic" or "realtime", got "fast"',
    ],
    [
      "clock as a string",
      { clock: "deterministic" },
      TypeError,
      'Kernel: clock must be { mode: "deterministic" } or { mode: "realtime" }, got "deterministic"',
    ],
    [
      "instructionsPerTick NaN",
      { clock: { mode: "deterministic", instructionsPerTick: Number.NaN } },
      RangeError,
      "Kernel: clock.instructionsPerTick must be a positive integer, got NaN",
    ],
    [
      "output as a string",
      { output: "x" },
      TypeError,
      'Kernel: output must be a function that takes console bytes, got "x"',
    ],
    [
      "trace as a number",
      { trace: 1 },
      TypeError,
      "Kernel: trace must be a function that takes a trace line, got 1",
    ],
  ];

  for (const [name, extra, errorClass, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(() => new Kernel(withOption(extra))).toThrow(new errorClass(message));
      expect(() => new Kernel(withOption(extra))).toThrow(errorClass);
    });
  }

  it("rejects options that are not an object", () => {
    expect(() => new Kernel(undefined as unknown as KernelOptions)).toThrow(
      new TypeError("Kernel: options must be an object with at least a device, got undefined"),
    );
  });

  it("accepts the largest memorySize the CPU takes", () => {
    expect(() => new Kernel(withOption({ memorySize: 256 * MIB }))).not.toThrow();
  });
});

describe("Kernel host arguments", () => {
  it("rejects console input that is not bytes or latin1", () => {
    const kernel = bootedKernel();
    expect(() => kernel.input(5 as unknown as string)).toThrow(
      new TypeError("Kernel.input: bytes must be a Uint8Array or a latin1 string, got 5"),
    );
    expect(() => kernel.input(null as unknown as string)).toThrow(
      new TypeError("Kernel.input: bytes must be a Uint8Array or a latin1 string, got null"),
    );
    expect(() => kernel.input("ab\u0100")).toThrow(
      new RangeError(
        "Kernel.input: character U+0100 at index 2 is above 0xff; a console byte is one latin1 character, so pass a Uint8Array for other encodings",
      ),
    );
  });

  it("rejects a readMemory length that is NaN or too large", () => {
    const kernel = bootedKernel();
    const tail = "is not an integer from 0 to 4194304, the bytes of physical memory";
    expect(() => kernel.readMemory(1, 0, Number.NaN)).toThrow(
      new RangeError(`Kernel.readMemory: length NaN ${tail}`),
    );
    expect(() => kernel.readMemory(1, 0, 2 ** 40)).toThrow(
      new RangeError(`Kernel.readMemory: length 1099511627776 ${tail}`),
    );
    expect(() => kernel.readMemory(1, 0, -1)).toThrow(
      new RangeError(`Kernel.readMemory: length -1 ${tail}`),
    );
    expect(() => kernel.readMemory(1, 0, "4" as unknown as number)).toThrow(
      new TypeError('Kernel.readMemory: length must be a number of bytes, got "4"'),
    );
  });

  it("rejects a readMemory address outside 32 bits", () => {
    const kernel = bootedKernel();
    const tail = "is not an integer from 0 to 0xffffffff";
    expect(() => kernel.readMemory(1, Number.NaN, 4)).toThrow(
      new RangeError(`Kernel.readMemory: address NaN ${tail}`),
    );
    expect(() => kernel.readMemory(1, 2 ** 32, 4)).toThrow(
      new RangeError(`Kernel.readMemory: address 4294967296 ${tail}`),
    );
    expect(() => kernel.readMemory(1, 0.5, 4)).toThrow(
      new RangeError(`Kernel.readMemory: address 0.5 ${tail}`),
    );
  });

  it("rejects a pid that is not an integer", () => {
    const kernel = bootedKernel();
    expect(() => kernel.readMemory(Number.NaN, 0, 4)).toThrow(
      new RangeError("Kernel.readMemory: pid NaN is not an integer"),
    );
    expect(() => kernel.readMemory(1.5, 0, 4)).toThrow(
      new RangeError("Kernel.readMemory: pid 1.5 is not an integer"),
    );
    expect(() => kernel.registers("1" as unknown as number)).toThrow(
      new TypeError('Kernel.registers: pid must be a number, got "1"'),
    );
    expect(() => kernel.registers(1n as unknown as number)).toThrow(
      new TypeError("Kernel.registers: pid must be a number, got 1n (a bigint)"),
    );
    expect(() => kernel.memoryMap(Number.NaN)).toThrow(
      new RangeError("Kernel.memoryMap: pid NaN is not an integer"),
    );
  });

  it("keeps working after an argument error", () => {
    const kernel = bootedKernel();
    expect(() => kernel.readMemory(1, 0, Number.NaN)).toThrow(RangeError);
    expect(kernel.readMemory(1, 0, 16)?.length).toBe(16);
    expect(kernel.readMemory(1, 0, 0)).toEqual(new Uint8Array(0));
    expect(kernel.readMemory(1, 0xfffffffc, 8)).toBeNull();
    expect(kernel.readMemory(99, 0, 4)).toBeNull();
    expect(kernel.memoryMap(99)).toBeNull();
  });

  it("rejects listeners that are not functions", () => {
    const kernel = bootedKernel();
    expect(() => kernel.onOutput("x" as unknown as () => void)).toThrow(
      new TypeError('Kernel.onOutput: listener must be a function, got "x"'),
    );
    expect(() => kernel.onConsoleWait(5 as unknown as () => void)).toThrow(
      new TypeError("Kernel.onConsoleWait: listener must be a function, got 5"),
    );
  });

  it("returns an unsubscribe function from onOutput", () => {
    const kernel = bootedKernel();
    const output: string[] = [];
    const removed: string[] = [];
    kernel.onOutput((bytes) => output.push(Buffer.from(bytes).toString("latin1")));
    const unsubscribe = kernel.onOutput((bytes) =>
      removed.push(Buffer.from(bytes).toString("latin1")),
    );
    unsubscribe();
    kernel.input("a");
    expect(output.join("")).toBe("a");
    expect(removed).toEqual([]);
  });

  it("rejects an extension handler that is not a function", () => {
    const kernel = bootedKernel();
    const register = () =>
      kernel.extension.registerSyscall(30, "x", "x" as unknown as () => number);
    expect(register).toThrow(new TypeError('registerSyscall: handler must be a function, got "x"'));
    // Nothing was registered, so a good handler takes the number afterwards.
    expect(() => kernel.extension.registerSyscall(30, "x", () => 0)).not.toThrow();
  });
});
