import { describe, expect, test } from "vitest";
import { expectOk } from "../test/support";
import { CrashDevice } from "./crash-device";
import { MemoryDevice } from "./devices";
import { FsPanic } from "./diagnostics";
import { FileSystem } from "./file-system";
import { type GeometryName, T_DEV, T_DIR, T_FILE } from "./format";
import { fsck } from "./fsck";
import { mkfs } from "./mkfs";

function device(
  geometry: GeometryName = "xv6",
  size = geometry === "xv6" ? 1000 : 600,
): MemoryDevice {
  const disk = new MemoryDevice(size, geometry === "xv6" ? 512 : 4096);
  mkfs(disk, {
    geometry,
    ninodes: 64,
    files: [{ path: "/dev/console", device: { major: 1, minor: 1 } }],
    zeroDataBlocks: false,
  });
  return disk;
}

function pattern(length: number, seed = 1): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 11 + seed) & 0xff;
  return data;
}

describe("writeFile and readFile", () => {
  test("round-trip files of many sizes in both geometries", () => {
    for (const geometry of ["xv6", "extended"] as const) {
      const disk = device(geometry);
      const fs = FileSystem.mount(disk);
      const sizes =
        geometry === "xv6" ? [0, 1, 511, 512, 6144, 71680] : [0, 100, 4096, 45_056, 1_000_000];
      for (const size of sizes) {
        expect(fs.writeFile(`/f${size}`, pattern(size, size))).toEqual({
          ok: true,
          value: undefined,
        });
        const back = fs.readFile(`/f${size}`);
        expect(Buffer.from(expectOk(back)).equals(pattern(size, size))).toBe(true);
      }
      expect(fsck(disk).problems).toEqual([]);
    }
  });

  test("replacing a file truncates it first", () => {
    const disk = device();
    const fs = FileSystem.mount(disk);
    const free = fs.freeBlocks();
    fs.writeFile("/a", pattern(30_000));
    fs.writeFile("/a", pattern(100, 2));
    expect(fs.readFile("/a")).toEqual({ ok: true, value: pattern(100, 2) });
    expect(fs.freeBlocks()).toBe(free - 1);
    expect(fsck(disk).problems).toEqual([]);
  });

  test("packs data into few transactions", () => {
    const fs = FileSystem.mount(device());
    const commits = fs.logStats.commits;
    expect(fs.writeFile("/a", pattern(100)).ok).toBe(true);
    expect(fs.logStats.commits - commits).toBe(1);
    expect(fs.writeFile("/b", pattern(70_000)).ok).toBe(true);
    // 137 data blocks and an indirect block, 20 or more per transaction of 29.
    expect(fs.logStats.commits - commits).toBeLessThanOrEqual(1 + 7);
  });

  test("reports a full disk and keeps what fit", () => {
    const disk = new MemoryDevice(100, 512);
    mkfs(disk, { ninodes: 16 });
    const fs = FileSystem.mount(disk);
    // 63 free blocks: the indirect block and 62 blocks of data.
    expect(fs.freeBlocks()).toBe(63);
    const result = fs.writeFile("/big", pattern(60_000));
    expect(result).toEqual({
      ok: false,
      reason:
        'cannot write "/big": the disk is full after 31744 of 60000 bytes (the file keeps them)',
    });
    expect(fs.stat("/big")).toMatchObject({ ok: true, value: { size: 31744 } });
    expect(fsck(disk).problems).toEqual([]);
  });

  test("writeFile rejects oversized data unchanged", () => {
    const crash = new CrashDevice(device());
    const fs = FileSystem.mount(crash);
    expect(fs.writeFile("/a", pattern(100)).ok).toBe(true);
    const writes = crash.writeCount;
    expect(fs.writeFile("/a", pattern(71_681))).toEqual({
      ok: false,
      reason:
        'cannot write "/a": 71681 bytes is more than the maximum file size of 71680 bytes in the xv6 geometry',
    });
    expect(fs.writeFile("/new", pattern(200_000))).toEqual({
      ok: false,
      reason:
        'cannot write "/new": 200000 bytes is more than the maximum file size of 71680 bytes in the xv6 geometry',
    });
    expect(crash.writeCount).toBe(writes);
    expect(fs.readFile("/a")).toEqual({ ok: true, value: pattern(100) });
    expect(fs.stat("/new").ok).toBe(false);
    expect(fsck(crash).problems).toEqual([]);
  });

  test("failures carry a reason naming the path", () => {
    const fs = FileSystem.mount(device());
    fs.mkdir("/d");
    expect(fs.writeFile("/d", pattern(1))).toEqual({
      ok: false,
      reason: 'cannot write "/d": it is a directory',
    });
    expect(fs.writeFile("/dev/console", pattern(1))).toEqual({
      ok: false,
      reason: 'cannot write "/dev/console": it is a device',
    });
    expect(fs.writeFile("/no/such/file", pattern(1))).toEqual({
      ok: false,
      reason: 'cannot write "/no/such/file": "/no" does not exist',
    });
    expect(fs.writeFile("/", pattern(1))).toEqual({
      ok: false,
      reason: 'cannot write "/": it is the root directory',
    });
    expect(fs.readFile("/d")).toEqual({ ok: false, reason: 'cannot read "/d": it is a directory' });
    expect(fs.readFile("/d/x")).toEqual({
      ok: false,
      reason: 'cannot read "/d/x": "/d/x" does not exist',
    });
    expect(fs.readFile("/dev/console/x")).toEqual({
      ok: false,
      reason: 'cannot read "/dev/console/x": "/dev/console" is not a directory',
    });
  });

  test("invalid names are refused, not cut", () => {
    const fs = FileSystem.mount(device());
    expect(fs.writeFile("/abcdefghijklmno", pattern(1))).toEqual({
      ok: false,
      reason: '"abcdefghijklmno" is longer than 14 bytes, the longest name a directory entry holds',
    });
    expect(fs.writeFile("/caf\u00e9\u20ac", pattern(1))).toEqual({
      ok: false,
      reason: '"/caf\\xe9\\u20ac" has a character above 0xff; names are bytes, one per char',
    });
    expect(fs.writeFile("/a\0b", pattern(1))).toEqual({
      ok: false,
      reason: '"/a\\x00b" contains a NUL byte',
    });
    expect(fs.writeFile("/caf\u00e9", pattern(1)).ok).toBe(true);
  });
});

