import { describe, expect, test } from "vitest";
import { CrashDevice } from "./crash-device";
import { MemoryDevice } from "./devices";
import { MkfsError, quoteName } from "./diagnostics";
import { FileSystem, type MountOptions } from "./file-system";
import { encodeDirent, type GeometryName, planSuperblock, T_DEV, T_FILE } from "./format";
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
    [2n, TypeError, "create: type 2n (a bigint) is not a number"],
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

describe("readi, writei and iget", () => {
  test("readi cuts n at the end of the file before checking dst", () => {
    const fs = FileSystem.mount(image());
    const ip = fs.namei("/f")!;
    const dst = new Uint8Array(100);
    expect(fs.readi(ip, dst, 4950, 200)).toBe(50);
    expect(dst.subarray(0, 50)).toEqual(new Uint8Array(50).fill(7));
  });

  test.each([
    [
      () => [new Uint8Array(100), 0, 200],
      RangeError,
      "readi: dst of 100 bytes is shorter than the 200 bytes to read at offset 0",
    ],
    [() => [new Uint8Array(100), Number.NaN, 10], RangeError, "readi: off NaN is not an integer"],
    [() => [new Uint8Array(100), 0, 1.5], RangeError, "readi: n 1.5 is not an integer"],
    [() => [new Uint8Array(100), "0", 10], TypeError, 'readi: off "0" is not a number'],
    [() => [[1, 2], 0, 2], TypeError, "readi: dst 1,2 is not a Uint8Array"],
  ])("readi rejects bad arguments, case %#", (args, kind, message) => {
    const device = image();
    const fs = FileSystem.mount(device);
    const ip = fs.namei("/f")!;
    const [dst, off, n] = args() as [Uint8Array, number, number];
    rejects(device, fs, () => fs.readi(ip, dst, off, n), kind, message);
    expect(fs.readi(ip, new Uint8Array(10), 0, 10)).toBe(10);
  });

  test.each([
    [() => [new Uint8Array(10), 0, 20], RangeError, "writei: src of 10 bytes is shorter than n 20"],
    [() => [new Uint8Array(10), 0, Number.NaN], RangeError, "writei: n NaN is not an integer"],
    [() => ["hello", 0, 5], TypeError, 'writei: src "hello" is not a Uint8Array'],
  ])("writei rejects bad arguments, case %#", (args, kind, message) => {
    const device = image();
    const fs = FileSystem.mount(device);
    const ip = fs.namei("/f")!;
    const [src, off, n] = args() as [Uint8Array, number, number];
    fs.beginOp();
    rejects(device, fs, () => fs.writei(ip, src, off, n), kind, message);
    expect(ip.size).toBe(5000);
  });

  test.each([
    [0, RangeError, "iget: inode number 0 is not an integer from 1 to 199"],
    [200, RangeError, "iget: inode number 200 is not an integer from 1 to 199"],
    [Number.NaN, RangeError, "iget: inode number NaN is not an integer from 1 to 199"],
    ["5", TypeError, 'iget: inode number "5" is not a number'],
  ])("iget rejects inode number %s", (inum, kind, message) => {
    const device = image();
    const fs = FileSystem.mount(device);
    rejects(device, fs, () => fs.iget(inum as number), kind, message);
  });
});

describe("mount options", () => {
  test.each([
    [
      { buffers: Number.NaN },
      RangeError,
      "mount: option buffers NaN is not an integer from 37 to 65536",
    ],
    [{ buffers: -1 }, RangeError, "mount: option buffers -1 is not an integer from 37 to 65536"],
    [{ buffers: 10 }, RangeError, "mount: option buffers 10 is not an integer from 37 to 65536"],
    [{ buffers: "many" }, TypeError, 'mount: option buffers "many" is not a number'],
    [
      { inodes: Number.NaN },
      RangeError,
      "mount: option inodes NaN is not an integer from 2 to 65536",
    ],
    [{ inodes: -1 }, RangeError, "mount: option inodes -1 is not an integer from 2 to 65536"],
    [{ readOnly: "yes" }, TypeError, 'mount: option readOnly "yes" is not a boolean'],
  ])("mount rejects %o before writing", (options, kind, message) => {
    const device = image();
    const before = device.snapshot();
    const mount = () => FileSystem.mount(device, options as MountOptions);
    expect(mount).toThrow(kind);
    expect(mount).toThrow(message);
    expect(same(device.bytes, before)).toBe(true);
  });

  test("mount takes the smallest buffers and inodes allowed", () => {
    const fs = FileSystem.mount(image(), { buffers: 37, inodes: 2 });
    expect(fs.writeFile("/a", new Uint8Array(5000)).ok).toBe(true);
  });
});

