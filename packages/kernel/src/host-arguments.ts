/**
 * Argument checks of the host API. A JavaScript caller can pass anything, so the constructor and
 * the inspection methods check their arguments before they change anything. A bad one raises a
 * TypeError (wrong type) or a RangeError (a number out of range, NaN or a fraction). The message
 * names the function, the argument and the value as received, and says what is expected.
 *
 * None of this runs per instruction or per system call: each check runs once per host call.
 */
import { MAX_MEMORY } from "@xv6ts/cpu";
import type { KernelOptions } from "./kernel.js";

/** The maximum physical memory of a kernel: the maximum `@xv6ts/cpu` accepts (256 MiB). */
export const MAX_MEMORY_SIZE = MAX_MEMORY;
/** Memory comes in 4 MiB steps, the size of one page-directory entry's span. */
export const MEMORY_SIZE_STEP = 4 * 1024 * 1024;

/**
 * Formats `value` as received, for argument errors: strings in quotes, other primitives as
 * `String(value)`. Extensions use it too, so their messages read like the kernel's.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n (a bigint)`;
  if (typeof value === "function") return "a function";
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length} elements`;
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}

/** Raises a TypeError unless `value` is undefined or a function. */
function checkOptionalFunction(
  owner: string,
  name: string,
  value: unknown,
  expected: string,
): void {
  if (value === undefined || typeof value === "function") return;
  throw new TypeError(`${owner}: ${name} must be ${expected}, got ${describeValue(value)}`);
}

/** Raises a TypeError unless `listener` is a function. */
export function checkListener(owner: string, listener: unknown): void {
  if (typeof listener === "function") return;
  throw new TypeError(`${owner}: listener must be a function, got ${describeValue(listener)}`);
}

/** Raises a TypeError unless `device` has the members of a `BlockDevice`. */
function checkDevice(device: unknown): void {
  const candidate = device as Record<string, unknown> | null;
  const isDevice =
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.blockSize === "number" &&
    typeof candidate.blockCount === "number" &&
    ["read", "write", "flush", "close"].every((name) => typeof candidate[name] === "function");
  if (isDevice) return;
  throw new TypeError(
    "Kernel: device must be a block device (blockSize, blockCount, read, write, flush, close) " +
      `such as a MemoryDevice or FileDevice of @xv6ts/fs-journal, got ${describeValue(device)}`,
  );
}

/** Raises unless `memorySize` is undefined or a positive multiple of 4 MiB up to 256 MiB. */
function checkMemorySize(memorySize: unknown): void {
  if (memorySize === undefined) return;
  const received = describeValue(memorySize);
  if (typeof memorySize !== "number") {
    throw new TypeError(`Kernel: memorySize must be a number of bytes, got ${received}`);
  }
  if (!Number.isInteger(memorySize) || memorySize <= 0 || memorySize % MEMORY_SIZE_STEP !== 0) {
    throw new RangeError(
      `Kernel: memorySize ${received} is not a positive multiple of 4 MiB (${MEMORY_SIZE_STEP} bytes); use e.g. ${8 * MEMORY_SIZE_STEP} (32 MiB)`,
    );
  }
  if (memorySize > MAX_MEMORY_SIZE) {
    throw new RangeError(
      `Kernel: memorySize ${received} is more than the CPU's maximum of ${MAX_MEMORY_SIZE} bytes (256 MiB)`,
    );
  }
}

/** Raises unless `value` is undefined or a positive safe integer. */
function checkOptionalCount(name: string, value: unknown, unit: string): void {
  if (value === undefined) return;
  if (typeof value !== "number") {
    throw new TypeError(`Kernel: ${name} must be a number of ${unit}, got ${describeValue(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Kernel: ${name} must be a positive integer, got ${describeValue(value)}`);
  }
}

/** Raises unless `clock` is undefined or one of the two `ClockOptions` shapes. */
function checkClock(clock: unknown): void {
  if (clock === undefined) return;
  if (typeof clock !== "object" || clock === null) {
    throw new TypeError(
      `Kernel: clock must be { mode: "deterministic" } or { mode: "realtime" }, got ${describeValue(clock)}`,
    );
  }
  const { mode, instructionsPerTick } = clock as Record<string, unknown>;
  if (mode !== "deterministic" && mode !== "realtime") {
    throw new RangeError(
      `Kernel: clock.mode must be "deterministic" or "realtime", got ${describeValue(mode)}`,
    );
  }
  if (mode === "deterministic") {
    checkOptionalCount("clock.instructionsPerTick", instructionsPerTick, "instructions");
  }
}

/** Raises a TypeError or RangeError naming the first invalid option of `new Kernel(options)`. */
export function checkKernelOptions(options: KernelOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Kernel: options must be an object with at least a device, got ${describeValue(options)}`,
    );
  }
  checkDevice(options.device);
  checkMemorySize(options.memorySize);
  checkOptionalCount("nproc", options.nproc, "process slots");
  checkClock(options.clock);
  checkOptionalCount("timeSlice", options.timeSlice, "instructions");
  checkOptionalFunction("Kernel", "output", options.output, "a function that takes console bytes");
  checkOptionalFunction("Kernel", "trace", options.trace, "a function that takes a trace line");
}

/** Raises unless `pid` is an integer; any integer may be asked for, and an unknown pid gets null. */
export function checkPid(owner: string, pid: unknown): void {
  if (typeof pid !== "number") {
    throw new TypeError(`${owner}: pid must be a number, got ${describeValue(pid)}`);
  }
  if (!Number.isInteger(pid)) {
    throw new RangeError(`${owner}: pid ${describeValue(pid)} is not an integer`);
  }
}

/** Raises unless `address` is a 32-bit address and `length` a count of at most `maxLength` bytes. */
export function checkMemoryRange(address: unknown, length: unknown, maxLength: number): void {
  const owner = "Kernel.readMemory";
  if (typeof address !== "number") {
    throw new TypeError(`${owner}: address must be a number, got ${describeValue(address)}`);
  }
  if (!Number.isInteger(address) || address < 0 || address > 0xffffffff) {
    throw new RangeError(
      `${owner}: address ${describeValue(address)} is not an integer from 0 to 0xffffffff`,
    );
  }
  if (typeof length !== "number") {
    throw new TypeError(`${owner}: length must be a number of bytes, got ${describeValue(length)}`);
  }
  if (!Number.isInteger(length) || length < 0 || length > maxLength) {
    throw new RangeError(
      `${owner}: length ${describeValue(length)} is not an integer from 0 to ${maxLength}, the bytes of physical memory`,
    );
  }
}

/** Raises unless `bytes` is a Uint8Array or a string of latin1 characters (one byte each). */
export function checkConsoleInput(bytes: unknown): void {
  const owner = "Kernel.input";
  if (bytes instanceof Uint8Array) return;
  if (typeof bytes !== "string") {
    throw new TypeError(
      `${owner}: bytes must be a Uint8Array or a latin1 string, got ${describeValue(bytes)}`,
    );
  }
  // Characters above U+00FF are the only ones that are not one byte in latin1.
  const wide = bytes.search(/[\u0100-\uffff]/);
  if (wide >= 0) {
    const code = bytes.codePointAt(wide)!.toString(16).toUpperCase().padStart(4, "0");
    throw new RangeError(
      `${owner}: character U+${code} at index ${wide} is above 0xff; a console byte is one latin1 character, so pass a Uint8Array for other encodings`,
    );
  }
}