describe("listDir and stat", () => {
  test("list entries in disk order with their inodes", () => {
    const fs = FileSystem.mount(device());
    fs.writeFile("/a", pattern(10));
    fs.mkdir("/d");
    const listing = fs.listDir("/");
    expect(listing).toEqual({
      ok: true,
      value: [
        { name: ".", inum: 1, type: T_DIR, nlink: 3, size: 512 },
        { name: "..", inum: 1, type: T_DIR, nlink: 3, size: 512 },
        { name: "dev", inum: 2, type: T_DIR, nlink: 1, size: 512 },
        { name: "a", inum: 4, type: T_FILE, nlink: 1, size: 10 },
        { name: "d", inum: 5, type: T_DIR, nlink: 1, size: 32 },
      ],
    });
    expect(fs.listDir("/a")).toEqual({
      ok: false,
      reason: 'cannot list "/a": it is not a directory',
    });
    expect(fs.stat("/dev/console")).toEqual({
      ok: true,
      value: { type: T_DEV, dev: 1, ino: 3, nlink: 1, size: 0 },
    });
    expect(fs.stat("/nope")).toEqual({
      ok: false,
      reason: 'cannot stat "/nope": "/nope" does not exist',
    });
  });
});

describe("a full inode cache", () => {
  // With 2 cache slots, the root takes one, so a path of two elements cannot be resolved.
  test("is named as the reason", () => {
    const crash = new CrashDevice(device());
    const fs = FileSystem.mount(crash, { inodes: 2 });
    const full = "the in-memory inode cache is full";

    expect(fs.readFile("/dev/console")).toEqual({
      ok: false,
      reason: `cannot read "/dev/console": ${full}`,
    });
    expect(fs.stat("/dev/console")).toEqual({
      ok: false,
      reason: `cannot stat "/dev/console": ${full}`,
    });
    expect(fs.listDir("/dev")).toEqual({ ok: false, reason: `cannot list "/dev": ${full}` });
    expect(fs.writeFile("/dev/new", pattern(10))).toEqual({
      ok: false,
      reason: `cannot write "/dev/new": ${full}`,
    });
    expect(fs.mkdir("/dev/sub")).toEqual({ ok: false, reason: `cannot make "/dev/sub": ${full}` });
    expect(fs.remove("/dev/console")).toEqual({
      ok: false,
      reason: `cannot remove "/dev/console": ${full}`,
    });

    // A name that is not there is still reported as missing.
    expect(fs.readFile("/dev/none")).toEqual({
      ok: false,
      reason: 'cannot read "/dev/none": "/dev/none" does not exist',
    });

    // The failures left no reference behind: a path of one element still works.
    expect(fs.writeFile("/top", pattern(10)).ok).toBe(true);
    expect(fs.readFile("/top")).toEqual({ ok: true, value: pattern(10) });
    expect(fsck(crash).problems).toEqual([]);
  });
});