describe("host API", () => {
  test.each([
    [
      () => (fs: FileSystem) => fs.writeFile(5 as unknown as string, new Uint8Array(3)),
      TypeError,
      "writeFile: path 5 is not a string",
    ],
    [
      () => (fs: FileSystem) => fs.writeFile("/s", "hello" as unknown as Uint8Array),
      TypeError,
      'writeFile: data "hello" is not a Uint8Array',
    ],
    [
      () => (fs: FileSystem) => fs.readFile(null as unknown as string),
      TypeError,
      "readFile: path null is not a string",
    ],
    [
      () => (fs: FileSystem) => fs.listDir(1 as unknown as string),
      TypeError,
      "listDir: path 1 is not a string",
    ],
    [
      () => (fs: FileSystem) => fs.remove(undefined as unknown as string),
      TypeError,
      "remove: path undefined is not a string",
    ],
    [
      () => (fs: FileSystem) => fs.stat(2 as unknown as string),
      TypeError,
      "stat: path 2 is not a string",
    ],
    [
      () => (fs: FileSystem) => fs.mkdir("/d", { parents: "yes" as unknown as boolean }),
      TypeError,
      'mkdir: option parents "yes" is not a boolean',
    ],
  ])("host call with a wrong type raises TypeError, case %#", (make, kind, message) => {
    const device = image();
    const fs = FileSystem.mount(device);
    rejects(device, fs, () => make()(fs), kind, message);
  });

  test("host calls reject relative paths", () => {
    const device = image();
    const fs = FileSystem.mount(device);
    const before = device.snapshot();
    const reason = '"relative" is not an absolute path; host paths start with "/"';
    expect(fs.writeFile("relative", new Uint8Array(3))).toEqual({ ok: false, reason });
    expect(fs.mkdir("relative")).toEqual({ ok: false, reason });
    expect(fs.stat("f")).toEqual({
      ok: false,
      reason: '"f" is not an absolute path; host paths start with "/"',
    });
    expect(fs.listDir("")).toEqual({
      ok: false,
      reason: '"" is not an absolute path; host paths start with "/"',
    });
    expect(same(device.bytes, before)).toBe(true);
  });
});

describe("format helpers", () => {
  test("quoteName raises TypeError for a name that is not a string", () => {
    expect(() => quoteName(5 as unknown as string)).toThrow(
      new TypeError("quoteName: name 5 is not a string"),
    );
  });

  test("encodeDirent rejects an inum past 16 bits and writes nothing", () => {
    const buf = new Uint8Array(16);
    expect(() => encodeDirent(buf, 0, 70000, "x")).toThrow(
      new RangeError("encodeDirent: inum 70000 is not an integer from 0 to 65535"),
    );
    expect(() => encodeDirent(buf, 10, 1, "x")).toThrow(
      new RangeError("encodeDirent: off 10 is not an integer from 0 to 0"),
    );
    expect(() => encodeDirent(buf, 0, 1, 7 as unknown as string)).toThrow(
      new TypeError("encodeDirent: name 7 is not a string"),
    );
    expect(buf).toEqual(new Uint8Array(16));
  });

  test.each([
    [
      ["xv6", -1, 200, 30],
      RangeError,
      "planSuperblock: size -1 is not an integer from 1 to 16777216",
    ],
    [
      ["xv6", Number.NaN, 200, 30],
      RangeError,
      "planSuperblock: size NaN is not an integer from 1 to 16777216",
    ],
    [["xv6", 1000, "200", 30], TypeError, 'planSuperblock: ninodes "200" is not a number'],
    [
      ["xv6", 1000, 200, 5],
      RangeError,
      "planSuperblock: nlog 5 is not an integer from 11 to 65536",
    ],
    [
      ["ext4", 1000, 200, 30],
      RangeError,
      'planSuperblock: geometry "ext4" is neither "xv6" nor "extended"',
    ],
    [
      ["xv6", 40, 200, 30],
      RangeError,
      "planSuperblock: size 40 leaves no data blocks: the data area starts at block 59",
    ],
  ])("planSuperblock rejects %j", (args, kind, message) => {
    const [geometry, size, ninodes, nlog] = args as [GeometryName, number, number, number];
    expect(() => planSuperblock(geometry, size, ninodes, nlog)).toThrow(new kind(message));
  });
});

describe("devices and options of mkfs, fsck, mount and CrashDevice", () => {
  test("a value that is not a device raises TypeError", () => {
    expect(() => mkfs(undefined as unknown as MemoryDevice)).toThrow(
      new TypeError("mkfs: device undefined is not a BlockDevice"),
    );
    expect(() => fsck("disk.img" as unknown as MemoryDevice)).toThrow(
      new TypeError('fsck: device "disk.img" is not a BlockDevice'),
    );
    expect(() => FileSystem.mount(null as unknown as MemoryDevice)).toThrow(
      new TypeError("mount: device null is not a BlockDevice"),
    );
    expect(() => new CrashDevice({} as MemoryDevice)).toThrow(
      new TypeError("CrashDevice: device [object Object] is not a BlockDevice"),
    );
  });

  test("fsck rejects a maxProblems below 1", () => {
    expect(() => fsck(image(), { maxProblems: -1 })).toThrow(
      new RangeError(
        "fsck: option maxProblems -1 is neither an integer of at least 1 nor Infinity",
      ),
    );
    expect(() => fsck(image(), { maxProblems: Number.NaN })).toThrow(
      new RangeError(
        "fsck: option maxProblems NaN is neither an integer of at least 1 nor Infinity",
      ),
    );
    expect(fsck(image(), { maxProblems: Number.POSITIVE_INFINITY }).clean).toBe(true);
  });

  test("CrashDevice rejects a negative crashAfter", () => {
    expect(() => new CrashDevice(image(), { crashAfter: -1 })).toThrow(
      new RangeError(
        "CrashDevice: option crashAfter -1 is neither an integer of at least 0 nor Infinity",
      ),
    );
  });

  test("mkfs rejects files that are not an array", () => {
    const device = new MemoryDevice(1000, 512);
    expect(() => mkfs(device, { files: "x" as unknown as [] })).toThrow(
      new MkfsError('files must be an array of entries; got "x"'),
    );
    expect(same(device.bytes, new Uint8Array(512 * 1000))).toBe(true);
  });
});
