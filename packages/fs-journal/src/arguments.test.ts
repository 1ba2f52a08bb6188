import { describe, expect, test } from "vitest";
import { MemoryDevice } from "./devices";
import { FileSystem } from "./file-system";
import { T_DEV, T_FILE } from "./format";
import { fsck } from "./fsck";
import { mkfs } from "./mkfs";

const base = new MemoryDevice(1000, 512);
mkfs(base, { files: [{ path: "/f", data: new Uint8Array(5000).fill(7) }] });

function image(): MemoryDevice {
  return base.clone();
}

/** Compares two disks byte by byte (toEqual is slow on half a megabyte). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Runs a call that must raise an argument error, and checks that it changed nothing. */
function rejects(
  device: MemoryDevice,
  fs: FileSystem,
  call: () => unknown,
  kind: typeof TypeError | typeof RangeError,
  message: string,
): void {
  const before = device.snapshot();
  const error = (() => {
    try {
      call();
    } catch (caught) {
      return caught;
    }
    return null;
  })();
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toBe(message);
  if (fs.inTransaction) fs.endOp();
  expect(fs.panicMessage).toBeNull();
  expect(same(device.bytes, before)).toBe(true);
  expect(fsck(device).problems).toEqual([]);
  // The file system goes on working after an argument error.
  expect(fs.writeFile("/after", new Uint8Array([1, 2, 3])).ok).toBe(true);
}

describe("create and ialloc", () => {
  test.each([
    [0, RangeError, "create: type 0 is not T_DIR (1), T_FILE (2) or T_DEV (3)"],
    [7, RangeError, "create: type 7 is not T_DIR (1), T_FILE (2) or T_DEV (3)"],
    [Number.NaN, RangeError, "create: type NaN is not T_DIR (1), T_FILE (2) or T_DEV (3)"],
    ["2", TypeError, 'create: type "2" is not a number'],
    [undefined, TypeError, "create: type undefined is not a number"],
  ])("create rejects type %s before writing", (type, kind, message) => {
    const device = image();
    const fs = FileSystem.mount(device);
    fs.beginOp();
    rejects(device, fs, () => fs.create("/n", type as number, 0, 0), kind, message);
    expect(fs.stat("/n").ok).toBe(false);
  });

  test("create rejects a bad path or minor", () => {
    const device = image();
    const fs = FileSystem.mount(device);
    fs.beginOp();
    rejects(
      device,
      fs,
      () => fs.create("/d", T_DEV, 1, 70000),
      RangeError,
      "create: minor 70000 is not an integer from -32768 to 32767",
    );
    fs.beginOp();
    rejects(
      device,
      fs,
      () => fs.create(5 as unknown as string, T_FILE, 0, 0),
      TypeError,
      "create: path 5 is not a string",
    );
  });

  test.each([
    [0, RangeError, "ialloc: type 0 is not T_DIR (1), T_FILE (2) or T_DEV (3)"],
    [4, RangeError, "ialloc: type 4 is not T_DIR (1), T_FILE (2) or T_DEV (3)"],
    [Number.NaN, RangeError, "ialloc: type NaN is not T_DIR (1), T_FILE (2) or T_DEV (3)"],
  ])("ialloc rejects type %s before allocating", (type, kind, message) => {
    const device = image();
    const fs = FileSystem.mount(device);
    fs.beginOp();
    rejects(device, fs, () => fs.ialloc(type), kind, message);
    fs.beginOp();
    const ip = fs.ialloc(T_FILE);
    expect(ip?.inum).toBe(4);
    fs.endOp();
  });
});