describe("mkdir", () => {
  test("makes one directory, or all with parents", () => {
    const disk = device();
    const fs = FileSystem.mount(disk);
    expect(fs.mkdir("/a/b/c")).toEqual({
      ok: false,
      reason: 'cannot make "/a/b/c": "/a" does not exist',
    });
    expect(fs.mkdir("/a/b/c", { parents: true })).toEqual({ ok: true, value: undefined });
    expect(fs.mkdir("/a/b/c", { parents: true })).toEqual({ ok: true, value: undefined });
    expect(fs.mkdir("/a/b")).toEqual({ ok: false, reason: 'cannot make "/a/b": "/a/b" exists' });
    expect(fs.mkdir("/")).toEqual({ ok: false, reason: 'cannot make "/": it exists' });
    expect(fs.mkdir("/", { parents: true }).ok).toBe(true);
    fs.writeFile("/f", pattern(1));
    expect(fs.mkdir("/f/g", { parents: true })).toEqual({
      ok: false,
      reason: 'cannot make "/f/g": "/f" exists and is not a directory',
    });
    expect(fs.stat("/a/b/c")).toMatchObject({ ok: true, value: { type: T_DIR, nlink: 1 } });
    expect(fs.stat("/a")).toMatchObject({ ok: true, value: { nlink: 2 } });
    expect(fsck(disk).problems).toEqual([]);
  });
});

describe("remove", () => {
  test("removes files and empty directories only", () => {
    const disk = device();
    const fs = FileSystem.mount(disk);
    const free = fs.freeBlocks();
    fs.mkdir("/d/e", { parents: true });
    fs.writeFile("/d/e/f", pattern(5000));
    expect(fs.remove("/d")).toEqual({
      ok: false,
      reason: 'cannot remove "/d": the directory is not empty',
    });
    expect(fs.remove("/d/e/.")).toEqual({
      ok: false,
      reason: 'cannot remove "/d/e/.": "." and ".." cannot be removed',
    });
    expect(fs.remove("/")).toEqual({
      ok: false,
      reason: 'cannot remove "/": it is the root directory',
    });
    expect(fs.remove("/d/x")).toEqual({
      ok: false,
      reason: 'cannot remove "/d/x": "/d/x" does not exist',
    });
    expect(fs.remove("/d/e/f").ok).toBe(true);
    expect(fs.remove("/d/e").ok).toBe(true);
    expect(fs.remove("/d").ok).toBe(true);
    expect(fs.remove("/dev/console").ok).toBe(true);
    expect(fs.freeBlocks()).toBe(free);
    expect(fsck(disk).problems).toEqual([]);
  });
});

describe("host calls and transactions", () => {
  test("each call leaves no operation open and the disk consistent", () => {
    const crash = new CrashDevice(device());
    const fs = FileSystem.mount(crash);
    fs.writeFile("/a", pattern(9000));
    fs.mkdir("/b/c", { parents: true });
    fs.remove("/a");
    expect(fs.inTransaction).toBe(false);
    expect(crash.flushCount % 4).toBe(0);
    expect(fsck(crash).problems).toEqual([]);
  });

  test("calling one inside an open operation is a panic", () => {
    const fs = FileSystem.mount(device());
    fs.beginOp();
    expect(() => fs.readFile("/a")).toThrow(FsPanic);
    expect(fs.panicMessage).toBe("host API: called while an operation is open");
  });

  test("read-only mount reads and refuses changes", () => {
    const crash = new CrashDevice(device());
    const fs = FileSystem.mount(crash, { readOnly: true });
    expect(fs.readOnly).toBe(true);
    expect(fs.listDir("/dev").ok).toBe(true);
    expect(fs.mkdir("/x")).toEqual({
      ok: false,
      reason: 'cannot make "/x": the image is mounted read-only',
    });
    expect(fs.remove("/dev/console")).toEqual({
      ok: false,
      reason: 'cannot remove "/dev/console": the image is mounted read-only',
    });
    expect(crash.writeCount).toBe(0);
  });

  test("shutdown flushes and later operations panic", () => {
    const crash = new CrashDevice(device());
    const fs = FileSystem.mount(crash);
    fs.writeFile("/a", pattern(10));
    const flushes = crash.flushCount;
    fs.shutdown();
    expect(crash.flushCount).toBe(flushes + 1);
    expect(() => fs.beginOp()).toThrow("beginOp: the file system is shut down");
  });

  test("shutdown with an operation open is a panic", () => {
    const fs = FileSystem.mount(device());
    fs.beginOp();
    expect(() => fs.shutdown()).toThrow("shutdown: an operation is still open");
  });
});
